//! Open311 GeoReport v2, in XML (the spec's required format) and JSON, chosen by the path's
//! extension (`.xml`, `.json`; none means XML): the discovery document, `services`,
//! `services/{code}`, `requests` (GET, and POST form-encoded with an `api_key`),
//! `requests/{id}` and FixMyStreet's `servicerequestupdates`. Statuses are `open`/`closed`
//! as the spec says, with our detailed status alongside (JSON `extended_attributes`,
//! FixMyStreet's `external_status_code` on updates). Errors on these paths are the spec's
//! error lists (`[{"code", "description"}]`, `<errors><error>`), with 400 for bad input,
//! 403 for a missing or unknown key and 404 for an unknown id or `jurisdiction_id`.
//!
//! A request posted here belongs to no resident account: contact details (`phone`, `email`,
//! names) are stored on the case and shown to IOC staff only.

use std::collections::BTreeMap;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use phananh_wire::{FieldProblem, Problem, ReportStatus, PROBLEM_JSON};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{ct_eq, normalize_phone, AuthUser};
use crate::extract::{Form, Path, Query};
use crate::limits::{self, check_len};
use crate::problem::{ApiError, ApiResult};
use crate::reports::{check_attributes, check_category, check_position, insert_case, NewCase};
use crate::seed::{CATEGORIES, SEVERITY_ATTR, SEVERITY_VALUES};
use crate::views::{self, parse_id};
use crate::AppState;

/// The account every Open311 case is filed under (no one can sign in as it).
pub const OPEN311_USER: &str = "open311";
pub const SPEC_URL: &str = "http://wiki.open311.org/GeoReport_v2";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Xml,
    Json,
}

impl Fmt {
    pub fn of_path(p: &str) -> Fmt {
        if p.ends_with(".json") {
            Fmt::Json
        } else {
            Fmt::Xml
        }
    }
}

/// `abc.json` → (`abc`, JSON); `abc.xml` / `abc` → XML.
fn split_ext(s: &str) -> (&str, Fmt) {
    if let Some(b) = s.strip_suffix(".json") {
        (b, Fmt::Json)
    } else {
        (s.strip_suffix(".xml").unwrap_or(s), Fmt::Xml)
    }
}

// ---------------------------------------------------------------------------------------
// XML

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

struct Xml(String);

impl Xml {
    fn new() -> Self {
        Xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".into())
    }
    fn open(&mut self, tag: &str) -> &mut Self {
        self.0 += &format!("<{tag}>");
        self
    }
    fn close(&mut self, tag: &str) -> &mut Self {
        self.0 += &format!("</{tag}>");
        self
    }
    fn leaf(&mut self, tag: &str, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) if !v.is_empty() => self.0 += &format!("<{tag}>{}</{tag}>", esc(v)),
            _ => self.0 += &format!("<{tag}/>"),
        }
        self
    }
}

fn reply<T: Serialize>(
    fmt: Fmt,
    status: StatusCode,
    v: &T,
    xml: impl FnOnce() -> String,
) -> Response {
    let (ct, body) = match fmt {
        Fmt::Json => (
            "application/json",
            serde_json::to_vec(v).unwrap_or_default(),
        ),
        Fmt::Xml => ("text/xml; charset=utf-8", xml().into_bytes()),
    };
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

// ---------------------------------------------------------------------------------------
// Errors

/// One entry of the spec's error list.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Open311Error {
    /// The HTTP status.
    pub code: u16,
    pub description: String,
}

fn error_xml(errs: &[Open311Error]) -> String {
    let mut x = Xml::new();
    x.open("errors");
    for e in errs {
        x.open("error")
            .leaf("code", Some(&e.code.to_string()))
            .leaf("description", Some(&e.description))
            .close("error");
    }
    x.close("errors");
    x.0
}

