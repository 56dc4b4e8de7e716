//! Verified closure and "me too" (issue 13, items 1 and 2). When a unit resolves a case,
//! its "after" photo is checked against the report: taken within the category's radius of
//! the report's point, after the report was made (position and time as read from the photo
//! before its metadata was stripped, see [`crate::photo_meta`]). The reporter and the
//! case's followers may confirm or dispute a resolution within
//! [`ANSWER_WINDOW_DAYS`](phananh_wire::closure::ANSWER_WINDOW_DAYS); a dispute reopens the
//! case at the IOC. A resident may follow an open report instead of filing a duplicate.

use axum::extract::State;
use axum::http::HeaderMap;
use phananh_wire::closure::{self as cl, distance_m};
use phananh_wire::{
    problem_types as pt, ClosureAnswer, ClosureRequest, ClosureVerdict, EventKind, FieldProblem,
    NearbyPage, NearbyReport, Report, ReportStatus, Role, Verification, VerificationReason,
    IDEMPOTENCY_KEY,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::extract::{Json, Path, Query};
use crate::limits::check_len;
use crate::problem::{ApiError, ApiResult};
use crate::reports::{
    append_event, append_event_kind, check_category, check_position, StoredMedia,
};
use crate::views::{self, parse_id};
use crate::{db, ms_to_dt, now_ms, AppState};

/// Statuses in which a case is open (may be followed, shows in "nearby").
pub const OPEN: [ReportStatus; 4] = [
    ReportStatus::Received,
    ReportStatus::Forwarded,
    ReportStatus::InProgress,
    ReportStatus::Reopened,
];

const DAY_MS: i64 = 86_400_000;

/// Timeline event of a resident's "fixed" answer (reads as `other` to clients that do not
/// know it; its message says what happened).
pub const CONFIRMED_EVENT: &str = "closure_confirmed";

/// The check of one photo: (verified, distance, reason).
fn check_photo(
    report: (f64, f64, i64),
    radius_m: u32,
    position: Option<(f64, f64)>,
    taken_at: Option<i64>,
) -> (bool, Option<f64>, Option<VerificationReason>) {
    let (lat, lon, created_at) = report;
    let Some((plat, plon)) = position else {
        return (false, None, Some(VerificationReason::NoPositionInPhoto));
    };
    let d = (distance_m(lat, lon, plat, plon) * 10.0).round() / 10.0;
    let reason = if d > radius_m as f64 {
        Some(VerificationReason::TooFar)
    } else {
        match taken_at {
            None => Some(VerificationReason::NoCaptureTime),
            Some(t) if t < created_at => Some(VerificationReason::TakenBeforeReport),
            Some(_) => None,
        }
    };
    (reason.is_none(), Some(d), reason)
}

/// Check the resolution `event_id` of case `r` against its photos and record the result
/// (replacing that of an earlier resolution). Of several photos, a verified one wins (the
/// nearest), else the nearest that says where it was taken, else the first.
pub fn record_verification(
    st: &AppState,
    conn: &Connection,
    r: &views::Row,
    event_id: i64,
    files: &[StoredMedia],
) -> ApiResult<()> {
    let radius = st
        .config
        .tenant
        .categories
        .iter()
        .find(|c| c.code == r.category)
        .map(|c| c.verify_radius_m())
        .unwrap_or(cl::DEFAULT_VERIFY_RADIUS_M);
    // (verified, distance, reason, photo id, taken at)
    type Checked = (
        bool,
        Option<f64>,
        Option<VerificationReason>,
        String,
        Option<i64>,
    );
    let mut best: Option<Checked> = None;
    for f in files
        .iter()
        .filter(|f| f.kind == phananh_wire::MediaKind::Photo)
    {
        let (lat, lon, taken): (Option<f64>, Option<f64>, Option<i64>) = conn.query_row(
            "SELECT photo_lat, photo_lon, photo_taken_at FROM uploads WHERE id = ?1",
            [&f.id],
            |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
        )?;
        let pos = lat.zip(lon);
        let (ok, d, why) = check_photo((r.lat, r.lon, r.created_at), radius, pos, taken);
        let rank = |c: &(bool, Option<f64>)| (!c.0, c.1.is_none(), c.1.unwrap_or(f64::MAX));
        let better = match &best {
            None => true,
            Some(b) => rank(&(ok, d)) < rank(&(b.0, b.1)),
        };
        if better {
            best = Some((ok, d, why, f.id.clone(), taken));
        }
    }
    let (verified, distance, reason, photo, taken) = best.unwrap_or((
        false,
        None,
        Some(VerificationReason::NoPhoto),
        String::new(),
        None,
    ));
    conn.execute(
        "INSERT OR REPLACE INTO verifications(report_n, event_id, resolved_at, verified, distance_m, reason, radius_m, photo_id, photo_taken_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.n,
            event_id,
            now_ms(),
            verified as i64,
            distance,
            reason.map(|x| x.as_str()),
            radius,
            Some(photo).filter(|p| !p.is_empty()),
            taken
        ],
    )?;
    Ok(())
}

