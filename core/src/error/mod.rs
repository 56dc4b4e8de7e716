//! Two levels of error: [`Error`] carries full detail for logs and tests; [`PublicError`] is
//! the small, stable set the shells localize. The conversion happens here and nowhere else.

use std::path::PathBuf;

mod media;
pub use media::MediaError;

pub use phananh_wire::validation::{FieldError, ValidationReason};

/// Detailed internal error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("validation failed: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Validation(Vec<FieldError>),
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("the database at {path} was written by a newer app (schema {found}, this app knows up to {supported})")]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("the database at {path} is damaged: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("storage is full while writing {path}")]
    DiskFull { path: PathBuf },
    #[error("media: {0}")]
    Media(#[from] MediaError),
    #[error("not possible in state {state}: {action}")]
    InvalidState { state: String, action: String },
    #[error("network unavailable: {0}")]
    Offline(String),
    /// A request got no (complete) answer within its timeout.
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("not signed in or session expired")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("server answered {status}: {detail}")]
    Server { status: u16, detail: String },
    /// 429 / 503: the server asks to come back later (after `after`, when it said so).
    #[error("server busy ({status}), retry after {after:?}")]
    RetryLater {
        status: u16,
        after: Option<std::time::Duration>,
    },
    #[error("unexpected server response: {0}")]
    Protocol(String),
    /// The server named a URL on another origin (a tus `Location`, a media link) for a
    /// request that carries our credentials: refused, nothing sent.
    #[error("refusing to send credentials to {url}, which is not the API's origin")]
    ForeignOrigin { url: String },
    #[error("cancelled")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        // ENOSPC / EDQUOT: tell the user to free space rather than "file error".
        if matches!(source.raw_os_error(), Some(28) | Some(122)) {
            return Error::DiskFull { path };
        }
        Error::Io { path, source }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound { what: what.into() }
    }

    pub fn invalid_state(state: impl Into<String>, action: impl Into<String>) -> Self {
        Error::InvalidState {
            state: state.into(),
            action: action.into(),
        }
    }

    /// The one place where detail is reduced to what the shells may show.
    pub fn public(&self) -> PublicError {
        match self {
            Error::Validation(errors) => PublicError::Validation {
                errors: errors.clone(),
            },
            Error::NotFound { what } => PublicError::NotFound { what: what.clone() },
            Error::SchemaTooNew { .. } | Error::Corrupt { .. } => PublicError::Storage {
                reason: StorageReason::Damaged,
            },
            Error::DiskFull { .. } => PublicError::Storage {
                reason: StorageReason::Full,
            },
            Error::Sqlite(e) if is_disk_full(e) => PublicError::Storage {
                reason: StorageReason::Full,
            },
            Error::Sqlite(_) | Error::Io { .. } => PublicError::Storage {
                reason: StorageReason::Io,
            },
            Error::Media(e) => PublicError::Media {
                reason: e.code().to_owned(),
            },
            Error::InvalidState { state, action } => PublicError::InvalidState {
                detail: format!("{action} while {state}"),
            },
            Error::Offline(_) | Error::Timeout(_) => PublicError::Offline,
            Error::Unauthorized => PublicError::Unauthorized,
            Error::Forbidden(_) => PublicError::Forbidden,
            Error::Server { status, .. } => PublicError::Server { status: *status },
            Error::RetryLater { status, .. } => PublicError::Server { status: *status },
            Error::Protocol(_) | Error::ForeignOrigin { .. } => PublicError::Server { status: 0 },
            Error::Cancelled => PublicError::Cancelled,
            Error::Internal(_) => PublicError::Internal,
        }
    }
}

fn is_disk_full(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageReason {
    Full,
    Damaged,
    Io,
}

/// What the shells see. Each variant has a stable [`PublicError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PublicError {
    #[error("no network")]
    Offline,
    #[error("some fields need attention")]
    Validation { errors: Vec<FieldError> },
    #[error("not found: {what}")]
    NotFound { what: String },
    #[error("please sign in")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("storage problem: {reason:?}")]
    Storage { reason: StorageReason },
    /// `reason` is a stable [`MediaError::code`] (`corrupt`, `video_too_long`, ...).
    #[error("media problem: {reason}")]
    Media { reason: String },
    #[error("not possible now: {detail}")]
    InvalidState { detail: String },
    #[error("server error {status}")]
    Server { status: u16 },
    #[error("cancelled")]
    Cancelled,
    #[error("internal error")]
    Internal,
}

impl PublicError {
    pub fn code(&self) -> &'static str {
        match self {
            PublicError::Offline => "offline",
            PublicError::Validation { .. } => "validation",
            PublicError::NotFound { .. } => "not_found",
            PublicError::Unauthorized => "unauthorized",
            PublicError::Forbidden => "forbidden",
            PublicError::Storage { .. } => "storage",
            PublicError::Media { .. } => "media",
            PublicError::InvalidState { .. } => "invalid_state",
            PublicError::Server { .. } => "server",
            PublicError::Cancelled => "cancelled",
            PublicError::Internal => "internal",
        }
    }
}
