//! [`PhanAnhClient`]: the one object the shells hold. Each method converts arguments, calls
//! the same-named `phananh_core::Client` method on the core runtime (see `runtime.rs` for
//! what cancellation means) and converts the result. No behaviour lives here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use phananh_core::{Client, ClientOptions, TenantConfig as CoreTenantConfig};

use crate::error::{parse_id, FieldProblem, PhanAnhError};
use crate::location::{LocationAssessment, WardLookup};
use crate::platform::{
    ImageDecoder, ImageDecoderAdapter, SecretStore, SecretStoreAdapter, VideoTranscoder, VideoTranscoderAdapter,
};
use crate::reports::{FeedPage, FeedQuery, OtpRequested, Report, UserInfo};
use crate::runtime::{cancellable, finish, finish_async};
use crate::sync::{OutboxSnapshot, RunSummary};
use crate::types::{self, Attachment, Draft, DraftEdit, LocationFix, OutboxItem, TenantConfig};

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

#[uniffi::export]
impl PhanAnhClient {
    /// Open (or create) the app's storage. Fails with `Storage { Damaged }` on a damaged or
    /// newer database; nothing is ever deleted to "recover".
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Res<Arc<Self>> {
        let mut opts = ClientOptions::new(PathBuf::from(config.storage_dir));
        opts.base_url = config.base_url;
        if let Some(json) = config.default_tenant_json {
            opts.default_config = CoreTenantConfig::from_json(&json)?;
        }
        opts.boundaries = config.boundaries_dir.map(|d| phananh_core::location::BoundarySource::Dir(d.into()));
        opts.secret_store = config
            .secret_store
            .map(|s| Arc::new(SecretStoreAdapter(s)) as Arc<dyn phananh_core::api::SecretStore>);
        opts.image_decoder = config
            .image_decoder
            .map(|d| Arc::new(ImageDecoderAdapter(d)) as Arc<dyn phananh_core::media::ImageDecoder>);
        opts.video_transcoder = config
            .video_transcoder
            .map(|t| Arc::new(VideoTranscoderAdapter(t)) as Arc<dyn phananh_core::media::VideoTranscoder>);
        Ok(Arc::new(Self { core: Client::open(opts)? }))
    }

    pub fn storage_dir(&self) -> String {
        self.core.storage_dir().to_string_lossy().into_owned()
    }

    /// The tenant config in use (cheap: held in memory).
    pub fn config(&self) -> TenantConfig {
        self.core.config().into()
    }

    /// Replace the tenant config with a JSON document; it is checked (a config that would make
    /// the app unusable is refused and the old one kept) and kept for the next start.
    pub async fn set_config_json(&self, json: String) -> Res<TenantConfig> {
        let core = self.core.clone();
        finish(move || {
            core.set_config(CoreTenantConfig::from_json(&json)?)?;
            Ok(core.config().into())
        })
        .await
    }

    // ----- drafts -------------------------------------------------------------------------

    pub async fn create_draft(&self) -> Res<Draft> {
        let core = self.core.clone();
        finish(move || core.create_draft().map(Into::into)).await
    }

    pub async fn draft(&self, id: String) -> Res<Draft> {
        let id = parse_id("draft_id", &id)?;
        let core = self.core.clone();
        finish(move || core.draft(id).map(Into::into)).await
    }

    /// Drafts still being edited, most recent first.
    pub async fn drafts(&self) -> Res<Vec<Draft>> {
        let core = self.core.clone();
        finish(move || Ok(core.drafts()?.into_iter().map(Into::into).collect())).await
    }

    /// Autosave: apply `edits` in one transaction and return the saved draft.
    pub async fn update_draft(&self, id: String, edits: Vec<DraftEdit>) -> Res<Draft> {
        let id = parse_id("draft_id", &id)?;
        let patch = types::patch(edits);
        let core = self.core.clone();
        finish(move || core.update_draft(id, &patch).map(Into::into)).await
    }

    pub async fn delete_draft(&self, id: String) -> Res<()> {
        let id = parse_id("draft_id", &id)?;
        let core = self.core.clone();
        finish(move || core.delete_draft(id)).await
    }

