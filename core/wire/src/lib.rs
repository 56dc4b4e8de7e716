//! JSON shapes exchanged between the app and the backend (DESIGN §4).
//!
//! Only plain data lives here: both the core's client and the stub depend on it, so a
//! field renamed on one side is a compile error on the other, not a runtime surprise.
//! Changes are additive only: new optional fields, new paths; never a rename.
//!
//! # Protocol
//!
//! Every path below is relative to the tenant's `api_base_url` (which ends with `/`), so a
//! server may live under a prefix. Constants are in [`paths`].
//!
//! App API (JSON, `Authorization: Bearer <access_token>` unless marked public):
//!
//! | Method | Path | Body → Response |
//! |---|---|---|
//! | POST | `api/v1/auth/otp/request` (public) | [`OtpRequest`] → [`OtpRequested`] |
//! | POST | `api/v1/auth/otp/verify` (public) | [`OtpVerify`] → [`TokenPair`] |
//! | POST | `api/v1/auth/refresh` (public) | [`RefreshRequest`] → [`TokenPair`] (a spent token again within the grace period, nothing of its successor used: the same pair; otherwise 401 and the sign-in's token family is revoked) |
//! | POST | `api/v1/auth/logout` | → 204 (every token of this sign-in and its push tokens revoked) |
//! | GET | `api/v1/me` | → [`UserInfo`] |
//! | DELETE | `api/v1/me` | → 204 (account deleted: personal data erased, sessions revoked; public reports kept without identity) |
//! | GET | `api/v1/me/export` | → [`DataExport`] |
//! | GET | `api/v1/notices?ward=<code>&lat=&lon=` (public) | → [`NoticesPage`] (valid now, covering the ward or point if given; most severe first) |
//! | POST | `api/v1/officer/notices` (IOC staff) | [`NewNotice`] → 201 [`Notice`] (a severe one is pushed to every registered device) |
//! | POST | `api/v1/reports` + header `Idempotency-Key: <client_id>` | [`NewReport`] → 201 [`Report`]; replay of the same body → 200 same [`Report`]; other body under the key → 409 |
//! | GET | `api/v1/me/reports?since=<cursor>&limit=<n>` | → [`MyReportsPage`] (reports changed after the cursor, oldest change first, with full timelines) |
//! | GET | `api/v1/reports/{id}` | → [`Report`] (public form unless it is mine or I am an officer) |
//! | PUT | `api/v1/reports/{id}/rating` | [`RatingRequest`] → [`Report`] (reporter only, status resolved) |
//! | POST | `api/v1/reports/{id}/closure` + header `Idempotency-Key: <client id>` | [`ClosureRequest`] → [`Report`] (reporter or follower, within 7 days of the resolution; a dispute reopens the case at the IOC; the same key again → the same answer; another answer → 409 `already-answered`, late → 409 `answer-window-closed`) |
//! | PUT | `api/v1/reports/{id}/supporters/me` | → [`Report`] ("me too": follow an open report; twice is harmless; own report → 409) |
//! | GET | `api/v1/reports/nearby?lat=&lon=&category=&radius_m=` (public) | → [`NearbyPage`] (open reports of the category within `radius_m` ≤ 500, default 150, nearest first) |
//! | GET | `api/v1/feed?bbox=minLon,minLat,maxLon,maxLat&category=&status=&q=&cursor=&limit=` (public) | → [`FeedPage`] (`q` ignores Vietnamese diacritics) |
//! | GET | `api/v1/config` (public, `ETag` / `If-None-Match` → 304) | → [`TenantConfig`] |
//! | GET | `api/v1/config/boundaries` (public, ETag) | → GeoJSON FeatureCollection of the wards |
//! | GET | `api/v1/units` (public) | → `Vec<`[`UnitInfo`]`>` |
//! | POST | `api/v1/push-tokens` | [`PushTokenRegistration`] → 204 |
//! | GET | `api/v1/officer/cases?status=&cursor=&limit=` (officer/leader) | → [`CasesPage`] (their unit's cases) |
//! | POST | `api/v1/officer/cases/{id}/actions` (officer/leader) | [`CaseAction`] → [`Report`] |
//! | GET | `media/{media_id}` (public once attached to a report) | → the file bytes |
//! | GET | `openapi.json` | → OpenAPI 3.1 document |
//!
//! Media upload: tus 1.0.0 at `files/` (creation, creation-with-upload, expiration,
//! termination, checksum with `sha1`), bearer token required. `Upload-Metadata` keys:
//! `filename`, `filetype` (MIME, required, checked against the bytes). The
//! `Location` of the creation response is what goes into [`NewMedia::upload_url`].
//! A creation may carry `Idempotency-Key` (1–255 printable characters, bare or quoted; the
//! core sends one per file, the same on every attempt): sent again by the same account while
//! the upload it made is alive and unattached, the answer is 201 with that upload's
//! `Location` and `Upload-Offset` (no second upload; bytes sent along are taken only while it
//! is empty); the same key with another `Upload-Length`/`Upload-Metadata` is 422
//! `idempotency-conflict`.
//! The core resumes with `HEAD` and never re-sends acknowledged bytes.
//!
//! Open311 GeoReport v2 (JSON) under `open311/v2/`: `services.json`,
//! `services/{code}.json`, `requests.json` (GET; POST form-encoded with `api_key`),
//! `requests/{id}.json`, `servicerequestupdates.json` (FixMyStreet style).
//!
//! Errors: RFC 9457 `application/problem+json` bodies ([`Problem`]) whose `type` is one of
//! [`problem_types`]. 429 and 503 carry `Retry-After` (seconds).