/// The verification of case `n` as `viewer` sees it (their own answer included).
pub fn verification(
    conn: &Connection,
    n: i64,
    viewer: Option<&AuthUser>,
) -> rusqlite::Result<Option<Verification>> {
    type Row = (
        i64,
        i64,
        i64,
        Option<f64>,
        Option<String>,
        i64,
        Option<String>,
        Option<i64>,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT event_id, resolved_at, verified, distance_m, reason, radius_m, photo_id, photo_taken_at FROM verifications WHERE report_n = ?1",
            [n],
            |x| {
                Ok((
                    x.get(0)?,
                    x.get(1)?,
                    x.get(2)?,
                    x.get(3)?,
                    x.get(4)?,
                    x.get(5)?,
                    x.get(6)?,
                    x.get(7)?,
                ))
            },
        )
        .optional()?;
    let Some((event_id, resolved_at, verified, distance, reason, radius, photo, taken)) = row
    else {
        return Ok(None);
    };
    let my_answer = match viewer {
        Some(v) => conn
            .query_row(
                "SELECT verdict, text, at FROM closure_answers WHERE report_n = ?1 AND event_id = ?2 AND user_id = ?3",
                params![n, event_id, v.id],
                |x| {
                    Ok(ClosureAnswer {
                        verdict: if x.get::<_, String>(0)? == "disputed" {
                            ClosureVerdict::Disputed
                        } else {
                            ClosureVerdict::Confirmed
                        },
                        text: x.get(1)?,
                        at: ms_to_dt(x.get(2)?),
                    })
                },
            )
            .optional()?,
        None => None,
    };
    Ok(Some(Verification {
        verified: verified != 0,
        distance_m: distance,
        reason: reason.as_deref().map(VerificationReason::parse),
        radius_m: radius.clamp(0, u32::MAX as i64) as u32,
        photo_taken_at: taken.map(ms_to_dt),
        photo_id: photo,
        resolved_at: ms_to_dt(resolved_at),
        answer_until: ms_to_dt(resolved_at + cl::ANSWER_WINDOW_DAYS * DAY_MS),
        my_answer,
    }))
}

pub fn supporters(conn: &Connection, n: i64) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM supporters s JOIN reports r ON r.n = s.report_n WHERE s.report_n = ?1 AND s.user_id <> r.reporter_id",
        [n],
        |x| x.get::<_, i64>(0),
    )
    .map(|c| c as u32)
}

pub fn is_supporter(conn: &Connection, n: i64, user_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM supporters WHERE report_n = ?1 AND user_id = ?2",
        params![n, user_id],
        |_| Ok(()),
    )
    .optional()
    .map(|x| x.is_some())
}

