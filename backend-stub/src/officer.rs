//! The handling workflow of units' officers and leaders. Each action is a checked state
//! transition that appends one timeline event; staff act only on their own unit's cases
//! (IOC staff on every case).

use axum::extract::State;
use chrono::Utc;
use phananh_wire::{
    problem_types as pt, CaseAction, CasesPage, EventKind, FieldProblem, Report, ReportStatus, Role,
};
use rusqlite::{params, Connection};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::extract::{Json, Path, Query};
use crate::limits::{self, check_len};
use crate::problem::{ApiError, ApiResult};
use crate::reports::{append_event, resolve_media};
use crate::views::{self, parse_id};
use crate::AppState;

use ReportStatus as S;

fn require_staff(user: &AuthUser) -> ApiResult<&str> {
    match (&user.role, &user.unit_code) {
        (Role::Officer | Role::Leader, Some(u)) => Ok(u),
        _ => Err(ApiError::forbidden("officers and leaders only")),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// Status, or several separated by commas.
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// My unit's cases (every case for IOC staff), oldest first, with reporter details.
#[utoipa::path(get, path = "/api/v1/officer/cases", tag = "officer", security(("bearer" = [])), params(CasesQuery),
    responses((status = 200, body = CasesPage), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn cases(
    State(st): State<AppState>,
    user: AuthUser,
    Query(q): Query<CasesQuery>,
) -> ApiResult<axum::Json<CasesPage>> {
    let unit = require_staff(&user)?.to_string();
    let limit = match q.limit {
        None => 50,
        Some(n) if (1..=limits::MAX_PAGE).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::field(
                "limit",
                "out_of_range",
                "between 1 and 200",
            ))
        }
    };
    let cursor =
        match q.cursor.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(c) => c.parse::<i64>().ok().filter(|c| *c >= 0).ok_or_else(|| {
                ApiError::field("cursor", "invalid", "not a cursor from this server")
            })?,
        };
    let statuses: Vec<&'static str> = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => S::ALL.iter().map(|s| s.as_str()).collect(),
        Some(s) => s
            .split(',')
            .map(|x| ReportStatus::parse(x.trim()).map(|s| s.as_str()))
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::field("status", "invalid", "unknown status"))?,
    };
    let conn = st.conn();
    let all_units = unit == crate::IOC;
    let sql = format!(
        "SELECT {} FROM reports WHERE n > ?1 AND (?2 OR unit_code = ?3) AND status IN ({}) ORDER BY n LIMIT ?4",
        views::COLS,
        statuses.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(",")
    );
    let mut s = conn.prepare(&sql)?;
    let rows: Vec<views::Row> = s
        .query_map(
            params![cursor, all_units, unit, limit as i64 + 1],
            views::row,
        )?
        .collect::<Result<_, _>>()?;
    let more = rows.len() > limit as usize;
    let items = rows
        .iter()
        .take(limit as usize)
        .map(|r| views::build(&st, &conn, r, Some(&user)))
        .collect::<ApiResult<Vec<_>>>()?;
    let next_cursor = if more {
        items.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok(axum::Json(CasesPage { items, next_cursor }))
}

fn transition(from: S, allowed: &[S], action: &str) -> ApiResult<()> {
    if allowed.contains(&from) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            pt::INVALID_TRANSITION,
            format!("cannot {action} a case that is {}", from.as_str()),
        ))
    }
}

fn msg<'a>(field: &str, m: &'a Option<String>, errs: &mut Vec<FieldProblem>) -> Option<&'a str> {
    let m = m.as_deref().map(str::trim).filter(|m| !m.is_empty());
    if let Some(t) = m {
        if let Err(e) = check_len(field, t, 0, limits::MAX_MESSAGE) {
            errs.push(e);
        }
    }
    m
}

const OPEN: &[S] = &[S::Received, S::Forwarded, S::InProgress, S::Reopened];

