//! Open311 GeoReport v2 (JSON), so standard Open311 clients and tools work against the stub.
//! Statuses are `open`/`closed` as the spec says, with our detailed status alongside in
//! `extended_attributes` (FixMyStreet style); timelines are `servicerequestupdates`.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use phananh_wire::{FieldProblem, ReportStatus};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{normalize_phone, user_for_phone, AuthUser};
use crate::extract::{Form, Path, Query};
use crate::limits::{self, check_len};
use crate::problem::{ApiError, ApiResult};
use crate::reports::{check_attributes, check_category, check_position, insert_case, NewCase};
use crate::seed::{CATEGORIES, SEVERITY_ATTR, SEVERITY_VALUES};
use crate::views::{self, parse_id};
use crate::{ms_to_dt, AppState};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    pub metadata: bool,
    /// Always `realtime`.
    #[serde(rename = "type")]
    pub type_: String,
    pub keywords: String,
    pub group: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceAttribute {
    pub variable: bool,
    pub code: String,
    pub datatype: String,
    pub required: bool,
    pub datatype_description: String,
    pub order: u32,
    pub description: String,
    pub values: Vec<AttributeValue>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceDefinition {
    pub service_code: String,
    pub attributes: Vec<ServiceAttribute>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExtendedAttributes {
    /// Detailed lifecycle status (`received`, `forwarded`, `in_progress`, ...).
    pub status: ReportStatus,
    pub ward_code: Option<String>,
    pub unit_code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServiceRequest {
    pub service_request_id: String,
    /// `open` or `closed`.
    pub status: String,
    pub status_notes: Option<String>,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: DateTime<Utc>,
    pub updated_datetime: DateTime<Utc>,
    pub expected_datetime: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub lat: f64,
    pub long: f64,
    pub media_url: Option<String>,
    pub extended_attributes: ExtendedAttributes,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedRequest {
    pub service_request_id: String,
    pub service_notice: Option<String>,
    pub account_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestUpdate {
    pub update_id: String,
    pub service_request_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// Detailed status after the update.
    pub external_status_code: ReportStatus,
    pub updated_datetime: DateTime<Utc>,
    pub description: Option<String>,
    pub media_url: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequestUpdates {
    pub service_request_updates: Vec<RequestUpdate>,
}

/// Fields of `POST requests.json` (form-encoded); `attribute[CODE]=VALUE` adds attributes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PostRequestForm {
    #[schema(example = "dev-open311-key")]
    pub api_key: String,
    #[schema(example = "giao_thong")]
    pub service_code: String,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub lat: f64,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub long: f64,
    #[schema(min_length = 10, max_length = 2000)]
    pub description: String,
    pub address_string: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub media_url: Option<String>,
}

fn strip_json(s: &str) -> &str {
    s.strip_suffix(".json").unwrap_or(s)
}

/// The service list (categories).
#[utoipa::path(get, path = "/open311/v2/services.json", tag = "open311", responses((status = 200, body = Vec<Service>)))]
pub async fn services() -> axum::Json<Vec<Service>> {
    axum::Json(
        CATEGORIES
            .iter()
            .map(|(code, vi, en, _, hours)| Service {
                service_code: code.to_string(),
                service_name: vi.to_string(),
                description: format!("{en}; thời hạn xử lý {hours} giờ"),
                metadata: true,
                type_: "realtime".into(),
                keywords: crate::fold::fold(vi),
                group: String::new(),
            })
            .collect(),
    )
}

/// Attributes of one service.
#[utoipa::path(get, path = "/open311/v2/services/{service_code}.json", tag = "open311",
    params(("service_code" = String, Path, description = "category code")),
    responses((status = 200, body = ServiceDefinition), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn service(Path(code): Path<String>) -> ApiResult<axum::Json<ServiceDefinition>> {
    let code = strip_json(&code);
    if !CATEGORIES.iter().any(|c| c.0 == code) {
        return Err(ApiError::not_found(format!("no service {code}")));
    }
    Ok(axum::Json(ServiceDefinition {
        service_code: code.to_string(),
        attributes: vec![ServiceAttribute {
            variable: true,
            code: SEVERITY_ATTR.into(),
            datatype: "singlevaluelist".into(),
            required: false,
            datatype_description: "Chọn một mức".into(),
            order: 1,
            description: "Mức độ nghiêm trọng".into(),
            values: SEVERITY_VALUES.iter().map(|(k, n)| AttributeValue { key: k.to_string(), name: n.to_string() }).collect(),
        }],
    }))
}

fn to_request(st: &AppState, conn: &rusqlite::Connection, r: &views::Row) -> ApiResult<ServiceRequest> {
    let media_url: Option<String> = conn
        .query_row("SELECT id FROM media WHERE report_n = ?1 AND event_id IS NULL ORDER BY ord LIMIT 1", [r.n], |x| x.get::<_, String>(0))
        .optional()?
        .map(|id| format!("{}/media/{id}", st.base));
    let notes: Option<String> = conn
        .query_row("SELECT message FROM events WHERE report_n = ?1 ORDER BY id DESC LIMIT 1", [r.n], |x| x.get(0))
        .optional()?
        .flatten();
    Ok(ServiceRequest {
        service_request_id: r.n.to_string(),
        status: r.status.open311().into(),
        status_notes: notes,
        service_name: CATEGORIES.iter().find(|c| c.0 == r.category).map(|c| c.1.to_string()).unwrap_or_default(),
        service_code: r.category.clone(),
        description: r.description.clone(),
        agency_responsible: st.unit(&r.unit_code).map(|u| u.name.clone()),
        service_notice: None,
        requested_datetime: ms_to_dt(r.created_at),
        updated_datetime: ms_to_dt(r.updated_at),
        expected_datetime: r.deadline.map(ms_to_dt),
        address: r.address.clone(),
        address_id: None,
        zipcode: None,
        lat: r.lat,
        long: r.lon,
        media_url,
        extended_attributes: ExtendedAttributes { status: r.status, ward_code: r.ward_code.clone(), unit_code: r.unit_code.clone() },
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// One id or several separated by commas; other filters are then ignored.
    pub service_request_id: Option<String>,
    pub service_code: Option<String>,
    /// RFC 3339; default 90 days before `end_date`.
    pub start_date: Option<String>,
    /// RFC 3339; default now.
    pub end_date: Option<String>,
    /// `open`, `closed`, or both separated by a comma.
    pub status: Option<String>,
}

fn parse_date(field: &str, s: &Option<String>) -> ApiResult<Option<i64>> {
    match s.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.timestamp_millis()))
            .map_err(|_| ApiError::field(field, "invalid", "RFC 3339 date-time expected")),
    }
}

fn window(start: &Option<String>, end: &Option<String>) -> ApiResult<(i64, i64)> {
    let end = parse_date("end_date", end)?.unwrap_or(i64::MAX);
    let start = parse_date("start_date", start)?.unwrap_or_else(|| end.min(crate::now_ms()).saturating_sub(90 * 86_400_000));
    Ok((start, end))
}

/// Service requests, newest first (at most 1000).
#[utoipa::path(get, path = "/open311/v2/requests.json", tag = "open311", params(RequestsQuery),
    responses((status = 200, body = Vec<ServiceRequest>), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn requests(State(st): State<AppState>, Query(q): Query<RequestsQuery>) -> ApiResult<axum::Json<Vec<ServiceRequest>>> {
    let conn = st.conn();
    let mut out = Vec::new();
    if let Some(ids) = q.service_request_id.as_deref().filter(|s| !s.is_empty()) {
        for id in ids.split(',').take(100) {
            if let Some(r) = id.trim().parse::<i64>().ok().and_then(|n| views::load_row(&conn, n).ok()) {
                out.push(to_request(&st, &conn, &r)?);
            }
        }
        return Ok(axum::Json(out));
    }
    let (start, end) = window(&q.start_date, &q.end_date)?;
    let statuses: Vec<String> = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => vec!["open".into(), "closed".into()],
        Some(s) => {
            let v: Vec<String> = s.split(',').map(|x| x.trim().to_string()).collect();
            if v.iter().any(|x| x != "open" && x != "closed") {
                return Err(ApiError::field("status", "invalid", "open or closed"));
            }
            v
        }
    };
    let code = q.service_code.clone().filter(|c| !c.is_empty());
    let mut s = conn.prepare(&format!(
        "SELECT {} FROM reports WHERE created_at >= ?1 AND created_at <= ?2 AND (?3 IS NULL OR category = ?3) ORDER BY n DESC LIMIT 1000",
        views::COLS
    ))?;
    let rows: Vec<views::Row> = s.query_map(params![start, end, code], views::row)?.collect::<Result<_, _>>()?;
    for r in rows.iter().filter(|r| statuses.iter().any(|s| s == r.status.open311())) {
        out.push(to_request(&st, &conn, r)?);
    }
    Ok(axum::Json(out))
}

/// One service request (a one-element list, as the spec says).
#[utoipa::path(get, path = "/open311/v2/requests/{service_request_id}.json", tag = "open311",
    params(("service_request_id" = String, Path, description = "report id", example = "1")),
    responses((status = 200, body = Vec<ServiceRequest>), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn request(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<axum::Json<Vec<ServiceRequest>>> {
    let n = parse_id(strip_json(&id))?;
    let conn = st.conn();
    let r = views::load_row(&conn, n)?;
    Ok(axum::Json(vec![to_request(&st, &conn, &r)?]))
}

/// Create a service request (form-encoded, with `api_key`).
#[utoipa::path(post, path = "/open311/v2/requests.json", tag = "open311",
    request_body(content = PostRequestForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = Vec<CreatedRequest>), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn post_request(State(st): State<AppState>, Form(form): Form<Vec<(String, String)>>) -> ApiResult<Response> {
    if form.len() > 64 {
        return Err(ApiError::bad_request("too many form fields"));
    }
    let get = |k: &str| form.iter().find(|(fk, _)| fk == k).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
    let Some(key) = get("api_key") else {
        return Err(ApiError::unauthorized("api_key required"));
    };
    if !st.settings.open311_keys.contains(&key) {
        return Err(ApiError::forbidden("unknown api_key"));
    }
    let mut errs = Vec::new();
    let code = get("service_code").unwrap_or_default();
    check_category(&mut errs, &code);
    let num = |k: &str, errs: &mut Vec<FieldProblem>| match get(k).map(|v| v.parse::<f64>()) {
        Some(Ok(v)) if v.is_finite() => v,
        _ => {
            errs.push(FieldProblem { field: k.into(), reason: "required".into(), detail: Some("a number".into()) });
            f64::NAN
        }
    };
    let lat = num("lat", &mut errs);
    let lon = num("long", &mut errs);
    if lat.is_finite() && lon.is_finite() {
        check_position(&mut errs, lat, lon);
    }
    let description = get("description").unwrap_or_default();
    if let Err(e) = check_len("description", &description, limits::MIN_DESCRIPTION, limits::MAX_DESCRIPTION) {
        errs.push(e);
    }
    let address = get("address_string");
    if let Some(a) = &address {
        if let Err(e) = check_len("address_string", a, 0, limits::MAX_ADDRESS) {
            errs.push(e);
        }
    }
    let mut attributes = BTreeMap::new();
    for (k, v) in &form {
        if let Some(code) = k.strip_prefix("attribute[").and_then(|r| r.strip_suffix(']')) {
            attributes.insert(code.to_string(), v.clone());
        }
    }
    check_attributes(&mut errs, &attributes);
    let phone = match get("phone") {
        None => None,
        Some(p) => match normalize_phone(&p) {
            Some(p) => Some(p),
            None => {
                errs.push(FieldProblem { field: "phone".into(), reason: "invalid".into(), detail: Some("not a Vietnamese mobile number".into()) });
                None
            }
        },
    };
    if let Some(m) = get("media_url") {
        if let Err(e) = check_len("media_url", &m, 0, 1000) {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let conn = st.conn();
    let reporter = match &phone {
        Some(p) => user_for_phone(&conn, p)?,
        None => {
            conn.execute(
                "INSERT OR IGNORE INTO users(id, phone, display_name, role, unit_code, created_at) VALUES ('open311', '+84000000000', 'Open311', 'resident', NULL, ?1)",
                [crate::now_ms()],
            )?;
            AuthUser { id: "open311".into(), phone: String::new(), display_name: None, role: phananh_wire::Role::Resident, unit_code: None }
        }
    };
    let body_hash = hex::encode(Sha256::digest(format!("{form:?}")));
    let case = NewCase {
        client_id: None,
        body_hash,
        category: code,
        description,
        lat,
        lon,
        accuracy_m: None,
        address,
        anonymous: phone.is_none(),
        attributes,
        captured_at: None,
        media: vec![],
    };
    let tx = conn.unchecked_transaction()?;
    let n = insert_case(&st, &tx, &reporter, &case)?;
    tx.commit()?;
    Ok(axum::Json(vec![CreatedRequest {
        service_request_id: n.to_string(),
        service_notice: Some("Đã tiếp nhận phản ánh".into()),
        account_id: None,
    }])
    .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpdatesQuery {
    /// RFC 3339; default 90 days before `end_date`.
    pub start_date: Option<String>,
    /// RFC 3339; default now.
    pub end_date: Option<String>,
}

/// Timeline events of all requests in a time window, oldest first (at most 1000).
#[utoipa::path(get, path = "/open311/v2/servicerequestupdates.json", tag = "open311", params(UpdatesQuery),
    responses((status = 200, body = RequestUpdates), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn updates(State(st): State<AppState>, Query(q): Query<UpdatesQuery>) -> ApiResult<axum::Json<RequestUpdates>> {
    let (start, end) = window(&q.start_date, &q.end_date)?;
    let conn = st.conn();
    let mut s = conn.prepare(
        "SELECT e.report_n, e.id, e.at, e.status, e.message,
                (SELECT m.id FROM media m WHERE m.report_n = e.report_n AND m.event_id = e.id ORDER BY m.ord LIMIT 1)
         FROM events e WHERE e.at >= ?1 AND e.at <= ?2 ORDER BY e.at, e.report_n, e.id LIMIT 1000",
    )?;
    let rows = s.query_map(params![start, end], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, Option<String>>(4)?, r.get::<_, Option<String>>(5)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (n, id, at, status, message, media) = row?;
        let status = ReportStatus::parse(&status).unwrap_or(ReportStatus::Received);
        out.push(RequestUpdate {
            update_id: format!("{n}-{id}"),
            service_request_id: n.to_string(),
            status: status.open311().into(),
            external_status_code: status,
            updated_datetime: ms_to_dt(at),
            description: message,
            media_url: media.map(|m| format!("{}/media/{m}", st.base)),
        });
    }
    Ok(axum::Json(RequestUpdates { service_request_updates: out }))
}
