//! FFI mirrors of the core's model and config types, with `From` conversions both ways where
//! the shell sends them in. Ids are strings (UUIDs) and times are `SystemTime` (Kotlin
//! `java.time.Instant`, Swift `Date`), so neither side needs a UUID or date library.

use std::collections::HashMap;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use phananh_core::model as cm;

pub(crate) fn time(t: DateTime<Utc>) -> SystemTime {
    t.into()
}

pub(crate) fn utc(t: SystemTime) -> DateTime<Utc> {
    t.into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum MediaKind {
    Photo,
    Video,
}

impl From<cm::MediaKind> for MediaKind {
    fn from(k: cm::MediaKind) -> Self {
        match k {
            cm::MediaKind::Photo => Self::Photo,
            cm::MediaKind::Video => Self::Video,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LocationSource {
    DeviceGps,
    Network,
    PhotoExif,
    Manual,
}

impl From<cm::LocationSource> for LocationSource {
    fn from(s: cm::LocationSource) -> Self {
        match s {
            cm::LocationSource::DeviceGps => Self::DeviceGps,
            cm::LocationSource::Network => Self::Network,
            cm::LocationSource::PhotoExif => Self::PhotoExif,
            cm::LocationSource::Manual => Self::Manual,
        }
    }
}

impl From<LocationSource> for cm::LocationSource {
    fn from(s: LocationSource) -> Self {
        match s {
            LocationSource::DeviceGps => Self::DeviceGps,
            LocationSource::Network => Self::Network,
            LocationSource::PhotoExif => Self::PhotoExif,
            LocationSource::Manual => Self::Manual,
        }
    }
}

/// One position estimate (device GPS, network, a photo's EXIF, or a pin the user placed).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LocationFix {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy radius in metres, when known.
    pub accuracy_m: Option<f64>,
    pub altitude_m: Option<f64>,
    pub time: SystemTime,
    pub source: LocationSource,
}

impl From<cm::LocationFix> for LocationFix {
    fn from(f: cm::LocationFix) -> Self {
        Self {
            lat: f.lat,
            lon: f.lon,
            accuracy_m: f.accuracy_m,
            altitude_m: f.altitude_m,
            time: time(f.time),
            source: f.source.into(),
        }
    }
}

impl From<LocationFix> for cm::LocationFix {
    fn from(f: LocationFix) -> Self {
        Self {
            lat: f.lat,
            lon: f.lon,
            accuracy_m: f.accuracy_m,
            altitude_m: f.altitude_m,
            time: utc(f.time),
            source: f.source.into(),
        }
    }
}

/// A commune or ward (post-2025 two-level administration).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WardRef {
    pub code: String,
    pub name: String,
    pub full_name: String,
}

impl From<cm::WardRef> for WardRef {
    fn from(w: cm::WardRef) -> Self {
        Self {
            code: w.code,
            name: w.name,
            full_name: w.full_name,
        }
    }
}

impl From<WardRef> for cm::WardRef {
    fn from(w: WardRef) -> Self {
        Self {
            code: w.code,
            name: w.name,
            full_name: w.full_name,
        }
    }
}

/// How far a file has got to the server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum UploadState {
    Pending,
    Ready,
    Uploading { offset: u64, total: u64 },
    Uploaded,
}

impl From<cm::UploadState> for UploadState {
    fn from(u: cm::UploadState) -> Self {
        match u {
            cm::UploadState::Pending => Self::Pending,
            cm::UploadState::Ready => Self::Ready,
            cm::UploadState::Uploading { offset, total, .. } => Self::Uploading { offset, total },
            cm::UploadState::Uploaded { .. } => Self::Uploaded,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Attachment {
    pub id: String,
    pub draft_id: String,
    pub kind: MediaKind,
    pub ordinal: u32,
    /// File name the user picked, for display only.
    pub original_name: String,
    /// Absolute path of the copy in app storage (thumbnails read this). Once the report is
    /// delivered, a small JPEG preview instead (a poster frame for a video): see `preview`.
    pub path: String,
    /// Absolute path of the compressed/transcoded file, once processed; `None` again after
    /// delivery (the file is removed).
    pub processed_path: Option<String>,
    pub mime: Option<String>,
    pub size_bytes: u64,
    pub sha256: String,
    pub captured_at: Option<SystemTime>,
    pub exif_location: Option<LocationFix>,
    pub upload: UploadState,
    /// The report was delivered and only a ≤ 320 px JPEG preview is kept at `path`.
    pub preview: bool,
}

impl From<cm::Attachment> for Attachment {
    fn from(a: cm::Attachment) -> Self {
        Self {
            id: a.id.to_string(),
            draft_id: a.draft_id.to_string(),
            kind: a.kind.into(),
            ordinal: a.ordinal,
            original_name: a.original_name,
            path: a.stored_path,
            processed_path: a.processed_path,
            mime: a.mime,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            captured_at: a.captured_at.map(time),
            exif_location: a.exif_location.map(Into::into),
            upload: a.upload.into(),
            preview: a.preview,
        }
    }
}

/// Client-side state of something the user sent, before and while the server learns of it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum LocalState {
    Draft,
    Queued,
    Uploading,
    Submitted,
    /// Stopped until the user acts (retry, edit, delete); `failure.code` says why.
    Failed {
        failure: crate::sync::OutboxFailure,
    },
}

impl From<cm::LocalState> for LocalState {
    fn from(s: cm::LocalState) -> Self {
        match s {
            cm::LocalState::Draft => Self::Draft,
            cm::LocalState::Queued => Self::Queued,
            cm::LocalState::Uploading => Self::Uploading,
            cm::LocalState::Submitted => Self::Submitted,
            cm::LocalState::Failed { failure } => Self::Failed { failure },
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Draft {
    pub id: String,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub category: Option<String>,
    pub description: String,
    pub location: Option<LocationFix>,
    pub ward: Option<WardRef>,
    pub anonymous: bool,
    /// Extra attributes asked by the category (Open311 `attribute[code]`).
    pub attributes: HashMap<String, String>,
    pub attachments: Vec<Attachment>,
    pub state: LocalState,
}

impl From<cm::Draft> for Draft {
    fn from(d: cm::Draft) -> Self {
        Self {
            id: d.id.to_string(),
            created_at: time(d.created_at),
            updated_at: time(d.updated_at),
            category: d.category,
            description: d.description,
            location: d.location.map(Into::into),
            ward: d.ward.map(Into::into),
            anonymous: d.anonymous,
            attributes: d.attributes.into_iter().collect(),
            attachments: d.attachments.into_iter().map(Into::into).collect(),
            state: d.state.into(),
        }
    }
}

/// One autosave edit. A list of these is one `update_draft` call, applied in one transaction;
/// `None` clears an optional field.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum DraftEdit {
    Category { code: Option<String> },
    Description { text: String },
    Location { fix: Option<LocationFix> },
    Ward { ward: Option<WardRef> },
    Anonymous { anonymous: bool },
    Attributes { values: HashMap<String, String> },
}

pub(crate) fn patch(edits: Vec<DraftEdit>) -> cm::DraftPatch {
    let mut p = cm::DraftPatch::default();
    for e in edits {
        match e {
            DraftEdit::Category { code } => p.category = Some(code),
            DraftEdit::Description { text } => p.description = Some(text),
            DraftEdit::Location { fix } => p.location = Some(fix.map(Into::into)),
            DraftEdit::Ward { ward } => p.ward = Some(ward.map(Into::into)),
            DraftEdit::Anonymous { anonymous } => p.anonymous = Some(anonymous),
            DraftEdit::Attributes { values } => p.attributes = Some(values.into_iter().collect()),
        }
    }
    p
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Rating {
    pub level: u8,
    pub comment: Option<String>,
    pub reopen: bool,
    pub rated_at: SystemTime,
}

impl From<cm::Rating> for Rating {
    fn from(r: cm::Rating) -> Self {
        Self {
            level: r.level,
            comment: r.comment,
            reopen: r.reopen,
            rated_at: time(r.rated_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum OutboxKind {
    Report {
        draft_id: String,
    },
    Rating {
        report_id: String,
        rating: Rating,
    },
    /// My answer to a resolution ("đã sửa" / "chưa sửa" with `text`).
    Closure {
        report_id: String,
        verdict: crate::reports::ClosureVerdict,
        text: Option<String>,
    },
    /// "Me too": following a report.
    Join {
        report_id: String,
    },
}

impl From<cm::OutboxKind> for OutboxKind {
    fn from(k: cm::OutboxKind) -> Self {
        match k {
            cm::OutboxKind::Report { draft_id } => Self::Report {
                draft_id: draft_id.to_string(),
            },
            cm::OutboxKind::Rating { report_id, rating } => Self::Rating {
                report_id,
                rating: rating.into(),
            },
            cm::OutboxKind::Closure {
                report_id,
                verdict,
                text,
            } => Self::Closure {
                report_id,
                verdict: verdict.into(),
                text,
            },
            cm::OutboxKind::Join { report_id } => Self::Join { report_id },
        }
    }
}

/// An item of the send queue, keyed by the client id the server sees as `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxItem {
    pub client_id: String,
    pub kind: OutboxKind,
    pub state: LocalState,
    pub attempts: u32,
    pub next_attempt_at: Option<SystemTime>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub server_id: Option<String>,
}

impl From<cm::OutboxItem> for OutboxItem {
    fn from(i: cm::OutboxItem) -> Self {
        Self {
            client_id: i.client_id.to_string(),
            kind: i.kind.into(),
            state: i.state.into(),
            attempts: i.attempts,
            next_attempt_at: i.next_attempt_at.map(time),
            created_at: time(i.created_at),
            updated_at: time(i.updated_at),
            server_id: i.server_id,
        }
    }
}

/// Server-side lifecycle of a case (DESIGN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReportStatus {
    Received,
    Forwarded,
    InProgress,
    Resolved,
    Closed,
    Rejected,
    Duplicate,
    Reopened,
}

/// Localized status labels come from the core so every shell says the same thing.
#[uniffi::export]
pub fn status_label(status: ReportStatus, language: String) -> String {
    use phananh_core::model::StatusText as _;
    let s = cm::ReportStatus::from(status);
    if language.starts_with("en") {
        s.label_en()
    } else {
        s.label_vi()
    }
    .to_owned()
}

// ----- tenant config ---------------------------------------------------------------------
// The contract crate's types, exported as they are (`uniffi::remote`): the field lists below
// are checked against `phananh_wire::config` by the compiler, so they cannot drift.

pub use phananh_core::config::{
    Category, LocationPolicy, MapConfig, MediaLimits, RatingLevel, TenantConfig,
};

/// A category of report (Open311 service) and its handling deadline.
#[uniffi::remote(Record)]
pub struct Category {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub deadline_hours: Option<u32>,
    /// Metres within which an "after" photo counts as on site (absent: 100).
    #[uniffi(default = None)]
    pub verify_radius_m: Option<u32>,
}

#[uniffi::remote(Record)]
pub struct RatingLevel {
    pub value: u8,
    pub label_vi: String,
    pub label_en: String,
    pub may_reopen: bool,
}

#[uniffi::remote(Record)]
pub struct MediaLimits {
    pub min_attachments: u32,
    pub max_photos: u32,
    pub max_videos: u32,
    pub max_photo_input_bytes: u64,
    pub max_video_input_bytes: u64,
    pub max_video_seconds: u32,
    pub photo_max_edge: u32,
    pub photo_max_bytes: u64,
    pub max_decode_pixels: u64,
    pub video_max_height: u32,
    pub video_bitrate_kbps: u32,
    pub audio_bitrate_kbps: u32,
}

#[uniffi::remote(Record)]
pub struct LocationPolicy {
    pub far_photo_m: f64,
    pub stale_photo_days: u32,
    pub max_fix_age_s: u32,
    pub good_accuracy_m: f64,
    pub poor_accuracy_m: f64,
    pub good_fix_wait_s: u32,
}

/// The map of reports: XYZ tile template (`{z}`, `{x}`, `{y}`; none: no background tiles)
/// and the credit to show with its tiles.
#[uniffi::remote(Record)]
pub struct MapConfig {
    pub tile_url_template: Option<String>,
    pub attribution: String,
    pub min_zoom: u8,
    pub max_zoom: u8,
}

/// The province's configuration (white label): categories, rating scale, limits, location
/// policy. Read-only here: a config goes into the core as the JSON document the server serves
/// (and a white-label build bundles), so the core alone parses and checks it.
#[uniffi::remote(Record)]
pub struct TenantConfig {
    pub tenant_id: String,
    pub name_vi: String,
    pub name_en: String,
    pub api_base_url: String,
    pub categories: Vec<Category>,
    pub rating_scale: Vec<RatingLevel>,
    pub media: MediaLimits,
    pub location: LocationPolicy,
    pub map: MapConfig,
    pub description_min_chars: u32,
    pub description_max_chars: u32,
    pub rating_comment_max_chars: u32,
    pub province_code: String,
    pub province_name: String,
    pub boundaries_url: Option<String>,
    pub boundaries_sha256: Option<String>,
    pub version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_become_one_patch_and_none_clears() {
        let p = patch(vec![
            DraftEdit::Category { code: None },
            DraftEdit::Description {
                text: "Đèn đường hỏng".into(),
            },
        ]);
        assert_eq!(p.category, Some(None));
        assert_eq!(p.description.as_deref(), Some("Đèn đường hỏng"));
        assert!(p.location.is_none() && p.anonymous.is_none());
    }
}

/// What "download my data" wrote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DataExportSummary {
    /// The folder holding `data.json` and the media.
    pub path: String,
    pub reports: u32,
    pub media_files: u32,
    /// Media the server listed that could not be fetched (named in `data.json`).
    pub media_missing: u32,
}
