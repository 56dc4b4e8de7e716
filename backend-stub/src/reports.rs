//! Residents' side of cases: create (idempotent), read, "my reports since", rate, the public
//! feed, and the media files of cases.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use phananh_wire::{
    problem_types as pt, EventKind, FeedPage, FieldProblem, MediaKind, MyReportsPage, NewMedia,
    NewReport, RatingRequest, Report, ReportStatus, IDEMPOTENCY_KEY,
};
use rusqlite::{params, Connection, OptionalExtension, ToSql};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::{AuthUser, MaybeUser};
use crate::extract::{Json, Path, Query};
use crate::limits::{self, check_len};
use crate::problem::{ApiError, ApiResult};
use crate::seed::{self, CATEGORIES};
use crate::views::{self, parse_id};
use crate::{db, fold, now_ms, AppState};

/// What every way of creating a case (app API, Open311) has checked.
pub struct NewCase {
    pub client_id: Option<String>,
    pub body_hash: String,
    pub category: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
    pub address: Option<String>,
    pub anonymous: bool,
    pub attributes: BTreeMap<String, String>,
    pub captured_at: Option<i64>,
    pub media: Vec<StoredMedia>,
    /// `app`, or `open311:<key name>`.
    pub source: String,
    /// Open311 contact details (JSON), shown to the IOC only.
    pub contact: Option<String>,
    /// Open311 `media_url`.
    pub media_url: Option<String>,
}

/// Categories whose subject is the local administration itself (a slow or rude official, a
/// procedure refused): such a case goes to the category's provincial department, never to
/// the ward People's Committee it complains about.
pub const ABOUT_OFFICIALS: &[&str] = &["thu_tuc_hanh_chinh"];

/// A finished upload checked for attaching to a case or an answer.
pub struct StoredMedia {
    pub id: String,
    pub kind: MediaKind,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    pub captured_at: Option<i64>,
    /// A video's poster frame, as served.
    pub poster: Option<StoredPoster>,
}

/// A checked poster upload: (id, size, sha256) of the JPEG as served (metadata stripped).
pub struct StoredPoster {
    pub id: String,
    pub size: u64,
    pub sha256: String,
}

pub fn check_category(errs: &mut Vec<FieldProblem>, code: &str) {
    if !CATEGORIES.iter().any(|c| c.0 == code) {
        errs.push(FieldProblem {
            field: "category".into(),
            reason: "unknown".into(),
            detail: Some(format!("no category {code:?}")),
        });
    }
}

pub fn check_position(errs: &mut Vec<FieldProblem>, lat: f64, lon: f64) {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        errs.push(FieldProblem {
            field: "lat".into(),
            reason: "out_of_range".into(),
            detail: Some("latitude in [-90, 90]".into()),
        });
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        errs.push(FieldProblem {
            field: "lon".into(),
            reason: "out_of_range".into(),
            detail: Some("longitude in [-180, 180]".into()),
        });
    }
}

pub fn check_attributes(errs: &mut Vec<FieldProblem>, attrs: &BTreeMap<String, String>) {
    if attrs.len() > limits::MAX_ATTRIBUTES {
        errs.push(FieldProblem {
            field: "attributes".into(),
            reason: "too_long".into(),
            detail: None,
        });
        return;
    }
    for (k, v) in attrs {
        if k == seed::SEVERITY_ATTR {
            if !seed::SEVERITY_VALUES.iter().any(|(c, _)| c == v) {
                errs.push(FieldProblem {
                    field: format!("attributes.{k}"),
                    reason: "invalid".into(),
                    detail: Some("not one of the listed values".into()),
                });
            }
        } else {
            let k: String = k.chars().take(64).collect();
            errs.push(FieldProblem {
                field: format!("attributes.{k}"),
                reason: "unknown".into(),
                detail: Some("the category has no such attribute".into()),
            });
        }
    }
}