use std::collections::BTreeMap;

pub mod closure;
pub mod config;
pub mod notices;
pub mod outbox;
pub mod push;
pub mod validation;

pub use closure::{
    ClosureAnswer, ClosureRequest, ClosureVerdict, NearbyPage, NearbyReport, Verification,
    VerificationReason,
};
pub use config::{Category, LocationPolicy, MapConfig, MediaLimits, RatingLevel, TenantConfig};
pub use notices::{NewNotice, Notice, NoticeArea, NoticeSeverity, NoticesPage};
pub use outbox::{FailureCode, OutboxFailure};
pub use push::{PushData, PushDataError};
pub use validation::{FieldError, ValidationReason};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Paths relative to the base URL (no leading slash).
pub mod paths {
    pub const OTP_REQUEST: &str = "api/v1/auth/otp/request";
    pub const OTP_VERIFY: &str = "api/v1/auth/otp/verify";
    pub const REFRESH: &str = "api/v1/auth/refresh";
    pub const LOGOUT: &str = "api/v1/auth/logout";
    pub const ME: &str = "api/v1/me";
    pub const ME_EXPORT: &str = "api/v1/me/export";
    pub const REPORTS: &str = "api/v1/reports";
    pub const MY_REPORTS: &str = "api/v1/me/reports";
    pub const FEED: &str = "api/v1/feed";
    pub const NEARBY: &str = "api/v1/reports/nearby";
    pub const NOTICES: &str = "api/v1/notices";
    pub const OFFICER_NOTICES: &str = "api/v1/officer/notices";
    pub const CONFIG: &str = "api/v1/config";
    pub const BOUNDARIES: &str = "api/v1/config/boundaries";
    pub const UNITS: &str = "api/v1/units";
    pub const PUSH_TOKENS: &str = "api/v1/push-tokens";
    pub const OFFICER_CASES: &str = "api/v1/officer/cases";
    /// tus creation endpoint; uploads live at `files/{upload_id}`.
    pub const TUS: &str = "files/";
    pub const OPENAPI: &str = "openapi.json";
    pub const OPEN311_SERVICES: &str = "open311/v2/services.json";
    pub const OPEN311_REQUESTS: &str = "open311/v2/requests.json";
    pub const OPEN311_UPDATES: &str = "open311/v2/servicerequestupdates.json";

