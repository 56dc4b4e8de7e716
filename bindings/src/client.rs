//! [`PhanAnhClient`]: the one object the shells hold. Each method converts arguments, calls
//! the core client's service method (`drafts()`, `outbox()`, `reports()`, `session()`,
//! `feed()`, `tenant()`) and converts the result. No behaviour lives here.
//!
//! Async methods are exported with uniffi's tokio support: the foreign executor (Kotlin
//! coroutine, Swift task) polls the core's `Send` futures, which do their storage work on the
//! core runtime's blocking pool (never on the polling thread) and run `run_pending` as a task
//! of that runtime. A store write, once started, completes even if the caller is cancelled;
//! `run_pending` stops at its next await point.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use phananh_core::{Client, ClientOptions};

use crate::error::{parse_id, FieldError, PhanAnhError};
use crate::location::{LocationAssessment, WardLookup, WardOutlines};
use crate::platform::{
    ImageDecoder, ImageDecoderAdapter, SecretStore, SecretStoreAdapter, VideoTranscoder,
    VideoTranscoderAdapter,
};
use crate::reports::{
    BoundingBox, CachedMedia, FeedPage, FeedQuery, MediaCacheUsage, MediaRef, NearbyReports,
    OtpRequested, PushEffect, PushPlatform, Report, TenantRefresh, UserInfo,
};
use crate::sync::{OutboxSnapshot, RunSummary};
use crate::types::{
    self, Attachment, DataExportSummary, Draft, DraftEdit, LocationFix, OutboxItem, TenantConfig,
};
use std::collections::HashMap;

/// How to open the client: where its storage is, and what the platform provides.
#[derive(uniffi::Record)]
pub struct ClientConfig {
    /// App-private directory for the database and copies of attached media
    /// (Android `filesDir`, iOS Application Support).
    pub storage_dir: String,
    /// Overrides the tenant's API base URL (development builds, tests). HTTPS, or HTTP to
    /// loopback only.
    #[uniffi(default = None)]
    pub base_url: Option<String>,
    /// Tenant config JSON (the `GET api/v1/config` document) to use until one is fetched from
    /// the server: a white-label build bundles its province's. `None`: built-in Hà Tĩnh.
    #[uniffi(default = None)]
    pub default_tenant_json: Option<String>,
    /// Directory with the tenant's `*province*.geojson` and `*wards*.geojson` (app assets
    /// unpacked to storage), for naming the ward offline. `None`: no ward lookup.
    #[uniffi(default = None)]
    pub boundaries_dir: Option<String>,
    /// Keychain / Keystore for the session tokens. `None`: tokens in memory only.
    #[uniffi(default = None)]
    pub secret_store: Option<Arc<dyn SecretStore>>,
    /// Decoder for photo formats the core cannot read (HEIC).
    #[uniffi(default = None)]
    pub image_decoder: Option<Arc<dyn ImageDecoder>>,
    /// Video transcoder (Media3 Transformer / AVAssetExportSession).
    #[uniffi(default = None)]
    pub video_transcoder: Option<Arc<dyn VideoTranscoder>>,
}

#[derive(uniffi::Object)]
pub struct PhanAnhClient {
    pub(crate) core: Client,
}

type Res<T> = Result<T, PhanAnhError>;

fn all<T, U: From<T>>(v: Vec<T>) -> Vec<U> {
    v.into_iter().map(Into::into).collect()
}

#[uniffi::export(async_runtime = "tokio")]
impl PhanAnhClient {
    /// Open (or create) the app's storage, off the caller's thread. Fails with
    /// `Storage { Damaged }` on a damaged or newer database; nothing is ever deleted to
    /// "recover". Kotlin: `PhanAnhClient.open(config)` (suspend); Swift:
    /// `try await PhanAnhClient.open(config:)` (an async constructor cannot be the primary one).
    #[uniffi::constructor]
    pub async fn open(config: ClientConfig) -> Res<Arc<Self>> {
        let mut opts = ClientOptions::new(PathBuf::from(config.storage_dir));
        opts.base_url = config.base_url;
        if let Some(json) = config.default_tenant_json {
            opts.default_config = phananh_core::config::parse(&json)?;
        }
        opts.boundaries = config
            .boundaries_dir
            .map(|d| phananh_core::location::BoundarySource::Dir(d.into()));
        opts.secret_store = config
            .secret_store
            .map(|s| Arc::new(SecretStoreAdapter(s)) as Arc<dyn phananh_core::api::SecretStore>);
        opts.image_decoder = config.image_decoder.map(|d| {
            Arc::new(ImageDecoderAdapter(d)) as Arc<dyn phananh_core::media::ImageDecoder>
        });
        opts.video_transcoder = config.video_transcoder.map(|t| {
            Arc::new(VideoTranscoderAdapter(t)) as Arc<dyn phananh_core::media::VideoTranscoder>
        });
        Ok(Arc::new(Self {
            core: Client::open(opts).await?,
        }))
    }

