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

/// Why an item failed for good (stable codes the shells localize and act on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FailureCode {
    /// The server refused the content: edit the report and send again.
    Rejected,
    /// Not allowed for this account.
    Forbidden,
    /// A file is larger than the server accepts.
    TooLarge,
    /// An attached file cannot be read or processed.
    Media,
    /// The report being rated no longer exists on the server.
    NotFound,
    /// The server holds a different report under the same key.
    Conflict,
}

impl From<cs::FailureCode> for FailureCode {
    fn from(c: cs::FailureCode) -> Self {
        match c {
            cs::FailureCode::Rejected => Self::Rejected,
            cs::FailureCode::Forbidden => Self::Forbidden,
            cs::FailureCode::TooLarge => Self::TooLarge,
            cs::FailureCode::Media => Self::Media,
            cs::FailureCode::NotFound => Self::NotFound,
            cs::FailureCode::Conflict => Self::Conflict,
        }
    }
}

/// The code of a failed item's stored reason (`None` for transient reasons).
pub(crate) fn failure_code(reason: &str) -> Option<FailureCode> {
    cs::Failure::from_reason(reason).map(|f| f.code.into())
}

/// One outbox row with its upload progress.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxEntry {
    pub item: OutboxItem,
    /// Bytes of this item's files sent so far.
    pub bytes_sent: u64,
    /// Bytes of this item's files in total.
    pub bytes_total: u64,
    pub blocked: Option<BlockReason>,
    /// Set when the item failed for good.
    pub failure: Option<FailureCode>,
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
    /// Last transient problem (for a discreet "retrying…" line).
    pub last_error: Option<String>,
}

impl From<&cs::OutboxSnapshot> for OutboxSnapshot {
    fn from(s: &cs::OutboxSnapshot) -> Self {
        Self {
            entries: s
                .entries
                .iter()
                .map(|e| OutboxEntry {
                    failure: match &e.item.state {
                        phananh_core::model::LocalState::Failed { reason, .. } => failure_code(reason),
                        _ => None,
                    },
                    item: e.item.clone().into(),
                    bytes_sent: e.bytes_sent,
                    bytes_total: e.bytes_total,
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
            last_error: s.last_error.clone(),
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