/// Check media references and resolve them to stored uploads.
pub fn resolve_media(
    limits_cfg: &phananh_wire::MediaLimits,
    conn: &Connection,
    user: &AuthUser,
    media: &[NewMedia],
    field: &str,
    errs: &mut Vec<FieldProblem>,
) -> Vec<StoredMedia> {
    let mut out = Vec::new();
    if media.len() > limits::MAX_MEDIA {
        errs.push(FieldProblem {
            field: field.into(),
            reason: "too_long".into(),
            detail: Some(format!("at most {} files", limits::MAX_MEDIA)),
        });
        return out;
    }
    let (photos, videos) = media.iter().fold((0, 0), |(p, v), m| match m.kind {
        MediaKind::Photo => (p + 1, v),
        MediaKind::Video => (p, v + 1),
    });
    if photos > limits_cfg.max_photos || videos > limits_cfg.max_videos {
        let detail = format!(
            "at most {} photos and {} video(s)",
            limits_cfg.max_photos, limits_cfg.max_videos
        );
        errs.push(FieldProblem {
            field: field.into(),
            reason: "too_long".into(),
            detail: Some(detail),
        });
    }
    for (i, m) in media.iter().enumerate() {
        let kind_ok = match m.kind {
            MediaKind::Photo => m.mime.starts_with("image/"),
            MediaKind::Video => m.mime.starts_with("video/"),
        };
        if !kind_ok {
            errs.push(FieldProblem {
                field: format!("{field}.{i}.mime"),
                reason: "invalid".into(),
                detail: Some("mime does not fit kind".into()),
            });
            continue;
        }
        if out
            .iter()
            .any(|o: &StoredMedia| m.upload_url.trim_end_matches('/').ends_with(&o.id))
        {
            errs.push(FieldProblem {
                field: format!("{field}.{i}.upload_url"),
                reason: "invalid".into(),
                detail: Some("listed twice".into()),
            });
            continue;
        }
        let poster = match &m.poster {
            None => None,
            Some(p) => match resolve_poster(conn, user, m, p, media, &out) {
                Ok(p) => Some(p),
                Err(detail) => {
                    errs.push(FieldProblem {
                        field: format!("{field}.{i}.poster.upload_url"),
                        reason: "invalid".into(),
                        detail: Some(detail),
                    });
                    continue;
                }
            },
        };
        match crate::tus::resolve_for_attach(conn, user, &m.upload_url, &m.sha256, &m.mime) {
            Ok((id, size, served_sha)) => out.push(StoredMedia {
                id,
                kind: m.kind,
                mime: m.mime.to_ascii_lowercase(),
                size,
                sha256: served_sha,
                captured_at: m.captured_at.map(|t| t.timestamp_millis()),
                poster,
            }),
            Err(detail) => errs.push(FieldProblem {
                field: format!("{field}.{i}.upload_url"),
                reason: "invalid".into(),
                detail: Some(detail),
            }),
        }
    }
    out
}

/// A video's poster: only for a video; the caller's own finished upload of a JPEG (checked
/// as one when it completed, its metadata stripped then), at most `MAX_POSTER_BYTES`, not
/// attached anywhere yet and not one of the request's other files. Attaching it with the
/// video marks it used, so it belongs to this report only.
fn resolve_poster(
    conn: &Connection,
    user: &AuthUser,
    m: &NewMedia,
    p: &phananh_wire::NewPoster,
    all: &[NewMedia],
    done: &[StoredMedia],
) -> Result<StoredPoster, String> {
    if m.kind != MediaKind::Video {
        return Err("only a video has a poster".into());
    }
    let id_of = |u: &str| {
        u.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let pid = id_of(&p.upload_url);
    let reused = all.iter().any(|o| id_of(&o.upload_url) == pid)
        || all
            .iter()
            .filter(|o| !std::ptr::eq(*o, m))
            .filter_map(|o| o.poster.as_ref())
            .any(|o| id_of(&o.upload_url) == pid)
        || done
            .iter()
            .any(|d| d.poster.as_ref().is_some_and(|q| q.id == pid));
    if reused {
        return Err("the poster is another file of this request".into());
    }
    let (id, size, sha256) =
        crate::tus::resolve_for_attach(conn, user, &p.upload_url, &p.sha256, "image/jpeg")?;
    if size > phananh_wire::MAX_POSTER_BYTES {
        return Err(format!(
            "a poster of {size} bytes; at most {} bytes",
            phananh_wire::MAX_POSTER_BYTES
        ));
    }
    Ok(StoredPoster { id, size, sha256 })
}

pub fn attach_media(
    conn: &Connection,
    n: i64,
    event_id: Option<i64>,
    media: &[StoredMedia],
) -> rusqlite::Result<()> {
    let base: i64 = conn.query_row("SELECT COUNT(*) FROM media WHERE report_n = ?1", [n], |r| {
        r.get(0)
    })?;
    for (i, m) in media.iter().enumerate() {
        let kind = if m.kind == MediaKind::Video {
            "video"
        } else {
            "photo"
        };
        let p = m.poster.as_ref();
        conn.execute(
            "INSERT INTO media(id, report_n, event_id, ord, kind, mime, size, sha256, captured_at, poster_id, poster_size, poster_sha256) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![m.id, n, event_id, base + i as i64, kind, m.mime, m.size as i64, m.sha256, m.captured_at,
                    p.map(|p| &p.id), p.map(|p| p.size as i64), p.map(|p| &p.sha256)],
        )?;
        conn.execute("UPDATE uploads SET attached = 1 WHERE id = ?1", [&m.id])?;
        if let Some(p) = p {
            conn.execute("UPDATE uploads SET attached = 1 WHERE id = ?1", [&p.id])?;
        }
    }
    Ok(())
}

