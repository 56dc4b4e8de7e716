//! The sync engine's in-memory side: platform signals (network, Wi-Fi preference), the
//! HTTP client for the current base URL, upload progress, the published snapshots, and the
//! lock that keeps one worker at a time. Everything that must survive a crash is in the
//! store instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio::sync::{watch, Notify};
use uuid::Uuid;

use super::backoff::Backoff;
use super::events::{NetworkState, OutboxEntry, OutboxSnapshot, ReportsSnapshot, Subscription};
use super::machine::{self, AttachmentView, Conditions, Plan};
use crate::api::tus::{ChunkSizer, TusOptions};
use crate::api::{Api, HttpOptions, MemorySecretStore, SecretStore};
use crate::error::Result;
use crate::model::{OutboxItem, OutboxKind, UploadState};
use crate::store::Store;

const VIDEO_WIFI_ONLY_KEY: &str = "sync.video_wifi_only";

/// Tunables of the sync engine (defaults suit phones; tests shorten the waits).
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    pub http: HttpOptions,
    pub tus: TusOptions,
    pub backoff: Backoff,
}

pub(crate) type ProgressMap = HashMap<Uuid, (u64, u64)>;

pub struct Engine {
    secrets: Arc<dyn SecretStore>,
    pub(crate) opts: SyncOptions,
    api: Mutex<Option<Arc<Api>>>,
    network: Mutex<NetworkState>,
    video_wifi_only: Mutex<bool>,
    pub(crate) sizer: Mutex<ChunkSizer>,
    /// Per outbox item: bytes sent of its files in this process, by attachment.
    pub(crate) progress: Mutex<HashMap<Uuid, ProgressMap>>,
    pub(crate) last_error: Mutex<Option<String>>,
    outbox_tx: watch::Sender<Arc<OutboxSnapshot>>,
    pub(crate) reports_tx: watch::Sender<Arc<ReportsSnapshot>>,
    /// Signalled on anything that may let a waiting worker proceed.
    pub(crate) wake: Notify,
    pub(crate) run_lock: tokio::sync::Mutex<()>,
    pub(crate) running: Mutex<bool>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    pub(crate) fn new(store: &Store, secrets: Option<Arc<dyn SecretStore>>, opts: SyncOptions) -> Engine {
        let wifi = store.kv_get(VIDEO_WIFI_ONLY_KEY).ok().flatten().is_some_and(|v| v == "1");
        let sizer = ChunkSizer::new(&opts.tus);
        Engine {
            secrets: secrets.unwrap_or_else(|| Arc::new(MemorySecretStore::default())),
            opts,
            api: Mutex::new(None),
            network: Mutex::new(NetworkState::default()),
            video_wifi_only: Mutex::new(wifi),
            sizer: Mutex::new(sizer),
            progress: Mutex::new(HashMap::new()),
            last_error: Mutex::new(None),
            outbox_tx: watch::Sender::new(Arc::new(OutboxSnapshot::default())),
            reports_tx: watch::Sender::new(Arc::new(ReportsSnapshot::default())),
            wake: Notify::new(),
            run_lock: tokio::sync::Mutex::new(()),
            running: Mutex::new(false),
        }
    }

    /// The HTTP client for `base_url`, rebuilt when the tenant's URL changes.
    pub(crate) fn api(&self, base_url: &str) -> Result<Arc<Api>> {
        let mut guard = lock(&self.api);
        if let Some(api) = guard.as_ref() {
            if api.base_url().as_str().trim_end_matches('/') == base_url.trim_end_matches('/') {
                return Ok(api.clone());
            }
        }
        let api = Arc::new(Api::new(base_url, self.secrets.clone(), self.opts.http.clone())?);
        *guard = Some(api.clone());
        Ok(api)
    }

    pub(crate) fn signed_in(&self) -> bool {
        crate::api::auth::Auth::new(self.secrets.clone()).session().ok().flatten().is_some()
    }

    pub(crate) fn network(&self) -> NetworkState {
        *lock(&self.network)
    }

    pub(crate) fn set_network(&self, n: NetworkState) {
        *lock(&self.network) = n;
        self.wake.notify_waiters();
    }

    pub(crate) fn video_wifi_only(&self) -> bool {
        *lock(&self.video_wifi_only)
    }

    pub(crate) fn set_video_wifi_only(&self, store: &Store, on: bool) -> Result<()> {
        store.kv_set(VIDEO_WIFI_ONLY_KEY, if on { "1" } else { "0" })?;
        *lock(&self.video_wifi_only) = on;
        self.wake.notify_waiters();
        Ok(())
    }

    pub(crate) fn conditions(&self) -> Conditions {
        let n = self.network();
        Conditions {
            now: Utc::now(),
            online: n.online,
            metered: n.metered,
            video_wifi_only: self.video_wifi_only(),
            signed_in: self.signed_in(),
        }
    }

    pub fn subscribe_outbox(&self) -> Subscription<OutboxSnapshot> {
        Subscription::new(&self.outbox_tx)
    }

