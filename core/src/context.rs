//! The state every service of the [`Client`](crate::Client) shares, and the one way they
//! reach storage: [`Context::blocking`] runs store, file and secret-store work on tokio's
//! blocking pool. Below the client services, beside the sync engine that drives the outbox.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::api::Api;
use crate::config::TenantConfig;
use crate::error::{Error, Result};
use crate::model::{Attachment, Draft};
use crate::store::Store;
use crate::sync::engine::Engine;

const DB_FILE: &str = "phananh.sqlite";
pub(crate) const MEDIA_DIR: &str = "media";
/// Boundaries fetched from the server (`Tenant::refresh_boundaries`): used instead of the
/// app's bundled ones once present.
pub(crate) const BOUNDARIES_DIR: &str = "boundaries";
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
    /// Budget of the server-media cache for files that may be evicted (the feed's); media
    /// of the resident's own reports are kept whatever this says.
    pub media_cache_bytes: u64,
}

impl ClientOptions {
    pub fn new(storage_dir: impl Into<PathBuf>) -> Self {
        Self {
            storage_dir: storage_dir.into(),
            default_config: TenantConfig::ha_tinh(),
            base_url: None,
            secret_store: None,
            sync: Default::default(),
            boundaries: None,
            image_decoder: None,
            video_transcoder: None,
            media_cache_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Answer of [`Context::fetch_online`].
pub(crate) enum Fetched<T> {
    Fresh(T),
    Unreachable(Error),
}

/// What every service shares: the store, the storage directory, the tenant config, the sync
/// engine's in-memory state and the platform hooks.
pub(crate) struct Context {
    pub(crate) store: Store,
    pub(crate) storage_dir: PathBuf,
    base_url_override: Option<String>,
    config: RwLock<TenantConfig>,
    pub(crate) engine: Engine,
    boundaries: crate::location::BoundaryCache,
    image_decoder: Option<Arc<dyn crate::media::ImageDecoder>>,
    video_transcoder: Option<Arc<dyn crate::media::VideoTranscoder>>,
    /// The runtime the client was opened on: synchronous methods hand their storage work to
    /// its blocking pool and return at once.
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) media_cache_bytes: u64,
    /// One tenant refresh at a time: the foreground call and a sync started by the network
    /// returning may both find it due; the second waits and then finds it done.
    pub(crate) tenant_refresh: tokio::sync::Mutex<()>,
}

impl Context {
    pub(crate) fn open(opts: ClientOptions, runtime: tokio::runtime::Handle) -> Result<Context> {
        std::fs::create_dir_all(&opts.storage_dir).map_err(|e| Error::io(&opts.storage_dir, e))?;
        let store = Store::open(&opts.storage_dir.join(DB_FILE))?;
        let mut config = match store.kv_get(CONFIG_KEY)? {
            Some(json) => crate::config::parse(&json).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "stored tenant config unusable; using defaults");
                opts.default_config.clone()
            }),
            None => opts.default_config.clone(),
        };
        if let Some(url) = &opts.base_url {
            config.api_base_url = url.clone();
        }
        let engine = Engine::new(&store, opts.secret_store.clone(), opts.sync.clone());
        let fetched = opts.storage_dir.join(BOUNDARIES_DIR);
        let boundaries = if fetched.join("province.geojson").is_file()
            && fetched.join("wards.geojson").is_file()
        {
            Some(crate::location::BoundarySource::Dir(fetched))
        } else {
            opts.boundaries
        };
        let ctx = Context {
            store,
            storage_dir: opts.storage_dir,
            base_url_override: opts.base_url,
            config: RwLock::new(config),
            engine,
            boundaries: crate::location::BoundaryCache::new(boundaries),
            image_decoder: opts.image_decoder,
            video_transcoder: opts.video_transcoder,
            runtime,
            media_cache_bytes: opts.media_cache_bytes,
            tenant_refresh: tokio::sync::Mutex::new(()),
        };
        ctx.remove_orphan_media()?;
        // Rows written before accounts were told apart (or while signed out) belong to the
        // account signed in now.
        if let Some(account) = ctx.engine.account() {
            ctx.store.claim_unowned(&account)?;
        }
        Ok(ctx)
    }

    /// Run storage/file/secret-store work on the blocking pool and wait for it. The work runs
    /// to its end even if the caller's future is dropped, so a write is never cut in half
    /// (each store write is one transaction anyway; this also keeps file copies paired with
    /// their rows).
    pub(crate) async fn blocking<T, F>(self: &Arc<Self>, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Context) -> Result<T> + Send + 'static,
    {
        let ctx = self.clone();
        match self.runtime.spawn_blocking(move || f(&ctx)).await {
            Ok(r) => r,
            Err(e) if e.is_panic() => Err(Error::Internal(format!("storage task panicked: {e}"))),
            Err(e) => Err(Error::Internal(format!("storage task: {e}"))),
        }
    }

    /// The one rule for data shown offline from the phone's copy (feed, "me too", notices):
    /// run `fetch` when the phone is online. `Unreachable(err)`: offline, or the network failed
    /// on the way (a transient error): the caller shows its copy, or `err` when it has none.
    /// A refusal (anything not transient) is returned as the error: a copy would hide it.
    pub(crate) async fn fetch_online<T, Fut>(
        &self,
        fetch: impl FnOnce() -> Fut,
    ) -> Result<Fetched<T>>
    where
        Fut: std::future::Future<Output = Result<T>>,
    {
        if !self.engine.network().online {
            return Ok(Fetched::Unreachable(Error::Offline(
                "network unavailable".into(),
            )));
        }
        match fetch().await {
            Ok(v) => Ok(Fetched::Fresh(v)),
            Err(e) => match crate::sync::machine::classify(&e) {
                crate::sync::machine::Outcome::Transient { .. } => Ok(Fetched::Unreachable(e)),
                _ => Err(e),
            },
        }
    }

    /// Fire-and-forget storage work (publishing a snapshot after a platform signal).
    pub(crate) fn in_background(self: &Arc<Self>, f: impl FnOnce(&Context) + Send + 'static) {
        let ctx = self.clone();
        self.runtime.spawn_blocking(move || f(&ctx));
    }

    pub(crate) fn config(&self) -> TenantConfig {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replace the tenant config (one fetched from the server) and keep it for next start.
    pub(crate) fn set_config(&self, mut config: TenantConfig) -> Result<()> {
        crate::config::check(&config)?;
        self.store.kv_set(
            CONFIG_KEY,
            &serde_json::to_string(&config).map_err(|e| Error::Internal(e.to_string()))?,
        )?;
        if let Some(url) = &self.base_url_override {
            config.api_base_url = url.clone();
        }
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(())
    }

    /// HTTP client for the current tenant's base URL.
    pub(crate) fn api(&self) -> Result<Arc<Api>> {
        self.engine.api(&self.config().api_base_url)
    }

    pub(crate) fn boundaries(&self) -> Result<Option<Arc<crate::location::Boundaries>>> {
        Ok(self.boundaries.get()?)
    }

    /// SHA-256 (hex) of the wards file in use: the one fetched last when there is one (it
    /// replaced the bundled copy), else the configured source's.
    pub(crate) fn wards_sha256(&self) -> Result<Option<String>> {
        let fetched = self.storage_dir.join(BOUNDARIES_DIR).join("wards.geojson");
        if fetched.is_file() {
            let (_, sha256, _) = crate::media::hash_file(&fetched)?;
            return Ok(Some(sha256));
        }
        Ok(self.boundaries.wards_sha256()?)
    }

    pub(crate) fn province_geojson(&self) -> Result<Option<String>> {
        Ok(self.boundaries.province_geojson()?)
    }

    pub(crate) fn set_boundaries(&self, b: crate::location::Boundaries) {
        self.boundaries.set(b)
    }

    pub(crate) fn image_decoder(&self) -> Option<&dyn crate::media::ImageDecoder> {
        self.image_decoder.as_deref()
    }

    pub(crate) fn video_transcoder(&self) -> Option<&dyn crate::media::VideoTranscoder> {
        self.video_transcoder.as_deref()
    }

    pub(crate) fn resolve(&self, rel: &str) -> PathBuf {
        self.storage_dir.join(rel)
    }

    pub(crate) fn media_dir(&self) -> PathBuf {
        self.storage_dir.join(MEDIA_DIR)
    }

    /// Absolute paths in a draft read from the store (which keeps them relative, because an
    /// iOS app's container path changes across updates).
    pub(crate) fn absolute(&self, mut d: Draft) -> Draft {
        d.attachments = d
            .attachments
            .into_iter()
            .map(|a| self.absolute_attachment(a))
            .collect();
        d
    }

    pub(crate) fn absolute_attachment(&self, mut a: Attachment) -> Attachment {
        a.stored_path = self.resolve(&a.stored_path).to_string_lossy().into_owned();
        a.processed_path = a
            .processed_path
            .map(|p| self.resolve(&p).to_string_lossy().into_owned());
        a
    }

    pub(crate) fn remove_files(&self, rel_paths: &[String]) {
        for p in rel_paths {
            let _ = std::fs::remove_file(self.resolve(p));
        }
    }

    /// Rebuild the outbox snapshot from the store and publish it if it changed.
    /// See [`Engine::account`].
    pub(crate) fn account(&self) -> Option<String> {
        self.engine.account()
    }

    /// After the signed-in account changed (sign-in, sign-out, account deleted): subscribers
    /// of the outbox and of "my reports" get what the new account sees.
    pub(crate) async fn republish_for_account(self: &Arc<Self>) -> Result<()> {
        self.blocking(|c| {
            c.engine.wake();
            c.publish_outbox();
            let _ = c.publish_reports(vec![]);
            Ok(())
        })
        .await
    }

    /// [`Context::account`] from async code: the secret store is read on the blocking pool.
    pub(crate) async fn signed_in_account(self: &Arc<Self>) -> Result<Option<String>> {
        self.blocking(|c| Ok(c.account())).await
    }

    /// The draft exists and belongs to the account signed in now (or, signed out, to no
    /// account); otherwise it is "not found": another person's drafts are not even named.
    pub(crate) fn check_draft_visible(&self, draft_id: uuid::Uuid) -> Result<()> {
        match self.store.draft_owner(draft_id)? {
            Some(owner) if owner == self.account() => Ok(()),
            _ => Err(Error::not_found(format!("draft {draft_id}"))),
        }
    }

    /// Same for an outbox item.
    pub(crate) fn check_item_visible(&self, client_id: uuid::Uuid) -> Result<()> {
        match self.store.outbox_owner(client_id)? {
            Some(owner) if owner == self.account() => Ok(()),
            _ => Err(Error::not_found(format!("outbox item {client_id}"))),
        }
    }

    pub(crate) fn publish_outbox(&self) {
        self.engine.publish_outbox(&self.store, &self.storage_dir);
    }

    /// Publish "my reports" from the cache when `changed` is not empty or the list differs
    /// from the last published one; otherwise subscribers hear nothing.
    pub(crate) fn publish_reports(&self, changed: Vec<String>) -> Result<()> {
        let reports = self
            .store
            .my_cached_reports(self.engine.account().as_deref())?;
        self.engine.publish_reports(reports, changed);
        Ok(())
    }

    /// A crash between copying a file and recording it leaves an unreferenced file behind;
    /// remove those (and half-written `.part` files) at start.
    fn remove_orphan_media(&self) -> Result<()> {
        let referenced: std::collections::HashSet<PathBuf> = self
            .store
            .referenced_media_paths()?
            .iter()
            .map(|p| self.resolve(p))
            .collect();
        let Ok(dirs) = std::fs::read_dir(self.media_dir()) else {
            return Ok(());
        };
        for dir in dirs.flatten() {
            let Ok(files) = std::fs::read_dir(dir.path()) else {
                continue;
            };
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
