//! Helpers for driving a real stub over loopback HTTP.
#![allow(dead_code)]

use std::path::PathBuf;

use phananh_stub::{RunningStub, StubOptions};
use phananh_wire::{problem_types, MediaKind, NewMedia, NewReport, Problem, TokenPair};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const THANH_SEN: (f64, f64) = (18.342, 105.9057);
pub const VINH_OUTSIDE: (f64, f64) = (18.6796, 105.6813);

pub fn shared_data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
}

pub fn photo(name: &str) -> Vec<u8> {
    std::fs::read(shared_data().join("photos").join(name)).expect("shared photo")
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

pub struct Api {
    pub stub: RunningStub,
    pub http: reqwest::Client,
    pub base: String,
}

impl Api {
    pub async fn start() -> Api {
        Self::with(StubOptions::for_tests()).await
    }

    pub async fn with(opts: StubOptions) -> Api {
        let stub = phananh_stub::start(opts).await.expect("stub starts");
        let base = stub.base_url();
        Api {
            stub,
            http: reqwest::Client::new(),
            base,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }

    pub fn req(&self, m: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            self.url(path)
        };
        let r = self.http.request(m, url);
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.req(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.req(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Phone + OTP login over HTTP, reading the code the dev stub "sent".
    pub async fn login(&self, phone: &str) -> TokenPair {
        let r = self
            .post_json("api/v1/auth/otp/request", None, &json!({ "phone": phone }))
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let code = self.stub.last_otp(phone).expect("dev OTP");
        let r = self
            .post_json(
                "api/v1/auth/otp/verify",
                None,
                &json!({ "phone": phone, "code": code }),
            )
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Whole file in one creation-with-upload request; returns the upload URL.
    pub async fn upload(&self, token: &str, bytes: &[u8], mime: &str) -> String {
        let r = self
            .req(Method::POST, "files/", Some(token))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", bytes.len().to_string())
            .header(
                "Upload-Metadata",
                tus_meta(&[("filename", "x"), ("filetype", mime)]),
            )
            .header("Content-Type", "application/offset+octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
        assert_eq!(
            r.headers()["upload-offset"],
            bytes.len().to_string().as_str()
        );
        r.headers()["location"].to_str().unwrap().to_string()
    }

    pub async fn create_report(&self, token: &str, report: &NewReport) -> Response {
        self.req(Method::POST, "api/v1/reports", Some(token))
            .header("Idempotency-Key", report.client_id.to_string())
            .json(report)
            .send()
            .await
            .unwrap()
    }

    /// A report at (lat, lon) with one uploaded photo; returns its id.
    pub async fn report_with_photo(
        &self,
        token: &str,
        text: &str,
        at: (f64, f64),
    ) -> (String, NewReport) {
        let bytes = photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
        let url = self.upload(token, &bytes, "image/jpeg").await;
        let mut r = new_report(text, at);
        r.media.push(NewMedia {
            poster: None,
            upload_url: url,
            sha256: sha256_hex(&bytes),
            kind: MediaKind::Photo,
            mime: "image/jpeg".into(),
            captured_at: None,
        });
        let resp = self.create_report(token, &r).await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        let v: Value = resp.json().await.unwrap();
        (v["id"].as_str().unwrap().to_string(), r)
    }

    pub async fn act(&self, token: &str, id: &str, action: Value) -> Response {
        self.post_json(
            &format!("api/v1/officer/cases/{id}/actions"),
            Some(token),
            &action,
        )
        .await
    }
}

pub fn new_report(text: &str, at: (f64, f64)) -> NewReport {
    NewReport {
        client_id: uuid::Uuid::now_v7(),
        category: "giao_thong".into(),
        description: text.into(),
        lat: at.0,
        lon: at.1,
        accuracy_m: Some(8.0),
        ward_code: None,
        address: None,
        anonymous: false,
        attributes: Default::default(),
        media: vec![],
        captured_at: None,
    }
}

pub fn tus_meta(pairs: &[(&str, &str)]) -> String {
    use base64::Engine;
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k} {}",
                base64::engine::general_purpose::STANDARD.encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Assert a problem+json answer with this status and type; returns it.
pub async fn problem(r: Response, status: u16, type_: &str) -> Problem {
    assert_eq!(
        r.status(),
        StatusCode::from_u16(status).unwrap(),
        "url {}",
        r.url()
    );
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json");
    let p: Problem = r.json().await.unwrap();
    assert_eq!(p.type_, type_, "{p:?}");
    assert_eq!(p.status, status);
    let _ = problem_types::NOT_FOUND;
    p
}
