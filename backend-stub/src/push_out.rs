//! Pushes out to the phones: FCM HTTP v1 for Android, APNs for iOS, when the stub is given
//! credentials. Without them a push is only recorded (the `pushes` and `notice_pushes`
//! tables), which is what tests and the demo read.
//!
//! A sender task follows both tables (from the rows present at start, so a restart does
//! not push again) and sends each new row:
//! - FCM: `POST {endpoint}/v1/projects/{project_id}/messages:send` with an OAuth 2.0 access
//!   token minted from the service account (a JWT signed RS256 exchanged at its `token_uri`,
//!   scope `firebase.messaging`, reused until shortly before it expires). The message has the
//!   token, a notification (title, body), the data map of `phananh_wire::PushData` and
//!   Android priority high.
//! - APNs: `POST {endpoint}/3/device/{token}` with a provider token (JWT signed ES256 with the
//!   `.p8` key: `kid` the key id, `iss` the team id; renewed every 50 minutes, as Apple asks
//!   for between 20 and 60), `apns-topic` (the app's bundle id), `apns-push-type: alert`,
//!   `apns-priority: 10`; the body is `aps.alert` plus the data keys. APNs speaks HTTP/2
//!   only, negotiated by TLS ALPN on its https endpoint.
//! A token the service says is gone (FCM 404 `UNREGISTERED`, APNs 410) is deleted.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ring::signature;
use rusqlite::params;
use serde::Deserialize;

use crate::AppState;
use phananh_wire::{PushData, ReportStatus};

/// Credentials and endpoints of the push services the stub sends through.
#[derive(Debug, Clone, Default)]
pub struct PushSenders {
    pub fcm: Option<FcmSender>,
    pub apns: Option<ApnsSender>,
}

