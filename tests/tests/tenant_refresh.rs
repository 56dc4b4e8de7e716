//! Issue 17, item 5: the tenant config and the ward boundaries are refreshed from the real
//! stub at most once a day, with ETags (an unchanged document costs a 304), kept for the next
//! start; boundaries that fail validation are refused and the ones in use stay.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::location::BoundarySource;
use phananh_core::{Client, ClientOptions, Error};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;

/// A point in Phường Thành Sen (Hà Tĩnh city centre).
const THANH_SEN: (f64, f64) = (18.3428, 105.9057);

async fn open(base: String, dir: &std::path::Path, bundled: bool) -> Client {
    let bundled = bundled.then(|| phananh_tests::shared_data().join("boundaries"));
    open_with(base, dir, bundled).await
}

async fn open_with(
    base: String,
    dir: &std::path::Path,
    bundled: Option<std::path::PathBuf>,
) -> Client {
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    Client::open(ClientOptions {
        base_url: Some(base),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        boundaries: bundled.map(BoundarySource::Dir),
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client")
}

/// The app's bundled boundaries as an older build would ship them: the same wards, but not
/// the same file as the server's (one byte more), so the server's copy is worth fetching.
fn older_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let shared = phananh_tests::shared_data().join("boundaries");
    for name in [
        "ha_tinh_province_2025.geojson",
        "ha_tinh_wards_2025.geojson",
    ] {
        let mut bytes = std::fs::read(shared.join(name)).unwrap();
        if name.contains("wards") {
            bytes.push(b'\n');
        }
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

async fn ward_at(client: &Client, p: (f64, f64)) -> Option<String> {
    client
        .tenant()
        .locate(p.0, p.1, None)
        .await
        .unwrap()
        .and_then(|l| l.ward)
        .map(|w| w.name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_and_boundaries_are_refreshed_daily_with_etags_and_kept() {
    let stub = phananh_stub::start(StubOptions::for_tests()).await.unwrap();
    let proxy = FaultProxy::start(stub.addr(), FaultConfig::clean())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bundle = older_bundle();
    let client = open_with(proxy.base_url(), dir.path(), Some(bundle.path().into())).await;
    let ward = ward_at(&client, THANH_SEN).await;
    assert!(ward.is_some(), "bundled boundaries locate the point");

    // First start: both fetched (the served config names the boundaries' URL, and its hash
    // is not the bundled file's).
    let r = client.tenant().refresh_if_due().await.unwrap();
    assert!(
        r.checked && r.config_changed && r.boundaries_changed,
        "{r:?}"
    );
    assert!(client.tenant().config().boundaries_url.is_some());
    assert!(dir.path().join("boundaries/wards.geojson").is_file());
    assert_eq!(ward_at(&client, THANH_SEN).await, ward);

    // Again the same day: the server is not asked.
    let asked = proxy.stats().requests;
    let r = client.tenant().refresh_if_due().await.unwrap();
    assert!(!r.checked, "{r:?}");
    assert_eq!(proxy.stats().requests, asked);

    // A day later: asked, both unchanged (ETags: 304 answers without bodies). Two callers at
    // once (coming to the foreground while the network returns): one asks, once.
    let yesterday = chrono::Utc::now() - chrono::Duration::hours(25);
    client
        .store()
        .kv_set("tenant.checked_at", &yesterday.to_rfc3339())
        .unwrap();
    let down = proxy.stats().bytes_down;
    let (t1, t2) = (client.tenant(), client.tenant());
    let (a, b) = tokio::join!(t1.refresh_if_due(), t2.refresh_if_due());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        a.checked != b.checked,
        "exactly one of them asked: {a:?} {b:?}"
    );
    let r = if a.checked { a } else { b };
    assert!(
        r.checked && !r.config_changed && !r.boundaries_changed,
        "{r:?}"
    );
    // (The config's request crosses the proxy; the boundaries' URL names the stub itself, and
    // the fetched file's hash is the one the config announces: not asked at all.)
    assert_eq!(proxy.stats().requests, asked + 1);
    assert!(
        proxy.stats().bytes_down - down < 1024,
        "a 304 answer, not the config again"
    );
    // Offline: nothing, no error.
    client
        .store()
        .kv_set("tenant.checked_at", &yesterday.to_rfc3339())
        .unwrap();
    client.outbox().set_network(false, false);
    assert!(!client.tenant().refresh_if_due().await.unwrap().checked);
    drop(client);

    // Next start, without bundled boundaries: the fetched ones are used.
    let again = open(proxy.base_url(), dir.path(), false).await;
    assert_eq!(ward_at(&again, THANH_SEN).await, ward);
    stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boundaries_the_app_already_bundles_are_not_downloaded() {
    let stub = phananh_stub::start(StubOptions::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The app ships the same wards file as the server serves (2.3 MB: a minute of 3G).
    let client = open(stub.base_url(), dir.path(), true).await;
    let r = client.tenant().refresh_if_due().await.unwrap();
    assert!(r.checked && r.config_changed, "{r:?}");
    let config = client.tenant().config();
    assert!(config.boundaries_url.is_some());
    assert_eq!(
        config.boundaries_sha256.as_deref().map(str::len),
        Some(64),
        "the served config announces its boundaries' hash"
    );
    // No ETag was stored, so any request would have been a full download written to
    // storage: none happened.
    assert!(!r.boundaries_changed, "{r:?}");
    assert!(
        !dir.path().join("boundaries").exists(),
        "nothing downloaded"
    );
    assert!(ward_at(&client, THANH_SEN).await.is_some());

    // A server file that differs from the bundled one is fetched.
    let mut other = config.clone();
    other.boundaries_sha256 = Some("0".repeat(64));
    client
        .tenant()
        .set_config_json(serde_json::to_string(&other).unwrap())
        .await
        .unwrap();
    assert!(client.tenant().refresh_boundaries().await.unwrap());
    assert!(dir.path().join("boundaries/wards.geojson").is_file());

    // A malformed hash is refused with the config, which stays as it was.
    let mut bad = config;
    bad.boundaries_sha256 = Some("not-a-hash".into());
    let before = client.tenant().config();
    assert!(client
        .tenant()
        .set_config_json(serde_json::to_string(&bad).unwrap())
        .await
        .is_err());
    assert_eq!(client.tenant().config(), before);
    stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boundaries_that_fail_validation_are_refused_and_the_ones_in_use_stay() {
    let stub = phananh_stub::start(StubOptions::for_tests()).await.unwrap();
    // A server whose boundaries are a FeatureCollection of nothing.
    let app = Router::new().route(
        "/bad-boundaries",
        get(|| async { r#"{"type":"FeatureCollection","features":[]}"# }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bad_url = format!("http://{}/bad-boundaries", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let client = open(stub.base_url(), dir.path(), true).await;
    let ward = ward_at(&client, THANH_SEN).await;
    let mut config = client.tenant().config();
    config.boundaries_url = Some(bad_url);
    // (A server that does not announce its file's hash.)
    config.boundaries_sha256 = None;
    client
        .tenant()
        .set_config_json(serde_json::to_string(&config).unwrap())
        .await
        .unwrap();
    match tokio::time::timeout(
        Duration::from_secs(20),
        client.tenant().refresh_boundaries(),
    )
    .await
    .unwrap()
    {
        Err(Error::Protocol(m)) => assert!(m.contains("boundaries"), "{m}"),
        other => panic!("empty boundaries accepted: {other:?}"),
    }
    assert!(!dir.path().join("boundaries").exists(), "nothing written");
    assert_eq!(
        ward_at(&client, THANH_SEN).await,
        ward,
        "the ones in use stay"
    );
    server.abort();
    stub.shutdown().await;
}
