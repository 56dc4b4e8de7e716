//! Issue 14, item 4: a report the server refuses (a 4xx after its create request went out)
//! is not stuck. The resident takes it back to the drafts whole, sees the server's reason on
//! the field it names, fixes it and sends it again under a new idempotency key (delivered
//! once), or deletes it. Real stub over loopback: the app's (stale) config offers a category
//! the province has since removed, so only the server can refuse it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::config::TenantConfig;
use phananh_core::model::{DraftPatch, LocalState};
use phananh_core::sync::FailureCode;
use phananh_core::{Client, ClientOptions, Error, ValidationReason};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;

async fn run_until_settled(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while client
        .outbox()
        .run_pending(Duration::from_secs(10))
        .await
        .unwrap()
        .pending
        > 0
        && Instant::now() < deadline
    {}
}

/// A draft in the category the server no longer has, submitted.
async fn make(
    client: &Client,
    n: usize,
    photos: &[std::path::PathBuf],
) -> (uuid::Uuid, phananh_core::model::OutboxItem) {
    let id = make_draft(client, n, &[photos[n % photos.len()].clone()]).await;
    client
        .drafts()
        .update(
            id,
            DraftPatch {
                category: Some(Some("da_bo".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        client.drafts().validate(id).await.unwrap().is_empty(),
        "valid for the app's config"
    );
    (id, client.drafts().submit(id).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_report_goes_back_to_the_drafts_with_the_reason_and_can_be_sent_again() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let mut stale = TenantConfig::ha_tinh();
    let mut gone = stale.categories[0].clone();
    gone.code = "da_bo".into();
    gone.name_vi = "Danh mục đã bỏ".into();
    stale.categories.push(gone);
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = Client::open(ClientOptions {
        base_url: Some(stub.base_url()),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        default_config: stale,
        ..ClientOptions::new(dir.path())
    })
    .await
    .unwrap();
    sign_in(&client, &stub, "0912000160").await;

    let photos = small_photos();
    let (draft, item) = make(&client, 1, &photos).await;
    let (other_draft, other_item) = make(&client, 2, &photos).await;
    run_until_settled(&client).await;
    assert_eq!(stub.report_count(), 0);
    let items = client.outbox().items().await.unwrap();
    let failure = match &items
        .iter()
        .find(|i| i.client_id == item.client_id)
        .unwrap()
        .state
    {
        LocalState::Failed { failure } => failure.clone(),
        other => panic!("expected failed, got {other:?}"),
    };
    assert_eq!(failure.code, FailureCode::Rejected);
    assert!(
        failure
            .fields
            .iter()
            .any(|f| f.field == "category" && f.reason == ValidationReason::UnknownCategory),
        "{failure:?}"
    );
    // Before: a refused report could be neither retried usefully nor taken back.
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
    assert!(entry.cancellable, "a refused report can be taken back");

    // Take it back: the draft is whole and editable again, with the server's reason.
    client.outbox().cancel(item.client_id).await.unwrap();
    let back = client.drafts().get(draft).await.unwrap();
    assert_eq!(back.state, LocalState::Draft);
    assert_eq!(back.attachments.len(), 1);
    assert!(back.description.starts_with("Ổ gà lớn"));
    let errors = client.drafts().validate(draft).await.unwrap();
    assert_eq!(
        errors
            .iter()
            .map(|e| (e.field.as_str(), &e.reason))
            .collect::<Vec<_>>(),
        vec![("category", &ValidationReason::UnknownCategory)]
    );
    // Editing another field keeps the reason; fixing the category clears it.
    client
        .drafts()
        .update(
            draft,
            DraftPatch {
                description: Some(back.description.clone() + " (đã sửa)"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(client.drafts().validate(draft).await.unwrap().len(), 1);
    client
        .drafts()
        .update(
            draft,
            DraftPatch {
                category: Some(Some("giao_thong".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(client.drafts().validate(draft).await.unwrap().is_empty());

    // Sent again under a new idempotency key, delivered once.
    let again = client.drafts().submit(draft).await.unwrap();
    assert_ne!(again.client_id, item.client_id);
    run_until_settled(&client).await;
    assert_eq!(stub.report_count(), 1);
    let delivered = client.outbox().items().await.unwrap();
    assert_eq!(
        delivered
            .iter()
            .find(|i| i.client_id == again.client_id)
            .unwrap()
            .state,
        LocalState::Submitted
    );

    // The other refused report is taken back and deleted, files and all.
    client.outbox().cancel(other_item.client_id).await.unwrap();
    let files: Vec<_> = client
        .drafts()
        .get(other_draft)
        .await
        .unwrap()
        .attachments
        .iter()
        .map(|a| a.stored_path.clone())
        .collect();
    client.drafts().delete(other_draft).await.unwrap();
    assert!(matches!(
        client.drafts().get(other_draft).await,
        Err(Error::NotFound { .. })
    ));
    assert!(files.iter().all(|f| !std::path::Path::new(f).exists()));
    // A delivered report can never be taken back.
    assert!(matches!(
        client.outbox().cancel(again.client_id).await,
        Err(Error::InvalidState { .. })
    ));
    stub.shutdown().await;
}
