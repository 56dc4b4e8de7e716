//! The one error type the shells see. It mirrors `phananh_core::PublicError` variant for
//! variant (the core decides what detail is public); this file only changes its shape into
//! something uniffi can carry, and gives each variant its stable code.

use phananh_core::error::StorageReason;
use phananh_core::PublicError;

pub use phananh_core::{FieldError, ValidationReason};

/// Why a field is not acceptable: the contract crate's type, exported as it is.
#[uniffi::remote(Enum)]
pub enum ValidationReason {
    Required,
    TooShort { min: u32 },
    TooLong { max: u32 },
    UnknownCategory,
    TooMany { max: u32 },
    TooFew { min: u32 },
    TooLarge { max_bytes: u64 },
    OutOfRange,
    Invalid { detail: String },
}

/// One field that needs the user's attention (`category`, `attachments[2]`, `rating.level`...).
#[uniffi::remote(Record)]
pub struct FieldError {
    pub field: String,
    pub reason: ValidationReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StorageProblem {
    /// The device is full: ask the user to free space.
    Full,
    /// The database is damaged or from a newer app version; nothing was deleted.
    Damaged,
    Io,
}

impl From<StorageReason> for StorageProblem {
    fn from(r: StorageReason) -> Self {
        match r {
            StorageReason::Full => Self::Full,
            StorageReason::Damaged => Self::Damaged,
            StorageReason::Io => Self::Io,
        }
    }
}

/// Every failure of every call. Kotlin sees `PhanAnhException`, Swift `PhanAnhError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PhanAnhError {
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
    #[error("storage problem: {problem:?}")]
    Storage { problem: StorageProblem },
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

#[uniffi::export]
impl PhanAnhError {
    /// Stable code the shells localize by; equal to the core's `PublicError::code`.
    pub fn code(&self) -> String {
        match self {
            Self::Offline => "offline",
            Self::Validation { .. } => "validation",
            Self::NotFound { .. } => "not_found",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::Storage { .. } => "storage",
            Self::Media { .. } => "media",
            Self::InvalidState { .. } => "invalid_state",
            Self::Server { .. } => "server",
            Self::Cancelled => "cancelled",
            Self::Internal => "internal",
        }
        .to_owned()
    }
}

impl From<PublicError> for PhanAnhError {
    fn from(e: PublicError) -> Self {
        match e {
            PublicError::Offline => Self::Offline,
            PublicError::Validation { errors } => Self::Validation { errors },
            PublicError::NotFound { what } => Self::NotFound { what },
            PublicError::Unauthorized => Self::Unauthorized,
            PublicError::Forbidden => Self::Forbidden,
            PublicError::Storage { reason } => Self::Storage {
                problem: reason.into(),
            },
            PublicError::Media { reason } => Self::Media { reason },
            PublicError::InvalidState { detail } => Self::InvalidState { detail },
            PublicError::Server { status } => Self::Server { status },
            PublicError::Cancelled => Self::Cancelled,
            PublicError::Internal => Self::Internal,
        }
    }
}

impl From<phananh_core::Error> for PhanAnhError {
    fn from(e: phananh_core::Error) -> Self {
        // Full detail stays on this side, in the log; the shell gets the public form.
        tracing::debug!(error = %e, "call failed");
        e.public().into()
    }
}

/// A malformed id from the shell: reported as a validation problem of that argument.
pub(crate) fn bad_id(field: &str) -> PhanAnhError {
    PhanAnhError::Validation {
        errors: vec![FieldError::new(
            field,
            ValidationReason::Invalid {
                detail: "not a valid id".into(),
            },
        )],
    }
}

pub(crate) fn parse_id(field: &str, s: &str) -> Result<uuid::Uuid, PhanAnhError> {
    uuid::Uuid::parse_str(s).map_err(|_| bad_id(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_equal_the_core_public_codes() {
        let cases = [
            PublicError::Offline,
            PublicError::Validation { errors: vec![] },
            PublicError::NotFound {
                what: "draft".into(),
            },
            PublicError::Unauthorized,
            PublicError::Forbidden,
            PublicError::Storage {
                reason: StorageReason::Full,
            },
            PublicError::Media { reason: "x".into() },
            PublicError::InvalidState { detail: "x".into() },
            PublicError::Server { status: 503 },
            PublicError::Cancelled,
            PublicError::Internal,
        ];
        for p in cases {
            let code = p.code();
            assert_eq!(PhanAnhError::from(p).code(), code);
        }
    }

    #[test]
    fn validation_detail_survives_the_conversion() {
        let e = phananh_core::Error::Validation(vec![phananh_core::FieldError::new(
            "description",
            ValidationReason::TooShort { min: 10 },
        )]);
        assert_eq!(
            PhanAnhError::from(e),
            PhanAnhError::Validation {
                errors: vec![FieldError::new(
                    "description",
                    ValidationReason::TooShort { min: 10 }
                )]
            }
        );
        assert_eq!(
            parse_id("draft_id", "nope").unwrap_err().code(),
            "validation"
        );
    }
}