/// On Open311 paths, every problem+json answer (from a handler, an extractor, the
/// fallback or the rate limiter) becomes the spec's error list in the path's format;
/// 422 becomes 400 and 401 becomes 403, the statuses the spec uses.
pub async fn errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    if !path.starts_with("/open311/") {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        == Some(PROBLEM_JSON);
    if !is_problem {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 256 * 1024)
        .await
        .unwrap_or_default();
    let p: Option<Problem> = serde_json::from_slice(&bytes).ok();
    let status = match parts.status {
        StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
        StatusCode::UNAUTHORIZED => StatusCode::FORBIDDEN,
        s => s,
    };
    let code = status.as_u16();
    let mut list: Vec<Open311Error> = Vec::new();
    if let Some(p) = &p {
        for e in &p.errors {
            let d = e.detail.as_deref().unwrap_or(&e.reason);
            list.push(Open311Error {
                code,
                description: format!("{}: {d}", e.field),
            });
        }
        if list.is_empty() {
            list.push(Open311Error {
                code,
                description: p.detail.clone().unwrap_or_else(|| p.title.clone()),
            });
        }
    } else {
        list.push(Open311Error {
            code,
            description: status.canonical_reason().unwrap_or("error").into(),
        });
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::WWW_AUTHENTICATE);
    let fmt = Fmt::of_path(&path);
    let mut out = reply(fmt, status, &list, || error_xml(&list));
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

fn check_jurisdiction(st: &AppState, j: Option<&str>) -> ApiResult<()> {
    match j.map(str::trim).filter(|j| !j.is_empty()) {
        None => Ok(()),
        Some(j) if j.eq_ignore_ascii_case(&st.settings.jurisdiction) => Ok(()),
        Some(j) => Err(ApiError::not_found(format!(
            "jurisdiction_id {:?} not found; this server serves {}",
            j.chars().take(64).collect::<String>(),
            st.settings.jurisdiction
        ))),
    }
}

fn w3(ms: i64) -> String {
    crate::ms_to_dt(ms).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// ---------------------------------------------------------------------------------------
// Discovery

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Endpoint {
    pub specification: String,
    pub url: String,
    pub changeset: String,
    /// `production` or `test`.
    #[serde(rename = "type")]
    pub type_: String,
    pub formats: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Discovery {
    pub changeset: String,
    pub contact: String,
    pub key_service: String,
    pub endpoints: Vec<Endpoint>,
}

pub async fn discovery_json(State(st): State<AppState>) -> Response {
    discovery(&st, Fmt::Json)
}

pub async fn discovery_xml(State(st): State<AppState>) -> Response {
    discovery(&st, Fmt::Xml)
}

fn discovery(st: &AppState, fmt: Fmt) -> Response {
    const CHANGESET: &str = "2026-12-07T00:00:00Z";
    let d = Discovery {
        changeset: CHANGESET.into(),
        contact: "Trung tâm Giám sát, điều hành đô thị thông minh (IOC) tỉnh Hà Tĩnh".into(),
        key_service: "API keys are issued by the IOC (this stub: --open311-key NAME=KEY)".into(),
        endpoints: vec![Endpoint {
            specification: SPEC_URL.into(),
            url: format!("{}/open311/v2", st.base),
            changeset: CHANGESET.into(),
            type_: if st.settings.dev {
                "test".into()
            } else {
                "production".into()
            },
            formats: vec!["text/xml".into(), "application/json".into()],
        }],
    };
    reply(fmt, StatusCode::OK, &d, || {
        let mut x = Xml::new();
        x.open("discovery")
            .leaf("changeset", Some(&d.changeset))
            .leaf("contact", Some(&d.contact))
            .leaf("key_service", Some(&d.key_service));
        x.open("endpoints");
        for e in &d.endpoints {
            x.open("endpoint")
                .leaf("specification", Some(&e.specification))
                .leaf("url", Some(&e.url))
                .leaf("changeset", Some(&e.changeset))
                .leaf("type", Some(&e.type_));
            x.open("formats");
            for f in &e.formats {
                x.leaf("format", Some(f));
            }
            x.close("formats").close("endpoint");
        }
        x.close("endpoints").close("discovery");
        x.0
    })
}

// ---------------------------------------------------------------------------------------
// Services

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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JurisdictionQuery {
    /// Optional (this server serves one jurisdiction); any other value is 404.
    pub jurisdiction_id: Option<String>,
}

fn service_list() -> Vec<Service> {
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
        .collect()
}

/// The service list (categories).
#[utoipa::path(get, path = "/open311/v2/services.json", tag = "open311", params(JurisdictionQuery),
    responses((status = 200, body = Vec<Service>), (status = "4XX", body = Vec<Open311Error>, content_type = "application/json")))]
pub async fn services(
    State(st): State<AppState>,
    Query(q): Query<JurisdictionQuery>,
) -> ApiResult<Response> {
    services_as(&st, q, Fmt::Json)
}

pub async fn services_xml(
    State(st): State<AppState>,
    Query(q): Query<JurisdictionQuery>,
) -> ApiResult<Response> {
    services_as(&st, q, Fmt::Xml)
}

fn services_as(st: &AppState, q: JurisdictionQuery, fmt: Fmt) -> ApiResult<Response> {
    check_jurisdiction(st, q.jurisdiction_id.as_deref())?;
    let list = service_list();
    Ok(reply(fmt, StatusCode::OK, &list, || {
        let mut x = Xml::new();
        x.open("services");
        for s in &list {
            x.open("service")
                .leaf("service_code", Some(&s.service_code))
                .leaf("service_name", Some(&s.service_name))
                .leaf("description", Some(&s.description))
                .leaf("metadata", Some(&s.metadata.to_string()))
                .leaf("type", Some(&s.type_))
                .leaf("keywords", Some(&s.keywords))
                .leaf("group", Some(&s.group))
                .close("service");
        }
        x.close("services");
        x.0
    }))
}

/// Attributes of one service.
#[utoipa::path(get, path = "/open311/v2/services/{service_code}.json", tag = "open311",
    params(("service_code" = String, Path, description = "category code"), JurisdictionQuery),
    responses((status = 200, body = ServiceDefinition), (status = "4XX", body = Vec<Open311Error>, content_type = "application/json")))]
