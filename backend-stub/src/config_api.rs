//! Tenant config (the contract crate's `TenantConfig`, Hà Tĩnh fixture), the wards GeoJSON and the unit
//! list, each with a strong ETag so clients refresh cheaply.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use phananh_wire::{TenantConfig, UnitInfo};
use sha2::{Digest, Sha256};

use crate::wards::Wards;
use crate::AppState;

pub struct Published {
    /// The tenant config as served (the contract crate's Hà Tĩnh fixture with this server's
    /// URLs and version).
    pub tenant: TenantConfig,
    pub config: Vec<u8>,
    pub config_etag: String,
    pub boundaries_etag: String,
}

fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(bytes))[..32])
}

impl Published {
    pub fn build(base: &str, wards: &Wards) -> Published {
        let mut doc = TenantConfig::ha_tinh();
        doc.api_base_url = format!("{base}/");
        doc.boundaries_url =
            (!wards.wards.is_empty()).then(|| format!("{base}/api/v1/config/boundaries"));
        doc.boundaries_sha256 =
            (!wards.wards.is_empty()).then(|| hex::encode(Sha256::digest(&wards.geojson)));
        doc.version = String::new();
        let v = etag(&serde_json::to_vec(&doc).unwrap_or_default());
        doc.version = v.trim_matches('"').to_string();
        let config = serde_json::to_vec(&doc).unwrap_or_default();
        Published {
            config_etag: v,
            config,
            tenant: doc,
            boundaries_etag: etag(&wards.geojson),
        }
    }
}

fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim() == "*"
                || v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == etag)
        })
}

fn with_etag(
    headers: &HeaderMap,
    etag: &str,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    let mut r = if not_modified(headers, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The tenant configuration. Send `If-None-Match` with the last `ETag` to get 304.
#[utoipa::path(get, path = "/api/v1/config", tag = "config",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the copy the client has")),
    responses((status = 200, body = TenantConfig, headers(("ETag" = String))), (status = 304, description = "unchanged")))]
pub async fn config(State(st): State<AppState>, headers: HeaderMap) -> Response {
    with_etag(
        &headers,
        &st.config.config_etag,
        "application/json",
        st.config.config.clone(),
    )
}

/// The communes/wards as a GeoJSON FeatureCollection (for offline lookup on the device).
#[utoipa::path(get, path = "/api/v1/config/boundaries", tag = "config",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the copy the client has")),
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json", body = Object),
              (status = 304, description = "unchanged"), (status = "4XX", body = phananh_wire::Problem, content_type = "application/problem+json")))]
pub async fn boundaries(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if st.wards.geojson.is_empty() {
        return crate::problem::ApiError::not_found("this server runs without boundaries")
            .into_response();
    }
    with_etag(
        &headers,
        &st.config.boundaries_etag,
        "application/geo+json",
        st.wards.geojson.clone(),
    )
}

pub fn unit_infos(st: &AppState) -> Vec<UnitInfo> {
    st.units
        .iter()
        .map(|(code, u)| UnitInfo {
            code: code.clone(),
            name: u.name.clone(),
            kind: u.kind,
            ward_code: u.ward_code.clone(),
        })
        .collect()
}

/// Handling units: the IOC, provincial departments, commune/ward People's Committees.
#[utoipa::path(get, path = "/api/v1/units", tag = "config", responses((status = 200, body = Vec<UnitInfo>)))]
pub async fn units(State(st): State<AppState>) -> axum::Json<Vec<UnitInfo>> {
    axum::Json(unit_infos(&st))
}
