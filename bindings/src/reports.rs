//! FFI mirrors of the server-side view of reports (`phananh_wire`): my reports with their
//! timelines, the public feed, the signed-in user. Reporter identity never crosses here.

use std::collections::HashMap;
use std::time::SystemTime;

use phananh_wire as wire;

use crate::types::{time, ReportStatus, WardRef};

impl From<wire::ReportStatus> for ReportStatus {
    fn from(s: wire::ReportStatus) -> Self {
        match s {
            wire::ReportStatus::Received => Self::Received,
            wire::ReportStatus::Forwarded => Self::Forwarded,
            wire::ReportStatus::InProgress => Self::InProgress,
            wire::ReportStatus::Resolved => Self::Resolved,
            wire::ReportStatus::Closed => Self::Closed,
            wire::ReportStatus::Rejected => Self::Rejected,
            wire::ReportStatus::Duplicate => Self::Duplicate,
            wire::ReportStatus::Reopened => Self::Reopened,
        }
    }
}

impl From<ReportStatus> for wire::ReportStatus {
    fn from(s: ReportStatus) -> Self {
        match s {
            ReportStatus::Received => Self::Received,
            ReportStatus::Forwarded => Self::Forwarded,
            ReportStatus::InProgress => Self::InProgress,
            ReportStatus::Resolved => Self::Resolved,
            ReportStatus::Closed => Self::Closed,
            ReportStatus::Rejected => Self::Rejected,
            ReportStatus::Duplicate => Self::Duplicate,
            ReportStatus::Reopened => Self::Reopened,
        }
    }
}

impl From<wire::WardInfo> for WardRef {
    fn from(w: wire::WardInfo) -> Self {
        Self {
            code: w.code,
            name: w.name,
            full_name: w.full_name,
        }
    }
}

/// A unit (department, ward People's Committee, the IOC).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnitRef {
    pub code: String,
    pub name: String,
}

impl From<wire::UnitRef> for UnitRef {
    fn from(u: wire::UnitRef) -> Self {
        Self {
            code: u.code,
            name: u.name,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RemoteMediaKind {
    Photo,
    Video,
}

/// A file on the server (report photos, the unit's answer photos). `url` is absolute.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MediaRef {
    pub id: String,
    pub url: String,
    pub kind: RemoteMediaKind,
    pub mime: String,
    pub size_bytes: u64,
    /// Lowercase hex; the media cache checks the file against it.
    #[uniffi(default = "")]
    pub sha256: String,
    /// A video's poster frame (its thumbnail), when the server has one; fetch it with
    /// `media_poster`.
    #[uniffi(default = None)]
    pub poster_url: Option<String>,
    #[uniffi(default = None)]
    pub poster_sha256: Option<String>,
    #[uniffi(default = None)]
    pub poster_size_bytes: Option<u64>,
}

impl From<MediaRef> for wire::MediaRef {
    fn from(m: MediaRef) -> Self {
        Self {
            id: m.id,
            url: m.url,
            kind: match m.kind {
                RemoteMediaKind::Photo => wire::MediaKind::Photo,
                RemoteMediaKind::Video => wire::MediaKind::Video,
            },
            mime: m.mime,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            poster_url: m.poster_url,
            poster_sha256: m.poster_sha256,
            poster_size_bytes: m.poster_size_bytes,
        }
    }
}

/// What `PhanAnhClient::refresh_tenant_if_due` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TenantRefresh {
    /// The server was asked (due, and online).
    pub checked: bool,
    /// A new config was applied: categories, limits, location policy may have changed.
    pub config_changed: bool,
    pub boundaries_changed: bool,
}

impl From<phananh_core::client::TenantRefresh> for TenantRefresh {
    fn from(r: phananh_core::client::TenantRefresh) -> Self {
        Self {
            checked: r.checked,
            config_changed: r.config_changed,
            boundaries_changed: r.boundaries_changed,
        }
    }
}

/// Which push service a token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PushPlatform {
    /// Firebase Cloud Messaging (Android).
    Fcm,
    /// Apple Push Notification service (iOS).
    Apns,
}

