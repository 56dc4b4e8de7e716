//! tus 1.0.0 resumable uploads: core protocol plus the creation, creation-with-upload,
//! expiration, termination and checksum (sha1) extensions.
//!
//! Acknowledged bytes are on disk (fsync) before the offset moves, so a `HEAD` after a
//! crash or cut connection never reports bytes the server could lose. A new request for an
//! upload preempts a still-running `PATCH` on it (one whose client vanished): that PATCH
//! keeps what it received and steps aside, so `HEAD` answers with the true offset at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{head, post};
use axum::Router;
use base64::Engine;
use phananh_wire::{problem_types as pt, TUS_VERSION};
use rusqlite::{params, OptionalExtension};
use sha1::{Digest as _, Sha1};
use sha2::Sha256;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use tokio::sync::Notify;

use crate::auth::AuthUser;
use crate::extract::Path;
use crate::media_check;
use crate::photo_meta::PhotoMeta;
use crate::problem::{ApiError, ApiResult};
use crate::{ms_to_dt, now_ms, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/files", post(create).options(options))
        .route("/files/", post(create).options(options))
        .route(
            "/files/{id}",
            head(head_upload)
                .patch(patch)
                .delete(terminate)
                .options(options),
        )
}

const EXTENSIONS: &str = "creation,creation-with-upload,expiration,termination,checksum";
const OFFSET_STREAM: &str = "application/offset+octet-stream";

fn tus_err(e: ApiError) -> ApiError {
    e.with_header("tus-resumable", TUS_VERSION)
}

fn http_date(ms: i64) -> String {
    ms_to_dt(ms).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn check_version(h: &HeaderMap) -> ApiResult<()> {
    match h.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            pt::BAD_REQUEST,
            "Tus-Resumable: 1.0.0 required",
        )
        .with_header("tus-version", TUS_VERSION)),
    }
}

fn header_u64(h: &HeaderMap, name: &str) -> ApiResult<Option<u64>> {
    match h.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(format!("{name} must be a non-negative integer"))),
    }
}

/// `key base64,key2 base64,key3` → map (values decoded, lossy UTF-8).
fn parse_metadata(raw: &str) -> ApiResult<HashMap<String, String>> {
    let mut m = HashMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once(' ').unwrap_or((pair, ""));
        let v = base64::engine::general_purpose::STANDARD
            .decode(v.trim())
            .map_err(|_| {
                ApiError::bad_request(format!("Upload-Metadata value of {k} is not base64"))
            })?;
        m.insert(k.to_string(), String::from_utf8_lossy(&v).into_owned());
    }
    Ok(m)
}

/// Base URL as the client addressed us (its `Host`), so uploads keep flowing through whatever
/// proxy the client talks to (a gateway in production, the fault proxy in tests). Falls back
/// to our own address when the header is missing or not a plain host[:port].
fn public_base(own: &str, headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let plain = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    match own.split_once("://") {
        Some((scheme, _)) if plain => format!("{scheme}://{host}"),
        _ => own.to_owned(),
    }
}

fn base_headers(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
}

pub async fn options(State(st): State<AppState>) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    base_headers(&mut r);
    let h = r.headers_mut();
    h.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    h.insert("tus-extension", HeaderValue::from_static(EXTENSIONS));
    h.insert("tus-max-size", HeaderValue::from(st.settings.max_upload));
    h.insert("tus-checksum-algorithm", HeaderValue::from_static("sha1"));
    r
}

struct Upload {
    owner_id: String,
    length: u64,
    offset: u64,
    metadata: String,
    filetype: String,
    expires_at: i64,
    attached: bool,
}

fn load(st: &AppState, id: &str, user: &AuthUser) -> ApiResult<Upload> {
    let conn = st.conn();
    let u = conn
        .query_row(
            "SELECT owner_id, length, offset, metadata, filetype, expires_at, attached FROM uploads WHERE id = ?1",
            [id],
            |r| {
                Ok(Upload {
                    owner_id: r.get(0)?,
                    length: r.get::<_, i64>(1)? as u64,
                    offset: r.get::<_, i64>(2)? as u64,
                    metadata: r.get(3)?,
                    filetype: r.get(4)?,
                    expires_at: r.get(5)?,
                    attached: r.get::<_, i64>(6)? != 0,
                })
            },
        )
        .optional()?;
    // Someone else's upload is indistinguishable from a missing one.
    let u = u
        .filter(|u| u.owner_id == user.id)
        .ok_or_else(|| ApiError::not_found("no such upload"))?;
    if !u.attached && u.expires_at <= now_ms() {
        return Err(ApiError::new(
            StatusCode::GONE,
            pt::GONE,
            "upload expired; start a new one",
        ));
    }
    Ok(u)
}