/// Append a timeline event and move the case to `status`; bumps version and change cursor.
#[allow(clippy::too_many_arguments)]
pub fn append_event(
    conn: &Connection,
    n: i64,
    kind: EventKind,
    status: ReportStatus,
    unit: Option<&str>,
    message: Option<&str>,
    actor: Option<&str>,
    media: &[StoredMedia],
) -> rusqlite::Result<i64> {
    append_event_kind(
        conn,
        n,
        &views::event_kind_str(kind),
        kind != EventKind::Rated,
        status,
        unit,
        message,
        actor,
        media,
    )
}

/// [`append_event`] with a kind the wire enum does not name (it reads as `other`).
#[allow(clippy::too_many_arguments)]
pub fn append_event_kind(
    conn: &Connection,
    n: i64,
    kind: &str,
    notify: bool,
    status: ReportStatus,
    unit: Option<&str>,
    message: Option<&str>,
    actor: Option<&str>,
    media: &[StoredMedia],
) -> rusqlite::Result<i64> {
    let now = now_ms();
    let id: i64 = conn.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM events WHERE report_n = ?1",
        [n],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO events(report_n, id, at, kind, status, unit_code, message, actor_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![n, id, now, kind, status.as_str(), unit, message, actor],
    )?;
    attach_media(conn, n, Some(id), media)?;
    let seq = db::next_seq(conn)?;
    conn.execute(
        "UPDATE reports SET status = ?2, updated_at = ?3, version = version + 1, seq = ?4 WHERE n = ?1",
        params![n, status.as_str(), now, seq],
    )?;
    if notify {
        notify_reporter(conn, n, status, now)?;
    }
    Ok(id)
}