    /// `api/v1/reports/{id}`
    pub fn report(id: &str) -> String {
        format!("api/v1/reports/{id}")
    }
    /// `api/v1/reports/{id}/rating`
    pub fn rating(id: &str) -> String {
        format!("api/v1/reports/{id}/rating")
    }
    /// `api/v1/reports/{id}/closure`
    pub fn closure(id: &str) -> String {
        format!("api/v1/reports/{id}/closure")
    }
    /// `api/v1/reports/{id}/supporters/me`
    pub fn support(id: &str) -> String {
        format!("api/v1/reports/{id}/supporters/me")
    }
    /// `api/v1/officer/cases/{id}/actions`
    pub fn case_actions(id: &str) -> String {
        format!("api/v1/officer/cases/{id}/actions")
    }
    /// `media/{id}`
    pub fn media(id: &str) -> String {
        format!("media/{id}")
    }
    /// `open311/v2/services/{code}.json`
    pub fn open311_service(code: &str) -> String {
        format!("open311/v2/services/{code}.json")
    }
    /// `open311/v2/requests/{id}.json`
    pub fn open311_request(id: &str) -> String {
        format!("open311/v2/requests/{id}.json")
    }
}

/// Header carrying the report's client id on `POST api/v1/reports`.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// tus protocol version spoken by both sides.
pub const TUS_VERSION: &str = "1.0.0";
/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

// ---------------------------------------------------------------------------------------
// Auth

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpRequest {
    /// Vietnamese mobile number, `0912345678` or `+84912345678`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(\+84|0)[35789][0-9]{8}$", example = "0912345678")
    )]
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpRequested {
    /// The number in E.164 form, as the server will know it.
    pub phone: String,
    /// Seconds the code stays valid.
    pub expires_in_s: u32,
    /// Wrong codes accepted before the code is burnt.
    pub max_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OtpVerify {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(\+84|0)[35789][0-9]{8}$", example = "0912345678")
    )]
    pub phone: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]{6}$"))]
    pub code: String,
    /// Shown to the user in a future "devices" list; optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// Version of the privacy notice the person was shown and accepted before signing in;
    /// the server records it with the time (Decree 13/2023/NĐ-CP consent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 40))]
    pub consent_version: Option<String>,
}

/// One recorded consent to the privacy notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentRecord {
    pub version: String,
    pub at: DateTime<Utc>,
}

/// Everything the server holds about the signed-in person ("download my data").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataExport {
    pub exported_at: DateTime<Utc>,
    pub user: UserInfo,
    /// My reports as I see them (timelines, my ratings, media references).
    pub reports: Vec<Report>,
    pub consents: Vec<ConsentRecord>,
    /// Registered push tokens (platform and when), tokens themselves not repeated.
    pub push_registrations: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Result of a login or refresh. Refreshing rotates both tokens: the old refresh token
/// stops working.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    /// Always `Bearer`.
    pub token_type: String,
    pub user: UserInfo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    /// Handles the cases of one unit.
    Officer,
    /// Officer who may also extend deadlines and close cases.
    Leader,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    pub id: String,
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub role: Role,
    /// The unit an officer or leader belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitRef>,
}

// ---------------------------------------------------------------------------------------
// Reports

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Photo,
    Video,
}

/// Server lifecycle of a case (DESIGN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

impl ReportStatus {
    pub const ALL: [ReportStatus; 8] = [
        ReportStatus::Received,
        ReportStatus::Forwarded,
        ReportStatus::InProgress,
        ReportStatus::Resolved,
        ReportStatus::Closed,
        ReportStatus::Rejected,
        ReportStatus::Duplicate,
        ReportStatus::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Received => "received",
            ReportStatus::Forwarded => "forwarded",
            ReportStatus::InProgress => "in_progress",
            ReportStatus::Resolved => "resolved",
            ReportStatus::Closed => "closed",
            ReportStatus::Rejected => "rejected",
            ReportStatus::Duplicate => "duplicate",
            ReportStatus::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Open311 GeoReport v2 knows only `open` and `closed`.
    pub fn open311(self) -> &'static str {
        match self {
            ReportStatus::Resolved
            | ReportStatus::Closed
            | ReportStatus::Rejected
            | ReportStatus::Duplicate => "closed",
            _ => "open",
        }
    }
}

