//! Upgrading a database written by an older app, with data in it: nothing may be lost.
//!
//! `fixtures/schema3-with-data.sqlite` was written by the schema-3 app (commit 13223db, the
//! last release before typed outbox failures) through its own `Client`: an editable draft
//! with a photo, a queued report, a report the server refused, a rating whose report vanished,
//! a rating failed with a reason in no known format, and the sync cursor. Its attachments are
//! copies of one shared photo, recreated here (the fixture keeps only the database).

use std::path::{Path, PathBuf};

use phananh_core::model::{LocalState, OutboxKind};
use phananh_core::store::SCHEMA_VERSION;
use phananh_core::sync::FailureCode;
use phananh_core::{Client, ClientOptions};

const FIXTURE: &str = "tests/fixtures/schema3-with-data.sqlite";

fn photo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/photos/synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg")
}

fn counts(db: &Path) -> Vec<(String, i64)> {
    let c = rusqlite::Connection::open(db).unwrap();
    [
        "drafts",
        "attachments",
        "outbox",
        "kv",
        "reports",
        "timeline_events",
        "feed_cache",
    ]
    .iter()
    .map(|t| {
        (
            t.to_string(),
            c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap(),
        )
    })
    .collect()
}

#[tokio::test]
async fn schema_3_file_with_data_upgrades_without_losing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phananh.sqlite");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE), &db).unwrap();
    let before = counts(&db);
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 3, "the fixture is a schema-3 file");
        let mut stmt = c.prepare("SELECT stored_path FROM attachments").unwrap();
        let paths: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for p in paths {
            let dest = dir.path().join(p);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(photo(), dest).unwrap();
        }
    }

    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    assert_eq!(client.store().schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(client.store().integrity_check().unwrap(), "ok");
    drop(client);
    assert_eq!(counts(&db), before, "every row survives the migration");

    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    // The editable draft, with its text and its photo on disk.
    let drafts = client.drafts().list().await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        drafts[0].description,
        "Ổ gà lớn giữa đường Trần Phú, xe máy tránh không kịp"
    );
    assert_eq!(drafts[0].attachments.len(), 1);
    assert!(Path::new(&drafts[0].attachments[0].stored_path).is_file());

    // Schema 6 (crash-loop immunity, retention): nothing in progress, no death counted, and
    // every attachment still has its full copy.
    assert!(
        !drafts[0].attachments[0].preview && drafts[0].attachments[0].processed_sha256.is_none()
    );
    let items = client.outbox().items().await.unwrap();
    assert!(
        items
            .iter()
            .all(|i| i.attempt.is_none() && i.interruptions == 0),
        "{items:?}"
    );
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].state, LocalState::Queued);
    let failure = |i: usize| match &items[i].state {
        LocalState::Failed { failure } => failure.clone(),
        other => panic!("item {i}: {other:?}"),
    };
    // "<code>: <detail>" became a typed code and its detail.
    let refused = failure(1);
    assert_eq!(
        (refused.code, refused.detail.as_str()),
        (
            FailureCode::Rejected,
            "server answered 422: description: too_short"
        )
    );
    assert!(!refused.retryable());
    let vanished = failure(2);
    assert_eq!(
        (vanished.code, vanished.detail.as_str()),
        (FailureCode::NotFound, "report HT-2026-000123 not found")
    );
    assert!(
        matches!(&items[2].kind, OutboxKind::Rating { report_id, rating } if report_id == "HT-2026-000123" && rating.reopen)
    );
    // A reason in no known format is kept whole, under "other".
    let odd = failure(3);
    assert_eq!(
        (odd.code, odd.detail.as_str()),
        (FailureCode::Other, "weird legacy text without code")
    );

    // The refused report can be retried like any failed item, and the queued one still plans.
    // The new columns are written and read back like the old ones.
    let mut begun = items[0].clone();
    begun.interruptions = 2;
    begun.attempt = Some(phananh_core::model::Attempt {
        step: "process_media".into(),
        attachment: Some(uuid::Uuid::from_u128(7)),
        run: uuid::Uuid::from_u128(9),
        started_at: begun.updated_at,
    });
    client.store().update_outbox_item(&begun).unwrap();
    assert_eq!(client.outbox().items().await.unwrap()[0], begun);
    client.outbox().retry(items[1].client_id).await.unwrap();
    assert_eq!(
        client.outbox().items().await.unwrap()[1].state,
        LocalState::Queued
    );
    assert_eq!(
        client
            .store()
            .kv_get("sync.my_reports_cursor")
            .unwrap()
            .as_deref(),
        Some("c-42")
    );

    // Schema 5 (accounts): the old rows name no account, so they are what a signed-out app
    // shows; the first account to sign in takes all of them, with the old sync cursor.
    assert!(
        client.store().claim_unowned("user-1").unwrap() >= 5,
        "one draft and four outbox items"
    );
    assert!(
        client.drafts().list().await.unwrap().is_empty(),
        "now user-1's: hidden while signed out"
    );
    assert!(client.outbox().items().await.unwrap().is_empty());
    assert_eq!(
        client
            .store()
            .outbox_items_of(Some("user-1"))
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        client
            .store()
            .editable_drafts(Some("user-1"))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        client
            .store()
            .kv_get("sync.my_reports_cursor.user-1")
            .unwrap()
            .as_deref(),
        Some("c-42")
    );
    assert_eq!(
        client.store().kv_get("sync.my_reports_cursor").unwrap(),
        None
    );
}