    pub fn subscribe_reports(&self) -> Subscription<ReportsSnapshot> {
        Subscription::new(&self.reports_tx)
    }

    /// Record bytes sent of one attachment and publish (cheap: no store access).
    pub(crate) fn set_progress(&self, item: Uuid, attachment: Uuid, sent: u64, total: u64) {
        lock(&self.progress).entry(item).or_default().insert(attachment, (sent, total));
        self.outbox_tx.send_if_modified(|snap| {
            let Some(i) = snap.entries.iter().position(|e| e.item.client_id == item) else { return false };
            let (s, t) = self.item_bytes(item, None);
            if snap.entries[i].bytes_sent == s && snap.entries[i].bytes_total == t {
                return false;
            }
            let snap = Arc::make_mut(snap);
            snap.entries[i].bytes_sent = s;
            snap.entries[i].bytes_total = t;
            snap.bytes_sent = snap.entries.iter().map(|e| e.bytes_sent).sum();
            snap.bytes_total = snap.entries.iter().map(|e| e.bytes_total).sum();
            true
        });
    }

    /// (sent, total) of an item from the progress map, completed with stored facts.
    fn item_bytes(&self, item: Uuid, stored: Option<&[AttachmentBytes]>) -> (u64, u64) {
        let progress = lock(&self.progress);
        let live = progress.get(&item);
        match stored {
            Some(atts) => atts.iter().fold((0, 0), |(s, t), (id, st_sent, st_total)| {
                let (ls, lt) = live.and_then(|m| m.get(id)).copied().unwrap_or((*st_sent, *st_total));
                (s + ls.max(*st_sent).min(lt.max(*st_total)), t + lt.max(*st_total))
            }),
            None => live.map_or((0, 0), |m| m.values().fold((0, 0), |(s, t), (a, b)| (s + a, t + b))),
        }
    }

    /// Rebuild the outbox snapshot from the store and publish it if it differs.
    pub(crate) fn publish_outbox(&self, store: &Store, storage_dir: &std::path::Path) {
        let snap = match self.build_snapshot(store, storage_dir) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "outbox snapshot failed");
                return;
            }
        };
        self.outbox_tx.send_if_modified(|cur| {
            if **cur == snap {
                return false;
            }
            *cur = Arc::new(snap);
            true
        });
    }

    fn build_snapshot(&self, store: &Store, storage_dir: &std::path::Path) -> Result<OutboxSnapshot> {
        let cond = self.conditions();
        let mut entries = Vec::new();
        for item in store.outbox_items()? {
            let (views, sizes) = attachment_facts(store, storage_dir, &item)?;
            let blocked = match machine::plan(&item, &views, &cond) {
                Plan::Blocked(b) => Some(b),
                _ => None,
            };
            let (bytes_sent, bytes_total) = self.item_bytes(item.client_id, Some(&sizes));
            let cancellable = store.outbox_cancellable(item.client_id)?;
            entries.push(OutboxEntry { item, bytes_sent, bytes_total, blocked, cancellable });
        }
        Ok(OutboxSnapshot {
            bytes_sent: entries.iter().map(|e| e.bytes_sent).sum(),
            bytes_total: entries.iter().map(|e| e.bytes_total).sum(),
            entries,
            network: self.network(),
            signed_in: cond.signed_in,
            running: *lock(&self.running),
            last_error: lock(&self.last_error).clone(),
        })
    }
}

/// (attachment id, bytes acknowledged, bytes total).
pub(crate) type AttachmentBytes = (Uuid, u64, u64);

/// The machine's view of an item's attachments, and (id, bytes acknowledged, bytes total)
/// of each for progress.
pub(crate) fn attachment_facts(
    store: &Store,
    storage_dir: &std::path::Path,
    item: &OutboxItem,
) -> Result<(Vec<AttachmentView>, Vec<AttachmentBytes>)> {
    let OutboxKind::Report { draft_id } = &item.kind else { return Ok((vec![], vec![])) };
    let draft = store.draft(*draft_id)?;
    let mut views = Vec::new();
    let mut sizes = Vec::new();
    for a in draft.attachments {
        let size_of = |rel: &Option<String>| {
            rel.as_ref().and_then(|p| std::fs::metadata(storage_dir.join(p)).ok()).map(|m| m.len())
        };
        let (sent, total) = match &a.upload {
            UploadState::Pending => (0, a.size_bytes),
            UploadState::Ready => (0, size_of(&a.processed_path).unwrap_or(a.size_bytes)),
            UploadState::Uploading { offset, total, .. } => (*offset, *total),
            UploadState::Uploaded { .. } => {
                let t = size_of(&a.processed_path).unwrap_or(a.size_bytes);
                (t, t)
            }
        };
        sizes.push((a.id, sent, total));
        views.push(AttachmentView { id: a.id, kind: a.kind, upload: a.upload });
    }
    Ok((views, sizes))
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