    pub fn storage_dir(&self) -> String {
        self.core.storage_dir().to_string_lossy().into_owned()
    }

    /// The tenant config in use (memory only: cheap on any thread).
    pub fn config(&self) -> TenantConfig {
        self.core.tenant().config()
    }

    /// Replace the tenant config with a JSON document; it is checked (a config that would make
    /// the app unusable is refused and the old one kept) and kept for the next start.
    pub async fn set_config_json(&self, json: String) -> Res<TenantConfig> {
        Ok(self.core.tenant().set_config_json(json).await?)
    }

    // ----- drafts -------------------------------------------------------------------------

    pub async fn create_draft(&self) -> Res<Draft> {
        Ok(self.core.drafts().create().await?.into())
    }

    pub async fn draft(&self, id: String) -> Res<Draft> {
        let id = parse_id("draft_id", &id)?;
        Ok(self.core.drafts().get(id).await?.into())
    }

    /// Drafts still being edited, most recent first.
    pub async fn drafts(&self) -> Res<Vec<Draft>> {
        Ok(all(self.core.drafts().list().await?))
    }

    /// Autosave: apply `edits` in one transaction and return the saved draft. A position that
    /// is not finite is refused with a field error.
    pub async fn update_draft(&self, id: String, edits: Vec<DraftEdit>) -> Res<Draft> {
        let id = parse_id("draft_id", &id)?;
        Ok(self
            .core
            .drafts()
            .update(id, types::patch(edits))
            .await?
            .into())
    }

    pub async fn delete_draft(&self, id: String) -> Res<()> {
        let id = parse_id("draft_id", &id)?;
        Ok(self.core.drafts().delete(id).await?)
    }

    /// Copy a photo or video (camera file, gallery pick) into app storage and attach it. The
    /// kind is decided by the file's content. The source may be deleted afterwards.
    pub async fn add_attachment(&self, draft_id: String, path: String) -> Res<Attachment> {
        let id = parse_id("draft_id", &draft_id)?;
        Ok(self
            .core
            .drafts()
            .add_attachment(id, PathBuf::from(path))
            .await?
            .into())
    }

    pub async fn remove_attachment(&self, attachment_id: String) -> Res<()> {
        let id = parse_id("attachment_id", &attachment_id)?;
        Ok(self.core.drafts().remove_attachment(id).await?)
    }

    /// Every problem that would stop the draft from being sent (empty: ready to send).
    pub async fn validate_draft(&self, id: String) -> Res<Vec<FieldError>> {
        let id = parse_id("draft_id", &id)?;
        Ok(self.core.drafts().validate(id).await?)
    }

    /// Move a valid draft into the outbox (one transaction). Fails with `Validation` and
    /// leaves the draft untouched when it is not ready.
    pub async fn submit_draft(&self, id: String) -> Res<OutboxItem> {
        let id = parse_id("draft_id", &id)?;
        Ok(self.core.drafts().submit(id).await?.into())
    }

    /// Choose the draft's position among the device's recent fixes, its photos' EXIF
    /// positions and a pin set earlier (a `Manual` fix is a pin and wins); name its ward; save
    /// both with the draft. Returns the choice with the warnings to show.
    pub async fn set_draft_location(
        &self,
        draft_id: String,
        device_fixes: Vec<LocationFix>,
    ) -> Res<LocationAssessment> {
        let id = parse_id("draft_id", &draft_id)?;
        Ok(self
            .core
            .drafts()
            .set_location(id, all(device_fixes))
            .await?
            .into())
    }

    // ----- outbox -------------------------------------------------------------------------