impl PushSenders {
    pub fn any(&self) -> bool {
        self.fcm.is_some() || self.apns.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct FcmSender {
    /// The Firebase service account's JSON key file, as text.
    pub service_account_json: String,
    /// `https://fcm.googleapis.com` unless testing.
    pub endpoint: String,
}

#[derive(Debug, Clone)]
pub struct ApnsSender {
    /// The `.p8` key (PKCS#8 PEM of a P-256 key) from the developer account.
    pub key_p8: String,
    pub key_id: String,
    pub team_id: String,
    /// The app's bundle id.
    pub topic: String,
    /// `https://api.push.apple.com` (or the sandbox) unless testing.
    pub endpoint: String,
}

/// Pushes handed to a service so far, and refused by it.
#[derive(Debug, Default)]
pub struct PushOutCounters {
    pub sent: AtomicU64,
    pub failed: AtomicU64,
}

#[derive(Deserialize)]
struct ServiceAccount {
    project_id: String,
    client_email: String,
    private_key: String,
    token_uri: String,
}

/// A push to send, read from the tables.
struct Outgoing {
    platform: String,
    token: String,
    title: String,
    body: String,
    data: BTreeMap<String, String>,
}

/// Check the credentials (so a wrong key file fails at start, not at the first push).
pub fn check(s: &PushSenders) -> anyhow::Result<()> {
    if let Some(f) = &s.fcm {
        let sa: ServiceAccount = serde_json::from_str(&f.service_account_json)
            .map_err(|e| anyhow::anyhow!("FCM service account JSON: {e}"))?;
        signature::RsaKeyPair::from_pkcs8(&pem_der(&sa.private_key)?)
            .map_err(|e| anyhow::anyhow!("FCM service account private key: {e}"))?;
    }
    if let Some(a) = &s.apns {
        signature::EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &pem_der(&a.key_p8)?,
            &ring::rand::SystemRandom::new(),
        )
        .map_err(|e| anyhow::anyhow!("APNs .p8 key: {e}"))?;
    }
    Ok(())
}

fn pem_der(pem: &str) -> anyhow::Result<Vec<u8>> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|e| anyhow::anyhow!("PEM: {e}"))
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Follow the push tables and send new rows until the stub stops.
pub(crate) async fn run(st: AppState, senders: PushSenders) {
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "push sender: no HTTP client");
            return;
        }
    };
    let (mut after_push, mut after_notice) = {
        let c = st.conn();
        (
            c.query_row("SELECT COALESCE(MAX(id), 0) FROM pushes", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0),
            c.query_row(
                "SELECT COALESCE(MAX(rowid), 0) FROM notice_pushes",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_or(0),
        )
    };
    let mut tokens = Tokens::default();
    loop {
        let batch = next_batch(&st, &mut after_push, &mut after_notice);
        if batch.is_empty() {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        }
        for p in batch {
            let res = match (p.platform.as_str(), &senders.fcm, &senders.apns) {
                ("fcm", Some(f), _) => send_fcm(&http, f, &mut tokens, &p).await,
                ("apns", _, Some(a)) => send_apns(&http, a, &mut tokens, &p).await,
                _ => continue,
            };
            let c = &st.push_out;
            match res {
                Ok(()) => {
                    c.sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(Failure::Gone) => {
                    c.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(platform = %p.platform, "push token no longer valid; removed");
                    let _ = st.conn().execute(
                        "DELETE FROM push_tokens WHERE platform = ?1 AND token = ?2",
                        params![p.platform, p.token],
                    );
                }
                Err(Failure::Other(e)) => {
                    c.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(platform = %p.platform, error = %e, "push not sent");
                }
            }
        }
    }
}

fn next_batch(st: &AppState, after_push: &mut i64, after_notice: &mut i64) -> Vec<Outgoing> {
    let c = st.conn();
    let mut out = Vec::new();
    if let Ok(mut s) = c.prepare(
        "SELECT id, platform, token, report_n, status, body FROM pushes WHERE id > ?1 ORDER BY id LIMIT 100",
    ) {
        let rows = s.query_map([*after_push], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        });
        for (id, platform, token, n, status, body) in rows.into_iter().flatten().flatten() {
            *after_push = id;
            let Some(status) = ReportStatus::parse(&status) else {
                continue;
            };
            out.push(Outgoing {
                platform,
                token,
                title: "Phản ánh hiện trường".into(),
                body,
                data: PushData::ReportStatus {
                    report_id: n.to_string(),
                    status,
                }
                .to_map(),
            });
        }
    }
    if let Ok(mut s) = c.prepare(
        "SELECT p.rowid, p.platform, p.token, p.notice_id, n.title FROM notice_pushes p JOIN notices n ON n.id = p.notice_id
         WHERE p.rowid > ?1 ORDER BY p.rowid LIMIT 100",
    ) {
        let rows = s.query_map([*after_notice], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        });
        for (rowid, platform, token, notice_id, title) in rows.into_iter().flatten().flatten() {
            *after_notice = rowid;
            out.push(Outgoing {
                platform,
                token,
                title: "Thông báo khẩn".into(),
                body: title,
                data: PushData::Notice { notice_id }.to_map(),
            });
        }
    }
    out
}

enum Failure {
    /// The service says the token is not valid any more.
    Gone,
    Other(String),
}

/// Access tokens in use, renewed before they expire.
#[derive(Default)]
struct Tokens {
    fcm: Option<(String, Instant)>,
    apns: Option<(String, Instant)>,
}

fn jwt(
    header: &serde_json::Value,
    claims: &serde_json::Value,
    sign: impl FnOnce(&[u8]) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<String> {
    let input = format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(claims.to_string())
    );
    let sig = sign(input.as_bytes())?;
    Ok(format!("{input}.{}", B64URL.encode(sig)))
}

async fn fcm_access_token(
    http: &reqwest::Client,
    sa: &ServiceAccount,
    tokens: &mut Tokens,
) -> Result<String, Failure> {
    if let Some((t, until)) = &tokens.fcm {
        if Instant::now() < *until {
            return Ok(t.clone());
        }
    }
    let now = now_s();
    let assertion = jwt(
        &serde_json::json!({"alg": "RS256", "typ": "JWT"}),
        &serde_json::json!({
            "iss": sa.client_email,
            "scope": "https://www.googleapis.com/auth/firebase.messaging",
            "aud": sa.token_uri,
            "iat": now,
            "exp": now + 3600,
        }),
        |input| {
            let key = signature::RsaKeyPair::from_pkcs8(&pem_der(&sa.private_key)?)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut sig = vec![0u8; key.public().modulus_len()];
            key.sign(
                &signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                input,
                &mut sig,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(sig)
        },
    )
    .map_err(|e| Failure::Other(format!("FCM assertion: {e}")))?;
    #[derive(Deserialize)]
    struct TokenAnswer {
        access_token: String,
        expires_in: Option<u64>,
    }
    let resp = http
        .post(&sa.token_uri)
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.as_str()),
        ])
        .send()
        .await
        .map_err(|e| Failure::Other(format!("FCM token: {e}")))?;
    if !resp.status().is_success() {
        return Err(Failure::Other(format!("FCM token: {}", resp.status())));
    }
    let a: TokenAnswer = resp
        .json()
        .await
        .map_err(|e| Failure::Other(format!("FCM token answer: {e}")))?;
    let life = a.expires_in.unwrap_or(3600).saturating_sub(300).max(60);
    tokens.fcm = Some((
        a.access_token.clone(),
        Instant::now() + Duration::from_secs(life),
    ));
    Ok(a.access_token)
}

