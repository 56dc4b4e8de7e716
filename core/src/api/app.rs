//! The app API (JSON, bearer tokens): login, reports, status sync, ratings, feed, config.
//! Shapes and paths come from `phananh-wire`, shared with the stub.

use reqwest::header::{ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;

use super::auth::session_from;
use super::{json, status_error, transport_error, Api};
use crate::error::Result;
use phananh_wire as wire;
use wire::paths;

/// Answer of a conditional config fetch.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigFetch {
    /// Our copy (the ETag we sent) is current.
    NotModified,
    /// A new document: the raw JSON (parsed by `config::parse`) and its ETag.
    Fresh { json: String, etag: Option<String> },
}

/// Query of the public feed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedQuery {
    /// `(min_lon, min_lat, max_lon, max_lat)`.
    pub bbox: Option<(f64, f64, f64, f64)>,
    pub category: Option<String>,
    pub status: Option<wire::ReportStatus>,
    /// Free text; the server ignores Vietnamese diacritics.
    pub text: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

impl FeedQuery {
    /// Query-string pairs, in a fixed order (also the cache key of a feed page).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some((a, b, c, d)) = self.bbox {
            q.push(("bbox", format!("{a},{b},{c},{d}")));
        }
        if let Some(c) = &self.category {
            q.push(("category", c.clone()));
        }
        if let Some(s) = self.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(t) = self.text.as_ref().filter(|t| !t.trim().is_empty()) {
            q.push(("q", t.trim().to_owned()));
        }
        if let Some(c) = &self.cursor {
            q.push(("cursor", c.clone()));
        }
        if let Some(l) = self.limit {
            q.push(("limit", l.to_string()));
        }
        q
    }
}

impl Api {
    pub async fn request_otp(&self, phone: &str) -> Result<wire::OtpRequested> {
        let url = self.url(paths::OTP_REQUEST)?;
        let body = wire::OtpRequest {
            phone: phone.to_owned(),
        };
        let t = self.request_timeout();
        json(
            self.send(false, |h| h.post(url.clone()).json(&body).timeout(t))
                .await?,
        )
        .await
    }

    /// Verify the code and keep the session in the secret store.
    pub async fn verify_otp(
        &self,
        phone: &str,
        code: &str,
        device_name: Option<&str>,
    ) -> Result<wire::UserInfo> {
        let url = self.url(paths::OTP_VERIFY)?;
        let body = wire::OtpVerify {
            phone: phone.to_owned(),
            code: code.to_owned(),
            device_name: device_name.map(str::to_owned),
            consent_version: Some(crate::PRIVACY_NOTICE_VERSION.to_owned()),
        };
        let t = self.request_timeout();
        let pair: wire::TokenPair = json(
            self.send(false, |h| h.post(url.clone()).json(&body).timeout(t))
                .await?,
        )
        .await?;
        let user = pair.user.clone();
        self.auth().save(session_from(pair)).await?;
        Ok(user)
    }

    /// Revoke this sign-in on the server (its refresh token, access tokens and push
    /// tokens). The local session is left to the caller. A session the server no longer
    /// knows counts as revoked.
    pub async fn logout(&self) -> Result<()> {
        let url = self.url(paths::LOGOUT)?;
        let t = self.request_timeout();
        match self.send(true, |h| h.post(url.clone()).timeout(t)).await {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) => Err(status_error(resp).await),
            Err(crate::Error::Unauthorized) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Everything the server holds about the signed-in person.
    pub async fn export_data(&self) -> Result<wire::DataExport> {
        let url = self.url(paths::ME_EXPORT)?;
        let t = self.request_timeout();
        json(self.send(true, |h| h.get(url.clone()).timeout(t)).await?).await
    }

    /// Delete the signed-in account on the server (204). Its sessions end with it.
    pub async fn delete_account(&self) -> Result<()> {
        let url = self.url(paths::ME)?;
        let t = self.request_timeout();
        let resp = self
            .send(true, |h| h.delete(url.clone()).timeout(t))
            .await?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(status_error(resp).await)
        }
    }

    pub async fn me(&self) -> Result<wire::UserInfo> {
        let url = self.url(paths::ME)?;
        let t = self.request_timeout();
        json(self.send(true, |h| h.get(url.clone()).timeout(t)).await?).await
    }

