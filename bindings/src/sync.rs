//! FFI mirrors of the sync engine's snapshots (outbox with progress, my reports) and of a
//! background run's summary.

use std::time::SystemTime;

use phananh_core::sync as cs;

use crate::reports::Report;
use crate::types::{time, OutboxItem};

/// Why an outbox item is not moving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BlockReason {
    Offline,
    WaitingForWifi,
    SignedOut,
}

impl From<cs::BlockReason> for BlockReason {
    fn from(b: cs::BlockReason) -> Self {
        match b {
            cs::BlockReason::Offline => Self::Offline,
            cs::BlockReason::WaitingForWifi => Self::WaitingForWifi,
            cs::BlockReason::SignedOut => Self::SignedOut,
        }
    }
}

pub use phananh_wire::{FailureCode, OutboxFailure};

/// Why an item failed for good (stable codes the shells localize and act on): the contract
/// crate's type, exported as it is.
#[uniffi::remote(Enum)]
pub enum FailureCode {
    Rejected,
    Forbidden,
    TooLarge,
    Media,
    NotFound,
    Conflict,
    Interrupted,
    Other,
}

/// A failed item's reason: the code to localize, the HTTP status when there was one, and the
/// server's field problems (shown next to each field of the report). `detail` is English for
/// logs and support only; never show it as the message.
#[uniffi::remote(Record)]
pub struct OutboxFailure {
    pub code: FailureCode,
    pub status: Option<u16>,
    pub fields: Vec<crate::error::FieldError>,
    pub detail: String,
}

pub use phananh_core::sync::TransientKind;

/// Why the outbox is retrying (it will by itself).
#[uniffi::remote(Enum)]
pub enum TransientKind {
    Network,
    Timeout,
    Server,
    Local,
}

/// Could retrying without changes help (e.g. after signing in again)?
#[uniffi::export]
pub fn failure_is_retryable(code: FailureCode) -> bool {
    code.retryable()
}

/// One outbox row with its upload progress.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxEntry {
    pub item: OutboxItem,
    /// Bytes of this item's files the server has acknowledged.
    pub bytes_sent: u64,
    /// Bytes to upload in total: 0 while `preparing`, then fixed for the whole upload.
    pub bytes_total: u64,
    /// Photos/videos are being compressed before the upload starts.
    #[uniffi(default = false)]
    pub preparing: bool,
    pub blocked: Option<BlockReason>,
    /// The user may still take it back (`cancel_outbox_item`): the server cannot have it yet.
    #[uniffi(default = false)]
    pub cancellable: bool,
}

/// The whole outbox at one moment: the subscription replays it, then sends each change.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxSnapshot {
    /// Oldest first, submitted ones included.
    pub entries: Vec<OutboxEntry>,
    pub bytes_sent: u64,
    pub bytes_total: u64,
    pub online: bool,
    pub metered: bool,
    pub signed_in: bool,
    /// A background run (`run_pending`) is working right now.
    pub running: bool,
    /// Kind of the last transient problem (for a discreet, localized "retrying…" line).
    pub last_error: Option<TransientKind>,
}

impl From<&cs::OutboxSnapshot> for OutboxSnapshot {
    fn from(s: &cs::OutboxSnapshot) -> Self {
        Self {
            entries: s
                .entries
                .iter()
                .map(|e| OutboxEntry {
                    item: e.item.clone().into(),
                    bytes_sent: e.bytes_sent,
                    bytes_total: e.bytes_total,
                    preparing: e.preparing,
                    blocked: e.blocked.map(Into::into),
                    cancellable: e.cancellable,
                })
                .collect(),
            bytes_sent: s.bytes_sent,
            bytes_total: s.bytes_total,
            online: s.network.online,
            metered: s.network.metered,
            signed_in: s.signed_in,
            running: s.running,
            last_error: s.last_error,
        }
    }
}

/// "My reports" from the local cache, newest change first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportsSnapshot {
    pub reports: Vec<Report>,
    /// Ids that changed in the sync that produced this snapshot (empty on replay).
    pub changed: Vec<String>,
    pub synced_at: Option<SystemTime>,
}

impl From<&cs::ReportsSnapshot> for ReportsSnapshot {
    fn from(s: &cs::ReportsSnapshot) -> Self {
        Self {
            reports: s.reports.iter().cloned().map(Into::into).collect(),
            changed: s.changed.clone(),
            synced_at: s.synced_at.map(time),
        }
    }
}

/// What one bounded background run achieved.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RunSummary {
    pub delivered: u32,
    pub failed: u32,
    /// Items still waiting (backoff, offline, Wi-Fi, sign-in).
    pub pending: u32,
    pub steps: u32,
    /// Stopped because the deadline came, with work left.
    pub hit_deadline: bool,
}

impl From<cs::RunSummary> for RunSummary {
    fn from(s: cs::RunSummary) -> Self {
        Self {
            delivered: s.delivered,
            failed: s.failed,
            pending: s.pending,
            steps: s.steps,
            hit_deadline: s.hit_deadline,
        }
    }
}
