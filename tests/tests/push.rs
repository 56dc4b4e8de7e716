//! Issue 17, item 6: push. The core keeps the platform token and registers it for whoever
//! signs in; a push is turned into a fetch of the report it names, merged as a sync would
//! (a push for a report that is not the account's changes nothing); the stub sends through
//! FCM HTTP v1 and APNs when it has credentials: here to fake services on loopback that
//! check the documented request shape and the JWT signatures, and answer "gone" for a dead
//! token, which the stub then forgets.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ring::signature::{self, KeyPair};

use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::wire::{self, CaseAction, PushData, PushPlatform, ReportStatus, Role};
use phananh_core::{Client, ClientOptions, Error, PushEffect};
use phananh_stub::push_out::{ApnsSender, FcmSender, PushSenders};
use phananh_stub::{RunningStub, StubOptions};
use phananh_tests::sync_support::*;

/// The IOC's officer, through the shared helper.
fn officer(stub: &RunningStub) -> phananh_core::api::Api {
    api_as(
        stub,
        stub.staff_login(phananh_stub::IOC, Role::Officer)
            .expect("officer"),
    )
}

async fn client_for(stub: &RunningStub, dir: &std::path::Path) -> Client {
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    Client::open(ClientOptions {
        base_url: Some(stub.base_url()),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client")
}

async fn deliver(client: &Client) -> String {
    let id = make_draft(client, 1, &small_photos()[..1]).await;
    client.drafts().submit(id).await.unwrap();
    let s = client
        .outbox()
        .run_pending(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(s.delivered, 1, "{s:?}");
    client.reports().sync().await.unwrap();
    client.reports().mine().await.unwrap()[0].id.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_follows_the_account_and_a_push_becomes_a_sync_of_its_report() {
    const A: &str = "0912000081";
    let stub = phananh_stub::start(StubOptions::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(&stub, dir.path()).await;

    // Handed over before sign-in: kept, registered at sign-in.
    assert!(!client
        .push()
        .set_token(PushPlatform::Fcm, "fcm-token-of-this-phone")
        .await
        .unwrap());
    assert!(matches!(
        client.push().set_token(PushPlatform::Fcm, "").await,
        Err(Error::Validation(_))
    ));
    sign_in(&client, &stub, A).await;
    let id = deliver(&client).await;

    officer(&stub)
        .case_action(&id, &CaseAction::Accept { message: None })
        .await
        .unwrap();
    let pushes = stub.pushes(A);
    let last = pushes.last().expect("a push for the status change");
    assert_eq!(last.token, "fcm-token-of-this-phone");
    assert_eq!(last.report_id, id);
    assert_eq!(
        client.reports().cached(&id).await.unwrap().unwrap().status,
        ReportStatus::Received,
        "not synced yet"
    );
    // The push's data, as FCM hands it to the app (plus FCM's own keys).
    let mut data = PushData::ReportStatus {
        report_id: id.clone(),
        status: last.status,
    }
    .to_map();
    data.insert("google.message_id".into(), "0:1".into());
    let mut sub = client.reports().subscribe().await.unwrap();
    let _replay = sub.next().await;
    match client.push().handle(&data).await.unwrap() {
        PushEffect::Report(r) => assert_eq!(r.status, ReportStatus::Forwarded),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        client.reports().cached(&id).await.unwrap().unwrap().status,
        ReportStatus::Forwarded
    );
    let heard = tokio::time::timeout(Duration::from_secs(5), sub.next())
        .await
        .expect("subscribers hear of it")
        .unwrap();
    assert_eq!(heard.changed, vec![id.clone()]);

    // A push naming a report that is not this account's, or a status the push claims but
    // the server does not confirm, changes nothing; malformed data is a typed error.
    let before = client.reports().mine().await.unwrap();
    let forged = PushData::ReportStatus {
        report_id: "999999".into(),
        status: ReportStatus::Resolved,
    }
    .to_map();
    assert!(matches!(
        client.push().handle(&forged).await,
        Err(Error::NotFound { .. })
    ));
    let lying = PushData::ReportStatus {
        report_id: id.clone(),
        status: ReportStatus::Closed,
    }
    .to_map();
    match client.push().handle(&lying).await.unwrap() {
        PushEffect::Report(r) => assert_eq!(r.status, ReportStatus::Forwarded),
        other => panic!("{other:?}"),
    }
    let mut bad = BTreeMap::new();
    bad.insert("kind".to_owned(), "wipe".to_owned());
    assert!(matches!(
        client.push().handle(&bad).await,
        Err(Error::Protocol(_))
    ));
    assert_eq!(client.reports().mine().await.unwrap(), before);

    // Signed out: the server dropped the token with the sign-in; no more pushes reach it.
    client.session().sign_out().await.unwrap();
    let n = stub.pushes(A).len();
    officer(&stub)
        .case_action(&id, &CaseAction::Start { message: None })
        .await
        .unwrap();
    assert_eq!(stub.pushes(A).len(), n, "no push to a signed-out phone");
    // Signed in again: registered again, pushes resume.
    sign_in(&client, &stub, A).await;
    officer(&stub)
        .case_action(
            &id,
            &CaseAction::Respond {
                message: "Đã cử người".into(),
                media: vec![],
            },
        )
        .await
        .ok();
    let s = wire::CaseAction::Resolve {
        message: "Đã sửa xong".into(),
        media: vec![],
    };
    officer(&stub).case_action(&id, &s).await.unwrap();
    assert_eq!(
        stub.pushes(A).last().map(|p| p.status),
        Some(ReportStatus::Resolved)
    );
    stub.shutdown().await;
}

// ----- fake FCM and APNs on loopback --------------------------------------------------------

#[derive(Default)]
struct Fake {
    rsa_public: Vec<u8>,
    ec_public: Vec<u8>,
    issued: Mutex<Vec<String>>,
    fcm: Mutex<Vec<serde_json::Value>>,
    apns: Mutex<Vec<(String, serde_json::Value)>>,
    problems: Mutex<Vec<String>>,
}

impl Fake {
    fn problem(&self, p: String) -> StatusCode {
        self.problems.lock().unwrap().push(p);
        StatusCode::BAD_REQUEST
    }
}

/// Split and verify a JWT; its claims.
fn verify_jwt(
    token: &str,
    alg: &'static dyn signature::VerificationAlgorithm,
    key: &[u8],
) -> Result<(serde_json::Value, serde_json::Value), String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("not three parts".into());
    }
    let sig = B64URL.decode(parts[2]).map_err(|e| e.to_string())?;
    signature::UnparsedPublicKey::new(alg, key)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig)
        .map_err(|_| "bad signature".to_string())?;
    let dec = |s: &str| -> Result<serde_json::Value, String> {
        serde_json::from_slice(&B64URL.decode(s).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())
    };
    Ok((dec(parts[0])?, dec(parts[1])?))
}

async fn token_endpoint(
    State(f): State<Arc<Fake>>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Json<serde_json::Value>, StatusCode> {
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return Err(f.problem(format!("grant_type {:?}", form.get("grant_type"))));
    }
    let Some(a) = form.get("assertion") else {
        return Err(f.problem("no assertion".into()));
    };
    match verify_jwt(a, &signature::RSA_PKCS1_2048_8192_SHA256, &f.rsa_public) {
        Ok((h, c))
            if h["alg"] == "RS256"
                && c["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
                && c["iss"] == "stub@test-project.iam.gserviceaccount.com"
                && c["aud"].as_str().is_some_and(|a| a.ends_with("/token"))
                && c["exp"].as_u64() > c["iat"].as_u64() => {}
        other => return Err(f.problem(format!("assertion {other:?}"))),
    }
    let t = format!("ya29.test-{}", f.issued.lock().unwrap().len());
    f.issued.lock().unwrap().push(t.clone());
    Ok(Json(
        serde_json::json!({"access_token": t, "expires_in": 3599, "token_type": "Bearer"}),
    ))
}

async fn fcm_send(
    State(f): State<Arc<Fake>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if project != "test-project"
        || !f
            .issued
            .lock()
            .unwrap()
            .iter()
            .any(|t| auth == format!("Bearer {t}"))
    {
        return f.problem(format!("FCM path {project} / auth {auth}"));
    }
    let m = &body["message"];
    let data_ok = m["data"]
        .as_object()
        .is_some_and(|d| d.values().all(|v| v.is_string()));
    if !m["token"].is_string()
        || !m["notification"]["title"].is_string()
        || !m["notification"]["body"].is_string()
        || !data_ok
        || m["android"]["priority"] != "HIGH"
    {
        return f.problem(format!("FCM body {body}"));
    }
    f.fcm.lock().unwrap().push(body);
    StatusCode::OK
}

async fn apns_send(
    State(f): State<Arc<Fake>>,
    Path(device): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let jwt = h("authorization")
        .strip_prefix("bearer ")
        .unwrap_or("")
        .to_owned();
    match verify_jwt(&jwt, &signature::ECDSA_P256_SHA256_FIXED, &f.ec_public) {
        Ok((hd, c))
            if hd["alg"] == "ES256" && hd["kid"] == "KEYID12345" && c["iss"] == "TEAMID1234" => {}
        other => return f.problem(format!("APNs JWT {other:?}")),
    }
    if h("apns-topic") != "vn.phananh.app"
        || h("apns-push-type") != "alert"
        || h("apns-priority") != "10"
        || !body["aps"]["alert"]["title"].is_string()
        || !body["aps"]["alert"]["body"].is_string()
        || !body["kind"].is_string()
    {
        return f.problem(format!("APNs request {headers:?} {body}"));
    }
    if device.starts_with("dead") {
        return StatusCode::GONE;
    }
    f.apns.lock().unwrap().push((device, body));
    StatusCode::OK
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stub_sends_through_fcm_and_apns_as_documented_and_forgets_dead_tokens() {
    const A: &str = "0912000082";
    // Keys: the committed throwaway RSA key plays the Firebase service account; a P-256 key
    // made now plays the APNs .p8 key.
    let rsa_pem = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/push/fcm-test-key.pem"),
    )
    .unwrap();
    let rsa_der = base64::engine::general_purpose::STANDARD
        .decode(
            rsa_pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    let rsa = signature::RsaKeyPair::from_pkcs8(&rsa_der).unwrap();
    let rng = ring::rand::SystemRandom::new();
    let ec_pkcs8 =
        signature::EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
    let ec = signature::EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        ec_pkcs8.as_ref(),
        &rng,
    )
    .unwrap();
    let fake = Arc::new(Fake {
        rsa_public: rsa.public_key().as_ref().to_vec(),
        ec_public: ec.public_key().as_ref().to_vec(),
        ..Default::default()
    });
    let app = Router::new()
        .route("/token", post(token_endpoint))
        .route("/v1/projects/{project}/messages:send", post(fcm_send))
        .route("/3/device/{device}", post(apns_send))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let service_account = serde_json::json!({
        "type": "service_account",
        "project_id": "test-project",
        "client_email": "stub@test-project.iam.gserviceaccount.com",
        "private_key": rsa_pem,
        "token_uri": format!("{fake_url}/token"),
    });
    let stub = phananh_stub::start(StubOptions {
        push: PushSenders {
            fcm: Some(FcmSender {
                service_account_json: service_account.to_string(),
                endpoint: fake_url.clone(),
            }),
            apns: Some(ApnsSender {
                key_p8: pem("PRIVATE KEY", ec_pkcs8.as_ref()),
                key_id: "KEYID12345".into(),
                team_id: "TEAMID1234".into(),
                topic: "vn.phananh.app".into(),
                endpoint: fake_url.clone(),
            }),
        },
        ..StubOptions::for_tests()
    })
    .await
    .unwrap();

    // A resident with an Android phone, an iPhone, and an old iPhone whose token is dead.
    let dir = tempfile::tempdir().unwrap();
    let client = client_for(&stub, dir.path()).await;
    sign_in(&client, &stub, A).await;
    let resident = api_as(&stub, stub.login(A).unwrap());
    for (platform, token) in [
        (PushPlatform::Fcm, "fcm-android-token"),
        (PushPlatform::Apns, "a1b2c3d4e5f6"),
        (PushPlatform::Apns, "deadbeef"),
    ] {
        resident
            .register_push_token(&wire::PushTokenRegistration {
                platform,
                token: token.into(),
                device_id: None,
            })
            .await
            .unwrap();
    }
    let id = deliver(&client).await;
    officer(&stub)
        .case_action(&id, &CaseAction::Accept { message: None })
        .await
        .unwrap();
    wait_until("one FCM and one APNs message, one refusal", || {
        let c = stub.push_out_counts();
        if c.0 + c.1 >= 3 && c != (2, 1) {
            panic!("counts {c:?}, fake saw {:?}", fake.problems.lock().unwrap());
        }
        c == (2, 1)
    })
    .await;
    assert!(
        fake.problems.lock().unwrap().is_empty(),
        "{:?}",
        fake.problems.lock().unwrap()
    );
    let fcm = fake.fcm.lock().unwrap()[0].clone();
    assert_eq!(fcm["message"]["token"], "fcm-android-token");
    let data: BTreeMap<String, String> =
        serde_json::from_value(fcm["message"]["data"].clone()).unwrap();
    assert_eq!(
        PushData::from_map(&data).unwrap(),
        PushData::ReportStatus {
            report_id: id.clone(),
            status: ReportStatus::Forwarded
        }
    );
    let (device, apns) = fake.apns.lock().unwrap()[0].clone();
    assert_eq!(device, "a1b2c3d4e5f6");
    assert_eq!(apns["report_id"], id.as_str());
    // The data the phone got is what the core turns into a sync.
    match client.push().handle(&data).await.unwrap() {
        PushEffect::Report(r) => assert_eq!(r.status, ReportStatus::Forwarded),
        other => panic!("{other:?}"),
    }

    // The dead token was forgotten: the next change goes to the two live phones only, and
    // one access token served both FCM sends.
    officer(&stub)
        .case_action(&id, &CaseAction::Start { message: None })
        .await
        .unwrap();
    wait_until("two more messages", || stub.push_out_counts() == (4, 1)).await;
    assert_eq!(fake.issued.lock().unwrap().len(), 1);
    assert!(fake.problems.lock().unwrap().is_empty());
    stub.shutdown().await;
    server.abort();
}
