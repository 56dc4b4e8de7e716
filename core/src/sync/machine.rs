//! The outbox state machine, free of I/O, clocks and randomness (DESIGN §2: tested without
//! sockets). The worker persists everything this module decides from, so after a crash the
//! same [`plan`] over the same stored facts picks up exactly where the work stopped:
//!
//! ```text
//! queued ──process media──► uploading ──tus upload each file──► (all uploaded)
//!    │                          │                                    │
//!    │                          │                          create report (Idempotency-Key)
//!    └────── permanent error ───┴──────────► failed ◄─────────────── │
//!                                    (retry: back to queued)         ▼
//!                                                                submitted
//! ```
//!
//! Transient errors never change the state: they only push `next_attempt_at` back.
//!
//! Crash-loop immunity: before a step's work starts, [`begin`] records it on the item (the
//! worker persists that first). A step that ends in any [`Outcome`] clears the record. A
//! record found by a later run (another process: the app died in the middle of the step)
//! counts as an interruption when it names the same step; after
//! [`DEFAULT_MAX_INTERRUPTIONS`] of them in a row, [`begin`] fails the item with
//! [`FailureCode::Interrupted`] instead of starting the work again, and the rest of the
//! outbox goes on. Progress resets the count: a step that finished, a different step
//! (the previous one's effect was recorded), or an acknowledged upload chunk (the store
//! resets the count with the checkpoint).

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::backoff::Backoff;
use crate::error::Error;
use crate::model::{Attempt, LocalState, MediaKind, OutboxItem, OutboxKind, UploadState};

/// What the machine needs to know about one attachment of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentView {
    pub id: Uuid,
    pub kind: MediaKind,
    pub upload: UploadState,
}

/// Facts about the device and the user, fed in by the platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditions {
    pub now: DateTime<Utc>,
    pub online: bool,
    /// On a metered (mobile data) network.
    pub metered: bool,
    /// The user asked that video wait for an unmetered network.
    pub video_wifi_only: bool,
    pub signed_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    ProcessMedia {
        attachment: Uuid,
    },
    /// Upload one processed file, resuming `resume_url` if the server still has it.
    Upload {
        attachment: Uuid,
        resume_url: Option<String>,
    },
    CreateReport,
    SendRating,
    /// A resident's answer to a resolution (confirmed / disputed).
    SendClosure,
    /// "Me too": follow a report.
    SendJoin,
}

impl Step {
    /// The name recorded in an [`Attempt`](crate::model::Attempt).
    pub fn name(&self) -> &'static str {
        match self {
            Step::ProcessMedia { .. } => "process_media",
            Step::Upload { .. } => "upload",
            Step::CreateReport => "create_report",
            Step::SendRating => "send_rating",
            Step::SendClosure => "send_closure",
            Step::SendJoin => "send_join",
        }
    }

    pub fn attachment(&self) -> Option<Uuid> {
        match self {
            Step::ProcessMedia { attachment } | Step::Upload { attachment, .. } => {
                Some(*attachment)
            }
            Step::CreateReport | Step::SendRating | Step::SendClosure | Step::SendJoin => None,
        }
    }
}

/// How many times in a row the process may die during the same step of an item before the
/// item fails as [`FailureCode::Interrupted`]. Three: one death may be the system reclaiming
/// memory or the user swiping the app away, two in a row at the same step is suspicious,
/// three is a loop that would otherwise never end (a photo that makes the decoder run out of
/// memory kills the app every time it is tried).
pub const DEFAULT_MAX_INTERRUPTIONS: u32 = 3;

/// What [`begin`] decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Begin {
    /// Persist this item (it records the attempt), then do the step's work.
    Run(OutboxItem),
    /// The step was interrupted too many times: persist this failed item, do not start.
    GiveUp(OutboxItem),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    Offline,
    WaitingForWifi,
    SignedOut,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Delivered; nothing left to do.
    Done,
    /// Failed permanently; waits for the user (retry or edit).
    Stopped,
    /// Backing off after a transient failure.
    WaitUntil(DateTime<Utc>),
    Blocked(BlockReason),
    Run(Step),
}

