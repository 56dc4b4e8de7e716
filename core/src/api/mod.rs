//! HTTP client of the backend (DESIGN §4): the app API ([`app`]), Open311 ([`open311`]) and
//! tus resumable uploads ([`tus`]), over one `reqwest` client (rustls, webpki roots).
//!
//! This layer only speaks HTTP and maps answers to [`Error`]s precisely enough for the sync
//! engine to tell transient failures (retry later) from permanent ones (stop that item):
//! transport failures and timeouts are [`Error::Offline`], 429/503 carry their Retry-After in
//! [`Error::RetryLater`], other answers keep their status in [`Error::Server`].

pub mod app;
pub mod auth;
pub mod open311;
pub mod tus;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, AUTHORIZATION, RETRY_AFTER};
use reqwest::{RequestBuilder, Response, StatusCode, Url};

use crate::error::{Error, Result};
pub use auth::{MemorySecretStore, SecretStore, Session};

/// Timeouts of the HTTP layer. Uploads get more time per byte (see [`tus::TusOptions`]).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    /// Whole-request timeout of small JSON calls.
    pub request_timeout: Duration,
    pub user_agent: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            user_agent: format!("phananh-core/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The backend as seen by the app: base URL, HTTP client, session tokens.
pub struct Api {
    http: reqwest::Client,
    base: Url,
    opts: HttpOptions,
    auth: auth::Auth,
    tus_caps: tokio::sync::Mutex<Option<tus::Capabilities>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base.as_str())
            .finish()
    }
}

impl Api {
    /// `base_url` is the tenant's API base; it must be HTTPS unless it is loopback.
    pub fn new(base_url: &str, secrets: Arc<dyn SecretStore>, opts: HttpOptions) -> Result<Api> {
        if !crate::config::is_acceptable_base_url(base_url) {
            return Err(Error::Validation(vec![crate::FieldError::new(
                "api_base_url",
                crate::ValidationReason::Invalid {
                    detail: "must be https (http only for loopback)".into(),
                },
            )]));
        }
        let mut base =
            Url::parse(base_url).map_err(|e| Error::Protocol(format!("base url: {e}")))?;
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .https_only(base.scheme() == "https")
            // Loopback in tests and dev: never route our traffic through a system proxy.
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(30))
            // Redirects only within the API's origin: an upload body or a session never
            // follows a 307 to another host.
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let same = attempt
                    .previous()
                    .first()
                    .is_some_and(|first| first.origin() == attempt.url().origin());
                if same && attempt.previous().len() <= 5 {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            }))
            .build()
            .map_err(|e| Error::Internal(format!("http client: {e}")))?;
        Ok(Api {
            http,
            base,
            opts,
            auth: auth::Auth::new(secrets),
            tus_caps: Default::default(),
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// `path` relative to the base (no leading slash).
    pub fn url(&self, path: &str) -> Result<Url> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::Protocol(format!("url {path}: {e}")))
    }

    /// Send a request built by `make`, with the bearer token when `authed`. On 401 the
    /// session is refreshed once and the request repeated once; a second 401 is
    /// [`Error::Unauthorized`]. Any other status is returned to the caller to interpret.
    pub(crate) async fn send(
        &self,
        authed: bool,
        make: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Response> {
        let token = if authed {
            self.auth.access_token().await?
        } else {
            None
        };
        let resp = self.send_once(&make, token.as_deref()).await?;
        if !(authed && resp.status() == StatusCode::UNAUTHORIZED) {
            return Ok(resp);
        }
        let Some(new_token) = self.auth.refresh_after_401(self, token.as_deref()).await? else {
            return Err(Error::Unauthorized);
        };
        let resp = self.send_once(&make, Some(&new_token)).await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return Err(Error::Unauthorized);
        }
        Ok(resp)
    }

    /// The bearer token goes only to the API's own origin (scheme, host, port): a tus
    /// `Location` or a media URL naming any other place is refused with
    /// [`Error::ForeignOrigin`] before a byte is sent, never sent with our credentials.
    async fn send_once(
        &self,
        make: &impl Fn(&reqwest::Client) -> RequestBuilder,
        token: Option<&str>,
    ) -> Result<Response> {
        let (http, req) = make(&self.http).build_split();
        let mut req = req.map_err(|e| Error::Internal(format!("request: {e}")))?;
        // API calls say who we are; tus requests (the upload's many HEADs and PATCHes) carry
        // only what the protocol needs: ~32 bytes less each on a slow uplink.
        if !req.headers().contains_key("tus-resumable") {
            if let Ok(ua) = reqwest::header::HeaderValue::from_str(&self.opts.user_agent) {
                req.headers_mut().insert(reqwest::header::USER_AGENT, ua);
            }
        }
        if let Some(t) = token {
            if !self.is_own_origin(req.url()) {
                return Err(Error::ForeignOrigin {
                    url: redacted(req.url()),
                });
            }
            let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {t}"))
                .map_err(|_| Error::Internal("access token is not a valid header value".into()))?;
            req.headers_mut().insert(AUTHORIZATION, value);
        }
        http.execute(req).await.map_err(transport_error)
    }

    /// Same scheme, host and port as the API base (the URL parser's origin, so
    /// `http://127.0.0.1:1@evil.example/` is evil.example, and default ports compare equal).
    pub fn is_own_origin(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        self.opts.request_timeout
    }

    pub fn auth(&self) -> &auth::Auth {
        &self.auth
    }
}