/// Exclusive use of one upload. Waiting preempts the current holder.
struct Lease {
    st: AppState,
    id: String,
    cancel: Arc<Notify>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.st
            .busy_uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

async fn lease(st: &AppState, id: &str) -> ApiResult<Lease> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        {
            let mut busy = st.busy_uploads.lock().unwrap_or_else(|p| p.into_inner());
            match busy.get(id) {
                None => {
                    let cancel = Arc::new(Notify::new());
                    busy.insert(id.to_string(), cancel.clone());
                    return Ok(Lease {
                        st: st.clone(),
                        id: id.to_string(),
                        cancel,
                    });
                }
                Some(holder) => holder.notify_one(),
            }
        }
        if tokio::time::Instant::now() > deadline {
            return Err(ApiError::conflict(
                pt::UPLOAD_OFFSET_MISMATCH,
                "upload busy; retry with HEAD",
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// POST /files/: create an upload (and take its first bytes when sent along).
pub async fn create(
    State(st): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match create_inner(st, user, headers, body).await {
        Ok(r) => r,
        Err(e) => tus_err(e).into_response(),
    }
}

async fn create_inner(
    st: AppState,
    user: AuthUser,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    check_version(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(ApiError::bad_request(
            "Upload-Defer-Length is not supported; send Upload-Length",
        ));
    }
    let Some(length) = header_u64(&headers, "upload-length")? else {
        return Err(ApiError::bad_request("Upload-Length required"));
    };
    if length > st.settings.max_upload {
        return Err(ApiError::too_large(format!(
            "uploads are limited to {} bytes",
            st.settings.max_upload
        ))
        .with_header("tus-max-size", st.settings.max_upload.to_string()));
    }
    if length == 0 {
        return Err(ApiError::bad_request("empty uploads are not accepted"));
    }
    let raw_meta = headers
        .get("upload-metadata")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if raw_meta.len() > 4096 {
        return Err(ApiError::bad_request("Upload-Metadata too long"));
    }
    let meta = parse_metadata(&raw_meta)?;
    let Some(filetype) = meta.get("filetype").map(|s| s.trim().to_ascii_lowercase()) else {
        return Err(ApiError::bad_request(
            "Upload-Metadata must name the filetype (MIME type)",
        ));
    };
    if !media_check::ALLOWED.contains(&filetype.as_str()) {
        return Err(ApiError::unsupported_media(format!(
            "{filetype} is not accepted; allowed: {}",
            media_check::ALLOWED.join(", ")
        )));
    }
    if filetype.starts_with("image/") && length > media_check::MAX_PHOTO_BYTES {
        return Err(ApiError::too_large(format!(
            "photos are limited to {} bytes",
            media_check::MAX_PHOTO_BYTES
        )));
    }
    let length_i =
        i64::try_from(length).map_err(|_| ApiError::too_large("Upload-Length out of range"))?;
    let now = now_ms();
    let key = idempotency_key(&headers)?;
    if let Some(key) = &key {
        // The same creation sent again (its answer was lost): the upload it made, where it
        // stands; no second upload. Only while that upload is unattached and alive.
        let earlier: Option<(String, i64, String)> = st
            .conn()
            .query_row(
                "SELECT id, length, metadata FROM uploads WHERE owner_id = ?1 AND creation_key = ?2 AND attached = 0 AND expires_at > ?3",
                params![user.id, key, now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((id, old_length, old_meta)) = earlier {
            if old_length != length_i || old_meta != raw_meta {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    pt::IDEMPOTENCY_CONFLICT,
                    "Idempotency-Key was used for another upload (a different Upload-Length or Upload-Metadata)",
                ));
            }
            // The same creation again (its answer was lost): the upload it made.
            return creation_answer(&st, &user, &headers, body, &id, true).await;
        }
    }
    {
        // Quota: uploads not yet part of a report, per user (count and declared bytes).
        let (count, bytes, first_expiry): (i64, i64, Option<i64>) = st.conn().query_row(
            "SELECT COUNT(*), COALESCE(SUM(length), 0), MIN(expires_at) FROM uploads WHERE owner_id = ?1 AND attached = 0 AND expires_at > ?2",
            params![user.id, now],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let over_count = count >= st.settings.max_unfinished_uploads as i64;
        let over_bytes = (bytes as u64)
            .checked_add(length)
            .is_none_or(|b| b > st.settings.max_unfinished_bytes);
        if over_count || over_bytes {
            let wait = first_expiry
                .map(|e| ((e - now) / 1000).max(1) as u64)
                .unwrap_or(60);
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                pt::RATE_LIMITED,
                format!(
                    "too many unfinished uploads ({count} holding {bytes} bytes; at most {} and {} bytes): finish, attach or delete some",
                    st.settings.max_unfinished_uploads, st.settings.max_unfinished_bytes
                ),
            );
            e.retry_after_s = Some(wait);
            return Err(e.with_header("x-upload-quota", if over_count { "count" } else { "bytes" }));
        }
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let expires = now + st.settings.upload_expiry_ms;
    // The empty file and its directory entry are on disk before the upload exists.
    let f = tokio::fs::File::create(st.upload_path(&id)).await?;
    f.sync_all().await?;
    drop(f);
    sync_dir(st.data_dir.join("uploads")).await?;
    // An expired upload's key is free again (its row may wait for the sweep).
    if let Some(key) = &key {
        st.conn().execute(
            "UPDATE uploads SET creation_key = NULL WHERE owner_id = ?1 AND creation_key = ?2",
            params![user.id, key],
        )?;
    }
    let inserted = st.conn().execute(
        "INSERT INTO uploads(id, owner_id, length, offset, metadata, filetype, created_at, expires_at, creation_key) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8)",
        params![id, user.id, length_i, raw_meta, filetype, now, expires, key],
    );
    if let Err(rusqlite::Error::SqliteFailure(e, _)) = &inserted {
        if e.code == rusqlite::ErrorCode::ConstraintViolation {
            // The same key in two creation requests at once: one made the upload.
            let _ = tokio::fs::remove_file(st.upload_path(&id)).await;
            return Err(ApiError::conflict(
                pt::IDEMPOTENCY_CONFLICT,
                "an upload with this Idempotency-Key is being created; send the request again",
            ));
        }
    }
    inserted?;
    creation_answer(&st, &user, &headers, body, &id, false).await
}

/// `Idempotency-Key` of a creation request: 1–255 printable ASCII characters, bare (as the
/// app's other requests send their keys) or as a structured-field string in double quotes
/// (draft-ietf-httpapi-idempotency-key-header), no escapes.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let bad = || ApiError::bad_request("Idempotency-Key must be 1 to 255 printable characters");
    let s = v.to_str().map_err(|_| bad())?.trim();
    let inner = match s.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"').ok_or_else(bad)?,
        None => s,
    };
    if inner.is_empty()
        || inner.len() > 255
        || !inner
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        return Err(bad());
    }
    Ok(Some(inner.to_string()))
}

/// 201 to a creation of upload `id`: its `Location` and expiry, having taken the bytes sent
/// along while the upload is empty. `Upload-Offset` says what the server holds when bytes came
/// along or the creation was `replayed` (sent again with its `Idempotency-Key`: the client goes
/// on from there, and bytes it sent again are not taken twice).
async fn creation_answer(
    st: &AppState,
    user: &AuthUser,
    headers: &HeaderMap,
    body: Body,
    id: &str,
    replayed: bool,
) -> ApiResult<Response> {
    let location = format!("{}/files/{id}", public_base(&st.base, headers));
    let with_data = headers.get("content-type").and_then(|v| v.to_str().ok())
        == Some(OFFSET_STREAM)
        && body.size_hint().upper() != Some(0);
    let (up, offset) = if with_data || replayed {
        let lease = lease(st, id).await?;
        let up = load(st, id, user)?;
        let offset = if with_data && up.offset == 0 {
            Some(
                write_chunk(st, id, &up, 0, headers, body, &lease)
                    .await
                    .map_err(|e| e.with_header("location", location.clone()))?,
            )
        } else {
            replayed.then_some(up.offset)
        };
        (up, offset)
    } else {
        (load(st, id, user)?, None)
    };
    if replayed {
        tracing::info!(upload = %id, ?offset, "tus creation replayed (Idempotency-Key)");
    }
    let mut r = StatusCode::CREATED.into_response();
    base_headers(&mut r);
    let h = r.headers_mut();
    h.insert(
        "location",
        HeaderValue::from_str(&location).map_err(ApiError::internal)?,
    );
    h.insert(
        "upload-expires",
        HeaderValue::from_str(&http_date(up.expires_at)).map_err(ApiError::internal)?,
    );
    if let Some(o) = offset {
        h.insert("upload-offset", HeaderValue::from(o));
    }
    Ok(r)
}

/// HEAD /files/{id}: where to resume.
pub async fn head_upload(
    State(st): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let res = async {
        check_version(&headers)?;
        // Owner first: nobody else's request may preempt (or even wait on) this upload.
        load(&st, &id, &user)?;
        // Let a PATCH whose client vanished commit and step aside first.
        drop(lease(&st, &id).await?);
        let up = load(&st, &id, &user)?;
        let mut r = StatusCode::OK.into_response();
        base_headers(&mut r);
        let h = r.headers_mut();
        h.insert("upload-offset", HeaderValue::from(up.offset));
        h.insert("upload-length", HeaderValue::from(up.length));
        if !up.metadata.is_empty() {
            if let Ok(v) = HeaderValue::from_str(&up.metadata) {
                h.insert("upload-metadata", v);
            }
        }
        if !up.attached {
            h.insert(
                "upload-expires",
                HeaderValue::from_str(&http_date(up.expires_at)).map_err(ApiError::internal)?,
            );
        }
        Ok::<_, ApiError>(r)
    }
    .await;
    res.unwrap_or_else(|e| tus_err(e).into_response())
}

/// PATCH /files/{id}: append bytes at exactly the current offset.
pub async fn patch(
    State(st): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let res = async {
        check_version(&headers)?;
        if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some(OFFSET_STREAM) {
            return Err(ApiError::unsupported_media(format!(
                "PATCH needs Content-Type: {OFFSET_STREAM}"
            )));
        }
        let Some(offset) = header_u64(&headers, "upload-offset")? else {
            return Err(ApiError::bad_request("Upload-Offset required"));
        };
        load(&st, &id, &user)?;
        let lease = lease(&st, &id).await?;
        let up = load(&st, &id, &user)?;
        if offset != up.offset {
            return Err(ApiError::conflict(
                pt::UPLOAD_OFFSET_MISMATCH,
                format!("upload is at offset {}, not {offset}", up.offset),
            )
            .with_header("upload-offset", up.offset.to_string()));
        }
        let new_offset = write_chunk(&st, &id, &up, offset, &headers, body, &lease).await?;
        let mut r = StatusCode::NO_CONTENT.into_response();
        base_headers(&mut r);
        r.headers_mut()
            .insert("upload-offset", HeaderValue::from(new_offset));
        if !up.attached {
            r.headers_mut().insert(
                "upload-expires",
                HeaderValue::from_str(&http_date(up.expires_at)).map_err(ApiError::internal)?,
            );
        }
        Ok(r)
    }
    .await;
    res.unwrap_or_else(|e| tus_err(e).into_response())
}

/// DELETE /files/{id}: termination. An upload already attached to a report stays.
pub async fn terminate(
    State(st): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let res = async {
        check_version(&headers)?;
        load(&st, &id, &user)?;
        let _lease = lease(&st, &id).await?;
        let up = load(&st, &id, &user)?;
        if up.attached {
            return Err(ApiError::conflict(
                pt::INVALID_TRANSITION,
                "this file belongs to a report and cannot be deleted",
            ));
        }
        st.conn()
            .execute("DELETE FROM uploads WHERE id = ?1", [&id])?;
        remove_upload_file(&st, &id).await;
        let mut r = StatusCode::NO_CONTENT.into_response();
        base_headers(&mut r);
        Ok(r)
    }
    .await;
    res.unwrap_or_else(|e| tus_err(e).into_response())
}

fn parse_checksum(h: &HeaderMap) -> ApiResult<Option<Vec<u8>>> {
    let Some(v) = h.get("upload-checksum") else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .map_err(|_| ApiError::bad_request("bad Upload-Checksum"))?;
    let (algo, b64) = s
        .trim()
        .split_once(' ')
        .ok_or_else(|| ApiError::bad_request("Upload-Checksum: <algorithm> <base64>"))?;
    if !algo.eq_ignore_ascii_case("sha1") {
        return Err(ApiError::bad_request(format!(
            "checksum algorithm {algo} not supported; use sha1"
        )));
    }
    let d = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| ApiError::bad_request("Upload-Checksum value is not base64"))?;
    Ok(Some(d))
}

/// Stream the body into the file at `offset`. Without a checksum, whatever arrived before
/// the client vanished is kept; with one, the chunk is all or nothing.
async fn write_chunk(
    st: &AppState,
    id: &str,
    up: &Upload,
    offset: u64,
    headers: &HeaderMap,
    mut body: Body,
    lease: &Lease,
) -> ApiResult<u64> {
    let checksum = parse_checksum(headers)?;
    if up.offset >= up.length {
        return Err(
            ApiError::conflict(pt::UPLOAD_OFFSET_MISMATCH, "upload already complete")
                .with_header("upload-offset", up.offset.to_string()),
        );
    }
    if let Some(cl) = header_u64(headers, "content-length")? {
        if offset.checked_add(cl).is_none_or(|end| end > up.length) {
            return Err(ApiError::too_large(format!(
                "chunk would exceed Upload-Length {}",
                up.length
            )));
        }
    }
    let path = st.upload_path(id);
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .await?;
    file.set_len(offset).await?; // drop any uncommitted tail of an earlier broken PATCH
    file.seek(std::io::SeekFrom::Start(offset)).await?;
    let mut sha1 = Sha1::new();
    let mut received: u64 = 0;
    let mut failure: Option<ApiError> = None;
    let mut interrupted = false;
    loop {
        let frame = tokio::select! {
            f = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)) => f,
            _ = lease.cancel.notified() => { interrupted = true; break; }
            _ = tokio::time::sleep(Duration::from_secs(60)) => { interrupted = true; break; }
        };
        match frame {
            None => break,
            Some(Err(_)) => {
                interrupted = true;
                break;
            }
            Some(Ok(f)) => {
                let Ok(data) = f.into_data() else { continue };
                let end = offset
                    .checked_add(received)
                    .and_then(|x| x.checked_add(data.len() as u64));
                if end.is_none_or(|end| end > up.length) {
                    failure = Some(ApiError::too_large(format!(
                        "chunk exceeds Upload-Length {}",
                        up.length
                    )));
                    break;
                }
                file.write_all(&data).await?;
                sha1.update(&data);
                received += data.len() as u64;
            }
        }
    }
    let mut keep = received;
    if failure.is_some() || (checksum.is_some() && interrupted) {
        keep = 0;
    } else if let Some(want) = &checksum {
        if sha1.finalize().as_slice() != want.as_slice() {
            keep = 0;
            failure = Some(ApiError::new(
                StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST),
                pt::CHECKSUM_MISMATCH,
                "sha1 of the chunk does not match Upload-Checksum",
            ));
        }
    }
    let new_offset = offset
        .checked_add(keep)
        .ok_or_else(|| ApiError::internal("offset overflow"))?;
    file.set_len(new_offset).await?;
    file.sync_data().await?;
    drop(file);

    // The claimed media type is checked as soon as enough bytes are here to tell.
    let sniff_at = (media_check::SNIFF_LEN as u64).min(up.length);
    if offset < sniff_at && new_offset >= sniff_at {
        let head = read_head(&path).await?;
        if !media_check::matches(&up.filetype, &head) {
            st.conn()
                .execute("DELETE FROM uploads WHERE id = ?1", [id])?;
            remove_upload_file(st, id).await;
            return Err(ApiError::unsupported_media(format!(
                "the bytes are not {} (found {}); upload removed",
                up.filetype,
                media_check::sniff(&head).unwrap_or("an unknown format")
            )));
        }
    }
    let (sha256, served, meta) = if new_offset == up.length && keep > 0 {
        let (p, ft) = (path.clone(), up.filetype.clone());
        match tokio::task::spawn_blocking(move || finish_file(&p, &ft))
            .await
            .map_err(ApiError::internal)??
        {
            Ok((sha, served, meta)) => (Some(sha), served, meta),
            Err(why) => {
                st.conn()
                    .execute("DELETE FROM uploads WHERE id = ?1", [id])?;
                remove_upload_file(st, id).await;
                return Err(ApiError::unsupported_media(format!(
                    "{why}; upload removed"
                )));
            }
        }
    } else {
        (None, None, PhotoMeta::default())
    };
    st.conn().execute(
        "UPDATE uploads SET offset = ?2, sha256 = COALESCE(?3, sha256), served_sha256 = COALESCE(?4, served_sha256),
           served_size = COALESCE(?5, served_size), photo_lat = COALESCE(?6, photo_lat), photo_lon = COALESCE(?7, photo_lon),
           photo_taken_at = COALESCE(?8, photo_taken_at) WHERE id = ?1",
        params![id, i64::try_from(new_offset).map_err(ApiError::internal)?, sha256, served.as_ref().map(|s| s.0.clone()), served.map(|s| s.1 as i64),
            meta.position.map(|p| p.0), meta.position.map(|p| p.1), meta.taken_at.map(|t| t.timestamp_millis())],
    )?;
    if let Some(e) = failure {
        return Err(e.with_header("upload-offset", new_offset.to_string()));
    }
    Ok(new_offset)
}