/// Apply one workflow action as `user` (or as the system for `--simulate`).
pub fn apply(
    st: &AppState,
    conn: &Connection,
    n: i64,
    user: &AuthUser,
    action: &CaseAction,
) -> ApiResult<()> {
    let r = views::load_row(conn, n)?;
    if !user.handles(&r.unit_code) {
        return Err(ApiError::forbidden("this case belongs to another unit"));
    }
    let mut errs = Vec::new();
    let tx = conn.unchecked_transaction()?;
    let actor = Some(user.id.as_str());
    match action {
        CaseAction::Accept { message } => {
            let m = msg("message", message, &mut errs);
            fail(errs)?;
            transition(r.status, &[S::Received, S::Reopened], "accept")?;
            let unit_name = st
                .unit(&r.unit_code)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            let text = m
                .map(str::to_string)
                .unwrap_or_else(|| format!("Đã chuyển {unit_name} xử lý"));
            append_event(
                &tx,
                n,
                EventKind::Forwarded,
                S::Forwarded,
                Some(&r.unit_code),
                Some(&text),
                actor,
                &[],
            )?;
        }
        CaseAction::Forward { unit, message } => {
            let m = msg("message", message, &mut errs);
            if st.unit(unit).is_none() {
                errs.push(FieldProblem {
                    field: "unit".into(),
                    reason: "unknown".into(),
                    detail: Some("no such unit".into()),
                });
            }
            fail(errs)?;
            transition(r.status, OPEN, "forward")?;
            tx.execute(
                "UPDATE reports SET unit_code = ?2 WHERE n = ?1",
                params![n, unit],
            )?;
            let unit_name = st.unit(unit).map(|u| u.name.clone()).unwrap_or_default();
            let text = m
                .map(str::to_string)
                .unwrap_or_else(|| format!("Đã chuyển {unit_name} xử lý"));
            append_event(
                &tx,
                n,
                EventKind::Forwarded,
                S::Forwarded,
                Some(unit),
                Some(&text),
                actor,
                &[],
            )?;
        }
        CaseAction::Start { message } => {
            let m = msg("message", message, &mut errs);
            fail(errs)?;
            transition(r.status, &[S::Forwarded, S::Reopened], "start")?;
            append_event(
                &tx,
                n,
                EventKind::Started,
                S::InProgress,
                Some(&r.unit_code),
                Some(m.unwrap_or("Đang xử lý")),
                actor,
                &[],
            )?;
        }
        CaseAction::Respond { message, media } | CaseAction::Resolve { message, media } => {
            let resolve = matches!(action, CaseAction::Resolve { .. });
            if let Err(e) = check_len("message", message.trim(), 1, limits::MAX_MESSAGE) {
                errs.push(e);
            }
            let files = resolve_media(
                &st.config.tenant.media,
                &tx,
                user,
                media,
                "media",
                &mut errs,
            );
            fail(errs)?;
            if resolve {
                transition(r.status, &[S::InProgress], "resolve")?;
                let event = append_event(
                    &tx,
                    n,
                    EventKind::Resolved,
                    S::Resolved,
                    Some(&r.unit_code),
                    Some(message.trim()),
                    actor,
                    &files,
                )?;
                // Was the "after" photo taken on site, after the report?
                crate::closure::record_verification(st, &tx, &r, event, &files)?;
            } else {
                transition(r.status, OPEN, "answer")?;
                append_event(
                    &tx,
                    n,
                    EventKind::Response,
                    r.status,
                    Some(&r.unit_code),
                    Some(message.trim()),
                    actor,
                    &files,
                )?;
            }
        }
        CaseAction::Reject { reason } => {
            if let Err(e) = check_len("reason", reason.trim(), 1, limits::MAX_MESSAGE) {
                errs.push(e);
            }
            fail(errs)?;
            transition(r.status, OPEN, "reject")?;
            append_event(
                &tx,
                n,
                EventKind::Rejected,
                S::Rejected,
                Some(&r.unit_code),
                Some(reason.trim()),
                actor,
                &[],
            )?;
        }
        CaseAction::Duplicate { of, message } => {
            let m = msg("message", message, &mut errs);
            let other = of
                .parse::<i64>()
                .ok()
                .filter(|o| *o != n && views::load_row(&tx, *o).is_ok());
            if other.is_none() {
                errs.push(FieldProblem {
                    field: "of".into(),
                    reason: "invalid".into(),
                    detail: Some("another existing report id".into()),
                });
            }
            fail(errs)?;
            transition(r.status, OPEN, "mark as duplicate")?;
            tx.execute(
                "UPDATE reports SET duplicate_of = ?2 WHERE n = ?1",
                params![n, of],
            )?;
            let text = m
                .map(str::to_string)
                .unwrap_or_else(|| format!("Trùng với phản ánh {of}"));
            append_event(
                &tx,
                n,
                EventKind::Duplicate,
                S::Duplicate,
                Some(&r.unit_code),
                Some(&text),
                actor,
                &[],
            )?;
        }
        CaseAction::ExtendDeadline { deadline, reason } => {
            if user.role != Role::Leader {
                return Err(ApiError::forbidden("only a leader may extend a deadline"));
            }
            if let Err(e) = check_len("reason", reason.trim(), 1, limits::MAX_MESSAGE) {
                errs.push(e);
            }
            let new = deadline.timestamp_millis();
            if new <= Utc::now().timestamp_millis() || r.deadline.is_some_and(|d| new <= d) {
                errs.push(FieldProblem {
                    field: "deadline".into(),
                    reason: "out_of_range".into(),
                    detail: Some("must be later than now and than the current deadline".into()),
                });
            }
            fail(errs)?;
            transition(r.status, OPEN, "extend the deadline of")?;
            tx.execute(
                "UPDATE reports SET deadline = ?2 WHERE n = ?1",
                params![n, new],
            )?;
            let text = format!(
                "Gia hạn đến {}: {}",
                deadline.format("%d/%m/%Y %H:%M UTC"),
                reason.trim()
            );
            append_event(
                &tx,
                n,
                EventKind::DeadlineExtended,
                r.status,
                Some(&r.unit_code),
                Some(&text),
                actor,
                &[],
            )?;
        }
        CaseAction::Close { message } => {
            if user.role != Role::Leader {
                return Err(ApiError::forbidden("only a leader may close a case"));
            }
            let m = msg("message", message, &mut errs);
            fail(errs)?;
            transition(r.status, &[S::Resolved], "close")?;
            append_event(
                &tx,
                n,
                EventKind::Closed,
                S::Closed,
                Some(&r.unit_code),
                Some(m.unwrap_or("Kết thúc xử lý")),
                actor,
                &[],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn fail(errs: Vec<FieldProblem>) -> ApiResult<()> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errs))
    }
}

