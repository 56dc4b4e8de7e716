//! Phone + OTP login, rotating refresh tokens, bearer-token extraction, push tokens.
//! Tokens are random and stored only as SHA-256 hashes.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use phananh_wire::{
    problem_types as pt, OtpRequest, OtpRequested, OtpVerify, PushTokenRegistration, RefreshRequest, Role, TokenPair,
    UserInfo,
};
use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::extract::Json;
use crate::problem::{ApiError, ApiResult};
use crate::{ms_to_dt, now_ms, parse_role, AppState};

pub const OTP_TTL_S: u32 = 300;
pub const OTP_MAX_ATTEMPTS: u32 = 5;
/// OTPs sent to one number per hour.
pub const OTP_PER_HOUR: i64 = 5;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: String,
    pub phone: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub unit_code: Option<String>,
}

impl AuthUser {
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Officer | Role::Leader)
    }
    /// Staff of the IOC act on every case; other staff on their unit's cases only.
    pub fn handles(&self, unit_code: &str) -> bool {
        self.is_staff() && matches!(self.unit_code.as_deref(), Some(u) if u == unit_code || u == crate::IOC)
    }
}

/// `0912345678`, `84912345678`, `+84 912 345 678` → `+84912345678`; None if not a VN mobile.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let s: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let national = if let Some(r) = s.strip_prefix("+84") {
        r
    } else if let Some(r) = s.strip_prefix("84").filter(|r| r.len() == 9) {
        r
    } else {
        s.strip_prefix('0')?
    };
    let ok = national.len() == 9
        && national.bytes().all(|b| b.is_ascii_digit())
        && matches!(national.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9');
    ok.then(|| format!("+84{national}"))
}

fn mask(phone: &str) -> String {
    let n = phone.len();
    if n < 7 {
        return "***".into();
    }
    format!("{}****{}", &phone[..5], &phone[n - 3..])
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuthUser> {
    Ok(AuthUser {
        id: r.get(0)?,
        phone: r.get(1)?,
        display_name: r.get(2)?,
        role: parse_role(&r.get::<_, String>(3)?),
        unit_code: r.get(4)?,
    })
}

const USER_COLS: &str = "u.id, u.phone, u.display_name, u.role, u.unit_code";

/// The user with this phone, created as a resident on first login.
pub fn user_for_phone(conn: &Connection, phone: &str) -> ApiResult<AuthUser> {
    let q = format!("SELECT {USER_COLS} FROM users u WHERE u.phone = ?1");
    if let Some(u) = conn.query_row(&q, [phone], user_row).optional()? {
        return Ok(u);
    }
    let id = uuid::Uuid::now_v7().to_string();
    conn.execute(
        "INSERT INTO users(id, phone, display_name, role, unit_code, created_at) VALUES (?1, ?2, NULL, 'resident', NULL, ?3)",
        params![id, phone, now_ms()],
    )?;
    Ok(AuthUser { id, phone: phone.into(), display_name: None, role: Role::Resident, unit_code: None })
}

pub fn user_info(st: &AppState, u: &AuthUser) -> UserInfo {
    UserInfo {
        id: u.id.clone(),
        phone: u.phone.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        unit: u.unit_code.as_deref().and_then(|c| st.unit_ref(c)),
    }
}

pub fn issue_tokens(st: &AppState, conn: &Connection, u: &AuthUser) -> ApiResult<TokenPair> {
    let now = now_ms();
    conn.execute("DELETE FROM tokens WHERE user_id = ?1 AND expires_at < ?2", params![u.id, now - 86_400_000])?;
    let access = random_token();
    let refresh = random_token();
    let a_exp = now + st.settings.access_ttl_ms;
    let r_exp = now + st.settings.refresh_ttl_ms;
    conn.execute("INSERT INTO tokens(hash, user_id, kind, expires_at) VALUES (?1, ?2, 'access', ?3)", params![hash(&access), u.id, a_exp])?;
    conn.execute("INSERT INTO tokens(hash, user_id, kind, expires_at) VALUES (?1, ?2, 'refresh', ?3)", params![hash(&refresh), u.id, r_exp])?;
    Ok(TokenPair {
        access_token: access,
        access_expires_at: ms_to_dt(a_exp),
        refresh_token: refresh,
        refresh_expires_at: ms_to_dt(r_exp),
        token_type: "Bearer".into(),
        user: user_info(st, u),
    })
}

fn bearer(parts: &Parts) -> Option<Result<&str, ApiError>> {
    let v = parts.headers.get(header::AUTHORIZATION)?;
    let s = match v.to_str() {
        Ok(s) => s,
        Err(_) => return Some(Err(ApiError::unauthorized("malformed Authorization header"))),
    };
    match s.split_once(' ') {
        Some((scheme, tok)) if scheme.eq_ignore_ascii_case("bearer") && !tok.trim().is_empty() => Some(Ok(tok.trim())),
        _ => Some(Err(ApiError::unauthorized("expected Authorization: Bearer <token>"))),
    }
}

fn authenticate(st: &AppState, token: &str) -> ApiResult<AuthUser> {
    let conn = st.conn();
    let q = format!("SELECT {USER_COLS}, t.expires_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1 AND t.kind = 'access'");
    let row = conn.query_row(&q, [hash(token)], |r| Ok((user_row(r)?, r.get::<_, i64>(5)?))).optional()?;
    match row {
        None => Err(ApiError::unauthorized("unknown access token")),
        Some((_, exp)) if exp <= now_ms() => {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, pt::TOKEN_EXPIRED, "access token expired; refresh it"))
        }
        Some((u, _)) => Ok(u),
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        match bearer(parts) {
            None => Err(ApiError::unauthorized("sign in first (Authorization: Bearer <token>)")),
            Some(Err(e)) => Err(e),
            Some(Ok(t)) => authenticate(st, t),
        }
    }
}

