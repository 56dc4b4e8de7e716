//! Reading cases out of SQLite into wire shapes, with what each viewer may see. The reporter
//! sees themself; the handling unit's staff see who reported a case unless it is anonymous;
//! an anonymous reporter is hidden from every unit (IOC included) until an IOC leader
//! reveals them through the audited reveal step; contact details given through Open311 are
//! shown to IOC staff only; everyone else sees the public form.

use std::collections::BTreeMap;

use phananh_wire::{
    EventKind, FeedItem, MediaKind, MediaRef, RatingInfo, Report, ReportStatus, ReporterInfo,
    TimelineEvent,
};
use rusqlite::{Connection, OptionalExtension};

use crate::auth::AuthUser;
use crate::problem::{ApiError, ApiResult};
use crate::{ms_to_dt, AppState};

pub struct Row {
    pub n: i64,
    pub client_id: Option<String>,
    pub reporter_id: String,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
    pub ward_code: Option<String>,
    pub address: Option<String>,
    pub anonymous: bool,
    pub attributes: String,
    pub captured_at: Option<i64>,
    pub status: ReportStatus,
    pub unit_code: String,
    pub deadline: Option<i64>,
    pub duplicate_of: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// `app`, or `open311:<key name>`.
    pub source: String,
    /// Open311 contact details (JSON), for the IOC only.
    pub contact: Option<String>,
    /// Open311 `media_url` as given.
    pub media_url: Option<String>,
}

/// Timeline events of this kind (an IOC leader saw an anonymous reporter's identity) are
/// shown to the reporter and the IOC only.
pub const REVEAL_EVENT: &str = "identity_revealed";

pub const COLS: &str = "n, client_id, reporter_id, category, description, lat, lon, accuracy_m, ward_code, address, \
    anonymous, attributes, captured_at, status, unit_code, deadline, duplicate_of, created_at, updated_at, version, \
    source, contact, media_url";
/// Number of columns in [`COLS`].
pub const NCOLS: usize = 23;

pub fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        n: r.get(0)?,
        client_id: r.get(1)?,
        reporter_id: r.get(2)?,
        category: r.get(3)?,
        description: r.get(4)?,
        lat: r.get(5)?,
        lon: r.get(6)?,
        accuracy_m: r.get(7)?,
        ward_code: r.get(8)?,
        address: r.get(9)?,
        anonymous: r.get::<_, i64>(10)? != 0,
        attributes: r.get(11)?,
        captured_at: r.get(12)?,
        status: ReportStatus::parse(&r.get::<_, String>(13)?).unwrap_or(ReportStatus::Received),
        unit_code: r.get(14)?,
        deadline: r.get(15)?,
        duplicate_of: r.get(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
        version: r.get(19)?,
        source: r.get(20)?,
        contact: r.get(21)?,
        media_url: r.get(22)?,
    })
}

/// Report ids are the decimal row number.
pub fn parse_id(id: &str) -> ApiResult<i64> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(format!("no report {id}")))
}

pub fn load_row(conn: &Connection, n: i64) -> ApiResult<Row> {
    conn.query_row(
        &format!("SELECT {COLS} FROM reports WHERE n = ?1"),
        [n],
        row,
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found(format!("no report {n}")))
}

pub fn media_kind(s: &str) -> MediaKind {
    if s == "video" {
        MediaKind::Video
    } else {
        MediaKind::Photo
    }
}

fn event_kind(s: &str) -> EventKind {
    serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap_or(EventKind::Other)
}

pub fn event_kind_str(k: EventKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "other".into())
}

