//! Why an outbox item stopped: stored in the app's database as this JSON, shown by the shells
//! from `code` (localized) and acted on from [`FailureCode::retryable`]. `detail` is English
//! for logs and support, never shown as the message itself.

use serde::{Deserialize, Serialize};

use crate::validation::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// Processing was interrupted too many times (the app died while working on it).
    Interrupted,
    /// A reason written by an older app that names no known code (kept, never lost).
    #[serde(other)]
    Other,
}

impl FailureCode {
    pub const ALL: [FailureCode; 8] = [
        FailureCode::Rejected,
        FailureCode::Forbidden,
        FailureCode::TooLarge,
        FailureCode::Media,
        FailureCode::NotFound,
        FailureCode::Conflict,
        FailureCode::Interrupted,
        FailureCode::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FailureCode::Rejected => "rejected",
            FailureCode::Forbidden => "forbidden",
            FailureCode::TooLarge => "too_large",
            FailureCode::Media => "media",
            FailureCode::NotFound => "not_found",
            FailureCode::Conflict => "conflict",
            FailureCode::Interrupted => "interrupted",
            FailureCode::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Could pressing "retry" without changing anything help? (Forbidden may after signing in
    /// again; a vanished report or a key conflict may be transient on the server's side;
    /// rejected content or an oversized file will not.)
    pub fn retryable(self) -> bool {
        matches!(
            self,
            FailureCode::Forbidden
                | FailureCode::NotFound
                | FailureCode::Conflict
                | FailureCode::Interrupted
                | FailureCode::Other
        )
    }
}

/// A failed outbox item's reason, as stored and as published to the shells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxFailure {
    pub code: FailureCode,
    /// HTTP status when the server gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The server's field problems (a refused report), to show next to each field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// English detail for logs and support.
    #[serde(default)]
    pub detail: String,
}

impl OutboxFailure {
    pub fn new(code: FailureCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            status: None,
            fields: vec![],
            detail: detail.into(),
        }
    }

    pub fn retryable(&self) -> bool {
        self.code.retryable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_other() {
        for c in FailureCode::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<FailureCode>(&json).unwrap(), c);
            assert_eq!(FailureCode::parse(c.as_str()), Some(c));
        }
        let f: OutboxFailure =
            serde_json::from_str(r#"{"code":"quota_exceeded","detail":"x"}"#).unwrap();
        assert_eq!(f.code, FailureCode::Other);
        assert!(f.fields.is_empty() && f.status.is_none());
    }
}
