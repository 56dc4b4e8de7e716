//! The OpenAPI 3.1 document, generated from the handlers' annotations and the wire types.
//! tus (`/files/`) and `/media/{id}` are binary protocols described in the `info` text.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{auth, closure, config_api, notices, officer, open311, reports};

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Phản ánh hiện trường — backend stub",
        description = "App API (JSON, bearer tokens), Open311 GeoReport v2 and, outside this \
            document, tus 1.0 uploads at /files/ (creation, creation-with-upload, expiration, \
            termination, checksum sha1; a creation's Idempotency-Key, per account, makes a \
            creation sent again answer with the upload it made and its offset) and media downloads at /media/{id} (a video's poster \
            frame, when the app sent one with the report, at /media/{id}/poster: the media \
            reference's poster_url). Errors are RFC 9457 \
            application/problem+json, except on Open311 paths, which answer the GeoReport v2 \
            error list. Every Open311 path also exists with .xml instead of .json (XML is the \
            GeoReport v2 required format), plus the discovery document at /open311/discovery.xml."
    ),
    modifiers(&Bearer),
    paths(
        auth::otp_request, auth::otp_verify, auth::refresh, auth::logout, auth::me, auth::export, auth::delete_account, auth::push_token,
        reports::create, reports::detail, reports::my_reports, reports::rate, reports::feed,
        closure::answer, closure::join, closure::nearby,
        config_api::config, config_api::boundaries, config_api::units,
        officer::cases, officer::act, officer::reveal,
        notices::list, notices::publish,
        open311::services, open311::service, open311::requests, open311::request,
        open311::post_request, open311::updates,
    )
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn serve() -> Response {
    let body = document().to_json().unwrap_or_default();
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