async fn read_head(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut f = tokio::fs::File::open(path).await?;
    let mut buf = vec![0u8; media_check::SNIFF_LEN];
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(&mut buf[n..]).await?;
        if k == 0 {
            break;
        }
        n += k;
    }
    buf.truncate(n);
    Ok(buf)
}

fn file_sha256(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Remove expired uploads that no report uses, row and file together. An upload that a
/// request is using right now (leased) is left for the next sweep; the sweep itself holds
/// the lease while removing, so no request can start on a half-removed upload.
pub async fn expire_loop(st: AppState) {
    let every = Duration::from_millis((st.settings.upload_expiry_ms / 2).clamp(100, 30_000) as u64);
    loop {
        tokio::time::sleep(every).await;
        sweep_expired(&st).await;
    }
}

pub async fn sweep_expired(st: &AppState) -> usize {
    let ids: Vec<String> = {
        let conn = st.conn();
        let res = conn
            .prepare("SELECT id FROM uploads WHERE attached = 0 AND expires_at <= ?1 LIMIT 1000")
            .and_then(|mut s| s.query_map([now_ms()], |r| r.get(0))?.collect());
        res.unwrap_or_default()
    };
    let mut removed = remove_strays(st).await;
    for id in ids {
        let Some(_lease) = try_lease(st, &id) else {
            continue;
        };
        let gone = st
            .conn()
            .execute(
                "DELETE FROM uploads WHERE id = ?1 AND attached = 0 AND expires_at <= ?2",
                params![id, now_ms()],
            )
            .unwrap_or(0);
        if gone > 0 {
            remove_upload_file(st, &id).await;
            removed += 1;
        }
    }
    removed
}

/// Files in the uploads directory that no upload row names (a crash between creating the
/// file and inserting its row, or a temporary file of metadata stripping), once they are
/// older than [`STRAY_AGE`] so a creation in progress is never touched.
pub const STRAY_AGE: Duration = Duration::from_secs(600);

async fn remove_strays(st: &AppState) -> usize {
    let dir = st.data_dir.join("uploads");
    let Ok(mut rd) = tokio::fs::read_dir(&dir).await else {
        return 0;
    };
    let mut removed = 0;
    let mut seen = 0;
    while let Ok(Some(e)) = rd.next_entry().await {
        seen += 1;
        if seen > 100_000 {
            break;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let old = e
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|a| a >= STRAY_AGE);
        if !old {
            continue;
        }
        let id = name.strip_suffix(".clean").unwrap_or(&name);
        let known = name == id
            && st
                .conn()
                .query_row("SELECT 1 FROM uploads WHERE id = ?1", [id], |_| Ok(()))
                .optional()
                .ok()
                .flatten()
                .is_some();
        if !known
            && !st
                .busy_uploads
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains_key(id)
            && tokio::fs::remove_file(e.path()).await.is_ok()
        {
            removed += 1;
        }
    }
    if removed > 0 {
        let _ = sync_dir(dir).await;
        tracing::info!(removed, "stray upload files removed");
    }
    removed
}

/// The lease of an upload nobody is using, without waiting or preempting.
fn try_lease(st: &AppState, id: &str) -> Option<Lease> {
    let mut busy = st.busy_uploads.lock().unwrap_or_else(|p| p.into_inner());
    if busy.contains_key(id) {
        return None;
    }
    let cancel = Arc::new(Notify::new());
    busy.insert(id.to_string(), cancel.clone());
    Some(Lease {
        st: st.clone(),
        id: id.to_string(),
        cancel,
    })
}

async fn remove_upload_file(st: &AppState, id: &str) {
    if tokio::fs::remove_file(st.upload_path(id)).await.is_ok() {
        let _ = sync_dir(st.data_dir.join("uploads")).await;
    }
}

async fn sync_dir(dir: std::path::PathBuf) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || std::fs::File::open(&dir)?.sync_all())
        .await
        .map_err(std::io::Error::other)?
}

