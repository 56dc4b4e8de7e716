//! 50 reports × 3 real photos through the fault proxy (cuts mid-body, stalls, latency,
//! injected 500/503/429, cut answers) to the real stub, which itself loses some answers
//! after doing the work: every report must arrive exactly once with intact files, and the
//! client may send again only what the faults destroyed. Which requests the faults hit
//! (a whole photo in a creation-with-upload, or a small chunk) varies with timing, so the
//! wire bound is built from what the proxy and the stub report having destroyed in this
//! run, not from a fixed ratio; the ratio is printed as a figure.

use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::{Api, HttpOptions, MemorySecretStore, SecretStore};
use phananh_core::{Client, ClientOptions};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy};
use phananh_stub::{Faults, StubOptions};
use phananh_tests::sync_support::*;

/// `PHANANH_SYNC_REPORTS` shrinks the run when debugging.
fn reports() -> usize {
    std::env::var("PHANANH_SYNC_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50)
}
const PHOTOS_PER_REPORT: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_reports_arrive_exactly_once_through_a_bad_network() {
    let started = Instant::now();
    let n_reports = reports();
    let stub = phananh_stub::start(StubOptions {
        faults: Faults {
            before: 0.0,
            after: 0.03,
        },
        ..StubOptions::for_tests()
    })
    .await
    .expect("stub");
    let faults = FaultConfig {
        cut_request: 0.03,
        cut_response: 0.04,
        cut_response_within: 600,
        stall: 0.05,
        // Up to 5 s: the longest stalls outlast the 4 s upload timeout (a timeout is transient).
        stall_max: Duration::from_secs(5),
        delay_max: Duration::from_millis(2),
        http_error: 0.02,
        retry_after_s: 1,
        offline: false,
        only_paths_containing: None,
        seed: 20251126,
    };
    let proxy = FaultProxy::start(stub.addr(), FaultConfig::clean())
        .await
        .expect("proxy");
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = Client::open(ClientOptions {
        base_url: Some(proxy.base_url()),
        secret_store: Some(secrets.clone()),
        sync: fast_sync_options(),
        ..ClientOptions::new(dir.path())
    })
    .await
    .expect("client");
    sign_in(&client, &stub, "0912000050").await;

    // Phone photos of 2–4 MB (12 MP) take seconds each to compress in an unoptimised test
    // build, so every tenth report carries one and the rest use the corpus' smaller real
    // photos; the upload path is the same.
    let large = jpeg_photos();
    let small = small_photos();
    assert!(
        large.len() >= 3 && small.len() >= 3,
        "need real photos in ../shared/data/photos"
    );
    for n in 0..n_reports {
        let mut pick: Vec<_> = (0..PHOTOS_PER_REPORT)
            .map(|k| small[(n * PHOTOS_PER_REPORT + k) % small.len()].clone())
            .collect();
        if n % 10 == 0 {
            pick[0] = large[(n / 10) % large.len()].clone();
        }
        let id = make_draft(&client, n, &pick).await;
        client.drafts().submit(id).await.expect("submit");
    }
    let before = proxy.stats();
    let lost_before = stub.lost_answers();
    proxy.set_config(faults);

    let mut runs = 0;
    let (mut retried, mut timeouts) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(420);
    loop {
        runs += 1;
        let s = client
            .outbox()
            .run_pending(Duration::from_secs(60))
            .await
            .expect("run_pending");
        retried += s.retried;
        timeouts += s.timeouts;
        let (submitted, failed, total) = outbox_counts(&client).await;
        println!("run {runs}: {s:?}; submitted {submitted}/{total}, failed {failed}");
        if submitted + failed == total || Instant::now() > deadline {
            break;
        }
    }
    proxy.set_config(FaultConfig::clean());
    let wire = proxy.stats();

    let direct = Api::new(&stub.base_url(), secrets.clone(), HttpOptions::default()).unwrap();
    let check = check_server(&client, &direct).await;
    let sent_up = wire.bytes_up - before.bytes_up;
    let ratio = sent_up as f64 / check.payload_bytes.max(1) as f64;
    // What the client may legitimately send beyond the files: request heads, the bodies
    // of its JSON requests, and every request a fault destroyed (proxy: injected errors,
    // cuts, stalls, cut answers; stub: answers lost after the work). A client timeout
    // not caused by a fault (a loaded machine) may cost one more request each.
    let heads = wire.head_bytes_up - before.head_bytes_up;
    let log = proxy.request_log();
    let during = &log[(before.requests as usize).min(log.len())..];
    assert_eq!(
        during.len() as u64,
        wire.requests - before.requests,
        "request log complete"
    );
    let json_bodies: u64 = during
        .iter()
        .filter(|r| !r.path.starts_with("/files"))
        .map(|r| r.body_bytes)
        .sum();
    let largest_request = during
        .iter()
        .map(|r| r.head_bytes + r.body_bytes)
        .max()
        .unwrap_or(0);
    let faulted = wire.bytes_up_faulted - before.bytes_up_faulted;
    let lost_answers = stub.lost_answers();
    let (lost_n, lost_bytes) = (
        lost_answers.0 - lost_before.0,
        lost_answers.1 - lost_before.1,
    );
    let allowed = check.payload_bytes
        + heads
        + json_bodies
        + faulted
        + lost_bytes
        + timeouts as u64 * largest_request;
    let resent_needlessly = sent_up.saturating_sub(allowed);
    println!(
        "FIGURES sync_faults: reports delivered {}/{n_reports}, duplicates {}, missing {}, files intact {}/{}, \
         payload {} B, client bytes on the wire {} B, overhead ratio {ratio:.4}, \
         proxy: {} requests, {} cut mid-request, {} answers cut, {} stalls, {} injected 5xx/429; \
         destroyed by faults {faulted} B (proxy) + {lost_bytes} B in {lost_n} answers lost by the stub; \
         heads {heads} B, JSON bodies {json_bodies} B; bound {allowed} B, sent beyond it {resent_needlessly} B; \
         client retried {retried} steps ({timeouts} timeouts); server row count {}; {:.1}s",
        check.reports,
        check.duplicates,
        check.missing,
        check.files_intact,
        check.files,
        check.payload_bytes,
        sent_up,
        wire.requests - before.requests,
        wire.cut_requests - before.cut_requests,
        wire.cut_responses - before.cut_responses,
        wire.stalls - before.stalls,
        wire.injected_errors - before.injected_errors,
        stub.report_count(),
        started.elapsed().as_secs_f64(),
    );
    let (submitted, failed, _) = outbox_counts(&client).await;
    assert_eq!(
        (submitted, failed),
        (n_reports, 0),
        "every item submitted, none failed"
    );
    assert_eq!(check.reports, n_reports);
    assert_eq!(check.duplicates, 0);
    assert_eq!(check.missing, 0);
    assert_eq!(stub.report_count(), n_reports as i64);
    assert_eq!(check.files, n_reports * PHOTOS_PER_REPORT);
    assert_eq!(
        check.files_intact, check.files,
        "every file byte-identical on the server"
    );
    assert!(
        wire.cut_requests - before.cut_requests > 0
            && wire.injected_errors - before.injected_errors > 0,
        "faults happened"
    );
    assert!(
        sent_up >= check.payload_bytes,
        "every file crossed the faulty link (tus Location rewritten by the proxy)"
    );
    assert_eq!(
        resent_needlessly, 0,
        "the client sent {resent_needlessly} B that no fault destroyed (wire {sent_up} B, bound {allowed} B)"
    );
    stub.shutdown().await;
}
