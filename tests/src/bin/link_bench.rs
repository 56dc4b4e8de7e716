//! One profile of `bench/link.sh`: the same report (real photos and a video, compressed by
//! the core's pipeline before the clock starts) is delivered through the shaped link of the
//! fault proxy by our client (the core's outbox, default options) and then by tus-js-client
//! (node, `bench/link_tusjs.mjs`) through a fresh link with the same profile and seed (so
//! its cuts fall at the same uplink byte positions). Both must land exactly once and
//! byte-identical. Prints one `RESULT {json}` line.
//!
//! Environment: `LINK_PROFILE` (see `LinkConfig::profile`), `LINK_SEED`, `LINK_FILES`
//! (comma-separated photo/video paths), `TUSJS_DIR` (folder with node_modules/tus-js-client
//! and the script; empty: our client only).

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::auth::SESSION_KEY;
use phananh_core::api::{Api, HttpOptions, MemorySecretStore, SecretStore};
use phananh_core::model::MediaKind;
use phananh_core::{Client, ClientOptions};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy, LinkConfig, ProxyStats};
use phananh_stub::StubOptions;
use phananh_tests::link_support::{deliver, physical_limit, process_now};
use phananh_tests::sync_support::{make_draft, sha256_hex, sign_in};
use serde_json::json;

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_default()
}

/// Requests per method between two snapshots, from the proxy's request log.
fn methods(proxy: &FaultProxy, a: &ProxyStats, b: &ProxyStats) -> serde_json::Value {
    let log = proxy.request_log();
    let mut m = std::collections::BTreeMap::<String, (u64, u64)>::new();
    for r in log
        .iter()
        .take(b.requests as usize)
        .skip(a.requests as usize)
    {
        let e = m.entry(r.method.clone()).or_default();
        e.0 += 1;
        e.1 += r.head_bytes;
    }
    json!(m
        .into_iter()
        .map(|(k, (n, h))| (k, json!({"n": n, "head_bytes": h})))
        .collect::<serde_json::Map<_, _>>())
}

/// The report body our client sends (as `create_report` in the core's worker builds it),
/// with placeholders for the client id and the upload URLs, so that tus-js-client sends
/// the same report byte for byte.
async fn report_template(client: &Client, draft: uuid::Uuid) -> anyhow::Result<String> {
    use phananh_core::wire;
    let d = client.drafts().get(draft).await?;
    let loc = d
        .location
        .clone()
        .ok_or_else(|| anyhow::anyhow!("draft without location"))?;
    let mut media = Vec::new();
    for (i, a) in d.attachments.iter().enumerate() {
        let p = client.resolve(a.processed_path.as_deref().unwrap_or_default());
        media.push(wire::NewMedia {
            poster: None,
            upload_url: format!("@@URL{i}@@"),
            sha256: sha256_hex(&std::fs::read(p)?),
            kind: if a.kind == MediaKind::Photo {
                wire::MediaKind::Photo
            } else {
                wire::MediaKind::Video
            },
            mime: a.mime.clone().unwrap_or_default(),
            captured_at: a.captured_at,
        });
    }
    let body = wire::NewReport {
        client_id: uuid::Uuid::nil(),
        category: d.category.clone().unwrap_or_default(),
        description: d.description.clone(),
        lat: loc.lat,
        lon: loc.lon,
        accuracy_m: loc.accuracy_m,
        ward_code: d.ward.as_ref().map(|w| w.code.clone()),
        address: None,
        anonymous: d.anonymous,
        attributes: d.attributes.clone(),
        media,
        captured_at: d.attachments.iter().filter_map(|a| a.captured_at).min(),
    };
    Ok(serde_json::to_string(&body)?.replace(&uuid::Uuid::nil().to_string(), "@@CLIENT_ID@@"))
}

fn delta(a: &ProxyStats, b: &ProxyStats) -> serde_json::Value {
    json!({
        "head_bytes_up": b.head_bytes_up - a.head_bytes_up,
        "wire_up": b.bytes_up - a.bytes_up,
        "delivered_up": b.bytes_up_delivered - a.bytes_up_delivered,
        "lost_up": b.bytes_up_lost - a.bytes_up_lost,
        "down": b.bytes_down - a.bytes_down,
        "cuts": b.link_cuts - a.link_cuts,
        "requests": b.requests - a.requests,
        "connections": b.connections - a.connections,
    })
}

