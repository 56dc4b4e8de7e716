//! Status sync, ratings through the outbox, token expiry mid-queue, permanent failures that
//! stop only their item, progress events, video held for Wi-Fi, offline feed and config
//! ETag — all against the real stub over loopback.

use std::sync::Arc;
use std::time::Duration;

use phananh_core::api::app::FeedQuery;
use phananh_core::api::{Api, HttpOptions, MemorySecretStore, SecretStore, Session};
use phananh_core::model::LocalState;
use phananh_core::sync::{BlockReason, FailureCode};
use phananh_core::wire::{self, CaseAction, Role};
use phananh_core::{Client, ClientOptions, Error};
use phananh_stub::{RunningStub, StubOptions};
use phananh_tests::sync_support::*;

struct Env {
    stub: RunningStub,
    client: Client,
    secrets: Arc<dyn SecretStore>,
    _dir: tempfile::TempDir,
}

async fn env_with(opts: StubOptions, phone: &str, video: bool) -> Env {
    let stub = phananh_stub::start(opts).await.expect("stub");
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = Client::open(ClientOptions {
        base_url: Some(stub.base_url()),
        secret_store: Some(secrets.clone()),
        sync: fast_sync_options(),
        video_transcoder: video
            .then(|| Arc::new(phananh_desktop::FfmpegTranscoder::default()) as _),
        ..ClientOptions::new(dir.path())
    })
    .await
    .expect("client");
    sign_in(&client, &stub, phone).await;
    Env {
        stub,
        client,
        secrets,
        _dir: dir,
    }
}

fn officer(stub: &RunningStub) -> Api {
    let t = stub
        .staff_login(phananh_stub::IOC, Role::Officer)
        .expect("officer");
    let s: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let api = Api::new(&stub.base_url(), s, HttpOptions::default()).unwrap();
    api.auth()
        .set_session(&Session {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            user_id: Some(t.user.id),
        })
        .unwrap();
    api
}

