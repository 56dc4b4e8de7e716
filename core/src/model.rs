//! Domain model (DESIGN §3). Plain data; behaviour lives in the modules that own each step.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Photo,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "photo" => Some(MediaKind::Photo),
            "video" => Some(MediaKind::Video),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    DeviceGps,
    Network,
    PhotoExif,
    Manual,
}

impl LocationSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LocationSource::DeviceGps => "device_gps",
            LocationSource::Network => "network",
            LocationSource::PhotoExif => "photo_exif",
            LocationSource::Manual => "manual",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "device_gps" => Some(LocationSource::DeviceGps),
            "network" => Some(LocationSource::Network),
            "photo_exif" => Some(LocationSource::PhotoExif),
            "manual" => Some(LocationSource::Manual),
            _ => None,
        }
    }
}

/// One position estimate, from whichever source gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationFix {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy radius in metres (68 %), when the source knows it.
    pub accuracy_m: Option<f64>,
    pub altitude_m: Option<f64>,
    pub time: DateTime<Utc>,
    pub source: LocationSource,
}

/// The commune/ward a report is located in (post-2025 two-level administration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WardRef {
    /// National administrative code, e.g. "18073".
    pub code: String,
    /// Short name, e.g. "Thành Sen".
    pub name: String,
    /// Full name, e.g. "Phường Thành Sen".
    pub full_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UploadState {
    /// Not yet processed for upload.
    Pending,
    /// Processed file ready; no upload created yet.
    Ready,
    /// A resumable upload exists on the server; `offset` bytes acknowledged.
    Uploading {
        url: String,
        offset: u64,
        total: u64,
    },
    /// Server holds the whole file.
    Uploaded { url: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: Uuid,
    pub draft_id: Uuid,
    pub kind: MediaKind,
    /// Position in the draft (order the user picked them in).
    pub ordinal: u32,
    /// File name the user picked, for display only.
    pub original_name: String,
    /// Copy of the original inside the app's storage (the original may vanish).
    pub stored_path: String,
    /// Compressed/transcoded file that is uploaded, once processed.
    pub processed_path: Option<String>,
    pub mime: Option<String>,
    pub size_bytes: u64,
    /// SHA-256 of the stored original (hex).
    pub sha256: String,
    pub captured_at: Option<DateTime<Utc>>,
    /// GPS position embedded in the photo, if any.
    pub exif_location: Option<LocationFix>,
    pub upload: UploadState,
    /// The report was delivered and the full copies removed: `stored_path` is a small JPEG
    /// preview (a poster frame for a video), `processed_path` is `None`.
    #[serde(default)]
    pub preview: bool,
    /// SHA-256 (hex) and size of the uploaded file, recorded when it is removed after delivery.
    #[serde(default)]
    pub processed_sha256: Option<String>,
    #[serde(default)]
    pub processed_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LocalState {
    Draft,
    Queued,
    Uploading,
    Submitted,
    /// Stopped until the user acts (retry, edit, delete); why, as a typed code.
    Failed {
        failure: phananh_wire::OutboxFailure,
    },
}

impl LocalState {
    pub fn name(&self) -> &'static str {
        match self {
            LocalState::Draft => "draft",
            LocalState::Queued => "queued",
            LocalState::Uploading => "uploading",
            LocalState::Submitted => "submitted",
            LocalState::Failed { .. } => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub category: Option<String>,
    pub description: String,
    pub location: Option<LocationFix>,
    pub ward: Option<WardRef>,
    pub anonymous: bool,
    /// Extra attributes asked by the category (Open311 `attribute[code]`).
    pub attributes: BTreeMap<String, String>,
    pub attachments: Vec<Attachment>,
    pub state: LocalState,
}

/// Autosave: only the fields that are `Some` change. `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DraftPatch {
    pub category: Option<Option<String>>,
    pub description: Option<String>,
    pub location: Option<Option<LocationFix>>,
    pub ward: Option<Option<WardRef>>,
    pub anonymous: Option<bool>,
    pub attributes: Option<BTreeMap<String, String>>,
}

impl DraftPatch {
    pub fn is_empty(&self) -> bool {
        *self == DraftPatch::default()
    }
}

/// Server-side lifecycle of a case (DESIGN §3): the wire's type, so there is one list of
/// statuses; [`StatusText`] adds what the shells show.
pub use phananh_wire::ReportStatus;

/// Status texts, in one place so every shell says the same thing.
pub trait StatusText {
    fn label_vi(self) -> &'static str;
    fn label_en(self) -> &'static str;
    /// A resident may rate a case in this state (and change the rating until closed).
    fn is_rateable(self) -> bool;
}

impl StatusText for ReportStatus {
    fn label_vi(self) -> &'static str {
        match self {
            ReportStatus::Received => "Đã tiếp nhận",
            ReportStatus::Forwarded => "Đã chuyển đơn vị xử lý",
            ReportStatus::InProgress => "Đang xử lý",
            ReportStatus::Resolved => "Đã xử lý",
            ReportStatus::Closed => "Đã đóng",
            ReportStatus::Rejected => "Từ chối",
            ReportStatus::Duplicate => "Trùng lặp",
            ReportStatus::Reopened => "Mở lại",
        }
    }

    fn label_en(self) -> &'static str {
        match self {
            ReportStatus::Received => "Received",
            ReportStatus::Forwarded => "Forwarded",
            ReportStatus::InProgress => "In progress",
            ReportStatus::Resolved => "Resolved",
            ReportStatus::Closed => "Closed",
            ReportStatus::Rejected => "Rejected",
            ReportStatus::Duplicate => "Duplicate",
            ReportStatus::Reopened => "Reopened",
        }
    }

    fn is_rateable(self) -> bool {
        matches!(self, ReportStatus::Resolved)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub level: u8,
    pub comment: Option<String>,
    pub reopen: bool,
    pub rated_at: DateTime<Utc>,
}

/// Outbox item, keyed by the client id that the server sees as `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub client_id: Uuid,
    pub kind: OutboxKind,
    pub state: LocalState,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub server_id: Option<String>,
    /// The step that was started and has not finished yet, recorded before its work begins
    /// (crash-loop immunity, see [`crate::sync::machine::begin`]).
    #[serde(default)]
    pub attempt: Option<Attempt>,
    /// How many times in a row the process died during the same step of this item.
    #[serde(default)]
    pub interruptions: u32,
}

/// A step of an outbox item in progress, as recorded before its work starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// `process_media`, `upload`, `create_report`, `send_rating`, `send_closure` or `send_join`.
    pub step: String,
    /// The attachment the step works on (media and upload steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Uuid>,
    /// The run (one per opened client, i.e. per process) that started it: an attempt found
    /// from another run was interrupted by the process dying.
    pub run: Uuid,
    pub started_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxKind {
    /// A whole report (the draft with this id and its attachments).
    Report { draft_id: Uuid },
    /// A rating (possibly asking to reopen) of a report already on the server.
    Rating { report_id: String, rating: Rating },
    /// The resident's answer to a resolution: "đã sửa" (confirmed) or "chưa sửa" (disputed,
    /// with what is still wrong). The client id is the server's idempotency key.
    Closure {
        report_id: String,
        verdict: phananh_wire::ClosureVerdict,
        text: Option<String>,
    },
    /// "Me too": follow an open report instead of filing a duplicate.
    Join { report_id: String },
}