    /// Create a report under its idempotency key. A replay of the same body returns the
    /// report the first call created.
    pub async fn create_report(&self, report: &wire::NewReport) -> Result<wire::Report> {
        let url = self.url(paths::REPORTS)?;
        let key = report.client_id.to_string();
        let t = self.request_timeout();
        let resp = self
            .send(true, |h| {
                h.post(url.clone())
                    .header(wire::IDEMPOTENCY_KEY, key.clone())
                    .json(report)
                    .timeout(t)
            })
            .await?;
        json(resp).await
    }

    pub async fn my_reports(&self, since: Option<&str>, limit: u32) -> Result<wire::MyReportsPage> {
        let url = self.url(paths::MY_REPORTS)?;
        let mut q: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(s) = since {
            q.push(("since", s.to_owned()));
        }
        let t = self.request_timeout();
        json(
            self.send(true, |h| h.get(url.clone()).query(&q).timeout(t))
                .await?,
        )
        .await
    }

    pub async fn report(&self, id: &str) -> Result<wire::Report> {
        let url = self.url(&paths::report(id))?;
        let t = self.request_timeout();
        json(self.send(true, |h| h.get(url.clone()).timeout(t)).await?).await
    }

    /// Rate (or re-rate) a resolved report. PUT: sending it twice is harmless.
    pub async fn rate(&self, id: &str, rating: &wire::RatingRequest) -> Result<wire::Report> {
        let url = self.url(&paths::rating(id))?;
        let t = self.request_timeout();
        json(
            self.send(true, |h| h.put(url.clone()).json(rating).timeout(t))
                .await?,
        )
        .await
    }

    /// Confirm or dispute a resolution, under the outbox item's client id as
    /// `Idempotency-Key`: a replay returns the answer already recorded.
    pub async fn answer_closure(
        &self,
        id: &str,
        client_id: uuid::Uuid,
        req: &wire::ClosureRequest,
    ) -> Result<wire::Report> {
        let url = self.url(&paths::closure(id))?;
        let key = client_id.to_string();
        let t = self.request_timeout();
        json(
            self.send(true, |h| {
                h.post(url.clone())
                    .header(wire::IDEMPOTENCY_KEY, key.clone())
                    .json(req)
                    .timeout(t)
            })
            .await?,
        )
        .await
    }

    /// "Me too": follow a report. PUT: twice is harmless.
    pub async fn join(&self, id: &str) -> Result<wire::Report> {
        let url = self.url(&paths::support(id))?;
        let t = self.request_timeout();
        json(self.send(true, |h| h.put(url.clone()).timeout(t)).await?).await
    }

    /// Open reports of `category` within `radius_m` of (`lat`, `lon`), nearest first (public).
    pub async fn nearby(
        &self,
        lat: f64,
        lon: f64,
        category: &str,
        radius_m: u32,
    ) -> Result<wire::NearbyPage> {
        let url = self.url(paths::NEARBY)?;
        let q = [
            ("lat", lat.to_string()),
            ("lon", lon.to_string()),
            ("category", category.to_owned()),
            ("radius_m", radius_m.to_string()),
        ];
        let t = self.request_timeout();
        json(
            self.send(false, |h| h.get(url.clone()).query(&q).timeout(t))
                .await?,
        )
        .await
    }

    /// Every notice valid now (public).
    pub async fn notices(&self) -> Result<wire::NoticesPage> {
        let url = self.url(paths::NOTICES)?;
        let t = self.request_timeout();
        json(self.send(false, |h| h.get(url.clone()).timeout(t)).await?).await
    }

    /// Publish a notice (IOC staff; tools and tests that play the province's side).
    pub async fn publish_notice(&self, notice: &wire::NewNotice) -> Result<wire::Notice> {
        let url = self.url(paths::OFFICER_NOTICES)?;
        let t = self.request_timeout();
        json(
            self.send(true, |h| h.post(url.clone()).json(notice).timeout(t))
                .await?,
        )
        .await
    }

    pub async fn feed(&self, query: &FeedQuery) -> Result<wire::FeedPage> {
        let url = self.url(paths::FEED)?;
        let q = query.pairs();
        let t = self.request_timeout();
        json(
            self.send(false, |h| h.get(url.clone()).query(&q).timeout(t))
                .await?,
        )
        .await
    }

    /// Conditional GET of the ward boundaries (GeoJSON) at `url` (the config's
    /// `boundaries_url`, on the API's origin or public elsewhere). Same answer shape as the
    /// config's.
    pub async fn boundaries(&self, url: &str, etag: Option<&str>) -> Result<ConfigFetch> {
        let url = self.server_named_url(url, "boundaries")?;
        // Public data: never sent with our token. A few MB: a longer wait than a JSON call.
        self.conditional_get(url, etag, self.request_timeout() * 6)
            .await
    }