impl From<PushPlatform> for wire::PushPlatform {
    fn from(p: PushPlatform) -> Self {
        match p {
            PushPlatform::Fcm => wire::PushPlatform::Fcm,
            PushPlatform::Apns => wire::PushPlatform::Apns,
        }
    }
}

/// What a received push changed (see `PhanAnhClient::handle_push`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum PushEffect {
    /// One of my reports, fetched and merged; "my reports" subscribers heard of it.
    Report { report: Report },
    /// A notice covering the resident was published: show the notices again.
    Notice { notice_id: String },
}

impl From<phananh_core::PushEffect> for PushEffect {
    fn from(e: phananh_core::PushEffect) -> Self {
        match e {
            phananh_core::PushEffect::Report(r) => PushEffect::Report { report: r.into() },
            phananh_core::PushEffect::Notice { notice_id } => PushEffect::Notice { notice_id },
        }
    }
}

/// A report's media file on this phone (see `PhanAnhClient::media_file`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CachedMedia {
    pub path: String,
    /// Served from the cache, without the network.
    pub from_cache: bool,
}

impl From<phananh_core::CachedMedia> for CachedMedia {
    fn from(c: phananh_core::CachedMedia) -> Self {
        Self {
            path: c.path.to_string_lossy().into_owned(),
            from_cache: c.from_cache,
        }
    }
}

/// What the media cache holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct MediaCacheUsage {
    pub files: u64,
    /// Media of the resident's own reports: never evicted.
    pub kept_bytes: u64,
    /// The feed's: evicted least recently used first over the budget.
    pub other_bytes: u64,
}

impl From<phananh_core::store::MediaCacheUsage> for MediaCacheUsage {
    fn from(u: phananh_core::store::MediaCacheUsage) -> Self {
        Self {
            files: u.files,
            kept_bytes: u.kept_bytes,
            other_bytes: u.other_bytes,
        }
    }
}

impl From<wire::MediaRef> for MediaRef {
    fn from(m: wire::MediaRef) -> Self {
        let kind = match m.kind {
            wire::MediaKind::Photo => RemoteMediaKind::Photo,
            wire::MediaKind::Video => RemoteMediaKind::Video,
        };
        Self {
            id: m.id,
            url: m.url,
            kind,
            mime: m.mime,
            size_bytes: m.size_bytes,
            sha256: m.sha256,
            poster_url: m.poster_url,
            poster_sha256: m.poster_sha256,
            poster_size_bytes: m.poster_size_bytes,
        }
    }
}

/// What a timeline step records. Kinds unknown to this app version read as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EventKind {
    Received,
    Forwarded,
    Started,
    Response,
    Resolved,
    Rejected,
    Duplicate,
    DeadlineExtended,
    Rated,
    Reopened,
    Closed,
    Other,
}

