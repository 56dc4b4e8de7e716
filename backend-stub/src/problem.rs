//! RFC 9457 problem+json errors with the stable `type`s of [`phananh_wire::problem_types`].
//! Every failure of every handler (and of axum's own extractors) ends up here, so a client
//! never has to parse an HTML or plain-text error.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use phananh_wire::{problem_types as pt, FieldProblem, Problem, PROBLEM_JSON};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub type_: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<FieldProblem>,
    pub retry_after_s: Option<u64>,
    /// Extra headers (tus needs `Tus-Version` on 412, `Tus-Resumable` everywhere).
    pub headers: Vec<(&'static str, String)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, type_: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            type_,
            detail: Some(detail.into()),
            errors: vec![],
            retry_after_s: None,
            headers: vec![],
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, pt::BAD_REQUEST, detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, pt::UNAUTHORIZED, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, pt::FORBIDDEN, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, pt::NOT_FOUND, detail)
    }
    pub fn conflict(type_: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, type_, detail)
    }
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, pt::PAYLOAD_TOO_LARGE, detail)
    }
    pub fn unsupported_media(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            pt::UNSUPPORTED_MEDIA_TYPE,
            detail,
        )
    }
    pub fn rate_limited(retry_after_s: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            pt::RATE_LIMITED,
            "too many requests; retry later",
        );
        e.retry_after_s = Some(retry_after_s.max(1));
        e
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        // The detail goes to the log, not to the client.
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            pt::INTERNAL,
            "internal error",
        )
    }
    /// 422 with field errors.
    pub fn validation(errors: Vec<FieldProblem>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            pt::VALIDATION,
            "some fields are invalid",
        );
        e.errors = errors;
        e
    }
    pub fn field(field: impl Into<String>, reason: &str, detail: impl Into<String>) -> Self {
        Self::validation(vec![FieldProblem {
            field: field.into(),
            reason: reason.into(),
            detail: Some(detail.into()),
        }])
    }
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_string()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_: self.type_.to_string(),
            title: title(self.status),
            status: self.status.as_u16(),
            detail: self.detail,
            instance: None,
            errors: self.errors,
            retry_after_s: self.retry_after_s,
        };
        let mut resp = (self.status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(s) = self.retry_after_s {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
        resp
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("sqlite: {e}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        ApiError::internal(format!("io: {e}"))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                pt::VALIDATION,
                e.body_text(),
            ),
            JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::unsupported_media("expected Content-Type: application/json")
            }
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::too_large("request body too large")
            }
            other => ApiError::bad_request(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request(r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::bad_request(r.body_text())
    }
}

impl From<FormRejection> for ApiError {
    fn from(r: FormRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::too_large("request body too large");
        }
        if r.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            return ApiError::unsupported_media("expected application/x-www-form-urlencoded");
        }
        ApiError::bad_request(r.body_text())
    }
}