pub async fn service(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<JurisdictionQuery>,
) -> ApiResult<Response> {
    let (code, fmt) = split_ext(&code);
    check_jurisdiction(&st, q.jurisdiction_id.as_deref())?;
    if !CATEGORIES.iter().any(|c| c.0 == code) {
        return Err(ApiError::not_found(format!("no service {code}")));
    }
    let d = ServiceDefinition {
        service_code: code.to_string(),
        attributes: vec![ServiceAttribute {
            variable: true,
            code: SEVERITY_ATTR.into(),
            datatype: "singlevaluelist".into(),
            required: false,
            datatype_description: "Chọn một mức".into(),
            order: 1,
            description: "Mức độ nghiêm trọng".into(),
            values: SEVERITY_VALUES
                .iter()
                .map(|(k, n)| AttributeValue {
                    key: k.to_string(),
                    name: n.to_string(),
                })
                .collect(),
        }],
    };
    Ok(reply(fmt, StatusCode::OK, &d, || {
        let mut x = Xml::new();
        x.open("service_definition")
            .leaf("service_code", Some(&d.service_code))
            .open("attributes");
        for a in &d.attributes {
            x.open("attribute")
                .leaf("variable", Some(&a.variable.to_string()))
                .leaf("code", Some(&a.code))
                .leaf("datatype", Some(&a.datatype))
                .leaf("required", Some(&a.required.to_string()))
                .leaf("datatype_description", Some(&a.datatype_description))
                .leaf("order", Some(&a.order.to_string()))
                .leaf("description", Some(&a.description))
                .open("values");
            for v in &a.values {
                x.open("value")
                    .leaf("key", Some(&v.key))
                    .leaf("name", Some(&v.name))
                    .close("value");
            }
            x.close("values").close("attribute");
        }
        x.close("attributes").close("service_definition");
        x.0
    }))
}

// ---------------------------------------------------------------------------------------
// Requests

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
    /// W3C date-time, UTC.
    pub requested_datetime: String,
    pub updated_datetime: String,
    pub expected_datetime: Option<String>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub lat: f64,
    pub long: f64,
    /// The case's first photo, else the `media_url` it was posted with.
    pub media_url: Option<String>,
    /// Extension (not in GeoReport v2): residents who said "me too" and follow the request
    /// (the reporter not counted). Also in XML, as a `supporters` element.
    pub supporters: u32,
    /// JSON only (FixMyStreet style).
    pub extended_attributes: ExtendedAttributes,
}