/// Public endpoints that show more to a signed-in caller. A bad token is still an error,
/// so a client with an expired token learns it instead of silently seeing less.
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        match bearer(parts) {
            None => Ok(MaybeUser(None)),
            Some(Err(e)) => Err(e),
            Some(Ok(t)) => authenticate(st, t).map(|u| MaybeUser(Some(u))),
        }
    }
}

/// Send a one-time code to a phone.
#[utoipa::path(post, path = "/api/v1/auth/otp/request", tag = "auth", request_body = OtpRequest,
    responses((status = 200, body = OtpRequested), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json"),
              (status = 503, description = "no SMS delivery outside dev mode", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn otp_request(State(st): State<AppState>, Json(req): Json<OtpRequest>) -> ApiResult<axum::Json<OtpRequested>> {
    let phone = normalize_phone(&req.phone)
        .ok_or_else(|| ApiError::field("phone", "invalid", "not a Vietnamese mobile number"))?;
    if !st.settings.dev {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, pt::UNAVAILABLE, "this stub has no SMS gateway; run it with --dev"));
    }
    let now = now_ms();
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    {
        let conn = st.conn();
        let prev: Option<(i64, i64)> = conn
            .query_row("SELECT window_start, sent_in_window FROM otps WHERE phone = ?1", [&phone], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (window_start, sent) = match prev {
            Some((ws, n)) if now - ws < 3_600_000 => (ws, n),
            _ => (now, 0),
        };
        if sent >= OTP_PER_HOUR {
            let wait = ((window_start + 3_600_000 - now) / 1000).max(1) as u64;
            return Err(ApiError::rate_limited(wait).with_header("x-otp-limit", "per-phone"));
        }
        conn.execute(
            "INSERT INTO otps(phone, code, expires_at, attempts, window_start, sent_in_window) VALUES (?1, ?2, ?3, 0, ?4, ?5)
             ON CONFLICT(phone) DO UPDATE SET code = excluded.code, expires_at = excluded.expires_at, attempts = 0,
               window_start = excluded.window_start, sent_in_window = excluded.sent_in_window",
            params![phone, code, now + OTP_TTL_S as i64 * 1000, window_start, sent + 1],
        )?;
    }
    tracing::info!(phone = %mask(&phone), "dev OTP {code} for {}", mask(&phone));
    st.dev_otps.lock().unwrap_or_else(|p| p.into_inner()).insert(phone.clone(), code);
    Ok(axum::Json(OtpRequested { phone, expires_in_s: OTP_TTL_S, max_attempts: OTP_MAX_ATTEMPTS }))
}

/// Exchange phone + code for tokens.
#[utoipa::path(post, path = "/api/v1/auth/otp/verify", tag = "auth", request_body = OtpVerify,
    responses((status = 200, body = TokenPair), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn otp_verify(State(st): State<AppState>, Json(req): Json<OtpVerify>) -> ApiResult<axum::Json<TokenPair>> {
    let phone = normalize_phone(&req.phone)
        .ok_or_else(|| ApiError::field("phone", "invalid", "not a Vietnamese mobile number"))?;
    let conn = st.conn();
    let row: Option<(String, i64, i64)> = conn
        .query_row("SELECT code, expires_at, attempts FROM otps WHERE phone = ?1", [&phone], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let invalid = |d: String| ApiError::new(StatusCode::UNAUTHORIZED, pt::OTP_INVALID, d);
    let Some((code, exp, attempts)) = row.filter(|(c, _, _)| !c.is_empty()) else {
        return Err(invalid("no code was requested for this phone; request one".into()));
    };
    if exp <= now_ms() {
        conn.execute("UPDATE otps SET code = '' WHERE phone = ?1", [&phone])?;
        return Err(invalid("the code expired; request a new one".into()));
    }
    if req.code.trim() != code {
        let attempts = attempts + 1;
        if attempts >= OTP_MAX_ATTEMPTS as i64 {
            conn.execute("UPDATE otps SET code = '', attempts = ?2 WHERE phone = ?1", params![phone, attempts])?;
            return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, pt::OTP_ATTEMPTS_EXCEEDED, "too many wrong codes; request a new one"));
        }
        conn.execute("UPDATE otps SET attempts = ?2 WHERE phone = ?1", params![phone, attempts])?;
        return Err(invalid(format!("wrong code; {} attempts left", OTP_MAX_ATTEMPTS as i64 - attempts)));
    }
    conn.execute("UPDATE otps SET code = '' WHERE phone = ?1", [&phone])?;
    let user = user_for_phone(&conn, &phone)?;
    Ok(axum::Json(issue_tokens(&st, &conn, &user)?))
}

/// Rotate a refresh token into a new token pair.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn refresh(State(st): State<AppState>, Json(req): Json<RefreshRequest>) -> ApiResult<axum::Json<TokenPair>> {
    let conn = st.conn();
    let h = hash(&req.refresh_token);
    let q = format!("SELECT {USER_COLS}, t.expires_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1 AND t.kind = 'refresh'");
    let row = conn.query_row(&q, [&h], |r| Ok((user_row(r)?, r.get::<_, i64>(5)?))).optional()?;
    let Some((user, exp)) = row else {
        return Err(ApiError::unauthorized("unknown or already used refresh token; sign in again"));
    };
    conn.execute("DELETE FROM tokens WHERE hash = ?1", [&h])?;
    if exp <= now_ms() {
        return Err(ApiError::unauthorized("refresh token expired; sign in again"));
    }
    Ok(axum::Json(issue_tokens(&st, &conn, &user)?))
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserInfo), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn me(State(st): State<AppState>, user: AuthUser) -> axum::Json<UserInfo> {
    axum::Json(user_info(&st, &user))
}

/// Register (or move to this user) a device push token.
#[utoipa::path(post, path = "/api/v1/push-tokens", tag = "auth", security(("bearer" = [])), request_body = PushTokenRegistration,
    responses((status = 204, description = "registered"), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn push_token(
    State(st): State<AppState>,
    user: AuthUser,
    Json(req): Json<PushTokenRegistration>,
) -> ApiResult<impl IntoResponse> {
    let mut errs = Vec::new();
    if let Err(e) = crate::limits::check_len("token", &req.token, 1, 4096) {
        errs.push(e);
    }
    if let Some(d) = &req.device_id {
        if let Err(e) = crate::limits::check_len("device_id", d, 1, 200) {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let platform = match req.platform {
        phananh_wire::PushPlatform::Fcm => "fcm",
        phananh_wire::PushPlatform::Apns => "apns",
    };
    st.conn().execute(
        "INSERT INTO push_tokens(platform, token, user_id, device_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(platform, token) DO UPDATE SET user_id = excluded.user_id, device_id = excluded.device_id, updated_at = excluded.updated_at",
        params![platform, req.token, user.id, req.device_id, now_ms()],
    )?;
    Ok(StatusCode::NO_CONTENT)
}
