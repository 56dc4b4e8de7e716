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

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::backoff::Backoff;
use crate::error::Error;
use crate::model::{LocalState, MediaKind, OutboxItem, OutboxKind, UploadState};

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
    ProcessMedia { attachment: Uuid },
    /// Upload one processed file, resuming `resume_url` if the server still has it.
    Upload { attachment: Uuid, resume_url: Option<String> },
    CreateReport,
    SendRating,
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
    Transient { retry_after: Option<Duration>, detail: String },
    /// Retrying the same thing cannot succeed; the user must act.
    Permanent(Failure),
    /// The session is gone: every item waits for sign-in, none fails.
    SignedOut,
    /// The user cancelled the item before its create/rating request went out: it left the
    /// outbox, nothing was sent.
    Withdrawn,
}

/// Why an item failed, in a form the shells can localize and act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: FailureCode,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCode {
    /// The server refused the content (400/422): edit the report and send again.
    Rejected,
    /// Not allowed for this account (403).
    Forbidden,
    /// A file is larger than the server accepts (413).
    TooLarge,
    /// An attached file cannot be read or processed.
    Media,
    /// The report being rated or reopened no longer exists on the server.
    NotFound,
    /// The server holds a different report under the same key (409): a bug or tampering.
    Conflict,
}

impl FailureCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCode::Rejected => "rejected",
            FailureCode::Forbidden => "forbidden",
            FailureCode::TooLarge => "too_large",
            FailureCode::Media => "media",
            FailureCode::NotFound => "not_found",
            FailureCode::Conflict => "conflict",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Rejected, Self::Forbidden, Self::TooLarge, Self::Media, Self::NotFound, Self::Conflict]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

impl Failure {
    /// Stored form in `LocalState::Failed.reason`: `"<code>: <detail>"`.
    pub fn to_reason(&self) -> String {
        format!("{}: {}", self.code.as_str(), self.detail)
    }
    pub fn from_reason(reason: &str) -> Option<Failure> {
        let (code, detail) = reason.split_once(": ").unwrap_or((reason, ""));
        Some(Failure { code: FailureCode::parse(code)?, detail: detail.to_owned() })
    }
    /// Could pressing "retry" without changing anything help? (Forbidden may after signing
    /// in again; rejected content or an oversized file will not.)
    pub fn retryable(&self) -> bool {
        matches!(self.code, FailureCode::Forbidden | FailureCode::NotFound | FailureCode::Conflict)
    }
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
        OutboxKind::Report { .. } => {
            for a in attachments {
                let held = a.kind == MediaKind::Video && c.metered && c.video_wifi_only;
                match &a.upload {
                    UploadState::Uploaded { .. } => continue,
                    UploadState::Pending => return Plan::Run(Step::ProcessMedia { attachment: a.id }),
                    _ if held => return Plan::Blocked(BlockReason::WaitingForWifi),
                    UploadState::Ready => return Plan::Run(Step::Upload { attachment: a.id, resume_url: None }),
                    UploadState::Uploading { url, .. } => {
                        return Plan::Run(Step::Upload { attachment: a.id, resume_url: Some(url.clone()) })
                    }
                }
            }
            Plan::Run(Step::CreateReport)
        }
    }
}

/// The item after `outcome`. `jitter` in `[0, 1)` comes from the caller's RNG.
pub fn apply(item: &OutboxItem, outcome: &Outcome, now: DateTime<Utc>, backoff: &Backoff, jitter: f64) -> OutboxItem {
    let mut next = item.clone();
    next.updated_at = now;
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
            next.next_attempt_at = Some(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX));
        }
        Outcome::Permanent(f) => {
            next.state = LocalState::Failed { reason: f.to_reason(), retryable: f.retryable() };
            next.next_attempt_at = None;
        }
        Outcome::SignedOut | Outcome::Withdrawn => {}
    }
    next
}

/// The user pressed "retry" on a failed item: it is queued again, from where it stopped.
pub fn retry(item: &OutboxItem, now: DateTime<Utc>) -> Option<OutboxItem> {
    let LocalState::Failed { .. } = item.state else { return None };
    let mut next = item.clone();
    next.state = LocalState::Queued;
    next.attempts = 0;
    next.next_attempt_at = None;
    next.updated_at = now;
    Some(next)
}

/// Sort an error from any step into what the machine does with it.
pub fn classify(e: &Error) -> Outcome {
    let transient = |retry_after| Outcome::Transient { retry_after, detail: e.to_string() };
    let permanent = |code| Outcome::Permanent(Failure { code, detail: e.to_string() });
    match e {
        Error::Offline(_) | Error::Protocol(_) | Error::DiskFull { .. } | Error::Cancelled => transient(None),
        Error::RetryLater { after, .. } => transient(*after),
        Error::Server { status, .. } => match status {
            408 | 425 | 500..=599 => transient(None),
            413 => permanent(FailureCode::TooLarge),
            409 => permanent(FailureCode::Conflict),
            // 460 from tus: a chunk damaged again and again. Retrying later is sensible.
            460 => transient(None),
            _ => permanent(FailureCode::Rejected),
        },
        Error::Validation(_) => permanent(FailureCode::Rejected),
        Error::Forbidden(_) => permanent(FailureCode::Forbidden),
        Error::NotFound { .. } => permanent(FailureCode::NotFound),
        Error::Unauthorized => Outcome::SignedOut,
        Error::Media(_) | Error::Io { .. } => permanent(FailureCode::Media),
        // Our own storage failing (SQLite, internal errors) is not the item's fault: keep
        // it and try again later.
        _ => transient(None),
    }
}

#[cfg(test)]
mod tests;