    /// Copy a photo or video (camera file, gallery pick) into app storage and attach it. The
    /// kind is decided by the file's content. The source may be deleted afterwards.
    pub async fn add_attachment(&self, draft_id: String, path: String) -> Res<Attachment> {
        let id = parse_id("draft_id", &draft_id)?;
        let core = self.core.clone();
        finish(move || core.add_attachment(id, &PathBuf::from(path)).map(Into::into)).await
    }

    pub async fn remove_attachment(&self, attachment_id: String) -> Res<()> {
        let id = parse_id("attachment_id", &attachment_id)?;
        let core = self.core.clone();
        finish(move || core.remove_attachment(id)).await
    }

    /// Every problem that would stop the draft from being sent (empty: ready to send).
    pub async fn validate_draft(&self, id: String) -> Res<Vec<FieldProblem>> {
        let id = parse_id("draft_id", &id)?;
        let core = self.core.clone();
        finish(move || Ok(core.validate_draft(id)?.into_iter().map(Into::into).collect())).await
    }

    /// Move a valid draft into the outbox (one transaction). Fails with `Validation` and
    /// leaves the draft untouched when it is not ready.
    pub async fn submit_draft(&self, id: String) -> Res<OutboxItem> {
        let id = parse_id("draft_id", &id)?;
        let core = self.core.clone();
        finish(move || core.submit_draft(id).map(Into::into)).await
    }

    /// The send queue, oldest first.
    pub async fn outbox(&self) -> Res<Vec<OutboxItem>> {
        let core = self.core.clone();
        finish(move || Ok(core.outbox()?.into_iter().map(Into::into).collect())).await
    }
}

// ----- sync, session, reports, feed, location (phananh_core::sync / location) --------------

#[uniffi::export]
impl PhanAnhClient {
    /// Connectivity from the platform (`metered`: mobile data). Going online wakes the worker.
    pub fn set_connectivity(&self, online: bool, metered: bool) {
        self.core.set_network(online, metered);
    }

    /// "Send videos only on Wi-Fi" (kept across restarts).
    pub async fn set_video_wifi_only(&self, enabled: bool) -> Res<()> {
        let core = self.core.clone();
        finish(move || core.set_video_wifi_only(enabled)).await
    }

    pub fn video_wifi_only(&self) -> bool {
        self.core.video_wifi_only()
    }

    /// Deliver the outbox, then pull status changes, until `deadline` (WorkManager /
    /// BGTaskScheduler window). Stops cleanly at the deadline, or when the calling coroutine /
    /// task is cancelled; everything left is resumed by the next call.
    pub async fn run_pending(&self, deadline: SystemTime) -> Res<RunSummary> {
        let budget = deadline.duration_since(SystemTime::now()).unwrap_or_default();
        let core = self.core.clone();
        cancellable(move || async move { core.run_pending(budget).await.map(Into::into) }).await
    }

    /// The user pressed "cancel": the item leaves the outbox while the server cannot have it
    /// yet (a report goes back to the drafts whole). `InvalidState` once it may have been sent.
    pub async fn cancel_outbox_item(&self, client_id: String) -> Res<OutboxItem> {
        let id = parse_id("client_id", &client_id)?;
        let core = self.core.clone();
        finish(move || core.cancel_outbox_item(id).map(Into::into)).await
    }

    /// The user pressed "retry" on a failed item.
    pub async fn retry_outbox_item(&self, client_id: String) -> Res<OutboxItem> {
        let id = parse_id("client_id", &client_id)?;
        let core = self.core.clone();
        finish(move || core.retry_outbox_item(id).map(Into::into)).await
    }

    /// The outbox with progress, now (the subscription sends the same, then each change).
    pub async fn outbox_snapshot(&self) -> Res<OutboxSnapshot> {
        let core = self.core.clone();
        finish(move || Ok(OutboxSnapshot::from(&*core.outbox_snapshot()))).await
    }

    // ----- session ------------------------------------------------------------------------

