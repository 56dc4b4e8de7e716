//! Issue 13, item 1: verified closure. A unit resolves a case with an "after" photo; the
//! stub reads where and when the photo was taken before stripping its metadata, and the
//! resident sees "verified on site" with the distance, or "not verified" and why. The
//! resident confirms or disputes (through the outbox, offline first); a dispute reopens the
//! case at the IOC; a second answer or one after 7 days is refused. Real stub on loopback,
//! real camera photo with its EXIF rewritten by exiftool, real core.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DurationRound, Utc};
use phananh_core::api::{Api, MemorySecretStore, SecretStore};
use phananh_core::model::{LocalState, OutboxKind};
use phananh_core::wire::{self, CaseAction, ClosureVerdict, Role, VerificationReason};
use phananh_core::{Client, ClientOptions, Error};
use phananh_stub::{RunningStub, StubOptions};
use phananh_tests::after_photo::{north_of, photo_with, upload_as};
use phananh_tests::sync_support::*;

struct Env {
    stub: RunningStub,
    client: Client,
    dir: tempfile::TempDir,
}

async fn env(phone: &str) -> Env {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions {
        base_url: Some(stub.base_url()),
        secret_store: Some(Arc::new(MemorySecretStore::default()) as Arc<dyn SecretStore>),
        sync: fast_sync_options(),
        ..ClientOptions::new(dir.path().join("app"))
    })
    .await
    .expect("client");
    sign_in(&client, &stub, phone).await;
    Env { stub, client, dir }
}

/// Submit `n` reports (one small real photo each) and deliver them; their server reports.
async fn deliver(e: &Env, n: usize) -> Vec<wire::Report> {
    let photos = small_photos();
    let mut items = Vec::new();
    for k in 0..n {
        let d = make_draft(&e.client, k * 50, &[photos[k % photos.len()].clone()]).await;
        items.push(e.client.drafts().submit(d).await.unwrap());
    }
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(s.delivered as usize, n, "{s:?}");
    let mut out = Vec::new();
    for i in items {
        let id = e
            .client
            .store()
            .outbox_item(i.client_id)
            .unwrap()
            .server_id
            .unwrap();
        out.push(e.client.reports().refresh(&id).await.unwrap());
    }
    out
}