fn requests_xml(list: &[ServiceRequest]) -> String {
    let mut x = Xml::new();
    x.open("service_requests");
    for r in list {
        x.open("request")
            .leaf("service_request_id", Some(&r.service_request_id))
            .leaf("status", Some(&r.status))
            .leaf("status_notes", r.status_notes.as_deref())
            .leaf("service_name", Some(&r.service_name))
            .leaf("service_code", Some(&r.service_code))
            .leaf("description", Some(&r.description))
            .leaf("agency_responsible", r.agency_responsible.as_deref())
            .leaf("service_notice", r.service_notice.as_deref())
            .leaf("requested_datetime", Some(&r.requested_datetime))
            .leaf("updated_datetime", Some(&r.updated_datetime))
            .leaf("expected_datetime", r.expected_datetime.as_deref())
            .leaf("address", r.address.as_deref())
            .leaf("address_id", r.address_id.as_deref())
            .leaf("zipcode", r.zipcode.as_deref())
            .leaf("lat", Some(&r.lat.to_string()))
            .leaf("long", Some(&r.long.to_string()))
            .leaf("media_url", r.media_url.as_deref())
            .leaf("supporters", Some(&r.supporters.to_string()))
            .close("request");
    }
    x.close("service_requests");
    x.0
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
    /// W3C date-time, UTC.
    pub updated_datetime: String,
    pub description: Option<String>,
    pub media_url: Option<String>,
    /// Detailed status after the update (FixMyStreet).
    pub external_status_code: ReportStatus,
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
    pub jurisdiction_id: Option<String>,
    #[schema(example = "giao_thong")]
    pub service_code: String,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub lat: f64,
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub long: f64,
    #[schema(min_length = 10, max_length = 2000)]
    pub description: String,
    pub address_string: Option<String>,
    /// Contact details: stored on the case for the IOC, never bound to a resident account.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub device_id: Option<String>,
    pub account_id: Option<String>,
    /// An absolute http(s) URL of a photo, kept and shown with the request.
    pub media_url: Option<String>,
}

fn to_request(
    st: &AppState,
    conn: &rusqlite::Connection,
    r: &views::Row,
) -> ApiResult<ServiceRequest> {
    let own_photo: Option<String> = conn
        .query_row("SELECT id FROM media WHERE report_n = ?1 AND event_id IS NULL AND kind = 'photo' ORDER BY ord LIMIT 1", [r.n], |x| x.get::<_, String>(0))
        .optional()?
        .map(|id| format!("{}/media/{id}", st.base));
    let notes: Option<String> = conn
        .query_row(
            "SELECT message FROM events WHERE report_n = ?1 AND kind <> ?2 ORDER BY id DESC LIMIT 1",
            params![r.n, views::REVEAL_EVENT],
            |x| x.get(0),
        )
        .optional()?
        .flatten();
    Ok(ServiceRequest {
        service_request_id: r.n.to_string(),
        status: r.status.open311().into(),
        status_notes: notes,
        service_name: CATEGORIES
            .iter()
            .find(|c| c.0 == r.category)
            .map(|c| c.1.to_string())
            .unwrap_or_default(),
        service_code: r.category.clone(),
        description: r.description.clone(),
        agency_responsible: st.unit(&r.unit_code).map(|u| u.name.clone()),
        service_notice: None,
        requested_datetime: w3(r.created_at),
        updated_datetime: w3(r.updated_at),
        expected_datetime: r.deadline.map(w3),
        address: r.address.clone(),
        address_id: None,
        zipcode: None,
        lat: r.lat,
        long: r.lon,
        media_url: own_photo.or_else(|| r.media_url.clone()),
        supporters: crate::closure::supporters(conn, r.n)?,
        extended_attributes: ExtendedAttributes {
            status: r.status,
            ward_code: r.ward_code.clone(),
            unit_code: r.unit_code.clone(),
        },
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Optional; any value but this server's is 404.
    pub jurisdiction_id: Option<String>,
    /// One id or several separated by commas; other filters are then ignored.
    pub service_request_id: Option<String>,
    /// One code or several separated by commas.
    pub service_code: Option<String>,
    /// W3C date-time; default 90 days before `end_date`.
    pub start_date: Option<String>,
    /// W3C date-time; default now.
    pub end_date: Option<String>,
    /// `open`, `closed`, or both separated by a comma.
    pub status: Option<String>,
}

fn parse_date(field: &str, s: &Option<String>) -> ApiResult<Option<i64>> {
    match s.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.timestamp_millis()))
            .map_err(|_| {
                ApiError::field(
                    field,
                    "invalid",
                    "W3C date-time expected, e.g. 2026-01-31T00:00:00Z",
                )
            }),
    }
}