    /// Send a one-time code by SMS to `phone` (`0912345678` or `+84912345678`).
    pub async fn request_otp(&self, phone: String) -> Res<OtpRequested> {
        let core = self.core.clone();
        finish_async(move || async move { core.request_otp(&phone).await.map(Into::into) }).await
    }

    /// Verify the code; the session goes to the platform's secret store and waiting outbox
    /// items start moving.
    pub async fn sign_in(&self, phone: String, code: String) -> Res<UserInfo> {
        let core = self.core.clone();
        finish_async(move || async move { core.sign_in(&phone, &code).await.map(Into::into) }).await
    }

    pub async fn sign_out(&self) -> Res<()> {
        let core = self.core.clone();
        finish(move || core.sign_out()).await
    }

    pub fn is_signed_in(&self) -> bool {
        self.core.is_signed_in()
    }

    // ----- my reports, ratings --------------------------------------------------------------

    /// My reports from the local cache (works offline), newest change first.
    pub async fn my_reports(&self) -> Res<Vec<Report>> {
        let core = self.core.clone();
        finish(move || Ok(core.my_reports()?.into_iter().map(Into::into).collect())).await
    }

    /// One report with its timeline from the cache; `None` if it is not cached.
    pub async fn cached_report(&self, id: String) -> Res<Option<Report>> {
        let core = self.core.clone();
        finish(move || Ok(core.cached_report(&id)?.map(Into::into))).await
    }

    /// Fetch one report (detail + timeline) from the server and merge it into the cache.
    pub async fn refresh_report(&self, id: String) -> Res<Report> {
        let core = self.core.clone();
        finish_async(move || async move { core.refresh_report(&id).await.map(Into::into) }).await
    }

    /// Pull my reports changed since the last sync; returns the ids that changed (the reports
    /// subscription sends the new list too).
    pub async fn sync_my_reports(&self) -> Res<Vec<String>> {
        let core = self.core.clone();
        finish_async(move || async move { core.sync_my_reports().await }).await
    }

    /// Rate a resolved report of mine; `reopen` asks the province to reopen it (only at a
    /// level that allows it). Queued in the outbox: works offline.
    pub async fn rate_report(&self, report_id: String, level: u8, comment: Option<String>, reopen: bool) -> Res<OutboxItem> {
        let core = self.core.clone();
        finish(move || core.rate_report(&report_id, level, comment, reopen).map(Into::into)).await
    }

    // ----- public feed, config -------------------------------------------------------------

    /// The public feed; the cached copy when offline (`from_cache`).
    pub async fn feed(&self, query: FeedQuery) -> Res<FeedPage> {
        let core = self.core.clone();
        let q = query.into();
        finish_async(move || async move { core.feed(&q).await.map(Into::into) }).await
    }

    /// Fetch the tenant config if it changed (ETag); true when a new one was applied.
    pub async fn refresh_config(&self) -> Res<bool> {
        let core = self.core.clone();
        finish_async(move || async move { core.refresh_config().await }).await
    }

    // ----- location ------------------------------------------------------------------------

    /// Choose the draft's position among the device's recent fixes, its photos' EXIF
    /// positions and a pin set earlier (a `Manual` fix is a pin and wins); name its ward; save
    /// both with the draft. Returns the choice with the warnings to show.
    pub async fn set_draft_location(&self, draft_id: String, device_fixes: Vec<LocationFix>) -> Res<LocationAssessment> {
        let id = parse_id("draft_id", &draft_id)?;
        let fixes: Vec<_> = device_fixes.into_iter().map(Into::into).collect();
        let core = self.core.clone();
        finish(move || core.set_draft_location(id, &fixes).map(Into::into)).await
    }

    /// Ward and province of a point, offline (`None` without boundaries).
    pub async fn locate(&self, lat: f64, lon: f64, accuracy_m: Option<f64>) -> Res<Option<WardLookup>> {
        let core = self.core.clone();
        finish(move || Ok(core.locate(lat, lon, accuracy_m)?.map(Into::into))).await
    }
}