impl From<wire::EventKind> for EventKind {
    fn from(k: wire::EventKind) -> Self {
        match k {
            wire::EventKind::Received => Self::Received,
            wire::EventKind::Forwarded => Self::Forwarded,
            wire::EventKind::Started => Self::Started,
            wire::EventKind::Response => Self::Response,
            wire::EventKind::Resolved => Self::Resolved,
            wire::EventKind::Rejected => Self::Rejected,
            wire::EventKind::Duplicate => Self::Duplicate,
            wire::EventKind::DeadlineExtended => Self::DeadlineExtended,
            wire::EventKind::Rated => Self::Rated,
            wire::EventKind::Reopened => Self::Reopened,
            wire::EventKind::Closed => Self::Closed,
            wire::EventKind::Other => Self::Other,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TimelineEvent {
    /// Increasing within a report.
    pub id: u64,
    pub at: SystemTime,
    pub kind: EventKind,
    /// Status of the case after this step.
    pub status: ReportStatus,
    pub unit: Option<UnitRef>,
    pub message: Option<String>,
    pub media: Vec<MediaRef>,
}

impl From<wire::TimelineEvent> for TimelineEvent {
    fn from(e: wire::TimelineEvent) -> Self {
        Self {
            id: e.id,
            at: time(e.at),
            kind: e.kind.into(),
            status: e.status.into(),
            unit: e.unit.map(Into::into),
            message: e.message,
            media: e.media.into_iter().map(Into::into).collect(),
        }
    }
}

/// The reporter's rating as the server holds it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RatingInfo {
    pub level: u8,
    pub comment: Option<String>,
    pub reopen: bool,
    pub rated_at: SystemTime,
}

impl From<wire::RatingInfo> for RatingInfo {
    fn from(r: wire::RatingInfo) -> Self {
        Self {
            level: r.level,
            comment: r.comment,
            reopen: r.reopen,
            rated_at: time(r.rated_at),
        }
    }
}

/// A case as the server knows it, with its merged timeline (my reports, report detail).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Report {
    pub id: String,
    /// The client id it was sent under (present for my own reports).
    pub client_id: Option<String>,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub ward: Option<WardRef>,
    pub address: Option<String>,
    pub status: ReportStatus,
    /// Unit currently responsible.
    pub unit: Option<UnitRef>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    /// Handling deadline (Open311 `expected_datetime`).
    pub deadline: Option<SystemTime>,
    pub anonymous: bool,
    pub attributes: HashMap<String, String>,
    pub media: Vec<MediaRef>,
    pub timeline: Vec<TimelineEvent>,
    pub duplicate_of: Option<String>,
    pub my_rating: Option<RatingInfo>,
    /// Bumped by the server on every change.
    pub version: u64,
    // Issue 13 fields last, with defaults: constructors written before them still compile.
    /// How the latest resolution was checked against the unit's "after" photo (present once
    /// the case was resolved).
    #[uniffi(default = None)]
    pub verification: Option<Verification>,
    /// Residents who said "me too" (the reporter not counted).
    #[uniffi(default = 0)]
    pub supporters: u32,
    /// I follow this report ("me too") without having filed it.
    #[uniffi(default = false)]
    pub following: bool,
}

/// Why a resolution is not verified on site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VerificationReason {
    /// Resolved without an "after" photo.
    NoPhoto,
    NoPositionInPhoto,
    NoCaptureTime,
    /// Taken farther than `radius_m` from the report.
    TooFar,
    TakenBeforeReport,
    /// A reason this app version does not know.
    Other,
}

impl From<wire::VerificationReason> for VerificationReason {
    fn from(r: wire::VerificationReason) -> Self {
        match r {
            wire::VerificationReason::NoPhoto => Self::NoPhoto,
            wire::VerificationReason::NoPositionInPhoto => Self::NoPositionInPhoto,
            wire::VerificationReason::NoCaptureTime => Self::NoCaptureTime,
            wire::VerificationReason::TooFar => Self::TooFar,
            wire::VerificationReason::TakenBeforeReport => Self::TakenBeforeReport,
            wire::VerificationReason::Other => Self::Other,
        }
    }
}

/// A resident's answer to a resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ClosureVerdict {
    /// "Đã sửa".
    Confirmed,
    /// "Chưa sửa": the case reopened at the IOC.
    Disputed,
}