/// Confirm ("đã sửa") or dispute ("chưa sửa") the latest resolution of a case. The reporter
/// and followers only, once each per resolution, within 7 days of it. A dispute reopens the
/// case at the IOC. The same `Idempotency-Key` again returns the report (a lost answer).
#[utoipa::path(post, path = "/api/v1/reports/{id}/closure", tag = "reports", security(("bearer" = [])), request_body = ClosureRequest,
    params(("id" = String, Path, description = "report id", example = "1"),
           ("Idempotency-Key" = String, Header, description = "the answer's client id (UUID)")),
    responses((status = 200, body = Report), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn answer(
    State(st): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(req): Json<ClosureRequest>,
) -> ApiResult<axum::Json<Report>> {
    let n = parse_id(&id)?;
    let Some(key) = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .and_then(|k| k.trim().parse::<uuid::Uuid>().ok())
    else {
        return Err(ApiError::bad_request(
            "Idempotency-Key header (the answer's client id, a UUID) required",
        ));
    };
    let key = key.to_string();
    let text = req.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let mut errs: Vec<FieldProblem> = Vec::new();
    match (req.verdict, text) {
        (ClosureVerdict::Disputed, None) => errs.push(FieldProblem {
            field: "text".into(),
            reason: "required".into(),
            detail: Some("say what is still wrong".into()),
        }),
        (_, Some(t)) => {
            if let Err(e) = check_len("text", t, 1, cl::MAX_DISPUTE_TEXT) {
                errs.push(e);
            }
        }
        _ => {}
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let conn = st.conn();
    let r = views::load_row(&conn, n)?;
    if r.reporter_id != user.id && !is_supporter(&conn, n, &user.id)? {
        return Err(ApiError::forbidden(
            "only the reporter and the residents following a case may answer its resolution",
        ));
    }
    let replay: Option<String> = conn
        .query_row(
            "SELECT verdict FROM closure_answers WHERE report_n = ?1 AND user_id = ?2 AND client_id = ?3",
            params![n, user.id, key],
            |x| x.get(0),
        )
        .optional()?;
    if let Some(v) = replay {
        if v != req.verdict.as_str() {
            return Err(ApiError::conflict(
                pt::IDEMPOTENCY_CONFLICT,
                "this Idempotency-Key was used with another answer",
            ));
        }
        return Ok(axum::Json(views::report(&st, &conn, n, Some(&user))?));
    }
    let v: Option<(i64, i64)> = conn
        .query_row(
            "SELECT event_id, resolved_at FROM verifications WHERE report_n = ?1",
            [n],
            |x| Ok((x.get(0)?, x.get(1)?)),
        )
        .optional()?;
    let Some((event_id, resolved_at)) = v else {
        return Err(ApiError::conflict(
            pt::INVALID_TRANSITION,
            format!("a {} case has no resolution to answer", r.status.as_str()),
        ));
    };
    let answered = conn
        .query_row(
            "SELECT 1 FROM closure_answers WHERE report_n = ?1 AND event_id = ?2 AND user_id = ?3",
            params![n, event_id, user.id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if answered {
        return Err(ApiError::conflict(
            pt::ALREADY_ANSWERED,
            "you already answered this resolution",
        ));
    }
    let now = now_ms();
    if now > resolved_at + cl::ANSWER_WINDOW_DAYS * DAY_MS {
        return Err(ApiError::conflict(
            pt::ANSWER_WINDOW_CLOSED,
            format!(
                "a resolution may be confirmed or disputed within {} days",
                cl::ANSWER_WINDOW_DAYS
            ),
        ));
    }
    if r.status != ReportStatus::Resolved {
        return Err(ApiError::conflict(
            pt::INVALID_TRANSITION,
            format!("the case is {} now", r.status.as_str()),
        ));
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO closure_answers(report_n, event_id, user_id, client_id, verdict, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![n, event_id, user.id, key, req.verdict.as_str(), text, now],
    )?;
    match req.verdict {
        ClosureVerdict::Confirmed => {
            append_event_kind(
                &tx,
                n,
                CONFIRMED_EVENT,
                false,
                ReportStatus::Resolved,
                None,
                Some("Người dân xác nhận đã sửa"),
                Some(&user.id),
                &[],
            )?;
        }
        ClosureVerdict::Disputed => {
            tx.execute(
                "UPDATE reports SET unit_code = ?2 WHERE n = ?1",
                params![n, crate::IOC],
            )?;
            append_event(
                &tx,
                n,
                EventKind::Reopened,
                ReportStatus::Reopened,
                Some(crate::IOC),
                Some(&format!(
                    "Người dân báo chưa sửa: {}; chuyển Trung tâm IOC xem xét",
                    text.unwrap_or_default()
                )),
                Some(&user.id),
                &[],
            )?;
        }
    }
    tx.commit()?;
    Ok(axum::Json(views::report(&st, &conn, n, Some(&user))?))
}

/// "Me too": follow an open report instead of filing the same problem again. The resident
/// then gets its news with their own reports and may rate it. Twice is harmless; one's own
/// report cannot be joined.
#[utoipa::path(put, path = "/api/v1/reports/{id}/supporters/me", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "report id", example = "1")),
    responses((status = 200, body = Report), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn join(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Report>> {
    let n = parse_id(&id)?;
    if user.role != Role::Resident {
        return Err(ApiError::forbidden("only residents follow reports"));
    }
    let conn = st.conn();
    let r = views::load_row(&conn, n)?;
    if r.reporter_id == user.id {
        return Err(ApiError::conflict(
            pt::INVALID_TRANSITION,
            "this is your own report",
        ));
    }
    if is_supporter(&conn, n, &user.id)? {
        return Ok(axum::Json(views::report(&st, &conn, n, Some(&user))?));
    }
    if !OPEN.contains(&r.status) {
        return Err(ApiError::conflict(
            pt::INVALID_TRANSITION,
            format!("a {} case cannot be followed", r.status.as_str()),
        ));
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO supporters(report_n, user_id, at) VALUES (?1, ?2, ?3)",
        params![n, user.id, now_ms()],
    )?;
    // A new version, with a new change cursor: the follower's next sync picks it up.
    let seq = db::next_seq(&tx)?;
    tx.execute(
        "UPDATE reports SET version = version + 1, seq = ?2 WHERE n = ?1",
        params![n, seq],
    )?;
    tx.commit()?;
    Ok(axum::Json(views::report(&st, &conn, n, Some(&user))?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NearbyQuery {
    pub lat: f64,
    pub lon: f64,
    /// Category code.
    pub category: String,
    /// Metres, 1–500 (default 150).
    #[param(minimum = 1, maximum = 500)]
    pub radius_m: Option<u32>,
}

/// Open reports of a category within `radius_m` of a point, nearest first (at most 20).
#[utoipa::path(get, path = "/api/v1/reports/nearby", tag = "reports", params(NearbyQuery),
    responses((status = 200, body = NearbyPage), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn nearby(
    State(st): State<AppState>,
    Query(q): Query<NearbyQuery>,
) -> ApiResult<axum::Json<NearbyPage>> {
    let mut errs = Vec::new();
    check_position(&mut errs, q.lat, q.lon);
    check_category(&mut errs, &q.category);
    let radius = q.radius_m.unwrap_or(cl::NEARBY_RADIUS_M);
    if !(1..=500).contains(&radius) {
        errs.push(FieldProblem {
            field: "radius_m".into(),
            reason: "out_of_range".into(),
            detail: Some("between 1 and 500".into()),
        });
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    // A box around the point first (1° of latitude ≈ 111 km), then the exact distance.
    let dlat = radius as f64 / 111_000.0 * 1.1;
    let dlon = dlat / q.lat.to_radians().cos().max(0.01);
    let conn = st.conn();
    let sql = format!(
        "SELECT {} FROM reports WHERE category = ?1 AND status IN ('received','forwarded','in_progress','reopened')
           AND lat BETWEEN ?2 AND ?3 AND lon BETWEEN ?4 AND ?5 LIMIT 500",
        views::COLS
    );
    let mut s = conn.prepare(&sql)?;
    let rows: Vec<views::Row> = s
        .query_map(
            params![
                q.category,
                q.lat - dlat,
                q.lat + dlat,
                q.lon - dlon,
                q.lon + dlon
            ],
            views::row,
        )?
        .collect::<Result<_, _>>()?;
    let mut items = Vec::new();
    for r in &rows {
        let d = distance_m(q.lat, q.lon, r.lat, r.lon);
        if d <= radius as f64 {
            items.push(NearbyReport {
                report: views::feed_item(&st, &conn, r)?,
                distance_m: (d * 10.0).round() / 10.0,
            });
        }
    }
    items.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    items.truncate(20);
    Ok(axum::Json(NearbyPage { items }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_verified_only_near_and_after() {
        let report = (18.342, 105.9057, 1_000_000);
        let near = Some((18.34236, 105.9057)); // ~40 m north
        let (ok, d, why) = check_photo(report, 100, near, Some(1_000_001));
        assert!(ok && why.is_none());
        assert!((d.unwrap() - 40.0).abs() < 1.0, "{d:?}");
        let far = Some((18.36, 105.9057));
        assert_eq!(
            check_photo(report, 100, far, Some(2_000_000)).2,
            Some(VerificationReason::TooFar)
        );
        assert_eq!(
            check_photo(report, 100, near, Some(999_999)).2,
            Some(VerificationReason::TakenBeforeReport)
        );
        assert_eq!(
            check_photo(report, 100, near, None).2,
            Some(VerificationReason::NoCaptureTime)
        );
        assert_eq!(
            check_photo(report, 100, None, Some(2_000_000)),
            (false, None, Some(VerificationReason::NoPositionInPhoto))
        );
    }
}
