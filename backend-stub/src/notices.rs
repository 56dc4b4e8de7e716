//! Official notices (issue 13, item 3): the IOC publishes, everyone reads those valid now
//! that cover their ward or point. A severe notice is "pushed" to every registered device
//! (recorded in `notice_pushes`: the stub holds no FCM/APNs credentials); the server does not
//! know where a device is, so the app shows it only if the area covers the resident.

use axum::extract::State;
use axum::http::StatusCode;
use phananh_wire::notices::sort_notices;
use phananh_wire::{
    FieldProblem, NewNotice, Notice, NoticeSeverity, NoticesPage, Role, ValidationReason,
};
use rusqlite::params;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::extract::{Json, Query};
use crate::limits::check_len;
use crate::problem::{ApiError, ApiResult};
use crate::{ms_to_dt, now_ms, AppState};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticesQuery {
    /// Only notices covering this ward (2025 code).
    pub ward: Option<String>,
    /// Only notices covering this point (with `lon`); with `ward` too, either may match.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Notices valid now, most severe first, then newest. With `ward` and/or `lat`+`lon`, only
/// those covering that place (a province-wide notice covers every place).
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices", params(NoticesQuery),
    responses((status = 200, body = NoticesPage), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<NoticesQuery>,
) -> ApiResult<axum::Json<NoticesPage>> {
    let point = match (q.lat, q.lon) {
        (None, None) => None,
        (Some(lat), Some(lon))
            if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 =>
        {
            Some((lat, lon))
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "lat",
                "out_of_range",
                "lat/lon out of range",
            ))
        }
        _ => {
            return Err(ApiError::field(
                "lon",
                "required",
                "lat and lon go together",
            ))
        }
    };
    // The ward of the point, when the server knows the boundaries.
    let ward = q.ward.clone().or_else(|| {
        point
            .and_then(|(lat, lon)| st.wards.locate(lat, lon))
            .map(|w| w.code.clone())
    });
    let filtered = q.ward.is_some() || point.is_some();
    let now = now_ms();
    let conn = st.conn();
    let mut s = conn.prepare_cached(
        "SELECT id, title, body, severity, area_json, valid_from, valid_to, published_at FROM notices
         WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)",
    )?;
    let rows = s.query_map([now], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, Option<i64>>(6)?,
            r.get::<_, i64>(7)?,
        ))
    })?;
    let mut notices = Vec::new();
    for row in rows {
        let (id, title, body, severity, area, from, to, published) = row?;
        let notice = Notice {
            id,
            title,
            body,
            severity: serde_json::from_value(serde_json::Value::String(severity))
                .map_err(|e| ApiError::internal(e.to_string()))?,
            area: serde_json::from_str(&area).map_err(|e| ApiError::internal(e.to_string()))?,
            valid_from: ms_to_dt(from),
            valid_to: to.map(ms_to_dt),
            published_at: ms_to_dt(published),
        };
        if !filtered || notice.area.covers(ward.as_deref(), point) {
            notices.push(notice);
        }
    }
    sort_notices(&mut notices);
    Ok(axum::Json(NoticesPage { notices }))
}

fn field_problems(errors: Vec<phananh_wire::FieldError>) -> Vec<FieldProblem> {
    errors
        .into_iter()
        .map(|e| {
            let detail = match &e.reason {
                ValidationReason::Invalid { detail } => detail.clone(),
                other => format!("{other:?}"),
            };
            FieldProblem {
                field: e.field,
                reason: "invalid".into(),
                detail: Some(detail),
            }
        })
        .collect()
}

/// Publish a notice (IOC officers and leaders only). A severe one is pushed to every device
/// with a registered push token.
#[utoipa::path(post, path = "/api/v1/officer/notices", tag = "notices", security(("bearer" = [])), request_body = NewNotice,
    responses((status = 201, body = Notice), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn publish(
    State(st): State<AppState>,
    user: AuthUser,
    Json(n): Json<NewNotice>,
) -> ApiResult<(StatusCode, axum::Json<Notice>)> {
    if !(matches!(user.role, Role::Officer | Role::Leader)
        && user.unit_code.as_deref() == Some(crate::IOC))
    {
        return Err(ApiError::forbidden("only the IOC publishes notices"));
    }
    let mut problems: Vec<FieldProblem> = Vec::new();
    if let Err(p) = check_len("title", n.title.trim(), 1, 200) {
        problems.push(p);
    }
    if let Err(p) = check_len("body", n.body.trim(), 1, 5000) {
        problems.push(p);
    }
    problems.extend(field_problems(
        n.area.problems(|c| st.wards.get(c).is_some()),
    ));
    let now = now_ms();
    let from = n.valid_from.map(|t| t.timestamp_millis()).unwrap_or(now);
    let to = n.valid_to.map(|t| t.timestamp_millis());
    if to.is_some_and(|t| t <= from.max(now)) {
        problems.push(FieldProblem {
            field: "valid_to".into(),
            reason: "out_of_range".into(),
            detail: Some("must be after valid_from and in the future".into()),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let severity =
        serde_json::to_value(n.severity).map_err(|e| ApiError::internal(e.to_string()))?;
    let area = serde_json::to_string(&n.area).map_err(|e| ApiError::internal(e.to_string()))?;
    let notice = Notice {
        id: id.clone(),
        title: n.title.trim().to_owned(),
        body: n.body.trim().to_owned(),
        severity: n.severity,
        area: n.area,
        valid_from: ms_to_dt(from),
        valid_to: to.map(ms_to_dt),
        published_at: ms_to_dt(now),
    };
    let conn = st.conn();
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO notices(id, title, body, severity, area_json, valid_from, valid_to, published_at, published_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, notice.title, notice.body, severity.as_str().unwrap_or("info"), area, from, to, now, user.id],
    )?;
    if notice.severity == NoticeSeverity::Severe {
        let pushed = tx.execute(
            "INSERT INTO notice_pushes(notice_id, user_id, platform, token, at) SELECT ?1, user_id, platform, token, ?2 FROM push_tokens",
            params![id, now],
        )?;
        tracing::info!(notice = %id, devices = pushed, "push: {}", notice.title);
    }
    tx.commit()?;
    Ok((StatusCode::CREATED, axum::Json(notice)))
}