impl From<wire::ClosureVerdict> for ClosureVerdict {
    fn from(v: wire::ClosureVerdict) -> Self {
        match v {
            wire::ClosureVerdict::Confirmed => Self::Confirmed,
            wire::ClosureVerdict::Disputed => Self::Disputed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClosureAnswer {
    pub verdict: ClosureVerdict,
    pub text: Option<String>,
    pub at: SystemTime,
}

/// "Đã xác minh tại hiện trường / verified on site" (with `distance_m`), or not verified
/// and why; until `answer_until` the resident may confirm or dispute (`my_answer` once done).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Verification {
    pub verified: bool,
    pub distance_m: Option<f64>,
    /// Absent when verified.
    pub reason: Option<VerificationReason>,
    pub radius_m: u32,
    pub photo_taken_at: Option<SystemTime>,
    /// Id of the "after" photo checked (a `MediaRef.id` of the resolution event), for the
    /// before/after view.
    pub photo_id: Option<String>,
    pub resolved_at: SystemTime,
    pub answer_until: SystemTime,
    pub my_answer: Option<ClosureAnswer>,
}

impl From<wire::Verification> for Verification {
    fn from(v: wire::Verification) -> Self {
        Self {
            verified: v.verified,
            distance_m: v.distance_m,
            reason: v.reason.map(Into::into),
            radius_m: v.radius_m,
            photo_taken_at: v.photo_taken_at.map(time),
            photo_id: v.photo_id,
            resolved_at: time(v.resolved_at),
            answer_until: time(v.answer_until),
            my_answer: v.my_answer.map(|a| ClosureAnswer {
                verdict: a.verdict.into(),
                text: a.text,
                at: time(a.at),
            }),
        }
    }
}

/// An open report near a point, for "me too".
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NearbyReport {
    pub report: FeedItem,
    pub distance_m: f64,
}

/// Open reports of a category near a point, nearest first; `from_cache` when offline
/// (from the cached feed pages, as of `fetched_at`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NearbyReports {
    pub items: Vec<NearbyReport>,
    pub from_cache: bool,
    pub fetched_at: SystemTime,
}

impl From<phananh_core::client::NearbyResult> for NearbyReports {
    fn from(r: phananh_core::client::NearbyResult) -> Self {
        Self {
            items: r
                .items
                .into_iter()
                .map(|n| NearbyReport {
                    report: n.report.into(),
                    distance_m: n.distance_m,
                })
                .collect(),
            from_cache: r.from_cache,
            fetched_at: time(r.fetched_at),
        }
    }
}

impl From<wire::Report> for Report {
    fn from(r: wire::Report) -> Self {
        Self {
            id: r.id,
            client_id: r.client_id.map(|c| c.to_string()),
            category: r.category,
            description: r.description,
            lat: r.lat,
            lon: r.lon,
            ward: r.ward.map(Into::into),
            address: r.address,
            status: r.status.into(),
            unit: r.unit.map(Into::into),
            created_at: time(r.created_at),
            updated_at: time(r.updated_at),
            deadline: r.deadline.map(time),
            anonymous: r.anonymous,
            attributes: r.attributes.into_iter().collect(),
            media: r.media.into_iter().map(Into::into).collect(),
            timeline: r.timeline.into_iter().map(Into::into).collect(),
            duplicate_of: r.duplicate_of,
            my_rating: r.my_rating.map(Into::into),
            verification: r.verification.map(Into::into),
            supporters: r.supporters,
            following: r.following,
            version: r.version,
        }
    }
}

/// A report in the public feed: no reporter data of any kind.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FeedItem {
    pub id: String,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub ward: Option<WardRef>,
    pub status: ReportStatus,
    pub unit: Option<UnitRef>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub media: Vec<MediaRef>,
    pub rating_level: Option<u8>,
    /// Residents who said "me too".
    #[uniffi(default = 0)]
    pub supporters: u32,
}

