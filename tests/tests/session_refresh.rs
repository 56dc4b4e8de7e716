//! Issue 14, item 3: a token refresh whose answer is lost on the way back (a cut on 3G) must
//! not sign the resident out. The fault proxy cuts every answer to `auth/refresh` while the
//! access token has expired and a report waits in the outbox; then the link heals.
//! With the server's grace period the client ends signed in and the report is delivered
//! exactly once; without it (grace 0, the old behaviour) the client is signed out but keeps
//! the report, which goes out once the resident signs in again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::{Client, ClientOptions};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy};
use phananh_stub::{RunningStub, StubOptions};
use phananh_tests::sync_support::*;

const PHONE: &str = "0912000140";

struct Rig {
    stub: RunningStub,
    proxy: FaultProxy,
    client: Client,
    _dir: tempfile::TempDir,
}

async fn rig(grace: Duration) -> Rig {
    let stub = phananh_stub::start(StubOptions {
        refresh_grace: grace,
        ..StubOptions::for_tests()
    })
    .await
    .expect("stub");
    let proxy = FaultProxy::start(stub.addr(), FaultConfig::clean())
        .await
        .expect("proxy");
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = Client::open(ClientOptions {
        base_url: Some(proxy.base_url()),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        ..ClientOptions::new(dir.path())
    })
    .await
    .expect("client");
    sign_in(&client, &stub, PHONE).await;
    Rig {
        stub,
        proxy,
        client,
        _dir: dir,
    }
}

/// Every refresh answer is lost while one report, with a photo, is sent on an expired token.
async fn lose_refresh_answers(r: &Rig) {
    let photo = small_photos().into_iter().next().expect("a shared photo");
    let id = make_draft(&r.client, 1, &[photo]).await;
    r.client.drafts().submit(id).await.expect("submit");
    assert!(r.stub.expire_access_tokens(Some(PHONE)) >= 1);
    r.proxy.set_config(FaultConfig {
        cut_response: 1.0,
        cut_response_within: 1,
        only_paths_containing: Some("auth/refresh".into()),
        ..FaultConfig::clean()
    });
    let s = r
        .client
        .outbox()
        .run_pending(Duration::from_secs(3))
        .await
        .expect("run");
    assert_eq!(s.delivered, 0, "{s:?}");
    assert!(
        r.proxy.stats().cut_responses >= 1,
        "a refresh answer was lost"
    );
    assert_eq!(r.stub.report_count(), 0);
    // A lost answer is a network failure, not a refusal: still signed in.
    assert!(r.client.session().is_signed_in().await.unwrap());
    r.proxy.set_config(FaultConfig::clean());
}

async fn deliver(r: &Rig, budget: Duration) -> (usize, usize, usize) {
    let deadline = Instant::now() + budget;
    loop {
        r.client
            .outbox()
            .run_pending(Duration::from_secs(5))
            .await
            .expect("run");
        let counts = outbox_counts(&r.client).await;
        if counts.0 == counts.2 || Instant::now() > deadline {
            return counts;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_refresh_answer_keeps_the_resident_signed_in_and_the_report_goes_once() {
    let r = rig(Duration::from_secs(120)).await;
    lose_refresh_answers(&r).await;
    assert_eq!(deliver(&r, Duration::from_secs(60)).await, (1, 0, 1));
    assert!(
        r.client.session().is_signed_in().await.unwrap(),
        "still signed in after the link healed"
    );
    assert_eq!(r.stub.report_count(), 1, "exactly once");
    r.proxy.shutdown();
    r.stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_grace_period_the_resident_is_signed_out_but_keeps_the_report() {
    let r = rig(Duration::ZERO).await;
    lose_refresh_answers(&r).await;
    // The retried refresh is a reuse now: the server revokes the sign-in.
    deliver(&r, Duration::from_secs(5)).await;
    assert!(!r.client.session().is_signed_in().await.unwrap());
    // Signed out, the report is its owner's and out of sight; it waits, neither failed nor lost.
    let kept = r.client.store().outbox_items().unwrap();
    assert_eq!(kept.len(), 1);
    assert!(
        matches!(
            kept[0].state,
            phananh_core::model::LocalState::Queued | phananh_core::model::LocalState::Uploading
        ),
        "{:?}",
        kept[0].state
    );
    assert!(r.client.outbox().items().await.unwrap().is_empty());
    assert_eq!(r.stub.report_count(), 0);
    // Signing in again (a new OTP) sends it, once.
    sign_in(&r.client, &r.stub, PHONE).await;
    assert_eq!(deliver(&r, Duration::from_secs(60)).await, (1, 0, 1));
    assert_eq!(r.stub.report_count(), 1);
    r.proxy.shutdown();
    r.stub.shutdown().await;
}