/// Result of running a [`Step`], as the machine sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The step's effect is persisted (file processed, upload finished, rating delivered...).
    Progressed,
    /// The server holds the report (first creation or an idempotent replay).
    Created { server_id: String },
    /// Worth retrying later without any change.
    Transient {
        retry_after: Option<Duration>,
        kind: TransientKind,
        detail: String,
    },
    /// Retrying the same thing cannot succeed; the user must act.
    Permanent(Failure),
    /// The session is gone: every item waits for sign-in, none fails.
    SignedOut,
    /// The user cancelled the item before its create/rating request went out: it left the
    /// outbox, nothing was sent.
    Withdrawn,
}

/// Why an item failed, in a form the shells can localize and act on: the contract crate's
/// type, stored as JSON.
pub use phananh_wire::{FailureCode, OutboxFailure as Failure};

/// Kind of a transient failure, counted in [`super::RunSummary`] without parsing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransientKind {
    /// No connection, connection cut, DNS failure.
    Network,
    /// A request that took longer than its timeout.
    Timeout,
    /// The server is busy or failed (5xx, 429, 408).
    Server,
    /// Our own storage or an internal hiccup.
    Local,
}

/// The next thing to do for `item`, from persisted facts only.
pub fn plan(item: &OutboxItem, attachments: &[AttachmentView], c: &Conditions) -> Plan {
    match item.state {
        LocalState::Submitted => return Plan::Done,
        LocalState::Failed { .. } => return Plan::Stopped,
        LocalState::Draft | LocalState::Queued | LocalState::Uploading => {}
    }
    if !c.online {
        return Plan::Blocked(BlockReason::Offline);
    }
    if !c.signed_in {
        return Plan::Blocked(BlockReason::SignedOut);
    }
    if let Some(t) = item.next_attempt_at {
        if t > c.now {
            return Plan::WaitUntil(t);
        }
    }
    match &item.kind {
        OutboxKind::Rating { .. } => Plan::Run(Step::SendRating),
        OutboxKind::Closure { .. } => Plan::Run(Step::SendClosure),
        OutboxKind::Join { .. } => Plan::Run(Step::SendJoin),
        OutboxKind::Report { .. } => {
            // Every file is prepared before any is uploaded, so the upload's total is known
            // (and fixed) from its first byte.
            if let Some(a) = attachments
                .iter()
                .find(|a| a.upload == UploadState::Pending)
            {
                return Plan::Run(Step::ProcessMedia { attachment: a.id });
            }
            for a in attachments {
                let held = a.kind == MediaKind::Video && c.metered && c.video_wifi_only;
                match &a.upload {
                    UploadState::Uploaded { .. } => continue,
                    UploadState::Pending => {
                        return Plan::Run(Step::ProcessMedia { attachment: a.id })
                    }
                    _ if held => return Plan::Blocked(BlockReason::WaitingForWifi),
                    UploadState::Ready => {
                        return Plan::Run(Step::Upload {
                            attachment: a.id,
                            resume_url: None,
                        })
                    }
                    UploadState::Uploading { url, .. } => {
                        return Plan::Run(Step::Upload {
                            attachment: a.id,
                            resume_url: Some(url.clone()),
                        })
                    }
                }
            }
            Plan::Run(Step::CreateReport)
        }
    }
}

/// About to run `step` of `item` in `run` (one id per opened client, i.e. per process).
/// A recorded attempt of the same step from another run means the process died during it.
pub fn begin(
    item: &OutboxItem,
    step: &Step,
    run: Uuid,
    now: DateTime<Utc>,
    max_interruptions: u32,
) -> Begin {
    let mut next = item.clone();
    next.updated_at = now;
    match &item.attempt {
        Some(prev) if prev.step == step.name() && prev.attachment == step.attachment() => {
            if prev.run != run {
                next.interruptions = next.interruptions.saturating_add(1);
            }
            // The same run: an earlier future of this process was dropped (cancelled by the
            // platform), which is not a death.
        }
        // Another step was recorded: the one before it finished (its effect is stored).
        Some(_) => next.interruptions = 0,
        None => {}
    }
    if next.interruptions >= max_interruptions.max(1) {
        let what = match step.attachment() {
            Some(a) => format!("{} of attachment {a}", step.name()),
            None => step.name().to_owned(),
        };
        next.attempt = None;
        next.next_attempt_at = None;
        next.state = LocalState::Failed {
            failure: Failure::new(
                FailureCode::Interrupted,
                format!(
                    "the app stopped {} times in a row during {what}",
                    next.interruptions
                ),
            ),
        };
        return Begin::GiveUp(next);
    }
    next.attempt = Some(Attempt {
        step: step.name().to_owned(),
        attachment: step.attachment(),
        run,
        started_at: now,
    });
    Begin::Run(next)
}