pub fn status_label_vi(s: ReportStatus) -> &'static str {
    match s {
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

/// "Send" a push to each device the reporter (and each "me too" follower) registered: recorded (and logged without the
/// token) since the stub holds no FCM/APNs credentials. Tests read them back.
fn notify_reporter(
    conn: &Connection,
    n: i64,
    status: ReportStatus,
    now: i64,
) -> rusqlite::Result<()> {
    let body = format!("Phản ánh #{n}: {}", status_label_vi(status));
    let inserted = conn.execute(
        "INSERT INTO pushes(user_id, platform, token, report_n, status, body, at)
         SELECT p.user_id, p.platform, p.token, r.n, ?2, ?3, ?4 FROM reports r JOIN push_tokens p
           ON p.user_id = r.reporter_id OR p.user_id IN (SELECT user_id FROM supporters WHERE report_n = r.n) WHERE r.n = ?1",
        params![n, status.as_str(), body, now],
    )?;
    if inserted > 0 {
        tracing::info!(report = n, devices = inserted, "push: {body}");
    }
    Ok(())
}

/// Insert a checked case, routed to the ward containing its point (the IOC when outside
/// every ward), with its deadline and first timeline event. Returns its row number.
pub fn insert_case(
    st: &AppState,
    conn: &Connection,
    reporter: &AuthUser,
    c: &NewCase,
) -> ApiResult<i64> {
    let now = now_ms();
    let ward = st.wards.locate(c.lat, c.lon);
    let cat = CATEGORIES
        .iter()
        .find(|x| x.0 == c.category)
        .ok_or_else(|| ApiError::internal("category vanished"))?;
    let unit = if ABOUT_OFFICIALS.contains(&cat.0) && st.unit(cat.3).is_some() {
        cat.3.to_string()
    } else {
        ward.map(|w| seed::ward_unit_code(&w.code))
            .filter(|u| st.unit(u).is_some())
            .unwrap_or_else(|| crate::IOC.to_string())
    };
    let deadline = now + cat.4 as i64 * 3_600_000;
    let search = fold::fold(&format!(
        "{} {} {} {}",
        c.description,
        cat.1,
        ward.map(|w| w.full_name.as_str()).unwrap_or(""),
        c.address.as_deref().unwrap_or("")
    ));
    let seq = db::next_seq(conn)?;
    conn.execute(
        "INSERT INTO reports(client_id, reporter_id, body_hash, category, description, search, lat, lon, accuracy_m, ward_code,
            address, anonymous, attributes, captured_at, status, unit_code, deadline, duplicate_of, created_at, updated_at, version, seq,
            source, contact, media_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'received', ?15, ?16, NULL, ?17, ?17, 1, ?18, ?19, ?20, ?21)",
        params![
            c.client_id,
            reporter.id,
            c.body_hash,
            c.category,
            c.description,
            search,
            c.lat,
            c.lon,
            c.accuracy_m,
            ward.map(|w| w.code.clone()),
            c.address,
            c.anonymous as i64,
            serde_json::to_string(&c.attributes).map_err(ApiError::internal)?,
            c.captured_at,
            unit,
            deadline,
            now,
            seq,
            c.source,
            c.contact,
            c.media_url
        ],
    )?;
    let n = conn.last_insert_rowid();
    attach_media(conn, n, None, &c.media)?;
    let msg = format!(
        "Đã tiếp nhận phản ánh; đơn vị dự kiến xử lý: {}",
        st.unit(&unit).map(|u| u.name.as_str()).unwrap_or(&unit)
    );
    conn.execute(
        "INSERT INTO events(report_n, id, at, kind, status, unit_code, message, actor_id) VALUES (?1, 1, ?2, 'received', 'received', ?3, ?4, NULL)",
        params![n, now, crate::IOC, msg],
    )?;
    Ok(n)
}

fn created(status: StatusCode, report: Report) -> Response {
    (status, axum::Json(report)).into_response()
}

