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
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub http: HttpOptions,
    pub tus: TusOptions,
    pub backoff: Backoff,
    /// Deaths in a row during one step before the item fails as interrupted
    /// ([`machine::DEFAULT_MAX_INTERRUPTIONS`]).
    pub max_interruptions: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            http: HttpOptions::default(),
            tus: TusOptions::default(),
            backoff: Backoff::default(),
            max_interruptions: machine::DEFAULT_MAX_INTERRUPTIONS,
        }
    }
}

pub(crate) type ProgressMap = HashMap<Uuid, (u64, u64)>;

pub struct Engine {
    secrets: Arc<dyn SecretStore>,
    pub(super) opts: SyncOptions,
    api: Mutex<Option<Arc<Api>>>,
    network: Mutex<NetworkState>,
    video_wifi_only: Mutex<bool>,
    pub(super) sizer: Mutex<ChunkSizer>,
    /// Per outbox item: bytes sent of its files in this process, by attachment.
    progress: Mutex<HashMap<Uuid, ProgressMap>>,
    pub(super) last_error: Mutex<Option<machine::TransientKind>>,
    /// Per outbox item: the stored (acknowledged, total) bytes of each file, from the last
    /// snapshot; live progress is laid over these, so both paths give the same figures.
    facts: Mutex<HashMap<Uuid, Vec<AttachmentBytes>>>,
    outbox_tx: watch::Sender<Arc<OutboxSnapshot>>,
    reports_tx: watch::Sender<Arc<ReportsSnapshot>>,
    /// Signalled on anything that may let a waiting worker proceed.
    pub(super) wake: Notify,
    run_lock: tokio::sync::Mutex<()>,
    running: Mutex<bool>,
    /// Set while the account changes: a running worker stops before its next step, so no
    /// step of one account's item runs across a sign-out or sign-in.
    pub(super) stop: std::sync::atomic::AtomicBool,
    /// This opened client's id in the attempts it records: an attempt of another run that
    /// never finished was cut short by the process dying.
    pub(super) run_id: Uuid,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    pub(crate) fn new(
        store: &Store,
        secrets: Option<Arc<dyn SecretStore>>,
        opts: SyncOptions,
    ) -> Engine {
        let wifi = store
            .kv_get(VIDEO_WIFI_ONLY_KEY)
            .ok()
            .flatten()
            .is_some_and(|v| v == "1");
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
            facts: Mutex::new(HashMap::new()),
            outbox_tx: watch::Sender::new(Arc::new(OutboxSnapshot::default())),
            reports_tx: watch::Sender::new(Arc::new(ReportsSnapshot::default())),
            wake: Notify::new(),
            run_lock: tokio::sync::Mutex::new(()),
            running: Mutex::new(false),
            stop: std::sync::atomic::AtomicBool::new(false),
            run_id: Uuid::new_v4(),
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
        let api = Arc::new(Api::new(
            base_url,
            self.secrets.clone(),
            self.opts.http.clone(),
        )?);
        *guard = Some(api.clone());
        Ok(api)
    }

    pub(crate) fn signed_in(&self) -> bool {
        crate::api::auth::Auth::new(self.secrets.clone())
            .session()
            .ok()
            .flatten()
            .is_some()
    }

    /// The account whose data the device shows and sends: the server's id of the signed-in
    /// user (`None` signed out). Blocking (reads the platform's secret store).
    pub(crate) fn account(&self) -> Option<String> {
        crate::api::auth::Auth::new(self.secrets.clone())
            .session()
            .ok()
            .flatten()
            .and_then(|s| s.user_id)
    }

    /// Tell a waiting worker that something changed (new item, retry, sign-in).
    pub(crate) fn wake(&self) {
        self.wake.notify_waiters();
    }

