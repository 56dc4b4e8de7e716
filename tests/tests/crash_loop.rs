//! Crash-loop immunity, with a real process killed (SIGKILL) while it processes a photo.
//!
//! The first report carries a real iPhone HEIC photo; the child's platform decoder hangs on
//! it (as a decoder that runs out of memory would kill the app). The second report has real
//! JPEG photos and waits behind the first. Each child run records its attempt before the
//! work starts and is killed inside the decoder; after `DEFAULT_MAX_INTERRUPTIONS` kills
//! the next run fails the first report as `interrupted` without trying it again, and
//! delivers the second one, exactly once, to the real stub over loopback.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::{Api, HttpOptions, SecretStore};
use phananh_core::model::LocalState;
use phananh_core::sync::machine::DEFAULT_MAX_INTERRUPTIONS;
use phananh_core::sync::FailureCode;
use phananh_core::{Client, ClientOptions};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;

async fn open(dir: &Path, base: &str) -> (Client, Arc<dyn SecretStore>) {
    let secrets: Arc<dyn SecretStore> = Arc::new(FileSecretStore::new(dir.join("secrets.json")));
    let client = Client::open(ClientOptions {
        base_url: Some(base.to_owned()),
        secret_store: Some(secrets.clone()),
        sync: fast_sync_options(),
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client");
    (client, secrets)
}

fn spawn_child(dir: &Path, base: &str, sentinel: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sync_child"))
        .arg(dir)
        .arg(base)
        .arg(sentinel)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sync_child")
}

fn heic() -> PathBuf {
    phananh_tests::shared_data().join("photos/apple_iphone_8.heic")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_that_kills_the_app_fails_as_interrupted_and_the_next_one_is_delivered() {
    let n = DEFAULT_MAX_INTERRUPTIONS;
    assert!(
        n >= 2,
        "the test needs at least two kills to show the count"
    );
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let base = stub.base_url();
    let dir = tempfile::tempdir().unwrap();
    let sentinel = dir.path().join("decoder-entered");
    let (bad_item, bad_att, good_item) = {
        let (client, _) = open(dir.path(), &base).await;
        sign_in(&client, &stub, "0912000160").await;
        let bad = make_draft(&client, 0, &[heic()]).await;
        let bad_att = client.drafts().get(bad).await.unwrap().attachments[0].id;
        let bad_item = client.drafts().submit(bad).await.expect("submit").client_id;
        let photos = jpeg_photos();
        let good = make_draft(&client, 1, &[photos[0].clone(), photos[1].clone()]).await;
        let good_item = client
            .drafts()
            .submit(good)
            .await
            .expect("submit")
            .client_id;
        (bad_item, bad_att, good_item)
    };

    for kill in 1..=n {
        let _ = std::fs::remove_file(&sentinel);
        let mut child = spawn_child(dir.path(), &base, &sentinel);
        let t = Instant::now();
        while !sentinel.exists() {
            if let Some(status) = child.try_wait().expect("try_wait") {
                panic!("run {kill}: the child ended ({status:?}) without reaching the decoder");
            }
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "run {kill}: the child never reached the decoder"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // It is inside the photo's processing: kill -9.
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");

        let (client, _) = open(dir.path(), &base).await;
        let item = client
            .outbox()
            .items()
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.client_id == bad_item)
            .unwrap();
        let attempt = item
            .attempt
            .clone()
            .unwrap_or_else(|| panic!("run {kill}: no attempt recorded before the work"));
        assert_eq!(
            (attempt.step.as_str(), attempt.attachment),
            ("process_media", Some(bad_att)),
            "run {kill}"
        );
        assert_eq!(
            item.interruptions,
            kill - 1,
            "run {kill}: deaths counted before this one"
        );
        assert!(
            matches!(item.state, LocalState::Queued),
            "run {kill}: {:?}",
            item.state
        );
        assert_eq!(
            stub.report_count(),
            0,
            "run {kill}: the crash loop blocks the outbox so far"
        );
    }

    // The next run gives up on the first report without starting its work again, and goes on.
    let _ = std::fs::remove_file(&sentinel);
    let mut child = spawn_child(dir.path(), &base, &sentinel);
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if t.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run after {n} kills did not finish");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
    assert!(
        !sentinel.exists(),
        "the interrupted photo was processed again"
    );

    let (client, secrets) = open(dir.path(), &base).await;
    let items = client.outbox().items().await.unwrap();
    let bad = items.iter().find(|i| i.client_id == bad_item).unwrap();
    let LocalState::Failed { failure } = &bad.state else {
        panic!("first report: {:?}", bad.state)
    };
    assert_eq!(failure.code, FailureCode::Interrupted);
    assert!(failure.retryable(), "the user may try again");
    assert!(
        failure.detail.contains(&format!("{n} times")) && failure.detail.contains("process_media"),
        "{}",
        failure.detail
    );
    assert!(bad.attempt.is_none());
    let good = items.iter().find(|i| i.client_id == good_item).unwrap();
    assert_eq!(good.state, LocalState::Submitted);

    let direct = Api::new(&base, secrets, HttpOptions::default()).unwrap();
    let check = check_server(&client, &direct).await;
    println!(
        "FIGURES crash_loop: {n} kills (SIGKILL) inside the decoder, then failed as {:?} ({}); the next report delivered: \
         server reports {} (duplicates {}), files intact {}/{}",
        failure.code, failure.detail, check.reports, check.duplicates, check.files_intact, check.files
    );
    assert_eq!(stub.report_count(), 1);
    // `missing` counts the failed report, which never reached the server.
    assert_eq!((check.reports, check.duplicates, check.missing), (1, 0, 1));
    assert_eq!((check.files, check.files_intact), (2, 2));

    // Retry puts it back with a clean count (its photo is untouched in the draft).
    let again = client.outbox().retry(bad_item).await.unwrap();
    assert_eq!(
        (again.state, again.interruptions, again.attempt),
        (LocalState::Queued, 0, None)
    );
    let draft = client
        .drafts()
        .get(match again.kind {
            phananh_core::model::OutboxKind::Report { draft_id } => draft_id,
            _ => unreachable!(),
        })
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&draft.attachments[0].stored_path).unwrap(),
        std::fs::read(heic()).unwrap()
    );
    stub.shutdown().await;
}