/// A URL fit for a log or an error: origin and path, no user info or query.
fn redacted(url: &Url) -> String {
    format!("{}{}", url.origin().ascii_serialization(), url.path())
}

/// A request that never got an HTTP answer: no route, refused, reset, timed out.
pub(crate) fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout(e.without_url().to_string());
    }
    let kind = if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_request() {
        "connection broken"
    } else if e.is_decode() {
        return Error::Offline(format!("response cut short: {e}"));
    } else {
        "transport"
    };
    // `{:#}`-style chain without URLs: they may carry ids, never personal data, but keep logs lean.
    Error::Offline(format!("{kind}: {}", e.without_url()))
}

/// Seconds form of Retry-After (the HTTP-date form is rare on APIs; treated as absent).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    v.parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(3600)))
}

/// Turn a non-success answer into an error, reading a problem+json body when there is one.
pub(crate) async fn status_error(resp: Response) -> Error {
    let status = resp.status();
    let after = retry_after(resp.headers());
    let body = resp.text().await.unwrap_or_default();
    if matches!(status.as_u16(), 400 | 422) {
        if let Some(fields) = problem_fields(&body) {
            return Error::Validation(fields);
        }
    }
    let detail = problem_detail(&body);
    error_for_status(status.as_u16(), after, detail)
}

/// The per-field reasons of a validation problem, named as the shells name the draft's
/// fields (`lat`/`lon` → `location`, `media.1.sha256` → `attachments[1]`).
fn problem_fields(body: &str) -> Option<Vec<crate::FieldError>> {
    use crate::ValidationReason as R;
    let p: phananh_wire::Problem = serde_json::from_str(body).ok()?;
    if p.errors.is_empty() {
        return None;
    }
    let fields = p
        .errors
        .into_iter()
        .map(|e| {
            let field = match e.field.as_str() {
                "lat" | "lon" | "accuracy_m" | "ward_code" | "address" => "location".to_owned(),
                f if f == "media" => "attachments".to_owned(),
                f => match f
                    .strip_prefix("media.")
                    .and_then(|r| r.split('.').next())
                    .and_then(|i| i.parse::<u32>().ok())
                {
                    Some(i) => format!("attachments[{i}]"),
                    None => f.to_owned(),
                },
            };
            let detail = e.detail.clone().unwrap_or_else(|| e.reason.clone());
            let reason = match e.reason.as_str() {
                "required" => R::Required,
                "out_of_range" => R::OutOfRange,
                "unknown" if field == "category" => R::UnknownCategory,
                _ => R::Invalid { detail },
            };
            crate::FieldError::new(field, reason)
        })
        .collect();
    Some(fields)
}

pub(crate) fn error_for_status(status: u16, after: Option<Duration>, detail: String) -> Error {
    match status {
        401 => Error::Unauthorized,
        403 => Error::Forbidden(detail),
        404 | 410 => Error::NotFound {
            what: if detail.is_empty() {
                format!("resource ({status})")
            } else {
                detail
            },
        },
        429 | 503 => Error::RetryLater { status, after },
        _ => Error::Server { status, detail },
    }
}

/// The human part of an RFC 9457 problem document (`detail`, else `title`), or a short
/// prefix of whatever text came back.
fn problem_detail(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        for key in ["detail", "title", "error", "message", "description"] {
            if let Some(s) = v.get(key).and_then(|s| s.as_str()) {
                return s.to_owned();
            }
        }
        if let Some(s) = v
            .get(0)
            .and_then(|e| e.get("description"))
            .and_then(|s| s.as_str())
        {
            return s.to_owned(); // Open311 error array
        }
    }
    body.chars().take(200).collect()
}

/// Read a successful JSON answer, or the error it stands for.
pub(crate) async fn json<T: serde::de::DeserializeOwned>(resp: Response) -> Result<T> {
    if !resp.status().is_success() {
        return Err(status_error(resp).await);
    }
    let bytes = resp.bytes().await.map_err(transport_error)?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Protocol(format!("bad JSON answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_errors_the_sync_engine_can_classify() {
        assert!(matches!(
            error_for_status(401, None, String::new()),
            Error::Unauthorized
        ));
        assert!(matches!(
            error_for_status(403, None, "x".into()),
            Error::Forbidden(_)
        ));
        assert!(
            matches!(error_for_status(429, Some(Duration::from_secs(3)), String::new()),
            Error::RetryLater { status: 429, after: Some(d) } if d == Duration::from_secs(3))
        );
        assert!(matches!(
            error_for_status(500, None, String::new()),
            Error::Server { status: 500, .. }
        ));
        assert!(matches!(
            error_for_status(413, None, String::new()),
            Error::Server { status: 413, .. }
        ));
    }

    #[test]
    fn problem_details_are_extracted() {
        assert_eq!(
            problem_detail(r#"{"type":"x","title":"Bad","detail":"description too short"}"#),
            "description too short"
        );
        assert_eq!(
            problem_detail(r#"[{"code":400,"description":"service_code missing"}]"#),
            "service_code missing"
        );
        assert_eq!(problem_detail("plain"), "plain");
    }

    #[test]
    fn base_url_must_be_https_or_loopback() {
        let s: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
        assert!(Api::new("http://10.1.2.3/api/", s.clone(), HttpOptions::default()).is_err());
        let api = Api::new("http://127.0.0.1:9/api", s, HttpOptions::default()).unwrap();
        assert_eq!(
            api.url("v1/reports").unwrap().as_str(),
            "http://127.0.0.1:9/api/v1/reports"
        );
    }
}
