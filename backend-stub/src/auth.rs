//! Phone + OTP login, rotating refresh tokens, bearer-token extraction, push tokens.
//! Tokens are random and stored only as SHA-256 hashes.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use phananh_wire::{
    problem_types as pt, ConsentRecord, DataExport, OtpRequest, OtpRequested, OtpVerify,
    PushTokenRegistration, RefreshRequest, Role, TokenPair, UserInfo,
};
use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::extract::Json;
use crate::limits::Peer;
use crate::problem::{ApiError, ApiResult};
use crate::{ms_to_dt, now_ms, parse_role, AppState};

pub const OTP_TTL_S: u32 = 300;
pub const OTP_MAX_ATTEMPTS: u32 = 5;

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
        self.is_staff()
            && matches!(self.unit_code.as_deref(), Some(u) if u == unit_code || u == crate::IOC)
    }
}

/// `0912345678`, `84912345678`, `+84 912 345 678` → `+84912345678`; None if not a VN mobile.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
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
    Ok(AuthUser {
        id,
        phone: phone.into(),
        display_name: None,
        role: Role::Resident,
        unit_code: None,
    })
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

/// A new token pair for a new sign-in (a new family).
pub fn issue_tokens(st: &AppState, conn: &Connection, u: &AuthUser) -> ApiResult<TokenPair> {
    issue_in_family(st, conn, u, &uuid::Uuid::now_v7().to_string(), 0)
}

/// A token pair of generation `gen` in `family`.
fn issue_in_family(
    st: &AppState,
    conn: &Connection,
    u: &AuthUser,
    family: &str,
    gen: i64,
) -> ApiResult<TokenPair> {
    let now = now_ms();
    conn.execute(
        "DELETE FROM tokens WHERE user_id = ?1 AND expires_at < ?2",
        params![u.id, now - 86_400_000],
    )?;
    let access = random_token();
    let refresh = random_token();
    let a_exp = now + st.settings.access_ttl_ms;
    let r_exp = now + st.settings.refresh_ttl_ms;
    let ins = "INSERT INTO tokens(hash, user_id, kind, expires_at, family, gen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    conn.execute(
        ins,
        params![hash(&access), u.id, "access", a_exp, family, gen],
    )?;
    conn.execute(
        ins,
        params![hash(&refresh), u.id, "refresh", r_exp, family, gen],
    )?;
    Ok(TokenPair {
        access_token: access,
        access_expires_at: ms_to_dt(a_exp),
        refresh_token: refresh,
        refresh_expires_at: ms_to_dt(r_exp),
        token_type: "Bearer".into(),
        user: user_info(st, u),
    })
}

/// Keystream for the successor pair kept under a used refresh token: SHA-256 in counter mode
/// over the token itself (256 random bits), so the database alone (which holds only the
/// token's hash) cannot read it. Encrypting and decrypting are the same XOR.
fn successor_cipher(refresh_token: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, chunk) in data.chunks(32).enumerate() {
        let mut h = Sha256::new();
        h.update(b"phananh-stub refresh successor v1\0");
        h.update(refresh_token.as_bytes());
        h.update((i as u64).to_le_bytes());
        let ks = h.finalize();
        out.extend(chunk.iter().zip(ks.iter()).map(|(d, k)| d ^ k));
    }
    out
}

/// Delete every token of a family and the push tokens registered under it.
fn revoke_family(conn: &Connection, family: &str) -> ApiResult<usize> {
    let n = conn.execute("DELETE FROM tokens WHERE family = ?1", [family])?;
    conn.execute("DELETE FROM push_tokens WHERE family = ?1", [family])?;
    Ok(n)
}

fn bearer(parts: &Parts) -> Option<Result<&str, ApiError>> {
    let v = parts.headers.get(header::AUTHORIZATION)?;
    let s = match v.to_str() {
        Ok(s) => s,
        Err(_) => {
            return Some(Err(ApiError::unauthorized(
                "malformed Authorization header",
            )))
        }
    };
    match s.split_once(' ') {
        Some((scheme, tok)) if scheme.eq_ignore_ascii_case("bearer") && !tok.trim().is_empty() => {
            Some(Ok(tok.trim()))
        }
        _ => Some(Err(ApiError::unauthorized(
            "expected Authorization: Bearer <token>",
        ))),
    }
}