/// How many reports with `client_id` the server holds, and whether the first one's files
/// are byte for byte the processed files (downloaded directly, not through the link).
async fn server_copy(
    direct: &Api,
    client_id: &str,
    processed: &[(std::path::PathBuf, String, MediaKind)],
) -> anyhow::Result<(usize, bool)> {
    let page = direct.my_reports(None, 100).await?;
    let mine: Vec<_> = page
        .items
        .into_iter()
        .filter(|r| r.client_id.map(|c| c.to_string()).as_deref() == Some(client_id))
        .collect();
    let Some(r) = mine.first() else {
        return Ok((0, false));
    };
    let mut intact = r.media.len() == processed.len();
    for (m, (p, _, _)) in r.media.iter().zip(processed) {
        let remote = direct.media_bytes(&m.url).await?;
        intact &= remote.as_ref() == std::fs::read(p)?.as_slice();
    }
    Ok((mine.len(), intact))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let profile = env("LINK_PROFILE");
    let seed: u64 = env("LINK_SEED").parse().unwrap_or(2025);
    let link = LinkConfig::profile(&profile, seed)
        .ok_or_else(|| anyhow::anyhow!("unknown LINK_PROFILE {profile:?}"))?;
    let files: Vec<std::path::PathBuf> = env("LINK_FILES")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(Into::into)
        .collect();
    anyhow::ensure!(!files.is_empty(), "LINK_FILES is empty");
    let tmp = tempfile::tempdir()?;
    let stub = phananh_stub::start(StubOptions {
        data_dir: Some(tmp.path().join("stub-media")),
        ..StubOptions::for_tests()
    })
    .await?;
    let direct_secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());

    // ----- our client ---------------------------------------------------------------------
    let proxy =
        Arc::new(FaultProxy::start_link(stub.addr(), FaultConfig::clean(), link.clone()).await?);
    let secrets = Arc::new(MemorySecretStore::default());
    let mut opts = ClientOptions::new(tmp.path().join("app"));
    opts.base_url = Some(proxy.base_url());
    opts.secret_store = Some(secrets.clone());
    opts.video_transcoder = Some(Arc::new(phananh_desktop::FfmpegTranscoder::default()));
    let client = Client::open(opts).await?;
    sign_in(&client, &stub, "0912000719").await;
    let session = secrets.get(SESSION_KEY)?.expect("session");
    direct_secrets.set(SESSION_KEY, &session)?;
    let token = serde_json::from_str::<serde_json::Value>(&session)?["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    // Photos first, the video last (`make_draft` attaches in order; the video by extension).
    let draft = make_draft(&client, 1, &files).await;
    let t = Instant::now();
    let processed = process_now(&client, draft).await;
    let processing = t.elapsed();
    // After delivery the app keeps only previews (retention): keep copies of the processed
    // files for the byte-for-byte check and for tus-js-client, which sends the same files.
    let kept = tmp.path().join("processed");
    std::fs::create_dir_all(&kept)?;
    let processed: Vec<_> = processed
        .into_iter()
        .enumerate()
        .map(|(i, (p, mime, kind))| {
            let name = format!(
                "{i}-{}",
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
            let copy = kept.join(name);
            std::fs::copy(&p, &copy).map(|_| (copy, mime, kind))
        })
        .collect::<std::io::Result<_>>()?;
    let payload: u64 = processed
        .iter()
        .map(|(p, _, _)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let report = report_template(&client, draft).await?;
    let item = client.drafts().submit(draft).await?;
    let before = proxy.stats();
    let (ours_time, at_delivery) = deliver(&client, Duration::from_secs(900), &proxy).await;
    let mut ours = delta(&before, &at_delivery);
    ours["methods"] = methods(&proxy, &before, &at_delivery);
    let ours_cut_log = proxy.cut_log();
    drop(proxy);

    // What the server holds, read directly (not through the link).
    let direct = Api::new(
        &stub.base_url(),
        direct_secrets.clone(),
        HttpOptions::default(),
    )?;
    let (ours_count, ours_intact) =
        server_copy(&direct, &item.client_id.to_string(), &processed).await?;

    // ----- tus-js-client, same files, same profile and seed --------------------------------
    let tusjs_dir = env("TUSJS_DIR");
    let mut tusjs = serde_json::Value::Null;
    if !tusjs_dir.is_empty() {
        let proxy = FaultProxy::start_link(stub.addr(), FaultConfig::clean(), link.clone()).await?;
        let list: Vec<serde_json::Value> = processed
            .iter()
            .map(|(p, mime, kind)| json!({"path": p, "mime": mime, "kind": if *kind == MediaKind::Photo { "photo" } else { "video" }}))
            .collect();
        let before = proxy.stats();
        let t = Instant::now();
        let out = tokio::process::Command::new("node")
            .arg(std::path::Path::new(&tusjs_dir).join("link_tusjs.mjs"))
            .env("BASE", proxy.base_url())
            .env("TOKEN", &token)
            .env("FILES", serde_json::to_string(&list)?)
            .env("REPORT", &report)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?
            .wait_with_output();
        let out = tokio::time::timeout(Duration::from_secs(900), out).await??;
        let wall = t.elapsed();
        let after = proxy.stats();
        let mut stats = delta(&before, &after);
        stats["methods"] = methods(&proxy, &before, &after);
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .ok_or_else(|| anyhow::anyhow!("tus-js gave no result: {text}"))?;
        let r: serde_json::Value = serde_json::from_str(line)?;
        let client_id = r["client_id"].as_str().unwrap_or_default().to_owned();
        let (count, ok) = server_copy(&direct, &client_id, &processed).await?;
        tusjs = json!({"time_s": r["ms"].as_f64().unwrap_or(0.0) / 1000.0, "wall_s": wall.as_secs_f64(), "stats": stats,
            "reports": count, "intact": ok, "cut_log_same_seed": proxy.cut_log().iter().zip(&ours_cut_log).all(|(a, b)| a == b)});
    }

    let limit = physical_limit(&link, payload, processed.len());
    let result = json!({
        "profile": profile,
        "seed": seed,
        "up_kbit": link.up.rate_kbit,
        "down_kbit": link.down.rate_kbit,
        "one_way_ms": link.up.latency.as_millis() as u64,
        "queue_up": link.up.queue_bytes,
        "cut_every": link.cut_every_bytes,
        "files": processed.len(),
        "payload": payload,
        "processing_s": processing.as_secs_f64(),
        "limit_s": limit.as_secs_f64(),
        "ours": {"time_s": ours_time.as_secs_f64(), "stats": ours, "reports": ours_count, "intact": ours_intact},
        "tusjs": tusjs,
        "sha256": processed.iter().map(|(p, _, _)| sha256_hex(&std::fs::read(p).unwrap_or_default())[..12].to_owned()).collect::<Vec<_>>(),
    });
    println!("RESULT {result}");
    stub.shutdown().await;
    Ok(())
}