/// One file of a new report: a finished tus upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMedia {
    /// The tus upload URL (`Location` of the creation response); a bare upload id is
    /// accepted too.
    pub upload_url: String,
    /// SHA-256 of the uploaded bytes, lowercase hex; the server checks it.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
    pub kind: MediaKind,
    /// MIME type of the uploaded bytes (`image/jpeg`, `video/mp4`, ...); checked.
    pub mime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<Utc>>,
    /// A video's poster frame: another finished tus upload, a small JPEG (at most
    /// [`MAX_POSTER_BYTES`]). Only for `kind: video`. Left out when there is none, so the
    /// body is the same as before for servers that do not know it (they ignore the field,
    /// and the unused poster upload expires there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<NewPoster>,
}

/// Largest poster frame a server takes (the app sends about a tenth of it).
pub const MAX_POSTER_BYTES: u64 = 256 * 1024;

/// The poster frame of a new video: a finished tus upload of a JPEG (`filetype` `image/jpeg`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPoster {
    /// The tus upload URL of the JPEG.
    pub upload_url: String,
    /// SHA-256 of the uploaded bytes, lowercase hex; the server checks it.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
}

/// Body of `POST api/v1/reports`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReport {
    /// The draft's id; must equal the `Idempotency-Key` header.
    pub client_id: Uuid,
    /// Category (Open311 `service_code`), e.g. `giao_thong`.
    #[cfg_attr(feature = "openapi", schema(example = "giao_thong"))]
    pub category: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 2000))]
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(minimum = -90.0, maximum = 90.0))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(minimum = -180.0, maximum = 180.0))]
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0.0, maximum = 100000.0))]
    pub accuracy_m: Option<f64>,
    /// Ward the app located the point in; the server locates it again and its answer wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 16))]
    pub ward_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub address: Option<String>,
    #[serde(default)]
    pub anonymous: bool,
    /// Extra attributes of the category (Open311 `attribute[code]`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 7))]
    pub media: Vec<NewMedia>,
    /// When the problem was seen (earliest capture time), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRef {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// The provincial operations centre: receives and routes every case.
    Ioc,
    /// Provincial department (Sở).
    Department,
    /// Commune/ward People's Committee.
    Ward,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitInfo {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// National ward code, for ward People's Committees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WardInfo {
    /// National administrative code, e.g. `18073`.
    pub code: String,
    pub name: String,
    /// e.g. `Phường Thành Sen`.
    pub full_name: String,
}

/// A file attached to a report or to a timeline event; `url` is absolute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaRef {
    pub id: String,
    pub url: String,
    pub kind: MediaKind,
    pub mime: String,
    pub size_bytes: u64,
    pub sha256: String,
    /// A video's poster frame (a small JPEG, served publicly like photos), when the server
    /// has one: the app sent it with the report. Absent for photos and for videos without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster_url: Option<String>,
    /// SHA-256 (hex) and size of the poster file, to check a download against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster_size_bytes: Option<u64>,
}

impl MediaRef {
    /// The poster frame of a video as a photo of its own (what a thumbnail shows).
    pub fn poster(&self) -> Option<MediaRef> {
        if self.kind != MediaKind::Video {
            return None;
        }
        Some(MediaRef {
            id: format!("{}-poster", self.id),
            url: self.poster_url.clone()?,
            kind: MediaKind::Photo,
            mime: "image/jpeg".into(),
            size_bytes: self.poster_size_bytes?,
            sha256: self.poster_sha256.clone()?,
            poster_url: None,
            poster_sha256: None,
            poster_size_bytes: None,
        })
    }
}

