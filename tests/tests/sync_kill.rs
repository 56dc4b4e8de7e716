//! Kill -9 of the syncing client process at random moments (at least 100 kills), then a
//! final uninterrupted run: every submitted report is on the server exactly once, with
//! every file intact, and nothing the user submitted is lost.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::{Api, HttpOptions, SecretStore};
use phananh_core::{Client, ClientOptions};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;
use rand::{Rng, SeedableRng};

const MIN_KILLS: u32 = 100;
const BATCH: usize = 8;

async fn open(dir: &std::path::Path, base: &str) -> (Client, Arc<dyn SecretStore>) {
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

fn spawn_child(dir: &std::path::Path, base: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sync_child"))
        .arg(dir)
        .arg(base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sync_child")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_the_outbox_still_delivers_exactly_once() {
    let started = Instant::now();
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let base = stub.base_url();
    let dir = tempfile::tempdir().unwrap();
    let photos = small_photos();
    let mut made = 0usize;
    {
        let (client, _) = open(dir.path(), &base).await;
        sign_in(&client, &stub, "0912000100").await;
    }
    async fn add_batch(
        dir: &std::path::Path,
        base: &str,
        photos: &[std::path::PathBuf],
        made: &mut usize,
    ) {
        let (client, _) = open(dir, base).await;
        for _ in 0..BATCH {
            let n = *made;
            let pick = [
                photos[n % photos.len()].clone(),
                photos[(n + 3) % photos.len()].clone(),
            ];
            let id = make_draft(&client, n, &pick).await;
            client.drafts().submit(id).await.expect("submit");
            *made += 1;
        }
    }
    add_batch(dir.path(), &base, &photos, &mut made).await;

    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_4b11);
    let mut kills = 0u32;
    let mut finished_runs = 0u32;
    let budget = Duration::from_secs(240);
    while kills < MIN_KILLS && started.elapsed() < budget {
        let mut child = spawn_child(dir.path(), &base);
        let wait = Duration::from_millis(rng.random_range(20..700));
        tokio::time::sleep(wait).await;
        match child.try_wait().expect("try_wait") {
            Some(status) => {
                // It drained everything before we struck: give it more work.
                assert!(status.success(), "child failed: {status:?}");
                finished_runs += 1;
                add_batch(dir.path(), &base, &photos, &mut made).await;
            }
            None => {
                child.kill().expect("SIGKILL");
                child.wait().expect("reap");
                kills += 1;
            }
        }
    }
    assert!(kills >= MIN_KILLS, "only {kills} kills in {budget:?}");

    // Random kills can land three times in a row in the same step of one item: the outbox then
    // fails it as interrupted (crash-loop immunity) and goes on with the others. The user's
    // "retry" puts such items back; they must still be delivered exactly once.
    let interrupted = {
        let (client, _) = open(dir.path(), &base).await;
        let mut n = 0;
        for item in client.outbox().items().await.expect("outbox") {
            if let phananh_core::model::LocalState::Failed { failure } = &item.state {
                assert_eq!(
                    failure.code,
                    phananh_core::sync::FailureCode::Interrupted,
                    "{failure:?}"
                );
                client.outbox().retry(item.client_id).await.expect("retry");
                n += 1;
            }
        }
        n
    };

    // Final run, uninterrupted.
    let mut child = spawn_child(dir.path(), &base);
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(180),
            "final run did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success());

    let (client, secrets) = open(dir.path(), &base).await;
    let direct = Api::new(&base, secrets, HttpOptions::default()).unwrap();
    let check = check_server(&client, &direct).await;
    let (submitted, failed, total) = outbox_counts(&client).await;
    println!(
        "FIGURES sync_kill: {kills} kills (SIGKILL), {finished_runs} runs finished between kills, {interrupted} items failed as interrupted and retried, reports submitted {submitted}/{total} \
         (failed {failed}), on server {} (duplicates {}, missing {}), files intact {}/{}, server rows {}, {:.1}s",
        check.reports,
        check.duplicates,
        check.missing,
        check.files_intact,
        check.files,
        stub.report_count(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(total, made);
    assert_eq!((submitted, failed), (made, 0));
    assert_eq!(
        (check.reports, check.duplicates, check.missing),
        (made, 0, 0)
    );
    assert_eq!(stub.report_count(), made as i64);
    assert_eq!(check.files, made * 2);
    assert_eq!(check.files_intact, check.files);
    stub.shutdown().await;
}