async fn send_fcm(
    http: &reqwest::Client,
    f: &FcmSender,
    tokens: &mut Tokens,
    p: &Outgoing,
) -> Result<(), Failure> {
    let sa: ServiceAccount = serde_json::from_str(&f.service_account_json)
        .map_err(|e| Failure::Other(format!("FCM service account: {e}")))?;
    let access = fcm_access_token(http, &sa, tokens).await?;
    let url = format!(
        "{}/v1/projects/{}/messages:send",
        f.endpoint.trim_end_matches('/'),
        sa.project_id
    );
    let resp = http
        .post(url)
        .bearer_auth(access)
        .json(&serde_json::json!({
            "message": {
                "token": p.token,
                "notification": {"title": p.title, "body": p.body},
                "data": p.data,
                "android": {"priority": "HIGH"},
            }
        }))
        .send()
        .await
        .map_err(|e| Failure::Other(format!("FCM send: {e}")))?;
    match resp.status().as_u16() {
        200..=299 => Ok(()),
        404 => Err(Failure::Gone),
        401 => {
            tokens.fcm = None;
            Err(Failure::Other("FCM refused the access token".into()))
        }
        s => Err(Failure::Other(format!("FCM answered {s}"))),
    }
}

async fn send_apns(
    http: &reqwest::Client,
    a: &ApnsSender,
    tokens: &mut Tokens,
    p: &Outgoing,
) -> Result<(), Failure> {
    let bearer = match &tokens.apns {
        Some((t, until)) if Instant::now() < *until => t.clone(),
        _ => {
            let t = jwt(
                &serde_json::json!({"alg": "ES256", "kid": a.key_id}),
                &serde_json::json!({"iss": a.team_id, "iat": now_s()}),
                |input| {
                    let rng = ring::rand::SystemRandom::new();
                    let key = signature::EcdsaKeyPair::from_pkcs8(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &pem_der(&a.key_p8)?,
                        &rng,
                    )
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    Ok(key
                        .sign(&rng, input)
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                        .as_ref()
                        .to_vec())
                },
            )
            .map_err(|e| Failure::Other(format!("APNs provider token: {e}")))?;
            tokens.apns = Some((t.clone(), Instant::now() + Duration::from_secs(50 * 60)));
            t
        }
    };
    let mut body = serde_json::json!({
        "aps": {"alert": {"title": p.title, "body": p.body}, "sound": "default"},
    });
    for (k, v) in &p.data {
        body[k] = serde_json::Value::String(v.clone());
    }
    // Hex device tokens only: the token becomes part of the path.
    if p.token.is_empty() || !p.token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Failure::Gone);
    }
    let url = format!("{}/3/device/{}", a.endpoint.trim_end_matches('/'), p.token);
    let resp = http
        .post(url)
        .header("authorization", format!("bearer {bearer}"))
        .header("apns-topic", &a.topic)
        .header("apns-push-type", "alert")
        .header("apns-priority", "10")
        .json(&body)
        .send()
        .await
        .map_err(|e| Failure::Other(format!("APNs send: {e}")))?;
    match resp.status().as_u16() {
        200..=299 => Ok(()),
        410 => Err(Failure::Gone),
        403 => {
            tokens.apns = None;
            Err(Failure::Other("APNs refused the provider token".into()))
        }
        s => Err(Failure::Other(format!("APNs answered {s}"))),
    }
}
