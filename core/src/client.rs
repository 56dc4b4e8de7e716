//! [`Client`]: the one object the shells hold. It owns the store, the app's storage
//! directory and the tenant config; every flow of DESIGN §1 is a method on it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::Utc;
use uuid::Uuid;

use crate::config::TenantConfig;
use crate::drafts;
use crate::error::{Error, FieldError, Result};
use crate::model::{Attachment, Draft, DraftPatch, OutboxItem};
use crate::store::{NewAttachment, Store};

const DB_FILE: &str = "phananh.sqlite";
const MEDIA_DIR: &str = "media";
const CONFIG_KEY: &str = "tenant_config";

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// App-private directory: the database and copies of attached media live here.
    pub storage_dir: PathBuf,
    /// Config to use until one has been fetched and stored.
    pub default_config: TenantConfig,
    /// Overrides the config's API base URL (development, tests, the embedded stub).
    pub base_url: Option<String>,
    /// Where session tokens live (Keychain/Keystore through the bindings); `None` keeps
    /// them in memory only.
    pub secret_store: Option<Arc<dyn crate::api::SecretStore>>,
    /// Timeouts, chunking and backoff of the sync engine.
    pub sync: crate::sync::SyncOptions,
    /// The tenant's commune/ward boundaries, loaded on first location lookup.
    pub boundaries: Option<crate::location::BoundarySource>,
    /// Platform decoder for photos the core cannot decode (HEIC).
    pub image_decoder: Option<Arc<dyn crate::media::ImageDecoder>>,
    /// Platform video transcoder (Media3 / AVAssetExportSession / ffmpeg).
    pub video_transcoder: Option<Arc<dyn crate::media::VideoTranscoder>>,
}