    /// The send queue, oldest first.
    pub async fn outbox(&self) -> Res<Vec<OutboxItem>> {
        Ok(all(self.core.outbox().items().await?))
    }

    /// The outbox with progress, now (the subscription sends the same, then each change).
    pub async fn outbox_snapshot(&self) -> Res<OutboxSnapshot> {
        Ok(OutboxSnapshot::from(&*self.core.outbox().snapshot().await?))
    }

    /// Connectivity from the platform (`metered`: mobile data). Returns at once; going online
    /// wakes the worker.
    pub fn set_connectivity(&self, online: bool, metered: bool) {
        self.core.outbox().set_network(online, metered);
    }

    /// "Send videos only on Wi-Fi" (kept across restarts).
    pub async fn set_video_wifi_only(&self, enabled: bool) -> Res<()> {
        Ok(self.core.outbox().set_video_wifi_only(enabled).await?)
    }

    pub fn video_wifi_only(&self) -> bool {
        self.core.outbox().video_wifi_only()
    }

    /// Deliver the outbox, then pull status changes, until `deadline` (JobScheduler /
    /// BGTaskScheduler window). Stops cleanly at the deadline, or when the calling coroutine /
    /// task is cancelled; everything left is resumed by the next call.
    pub async fn run_pending(&self, deadline: SystemTime) -> Res<RunSummary> {
        let budget = deadline
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        Ok(self.core.outbox().run_pending(budget).await?.into())
    }

    /// The user pressed "cancel": the item leaves the outbox while the server cannot have it
    /// yet (a report goes back to the drafts whole). `InvalidState` once it may have been sent.
    pub async fn cancel_outbox_item(&self, client_id: String) -> Res<OutboxItem> {
        let id = parse_id("client_id", &client_id)?;
        Ok(self.core.outbox().cancel(id).await?.into())
    }

    /// The user pressed "retry" on a failed item.
    pub async fn retry_outbox_item(&self, client_id: String) -> Res<OutboxItem> {
        let id = parse_id("client_id", &client_id)?;
        Ok(self.core.outbox().retry(id).await?.into())
    }

    // ----- session ------------------------------------------------------------------------

    /// Send a one-time code by SMS to `phone` (`0912345678` or `+84912345678`).
    pub async fn request_otp(&self, phone: String) -> Res<OtpRequested> {
        Ok(self.core.session().request_otp(&phone).await?.into())
    }

    /// Verify the code; the session goes to the platform's secret store and waiting outbox
    /// items start moving.
    pub async fn sign_in(&self, phone: String, code: String) -> Res<UserInfo> {
        Ok(self.core.session().sign_in(&phone, &code).await?.into())
    }

    /// The server revokes this sign-in when reachable; the local session is forgotten.
    /// Unsent drafts and items stay on the device for this account (ask
    /// [`Self::unsent_count`] first, to say so); the next account never sees or sends them.
    pub async fn sign_out(&self) -> Res<()> {
        Ok(self.core.session().sign_out().await?)
    }

    /// Drafts and queued items of the signed-in account not delivered yet.
    pub async fn unsent_count(&self) -> Res<u32> {
        Ok(self.core.session().unsent_count().await?)
    }

    /// "Download my data" into a new folder under `dir` (`data.json` plus the media): the
    /// server's record of this account and this phone's unsent drafts.
    pub async fn export_my_data(&self, dir: String) -> Res<DataExportSummary> {
        let s = self.core.session().export_data(dir.into()).await?;
        Ok(DataExportSummary {
            path: s.path.to_string_lossy().into_owned(),
            reports: s.reports,
            media_files: s.media_files,
            media_missing: s.media_missing,
        })
    }

    /// "Delete my account": the server erases the person (public reports stay, without
    /// identity), then this phone forgets the account's data and session. Offline or refused:
    /// an error, and nothing is deleted.
    pub async fn delete_account(&self) -> Res<()> {
        Ok(self.core.session().delete_account().await?)
    }

    /// Whether a session is stored (reads the platform's secret store, off the caller's thread).
    pub async fn is_signed_in(&self) -> Res<bool> {
        Ok(self.core.session().is_signed_in().await?)
    }

    // ----- my reports, ratings --------------------------------------------------------------