/// The unit in charge accepts, starts and resolves `id` with `media`.
async fn resolve(staff: &Api, id: &str, media: Vec<wire::NewMedia>) -> wire::Report {
    staff
        .case_action(id, &CaseAction::Accept { message: None })
        .await
        .unwrap();
    staff
        .case_action(id, &CaseAction::Start { message: None })
        .await
        .unwrap();
    staff
        .case_action(
            id,
            &CaseAction::Resolve {
                message: "Đã vá xong ổ gà".into(),
                media,
            },
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_photos_are_verified_only_near_the_report_and_after_it() {
    let e = env("0912000401").await;
    let reports = deliver(&e, 5).await;
    let tokens = e
        .stub
        .staff_login(phananh_stub::IOC, Role::Officer)
        .unwrap();
    let token = tokens.access_token.clone();
    let ioc = api_as(&e.stub, tokens);
    let base = e.stub.base_url();
    // GPS time has whole seconds: one second past the report's creation is after it.
    let after = |r: &wire::Report| {
        r.created_at
            .duration_trunc(chrono::Duration::seconds(1))
            .unwrap()
            + chrono::Duration::seconds(1)
    };
    // (where, when, file name) of each report's "after" photo
    type Shot = (
        Option<(f64, f64)>,
        Option<chrono::DateTime<Utc>>,
        &'static str,
    );
    let cases: Vec<Shot> = vec![
        (
            Some(north_of(reports[0].lat, reports[0].lon, 40.0)),
            Some(after(&reports[0])),
            "near",
        ),
        (
            Some(north_of(reports[1].lat, reports[1].lon, 2000.0)),
            Some(after(&reports[1])),
            "far",
        ),
        (
            Some(north_of(reports[2].lat, reports[2].lon, 10.0)),
            Some(reports[2].created_at - chrono::Duration::days(1)),
            "before",
        ),
        (None, Some(after(&reports[3])), "nopos"),
    ];
    for (r, (pos, taken, name)) in reports.iter().zip(&cases) {
        let p = photo_with(e.dir.path(), &format!("{name}.jpg"), *pos, *taken);
        let media = upload_as(&base, &token, &p).await;
        resolve(&ioc, &r.id, vec![media]).await;
    }
    // The fifth is resolved without any photo: it can be, and it shows "not verified".
    resolve(&ioc, &reports[4].id, vec![]).await;

    let changed = e.client.reports().sync().await.unwrap();
    assert_eq!(changed.len(), 5, "{changed:?}");
    let v = |k: usize| {
        let c = &e.client;
        let id = reports[k].id.clone();
        async move {
            c.reports()
                .cached(&id)
                .await
                .unwrap()
                .unwrap()
                .verification
                .expect("verification of a resolved case")
        }
    };
    let near = v(0).await;
    assert!(near.verified, "{near:?}");
    assert_eq!(near.reason, None);
    let d = near.distance_m.unwrap();
    assert!((d - 40.0).abs() < 1.0, "distance {d}");
    assert_eq!(near.radius_m, wire::closure::DEFAULT_VERIFY_RADIUS_M);
    assert_eq!(near.photo_taken_at, Some(after(&reports[0])));
    assert!(near.answer_until > Utc::now() + chrono::Duration::days(6));

    let far = v(1).await;
    assert!(!far.verified);
    assert_eq!(far.reason, Some(VerificationReason::TooFar));
    assert!((far.distance_m.unwrap() - 2000.0).abs() < 5.0, "{far:?}");
    let before = v(2).await;
    assert_eq!(
        (before.verified, before.reason),
        (false, Some(VerificationReason::TakenBeforeReport))
    );
    let nopos = v(3).await;
    assert_eq!(
        (nopos.verified, nopos.reason, nopos.distance_m),
        (false, Some(VerificationReason::NoPositionInPhoto), None)
    );
    let none = v(4).await;
    assert_eq!(
        (none.verified, none.reason, none.photo_id),
        (false, Some(VerificationReason::NoPhoto), None)
    );

    // The photo served to everyone no longer says where or when it was taken.
    let cached = e
        .client
        .reports()
        .cached(&reports[0].id)
        .await
        .unwrap()
        .unwrap();
    let after_ref = cached
        .timeline
        .iter()
        .flat_map(|ev| ev.media.iter())
        .find(|m| Some(&m.id) == near.photo_id.as_ref())
        .expect("the checked photo is the resolution's");
    let served = ioc.media_bytes(&after_ref.url).await.unwrap();
    let out = e.dir.path().join("served.jpg");
    std::fs::write(&out, &served).unwrap();
    let tags = std::process::Command::new("exiftool")
        .args(["-s", "-GPSLatitude", "-DateTimeOriginal"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&tags.stdout).trim().is_empty(),
        "served photo still carries {:?}",
        String::from_utf8_lossy(&tags.stdout)
    );
    println!(
        "FIGURES closure: near {:.1} m verified; far {:.1} m too_far; before: taken_before_report; no GPS: no_position_in_photo; no photo: no_photo",
        d,
        far.distance_m.unwrap()
    );
    e.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_reopens_at_the_ioc_and_answers_are_once_and_within_7_days() {
    const PHONE: &str = "0912000402";
    let e = env(PHONE).await;
    let reports = deliver(&e, 2).await;
    let (r, r2) = (&reports[0], &reports[1]);
    let ward_unit = e
        .stub
        .ward_unit_at(r.lat, r.lon)
        .expect("ward of the point");
    assert_eq!(
        r.unit.as_ref().map(|u| u.code.clone()),
        Some(ward_unit.clone())
    );
    let ward = api_as(
        &e.stub,
        e.stub.staff_login(&ward_unit, Role::Officer).unwrap(),
    );
    resolve(&ward, &r.id, vec![]).await;
    resolve(&ward, &r2.id, vec![]).await;

    // Before the sync the device does not know the resolution: nothing to answer yet.
    assert!(matches!(
        e.client.reports().confirm(&r.id).await,
        Err(Error::InvalidState { .. })
    ));
    e.client.reports().sync().await.unwrap();

    // Bad input is refused before it reaches the outbox.
    let field = |res: Result<_, Error>| match res {
        Err(Error::Validation(f)) => f.into_iter().map(|f| f.field).collect::<Vec<_>>(),
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(
        field(e.client.reports().dispute(&r.id, "   ").await),
        ["text"]
    );
    assert_eq!(
        field(
            e.client
                .reports()
                .dispute(&r.id, &"ổ gà ".repeat(300))
                .await
        ),
        ["text"]
    );
    assert!(matches!(
        e.client.reports().confirm("999999").await,
        Err(Error::NotFound { .. })
    ));

    // Offline first: the dispute waits in the outbox, then goes exactly once.
    e.client.outbox().set_network(false, false);
    let item = e
        .client
        .reports()
        .dispute(&r.id, "Vẫn còn ổ gà, mới lấp đất tạm")
        .await
        .unwrap();
    assert!(matches!(
        item.kind,
        OutboxKind::Closure {
            verdict: ClosureVerdict::Disputed,
            ..
        }
    ));
    assert!(
        matches!(
            e.client.reports().confirm(&r.id).await,
            Err(Error::InvalidState { .. })
        ),
        "a second answer while the first is queued"
    );
    e.client.outbox().set_network(true, false);
    e.client
        .outbox()
        .run_pending(Duration::from_secs(30))
        .await
        .unwrap();
    let sent = e.client.store().outbox_item(item.client_id).unwrap();
    assert_eq!(sent.state, LocalState::Submitted);

    let now = e.client.reports().cached(&r.id).await.unwrap().unwrap();
    assert_eq!(now.status, wire::ReportStatus::Reopened);
    assert_eq!(
        now.unit.as_ref().map(|u| u.code.as_str()),
        Some(phananh_stub::IOC)
    );
    let answer = now
        .verification
        .as_ref()
        .unwrap()
        .my_answer
        .clone()
        .unwrap();
    assert_eq!(answer.verdict, ClosureVerdict::Disputed);
    // The case is the IOC's now: the ward that resolved it cannot act on it any more.
    assert!(matches!(
        ward.case_action(&r.id, &CaseAction::Start { message: None })
            .await,
        Err(Error::Forbidden(_))
    ));

    // On the server: the same client id again is the same answer (a lost reply); another
    // answer is refused with its own problem type.
    let resident = e.stub.login(PHONE).unwrap().access_token;
    let post = |key: uuid::Uuid, verdict: &str| {
        let url = format!("{}{}", e.stub.base_url(), wire::paths::closure(&r.id));
        let body = serde_json::json!({"verdict": verdict, "text": "Vẫn còn ổ gà, mới lấp đất tạm"});
        let token = resident.clone();
        async move {
            let resp = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header(wire::IDEMPOTENCY_KEY, key.to_string())
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (s, replay) = post(item.client_id, "disputed").await;
    assert_eq!(s, 200, "{replay}");
    assert_eq!(replay["status"], "reopened");
    let (s, again) = post(uuid::Uuid::now_v7(), "confirmed").await;
    assert_eq!(s, 409);
    assert_eq!(again["type"], wire::problem_types::ALREADY_ANSWERED);

    // The second case, resolved 8 days ago: too late to answer, here and on the server.
    assert!(e
        .stub
        .backdate_resolution(&r2.id, Duration::from_secs(8 * 86_400)));
    e.client.reports().refresh(&r2.id).await.unwrap();
    match e.client.reports().confirm(&r2.id).await {
        Err(Error::InvalidState { state, .. }) => {
            assert!(state.contains("answer window"), "{state}")
        }
        other => panic!("expected the window to be closed, got {other:?}"),
    }
    let url = format!("{}{}", e.stub.base_url(), wire::paths::closure(&r2.id));
    let resp = reqwest::Client::new()
        .post(url)
        .bearer_auth(&resident)
        .header(wire::IDEMPOTENCY_KEY, uuid::Uuid::now_v7().to_string())
        .json(&serde_json::json!({"verdict": "confirmed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    let p: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(p["type"], wire::problem_types::ANSWER_WINDOW_CLOSED);
    // Someone else's case: not theirs to answer.
    let stranger = api_as(&e.stub, e.stub.login("0912000403").unwrap());
    assert!(matches!(
        stranger
            .answer_closure(
                &r2.id,
                uuid::Uuid::now_v7(),
                &wire::ClosureRequest {
                    verdict: ClosureVerdict::Confirmed,
                    text: None
                }
            )
            .await,
        Err(Error::Forbidden(_))
    ));
    e.stub.shutdown().await;
}