/// A complete upload: its SHA-256 as received (what the client checks), then checked by
/// parsing, then (photos) rewritten without metadata, durably; returns the received hash
/// and, when the file changed, the served hash and size. `Ok(Err(why))`: not what it claims.
#[allow(clippy::type_complexity)]
fn finish_file(
    path: &std::path::Path,
    filetype: &str,
) -> std::io::Result<Result<(String, Option<(String, u64)>, PhotoMeta), String>> {
    let received = file_sha256(path)?;
    if let Err(why) = media_check::validate(path, filetype) {
        return Ok(Err(why));
    }
    if !filetype.starts_with("image/") {
        return Ok(Ok((received, None, PhotoMeta::default())));
    }
    let bytes = std::fs::read(path)?;
    // Where and when the photo was taken, kept before stripping (verified closure).
    let meta = crate::photo_meta::read(&bytes);
    let clean = match crate::strip::strip(filetype, &bytes) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(Ok((received, None, meta))),
        Err(why) => return Ok(Err(why)),
    };
    let tmp = path.with_extension("clean");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&clean)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(Ok((
        received,
        Some((hex::encode(Sha256::digest(&clean)), clean.len() as u64)),
        meta,
    )))
}

#[allow(clippy::type_complexity)]
/// An upload referenced by a report or answer: the caller's, complete, of the claimed type
/// and checksum, and not used elsewhere. Returns (id, size, sha256) of the file as served
/// (a photo without its metadata).
pub fn resolve_for_attach(
    conn: &rusqlite::Connection,
    owner: &AuthUser,
    upload_url: &str,
    sha256: &str,
    mime: &str,
) -> Result<(String, u64, String), String> {
    let id = upload_url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("not an upload URL of this server".into());
    }
    let row: Option<(String, i64, i64, String, Option<String>, i64, i64, Option<String>, Option<i64>)> = conn
        .query_row(
            "SELECT owner_id, length, offset, filetype, sha256, attached, expires_at, served_sha256, served_size FROM uploads WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    let Some((owner_id, length, offset, filetype, sum, attached, expires, served_sha, served_size)) =
        row.filter(|r| r.0 == owner.id)
    else {
        return Err("no such upload".into());
    };
    let _ = owner_id;
    if attached != 0 {
        return Err("upload already attached to a report".into());
    }
    if expires <= now_ms() {
        return Err("upload expired".into());
    }
    if offset != length {
        return Err(format!("upload incomplete ({offset} of {length} bytes)"));
    }
    if !sum
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(sha256))
    {
        return Err("sha256 does not match the uploaded bytes".into());
    }
    if !filetype.eq_ignore_ascii_case(mime) {
        return Err(format!("mime {mime} differs from the upload's {filetype}"));
    }
    let served_sha = served_sha.or(sum).unwrap_or_default();
    Ok((
        id.to_string(),
        served_size.unwrap_or(length) as u64,
        served_sha,
    ))
}
