//! Field-level problems with user input, as stable codes the shells localize. Shared by the
//! core (draft validation, config checks) and everything that reports a field problem.

use serde::{Deserialize, Serialize};

/// Why a field of a draft (or any user input) is not acceptable. Stable codes for shells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Field name as the shells know it: `category`, `description`, `location`, `attachments`,
    /// `attachments[2]`, `rating.level`, ...
    pub field: String,
    pub reason: ValidationReason,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: ValidationReason) -> Self {
        Self {
            field: field.into(),
            reason,
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {:?}", self.field, self.reason)
    }
}