/// What a timeline event records. Unknown future kinds read as `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Received,
    Forwarded,
    Started,
    /// An answer from the unit (text and/or media) without a status change.
    Response,
    Resolved,
    Rejected,
    Duplicate,
    DeadlineExtended,
    Rated,
    Reopened,
    Closed,
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEvent {
    /// Increasing within a report; stable, so clients merge by it.
    pub id: u64,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    /// Status of the case after this event.
    pub status: ReportStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default)]
    pub media: Vec<MediaRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingInfo {
    pub level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub reopen: bool,
    pub rated_at: DateTime<Utc>,
}

/// Who sent a report. Shown only to the reporter and to officers; never in public views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReporterInfo {
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A case as the server knows it. In public form (not mine, not an officer) `client_id`,
/// `reporter` and `my_rating` are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<Uuid>,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward: Option<WardInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub status: ReportStatus,
    /// Unit currently responsible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Handling deadline (Open311 `expected_datetime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<Utc>>,
    pub anonymous: bool,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub media: Vec<MediaRef>,
    #[serde(default)]
    pub timeline: Vec<TimelineEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_rating: Option<RatingInfo>,
    /// How the latest resolution was checked against its "after" photo (resolved once at least).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// Residents who said "me too" and follow the case (the reporter not counted).
    #[serde(default)]
    pub supporters: u32,
    /// The viewer follows this report ("me too") without having filed it.
    #[serde(default)]
    pub following: bool,
    /// Bumped on every change; equal versions mean equal content.
    pub version: u64,
}

/// `GET api/v1/me/reports?since=` answer. Keep `next_cursor` and pass it as `since` next
/// time; ask again while `has_more`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyReportsPage {
    pub items: Vec<Report>,
    pub next_cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingRequest {
    /// A value of the tenant's rating scale.
    pub level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub comment: Option<String>,
    /// Ask to reopen; only at a level whose `may_reopen` is true.
    #[serde(default)]
    pub reopen: bool,
}

/// A report in the public feed: no reporter data of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedItem {
    pub id: String,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ward: Option<WardInfo>,
    pub status: ReportStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub media: Vec<MediaRef>,
    /// Latest rating level given by the reporter, if any (no comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_level: Option<u8>,
    /// Residents who said "me too" (the reporter not counted).
    #[serde(default)]
    pub supporters: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedPage {
    /// Newest first.
    pub items: Vec<FeedItem>,
    /// Pass as `cursor` for the next (older) page; absent at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushPlatform {
    Fcm,
    Apns,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushTokenRegistration {
    pub platform: PushPlatform,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 4096))]
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub device_id: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Officer workflow