/// Media of a report: (event id or None for the report's own, ref).
fn media(
    st: &AppState,
    conn: &Connection,
    n: i64,
) -> rusqlite::Result<Vec<(Option<i64>, MediaRef)>> {
    let mut s = conn.prepare_cached(
        "SELECT id, event_id, kind, mime, size, sha256, poster_size, poster_sha256 FROM media WHERE report_n = ?1 ORDER BY ord",
    )?;
    let rows = s.query_map([n], |r| {
        let id: String = r.get(0)?;
        let poster_size: Option<i64> = r.get(6)?;
        Ok((
            r.get::<_, Option<i64>>(1)?,
            MediaRef {
                url: format!("{}/media/{id}", st.base),
                poster_url: poster_size.map(|_| format!("{}/media/{id}/poster", st.base)),
                poster_size_bytes: poster_size.map(|s| s as u64),
                poster_sha256: r.get(7)?,
                id,
                kind: media_kind(&r.get::<_, String>(2)?),
                mime: r.get(3)?,
                size_bytes: r.get::<_, i64>(4)? as u64,
                sha256: r.get(5)?,
            },
        ))
    })?;
    rows.collect()
}

pub fn build(
    st: &AppState,
    conn: &Connection,
    r: &Row,
    viewer: Option<&AuthUser>,
) -> ApiResult<Report> {
    let mine = viewer.is_some_and(|v| v.id == r.reporter_id);
    let staff = viewer.is_some_and(|v| v.handles(&r.unit_code));
    let ioc_staff =
        viewer.is_some_and(|v| v.is_staff() && v.unit_code.as_deref() == Some(crate::IOC));
    let all_media = media(st, conn, r.n)?;
    let mut timeline = Vec::new();
    {
        let mut s = conn.prepare_cached("SELECT id, at, kind, status, unit_code, message FROM events WHERE report_n = ?1 ORDER BY id")?;
        let rows = s.query_map([r.n], |e| {
            Ok((
                e.get::<_, i64>(0)?,
                e.get::<_, i64>(1)?,
                e.get::<_, String>(2)?,
                e.get::<_, String>(3)?,
                e.get::<_, Option<String>>(4)?,
                e.get::<_, Option<String>>(5)?,
            ))
        })?;
        for ev in rows {
            let (id, at, kind, status, unit, message) = ev?;
            if kind == REVEAL_EVENT && !(mine || ioc_staff) {
                continue;
            }
            timeline.push(TimelineEvent {
                id: id as u64,
                at: ms_to_dt(at),
                kind: event_kind(&kind),
                status: ReportStatus::parse(&status).unwrap_or(r.status),
                unit: unit.as_deref().and_then(|u| st.unit_ref(u)),
                message,
                media: all_media
                    .iter()
                    .filter(|(e, _)| *e == Some(id))
                    .map(|(_, m)| m.clone())
                    .collect(),
            });
        }
    }
    let reporter = if r.source != "app" {
        // Open311: no resident account behind it; the integrator's contact details.
        if ioc_staff {
            r.contact.as_deref().and_then(contact_info)
        } else {
            None
        }
    } else if mine || (staff && !r.anonymous) {
        // A deleted account has no identity left to show.
        conn.query_row(
            "SELECT phone, display_name FROM users WHERE id = ?1 AND deleted_at IS NULL",
            [&r.reporter_id],
            |u| {
                Ok(ReporterInfo {
                    phone: u.get(0)?,
                    display_name: u.get(1)?,
                })
            },
        )
        .optional()?
    } else {
        None
    };
    let following = !mine
        && match viewer {
            Some(v) => crate::closure::is_supporter(conn, r.n, &v.id)?,
            None => false,
        };
    let my_rating = if following {
        conn.query_row(
            "SELECT level, comment, rated_at FROM follower_ratings WHERE report_n = ?1 AND user_id = ?2",
            rusqlite::params![r.n, viewer.map(|v| v.id.as_str())],
            |x| {
                Ok(RatingInfo {
                    level: x.get::<_, i64>(0)? as u8,
                    comment: x.get(1)?,
                    reopen: false,
                    rated_at: ms_to_dt(x.get(2)?),
                })
            },
        )
        .optional()?
    } else if mine || staff {
        conn.query_row(
            "SELECT level, comment, reopen, rated_at FROM ratings WHERE report_n = ?1",
            [r.n],
            |x| {
                Ok(RatingInfo {
                    level: x.get::<_, i64>(0)? as u8,
                    comment: x.get(1)?,
                    reopen: x.get::<_, i64>(2)? != 0,
                    rated_at: ms_to_dt(x.get(3)?),
                })
            },
        )
        .optional()?
    } else {
        None
    };
    let attributes: BTreeMap<String, String> =
        serde_json::from_str(&r.attributes).unwrap_or_default();
    Ok(Report {
        id: r.n.to_string(),
        client_id: if mine {
            r.client_id.as_deref().and_then(|c| c.parse().ok())
        } else {
            None
        },
        category: r.category.clone(),
        description: r.description.clone(),
        lat: r.lat,
        lon: r.lon,
        accuracy_m: r.accuracy_m,
        ward: r
            .ward_code
            .as_deref()
            .and_then(|w| st.wards.get(w))
            .cloned(),
        address: r.address.clone(),
        status: r.status,
        unit: st.unit_ref(&r.unit_code),
        created_at: ms_to_dt(r.created_at),
        updated_at: ms_to_dt(r.updated_at),
        deadline: r.deadline.map(ms_to_dt),
        captured_at: r.captured_at.map(ms_to_dt),
        anonymous: r.anonymous,
        attributes,
        media: all_media
            .into_iter()
            .filter(|(e, _)| e.is_none())
            .map(|(_, m)| m)
            .collect(),
        timeline,
        duplicate_of: r.duplicate_of.clone(),
        reporter,
        my_rating,
        verification: crate::closure::verification(conn, r.n, viewer)?,
        supporters: crate::closure::supporters(conn, r.n)?,
        following,
        version: r.version as u64,
    })
}

