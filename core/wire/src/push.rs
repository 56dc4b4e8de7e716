//! What a push carries besides its visible text: the data a phone needs to turn the push
//! into the same change a sync would make. FCM requires every value of its `data` map to be
//! a string, and APNs puts custom keys beside `aps`; this shape is a flat map of strings so
//! it fits both unchanged.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::ReportStatus;

/// The data of one push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PushData {
    /// A report of the recipient changed status.
    ReportStatus {
        report_id: String,
        status: ReportStatus,
    },
    /// The province published a severe notice covering the recipient.
    Notice { notice_id: String },
}

/// Why a push's data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushDataError {
    #[error("push data has no `kind`")]
    NoKind,
    #[error("push data of unknown kind {0:?}")]
    UnknownKind(String),
    #[error("push data is malformed: {0}")]
    Malformed(String),
}

impl PushData {
    /// As FCM's `data` map / APNs custom keys: every value a string.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        match self {
            PushData::ReportStatus { report_id, status } => {
                m.insert("kind".into(), "report_status".into());
                m.insert("report_id".into(), report_id.clone());
                m.insert("status".into(), status.as_str().into());
            }
            PushData::Notice { notice_id } => {
                m.insert("kind".into(), "notice".into());
                m.insert("notice_id".into(), notice_id.clone());
            }
        }
        m
    }

    /// From the map a phone's push service hands over (extra keys are ignored: the platform
    /// adds its own).
    pub fn from_map(m: &BTreeMap<String, String>) -> Result<Self, PushDataError> {
        let get = |k: &str| {
            m.get(k)
                .filter(|v| !v.is_empty() && v.len() <= 200)
                .cloned()
                .ok_or_else(|| PushDataError::Malformed(format!("`{k}` missing or too long")))
        };
        match m.get("kind").map(String::as_str) {
            None => Err(PushDataError::NoKind),
            Some("report_status") => {
                let status = get("status")?;
                let status = serde_json::from_value(serde_json::Value::String(status.clone()))
                    .map_err(|_| PushDataError::Malformed(format!("status {status:?}")))?;
                Ok(PushData::ReportStatus {
                    report_id: get("report_id")?,
                    status,
                })
            }
            Some("notice") => Ok(PushData::Notice {
                notice_id: get("notice_id")?,
            }),
            Some(other) => Err(PushDataError::UnknownKind(other.chars().take(40).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_string_map_and_refuses_what_it_cannot_read() {
        for d in [
            PushData::ReportStatus {
                report_id: "r-1".into(),
                status: ReportStatus::Resolved,
            },
            PushData::Notice {
                notice_id: "n-1".into(),
            },
        ] {
            let mut m = d.to_map();
            m.insert("google.message_id".into(), "0:123".into());
            assert_eq!(PushData::from_map(&m).unwrap(), d);
        }
        let mut m = BTreeMap::new();
        assert_eq!(PushData::from_map(&m), Err(PushDataError::NoKind));
        m.insert("kind".into(), "report_status".into());
        m.insert("report_id".into(), "r".into());
        m.insert("status".into(), "exploded".into());
        assert!(matches!(
            PushData::from_map(&m),
            Err(PushDataError::Malformed(_))
        ));
        m.insert("kind".into(), "wipe_phone".into());
        assert!(matches!(
            PushData::from_map(&m),
            Err(PushDataError::UnknownKind(_))
        ));
    }
}