/// One step of the handling workflow; each appends a timeline event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaseAction {
    /// received/reopened → forwarded to the unit the case is routed to.
    Accept {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Hand the case to another unit (status forwarded).
    Forward {
        unit: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// forwarded/reopened → in_progress.
    Start {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Answer without a status change. `media` are finished tus upload URLs.
    Respond {
        message: String,
        #[serde(default)]
        media: Vec<NewMedia>,
    },
    /// in_progress → resolved, with the unit's answer.
    Resolve {
        message: String,
        #[serde(default)]
        media: Vec<NewMedia>,
    },
    Reject {
        reason: String,
    },
    Duplicate {
        of: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Leader only.
    ExtendDeadline {
        deadline: DateTime<Utc>,
        reason: String,
    },
    /// resolved → closed. Leader only.
    Close {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasesPage {
    /// Oldest first.
    pub items: Vec<Report>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Errors

/// Stable `type` URIs of problem documents. Clients branch on these, never on `title`.
pub mod problem_types {
    pub const BAD_REQUEST: &str = "urn:phananh:problem:bad-request";
    pub const VALIDATION: &str = "urn:phananh:problem:validation";
    pub const UNAUTHORIZED: &str = "urn:phananh:problem:unauthorized";
    /// The access token expired: refresh and retry once.
    pub const TOKEN_EXPIRED: &str = "urn:phananh:problem:token-expired";
    pub const FORBIDDEN: &str = "urn:phananh:problem:forbidden";
    pub const NOT_FOUND: &str = "urn:phananh:problem:not-found";
    pub const METHOD_NOT_ALLOWED: &str = "urn:phananh:problem:method-not-allowed";
    /// Same `Idempotency-Key`, different body.
    pub const IDEMPOTENCY_CONFLICT: &str = "urn:phananh:problem:idempotency-conflict";
    /// The case is not in a state that allows this step.
    pub const INVALID_TRANSITION: &str = "urn:phananh:problem:invalid-transition";
    pub const OTP_INVALID: &str = "urn:phananh:problem:otp-invalid";
    pub const OTP_ATTEMPTS_EXCEEDED: &str = "urn:phananh:problem:otp-attempts-exceeded";
    pub const PAYLOAD_TOO_LARGE: &str = "urn:phananh:problem:payload-too-large";
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "urn:phananh:problem:unsupported-media-type";
    /// A referenced upload is missing, unfinished, expired, or its checksum differs.
    pub const UPLOAD_INVALID: &str = "urn:phananh:problem:upload-invalid";
    pub const UPLOAD_OFFSET_MISMATCH: &str = "urn:phananh:problem:upload-offset-mismatch";
    pub const CHECKSUM_MISMATCH: &str = "urn:phananh:problem:checksum-mismatch";
    pub const GONE: &str = "urn:phananh:problem:gone";
    /// A resolution may be confirmed or disputed only within 7 days.
    pub const ANSWER_WINDOW_CLOSED: &str = "urn:phananh:problem:answer-window-closed";
    /// This resident already answered this resolution.
    pub const ALREADY_ANSWERED: &str = "urn:phananh:problem:already-answered";
    pub const RATE_LIMITED: &str = "urn:phananh:problem:rate-limited";
    pub const UNAVAILABLE: &str = "urn:phananh:problem:unavailable";
    pub const INTERNAL: &str = "urn:phananh:problem:internal";
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Field-level details of a validation problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Seconds to wait before retrying (429/503), same as `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    /// JSON field name (dotted for nested: `media.0.sha256`).
    pub field: String,
    /// Machine code: `required`, `too_long`, `too_short`, `invalid`, `unknown`,
    /// `out_of_range`, `not_allowed`.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_type_field_is_named_type() {
        let p = Problem {
            type_: problem_types::NOT_FOUND.into(),
            title: "Not found".into(),
            status: 404,
            detail: None,
            instance: None,
            errors: vec![],
            retry_after_s: None,
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["type"], problem_types::NOT_FOUND);
        assert!(v.get("errors").is_none());
    }

    #[test]
    fn case_actions_are_tagged_by_action() {
        let a: CaseAction =
            serde_json::from_str(r#"{"action":"reject","reason":"không thuộc thẩm quyền"}"#)
                .unwrap();
        assert_eq!(
            a,
            CaseAction::Reject {
                reason: "không thuộc thẩm quyền".into()
            }
        );
        let v = serde_json::to_value(CaseAction::Start { message: None }).unwrap();
        assert_eq!(v, serde_json::json!({"action": "start"}));
    }

    #[test]
    fn unknown_event_kinds_do_not_break_old_clients() {
        let k: EventKind = serde_json::from_str("\"escalated\"").unwrap();
        assert_eq!(k, EventKind::Other);
    }

    #[test]
    fn new_report_defaults_optional_parts() {
        let r: NewReport = serde_json::from_str(
            r#"{"client_id":"0190a0a0-0000-7000-8000-000000000000","category":"giao_thong",
               "description":"Ổ gà lớn giữa đường","lat":18.34,"lon":105.9}"#,
        )
        .unwrap();
        assert!(!r.anonymous && r.media.is_empty() && r.attributes.is_empty());
        for s in ReportStatus::ALL {
            assert_eq!(ReportStatus::parse(s.as_str()), Some(s));
        }
    }
}