/// Open311 contact details as a [`ReporterInfo`]: the phone (else the e-mail) and the name.
fn contact_info(json: &str) -> Option<ReporterInfo> {
    let c: BTreeMap<String, String> = serde_json::from_str(json).ok()?;
    let reach = c
        .get("phone")
        .or_else(|| c.get("email"))
        .cloned()
        .unwrap_or_default();
    let name: Vec<&str> = ["first_name", "last_name"]
        .iter()
        .filter_map(|k| c.get(*k).map(String::as_str))
        .collect();
    let via = c
        .get("via")
        .map(|v| format!(" (Open311: {v})"))
        .unwrap_or_default();
    let display = format!("{}{via}", name.join(" "));
    (!reach.is_empty() || !name.is_empty()).then(|| ReporterInfo {
        phone: reach,
        display_name: Some(display.trim().to_string()).filter(|d| !d.is_empty()),
    })
}

pub fn feed_item(st: &AppState, conn: &Connection, r: &Row) -> ApiResult<FeedItem> {
    let rating_level = conn
        .query_row(
            "SELECT level FROM ratings WHERE report_n = ?1",
            [r.n],
            |x| x.get::<_, i64>(0),
        )
        .optional()?
        .map(|l| l as u8);
    Ok(FeedItem {
        id: r.n.to_string(),
        category: r.category.clone(),
        description: r.description.clone(),
        lat: r.lat,
        lon: r.lon,
        ward: r
            .ward_code
            .as_deref()
            .and_then(|w| st.wards.get(w))
            .cloned(),
        status: r.status,
        unit: st.unit_ref(&r.unit_code),
        created_at: ms_to_dt(r.created_at),
        updated_at: ms_to_dt(r.updated_at),
        media: media(st, conn, r.n)?
            .into_iter()
            .filter(|(e, _)| e.is_none())
            .map(|(_, m)| m)
            .collect(),
        rating_level,
        supporters: crate::closure::supporters(conn, r.n)?,
    })
}

/// Load `n` as `viewer` sees it.
pub fn report(
    st: &AppState,
    conn: &Connection,
    n: i64,
    viewer: Option<&AuthUser>,
) -> ApiResult<Report> {
    let r = load_row(conn, n)?;
    build(st, conn, &r, viewer)
}