fn authenticate(st: &AppState, token: &str) -> ApiResult<AuthUser> {
    authenticate_session(st, token).map(|(u, _)| u)
}

/// The user and the token family behind an access token; marks the token used (a refresh
/// token whose successor was used can no longer be replayed in its grace period).
fn authenticate_session(st: &AppState, token: &str) -> ApiResult<(AuthUser, String)> {
    let conn = st.conn();
    let q = format!(
        "SELECT {USER_COLS}, t.expires_at, t.family, t.used_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1 AND t.kind = 'access'"
    );
    let h = hash(token);
    let row = conn
        .query_row(&q, [&h], |r| {
            Ok((
                user_row(r)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ))
        })
        .optional()?;
    match row {
        None => Err(ApiError::unauthorized("unknown access token")),
        Some((_, exp, _, _)) if exp <= now_ms() => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            pt::TOKEN_EXPIRED,
            "access token expired; refresh it",
        )),
        Some((u, _, family, used_at)) => {
            if used_at.is_none() {
                conn.execute(
                    "UPDATE tokens SET used_at = ?2 WHERE hash = ?1",
                    params![h, now_ms()],
                )?;
            }
            let family = family.unwrap_or_else(|| format!("legacy:{}", u.id));
            Ok((u, family))
        }
    }
}

/// The user behind a valid, unexpired access token (the rate limiter's key).
pub fn token_user_id(st: &AppState, token: &str) -> Option<String> {
    let conn = st.conn();
    conn.query_row(
        "SELECT user_id FROM tokens WHERE hash = ?1 AND kind = 'access' AND expires_at > ?2",
        params![hash(token), now_ms()],
        |r| r.get(0),
    )
    .optional()
    .ok()
    .flatten()
}

/// The bearer token of a request, if it carries a well-formed one.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let s = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, tok) = s.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !tok.trim().is_empty()).then(|| tok.trim())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        match bearer(parts) {
            None => Err(ApiError::unauthorized(
                "sign in first (Authorization: Bearer <token>)",
            )),
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

const HOUR_MS: i64 = 3_600_000;