fn window(start: &Option<String>, end: &Option<String>) -> ApiResult<(i64, i64)> {
    let end = parse_date("end_date", end)?.unwrap_or(i64::MAX);
    let start = parse_date("start_date", start)?
        .unwrap_or_else(|| end.min(crate::now_ms()).saturating_sub(90 * 86_400_000));
    Ok((start, end))
}

/// Service requests, newest first (at most 1000).
#[utoipa::path(get, path = "/open311/v2/requests.json", tag = "open311", params(RequestsQuery),
    responses((status = 200, body = Vec<ServiceRequest>), (status = "4XX", body = Vec<Open311Error>, content_type = "application/json")))]
pub async fn requests(
    State(st): State<AppState>,
    Query(q): Query<RequestsQuery>,
) -> ApiResult<Response> {
    requests_as(&st, q, Fmt::Json)
}

pub async fn requests_xml_get(
    State(st): State<AppState>,
    Query(q): Query<RequestsQuery>,
) -> ApiResult<Response> {
    requests_as(&st, q, Fmt::Xml)
}

fn requests_as(st: &AppState, q: RequestsQuery, fmt: Fmt) -> ApiResult<Response> {
    check_jurisdiction(st, q.jurisdiction_id.as_deref())?;
    let conn = st.conn();
    let mut out = Vec::new();
    if let Some(ids) = q.service_request_id.as_deref().filter(|s| !s.is_empty()) {
        for id in ids.split(',').take(100) {
            if let Some(r) = id
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|n| views::load_row(&conn, n).ok())
            {
                out.push(to_request(st, &conn, &r)?);
            }
        }
        return Ok(reply(fmt, StatusCode::OK, &out, || requests_xml(&out)));
    }
    let (start, end) = window(&q.start_date, &q.end_date)?;
    let statuses: Vec<String> = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => vec!["open".into(), "closed".into()],
        Some(s) => {
            let v: Vec<String> = s
                .split(',')
                .map(|x| x.trim().to_ascii_lowercase())
                .collect();
            if v.iter().any(|x| x != "open" && x != "closed") {
                return Err(ApiError::field("status", "invalid", "open or closed"));
            }
            v
        }
    };
    let codes: Vec<String> = q
        .service_code
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    let mut s = conn.prepare(&format!(
        "SELECT {} FROM reports WHERE created_at >= ?1 AND created_at <= ?2 ORDER BY n DESC LIMIT 5000",
        views::COLS
    ))?;
    let rows: Vec<views::Row> = s
        .query_map(params![start, end], views::row)?
        .collect::<Result<_, _>>()?;
    for r in rows
        .iter()
        .filter(|r| statuses.iter().any(|s| s == r.status.open311()))
        .filter(|r| codes.is_empty() || codes.contains(&r.category))
        .take(1000)
    {
        out.push(to_request(st, &conn, r)?);
    }
    Ok(reply(fmt, StatusCode::OK, &out, || requests_xml(&out)))
}

/// One service request (a one-element list, as the spec says).
#[utoipa::path(get, path = "/open311/v2/requests/{service_request_id}.json", tag = "open311",
    params(("service_request_id" = String, Path, description = "report id", example = "1"), JurisdictionQuery),
    responses((status = 200, body = Vec<ServiceRequest>), (status = "4XX", body = Vec<Open311Error>, content_type = "application/json")))]
pub async fn request(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<JurisdictionQuery>,
) -> ApiResult<Response> {
    let (id, fmt) = split_ext(&id);
    check_jurisdiction(&st, q.jurisdiction_id.as_deref())?;
    let n = parse_id(id)?;
    let conn = st.conn();
    let r = views::load_row(&conn, n)?;
    let out = vec![to_request(&st, &conn, &r)?];
    Ok(reply(fmt, StatusCode::OK, &out, || requests_xml(&out)))
}

/// The key's name when `key` is one of the configured keys (compared in constant time,
/// every key checked).
fn key_name(st: &AppState, key: &str) -> Option<String> {
    let mut found = None;
    for (name, k) in &st.settings.open311_keys {
        if ct_eq(
            Sha256::digest(k.as_bytes()).as_slice(),
            Sha256::digest(key.as_bytes()).as_slice(),
        ) {
            found = Some(name.clone());
        }
    }
    found
}

fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty()
            && !r
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
    })
}

