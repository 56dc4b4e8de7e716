//! [`Client`]: the one object the shells hold. It opens the app's storage and hands out small
//! services, one per concern, as matrix-rust-sdk's client hands out `send_queue()`:
//!
//! | service | what |
//! |---|---|
//! | [`Client::drafts`] | drafts and their attachments, validation, location, submit |
//! | [`Client::outbox`] | the send queue: snapshots with progress, `run_pending`, cancel, retry, platform signals |
//! | [`Client::reports`] | "my reports" (filed and followed): cache, status sync, ratings, confirm/dispute a resolution, "me too" (join) |
//! | [`Client::session`] | OTP sign-in and sign-out |
//! | [`Client::feed`] | the public feed, cached for offline use; open reports nearby ("me too") |
//! | [`Client::notices`] | the province's official notices covering a place, cached for offline use |
//! | [`Client::tenant`] | the tenant config and the ward boundaries |
//! | [`Client::push`] | the platform push token registered for the account; a push turned into a sync of its report |
//! | [`Client::media`] | server media (my reports, answers, the feed) cached for offline viewing |
//!
//! Every method that touches SQLite, the file system or the platform's secret store is
//! `async` and does that work on tokio's blocking pool (`Context::blocking`), never on the
//! thread that polls the future (a UI thread in both apps); the few synchronous methods
//! (`config()`, `set_network`) only touch memory and return at once. Services depend one way:
//! they use the shared context (store, engine, config) and the sync engine, never each other.

mod account;
mod drafts;
mod feed;
mod media;
mod notices;
mod outbox;
mod push;
mod reports;
mod session;
mod tenant;

pub use account::ExportSummary;
pub use drafts::Drafts;
pub use feed::{Feed, FeedResult, NearbyResult};
pub use media::{CachedMedia, Keep, Media};
pub use notices::{Notices, NoticesResult};
pub use outbox::Outbox;
pub use push::{Push, PushEffect};
pub use reports::Reports;
pub use session::Session;
pub use tenant::{Tenant, TenantRefresh, TENANT_REFRESH_EVERY};

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::context::ClientOptions;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(Clone)]
pub struct Client {
    ctx: Arc<Context>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("storage_dir", &self.ctx.storage_dir)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Open the client's storage (create the directory, open and migrate the database, check
    /// it, sweep media orphaned by a crash), on the blocking pool. Fails with a typed error on
    /// a damaged or newer database; it never deletes user data to "recover". Must be called
    /// within a tokio runtime; the client keeps that runtime's handle for its background work.
    pub async fn open(opts: ClientOptions) -> Result<Client> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::Internal("Client::open needs a tokio runtime".into()))?;
        let ctx = tokio::task::spawn_blocking(move || Context::open(opts, runtime))
            .await
            .map_err(|e| Error::Internal(format!("open task: {e}")))??;
        Ok(Client { ctx: Arc::new(ctx) })
    }

    pub fn drafts(&self) -> Drafts {
        Drafts::new(self.ctx.clone())
    }

    pub fn outbox(&self) -> Outbox {
        Outbox::new(self.ctx.clone())
    }

    pub fn reports(&self) -> Reports {
        Reports::new(self.ctx.clone())
    }

    pub fn session(&self) -> Session {
        Session::new(self.ctx.clone())
    }

    pub fn feed(&self) -> Feed {
        Feed::new(self.ctx.clone())
    }

    pub fn notices(&self) -> Notices {
        Notices::new(self.ctx.clone())
    }

    pub fn push(&self) -> Push {
        Push::new(self.ctx.clone())
    }

    pub fn media(&self) -> Media {
        Media::new(self.ctx.clone())
    }

    pub fn tenant(&self) -> Tenant {
        Tenant::new(self.ctx.clone())
    }

    /// The runtime the client was opened on (its blocking pool does the storage work); the
    /// bindings run subscription tasks on it.
    pub fn runtime(&self) -> tokio::runtime::Handle {
        self.ctx.runtime.clone()
    }

    /// The store, for tests and support tools. Its calls block: never from a UI thread.
    pub fn store(&self) -> &Store {
        &self.ctx.store
    }

    pub fn storage_dir(&self) -> &Path {
        &self.ctx.storage_dir
    }

    /// Absolute path of a file the store records relative to the storage directory.
    pub fn resolve(&self, rel: &str) -> PathBuf {
        self.ctx.resolve(rel)
    }
}
