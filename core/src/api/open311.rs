//! Open311 GeoReport v2 (JSON): the standard surface, so the app can read (and post to)
//! any GeoReport server, not only ours. The app's own flows use the richer app API; this
//! is for services discovery, public lookups and interoperability.

use serde::{Deserialize, Serialize};

use super::{json, Api};
use crate::error::Result;
use phananh_wire::paths;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the service has extra attributes (`GET services/{code}`).
    #[serde(default)]
    pub metadata: bool,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub keywords: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceAttribute {
    pub code: String,
    #[serde(default)]
    pub datatype: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub order: Option<u32>,
    #[serde(default)]
    pub values: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceDefinition {
    pub service_code: String,
    #[serde(default)]
    pub attributes: Vec<ServiceAttribute>,
}

/// A request in the GeoReport shape (`status` is `open`/`closed`; the extended status, when
/// the server gives one, in `extended_status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequest {
    pub service_request_id: String,
    pub status: String,
    #[serde(default)]
    pub extended_status: Option<String>,
    #[serde(default)]
    pub status_notes: Option<String>,
    #[serde(default)]
    pub service_code: Option<String>,
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub agency_responsible: Option<String>,
    #[serde(default)]
    pub requested_datetime: Option<String>,
    #[serde(default)]
    pub updated_datetime: Option<String>,
    #[serde(default)]
    pub expected_datetime: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub long: Option<f64>,
    #[serde(default)]
    pub media_url: Option<String>,
}

/// `POST requests` answer element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestCreated {
    #[serde(default)]
    pub service_request_id: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub service_notice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequestUpdate {
    pub update_id: String,
    pub service_request_id: String,
    pub status: String,
    pub updated_datetime: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub extended_status: Option<String>,
    #[serde(default)]
    pub media_url: Option<String>,
}

/// Form fields of a GeoReport `POST requests`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewServiceRequest {
    pub api_key: String,
    pub service_code: String,
    pub lat: f64,
    pub long: f64,
    pub description: String,
    pub address_string: Option<String>,
    pub media_url: Option<String>,
    pub attributes: Vec<(String, String)>,
}

impl Api {
    pub async fn open311_services(&self) -> Result<Vec<Service>> {
        let url = self.url(paths::OPEN311_SERVICES)?;
        let t = self.request_timeout();
        json(self.send(false, |h| h.get(url.clone()).timeout(t)).await?).await
    }

    pub async fn open311_service(&self, code: &str) -> Result<ServiceDefinition> {
        let url = self.url(&paths::open311_service(code))?;
        let t = self.request_timeout();
        json(self.send(false, |h| h.get(url.clone()).timeout(t)).await?).await
    }

    /// `GET requests` filtered as GeoReport allows (`service_request_id` comma list,
    /// `status`, `service_code`, `start_date`, `end_date`).
    pub async fn open311_requests(&self, filter: &[(&str, &str)]) -> Result<Vec<ServiceRequest>> {
        let url = self.url(paths::OPEN311_REQUESTS)?;
        let t = self.request_timeout();
        json(
            self.send(false, |h| h.get(url.clone()).query(filter).timeout(t))
                .await?,
        )
        .await
    }

    pub async fn open311_request(&self, id: &str) -> Result<Vec<ServiceRequest>> {
        let url = self.url(&paths::open311_request(id))?;
        let t = self.request_timeout();
        json(self.send(false, |h| h.get(url.clone()).timeout(t)).await?).await
    }

    pub async fn open311_updates(
        &self,
        filter: &[(&str, &str)],
    ) -> Result<Vec<ServiceRequestUpdate>> {
        let url = self.url(paths::OPEN311_UPDATES)?;
        let t = self.request_timeout();
        json(
            self.send(false, |h| h.get(url.clone()).query(filter).timeout(t))
                .await?,
        )
        .await
    }

    /// Form-encoded `POST requests`.
    pub async fn open311_post(&self, req: &NewServiceRequest) -> Result<Vec<RequestCreated>> {
        let url = self.url(paths::OPEN311_REQUESTS)?;
        let mut form: Vec<(String, String)> = vec![
            ("api_key".into(), req.api_key.clone()),
            ("service_code".into(), req.service_code.clone()),
            ("lat".into(), req.lat.to_string()),
            ("long".into(), req.long.to_string()),
            ("description".into(), req.description.clone()),
        ];
        if let Some(a) = &req.address_string {
            form.push(("address_string".into(), a.clone()));
        }
        if let Some(m) = &req.media_url {
            form.push(("media_url".into(), m.clone()));
        }
        for (k, v) in &req.attributes {
            form.push((format!("attribute[{k}]"), v.clone()));
        }
        let body = form_urlencode(&form);
        let t = self.request_timeout();
        let resp = self
            .send(false, |h| {
                h.post(url.clone())
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body.clone())
                    .timeout(t)
            })
            .await?;
        json(resp).await
    }
}

/// `application/x-www-form-urlencoded` (reqwest's `form` feature is not enabled; this is small).
fn form_urlencode(pairs: &[(String, String)]) -> String {
    fn enc(s: &str, out: &mut String) {
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        enc(k, &mut out);
        out.push('=');
        enc(v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_handles_vietnamese_and_brackets() {
        let s = form_urlencode(&[
            ("attribute[so_nha]".into(), "12 Trần Phú".into()),
            ("lat".into(), "18.3".into()),
        ]);
        assert_eq!(s, "attribute%5Bso_nha%5D=12+Tr%E1%BA%A7n+Ph%C3%BA&lat=18.3");
    }
}