/// One workflow step on a case of my unit.
#[utoipa::path(post, path = "/api/v1/officer/cases/{id}/actions", tag = "officer", security(("bearer" = [])), request_body = CaseAction,
    params(("id" = String, Path, description = "report id", example = "1")),
    responses((status = 200, body = Report), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn act(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(action): Json<CaseAction>,
) -> ApiResult<axum::Json<Report>> {
    require_staff(&user)?;
    let n = parse_id(&id)?;
    let conn = st.conn();
    apply(&st, &conn, n, &user, &action)?;
    Ok(axum::Json(views::report(&st, &conn, n, Some(&user))?))
}

/// Why an IOC leader needs to see who sent an anonymous report.
#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct RevealRequest {
    /// Written to the audit log and shown to the reporter in their timeline.
    #[schema(
        min_length = 10,
        max_length = 1000,
        example = "Người phản ánh là nhân chứng duy nhất; cần liên hệ để xác minh hiện trường"
    )]
    pub reason: String,
}

/// The identity behind an anonymous report, for the IOC leader who asked.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Revealed {
    pub report_id: String,
    pub reporter: phananh_wire::ReporterInfo,
    /// Id of the audit log entry.
    pub audit_id: i64,
    /// Timeline event the reporter sees.
    pub event_id: i64,
}

pub const MIN_REVEAL_REASON: usize = 10;

/// Reveal the reporter of an anonymous case (IOC leaders only). The reason goes to the
/// audit log and, as a timeline event with a push, to the reporter; nobody else sees it.
#[utoipa::path(post, path = "/api/v1/officer/cases/{id}/reveal", tag = "officer", security(("bearer" = [])), request_body = RevealRequest,
    params(("id" = String, Path, description = "report id", example = "1")),
    responses((status = 200, body = Revealed), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn reveal(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(req): Json<RevealRequest>,
) -> ApiResult<axum::Json<Revealed>> {
    if !(user.role == Role::Leader && user.unit_code.as_deref() == Some(crate::IOC)) {
        return Err(ApiError::forbidden(
            "only a leader of the IOC may reveal an anonymous reporter",
        ));
    }
    let n = parse_id(&id)?;
    let reason = req.reason.trim();
    if let Err(e) = check_len("reason", reason, MIN_REVEAL_REASON, 1000) {
        return Err(ApiError::validation(vec![e]));
    }
    let conn = st.conn();
    let r = views::load_row(&conn, n)?;
    if !r.anonymous || r.source != "app" {
        return Err(ApiError::conflict(
            pt::INVALID_TRANSITION,
            "this report is not anonymous",
        ));
    }
    let reporter = conn.query_row(
        "SELECT phone, display_name FROM users WHERE id = ?1",
        [&r.reporter_id],
        |u| {
            Ok(phananh_wire::ReporterInfo {
                phone: u.get(0)?,
                display_name: u.get(1)?,
            })
        },
    )?;
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO reveals(report_n, actor_id, reason, at) VALUES (?1, ?2, ?3, ?4)",
        params![n, user.id, reason, crate::now_ms()],
    )?;
    let audit_id = tx.last_insert_rowid();
    let text = format!(
        "Lãnh đạo Trung tâm IOC đã xem danh tính người gửi phản ánh ẩn danh này. Lý do: {reason}"
    );
    let event_id = crate::reports::append_event_kind(
        &tx,
        n,
        views::REVEAL_EVENT,
        true,
        r.status,
        Some(crate::IOC),
        Some(&text),
        Some(&user.id),
        &[],
    )?;
    tx.commit()?;
    tracing::info!(
        report = n,
        audit_id,
        "anonymous reporter revealed to an IOC leader"
    );
    Ok(axum::Json(Revealed {
        report_id: n.to_string(),
        reporter,
        audit_id,
        event_id,
    }))
}