    /// My reports from the local cache (works offline), newest change first.
    pub async fn my_reports(&self) -> Res<Vec<Report>> {
        Ok(all(self.core.reports().mine().await?))
    }

    /// One report with its timeline from the cache; `None` if it is not cached.
    pub async fn cached_report(&self, id: String) -> Res<Option<Report>> {
        Ok(self.core.reports().cached(&id).await?.map(Into::into))
    }

    /// Fetch one report (detail + timeline) from the server and merge it into the cache.
    pub async fn refresh_report(&self, id: String) -> Res<Report> {
        Ok(self.core.reports().refresh(&id).await?.into())
    }

    /// Pull my reports changed since the last sync; returns the ids that changed (the reports
    /// subscription sends the new list too).
    pub async fn sync_my_reports(&self) -> Res<Vec<String>> {
        Ok(self.core.reports().sync().await?)
    }

    /// "Đã sửa": confirm the latest resolution of a report I filed or follow (within 7 days
    /// of it). Queued in the outbox: works offline. `InvalidState` when not resolved, already
    /// answered or too late; `NotFound` for a report not on this device.
    pub async fn confirm_resolution(&self, report_id: String) -> Res<OutboxItem> {
        Ok(self.core.reports().confirm(&report_id).await?.into())
    }

    /// "Chưa sửa": dispute the latest resolution with what is still wrong (`text`, required,
    /// at most 1000 characters); the case reopens at the IOC. Queued like `confirm_resolution`.
    pub async fn dispute_resolution(&self, report_id: String, text: String) -> Res<OutboxItem> {
        Ok(self.core.reports().dispute(&report_id, &text).await?.into())
    }

    /// Open reports of `category` within 150 m of the point, nearest first, to offer "me
    /// too" before filing (from the cached feed when offline).
    pub async fn nearby_reports(&self, lat: f64, lon: f64, category: String) -> Res<NearbyReports> {
        Ok(self.core.feed().nearby(lat, lon, &category).await?.into())
    }

    /// `nearby_reports` around a draft's position in its category (while it is written);
    /// `Validation` naming `location` / `category` when the draft lacks them.
    pub async fn nearby_for_draft(&self, draft_id: String) -> Res<NearbyReports> {
        let id = parse_id("draft_id", &draft_id)?;
        Ok(self.core.feed().nearby_for_draft(id).await?.into())
    }

    /// "Me too": follow a report instead of filing a duplicate; its news then comes with my
    /// reports (`Report.following`). Queued in the outbox; twice gives the same item.
    /// `InvalidState` for my own report; `NotFound` for an unknown one.
    pub async fn join_report(&self, report_id: String) -> Res<OutboxItem> {
        Ok(self.core.reports().join(&report_id).await?.into())
    }

    /// Rate a resolved report of mine; `reopen` asks the province to reopen it (only at a
    /// level that allows it). Queued in the outbox: works offline.
    pub async fn rate_report(
        &self,
        report_id: String,
        level: u8,
        comment: Option<String>,
        reopen: bool,
    ) -> Res<OutboxItem> {
        Ok(self
            .core
            .reports()
            .rate(&report_id, level, comment, reopen)
            .await?
            .into())
    }

    // ----- push -----------------------------------------------------------------------------

    /// The platform handed over a (new) push token (FirebaseMessagingService.onNewToken,
    /// didRegisterForRemoteNotificationsWithDeviceToken as hex). Kept on the phone and
    /// registered for the signed-in account; true when the server has it now, false when it
    /// waits for sign-in or the network (then it is registered at the next sign-in, or by
    /// `register_pending_push_token`).
    pub async fn set_push_token(&self, platform: PushPlatform, token: String) -> Res<bool> {
        Ok(self.core.push().set_token(platform.into(), &token).await?)
    }

    /// Register the kept token if the server does not have it for this account yet (call
    /// when the network comes back).
    pub async fn register_pending_push_token(&self) -> Res<bool> {
        Ok(self.core.push().register_pending().await?)
    }

    /// A push arrived with this data (FCM `RemoteMessage.data`, APNs `userInfo` keys as
    /// strings): the report it names is fetched and merged as a sync would. A push for a
    /// report that is not this account's: `NotFound`; unreadable data: `Protocol`; nothing
    /// is changed in either case.
    pub async fn handle_push(&self, data: HashMap<String, String>) -> Res<PushEffect> {
        let data: std::collections::BTreeMap<String, String> = data.into_iter().collect();
        Ok(self.core.push().handle(&data).await?.into())
    }

