//! The apps call the core from their UI thread (a Kotlin coroutine on Main, a SwiftUI task on
//! the main actor): the thread that polls the client's futures must never run SQLite, file
//! copies or the platform's secret store (Keychain/Keystore). This test polls every service
//! from the test thread (`block_on` of a multi-thread runtime, as uniffi polls from the
//! foreign thread) through a whole report's life over the real stub, and checks which threads
//! the store and the secret store saw.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

use phananh_core::api::app::FeedQuery;
use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::location::BoundarySource;
use phananh_core::model::{DraftPatch, LocalState};
use phananh_core::{Client, ClientOptions, Result};
use phananh_tests::sync_support::{fast_sync_options, small_photos};

/// A secret store that remembers which threads called it.
#[derive(Default)]
struct Recording {
    inner: MemorySecretStore,
    threads: Mutex<HashSet<ThreadId>>,
}

impl Recording {
    fn note(&self) {
        self.threads
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
    }
}

impl SecretStore for Recording {
    fn get(&self, key: &str) -> Result<Option<String>> {
        self.note();
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.note();
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.note();
        self.inner.delete(key)
    }
}

#[test]
fn no_storage_or_secret_store_call_runs_on_the_polling_thread() {
    let caller = std::thread::current().id();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let secrets = Arc::new(Recording::default());
    let dir = tempfile::tempdir().unwrap();
    let (client, stub) = rt.block_on(async {
        let stub = phananh_stub::start(phananh_stub::StubOptions::for_tests())
            .await
            .unwrap();
        let client = Client::open(ClientOptions {
            base_url: Some(stub.base_url()),
            secret_store: Some(secrets.clone() as Arc<dyn SecretStore>),
            sync: fast_sync_options(),
            boundaries: Some(BoundarySource::Dir(
                phananh_tests::shared_data().join("boundaries"),
            )),
            ..ClientOptions::new(dir.path())
        })
        .await
        .unwrap();

        let session = client.session();
        assert!(!session.is_signed_in().await.unwrap());
        session.request_otp("0912000555").await.unwrap();
        session
            .sign_in("0912000555", &stub.last_otp("0912000555").unwrap())
            .await
            .unwrap();
        assert!(session.is_signed_in().await.unwrap());

        // A report written offline: platform signals are memory-only and return at once.
        client.outbox().set_network(false, false);
        let drafts = client.drafts();
        let d = drafts.create().await.unwrap();
        let patch = DraftPatch {
            category: Some(Some("giao_thong".into())),
            description: Some("Ổ gà lớn giữa đường Trần Phú, xe máy tránh không kịp".into()),
            ..Default::default()
        };
        drafts.update(d.id, patch).await.unwrap();
        let photo = phananh_tests::shared_data()
            .join("photos/synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
        drafts.add_attachment(d.id, photo).await.unwrap();
        drafts
            .add_attachment(d.id, small_photos()[0].clone())
            .await
            .unwrap();
        let assessment = drafts.set_location(d.id, vec![]).await.unwrap();
        assert!(
            assessment.fix.is_some(),
            "the photo's EXIF position is used"
        );
        assert_eq!(drafts.validate(d.id).await.unwrap(), vec![]);
        assert_eq!(drafts.list().await.unwrap().len(), 1);
        let item = drafts.submit(d.id).await.unwrap();
        let mut sub = client.outbox().subscribe().await.unwrap();
        assert_eq!(sub.next().await.unwrap().entries.len(), 1);

        // Network back: delivered, then "my reports" and the feed.
        client.outbox().set_network(true, false);
        let summary = client
            .outbox()
            .run_pending(Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(summary.delivered, 1, "{summary:?}");
        let items = client.outbox().items().await.unwrap();
        assert_eq!(items[0].client_id, item.client_id);
        assert_eq!(items[0].state, LocalState::Submitted);
        client.reports().sync().await.unwrap();
        let mine = client.reports().mine().await.unwrap();
        assert_eq!(mine.len(), 1);
        client.reports().refresh(&mine[0].id).await.unwrap();
        assert!(client
            .reports()
            .cached(&mine[0].id)
            .await
            .unwrap()
            .is_some());
        let mut reports = client.reports().subscribe().await.unwrap();
        assert_eq!(reports.next().await.unwrap().reports.len(), 1);
        client.feed().page(&FeedQuery::default()).await.unwrap();
        client.tenant().refresh().await.unwrap();
        assert!(client
            .tenant()
            .locate(18.342, 105.9057, None)
            .await
            .unwrap()
            .is_some());
        client.outbox().set_video_wifi_only(true).await.unwrap();
        // The services added since: push token, media cache, daily tenant refresh, notices,
        // "me too", data export.
        client
            .push()
            .set_token(phananh_core::wire::PushPlatform::Fcm, "token")
            .await
            .unwrap();
        assert_eq!(client.media().keep_my_reports().await.unwrap(), 2);
        client.tenant().refresh_if_due().await.unwrap();
        client.notices().at(Some((18.342, 105.9057))).await.unwrap();
        client
            .feed()
            .nearby(18.342, 105.9057, "giao_thong")
            .await
            .unwrap();
        let export = tempfile::tempdir().unwrap();
        session.export_data(export.path().to_owned()).await.unwrap();
        session.sign_out().await.unwrap();
        (client, stub)
    });

    let store_threads = client.store().threads_used();
    assert!(!store_threads.is_empty(), "the store was used");
    assert!(
        !store_threads.contains(&caller),
        "a store call ran on the polling thread"
    );
    let secret_threads = secrets.threads.lock().unwrap().clone();
    assert!(!secret_threads.is_empty(), "the secret store was used");
    assert!(
        !secret_threads.contains(&caller),
        "a secret-store call ran on the polling thread"
    );
    println!(
        "FIGURES off_caller_thread: store used by {} thread(s), secret store by {}, none of them the caller",
        store_threads.len(),
        secret_threads.len()
    );
    rt.block_on(stub.shutdown());
}
