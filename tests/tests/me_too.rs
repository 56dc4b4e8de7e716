//! Issue 13, item 2: "me too". A second and a third resident about to report the same
//! pothole find the open report within 150 m (from the server, and offline from the cached
//! feed) and join it instead of filing again: one report, two followers, delivered exactly
//! once through a fault proxy that loses answers. Followers get its news with their own
//! reports and may rate it and confirm its fix (also exactly once through lost answers); the count shows to officers, in the feed and in Open311 (JSON and
//! XML). Real stub on loopback, real photos, real core.

use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::app::FeedQuery;
use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::model::LocalState;
use phananh_core::wire::{CaseAction, Role};
use phananh_core::{Client, ClientOptions, Error};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy};
use phananh_stub::StubOptions;
use phananh_tests::after_photo::north_of;
use phananh_tests::sync_support::*;

async fn client_at(base: String, dir: &std::path::Path) -> Client {
    Client::open(ClientOptions {
        base_url: Some(base),
        secret_store: Some(Arc::new(MemorySecretStore::default()) as Arc<dyn SecretStore>),
        sync: fast_sync_options(),
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_pothole_twice_more_is_one_report_with_two_followers_exactly_once() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let dir = tempfile::tempdir().unwrap();
    // A files the pothole directly; B and C reach the server through a faulty proxy.
    let a = client_at(stub.base_url(), &dir.path().join("a")).await;
    sign_in(&a, &stub, "0912000501").await;
    let draft = make_draft(&a, 0, &[small_photos()[0].clone()]).await;
    let item = a.drafts().submit(draft).await.unwrap();
    a.outbox()
        .run_pending(Duration::from_secs(60))
        .await
        .unwrap();
    let id = a
        .store()
        .outbox_item(item.client_id)
        .unwrap()
        .server_id
        .unwrap();
    let filed = a.reports().refresh(&id).await.unwrap();

    let proxy = FaultProxy::start(stub.addr(), FaultConfig::clean())
        .await
        .expect("proxy");
    let b = client_at(proxy.base_url(), &dir.path().join("b")).await;
    let c = client_at(proxy.base_url(), &dir.path().join("c")).await;
    sign_in(&b, &stub, "0912000502").await;
    sign_in(&c, &stub, "0912000503").await;

    // B stands 30 m away: the open pothole report is offered, with its distance; another
    // category there, or the same one 300 m away, offers nothing.
    let (lat, lon) = north_of(filed.lat, filed.lon, 30.0);
    let near = b.feed().nearby(lat, lon, "giao_thong").await.unwrap();
    assert!(!near.from_cache);
    assert_eq!(near.items.len(), 1, "{near:?}");
    assert_eq!(near.items[0].report.id, id);
    assert!(
        (near.items[0].distance_m - 30.0).abs() < 1.0,
        "{:?}",
        near.items[0]
    );
    assert!(b
        .feed()
        .nearby(lat, lon, "moi_truong")
        .await
        .unwrap()
        .items
        .is_empty());
    let (flat, flon) = north_of(filed.lat, filed.lon, 300.0);
    assert!(b
        .feed()
        .nearby(flat, flon, "giao_thong")
        .await
        .unwrap()
        .items
        .is_empty());
    assert!(matches!(
        b.feed().nearby(lat, lon, "khong_co").await,
        Err(Error::Validation(_))
    ));

    // While B writes the same report, B's draft finds it too; a draft with no position yet
    // says what is missing.
    let draft = b.drafts().create().await.unwrap();
    let missing = b.feed().nearby_for_draft(draft.id).await;
    assert!(
        matches!(&missing, Err(Error::Validation(f)) if f.iter().map(|f| f.field.as_str()).collect::<Vec<_>>() == ["location", "category"]),
        "{missing:?}"
    );
    b.drafts()
        .update(
            draft.id,
            phananh_core::model::DraftPatch {
                category: Some(Some("giao_thong".into())),
                location: Some(Some(phananh_core::model::LocationFix {
                    lat,
                    lon,
                    accuracy_m: Some(5.0),
                    altitude_m: None,
                    time: chrono::Utc::now(),
                    source: phananh_core::model::LocationSource::DeviceGps,
                })),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let for_draft = b.feed().nearby_for_draft(draft.id).await.unwrap();
    assert_eq!(for_draft.items, near.items);

    // C saw the feed earlier and is offline now: the cached feed answers.
    c.feed().page(&FeedQuery::default()).await.unwrap();
    c.outbox().set_network(false, false);
    let offline = c.feed().nearby(lat, lon, "giao_thong").await.unwrap();
    assert!(offline.from_cache);
    assert_eq!(
        offline
            .items
            .iter()
            .map(|n| n.report.id.clone())
            .collect::<Vec<_>>(),
        std::slice::from_ref(&id)
    );
    // Joining offline is queued; asking twice is the same item.
    let jc = c.reports().join(&id).await.unwrap();
    assert_eq!(c.reports().join(&id).await.unwrap().client_id, jc.client_id);
    let jb = b.reports().join(&id).await.unwrap();

    // Bad input: one's own report, an unknown one.
    assert!(matches!(
        a.reports().join(&id).await,
        Err(Error::InvalidState { .. })
    ));
    assert!(matches!(
        b.reports().join("987654").await,
        Err(Error::NotFound { .. })
    ));

    // The joins reach the server but every answer is lost on the way back (the case
    // idempotency exists for): the server has both followers, the phones do not know it yet.
    proxy.set_config(FaultConfig {
        cut_response: 1.0,
        cut_response_within: 64,
        only_paths_containing: Some("/supporters/".into()),
        ..FaultConfig::clean()
    });
    c.outbox().set_network(true, false);
    for x in [&b, &c] {
        x.outbox()
            .run_pending(Duration::from_secs(2))
            .await
            .unwrap();
    }
    for (x, cid) in [(&b, jb.client_id), (&c, jc.client_id)] {
        assert_ne!(
            x.store().outbox_item(cid).unwrap().state,
            LocalState::Submitted
        );
    }
    let officer = api_as(
        &stub,
        stub.staff_login(phananh_stub::IOC, Role::Officer).unwrap(),
    );
    assert_eq!(
        officer.report(&id).await.unwrap().supporters,
        2,
        "the work was done"
    );
    let cut = proxy.stats().cut_responses;
    assert!(cut >= 2, "answers cut: {cut}");

    // The link recovers: each join is sent again and changes nothing on the server.
    proxy.set_config(FaultConfig::clean());
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut runs = 0;
    loop {
        runs += 1;
        for x in [&b, &c] {
            x.outbox()
                .run_pending(Duration::from_secs(10))
                .await
                .unwrap();
        }
        let done = [(&b, jb.client_id), (&c, jc.client_id)]
            .iter()
            .all(|(x, cid)| x.store().outbox_item(*cid).unwrap().state == LocalState::Submitted);
        if done || Instant::now() > deadline {
            break;
        }
    }
    let join_requests = proxy
        .request_log()
        .iter()
        .filter(|r| r.path.contains("/supporters/"))
        .count();
    assert!(join_requests >= 4, "each join sent again: {join_requests}");
    for (x, cid) in [(&b, jb.client_id), (&c, jc.client_id)] {
        assert_eq!(
            x.store().outbox_item(cid).unwrap().state,
            LocalState::Submitted
        );
    }

    // One report, two followers, the reporter not among them.
    assert_eq!(stub.report_count(), 1);
    let officer = api_as(
        &stub,
        stub.staff_login(phananh_stub::IOC, Role::Officer).unwrap(),
    );
    let seen = officer.report(&id).await.unwrap();
    assert_eq!(seen.supporters, 2);
    // Joining again on the server changes nothing.
    let b_direct = api_as(&stub, stub.login("0912000502").unwrap());
    assert_eq!(b_direct.join(&id).await.unwrap().supporters, 2);
    let feed = a.feed().page(&FeedQuery::default()).await.unwrap();
    assert_eq!(
        feed.page
            .items
            .iter()
            .find(|i| i.id == id)
            .unwrap()
            .supporters,
        2
    );
    let j: serde_json::Value =
        reqwest::get(format!("{}open311/v2/requests/{id}.json", stub.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(j[0]["supporters"], 2, "{j}");
    assert_eq!(j[0]["service_request_id"], id.as_str());
    let x = reqwest::get(format!("{}open311/v2/requests/{id}.xml", stub.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(x.contains("<supporters>2</supporters>"), "{x}");
    assert!(x.contains("<service_request_id>") && x.contains("<requested_datetime>"));

    // B gets its news with B's own reports, marked as followed; after the fix B may rate it.
    b.reports().sync().await.unwrap();
    let mine = b.reports().mine().await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].following && mine[0].client_id.is_none());
    for act in [
        CaseAction::Accept { message: None },
        CaseAction::Start { message: None },
        CaseAction::Resolve {
            message: "Đã vá".into(),
            media: vec![],
        },
    ] {
        officer.case_action(&id, &act).await.unwrap();
    }
    assert_eq!(b.reports().sync().await.unwrap(), std::slice::from_ref(&id));
    let rated = b.reports().rate(&id, 3, None, false).await.unwrap();
    b.outbox()
        .run_pending(Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(
        b.store().outbox_item(rated.client_id).unwrap().state,
        LocalState::Submitted
    );
    let r = b.reports().cached(&id).await.unwrap().unwrap();
    assert_eq!(r.my_rating.map(|x| x.level), Some(3));
    // C, a follower too, confirms the fix; the first answers are lost on the way back, and
    // the replay under the same client id records nothing twice.
    c.reports().sync().await.unwrap();
    proxy.set_config(FaultConfig {
        cut_response: 1.0,
        cut_response_within: 64,
        only_paths_containing: Some("/closure".into()),
        ..FaultConfig::clean()
    });
    let confirm = c.reports().confirm(&id).await.unwrap();
    c.outbox()
        .run_pending(Duration::from_secs(2))
        .await
        .unwrap();
    assert_ne!(
        c.store().outbox_item(confirm.client_id).unwrap().state,
        LocalState::Submitted
    );
    proxy.set_config(FaultConfig::clean());
    c.outbox()
        .run_pending(Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(
        c.store().outbox_item(confirm.client_id).unwrap().state,
        LocalState::Submitted
    );
    let confirmations = officer
        .report(&id)
        .await
        .unwrap()
        .timeline
        .iter()
        .filter(|e| e.message.as_deref() == Some("Người dân xác nhận đã sửa"))
        .count();
    assert_eq!(confirmations, 1);
    let closure_requests = proxy
        .request_log()
        .iter()
        .filter(|r| r.path.contains("/closure"))
        .count();
    assert!(closure_requests >= 2, "{closure_requests}");
    // A's own view: A's report, not followed, with the count.
    let ra = a.reports().refresh(&id).await.unwrap();
    assert!(!ra.following && ra.supporters == 2);
    println!(
        "FIGURES me_too: 1 report, 2 followers; {join_requests} join requests through the proxy ({cut} answers cut), delivered in {runs} more run(s); a follower's confirmation sent {closure_requests} times, recorded once"
    );
    proxy.shutdown();
    stub.shutdown().await;
}