    // ----- server media ---------------------------------------------------------------------

    /// A report's photo or video on this phone: from the cache, or downloaded when online
    /// (a cut download resumes where it stopped). `keep`: true for the resident's own reports
    /// and the answers to them (never evicted); false for the feed (evicted least recently
    /// used first over the budget). Not cached and offline: `Offline`; a file that does not
    /// match the size and SHA-256 the report names, or a photo that does not read as one:
    /// `Protocol`, and nothing is stored. The shells show the reason in the placeholder.
    pub async fn media_file(&self, media: MediaRef, keep: bool) -> Res<CachedMedia> {
        let keep = if keep {
            phananh_core::Keep::Always
        } else {
            phananh_core::Keep::WhileRoom
        };
        Ok(self.core.media().file(&media.into(), keep).await?.into())
    }

    /// The poster frame of a video (what its thumbnail shows, with a play badge), cached and
    /// checked like a photo (`keep` as for `media_file`). A photo, or a video the server has
    /// no poster for (`poster_url` empty): `NotFound`; the shell then shows its placeholder.
    pub async fn media_poster(&self, media: MediaRef, keep: bool) -> Res<CachedMedia> {
        let keep = if keep {
            phananh_core::Keep::Always
        } else {
            phananh_core::Keep::WhileRoom
        };
        Ok(self.core.media().poster(&media.into(), keep).await?.into())
    }

    /// Fetch (when online) and keep every photo of my cached reports and of the answers to
    /// them, and every video's poster (a video is fetched when played, and kept once here);
    /// how many are kept. Call after `sync_my_reports`.
    pub async fn keep_my_report_media(&self) -> Res<u32> {
        Ok(self.core.media().keep_my_reports().await?)
    }

    pub async fn media_cache_usage(&self) -> Res<MediaCacheUsage> {
        Ok(self.core.media().usage().await?.into())
    }

    // ----- public feed, config, location ---------------------------------------------------

    /// The public feed; the cached copy when offline (`from_cache`).
    pub async fn feed(&self, query: FeedQuery) -> Res<FeedPage> {
        Ok(self.core.feed().page(&query.into()).await?.into())
    }

    /// The reports to mark on a map showing `view` (of `category`, or all), at most 100:
    /// from the server when online, else those inside the box from every cached feed page
    /// (`from_cache`). Offline with nothing cached: the offline error.
    pub async fn map_reports(&self, view: BoundingBox, category: Option<String>) -> Res<FeedPage> {
        Ok(self
            .core
            .feed()
            .in_view(view.into(), category)
            .await?
            .into())
    }

    /// The ward outlines to draw over a map viewport, offline from the boundaries the core
    /// holds, simplified for it to at most `max_points` points in all (`None` without
    /// boundaries).
    pub async fn ward_outlines(
        &self,
        view: BoundingBox,
        max_points: u32,
    ) -> Res<Option<WardOutlines>> {
        Ok(self
            .core
            .tenant()
            .ward_outlines(view.into(), max_points)
            .await?
            .map(Into::into))
    }

    /// Call at start and from a daily job: the core asks the server for the tenant config
    /// and the ward boundaries at most once a day (ETags), keeps what changed for the next
    /// start, and refuses (typed error, old ones kept) a document that fails validation.
    /// Offline or not due: nothing happens (`checked` false).
    pub async fn refresh_tenant_if_due(&self) -> Res<TenantRefresh> {
        Ok(self.core.tenant().refresh_if_due().await?.into())
    }

    /// Fetch the tenant config if it changed (ETag); true when a new one was applied.
    pub async fn refresh_config(&self) -> Res<bool> {
        Ok(self.core.tenant().refresh().await?)
    }

    /// Ward and province of a point, offline (`None` without boundaries).
    pub async fn locate(
        &self,
        lat: f64,
        lon: f64,
        accuracy_m: Option<f64>,
    ) -> Res<Option<WardLookup>> {
        Ok(self
            .core
            .tenant()
            .locate(lat, lon, accuracy_m)
            .await?
            .map(Into::into))
    }
}
