//! Issue 17, item 1: server media viewable offline. Photos of my reports are fetched from the
//! real stub over loopback, checked against the SHA-256 and size the report names, kept for
//! good and shown offline; the feed's photos are evicted least recently used over a budget;
//! a cut download resumes where it stopped; a damaged or hostile reference stores nothing.

use std::sync::Arc;
use std::time::Duration;

use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::wire;
use phananh_core::{Client, ClientOptions, Error, Keep};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;

async fn client_at(base: String, dir: &std::path::Path, budget: u64) -> Client {
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    Client::open(ClientOptions {
        base_url: Some(base),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        media_cache_bytes: budget,
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client")
}

/// Deliver one report with `photos` and return it as the server has it (with its media).
async fn delivered_report(client: &Client, photos: &[std::path::PathBuf]) -> wire::Report {
    let id = make_draft(client, 1, photos).await;
    client.drafts().submit(id).await.expect("submit");
    let s = client
        .outbox()
        .run_pending(Duration::from_secs(120))
        .await
        .expect("run");
    assert_eq!(s.delivered, 1, "{s:?}");
    client.reports().sync().await.expect("sync");
    let mine = client.reports().mine().await.expect("mine");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].media.len(), photos.len());
    mine[0].clone()
}

fn cache_files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("media-cache"))
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_photos_are_kept_and_shown_offline_and_the_feed_is_evicted_over_budget() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let photos = small_photos();
    assert!(photos.len() >= 3, "need real photos");

    // A resident files a report with three real photos.
    let dir_a = tempfile::tempdir().unwrap();
    let a = client_at(stub.base_url(), dir_a.path(), 64 << 20).await;
    sign_in(&a, &stub, "0912000071").await;
    let report = delivered_report(&a, &photos[..3]).await;

    let kept = a.media().keep_my_reports().await.expect("keep");
    assert_eq!(kept, 3);
    let usage = a.media().usage().await.unwrap();
    let total: u64 = report.media.iter().map(|m| m.size_bytes).sum();
    assert_eq!(
        (usage.files, usage.kept_bytes, usage.other_bytes),
        (3, total, 0)
    );
    // Offline: every photo comes from the phone, byte-identical to what the server holds.
    a.outbox().set_network(false, false);
    for m in &report.media {
        let f = a.media().file(m, Keep::Always).await.expect("offline");
        assert!(f.from_cache);
        assert_eq!(sha256_file(&f.path), m.sha256);
    }

    // Another resident sees those photos in the feed, with room for two of them only.
    let dir_b = tempfile::tempdir().unwrap();
    let largest = report.media.iter().map(|m| m.size_bytes).max().unwrap();
    let budget = total - report.media.iter().map(|m| m.size_bytes).min().unwrap();
    let b = client_at(stub.base_url(), dir_b.path(), budget).await;
    sign_in(&b, &stub, "0912000072").await;
    let mut order = Vec::new();
    for m in &report.media {
        let f = b
            .media()
            .file(m, Keep::WhileRoom)
            .await
            .expect("feed photo");
        assert!(!f.from_cache);
        order.push(m.clone());
    }
    // The least recently used one went; what is left fits the budget.
    let u = b.media().usage().await.unwrap();
    assert!(u.other_bytes <= budget.max(largest), "{u:?} over {budget}");
    assert_eq!(u.files, 2, "{u:?}");
    assert!(
        !cache_files(dir_b.path()).contains(&order[0].sha256),
        "the oldest file was removed from disk"
    );
    b.outbox().set_network(false, false);
    match b.media().file(&order[0], Keep::WhileRoom).await {
        Err(Error::Offline(_)) => {}
        other => panic!("evicted photo offline: {other:?}"),
    }
    assert!(
        b.media()
            .file(&order[2], Keep::WhileRoom)
            .await
            .unwrap()
            .from_cache
    );

    // A damaged reference (the hash of other bytes) or a hostile one stores nothing.
    b.outbox().set_network(true, false);
    let before = cache_files(dir_b.path());
    let mut wrong = order[0].clone();
    wrong.sha256 = order[1].sha256.clone();
    match b.media().file(&wrong, Keep::WhileRoom).await {
        Err(Error::Protocol(m)) => assert!(m.contains("SHA-256"), "{m}"),
        other => panic!("mismatching file accepted: {other:?}"),
    }
    let mut hostile = order[0].clone();
    hostile.sha256 = "../../phananh.sqlite".into();
    assert!(matches!(
        b.media().file(&hostile, Keep::WhileRoom).await,
        Err(Error::Protocol(_))
    ));
    // (`wrong` named a hash already cached: the cached file was served, not replaced.)
    assert_eq!(cache_files(dir_b.path()), before);

    // Deleting A's account removes the photos kept for A.
    a.outbox().set_network(true, false);
    a.session().delete_account().await.expect("delete");
    assert!(cache_files(dir_a.path())
        .iter()
        .all(|f| f.ends_with(".part")));
    assert_eq!(a.media().usage().await.unwrap().files, 0);
    stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_download_resumes_where_it_stopped() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let dir_a = tempfile::tempdir().unwrap();
    let a = client_at(stub.base_url(), dir_a.path(), 64 << 20).await;
    sign_in(&a, &stub, "0912000073").await;
    // The largest real photo, so a cut lands well inside the file.
    let big = jpeg_photos()
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let report = delivered_report(&a, &[big]).await;
    let mut m = report.media[0].clone();
    // The stub names its media with absolute URLs; B reaches the stub through the proxy.
    m.url = m
        .url
        .replace(stub.base_url().trim_end_matches('/'), "")
        .to_string();
    assert!(m.url.starts_with("/media/"), "{}", m.url);

    // B fetches through a proxy that cuts every answer from /media within its first
    // `size` bytes: each attempt keeps what arrived and asks for the rest.
    let proxy = FaultProxy::start(
        stub.addr(),
        FaultConfig {
            cut_response: 1.0,
            cut_response_within: m.size_bytes,
            only_paths_containing: Some("/media/".into()),
            seed: 17,
            ..FaultConfig::clean()
        },
    )
    .await
    .expect("proxy");
    let dir_b = tempfile::tempdir().unwrap();
    let b = client_at(proxy.base_url(), dir_b.path(), 64 << 20).await;
    sign_in(&b, &stub, "0912000074").await;
    let mut attempts = 0;
    let path = loop {
        attempts += 1;
        assert!(attempts <= 200, "no progress after 200 attempts");
        match b.media().file(&m, Keep::WhileRoom).await {
            Ok(f) => break f.path,
            Err(Error::Timeout(_)) | Err(Error::Offline(_)) => continue,
            Err(e) => panic!("attempt {attempts}: {e:?}"),
        }
    };
    assert_eq!(sha256_file(&path), m.sha256);
    let stats = proxy.stats();
    let media_requests = proxy
        .request_log()
        .iter()
        .filter(|r| r.path.starts_with("/media/"))
        .count() as u64;
    assert!(attempts > 1 && stats.cut_responses >= 1, "{stats:?}");
    // Resumed, not restarted: what came down from the stub is the file once, plus the heads
    // of the answers (at most 1 KiB each here), the sign-in's small JSON, and per cut answer
    // at most one read of the proxy (16 KiB) taken from the stub and dropped at the cut.
    // Starting over would add the part before each cut (random within the file).
    assert!(
        stats.bytes_down
            <= m.size_bytes + (media_requests + 10) * 1024 + stats.cut_responses * 16 * 1024,
        "{} B down for a {} B file in {media_requests} requests: restarted instead of resumed",
        stats.bytes_down,
        m.size_bytes
    );
    println!(
        "FIGURES media_cache: {} B photo fetched through {} cut answers in {attempts} attempts, {} B down",
        m.size_bytes, stats.cut_responses, stats.bytes_down
    );
    stub.shutdown().await;
}