/// Create a report. The `Idempotency-Key` header (= `client_id`) makes retries safe: the
/// same body again returns the stored report (200), another body under the key is 409.
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", security(("bearer" = [])), request_body = NewReport,
    params(("Idempotency-Key" = String, Header, description = "the report's client_id (UUID)")),
    responses((status = 201, description = "created", body = Report), (status = 200, description = "replay of an earlier request", body = Report),
              (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(st): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    Json(req): Json<NewReport>,
) -> ApiResult<Response> {
    let Some(key) = headers.get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::bad_request(
            "Idempotency-Key header (the report's client_id) required",
        ));
    };
    if key.trim().parse::<uuid::Uuid>().ok() != Some(req.client_id) {
        return Err(ApiError::field(
            "client_id",
            "invalid",
            "must equal the Idempotency-Key header",
        ));
    }
    let body_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&req).map_err(ApiError::internal)?,
    ));
    let client_id = req.client_id.to_string();
    let conn = st.conn();
    let existing: Option<(i64, String)> = conn
        .query_row(
            "SELECT n, body_hash FROM reports WHERE reporter_id = ?1 AND client_id = ?2",
            params![user.id, client_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((n, h)) = existing {
        if h != body_hash {
            return Err(ApiError::conflict(
                pt::IDEMPOTENCY_CONFLICT,
                "this Idempotency-Key was used with a different body",
            ));
        }
        return Ok(created(
            StatusCode::OK,
            views::report(&st, &conn, n, Some(&user))?,
        ));
    }
    let mut errs = Vec::new();
    check_category(&mut errs, &req.category);
    let description = req.description.trim().to_string();
    if let Err(e) = check_len(
        "description",
        &description,
        limits::MIN_DESCRIPTION,
        limits::MAX_DESCRIPTION,
    ) {
        errs.push(e);
    }
    check_position(&mut errs, req.lat, req.lon);
    if let Some(a) = req.accuracy_m {
        if !(a.is_finite() && (0.0..=100_000.0).contains(&a)) {
            errs.push(FieldProblem {
                field: "accuracy_m".into(),
                reason: "out_of_range".into(),
                detail: None,
            });
        }
    }
    if let Some(w) = &req.ward_code {
        if let Err(e) = check_len("ward_code", w, 1, 16) {
            errs.push(e);
        }
    }
    if let Some(a) = &req.address {
        if let Err(e) = check_len("address", a, 0, limits::MAX_ADDRESS) {
            errs.push(e);
        }
    }
    check_attributes(&mut errs, &req.attributes);
    let media = resolve_media(
        &st.config.tenant.media,
        &conn,
        &user,
        &req.media,
        "media",
        &mut errs,
    );
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let case = NewCase {
        client_id: Some(client_id),
        body_hash,
        category: req.category.clone(),
        description,
        lat: req.lat,
        lon: req.lon,
        accuracy_m: req.accuracy_m,
        address: req.address.clone().filter(|a| !a.trim().is_empty()),
        anonymous: req.anonymous,
        attributes: req.attributes.clone(),
        captured_at: req.captured_at.map(|t| t.timestamp_millis()),
        media,
        source: "app".into(),
        contact: None,
        media_url: None,
    };
    let tx = conn.unchecked_transaction()?;
    let n = insert_case(&st, &tx, &user, &case)?;
    tx.commit()?;
    let report = views::report(&st, &conn, n, Some(&user))?;
    let mut resp = created(StatusCode::CREATED, report);
    if let Ok(v) = HeaderValue::from_str(&format!("{}/api/v1/reports/{n}", st.base)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// A report: full for its reporter and the handling staff, public form for everyone else.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "report id", example = "1")),
    responses((status = 200, body = Report), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(st): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Report>> {
    let n = parse_id(&id)?;
    let conn = st.conn();
    Ok(axum::Json(views::report(&st, &conn, n, user.as_ref())?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SinceQuery {
    /// `next_cursor` of the previous page; absent for everything.
    pub since: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

fn page_limit(l: Option<u32>, default: u32, max: u32) -> ApiResult<u32> {
    match l {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("between 1 and {max}"),
        )),
    }
}

fn parse_cursor(field: &str, c: &Option<String>) -> ApiResult<i64> {
    match c.as_deref().map(str::trim) {
        None | Some("") => Ok(0),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| ApiError::field(field, "invalid", "not a cursor from this server")),
    }
}

/// My reports (and those I follow, `following`) that changed after `since`, oldest change
/// first, with full timelines.
#[utoipa::path(get, path = "/api/v1/me/reports", tag = "reports", security(("bearer" = [])), params(SinceQuery),
    responses((status = 200, body = MyReportsPage), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn my_reports(
    State(st): State<AppState>,
    user: AuthUser,
    Query(q): Query<SinceQuery>,
) -> ApiResult<axum::Json<MyReportsPage>> {
    let since = parse_cursor("since", &q.since)?;
    let limit = page_limit(q.limit, 50, limits::MAX_PAGE)?;
    let conn = st.conn();
    let mut s = conn.prepare_cached(&format!(
        "SELECT {}, seq FROM reports WHERE (reporter_id = ?1 OR n IN (SELECT report_n FROM supporters WHERE user_id = ?1))
           AND seq > ?2 ORDER BY seq LIMIT ?3",
        views::COLS
    ))?;
    let rows: Vec<(views::Row, i64)> = s
        .query_map(params![user.id, since, limit as i64 + 1], |r| {
            Ok((views::row(r)?, r.get(views::NCOLS)?))
        })?
        .collect::<Result<_, _>>()?;
    let has_more = rows.len() > limit as usize;
    let mut items = Vec::new();
    let mut cursor = since;
    for (r, seq) in rows.into_iter().take(limit as usize) {
        items.push(views::build(&st, &conn, &r, Some(&user))?);
        cursor = seq;
    }
    Ok(axum::Json(MyReportsPage {
        items,
        next_cursor: cursor.to_string(),
        has_more,
    }))
}

/// Rate a resolved report (its reporter only); editable until closed; a "not satisfied"
/// level may ask to reopen.
#[utoipa::path(put, path = "/api/v1/reports/{id}/rating", tag = "reports", security(("bearer" = [])), request_body = RatingRequest,
    params(("id" = String, Path, description = "report id", example = "1")),
    responses((status = 200, body = Report), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn rate(
    State(st): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(req): Json<RatingRequest>,
) -> ApiResult<axum::Json<Report>> {
    let n = parse_id(&id)?;
    let conn = st.conn();
    let r = views::load_row(&conn, n)?;
    let follower = r.reporter_id != user.id && crate::closure::is_supporter(&conn, n, &user.id)?;
    if r.reporter_id != user.id && !follower {
        return Err(ApiError::forbidden(
            "only the reporter and its followers may rate a report",
        ));
    }
    let mut errs = Vec::new();
    let level = st.config.tenant.rating_level(req.level);
    match level {
        None => errs.push(FieldProblem {
            field: "level".into(),
            reason: "invalid".into(),
            detail: Some("not a level of the rating scale".into()),
        }),
        Some(l) if req.reopen && !l.may_reopen => errs.push(FieldProblem {
            field: "reopen".into(),
            reason: "not_allowed".into(),
            detail: Some("only a dissatisfied rating may ask to reopen".into()),
        }),
        _ => {}
    }
    let comment = req
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(c) = comment {
        if let Err(e) = check_len("comment", c, 0, limits::MAX_COMMENT) {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    if r.status != ReportStatus::Resolved {
        return Err(ApiError::conflict(
            pt::INVALID_TRANSITION,
            format!(
                "a {} report cannot be rated; only resolved ones",
                r.status.as_str()
            ),
        ));
    }
    if follower && req.reopen {
        return Err(ApiError::field(
            "reopen",
            "not_allowed",
            "a follower disputes the resolution instead of asking to reopen",
        ));
    }
    if follower {
        let tx = conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO follower_ratings(report_n, user_id, level, comment, rated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(report_n, user_id) DO UPDATE SET level = excluded.level, comment = excluded.comment, rated_at = excluded.rated_at",
            params![n, user.id, req.level as i64, comment, now_ms()],
        )?;
        append_event(
            &tx,
            n,
            EventKind::Rated,
            ReportStatus::Resolved,
            None,
            None,
            Some(&user.id),
            &[],
        )?;
        tx.commit()?;
        return Ok(axum::Json(views::report(&st, &conn, n, Some(&user))?));
    }
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO ratings(report_n, level, comment, reopen, rated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(report_n) DO UPDATE SET level = excluded.level, comment = excluded.comment, reopen = excluded.reopen, rated_at = excluded.rated_at",
        params![n, req.level as i64, comment, req.reopen as i64, now_ms()],
    )?;
    append_event(
        &tx,
        n,
        EventKind::Rated,
        ReportStatus::Resolved,
        None,
        None,
        Some(&user.id),
        &[],
    )?;
    if req.reopen {
        append_event(
            &tx,
            n,
            EventKind::Reopened,
            ReportStatus::Reopened,
            Some(&r.unit_code),
            Some("Người phản ánh không hài lòng và đề nghị xử lý lại"),
            Some(&user.id),
            &[],
        )?;
    }
    tx.commit()?;
    Ok(axum::Json(views::report(&st, &conn, n, Some(&user))?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `minLon,minLat,maxLon,maxLat`
    pub bbox: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// Status, or several separated by commas.
    pub status: Option<String>,
    /// Words to find in the description, category, ward or address; diacritics ignored.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Public feed, newest first. Carries no reporter data.
#[utoipa::path(get, path = "/api/v1/feed", tag = "reports", params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn feed(
    State(st): State<AppState>,
    Query(q): Query<FeedQuery>,
) -> ApiResult<axum::Json<FeedPage>> {
    let limit = page_limit(q.limit, 20, 100)?;
    let cursor = parse_cursor("cursor", &q.cursor)?;
    let mut sql = format!("SELECT {} FROM reports WHERE 1 = 1", views::COLS);
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    if cursor > 0 {
        sql += " AND n < ?";
        args.push(Box::new(cursor));
    }
    if let Some(b) = q.bbox.as_deref().filter(|b| !b.trim().is_empty()) {
        let v: Vec<f64> = b
            .split(',')
            .filter_map(|x| x.trim().parse::<f64>().ok())
            .filter(|x| x.is_finite())
            .collect();
        if v.len() != 4 || v[0] > v[2] || v[1] > v[3] {
            return Err(ApiError::field(
                "bbox",
                "invalid",
                "minLon,minLat,maxLon,maxLat",
            ));
        }
        sql += " AND lon >= ? AND lat >= ? AND lon <= ? AND lat <= ?";
        for x in v {
            args.push(Box::new(x));
        }
    }
    if let Some(c) = q.category.as_deref().filter(|c| !c.is_empty()) {
        let mut errs = Vec::new();
        check_category(&mut errs, c);
        if !errs.is_empty() {
            return Err(ApiError::validation(errs));
        }
        sql += " AND category = ?";
        args.push(Box::new(c.to_string()));
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        let sts: Option<Vec<ReportStatus>> = s
            .split(',')
            .map(|x| ReportStatus::parse(x.trim()))
            .collect();
        let Some(sts) = sts else {
            return Err(ApiError::field("status", "invalid", "unknown status"));
        };
        sql += &format!(" AND status IN ({})", vec!["?"; sts.len()].join(","));
        for x in sts {
            args.push(Box::new(x.as_str()));
        }
    }
    if let Some(text) = q.q.as_deref() {
        if text.chars().count() > limits::MAX_QUERY_TEXT {
            return Err(ApiError::field(
                "q",
                "too_long",
                format!("at most {} characters", limits::MAX_QUERY_TEXT),
            ));
        }
        for t in fold::terms(text).into_iter().take(10) {
            sql += " AND instr(search, ?) > 0";
            args.push(Box::new(t));
        }
    }
    sql += " ORDER BY n DESC LIMIT ?";
    args.push(Box::new(limit as i64 + 1));
    let conn = st.conn();
    let mut s = conn.prepare(&sql)?;
    let rows: Vec<views::Row> = s
        .query_map(
            rusqlite::params_from_iter(args.iter().map(|b| b.as_ref())),
            views::row,
        )?
        .collect::<Result<_, _>>()?;
    let more = rows.len() > limit as usize;
    let items = rows
        .iter()
        .take(limit as usize)
        .map(|r| views::feed_item(&st, &conn, r))
        .collect::<ApiResult<Vec<_>>>()?;
    let next_cursor = if more {
        items.last().map(|i| i.id.clone())
    } else {
        None
    };
    Ok(axum::Json(FeedPage { items, next_cursor }))
}

/// Headers every media answer carries: the declared type is the only one (`nosniff`) and
/// nothing in the file may run or load anything (`sandbox`, `default-src 'none'`).
fn media_headers(h: &mut HeaderMap) {
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-site"),
    );
}

/// Chunk size of media streaming: memory per download is about this much.
pub const MEDIA_CHUNK: usize = 64 * 1024;

/// `len` bytes of `file` from its current position, read chunk by chunk as the client takes them.
fn file_body(file: tokio::fs::File, len: u64) -> axum::body::Body {
    use tokio::io::AsyncReadExt;
    let stream = futures_util::stream::unfold((file, len), |(mut f, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = bytes::BytesMut::zeroed(left.min(MEDIA_CHUNK as u64) as usize);
        match f.read(&mut buf).await {
            Ok(0) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "media file shorter than recorded",
                )),
                (f, 0),
            )),
            Ok(k) => {
                buf.truncate(k);
                Some((Ok(buf.freeze()), (f, left - k as u64)))
            }
            Err(e) => Some((Err(e), (f, 0))),
        }
    });
    axum::body::Body::from_stream(stream)
}

/// GET /media/{id}: a file attached to a case, streamed from disk (memory per request is
/// one chunk, whatever the file or range size). Photos are public like the case's
/// handling (the feed shows them); videos need a signed-in caller (they are large, so the
/// per-user rate limit applies). Supports `If-None-Match` and single `Range: bytes=`
/// requests so players can seek in videos.
pub async fn media(
    State(st): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row: Option<(String, String, String, i64)> = st
        .conn()
        .query_row(
            "SELECT kind, mime, sha256, size FROM media WHERE id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((kind, mime, sha, size)) = row else {
        return Err(ApiError::not_found("no such media"));
    };
    let public = kind != "video";
    if !public && user.is_none() {
        return Err(ApiError::unauthorized(
            "sign in to watch videos (Authorization: Bearer <token>)",
        ));
    }
    serve_file(&st, &headers, &id, &mime, &sha, size, public).await
}

/// GET /media/{id}/poster: the poster frame of a video (a small JPEG without metadata, the
/// app's upload), public like the case's photos. 404 when the video has none (an officer's
/// answer video: the stub cannot make one itself).
pub async fn poster(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row: Option<(String, String, i64)> = st
        .conn()
        .query_row(
            "SELECT poster_id, poster_sha256, poster_size FROM media WHERE id = ?1 AND poster_id IS NOT NULL",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((file, sha, size)) = row else {
        return Err(ApiError::not_found("no poster for this media"));
    };
    serve_file(&st, &headers, &file, "image/jpeg", &sha, size, true).await
}

/// Stream stored upload `file` (conditional and range requests answered).
async fn serve_file(
    st: &AppState,
    headers: &HeaderMap,
    file: &str,
    mime: &str,
    sha: &str,
    size: i64,
    public: bool,
) -> ApiResult<Response> {
    use tokio::io::AsyncSeekExt;
    let size = u64::try_from(size).map_err(ApiError::internal)?;
    let etag = format!("\"{sha}\"");
    let mut common = HeaderMap::new();
    media_headers(&mut common);
    common.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
    );
    common.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=31536000, immutable"
        } else {
            "private, max-age=31536000, immutable"
        }),
    );
    common.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    let content_type =
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|r| parse_range(r, size));
    let mut file = tokio::fs::File::open(st.upload_path(file)).await?;
    common.insert(header::CONTENT_TYPE, content_type);
    match range {
        None => {
            common.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            Ok((common, file_body(file, size)).into_response())
        }
        Some(None) => {
            common.remove(header::CONTENT_TYPE);
            common.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{size}")).map_err(ApiError::internal)?,
            );
            let e = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                pt::BAD_REQUEST,
                format!("the file has {size} bytes"),
            );
            Ok((common, e).into_response())
        }
        Some(Some((start, end))) => {
            file.seek(std::io::SeekFrom::Start(start)).await?;
            let len = end - start + 1;
            common.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {start}-{end}/{size}"))
                    .map_err(ApiError::internal)?,
            );
            common.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            Ok((StatusCode::PARTIAL_CONTENT, common, file_body(file, len)).into_response())
        }
    }
}

/// One `bytes=` range → inclusive (start, end) within `size`; `None` when unsatisfiable.
/// Multi-range requests are answered with their first range.
fn parse_range(header: &str, size: u64) -> Option<(u64, u64)> {
    let spec = header
        .trim()
        .strip_prefix("bytes=")?
        .split(',')
        .next()?
        .trim();
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (size.saturating_sub(n), size.checked_sub(1)?)
        }
        (s, "") => (s.parse().ok()?, size.checked_sub(1)?),
        (s, e) => (
            s.parse().ok()?,
            e.parse::<u64>().ok()?.min(size.checked_sub(1)?),
        ),
    };
    (start <= end && end < size).then_some((start, end))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges() {
        use super::parse_range as p;
        assert_eq!(p("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(p("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(p("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(p("bytes=990-2000", 1000), Some((990, 999)));
        assert_eq!(p("bytes=1000-", 1000), None);
        assert_eq!(p("bytes=5-1", 1000), None);
        assert_eq!(p("items=0-1", 1000), None);
    }
}
