//! Bounds on what a client may send and how often, plus the dev-only fault injection that
//! sits in the same middleware.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
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
        Self {
            cfg,
            buckets: Mutex::new(HashMap::new()),
        }
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

/// The TCP peer of a request: what a client cannot choose by writing headers. IPv6 peers
/// are keyed by their /64 (one subscriber's whole prefix).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

impl Peer {
    fn of(ext: &axum::http::Extensions) -> Peer {
        Peer(
            ext.get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        )
    }
    pub fn key(&self) -> String {
        match self.0 {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = a.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer::of(&parts.extensions))
    }
}

/// Rate limit, then injected faults. The bucket is the signed-in user's when the request
/// carries a valid access token (many residents share one carrier-grade NAT address), else
/// the peer address's: a made-up `Authorization` or `X-Forwarded-For` header changes nothing.
pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(l) = &st.limiter {
        let user = crate::auth::bearer_token(req.headers())
            .and_then(|t| crate::auth::token_user_id(&st, t));
        let key = match user {
            Some(u) => format!("u:{u}"),
            None => format!("ip:{}", Peer::of(req.extensions()).key()),
        };
        if let Err(wait) = l.take(&key) {
            return ApiError::rate_limited(wait).into_response();
        }
    }
    let f = st.settings.faults;
    let path = req.uri().path();
    if (f.before > 0.0 || f.after > 0.0)
        && (path.starts_with("/api/") || path.starts_with("/files"))
    {
        let (before, after, which) = {
            let mut rng = rand::rng();
            (
                rng.random_bool(f.before.clamp(0.0, 1.0)),
                rng.random_bool(f.after.clamp(0.0, 1.0)),
                rng.random_range(0..3u8),
            )
        };
        if before {
            return match which {
                0 => ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    pt::INTERNAL,
                    "injected fault",
                )
                .into_response(),
                1 => {
                    let mut e = ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        pt::UNAVAILABLE,
                        "injected fault",
                    );
                    e.retry_after_s = Some(1);
                    e.into_response()
                }
                _ => ApiError::rate_limited(1).into_response(),
            };
        }
        let body_bytes = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let resp = next.run(req).await;
        if after {
            use std::sync::atomic::Ordering::Relaxed;
            st.lost_answers.0.fetch_add(1, Relaxed);
            st.lost_answers.1.fetch_add(body_bytes, Relaxed);
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                pt::UNAVAILABLE,
                "injected fault after the work was done",
            );
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
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        pt::METHOD_NOT_ALLOWED,
        "method not allowed on this endpoint",
    )
}

/// Character count (not bytes) within bounds, as a validation error otherwise.
pub fn check_len(
    field: &str,
    s: &str,
    min: usize,
    max: usize,
) -> Result<(), phananh_wire::FieldProblem> {
    let n = s.chars().count();
    let (reason, detail) = if n < min {
        if n == 0 {
            ("required", format!("{field} is required"))
        } else {
            ("too_short", format!("at least {min} characters"))
        }
    } else if n > max {
        ("too_long", format!("at most {max} characters"))
    } else {
        return Ok(());
    };
    Err(phananh_wire::FieldProblem {
        field: field.into(),
        reason: reason.into(),
        detail: Some(detail),
    })
}
