//! [`PhanAnhClient`]: the one object the shells hold. Each method converts arguments, calls
//! the same-named `phananh_core::Client` method on the core runtime (see `runtime.rs` for
//! what cancellation means) and converts the result. No behaviour lives here.

use std::path::PathBuf;
use std::sync::Arc;

use phananh_core::{Client, ClientOptions, TenantConfig as CoreTenantConfig};

use crate::error::{parse_id, PhanAnhError};
use crate::runtime::finish;
use crate::types::{self, Attachment, Draft, DraftEdit, OutboxItem, TenantConfig};
use crate::error::FieldProblem;

/// How to open the client.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientConfig {
    /// App-private directory for the database and copies of attached media
    /// (Android `filesDir`, iOS Application Support).
    pub storage_dir: String,
    /// Overrides the tenant's API base URL (development builds, tests). HTTPS, or HTTP to
    /// loopback only.
    pub base_url: Option<String>,
    /// Tenant config JSON (the `GET api/v1/config` document) to use until one is fetched from
    /// the server: a white-label build bundles its province's. `None`: built-in Hà Tĩnh.
    pub default_tenant_json: Option<String>,
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