impl ClientOptions {
    pub fn new(storage_dir: impl Into<PathBuf>) -> Self {
        Self {
            storage_dir: storage_dir.into(),
            default_config: TenantConfig::ha_tinh(),
            base_url: None, secret_store: None, sync: Default::default(),
            boundaries: None,
            image_decoder: None,
            video_transcoder: None,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    storage_dir: PathBuf,
    base_url_override: Option<String>,
    config: RwLock<TenantConfig>,
    sync: Arc<crate::sync::engine::Engine>,
    boundaries: crate::location::BoundaryCache,
    image_decoder: Option<Arc<dyn crate::media::ImageDecoder>>,
    video_transcoder: Option<Arc<dyn crate::media::VideoTranscoder>>,
}

impl Client {
    /// Open the client's storage. Fails with a typed error on a damaged or newer database;
    /// it never deletes user data to "recover".
    pub fn open(opts: ClientOptions) -> Result<Client> {
        std::fs::create_dir_all(&opts.storage_dir).map_err(|e| Error::io(&opts.storage_dir, e))?;
        let store = Store::open(&opts.storage_dir.join(DB_FILE))?;
        let mut config = match store.kv_get(CONFIG_KEY)? {
            Some(json) => TenantConfig::from_json(&json).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "stored tenant config unusable; using defaults");
                opts.default_config.clone()
            }),
            None => opts.default_config.clone(),
        };
        if let Some(url) = &opts.base_url {
            config.api_base_url = url.clone();
        }
        let sync = Arc::new(crate::sync::engine::Engine::new(&store, opts.secret_store.clone(), opts.sync.clone()));
        let client = Client {
            inner: Arc::new(Inner {
                store,
                storage_dir: opts.storage_dir,
                base_url_override: opts.base_url,
                config: RwLock::new(config),
                sync,
                boundaries: crate::location::BoundaryCache::new(opts.boundaries),
                image_decoder: opts.image_decoder,
                video_transcoder: opts.video_transcoder,
            }),
        };
        client.remove_orphan_media()?;
        Ok(client)
    }

    pub(crate) fn sync_engine_ref(&self) -> &Arc<crate::sync::engine::Engine> {
        &self.inner.sync
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn storage_dir(&self) -> &Path {
        &self.inner.storage_dir
    }

    pub fn config(&self) -> TenantConfig {
        self.inner.config.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replace the tenant config (e.g. one fetched from the server) and keep it for next start.
    pub fn set_config(&self, mut config: TenantConfig) -> Result<()> {
        config.check()?;
        self.inner.store.kv_set(CONFIG_KEY, &serde_json::to_string(&config).expect("config serializes"))?;
        if let Some(url) = &self.inner.base_url_override {
            config.api_base_url = url.clone();
        }
        *self.inner.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(())
    }

    // ----- drafts -------------------------------------------------------------------------

    pub fn create_draft(&self) -> Result<Draft> {
        let now = Utc::now();
        let draft = Draft {
            id: Uuid::now_v7(),
            created_at: now,
            updated_at: now,
            category: None,
            description: String::new(),
            location: None,
            ward: None,
            anonymous: false,
            attributes: Default::default(),
            attachments: vec![],
            state: crate::model::LocalState::Draft,
        };
        self.inner.store.insert_draft(&draft)?;
        Ok(draft)
    }

    pub fn draft(&self, id: Uuid) -> Result<Draft> {
        Ok(self.absolute(self.inner.store.draft(id)?))
    }

    /// Drafts still being edited, most recent first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        Ok(self.inner.store.editable_drafts()?.into_iter().map(|d| self.absolute(d)).collect())
    }

    /// Autosave: apply the fields present in `patch`.
    pub fn update_draft(&self, id: Uuid, patch: &DraftPatch) -> Result<Draft> {
        Ok(self.absolute(self.inner.store.patch_draft(id, patch, Utc::now())?))
    }

    pub fn delete_draft(&self, id: Uuid) -> Result<()> {
        let files = self.inner.store.delete_draft(id)?;
        self.remove_files(&files);
        let _ = std::fs::remove_dir(self.media_dir().join(id.to_string()));
        Ok(())
    }

    /// Copy a photo or video into app storage and attach it. The kind is decided by the
    /// file's content, not its name.
    pub fn add_attachment(&self, draft_id: Uuid, source: &Path) -> Result<Attachment> {
        let format = crate::media::sniff_file(source)?;
        let kind = format.kind();
        let cfg = self.config();
        let id = Uuid::now_v7();
        let rel = PathBuf::from(MEDIA_DIR).join(draft_id.to_string()).join(format!("{id}.{}", format.extension()));
        let dest = self.inner.storage_dir.join(&rel);
        // Refuse early for a draft that is gone or queued, before copying megabytes.
        let draft = self.inner.store.draft(draft_id)?;
        if draft.state != crate::model::LocalState::Draft {
            return Err(Error::invalid_state(draft.state.name(), "add attachment"));
        }
        // EXIF time/position of a photo; a too-long video is refused before it is copied.
        let facts = crate::media::attachment_facts(source, kind, &cfg.media, self.inner.image_decoder.as_deref())?;
        let imported = drafts::import_file(source, &dest, drafts::input_limit(&cfg, kind), "attachments")?;
        let new = NewAttachment {
            id,
            draft_id,
            kind,
            original_name: source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            stored_path: rel.to_string_lossy().into_owned(),
            mime: Some(format.mime().to_owned()),
            size_bytes: imported.size,
            sha256: imported.sha256,
            captured_at: facts.captured_at,
            exif_location: facts.exif_location,
        };
        match self.inner.store.insert_attachment(&new, Utc::now()) {
            Ok(a) => Ok(self.absolute_attachment(a)),
            Err(e) => {
                let _ = std::fs::remove_file(&dest);
                Err(e)
            }
        }
    }

    pub fn remove_attachment(&self, attachment_id: Uuid) -> Result<()> {
        let files = self.inner.store.delete_attachment(attachment_id, Utc::now())?;
        self.remove_files(&files);
        Ok(())
    }

    /// Every problem that would stop this draft from being sent.
    pub fn validate_draft(&self, id: Uuid) -> Result<Vec<FieldError>> {
        Ok(drafts::validate(&self.inner.store.draft(id)?, &self.config()))
    }

    /// Move a valid draft into the outbox, in one transaction, under a new client id that
    /// becomes its idempotency key.
    pub fn submit_draft(&self, id: Uuid) -> Result<OutboxItem> {
        let cfg = self.config();
        let item = self.inner.store.enqueue_draft(id, Uuid::now_v7(), Utc::now(), |draft| {
            let errors = drafts::validate(draft, &cfg);
            if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
        })?;
        // A running worker picks it up at once; subscribers see the new row.
        self.inner.sync.wake.notify_waiters();
        self.publish_outbox();
        Ok(item)
    }

    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        self.inner.store.outbox_items()
    }

    // ----- storage helpers ----------------------------------------------------------------

    fn media_dir(&self) -> PathBuf {
        self.inner.storage_dir.join(MEDIA_DIR)
    }

    /// Absolute path of a file the store records relative to the storage directory
    /// (relative, because an iOS app's container path changes across updates).
    pub fn resolve(&self, rel: &str) -> PathBuf {
        self.inner.storage_dir.join(rel)
    }

    fn absolute(&self, mut d: Draft) -> Draft {
        d.attachments = d.attachments.into_iter().map(|a| self.absolute_attachment(a)).collect();
        d
    }

    fn absolute_attachment(&self, mut a: Attachment) -> Attachment {
        a.stored_path = self.resolve(&a.stored_path).to_string_lossy().into_owned();
        a.processed_path = a.processed_path.map(|p| self.resolve(&p).to_string_lossy().into_owned());
        a
    }

    fn remove_files(&self, rel_paths: &[String]) {
        for p in rel_paths {
            let _ = std::fs::remove_file(self.resolve(p));
        }
    }

    /// A crash between copying a file and recording it leaves an unreferenced file behind;
    /// remove those (and half-written `.part` files) at start.
    fn remove_orphan_media(&self) -> Result<()> {
        let referenced: std::collections::HashSet<PathBuf> =
            self.inner.store.referenced_media_paths()?.iter().map(|p| self.resolve(p)).collect();
        let Ok(dirs) = std::fs::read_dir(self.media_dir()) else { return Ok(()) };
        for dir in dirs.flatten() {
            let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
            for f in files.flatten() {
                let path = f.path();
                if !referenced.contains(&path) {
                    tracing::info!(path = %path.display(), "removing orphan media file");
                    let _ = std::fs::remove_file(&path);
                }
            }
            let _ = std::fs::remove_dir(dir.path());
        }
        Ok(())
    }
}