/// What an OTP is stored as: SHA-256 over the process's pepper, the phone and the code.
fn otp_hash(st: &AppState, phone: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(st.otp_pepper);
    h.update(phone.as_bytes());
    h.update(b":");
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

/// Equal in time independent of where the inputs first differ.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The first of these budgets (key, limit, label) that is spent, with the seconds until
/// its window ends.
fn spent_budget(
    st: &AppState,
    budgets: &[(String, u32, &'static str)],
    now: i64,
) -> Option<(&'static str, u64)> {
    let map = st.otp_budget.lock().unwrap_or_else(|p| p.into_inner());
    budgets
        .iter()
        .find_map(|(key, limit, label)| match map.get(key) {
            Some((start, n)) if now - start < HOUR_MS && *n >= *limit => {
                Some((*label, ((start + HOUR_MS - now) / 1000).max(1) as u64))
            }
            _ => None,
        })
}

fn spend_budgets(st: &AppState, budgets: &[(String, u32, &'static str)], now: i64) {
    let mut map = st.otp_budget.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() > 200_000 {
        map.retain(|_, (start, _)| now - *start < HOUR_MS); // bounded memory
    }
    for (key, _, _) in budgets {
        let e = map.entry(key.clone()).or_insert((now, 0));
        if now - e.0 >= HOUR_MS {
            *e = (now, 0);
        }
        e.1 = e.1.saturating_add(1);
    }
}

fn budget_error(label: &'static str, wait: u64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        pt::RATE_LIMITED,
        format!("too many one-time-code attempts ({label}); retry later"),
    );
    e.retry_after_s = Some(wait);
    e.with_header("x-otp-limit", label)
}

/// Send a one-time code to a phone.
#[utoipa::path(post, path = "/api/v1/auth/otp/request", tag = "auth", request_body = OtpRequest,
    responses((status = 200, body = OtpRequested), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json"),
              (status = 503, description = "no SMS delivery outside dev mode", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn otp_request(
    State(st): State<AppState>,
    peer: Peer,
    Json(req): Json<OtpRequest>,
) -> ApiResult<axum::Json<OtpRequested>> {
    let phone = normalize_phone(&req.phone)
        .ok_or_else(|| ApiError::field("phone", "invalid", "not a Vietnamese mobile number"))?;
    if !st.settings.dev {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            pt::UNAVAILABLE,
            "this stub has no SMS gateway; run it with --dev",
        ));
    }
    let now = now_ms();
    let addr_budget = [(
        format!("sa:{}", peer.key()),
        st.settings.otp.sends_per_addr,
        "per-address",
    )];
    if let Some((label, wait)) = spent_budget(&st, &addr_budget, now) {
        return Err(budget_error(label, wait));
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    {
        let conn = st.conn();
        let prev: Option<(i64, i64)> = conn
            .query_row(
                "SELECT window_start, sent_in_window FROM otps WHERE phone = ?1",
                [&phone],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (window_start, sent) = match prev {
            Some((ws, n)) if now - ws < HOUR_MS => (ws, n),
            _ => (now, 0),
        };
        if sent >= st.settings.otp.sends_per_phone as i64 {
            let wait = ((window_start + HOUR_MS - now) / 1000).max(1) as u64;
            return Err(ApiError::rate_limited(wait).with_header("x-otp-limit", "per-phone"));
        }
        conn.execute(
            "INSERT INTO otps(phone, code, expires_at, attempts, window_start, sent_in_window) VALUES (?1, ?2, ?3, 0, ?4, ?5)
             ON CONFLICT(phone) DO UPDATE SET code = excluded.code, expires_at = excluded.expires_at, attempts = 0,
               window_start = excluded.window_start, sent_in_window = excluded.sent_in_window",
            params![phone, otp_hash(&st, &phone, &code), now + OTP_TTL_S as i64 * 1000, window_start, sent + 1],
        )?;
    }
    spend_budgets(&st, &addr_budget, now);
    tracing::info!(phone = %mask(&phone), "dev OTP {code} for {}", mask(&phone));
    st.dev_otps
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(phone.clone(), code);
    Ok(axum::Json(OtpRequested {
        phone,
        expires_in_s: OTP_TTL_S,
        max_attempts: OTP_MAX_ATTEMPTS,
    }))
}

/// Exchange phone + code for tokens. Wrong codes spend three budgets (this phone, this
/// address, everyone); while one is spent every verify it covers answers 429, right code or
/// not, so guessing is bounded per phone, per address and overall.
#[utoipa::path(post, path = "/api/v1/auth/otp/verify", tag = "auth", request_body = OtpVerify,
    responses((status = 200, body = TokenPair), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn otp_verify(
    State(st): State<AppState>,
    peer: Peer,
    Json(req): Json<OtpVerify>,
) -> ApiResult<axum::Json<TokenPair>> {
    let phone = normalize_phone(&req.phone)
        .ok_or_else(|| ApiError::field("phone", "invalid", "not a Vietnamese mobile number"))?;
    let now = now_ms();
    let lim = st.settings.otp;
    let budgets = [
        (format!("vp:{phone}"), lim.fails_per_phone, "per-phone"),
        (
            format!("va:{}", peer.key()),
            lim.fails_per_addr,
            "per-address",
        ),
        ("vg".to_string(), lim.fails_global, "global"),
    ];
    if let Some((label, wait)) = spent_budget(&st, &budgets, now) {
        return Err(budget_error(label, wait));
    }
    let conn = st.conn();
    let row: Option<(String, i64, i64)> = conn
        .query_row(
            "SELECT code, expires_at, attempts FROM otps WHERE phone = ?1",
            [&phone],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let invalid = |d: String| ApiError::new(StatusCode::UNAUTHORIZED, pt::OTP_INVALID, d);
    let Some((stored, exp, attempts)) = row.filter(|(c, _, _)| !c.is_empty()) else {
        spend_budgets(&st, &budgets, now);
        return Err(invalid(
            "no code was requested for this phone; request one".into(),
        ));
    };
    if exp <= now {
        conn.execute("UPDATE otps SET code = '' WHERE phone = ?1", [&phone])?;
        spend_budgets(&st, &budgets, now);
        return Err(invalid("the code expired; request a new one".into()));
    }
    let given = otp_hash(&st, &phone, req.code.trim());
    if !ct_eq(given.as_bytes(), stored.as_bytes()) {
        spend_budgets(&st, &budgets, now);
        let attempts = attempts + 1;
        if attempts >= OTP_MAX_ATTEMPTS as i64 {
            conn.execute(
                "UPDATE otps SET code = '', attempts = ?2 WHERE phone = ?1",
                params![phone, attempts],
            )?;
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                pt::OTP_ATTEMPTS_EXCEEDED,
                "too many wrong codes; request a new one",
            ));
        }
        conn.execute(
            "UPDATE otps SET attempts = ?2 WHERE phone = ?1",
            params![phone, attempts],
        )?;
        return Err(invalid(format!(
            "wrong code; {} attempts left",
            OTP_MAX_ATTEMPTS as i64 - attempts
        )));
    }
    conn.execute("UPDATE otps SET code = '' WHERE phone = ?1", [&phone])?;
    let user = user_for_phone(&conn, &phone)?;
    if let Some(v) = req
        .consent_version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        let v: String = v.chars().take(40).collect();
        conn.execute(
            "INSERT INTO consents(user_id, version, at) VALUES (?1, ?2, ?3)",
            params![user.id, v, now_ms()],
        )?;
    }
    Ok(axum::Json(issue_tokens(&st, &conn, &user)?))
}

/// Rotate a refresh token into a new token pair.
///
/// A refresh whose answer was lost (a cut on 3G) is retried with the same token: within the
/// grace period, and while nothing of the new pair has been used, the same new pair is
/// answered again. Any other use of a spent refresh token is a replay: the whole family
/// (every access and refresh token of that sign-in, and its push tokens) is revoked.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn refresh(
    State(st): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<axum::Json<TokenPair>> {
    let conn = st.conn();
    let h = hash(&req.refresh_token);
    let q = format!(
        "SELECT {USER_COLS}, t.expires_at, t.family, t.gen, t.used_at, t.successor
         FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1 AND t.kind = 'refresh'"
    );
    type Row = (
        AuthUser,
        i64,
        Option<String>,
        i64,
        Option<i64>,
        Option<Vec<u8>>,
    );
    let row: Option<Row> = conn
        .query_row(&q, [&h], |r| {
            Ok((
                user_row(r)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .optional()?;
    let Some((user, exp, family, gen, used_at, successor)) = row else {
        return Err(ApiError::unauthorized(
            "unknown or revoked refresh token; sign in again",
        ));
    };
    let family = family.unwrap_or_else(|| format!("legacy:{}", user.id));
    let now = now_ms();
    if exp <= now {
        conn.execute("DELETE FROM tokens WHERE hash = ?1", [&h])?;
        return Err(ApiError::unauthorized(
            "refresh token expired; sign in again",
        ));
    }
    let Some(used_at) = used_at else {
        let pair = issue_in_family(&st, &conn, &user, &family, gen + 1)?;
        let json = serde_json::to_vec(&pair).map_err(|e| ApiError::internal(e.to_string()))?;
        conn.execute(
            "UPDATE tokens SET used_at = ?2, successor = ?3 WHERE hash = ?1",
            params![h, now, successor_cipher(&req.refresh_token, &json)],
        )?;
        return Ok(axum::Json(pair));
    };
    let successor_used: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM tokens WHERE family = ?1 AND gen > ?2 AND used_at IS NOT NULL)",
        params![family, gen],
        |r| r.get(0),
    )?;
    if now - used_at <= st.settings.refresh_grace_ms && !successor_used {
        if let Some(pair) = successor.and_then(|b| {
            serde_json::from_slice::<TokenPair>(&successor_cipher(&req.refresh_token, &b)).ok()
        }) {
            tracing::info!(user = %user.id, "refresh answer re-delivered within the grace period");
            return Ok(axum::Json(pair));
        }
    }
    let n = revoke_family(&conn, &family)?;
    tracing::warn!(user = %user.id, revoked = n, "spent refresh token presented again: token family revoked");
    Err(ApiError::unauthorized("this refresh token was already used; every session of that sign-in is revoked; sign in again"))
}

/// End this session: every token of the sign-in behind the access token (the refresh token
/// included) and the push tokens registered under it stop working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "signed out"), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn logout(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
) -> ApiResult<StatusCode> {
    let Some(token) = bearer_token(&headers) else {
        return Err(ApiError::unauthorized(
            "sign in first (Authorization: Bearer <token>)",
        ));
    };
    let (_, family) = authenticate_session(&st, token)?;
    revoke_family(&st.conn(), &family)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserInfo), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn me(State(st): State<AppState>, user: AuthUser) -> axum::Json<UserInfo> {
    axum::Json(user_info(&st, &user))
}

/// Everything the server holds about me: my reports as I see them (timelines, my ratings,
/// media references), my consents to the privacy notice, how many push registrations.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = DataExport), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn export(
    State(st): State<AppState>,
    user: AuthUser,
) -> ApiResult<axum::Json<DataExport>> {
    let conn = st.conn();
    let mut s = conn.prepare_cached(&format!(
        "SELECT {} FROM reports WHERE reporter_id = ?1 ORDER BY n",
        crate::views::COLS
    ))?;
    let rows: Vec<crate::views::Row> = s
        .query_map([&user.id], crate::views::row)?
        .collect::<Result<_, _>>()?;
    let reports = rows
        .iter()
        .map(|r| crate::views::build(&st, &conn, r, Some(&user)))
        .collect::<ApiResult<Vec<_>>>()?;
    let mut s =
        conn.prepare_cached("SELECT version, at FROM consents WHERE user_id = ?1 ORDER BY at")?;
    let consents = s
        .query_map([&user.id], |r| {
            Ok(ConsentRecord {
                version: r.get(0)?,
                at: ms_to_dt(r.get(1)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let push: u32 = conn.query_row(
        "SELECT COUNT(*) FROM push_tokens WHERE user_id = ?1",
        [&user.id],
        |r| r.get(0),
    )?;
    Ok(axum::Json(DataExport {
        exported_at: ms_to_dt(now_ms()),
        user: user_info(&st, &user),
        reports,
        consents,
        push_registrations: push,
    }))
}

/// Delete my account: phone and name erased, every session and push token revoked, pending
/// codes dropped. My reports stay public (the province acts on them) without any identity:
/// nobody, staff included, can see who filed them any more. Signing in again with the same
/// phone makes a new, empty account.
#[utoipa::path(delete, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "deleted"), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn delete_account(State(st): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    if user.is_staff() {
        return Err(ApiError::forbidden(
            "staff accounts are closed by the province, not from the app",
        ));
    }
    let conn = st.conn();
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "UPDATE users SET phone = 'deleted:' || id, display_name = NULL, deleted_at = ?2 WHERE id = ?1",
        params![user.id, now_ms()],
    )?;
    tx.execute("DELETE FROM tokens WHERE user_id = ?1", [&user.id])?;
    tx.execute("DELETE FROM push_tokens WHERE user_id = ?1", [&user.id])?;
    // "Me too" links are personal; the reports they supported stay.
    tx.execute("DELETE FROM supporters WHERE user_id = ?1", [&user.id])?;
    tx.execute("DELETE FROM otps WHERE phone = ?1", [&user.phone])?;
    tx.commit()?;
    st.dev_otps
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&user.phone);
    tracing::info!(user = %user.id, "account deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Register (or move to this user) a device push token.
#[utoipa::path(post, path = "/api/v1/push-tokens", tag = "auth", security(("bearer" = [])), request_body = PushTokenRegistration,
    responses((status = 204, description = "registered"), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn push_token(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    Json(req): Json<PushTokenRegistration>,
) -> ApiResult<impl IntoResponse> {
    let Some(token) = bearer_token(&headers) else {
        return Err(ApiError::unauthorized(
            "sign in first (Authorization: Bearer <token>)",
        ));
    };
    let (user, family) = authenticate_session(&st, token)?;
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
        "INSERT INTO push_tokens(platform, token, user_id, device_id, updated_at, family) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(platform, token) DO UPDATE SET user_id = excluded.user_id, device_id = excluded.device_id,
           updated_at = excluded.updated_at, family = excluded.family",
        params![platform, req.token, user.id, req.device_id, now_ms(), family],
    )?;
    Ok(StatusCode::NO_CONTENT)
}
