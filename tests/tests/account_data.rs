//! Issue 14, item 6: the resident's rights over their data. "Download my data" writes the
//! server's record (reports, ratings, consent history) and this phone's unsent drafts as JSON
//! plus the media; "delete my account" erases the person on the server (their public reports
//! stay, with no identity left for anyone, staff included) and then on the phone, and never
//! deletes anything when the server cannot be reached. Real stub on loopback, real SQLite,
//! real photos.

use std::sync::Arc;
use std::time::Duration;

use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::wire::{self, Role};
use phananh_core::{Client, ClientOptions, Error, PRIVACY_NOTICE_VERSION};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;

async fn open_client(stub_url: String, dir: &std::path::Path) -> Client {
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    Client::open(ClientOptions {
        base_url: Some(stub_url),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client")
}

async fn deliver(client: &Client, n: usize) -> String {
    let id = make_draft(client, n, &small_photos()[..1]).await;
    let item = client.drafts().submit(id).await.unwrap();
    let s = client
        .outbox()
        .run_pending(Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(s.delivered, 1, "{s:?}");
    client
        .store()
        .outbox_item(item.client_id)
        .unwrap()
        .server_id
        .expect("server id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_holds_reports_ratings_consent_media_and_unsent_drafts() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let dir = tempfile::tempdir().unwrap();
    let client = open_client(stub.base_url(), dir.path()).await;
    sign_in(&client, &stub, "0912000160").await;
    let report = deliver(&client, 1).await;
    // A draft still on the phone.
    let draft = make_draft(&client, 2, &small_photos()[1..2]).await;

    let out = tempfile::tempdir().unwrap();
    let summary = client
        .session()
        .export_data(out.path().to_path_buf())
        .await
        .expect("export");
    assert_eq!(summary.reports, 1);
    assert_eq!(
        (summary.media_files, summary.media_missing),
        (2, 0),
        "{summary:?}"
    );
    assert!(
        summary.path.starts_with(out.path()) && !summary.path.to_string_lossy().ends_with(".part")
    );
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(summary.path.join("data.json")).unwrap()).unwrap();
    assert_eq!(data["format"], "phananh-export/1");
    assert_eq!(data["server"]["user"]["phone"], "+84912000160");
    assert_eq!(data["server"]["reports"][0]["id"], report.as_str());
    assert_eq!(
        data["server"]["reports"][0]["timeline"]
            .as_array()
            .map(|t| !t.is_empty()),
        Some(true)
    );
    // The consent given at sign-in, with the notice's version.
    assert_eq!(
        data["server"]["consents"][0]["version"],
        PRIVACY_NOTICE_VERSION
    );
    assert_eq!(data["device"]["drafts"][0]["id"], draft.to_string());
    // Every media entry names a file that exists, byte for byte what the server serves.
    let media = data["media"].as_array().unwrap();
    assert_eq!(media.len(), 2);
    for m in media {
        let f = summary.path.join(m["file"].as_str().expect("file"));
        assert!(
            std::fs::metadata(&f)
                .map(|m| m.len() > 1000)
                .unwrap_or(false),
            "{}",
            f.display()
        );
    }
    let server_media = &data["server"]["reports"][0]["media"][0];
    let served = client.reports().cached(&report).await.unwrap().unwrap();
    assert_eq!(served.media[0].id, server_media["id"].as_str().unwrap());

    // Nobody else's data: another account exports only its own.
    client.session().sign_out().await.unwrap();
    sign_in(&client, &stub, "0912000161").await;
    let other = client
        .session()
        .export_data(out.path().join("b"))
        .await
        .expect("export b");
    assert_eq!((other.reports, other.media_files), (0, 0));
    let b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(other.path.join("data.json")).unwrap()).unwrap();
    assert_eq!(b["device"]["drafts"].as_array().map(Vec::len), Some(0));

    // Signed out: refused with a typed error, nothing written.
    client.session().sign_out().await.unwrap();
    let before = std::fs::read_dir(out.path()).unwrap().count();
    assert!(matches!(
        client.session().export_data(out.path().to_path_buf()).await,
        Err(Error::Unauthorized)
    ));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), before);
    stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_account_erases_the_person_everywhere_and_only_them() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let dir = tempfile::tempdir().unwrap();
    let client = open_client(stub.base_url(), dir.path()).await;
    const A: &str = "0912000170";
    const B: &str = "0912000171";

    // B leaves a draft on the shared phone.
    sign_in(&client, &stub, B).await;
    let b_draft = make_draft(&client, 9, &small_photos()[..1]).await;
    client.session().sign_out().await.unwrap();

    sign_in(&client, &stub, A).await;
    let report = deliver(&client, 1).await;
    let _a_draft = make_draft(&client, 2, &small_photos()[1..2]).await;
    let a_token = stub.login(A).unwrap();
    let officer = api_as(
        &stub,
        stub.staff_login(phananh_stub::IOC, Role::Officer).unwrap(),
    );
    assert_eq!(
        officer
            .report(&report)
            .await
            .unwrap()
            .reporter
            .map(|r| r.phone),
        Some("+84912000170".to_owned()),
        "staff see the reporter"
    );

    let media_before = walk(dir.path());

    client.session().delete_account().await.expect("delete");
    assert!(!client.session().is_signed_in().await.unwrap());
    // The phone: A's drafts, outbox, cached reports and media are gone; B's draft and its
    // photo are still there for B.
    let media_after = walk(dir.path());
    assert!(
        media_after.len() < media_before.len(),
        "A's media files removed"
    );
    assert!(client
        .store()
        .cached_report(&report, None)
        .unwrap()
        .is_none());
    assert_eq!(client.store().outbox_items().unwrap().len(), 0);
    // Nor can A's words or number be read from the database files (free pages, the log).
    let mut raw = Vec::new();
    for f in std::fs::read_dir(dir.path()).unwrap().flatten() {
        if f.file_name().to_string_lossy().contains(".sqlite") {
            raw.extend(std::fs::read(f.path()).unwrap());
        }
    }
    assert!(raw.len() > 4096, "the database files were read");
    let find = |needle: &str| raw.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        find("đoạn số 9,"),
        "B's draft is still there (the scan can see text)"
    );
    for gone in ["đoạn số 1,", "đoạn số 2,", "912000170"] {
        assert!(!find(gone), "{gone:?} still readable in the database files");
    }
    sign_in(&client, &stub, B).await;
    let drafts = client.drafts().list().await.unwrap();
    assert_eq!(drafts.iter().map(|d| d.id).collect::<Vec<_>>(), [b_draft]);
    assert!(std::path::Path::new(&drafts[0].attachments[0].stored_path).is_file());
    client.session().sign_out().await.unwrap();

    // The server: the report stays for the province, but nobody sees who filed it.
    let seen = officer.report(&report).await.unwrap();
    assert!(seen.reporter.is_none(), "{:?}", seen.reporter);
    // A's old tokens are dead (a stolen refresh token included).
    let old = api_as(&stub, a_token);
    assert!(matches!(old.me().await, Err(Error::Unauthorized)));
    assert!(matches!(old.export_data().await, Err(Error::Unauthorized)));
    // Signing in again with the same number makes a new, empty account.
    sign_in(&client, &stub, A).await;
    let again = client
        .session()
        .export_data(tempfile::tempdir().unwrap().keep())
        .await
        .unwrap();
    assert_eq!(again.reports, 0);
    assert_eq!(stub.report_count(), 1);
    stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletion_is_refused_for_staff_for_forged_tokens_and_when_the_server_cannot_be_reached() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    // Staff accounts are closed by the province, not from the app.
    let officer = api_as(
        &stub,
        stub.staff_login(phananh_stub::IOC, Role::Officer).unwrap(),
    );
    assert!(matches!(
        officer.delete_account().await,
        Err(Error::Forbidden(_))
    ));
    assert!(officer.me().await.is_ok(), "the officer is still there");
    // A forged token is refused and deletes nobody.
    let forged = api_as(
        &stub,
        wire::TokenPair {
            access_token: "forged".into(),
            access_expires_at: chrono::Utc::now() + chrono::Duration::hours(1),
            refresh_token: "forged".into(),
            refresh_expires_at: chrono::Utc::now() + chrono::Duration::days(30),
            token_type: "Bearer".into(),
            user: officer.me().await.unwrap(),
        },
    );
    assert!(matches!(
        forged.delete_account().await,
        Err(Error::Unauthorized)
    ));
    assert!(officer.me().await.is_ok());

    // The server goes away between sign-in and "delete": the error says so, the phone keeps
    // everything and stays signed in.
    let dir = tempfile::tempdir().unwrap();
    let client = open_client(stub.base_url(), dir.path()).await;
    sign_in(&client, &stub, "0912000180").await;
    let draft = make_draft(&client, 1, &small_photos()[..1]).await;
    stub.shutdown().await;
    let r = client.session().delete_account().await;
    assert!(
        matches!(r, Err(Error::Offline(_) | Error::Timeout(_))),
        "{r:?}"
    );
    assert!(client.session().is_signed_in().await.unwrap());
    assert_eq!(
        client
            .drafts()
            .list()
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect::<Vec<_>>(),
        [draft]
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "jpg" || x == "jpeg" || x == "mp4")
            {
                out.push(p);
            }
        }
    }
    out
}