impl From<wire::FeedItem> for FeedItem {
    fn from(f: wire::FeedItem) -> Self {
        Self {
            id: f.id,
            category: f.category,
            description: f.description,
            lat: f.lat,
            lon: f.lon,
            ward: f.ward.map(Into::into),
            status: f.status.into(),
            unit: f.unit.map(Into::into),
            created_at: time(f.created_at),
            updated_at: time(f.updated_at),
            media: f.media.into_iter().map(Into::into).collect(),
            rating_level: f.rating_level,
            supporters: f.supporters,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct BoundingBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl From<BoundingBox> for phananh_core::location::GeoBox {
    fn from(b: BoundingBox) -> Self {
        Self {
            min_lon: b.min_lon,
            min_lat: b.min_lat,
            max_lon: b.max_lon,
            max_lat: b.max_lat,
        }
    }
}

/// Filter of the public feed. `text` ignores Vietnamese diacritics ("duong" finds "đường").
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FeedQuery {
    #[uniffi(default = None)]
    pub bbox: Option<BoundingBox>,
    #[uniffi(default = None)]
    pub category: Option<String>,
    #[uniffi(default = None)]
    pub status: Option<ReportStatus>,
    #[uniffi(default = None)]
    pub text: Option<String>,
    /// `next_cursor` of the previous page, for the next (older) one.
    #[uniffi(default = None)]
    pub cursor: Option<String>,
    #[uniffi(default = None)]
    pub limit: Option<u32>,
}

impl From<FeedQuery> for phananh_core::api::app::FeedQuery {
    fn from(q: FeedQuery) -> Self {
        let mut out = Self::default();
        out.bbox = q.bbox.map(|b| (b.min_lon, b.min_lat, b.max_lon, b.max_lat));
        out.category = q.category;
        out.status = q.status.map(Into::into);
        out.text = q.text;
        out.cursor = q.cursor;
        out.limit = q.limit;
        out
    }
}

/// A feed page, newest first; `from_cache` when offline (shown with `fetched_at`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    pub next_cursor: Option<String>,
    pub from_cache: bool,
    pub fetched_at: SystemTime,
}

impl From<phananh_core::client::FeedResult> for FeedPage {
    fn from(r: phananh_core::client::FeedResult) -> Self {
        Self {
            items: r.page.items.into_iter().map(Into::into).collect(),
            next_cursor: r.page.next_cursor,
            from_cache: r.from_cache,
            fetched_at: time(r.fetched_at),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    Resident,
    Officer,
    Leader,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserInfo {
    pub id: String,
    /// E.164 form, e.g. `+84912345678`.
    pub phone: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub unit: Option<UnitRef>,
}

impl From<wire::UserInfo> for UserInfo {
    fn from(u: wire::UserInfo) -> Self {
        let role = match u.role {
            wire::Role::Resident => Role::Resident,
            wire::Role::Officer => Role::Officer,
            wire::Role::Leader => Role::Leader,
        };
        Self {
            id: u.id,
            phone: u.phone,
            display_name: u.display_name,
            role,
            unit: u.unit.map(Into::into),
        }
    }
}

/// Answer to an OTP request: where the code went and for how long it is valid.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OtpRequested {
    pub phone: String,
    pub expires_in_s: u32,
    pub max_attempts: u32,
}

impl From<wire::OtpRequested> for OtpRequested {
    fn from(o: wire::OtpRequested) -> Self {
        Self {
            phone: o.phone,
            expires_in_s: o.expires_in_s,
            max_attempts: o.max_attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_and_me_too_cross_as_typed_fields() {
        let r: wire::Report = serde_json::from_value(serde_json::json!({
            "id": "7", "category": "giao_thong", "description": "Ổ gà", "lat": 18.34, "lon": 105.9,
            "status": "resolved", "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-02T00:00:00Z",
            "anonymous": false, "version": 4, "supporters": 2, "following": true,
            "verification": {
                "verified": false, "distance_m": 2001.5, "reason": "too_far", "radius_m": 100,
                "resolved_at": "2026-12-02T00:00:00Z", "answer_until": "2026-12-09T00:00:00Z",
                "my_answer": {"verdict": "disputed", "text": "Vẫn còn", "at": "2026-12-03T00:00:00Z"}
            }
        }))
        .unwrap();
        let f = Report::from(r);
        assert_eq!((f.supporters, f.following), (2, true));
        let v = f.verification.unwrap();
        assert!(!v.verified);
        assert_eq!(v.reason, Some(VerificationReason::TooFar));
        assert_eq!(v.distance_m, Some(2001.5));
        assert_eq!(
            v.my_answer.map(|a| a.verdict),
            Some(ClosureVerdict::Disputed)
        );
        // A reason a newer server invents reads as Other, not as an error.
        let v: wire::VerificationReason = serde_json::from_str("\"blurry\"").unwrap();
        assert_eq!(VerificationReason::from(v), VerificationReason::Other);
    }
}
