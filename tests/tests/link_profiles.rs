//! A report through each link profile of the fault proxy (`LinkConfig::profile`), CI-sized:
//! small real photos instead of the bench's phone photos and video (`bench/link.sh` has
//! those), and on "3g-rural" a cut every 40 kB on average instead of 200 kB so that this
//! short payload meets several cuts. Every report must arrive exactly once, its files
//! byte-identical, and a cut may cost at most what the link held (its queue, one read,
//! one packet in the bottleneck, and what propagates) plus the requests that resume; no
//! delivery is faster than the payload at the token bucket's rate.

use std::sync::Arc;
use std::time::Duration;

use phananh_core::api::tus::CREATE_WITH_UPLOAD_MAX;
use phananh_core::api::{Api, HttpOptions, MemorySecretStore, SecretStore};
use phananh_core::{Client, ClientOptions};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy, LinkConfig};
use phananh_stub::StubOptions;
use phananh_tests::link_support::{deliver, physical_limit, process_now};
use phananh_tests::sync_support::*;

/// Every request head our client sends is shorter than this (tus PATCH with its headers
/// and bearer token is about 500 bytes).
const HEAD_MAX: u64 = 1500;

async fn through(profile: &str, pick: Vec<std::path::PathBuf>, cut_every: Option<u64>) {
    let photos = pick.len();
    let mut link = LinkConfig::profile(profile, 2025).expect("profile");
    if let Some(c) = cut_every {
        link.cut_every_bytes = c;
    }
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let proxy = Arc::new(
        FaultProxy::start_link(stub.addr(), FaultConfig::clean(), link.clone())
            .await
            .expect("proxy"),
    );
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = Client::open(ClientOptions {
        base_url: Some(proxy.base_url()),
        secret_store: Some(secrets.clone()),
        ..ClientOptions::new(dir.path())
    })
    .await
    .expect("client");
    sign_in(&client, &stub, "0912000190").await;
    let draft = make_draft(&client, 0, &pick).await;
    let files = process_now(&client, draft).await;
    client.drafts().submit(draft).await.expect("submit");

    let before = proxy.stats();
    let (took, s) = deliver(&client, Duration::from_secs(240), &proxy).await;
    let direct = Api::new(&stub.base_url(), secrets.clone(), HttpOptions::default()).unwrap();
    let check = check_server(&client, &direct).await;
    let (wire, cuts, requests, lost) = (
        s.bytes_up - before.bytes_up,
        s.link_cuts - before.link_cuts,
        s.requests - before.requests,
        s.bytes_up_lost - before.bytes_up_lost,
    );
    let payload = check.payload_bytes;
    let limit = physical_limit(&link, payload, files.len());
    let up = &link.up;
    // What the link held (queue, one read, one packet in the bottleneck, one being written
    // into the server's socket, what propagates), and the creation requests carrying a small
    // file that were in flight (their answers never came back, so they are sent again, bytes
    // and all; the same `Idempotency-Key` gets the upload they made, no second one): at most
    // two, as at most two files are in flight when pipelined.
    let per_cut = up.queue_bytes
        + 3 * 4096
        + (up.bytes_per_sec() * up.latency.as_secs_f64()) as u64
        + 2 * CREATE_WITH_UPLOAD_MAX;
    // No client is faster than the payload at the token bucket's rate (after one burst),
    // the last file's answer and the report's round trip, even with files pipelined.
    let floor =
        Duration::from_secs_f64(payload.saturating_sub(up.burst_bytes) as f64 / up.bytes_per_sec())
            + link.rtt() * 2;
    println!(
        "FIGURES link_profiles {profile}: {} files, payload {payload} B, wire {wire} B ({:.3}x), {cuts} cuts losing {lost} B, {requests} requests, {:.1} s (limit {:.1} s)",
        files.len(),
        wire as f64 / payload.max(1) as f64,
        took.as_secs_f64(),
        limit.as_secs_f64()
    );
    assert_eq!(
        outbox_counts(&client).await,
        (1, 0, 1),
        "delivered, not failed"
    );
    assert_eq!(
        (check.reports, check.duplicates, check.missing),
        (1, 0, 0),
        "exactly once"
    );
    assert_eq!(stub.report_count(), 1);
    assert_eq!(
        (check.files, check.files_intact),
        (photos, photos),
        "every file byte-identical"
    );
    assert!(
        took >= floor,
        "faster than the link allows: {took:?} < {floor:?}"
    );
    assert!(
        lost <= cuts * per_cut,
        "a cut loses at most what the link holds: {lost} > {cuts} x {per_cut}"
    );
    assert!(wire >= payload);
    assert!(
        wire <= payload + requests * HEAD_MAX + cuts * per_cut,
        "wire {wire} B > payload {payload} + {requests} heads + {cuts} cuts x {per_cut}: acknowledged bytes were sent again"
    );
    let log = proxy.request_log();
    assert!(
        log.iter().all(|r| r.method != "OPTIONS"),
        "no discovery round trip: {log:?}"
    );
    if cut_every.is_some() {
        assert!(cuts >= 1, "the link was cut");
    }
    stub.shutdown().await;
}

/// The Nikon photo (about 114 kB once compressed: sent by PATCH) and two small ones (sent
/// within their creation request).
fn three() -> Vec<std::path::PathBuf> {
    let small = small_photos();
    let nikon = small
        .iter()
        .find(|p| p.to_string_lossy().contains("nikon"))
        .cloned()
        .expect("nikon photo");
    let mut v = vec![nikon];
    v.extend(
        small
            .into_iter()
            .filter(|p| !p.to_string_lossy().contains("nikon"))
            .take(2),
    );
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rural_3g_with_cuts() {
    through("3g-rural", three(), Some(40_000)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rural_3g_steady() {
    through("3g-rural-steady", three(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edge_2g() {
    through(
        "2g-edge",
        small_photos().into_iter().take(1).collect(),
        None,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_4g() {
    through("4g-good", three(), None).await;
}