/// Create a service request (form-encoded, with `api_key`).
#[utoipa::path(post, path = "/open311/v2/requests.json", tag = "open311",
    request_body(content = PostRequestForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = Vec<CreatedRequest>), (status = "4XX", body = Vec<Open311Error>, content_type = "application/json")))]
pub async fn post_request(
    State(st): State<AppState>,
    Form(form): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    post_as(&st, form, Fmt::Json)
}

pub async fn post_request_xml(
    State(st): State<AppState>,
    Form(form): Form<Vec<(String, String)>>,
) -> ApiResult<Response> {
    post_as(&st, form, Fmt::Xml)
}

fn post_as(st: &AppState, form: Vec<(String, String)>, fmt: Fmt) -> ApiResult<Response> {
    if form.len() > 64 {
        return Err(ApiError::bad_request("too many form fields"));
    }
    let get = |k: &str| {
        form.iter()
            .find(|(fk, _)| fk == k)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let Some(key) = get("api_key") else {
        return Err(ApiError::forbidden("api_key required"));
    };
    let Some(key_name) = key_name(st, &key) else {
        return Err(ApiError::forbidden("invalid api_key"));
    };
    check_jurisdiction(st, get("jurisdiction_id").as_deref())?;
    let mut errs = Vec::new();
    let code = get("service_code").unwrap_or_default();
    check_category(&mut errs, &code);
    let num = |k: &str, errs: &mut Vec<FieldProblem>| match get(k).map(|v| v.parse::<f64>()) {
        Some(Ok(v)) if v.is_finite() => v,
        None => {
            errs.push(FieldProblem {
                field: k.into(),
                reason: "required".into(),
                detail: Some("a location is required: lat and long (this server does not geocode address_string or address_id)".into()),
            });
            f64::NAN
        }
        _ => {
            errs.push(FieldProblem {
                field: k.into(),
                reason: "invalid".into(),
                detail: Some("a number".into()),
            });
            f64::NAN
        }
    };
    let lat = num("lat", &mut errs);
    let lon = num("long", &mut errs);
    if lat.is_finite() && lon.is_finite() {
        check_position(&mut errs, lat, lon);
    }
    let description = get("description").unwrap_or_default();
    if let Err(e) = check_len(
        "description",
        &description,
        limits::MIN_DESCRIPTION,
        limits::MAX_DESCRIPTION,
    ) {
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
        if let Some(code) = k
            .strip_prefix("attribute[")
            .and_then(|r| r.strip_suffix(']'))
        {
            attributes.insert(code.to_string(), v.clone());
        }
    }
    check_attributes(&mut errs, &attributes);
    let mut contact = BTreeMap::new();
    if let Some(p) = get("phone") {
        match normalize_phone(&p) {
            Some(p) => {
                contact.insert("phone", p);
            }
            None => errs.push(FieldProblem {
                field: "phone".into(),
                reason: "invalid".into(),
                detail: Some("not a Vietnamese mobile number".into()),
            }),
        }
    }
    if let Some(e) = get("email") {
        if e.chars().count() > 254 || !e.contains('@') || e.chars().any(char::is_whitespace) {
            errs.push(FieldProblem {
                field: "email".into(),
                reason: "invalid".into(),
                detail: Some("an e-mail address".into()),
            });
        } else {
            contact.insert("email", e);
        }
    }
    for k in ["first_name", "last_name", "device_id", "account_id"] {
        if let Some(v) = get(k) {
            match check_len(k, &v, 1, 100) {
                Ok(()) => {
                    contact.insert(k, v);
                }
                Err(e) => errs.push(e),
            }
        }
    }
    let media_url = get("media_url");
    if let Some(m) = &media_url {
        if m.chars().count() > 1000 || !is_http_url(m) {
            errs.push(FieldProblem {
                field: "media_url".into(),
                reason: "invalid".into(),
                detail: Some("an absolute http(s) URL of at most 1000 characters".into()),
            });
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let contact = (!contact.is_empty()).then(|| {
        contact.insert("via", key_name.clone());
        serde_json::to_string(&contact).unwrap_or_default()
    });
    let conn = st.conn();
    conn.execute(
        "INSERT OR IGNORE INTO users(id, phone, display_name, role, unit_code, created_at) VALUES (?1, '+84000000000', 'Open311', 'resident', NULL, ?2)",
        params![OPEN311_USER, crate::now_ms()],
    )?;
    let reporter = AuthUser {
        id: OPEN311_USER.into(),
        phone: String::new(),
        display_name: None,
        role: phananh_wire::Role::Resident,
        unit_code: None,
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
        anonymous: false,
        attributes,
        captured_at: None,
        media: vec![],
        source: format!("open311:{key_name}"),
        contact,
        media_url,
    };
    let tx = conn.unchecked_transaction()?;
    let n = insert_case(st, &tx, &reporter, &case)?;
    tx.commit()?;
    let out = vec![CreatedRequest {
        service_request_id: n.to_string(),
        service_notice: Some("Đã tiếp nhận phản ánh".into()),
        account_id: None,
    }];
    Ok(reply(fmt, StatusCode::OK, &out, || {
        let mut x = Xml::new();
        x.open("service_requests");
        for c in &out {
            x.open("request")
                .leaf("service_request_id", Some(&c.service_request_id))
                .leaf("service_notice", c.service_notice.as_deref())
                .leaf("account_id", c.account_id.as_deref())
                .close("request");
        }
        x.close("service_requests");
        x.0
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UpdatesQuery {
    /// Optional; any value but this server's is 404.
    pub jurisdiction_id: Option<String>,
    /// W3C date-time; default 90 days before `end_date`.
    pub start_date: Option<String>,
    /// W3C date-time; default now.
    pub end_date: Option<String>,
}

/// Timeline events of all requests in a time window, oldest first (at most 1000).
#[utoipa::path(get, path = "/open311/v2/servicerequestupdates.json", tag = "open311", params(UpdatesQuery),
    responses((status = 200, body = RequestUpdates), (status = "4XX", body = Vec<Open311Error>, content_type = "application/json")))]
pub async fn updates(
    State(st): State<AppState>,
    Query(q): Query<UpdatesQuery>,
) -> ApiResult<Response> {
    updates_as(&st, q, Fmt::Json)
}

pub async fn updates_xml(
    State(st): State<AppState>,
    Query(q): Query<UpdatesQuery>,
) -> ApiResult<Response> {
    updates_as(&st, q, Fmt::Xml)
}

fn updates_as(st: &AppState, q: UpdatesQuery, fmt: Fmt) -> ApiResult<Response> {
    check_jurisdiction(st, q.jurisdiction_id.as_deref())?;
    let (start, end) = window(&q.start_date, &q.end_date)?;
    let conn = st.conn();
    let mut s = conn.prepare(
        "SELECT e.report_n, e.id, e.at, e.status, e.message,
                (SELECT m.id FROM media m WHERE m.report_n = e.report_n AND m.event_id = e.id AND m.kind = 'photo' ORDER BY m.ord LIMIT 1)
         FROM events e WHERE e.at >= ?1 AND e.at <= ?2 AND e.kind <> ?3 ORDER BY e.at, e.report_n, e.id LIMIT 1000",
    )?;
    let rows = s.query_map(params![start, end, views::REVEAL_EVENT], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (n, id, at, status, message, media) = row?;
        let status = ReportStatus::parse(&status).unwrap_or(ReportStatus::Received);
        out.push(RequestUpdate {
            update_id: format!("{n}-{id}"),
            service_request_id: n.to_string(),
            status: status.open311().into(),
            updated_datetime: w3(at),
            description: message,
            media_url: media.map(|m| format!("{}/media/{m}", st.base)),
            external_status_code: status,
        });
    }
    let body = RequestUpdates {
        service_request_updates: out,
    };
    Ok(reply(fmt, StatusCode::OK, &body, || {
        let mut x = Xml::new();
        x.open("service_request_updates");
        for u in &body.service_request_updates {
            x.open("request_update")
                .leaf("update_id", Some(&u.update_id))
                .leaf("service_request_id", Some(&u.service_request_id))
                .leaf("status", Some(&u.status))
                .leaf("updated_datetime", Some(&u.updated_datetime))
                .leaf("description", u.description.as_deref())
                .leaf("media_url", u.media_url.as_deref())
                .leaf(
                    "external_status_code",
                    Some(u.external_status_code.as_str()),
                )
                .close("request_update");
        }
        x.close("service_request_updates");
        x.0
    }))
}

/// Unknown paths under `open311/` (answered in the spec's error format by [`errors`]).
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such Open311 resource")
}
