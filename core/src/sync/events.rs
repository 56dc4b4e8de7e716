//! What the shells observe: snapshots of the outbox (with upload progress) and of "my
//! reports", each published through a [`Subscription`] that first yields the current state
//! and then every change. Built on `tokio::sync::watch`, so a slow listener never holds the
//! engine back: it simply sees the newest snapshot (progress events coalesce).
//!
//! For the bindings: run a task that loops on [`Subscription::next`] and calls the foreign
//! listener with the value it returned (no lock is held then); abort the task when the
//! foreign handle is dropped.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;

use super::machine::BlockReason;
use crate::model::OutboxItem;
use phananh_wire as wire;

/// Network facts from the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NetworkState {
    pub online: bool,
    /// Mobile data or a metered hotspot.
    pub metered: bool,
}

impl Default for NetworkState {
    /// Optimistic until the platform says otherwise: trying costs little, waiting for a
    /// signal that never comes would cost the report.
    fn default() -> Self {
        Self {
            online: true,
            metered: false,
        }
    }
}

/// One outbox item as a progress row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    pub item: OutboxItem,
    /// Bytes of this item's files the server has acknowledged.
    pub bytes_sent: u64,
    /// Bytes of this item's files to upload in total: 0 while its photos and videos are
    /// still being prepared (`preparing`), then fixed for the whole upload.
    pub bytes_total: u64,
    /// Photos/videos are being compressed before the upload starts.
    pub preparing: bool,
    /// Why it is not moving, if it is not.
    pub blocked: Option<BlockReason>,
    /// The user may still take it back ([`crate::client::Outbox::cancel`]): the server
    /// cannot have it yet.
    pub cancellable: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct OutboxSnapshot {
    /// Oldest first, submitted ones included (the shell decides how long to show them).
    pub entries: Vec<OutboxEntry>,
    pub bytes_sent: u64,
    pub bytes_total: u64,
    pub network: NetworkState,
    pub signed_in: bool,
    /// A worker (`run_pending`) is running.
    pub running: bool,
    /// Kind of the last transient problem met (for a discreet, localized "retrying…" line),
    /// cleared on progress.
    pub last_error: Option<super::machine::TransientKind>,
}

/// "My reports" as cached locally, newest change first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportsSnapshot {
    pub reports: Vec<wire::Report>,
    /// Ids that changed in the sync that produced this snapshot (empty on replay).
    pub changed: Vec<String>,
    pub synced_at: Option<DateTime<Utc>>,
}

/// Current value first, then each change. Cloning gives an independent subscriber.
pub struct Subscription<T> {
    rx: watch::Receiver<Arc<T>>,
}

impl<T> Clone for Subscription<T> {
    fn clone(&self) -> Self {
        let mut rx = self.rx.clone();
        rx.mark_changed();
        Self { rx }
    }
}

impl<T> Subscription<T> {
    pub(crate) fn new(tx: &watch::Sender<Arc<T>>) -> Self {
        let mut rx = tx.subscribe();
        rx.mark_changed();
        Self { rx }
    }

    /// The newest value, without waiting.
    pub fn current(&self) -> Arc<T> {
        self.rx.borrow().clone()
    }

    /// The next value not seen yet (the current one on the first call). `None` once the
    /// client is gone.
    pub async fn next(&mut self) -> Option<Arc<T>> {
        self.rx.changed().await.ok()?;
        Some(self.rx.borrow_and_update().clone())
    }
}