/// Submit one report with one small photo and deliver it; returns its server id.
async fn deliver_one(e: &Env, n: usize) -> String {
    let id = make_draft(
        &e.client,
        n,
        &[small_photos()[n % small_photos().len()].clone()],
    )
    .await;
    let item = e.client.drafts().submit(id).await.unwrap();
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(60))
        .await
        .unwrap();
    assert!(s.delivered >= 1, "{s:?}");
    e.client
        .store()
        .outbox_item(item.client_id)
        .unwrap()
        .server_id
        .expect("server id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_sync_merges_timelines_and_emits_only_real_changes() {
    let e = env_with(StubOptions::for_tests(), "0912000201", false).await;
    let id = deliver_one(&e, 1).await;
    let mut sub = e.client.reports().subscribe().await.unwrap();
    let first = tokio::time::timeout(Duration::from_secs(1), sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        first
            .reports
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        [id.as_str()],
        "replay first"
    );

    let off = officer(&e.stub);
    off.case_action(&id, &CaseAction::Accept { message: None })
        .await
        .unwrap();
    off.case_action(
        &id,
        &CaseAction::Start {
            message: Some("Đã cử người".into()),
        },
    )
    .await
    .unwrap();
    let changed = e.client.reports().sync().await.unwrap();
    assert_eq!(changed, [id.clone()]);
    let snap = tokio::time::timeout(Duration::from_secs(1), sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snap.changed, [id.clone()]);
    let r = e.client.reports().cached(&id).await.unwrap().unwrap();
    assert_eq!(r.status, wire::ReportStatus::InProgress);
    let events_before = r.timeline.len();
    assert!(
        events_before >= 3,
        "received, forwarded, started: {:?}",
        r.timeline
    );

    // Nothing new on the server: no emission, nothing changed.
    assert!(e.client.reports().sync().await.unwrap().is_empty());
    assert!(
        tokio::time::timeout(Duration::from_millis(400), sub.next())
            .await
            .is_err(),
        "no change, no event"
    );

    off.case_action(
        &id,
        &CaseAction::Resolve {
            message: "Đã vá ổ gà".into(),
            media: vec![],
        },
    )
    .await
    .unwrap();
    assert_eq!(e.client.reports().sync().await.unwrap(), [id.clone()]);
    let r = e.client.reports().cached(&id).await.unwrap().unwrap();
    assert_eq!(r.status, wire::ReportStatus::Resolved);
    assert_eq!(
        r.timeline.len(),
        events_before + 1,
        "exactly the new event merged"
    );
    assert!(r.timeline.windows(2).all(|w| w[0].id < w[1].id));
    println!("FIGURES sync_status: timeline {} events merged, 1 replay + 2 change notifications, 0 for an unchanged sync", r.timeline.len());
    e.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rating_made_offline_is_delivered_later_and_reopens() {
    let e = env_with(StubOptions::for_tests(), "0912000202", false).await;
    let id = deliver_one(&e, 2).await;
    let off = officer(&e.stub);
    for a in [
        CaseAction::Accept { message: None },
        CaseAction::Start { message: None },
        CaseAction::Resolve {
            message: "Xong".into(),
            media: vec![],
        },
    ] {
        off.case_action(&id, &a).await.unwrap();
    }
    e.client.reports().sync().await.unwrap();

    // Bad ratings are refused before they reach the outbox.
    assert!(matches!(
        e.client.reports().rate(&id, 9, None, false).await,
        Err(Error::Validation(_))
    ));
    assert!(
        matches!(
            e.client.reports().rate(&id, 3, None, true).await,
            Err(Error::Validation(_))
        ),
        "only 'not satisfied' may reopen"
    );

    e.client.outbox().set_network(false, false);
    let item = e
        .client
        .reports()
        .rate(&id, 1, Some("Mới vá tạm, trời mưa lại hỏng".into()), true)
        .await
        .unwrap();
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!((s.delivered, s.pending), (0, 1));
    let snap = e.client.outbox().snapshot().await.unwrap();
    let row = snap
        .entries
        .iter()
        .find(|x| x.item.client_id == item.client_id)
        .unwrap();
    assert_eq!(row.blocked, Some(BlockReason::Offline));

    e.client.outbox().set_network(true, false);
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(s.delivered, 1);
    assert_eq!(
        e.client.store().outbox_item(item.client_id).unwrap().state,
        LocalState::Submitted
    );
    let r = e.client.reports().refresh(&id).await.unwrap();
    let rating = r.my_rating.expect("rating on server");
    assert_eq!((rating.level, rating.reopen), (1, true));
    assert_eq!(r.status, wire::ReportStatus::Reopened);
    e.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_expiry_mid_queue_refreshes_once_and_a_refused_refresh_waits_for_sign_in() {
    let e = env_with(StubOptions::for_tests(), "0912000203", false).await;
    let photos = small_photos();
    for n in 0..6 {
        let id = make_draft(&e.client, n, &[photos[n % photos.len()].clone()]).await;
        e.client.drafts().submit(id).await.unwrap();
    }
    let before = e
        .secrets
        .get(phananh_core::api::auth::SESSION_KEY)
        .unwrap()
        .unwrap();
    // Expire every access token repeatedly while the queue drains.
    let mut expired = 0;
    let s = {
        let expire = async {
            loop {
                tokio::time::sleep(Duration::from_millis(150)).await;
                expired += e.stub.expire_access_tokens(None);
            }
        };
        let outbox = e.client.outbox();
        tokio::select! {
            s = outbox.run_pending(Duration::from_secs(60)) => s.unwrap(),
            _ = expire => unreachable!(),
        }
    };
    assert_eq!((s.delivered, s.failed), (6, 0), "{s:?}");
    let after = e
        .secrets
        .get(phananh_core::api::auth::SESSION_KEY)
        .unwrap()
        .unwrap();
    assert_ne!(before, after, "tokens were refreshed");
    println!("FIGURES sync_token: 6 reports delivered while {expired} access tokens were expired under them");

    // A refresh the server refuses: items wait for sign-in, none fails.
    let mut s: Session = serde_json::from_str(&after).unwrap();
    s.refresh_token = "revoked".into();
    e.secrets
        .set(
            phananh_core::api::auth::SESSION_KEY,
            &serde_json::to_string(&s).unwrap(),
        )
        .unwrap();
    e.stub.expire_access_tokens(None);
    let id = make_draft(&e.client, 7, &[photos[0].clone()]).await;
    let item = e.client.drafts().submit(id).await.unwrap();
    let r = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(r.delivered, 0);
    assert!(!e.client.session().is_signed_in().await.unwrap());
    // Kept for its owner, not failed; signed out, the outbox shows no account's items.
    let kept = e.client.store().outbox_item(item.client_id).unwrap();
    assert!(
        !matches!(
            kept.state,
            LocalState::Failed { .. } | LocalState::Submitted
        ),
        "{kept:?}"
    );
    assert!(e
        .client
        .outbox()
        .snapshot()
        .await
        .unwrap()
        .entries
        .iter()
        .all(|x| x.item.client_id != item.client_id));
    // A report written now, signed out, waits for sign-in.
    let later = e
        .client
        .drafts()
        .submit(make_draft(&e.client, 8, &[photos[0].clone()]).await)
        .await
        .unwrap();
    let row = e
        .client
        .outbox()
        .snapshot()
        .await
        .unwrap()
        .entries
        .iter()
        .find(|x| x.item.client_id == later.client_id)
        .cloned()
        .unwrap();
    assert_eq!(row.blocked, Some(BlockReason::SignedOut));
    sign_in(&e.client, &e.stub, "0912000203").await;
    assert_eq!(
        e.client
            .outbox()
            .run_pending(Duration::from_secs(30))
            .await
            .unwrap()
            .delivered,
        2
    );
    e.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_failure_stops_only_its_item_and_progress_is_streamed() {
    // The server accepts files up to 100 kB: the Nikon photo (~114 kB after compression)
    // is too large; the small ones pass.
    let e = env_with(
        StubOptions {
            max_upload_bytes: 100_000,
            ..StubOptions::for_tests()
        },
        "0912000204",
        false,
    )
    .await;
    let nikon = phananh_tests::shared_data().join("photos/nikon_coolpix_p6000_gps_DSCN0010.jpg");
    let small = small_photos()
        .into_iter()
        .find(|p| p.to_string_lossy().contains("landscape"))
        .unwrap();
    let big_item = e
        .client
        .drafts()
        .submit(make_draft(&e.client, 1, &[nikon]).await)
        .await
        .unwrap();
    let ok_item = e
        .client
        .drafts()
        .submit(make_draft(&e.client, 2, &[small.clone(), small]).await)
        .await
        .unwrap();

    let mut sub = e.client.outbox().subscribe().await.unwrap();
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(s) = sub.next().await {
            if let Some(row) = s
                .entries
                .iter()
                .find(|r| r.item.client_id == ok_item.client_id)
            {
                seen.push((row.bytes_sent, row.bytes_total, row.item.state.clone()));
                if row.item.state == LocalState::Submitted {
                    break;
                }
            }
        }
        seen
    });
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!((s.delivered, s.failed), (1, 1), "{s:?}");
    let seen = tokio::time::timeout(Duration::from_secs(5), watcher)
        .await
        .unwrap()
        .unwrap();
    let (last_sent, last_total, _) = seen.last().cloned().unwrap();
    assert_eq!(last_sent, last_total, "progress reaches the total");
    assert!(
        seen.iter().any(|(s, t, _)| *s > 0 && s < t),
        "intermediate progress was published: {seen:?}"
    );
    assert!(
        seen.windows(2)
            .all(|w| w[1].0 >= w[0].0 || w[1].2 != w[0].2),
        "progress never goes back within a state"
    );

    let failed = e.client.store().outbox_item(big_item.client_id).unwrap();
    let LocalState::Failed { failure: f } = &failed.state else {
        panic!("{:?}", failed.state)
    };
    assert_eq!((f.code, f.status), (FailureCode::TooLarge, Some(413)));
    assert!(!f.retryable());
    let reason = f.code.as_str();
    // Retry is offered and runs again (and fails again: the file did not shrink).
    e.client.outbox().retry(big_item.client_id).await.unwrap();
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(s.failed, 1);
    assert_eq!(e.stub.report_count(), 1);
    println!(
        "FIGURES sync_permanent: 1 delivered, 1 failed ({reason}), {} progress snapshots observed",
        seen.len()
    );
    e.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_waits_for_wifi_when_the_user_asks() {
    let e = env_with(StubOptions::for_tests(), "0912000205", true).await;
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("clip.mp4");
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=640x360:rate=15",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=2",
        ])
        .args([
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            "-y",
        ])
        .arg(&video)
        .status()
        .expect("ffmpeg");
    assert!(ok.success());
    let id = make_draft(&e.client, 1, &[small_photos()[0].clone(), video]).await;
    let item = e.client.drafts().submit(id).await.unwrap();
    e.client.outbox().set_video_wifi_only(true).await.unwrap();
    e.client.outbox().set_network(true, true);
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(s.delivered, 0);
    let row = e
        .client
        .outbox()
        .snapshot()
        .await
        .unwrap()
        .entries
        .iter()
        .find(|x| x.item.client_id == item.client_id)
        .cloned()
        .unwrap();
    assert_eq!(row.blocked, Some(BlockReason::WaitingForWifi));
    let d = e.client.drafts().get(id).await.unwrap();
    assert!(
        matches!(
            d.attachments[0].upload,
            phananh_core::model::UploadState::Uploaded { .. }
        ),
        "the photo went on mobile data"
    );
    e.client.outbox().set_network(true, false);
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(s.delivered, 1);
    e.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_is_cached_for_offline_and_config_uses_etag() {
    let e = env_with(StubOptions::for_tests(), "0912000206", false).await;
    let id = deliver_one(&e, 3).await;
    let q = FeedQuery {
        limit: Some(20),
        ..Default::default()
    };
    let online = e.client.feed().page(&q).await.unwrap();
    assert!(!online.from_cache);
    assert!(online.page.items.iter().any(|i| i.id == id));
    e.client.outbox().set_network(false, false);
    let offline = e.client.feed().page(&q).await.unwrap();
    assert!(offline.from_cache);
    assert_eq!(offline.page, online.page);
    let other = FeedQuery {
        text: Some("duong".into()),
        ..Default::default()
    };
    assert!(
        matches!(e.client.feed().page(&other).await, Err(Error::Offline(_))),
        "no cache for a query never fetched"
    );
    e.client.outbox().set_network(true, false);
    assert!(
        e.client.tenant().refresh().await.unwrap(),
        "first fetch applies the config"
    );
    assert!(
        !e.client.tenant().refresh().await.unwrap(),
        "304 Not Modified the second time"
    );
    assert_eq!(
        e.client
            .tenant()
            .config()
            .api_base_url
            .trim_end_matches('/'),
        e.stub.base_url().trim_end_matches('/')
    );
    e.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_pending_stops_at_its_deadline_and_the_next_run_finishes_the_work() {
    let e = env_with(StubOptions::for_tests(), "0912000207", false).await;
    let large = jpeg_photos();
    for n in 0..2 {
        let id = make_draft(
            &e.client,
            n,
            &[large[n % large.len()].clone(), small_photos()[n].clone()],
        )
        .await;
        e.client.drafts().submit(id).await.unwrap();
    }
    let budget = Duration::from_millis(400);
    let t = std::time::Instant::now();
    let s = e.client.outbox().run_pending(budget).await.unwrap();
    let took = t.elapsed();
    assert!(s.hit_deadline && s.delivered < 2, "{s:?}");
    // Generous margin: CI machines are busy; the point is that it returns, bounded.
    assert!(
        took < budget + Duration::from_secs(2),
        "stopped {took:?} after a {budget:?} budget"
    );
    assert!(!e.client.outbox().snapshot().await.unwrap().running);
    e.client
        .outbox()
        .run_pending(Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(outbox_counts(&e.client).await, (2, 0, 2));
    assert_eq!(e.stub.report_count(), 2);
    println!("FIGURES sync_deadline: run_pending({budget:?}) returned after {took:?} with work left; next run delivered the rest exactly once");
    e.stub.shutdown().await;
}

#[tokio::test]
async fn open311_surface_lists_services_and_round_trips_a_request() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let api = Api::new(
        &stub.base_url(),
        Arc::new(MemorySecretStore::default()),
        HttpOptions::default(),
    )
    .unwrap();
    let services = api.open311_services().await.unwrap();
    assert!(
        services.iter().any(|s| s.service_code == "giao_thong"),
        "{services:?}"
    );
    let created = api
        .open311_post(&phananh_core::api::open311::NewServiceRequest {
            api_key: "dev-open311-key".into(),
            service_code: "moi_truong".into(),
            lat: 18.3428,
            long: 105.9057,
            description: "Rác thải đổ trộm ven đường Hà Huy Tập".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = created[0]
        .service_request_id
        .clone()
        .expect("service_request_id");
    let got = api.open311_request(&id).await.unwrap();
    assert_eq!(got[0].service_request_id, id);
    assert_eq!(got[0].status, "open");
    assert_eq!(got[0].service_code.as_deref(), Some("moi_truong"));
    let wrong_key = api
        .open311_post(&phananh_core::api::open311::NewServiceRequest {
            api_key: "nope".into(),
            service_code: "moi_truong".into(),
            lat: 18.3,
            long: 105.9,
            description: "x".repeat(20),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(wrong_key, Err(Error::Forbidden(_))),
        "{wrong_key:?}"
    );
    stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_that_expired_on_the_server_are_sent_again_before_the_report() {
    let e = env_with(StubOptions::for_tests(), "0912000208", false).await;
    let photo = small_photos()[0].clone();
    let id = make_draft(&e.client, 1, &[photo.clone()]).await;
    let att = e.client.drafts().get(id).await.unwrap().attachments[0].clone();
    // As if processed and uploaded days ago: the server has since dropped the upload.
    let rel = format!("media/{id}/{}.upload.jpg", att.id);
    std::fs::copy(&photo, e.client.resolve(&rel)).unwrap();
    e.client
        .store()
        .set_attachment_processed(att.id, &rel, "image/jpeg", None)
        .unwrap();
    let gone = format!("{}files/0000expired", e.stub.base_url());
    e.client
        .store()
        .set_attachment_upload(
            att.id,
            &phananh_core::model::UploadState::Uploaded { url: gone.clone() },
        )
        .unwrap();
    let item = e.client.drafts().submit(id).await.unwrap();
    let s = e
        .client
        .outbox()
        .run_pending(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!((s.delivered, s.failed), (1, 0), "{s:?}");
    let server_id = e
        .client
        .store()
        .outbox_item(item.client_id)
        .unwrap()
        .server_id
        .unwrap();
    let r = e.client.reports().refresh(&server_id).await.unwrap();
    assert_eq!(r.media.len(), 1);
    // The server serves photos without their metadata (issue 15): the listed hash is of the
    // stripped file; the upload was checked against the photo's SHA-256 when attached.
    assert!(
        r.media[0].size_bytes > 0
            && r.media[0].size_bytes <= std::fs::metadata(&photo).unwrap().len()
    );
    let phananh_core::model::UploadState::Uploaded { url } =
        e.client.drafts().get(id).await.unwrap().attachments[0]
            .upload
            .clone()
    else {
        panic!()
    };
    assert_ne!(url, gone, "uploaded again under a new URL");
    e.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_run_returns_early_when_the_next_retry_is_after_its_deadline() {
    use phananh_stub::faultproxy::{FaultConfig, FaultProxy};
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let proxy = FaultProxy::start(stub.addr(), FaultConfig::clean())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut sync = fast_sync_options();
    sync.backoff = phananh_core::sync::backoff::Backoff {
        base: Duration::from_secs(60),
        cap: Duration::from_secs(600),
    };
    let client = Client::open(ClientOptions {
        base_url: Some(proxy.base_url()),
        sync,
        ..ClientOptions::new(dir.path())
    })
    .await
    .unwrap();
    sign_in(&client, &stub, "0912000209").await;
    client
        .drafts()
        .submit(make_draft(&client, 1, &[small_photos()[0].clone()]).await)
        .await
        .unwrap();
    // The server answers 5xx/429 to everything now.
    proxy.set_config(FaultConfig {
        http_error: 1.0,
        retry_after_s: 120,
        ..FaultConfig::clean()
    });
    let t = std::time::Instant::now();
    let s = client
        .outbox()
        .run_pending(Duration::from_secs(20))
        .await
        .unwrap();
    let took = t.elapsed();
    assert_eq!((s.delivered, s.failed, s.pending), (0, 0, 1), "{s:?}");
    assert!(
        !s.hit_deadline && took < Duration::from_secs(10),
        "returned early: {took:?}"
    );
    let next = s
        .next_attempt_at
        .expect("next attempt time for the scheduler");
    assert!(
        next > chrono::Utc::now() + chrono::Duration::seconds(25),
        "backoff honoured: {next}"
    );
    stub.shutdown().await;
}