/// The step stopped without an outcome while the process lives on (the run's deadline came):
/// not an interruption, nothing is counted.
pub fn abandon(item: &OutboxItem, now: DateTime<Utc>) -> OutboxItem {
    let mut next = item.clone();
    next.attempt = None;
    next.updated_at = now;
    next
}

/// The item after `outcome`. `jitter` in `[0, 1)` comes from the caller's RNG.
pub fn apply(
    item: &OutboxItem,
    outcome: &Outcome,
    now: DateTime<Utc>,
    backoff: &Backoff,
    jitter: f64,
) -> OutboxItem {
    let mut next = item.clone();
    next.updated_at = now;
    // The step ran to an outcome: the process survived it.
    next.attempt = None;
    next.interruptions = 0;
    match outcome {
        Outcome::Progressed => {
            if next.state == LocalState::Queued {
                next.state = LocalState::Uploading;
            }
            next.attempts = 0;
            next.next_attempt_at = None;
        }
        Outcome::Created { server_id } => {
            next.state = LocalState::Submitted;
            next.server_id = Some(server_id.clone());
            next.attempts = 0;
            next.next_attempt_at = None;
        }
        Outcome::Transient { retry_after, .. } => {
            next.attempts = next.attempts.saturating_add(1);
            let delay = backoff.delay(next.attempts, *retry_after, jitter);
            next.next_attempt_at =
                Some(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX));
        }
        Outcome::Permanent(f) => {
            next.state = LocalState::Failed { failure: f.clone() };
            next.next_attempt_at = None;
        }
        Outcome::SignedOut | Outcome::Withdrawn => {}
    }
    next
}

/// The user pressed "retry" on a failed item: it is queued again, from where it stopped.
pub fn retry(item: &OutboxItem, now: DateTime<Utc>) -> Option<OutboxItem> {
    let LocalState::Failed { .. } = item.state else {
        return None;
    };
    let mut next = item.clone();
    next.state = LocalState::Queued;
    next.attempts = 0;
    next.interruptions = 0;
    next.attempt = None;
    next.next_attempt_at = None;
    next.updated_at = now;
    Some(next)
}

/// Sort an error from any step into what the machine does with it.
pub fn classify(e: &Error) -> Outcome {
    let transient = |retry_after, kind| Outcome::Transient {
        retry_after,
        kind,
        detail: e.to_string(),
    };
    let permanent = |code, status: Option<u16>, fields: Vec<crate::error::FieldError>| {
        Outcome::Permanent(Failure {
            code,
            status,
            fields,
            detail: e.to_string(),
        })
    };
    match e {
        Error::Timeout(_) => transient(None, TransientKind::Timeout),
        Error::Offline(_) | Error::Protocol(_) | Error::Cancelled => {
            transient(None, TransientKind::Network)
        }
        Error::DiskFull { .. } => transient(None, TransientKind::Local),
        Error::RetryLater { after, .. } => transient(*after, TransientKind::Server),
        Error::Server { status, .. } => match status {
            408 | 425 | 500..=599 => transient(None, TransientKind::Server),
            413 => permanent(FailureCode::TooLarge, Some(*status), vec![]),
            409 => permanent(FailureCode::Conflict, Some(*status), vec![]),
            // 460 from tus: a chunk damaged again and again. Retrying later is sensible.
            460 => transient(None, TransientKind::Server),
            _ => permanent(FailureCode::Rejected, Some(*status), vec![]),
        },
        Error::Validation(fields) => permanent(FailureCode::Rejected, None, fields.clone()),
        Error::Forbidden(_) => permanent(FailureCode::Forbidden, Some(403), vec![]),
        Error::NotFound { .. } => permanent(FailureCode::NotFound, None, vec![]),
        Error::Unauthorized => Outcome::SignedOut,
        Error::Media(_) | Error::Io { .. } => permanent(FailureCode::Media, None, vec![]),
        // The server sent us elsewhere with our token: not something a retry mends.
        Error::ForeignOrigin { .. } => permanent(FailureCode::Other, None, vec![]),
        // Our own storage failing (SQLite, internal errors) is not the item's fault: keep
        // it and try again later.
        _ => transient(None, TransientKind::Local),
    }
}

#[cfg(test)]
mod tests;