    /// Conditional GET of the tenant config.
    pub async fn config(&self, etag: Option<&str>) -> Result<ConfigFetch> {
        let url = self.url(paths::CONFIG)?;
        self.conditional_get(url, etag, self.request_timeout())
            .await
    }

    /// A public document with its ETag: `NotModified` when `etag` is still current.
    async fn conditional_get(
        &self,
        url: reqwest::Url,
        etag: Option<&str>,
        t: std::time::Duration,
    ) -> Result<ConfigFetch> {
        let resp = self
            .send(false, |h| {
                let rb = h.get(url.clone()).timeout(t);
                match etag {
                    Some(e) => rb.header(IF_NONE_MATCH, e),
                    None => rb,
                }
            })
            .await?;
        match resp.status() {
            StatusCode::NOT_MODIFIED => Ok(ConfigFetch::NotModified),
            s if s.is_success() => {
                let etag = resp
                    .headers()
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let json = resp.text().await.map_err(transport_error)?;
                Ok(ConfigFetch::Fresh { json, etag })
            }
            _ => Err(status_error(resp).await),
        }
    }

    pub async fn register_push_token(&self, reg: &wire::PushTokenRegistration) -> Result<()> {
        let url = self.url(paths::PUSH_TOKENS)?;
        let t = self.request_timeout();
        let resp = self
            .send(true, |h| h.post(url.clone()).json(reg).timeout(t))
            .await?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(status_error(resp).await)
        }
    }

    /// A URL the server named (a media file, the boundaries), resolved against the base URL;
    /// only http(s).
    fn server_named_url(&self, url: &str, what: &str) -> Result<reqwest::Url> {
        let url = self
            .base_url()
            .join(url)
            .map_err(|e| crate::Error::Protocol(format!("{what} url {url}: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(crate::Error::Protocol(format!(
                "{what} url with scheme {}",
                url.scheme()
            )));
        }
        Ok(url)
    }

    /// Bytes of a media file of a report (`MediaRef::url`, absolute or relative to the base).
    pub async fn media_bytes(&self, url: &str) -> Result<bytes::Bytes> {
        let url = self.server_named_url(url, "media")?;
        let t = self.request_timeout();
        // Media elsewhere (a CDN) is public: fetched without our token, never with it.
        let resp = self
            .send(self.is_own_origin(&url), |h| h.get(url.clone()).timeout(t))
            .await?;
        if !resp.status().is_success() {
            return Err(status_error(resp).await);
        }
        resp.bytes().await.map_err(transport_error)
    }

    /// A media file from byte `from` on (`Range: bytes=from-`), for the media cache to
    /// resume a download a bad link cut. The answer is `206` with the rest, or `200` with the
    /// whole file when the server ignores ranges (the caller starts over): the response is
    /// returned unread, so the caller streams it to disk.
    pub async fn media_from(&self, url: &str, from: u64) -> Result<reqwest::Response> {
        let url = self.server_named_url(url, "media")?;
        // A download is long on 3G: the per-request timeout bounds the wait for the answer's
        // head; the body is read chunk by chunk by the caller, with its own timeout per chunk.
        let t = self.request_timeout();
        let resp = self
            .send(self.is_own_origin(&url), |h| {
                let r = h.get(url.clone()).timeout(t * 20);
                if from > 0 {
                    r.header(reqwest::header::RANGE, format!("bytes={from}-"))
                } else {
                    r
                }
            })
            .await?;
        match resp.status() {
            StatusCode::OK | StatusCode::PARTIAL_CONTENT => Ok(resp),
            _ => Err(status_error(resp).await),
        }
    }

    /// Officer workflow step (used by tools and tests that play the province's side).
    pub async fn case_action(&self, id: &str, action: &wire::CaseAction) -> Result<wire::Report> {
        let url = self.url(&paths::case_actions(id))?;
        let t = self.request_timeout();
        json(
            self.send(true, |h| h.post(url.clone()).json(action).timeout(t))
                .await?,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_query_pairs_are_stable_and_skip_blank_text() {
        let q = FeedQuery {
            bbox: Some((105.8, 18.2, 106.0, 18.5)),
            category: Some("giao_thong".into()),
            status: Some(wire::ReportStatus::InProgress),
            text: Some("  ".into()),
            cursor: None,
            limit: Some(20),
        };
        let p = q.pairs();
        assert_eq!(p[0], ("bbox", "105.8,18.2,106,18.5".into()));
        assert_eq!(
            p.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["bbox", "category", "status", "limit"]
        );
    }
}