    /// One worker at a time.
    pub(crate) async fn run_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.run_lock.lock().await
    }

    /// Drop this process's live progress of an item (delivered, cancelled).
    pub(crate) fn forget_progress(&self, item: Uuid) {
        lock(&self.progress).remove(&item);
    }

    /// Publish "my reports" when `changed` is not empty or the list differs from the last
    /// published one; otherwise subscribers hear nothing.
    pub(crate) fn publish_reports(&self, reports: Vec<phananh_wire::Report>, changed: Vec<String>) {
        self.reports_tx.send_if_modified(|cur| {
            if changed.is_empty() && cur.reports == reports {
                return false;
            }
            *cur = Arc::new(ReportsSnapshot {
                reports,
                changed,
                synced_at: Some(Utc::now()),
            });
            true
        });
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

    /// Stop any running worker before its next step and wait until it has (the account is
    /// about to change). The returned guard keeps workers out until it is dropped.
    pub(crate) async fn pause_worker(&self) -> PausedGuard<'_> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake.notify_waiters();
        let lock = self.run_lock.lock().await;
        self.stop.store(false, std::sync::atomic::Ordering::SeqCst);
        PausedGuard { _lock: lock }
    }

    pub(super) fn stop_requested(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Say "a worker is running" until the returned guard is dropped, which also happens when
    /// the caller's future is cancelled mid-run: the flag cannot stay set.
    pub(crate) fn mark_running(&self) -> RunningGuard<'_> {
        *lock(&self.running) = true;
        RunningGuard(&self.running)
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
        lock(&self.progress)
            .entry(item)
            .or_default()
            .insert(attachment, (sent, total));
        self.outbox_tx.send_if_modified(|snap| {
            let Some(i) = snap.entries.iter().position(|e| e.item.client_id == item) else {
                return false;
            };
            let facts = lock(&self.facts).get(&item).cloned().unwrap_or_default();
            let (s, t) = self.item_bytes(item, &facts);
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

    /// (acknowledged, total) of an item: each file's stored figures with this process's live
    /// progress laid over them. The one place progress is computed. While any file is still
    /// to be prepared (its upload size unknown), the item reports (0, 0).
    fn item_bytes(&self, item: Uuid, stored: &[AttachmentBytes]) -> (u64, u64) {
        if stored.iter().any(|(_, _, total)| total.is_none()) {
            return (0, 0);
        }
        let progress = lock(&self.progress);
        let live = progress.get(&item);
        stored
            .iter()
            .fold((0, 0), |(s, t), (id, st_sent, st_total)| {
                let total = st_total.unwrap_or(0);
                let sent = live
                    .and_then(|m| m.get(id))
                    .map_or(*st_sent, |(ls, _)| (*ls).max(*st_sent));
                (s + sent.min(total), t + total)
            })
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

    fn build_snapshot(
        &self,
        store: &Store,
        storage_dir: &std::path::Path,
    ) -> Result<OutboxSnapshot> {
        let cond = self.conditions();
        let mut entries = Vec::new();
        let mut facts = HashMap::new();
        for item in store.outbox_items_of(self.account().as_deref())? {
            let (views, sizes) = attachment_facts(store, storage_dir, &item)?;
            let blocked = match machine::plan(&item, &views, &cond) {
                Plan::Blocked(b) => Some(b),
                _ => None,
            };
            let preparing = sizes.iter().any(|(_, _, total)| total.is_none());
            let (bytes_sent, bytes_total) = self.item_bytes(item.client_id, &sizes);
            facts.insert(item.client_id, sizes);
            let cancellable = store.outbox_cancellable(item.client_id)?;
            entries.push(OutboxEntry {
                item,
                bytes_sent,
                bytes_total,
                preparing,
                blocked,
                cancellable,
            });
        }
        *lock(&self.facts) = facts;
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

/// (attachment id, bytes acknowledged, bytes to upload; `None` until the file is prepared).
pub(crate) type AttachmentBytes = (Uuid, u64, Option<u64>);

/// The machine's view of an item's attachments, and (id, bytes acknowledged, bytes total)
/// of each for progress.
pub(crate) fn attachment_facts(
    store: &Store,
    storage_dir: &std::path::Path,
    item: &OutboxItem,
) -> Result<(Vec<AttachmentView>, Vec<AttachmentBytes>)> {
    let OutboxKind::Report { draft_id } = &item.kind else {
        return Ok((vec![], vec![]));
    };
    let draft = store.draft(*draft_id)?;
    let mut views = Vec::new();
    let mut sizes = Vec::new();
    for a in draft.attachments {
        let size_of = |rel: &Option<String>| {
            rel.as_ref()
                .and_then(|p| std::fs::metadata(storage_dir.join(p)).ok())
                .map(|m| m.len())
        };
        let (sent, total) = match &a.upload {
            UploadState::Pending => (0, None),
            UploadState::Ready => (0, Some(size_of(&a.processed_path).unwrap_or(a.size_bytes))),
            UploadState::Uploading { offset, total, .. } => (*offset, Some(*total)),
            UploadState::Uploaded { .. } => {
                // After delivery the uploaded file is gone (retention); its size was kept.
                let t = size_of(&a.processed_path)
                    .or(a.processed_bytes)
                    .unwrap_or(a.size_bytes);
                (t, Some(t))
            }
        };
        sizes.push((a.id, sent, total));
        views.push(AttachmentView {
            id: a.id,
            kind: a.kind,
            upload: a.upload,
        });
    }
    Ok((views, sizes))
}

pub(crate) struct RunningGuard<'a>(&'a Mutex<bool>);

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        *lock(self.0) = false;
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Holds the worker lock while the account changes (see [`Engine::pause_worker`]).
pub(crate) struct PausedGuard<'a> {
    _lock: tokio::sync::MutexGuard<'a, ()>,
}
