//! Cancelling an outbox item: allowed while the server cannot have it (the report goes back
//! to the drafts whole), refused once the create request may have reached the server — even
//! when its answer was lost — so a cancel can never turn into a duplicate or a lost report.

use std::sync::Arc;
use std::time::Duration;

use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::model::LocalState;
use phananh_core::{Client, ClientOptions, Error};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy};

use phananh_tests::sync_support::{fast_sync_options, make_draft, sign_in, small_photos};

async fn setup() -> (
    phananh_stub::RunningStub,
    FaultProxy,
    Client,
    tempfile::TempDir,
) {
    let stub = phananh_stub::start(phananh_stub::StubOptions::for_tests())
        .await
        .unwrap();
    let proxy = FaultProxy::start(stub.addr(), FaultConfig::clean())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = Client::open(ClientOptions {
        base_url: Some(proxy.base_url()),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        ..ClientOptions::new(dir.path())
    })
    .await
    .unwrap();
    sign_in(&client, &stub, "0912000777").await;
    (stub, proxy, client, dir)
}

#[tokio::test]
async fn a_queued_report_can_be_taken_back_whole_until_it_may_have_been_sent() {
    let (stub, proxy, client, _dir) = setup().await;
    let photos = small_photos();
    let id = make_draft(&client, 1, &photos[..2]).await;
    let before = client.drafts().get(id).await.unwrap();

    // Offline (the platform says so): queued, cancellable; cancel gives the draft back whole.
    client.outbox().set_network(false, false);
    let item = client.drafts().submit(id).await.unwrap();
    client
        .outbox()
        .run_pending(Duration::from_millis(800))
        .await
        .unwrap();
    let entry = client
        .outbox()
        .snapshot()
        .await
        .unwrap()
        .entries
        .iter()
        .find(|e| e.item.client_id == item.client_id)
        .cloned()
        .unwrap();
    assert!(
        entry.cancellable,
        "nothing reached the server yet: {entry:?} direct={:?}",
        client.store().outbox_cancellable(item.client_id)
    );
    client.outbox().cancel(item.client_id).await.unwrap();
    assert!(client.outbox().items().await.unwrap().is_empty());
    let back = client.drafts().get(id).await.unwrap();
    assert_eq!(back.state, LocalState::Draft);
    assert_eq!(
        (back.description.as_str(), back.attachments.len()),
        (before.description.as_str(), 2)
    );
    assert!(back
        .attachments
        .iter()
        .all(|a| std::path::Path::new(&a.stored_path).exists()));
    assert!(
        client
            .drafts()
            .list()
            .await
            .unwrap()
            .iter()
            .any(|d| d.id == id),
        "editable again"
    );
    assert_eq!(stub.report_count(), 0);

    // Once the worker has let the create request go out (it records that first, in the same
    // store, before sending), the server may hold the report: cancel is refused from then on.
    client.outbox().set_network(true, false);
    let item = client.drafts().submit(id).await.unwrap();
    assert!(client.store().outbox_cancellable(item.client_id).unwrap());
    assert!(client
        .store()
        .mark_outbox_sending(item.client_id, chrono::Utc::now())
        .unwrap());
    assert!(!client.store().outbox_cancellable(item.client_id).unwrap());
    assert!(matches!(
        client.outbox().cancel(item.client_id).await,
        Err(Error::InvalidState { .. })
    ));

    // Delivered exactly once; never cancellable again.
    client
        .outbox()
        .run_pending(Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(
        client.store().outbox_item(item.client_id).unwrap().state,
        LocalState::Submitted
    );
    assert_eq!(stub.report_count(), 1);
    assert!(matches!(
        client.outbox().cancel(item.client_id).await,
        Err(Error::InvalidState { .. })
    ));
    proxy.shutdown();
    stub.shutdown().await;
}
