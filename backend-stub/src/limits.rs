//! Bounds on what a client may send and how often, plus the dev-only fault injection that
//! sits in the same middleware.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use phananh_wire::problem_types as pt;
use rand::Rng;

use crate::problem::ApiError;
use crate::{AppState, RateLimit};

/// JSON request bodies (a report with 7 media refs and a 2000-char text is ~5 KB).
pub const MAX_JSON_BODY: usize = 64 * 1024;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MIN_DESCRIPTION: usize = 10;
pub const MAX_COMMENT: usize = 1000;
pub const MAX_MESSAGE: usize = 2000;
pub const MAX_ADDRESS: usize = 300;
pub const MAX_ATTRIBUTES: usize = 20;
pub const MAX_MEDIA: usize = 7;
pub const MAX_QUERY_TEXT: usize = 200;
pub const MAX_PAGE: u32 = 200;

pub struct Limiter {
    cfg: RateLimit,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(cfg: RateLimit) -> Self {
        Self { cfg, buckets: Mutex::new(HashMap::new()) }
    }

    /// Take one token for `key`; `Err(seconds)` when the bucket is empty.
    fn take(&self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if b.len() > 100_000 {
            b.clear(); // bounded memory under an address-spraying client
        }
        let burst = self.cfg.burst.max(1) as f64;
        let e = b.entry(key.to_string()).or_insert((burst, now));
        e.0 = (e.0 + now.duration_since(e.1).as_secs_f64() * self.cfg.per_second).min(burst);
        e.1 = now;
        if e.0 >= 1.0 {
            e.0 -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - e.0) / self.cfg.per_second.max(0.001)).ceil() as u64)
        }
    }
}

/// Rate limit (per bearer token, else per client address), then injected faults.
pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(l) = &st.limiter {
        let key = match req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            Some(auth) => format!("t:{}", &auth[..auth.len().min(300)]),
            None => match req.extensions().get::<ConnectInfo<SocketAddr>>() {
                Some(ConnectInfo(a)) => format!("ip:{}", a.ip()),
                None => "ip:?".into(),
            },
        };
        if let Err(wait) = l.take(&key) {
            return ApiError::rate_limited(wait).into_response();
        }
    }
    let f = st.settings.faults;
    let path = req.uri().path();
    if (f.before > 0.0 || f.after > 0.0) && (path.starts_with("/api/") || path.starts_with("/files")) {
        let (before, after, which) = {
            let mut rng = rand::rng();
            (rng.random_bool(f.before.clamp(0.0, 1.0)), rng.random_bool(f.after.clamp(0.0, 1.0)), rng.random_range(0..3u8))
        };
        if before {
            return match which {
                0 => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, pt::INTERNAL, "injected fault").into_response(),
                1 => {
                    let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, pt::UNAVAILABLE, "injected fault");
                    e.retry_after_s = Some(1);
                    e.into_response()
                }
                _ => ApiError::rate_limited(1).into_response(),
            };
        }
        let resp = next.run(req).await;
        if after {
            let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, pt::UNAVAILABLE, "injected fault after the work was done");
            e.retry_after_s = Some(1);
            return e.into_response();
        }
        return resp;
    }
    next.run(req).await
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, pt::METHOD_NOT_ALLOWED, "method not allowed on this endpoint")
}

/// Character count (not bytes) within bounds, as a validation error otherwise.
pub fn check_len(field: &str, s: &str, min: usize, max: usize) -> Result<(), phananh_wire::FieldProblem> {
    let n = s.chars().count();
    let (reason, detail) = if n < min {
        if n == 0 { ("required", format!("{field} is required")) } else { ("too_short", format!("at least {min} characters")) }
    } else if n > max {
        ("too_long", format!("at most {max} characters"))
    } else {
        return Ok(());
    };
    Err(phananh_wire::FieldProblem { field: field.into(), reason: reason.into(), detail: Some(detail) })
}