impl Client {
    /// The platform's photo decoder (HEIC), if the shell gave one.
    pub fn image_decoder(&self) -> Option<&dyn crate::media::ImageDecoder> {
        self.inner.image_decoder.as_deref()
    }

    /// The platform's video transcoder, if the shell gave one.
    pub fn video_transcoder(&self) -> Option<&dyn crate::media::VideoTranscoder> {
        self.inner.video_transcoder.as_deref()
    }
}

// ----- location (DESIGN §6) ---------------------------------------------------------------

impl Client {
    /// The tenant's boundaries, if configured; loaded on first use.
    pub fn boundaries(&self) -> Result<Option<std::sync::Arc<crate::location::Boundaries>>> {
        Ok(self.inner.boundaries.get()?)
    }

    /// Replace the boundaries, e.g. with those a newly fetched tenant config carries.
    pub fn set_boundaries(&self, boundaries: crate::location::Boundaries) {
        self.inner.boundaries.set(boundaries)
    }

    /// Ward and province of a point, offline. `None` when no boundaries are configured.
    pub fn locate(&self, lat: f64, lon: f64, accuracy_m: Option<f64>) -> Result<Option<crate::location::Lookup>> {
        Ok(self.boundaries()?.map(|b| b.lookup(lat, lon, accuracy_m)))
    }

    /// Choose the draft's position among the device's recent fixes (a manual pin among them
    /// always wins), its photos' EXIF positions and a pin set earlier; name its ward; store
    /// both with the draft. Returns the choice with the warnings to show.
    pub fn set_draft_location(
        &self,
        draft_id: Uuid,
        device_fixes: &[crate::model::LocationFix],
    ) -> Result<crate::location::LocationAssessment> {
        use crate::model::LocationSource;
        let draft = self.inner.store.draft(draft_id)?;
        if draft.state != crate::model::LocalState::Draft {
            return Err(Error::invalid_state(draft.state.name(), "set location"));
        }
        let mut fixes = device_fixes.to_vec();
        fixes.extend(draft.attachments.iter().filter_map(|a| a.exif_location.clone()));
        fixes.extend(draft.location.filter(|l| l.source == LocationSource::Manual));
        let boundaries = self.boundaries()?;
        let cfg = self.config();
        let now = Utc::now();
        let mut assessment = crate::location::assess(&fixes, now, &cfg.location, boundaries.as_deref());
        // Photos without a position still say when they were taken.
        let photo_times = draft.attachments.iter().filter_map(|a| a.captured_at.or(a.exif_location.as_ref().map(|f| f.time)));
        if let Some(stale) = crate::location::stale_photo(photo_times, now, &cfg.location) {
            assessment.warnings.retain(|w| !matches!(w, crate::location::LocationWarning::PhotoStale { .. }));
            assessment.warnings.push(stale);
        }
        if let Some(fix) = &assessment.fix {
            let patch = DraftPatch {
                location: Some(Some(fix.clone())),
                ward: Some(assessment.lookup.as_ref().and_then(|l| l.ward_for_report())),
                ..Default::default()
            };
            self.inner.store.patch_draft(draft_id, &patch, now)?;
        }
        Ok(assessment)
    }
}
