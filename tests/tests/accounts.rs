//! Issue 14, item 1: two people share one phone. A writes a report with no connection and
//! signs out; B signs in and syncs. A's report must not be filed as B's, B must not see any
//! of A's data (drafts, outbox, cached reports), B's own older reports must still be pulled
//! (the sync cursor is per account), and A's report goes out exactly once, as A's, when A
//! signs in again. Real stub on loopback, real SQLite, real photos.

use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::{Client, ClientOptions, Error};
use phananh_stub::{RunningStub, StubOptions};
use phananh_tests::sync_support::*;

const A: &str = "0912000150";
const B: &str = "0912000151";

async fn open_client(stub: &RunningStub, dir: &std::path::Path) -> Client {
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

/// Run the outbox until nothing is open or the budget is spent; returns the summary totals.
async fn drain(client: &Client, budget: Duration) -> u32 {
    let deadline = Instant::now() + budget;
    let mut delivered = 0;
    loop {
        let s = client
            .outbox()
            .run_pending(Duration::from_secs(10))
            .await
            .expect("run");
        delivered += s.delivered;
        if s.pending == 0 || Instant::now() > deadline {
            return delivered;
        }
    }
}

async fn my_client_ids(client: &Client) -> Vec<uuid::Uuid> {
    let mut v: Vec<_> = client
        .reports()
        .mine()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.client_id)
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_on_one_phone_never_see_or_send_each_others_reports() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let photos = small_photos();

    // B's older report, filed from B's own phone.
    let b_phone_dir = tempfile::tempdir().unwrap();
    let b_phone = open_client(&stub, b_phone_dir.path()).await;
    sign_in(&b_phone, &stub, B).await;
    let b_old = make_draft(&b_phone, 1, &photos[..1]).await;
    let b_old_item = b_phone.drafts().submit(b_old).await.unwrap();
    assert_eq!(drain(&b_phone, Duration::from_secs(60)).await, 1);

    // The shared phone. A signs in and syncs (the cursor moves past B's report's change).
    let dir = tempfile::tempdir().unwrap();
    let shared = open_client(&stub, dir.path()).await;
    sign_in(&shared, &stub, A).await;
    shared.reports().sync().await.expect("sync as A");
    // A writes a report with no connection: it waits in the outbox; a second one stays a draft.
    shared.outbox().set_network(false, false);
    let a_draft = make_draft(&shared, 2, &photos[1..2]).await;
    let a_item = shared.drafts().submit(a_draft).await.unwrap();
    let a_unsent_draft = make_draft(&shared, 3, &photos[2..3]).await;
    assert_eq!(
        shared.session().unsent_count().await.unwrap(),
        2,
        "one queued report, one draft"
    );
    shared.session().sign_out().await.unwrap();

    // B signs in on the shared phone, online, and syncs.
    sign_in(&shared, &stub, B).await;
    shared.outbox().set_network(true, false);
    assert_eq!(
        drain(&shared, Duration::from_secs(30)).await,
        0,
        "nothing of A's is sent under B"
    );
    assert_eq!(
        stub.report_count(),
        1,
        "only B's old report is on the server"
    );
    // B sees none of A's data, not even by id.
    assert!(shared.outbox().items().await.unwrap().is_empty());
    assert!(shared.drafts().list().await.unwrap().is_empty());
    assert_eq!(shared.session().unsent_count().await.unwrap(), 0);
    assert!(matches!(
        shared.drafts().get(a_unsent_draft).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        shared.drafts().delete(a_unsent_draft).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        shared.drafts().submit(a_unsent_draft).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        shared.outbox().cancel(a_item.client_id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(shared.outbox().snapshot().await.unwrap().entries.is_empty());
    // B's own older report is pulled although A's sync had moved past it.
    shared.reports().sync().await.expect("sync as B");
    assert_eq!(my_client_ids(&shared).await, vec![b_old_item.client_id]);
    // B files a report of their own on the shared phone.
    let b_new = make_draft(&shared, 4, &photos[..1]).await;
    let b_new_item = shared.drafts().submit(b_new).await.unwrap();
    assert_eq!(drain(&shared, Duration::from_secs(60)).await, 1);
    assert_eq!(stub.report_count(), 2);
    shared.session().sign_out().await.unwrap();

    // A signs in again: A's queued report goes out, once, as A's; A's draft is back.
    sign_in(&shared, &stub, A).await;
    assert_eq!(
        shared
            .drafts()
            .list()
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect::<Vec<_>>(),
        vec![a_unsent_draft]
    );
    assert_eq!(drain(&shared, Duration::from_secs(60)).await, 1);
    assert_eq!(stub.report_count(), 3);
    shared.reports().sync().await.expect("sync as A");
    assert_eq!(
        my_client_ids(&shared).await,
        vec![a_item.client_id],
        "A's list holds A's report only"
    );
    assert!(shared
        .outbox()
        .items()
        .await
        .unwrap()
        .iter()
        .all(|i| i.client_id != b_new_item.client_id));
    // On the server, each report is its reporter's.
    let b_check = open_client(&stub, tempfile::tempdir().unwrap().path()).await;
    sign_in(&b_check, &stub, B).await;
    b_check.reports().sync().await.unwrap();
    let mut b_expected = vec![b_old_item.client_id, b_new_item.client_id];
    b_expected.sort();
    assert_eq!(my_client_ids(&b_check).await, b_expected);
    stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_written_signed_out_belongs_to_whoever_signs_in_next() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let dir = tempfile::tempdir().unwrap();
    let client = open_client(&stub, dir.path()).await;
    let d = make_draft(&client, 1, &small_photos()[..1]).await;
    assert_eq!(
        client.drafts().list().await.unwrap().len(),
        1,
        "visible while signed out"
    );
    sign_in(&client, &stub, A).await;
    assert_eq!(
        client
            .drafts()
            .list()
            .await
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>(),
        vec![d]
    );
    client.session().sign_out().await.unwrap();
    // Now it is A's: hidden from the next person, signed in or not.
    assert!(client.drafts().list().await.unwrap().is_empty());
    sign_in(&client, &stub, B).await;
    assert!(client.drafts().list().await.unwrap().is_empty());
    stub.shutdown().await;
}
