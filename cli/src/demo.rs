//! `phananh demo`: the whole mission in under a minute, on this machine only. Starts the
//! backend stub in-process (SQLite in a temp dir, simulated officers), puts a flaky-link
//! proxy in front of it, and walks a resident's report from photo to rating.
//! `--link PROFILE` makes the proxy play a shaped radio link too (the fault proxy's link
//! model: rate, latency, queue, seeded cuts; the profiles `bench/link.sh` measures), and the
//! summary then sets the delivery beside that link's physical limit.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use phananh_core::api::MemorySecretStore;
use phananh_core::model::{LocalState, MediaKind};
use phananh_core::sync::SyncOptions;
use phananh_core::{Client, ClientOptions};
use phananh_stub::faultproxy::{FaultConfig, FaultProxy, LinkConfig};
use phananh_stub::{DbLocation, StubOptions};
use phananh_wire as wire;

use crate::sync_cmd;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Photo to report with (default: the Thành Sen sample of ../shared/data/photos, whose
    /// EXIF GPS lies in Hà Tĩnh).
    #[arg(long)]
    pub photo: Option<PathBuf>,
    /// Skip the generated video (when ffmpeg is not installed).
    #[arg(long)]
    pub no_video: bool,
    /// How bad the link is: probability that a request is cut, stalled or refused
    /// [default: 0.3; 0 with --link, whose profile brings its own cuts].
    #[arg(long)]
    pub flakiness: Option<f64>,
    /// Seed of the flaky link (and of the link profile's cuts), to replay a run exactly.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Send through a shaped radio link: 3g-rural, 3g-rural-steady, 2g-edge or 4g-good
    /// (the profiles of bench/link.sh).
    #[arg(long, value_name = "PROFILE", value_parser = parse_profile)]
    pub link: Option<String>,
}

fn parse_profile(s: &str) -> Result<String, String> {
    if LinkConfig::profile(s, 1).is_some() {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "unknown link profile {s:?}; known: {}",
            LinkConfig::PROFILES.join(", ")
        ))
    }
}

fn step(n: u32, text: &str) {
    println!("\n[{n}] {text}");
}

/// A 4-second 1080p clip with sound, stored rotated (as phones held upright do).
fn generate_video(dir: &std::path::Path) -> anyhow::Result<PathBuf> {
    let out = dir.join("clip.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30",
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100",
            "-t",
            "4",
        ])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&out)
        .status()
        .context("running ffmpeg (install it, or pass --no-video)")?;
    anyhow::ensure!(status.success(), "ffmpeg could not make the demo video");
    Ok(out)
}

pub async fn run(a: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let tmp = tempfile::tempdir().context("making a temporary folder")?;
    let data = crate::app::shared_data();

    step(
        1,
        "Starting the backend stub (SQLite in a temporary folder, simulated officers)",
    );
    let mut opts = StubOptions::for_tests();
    opts.db = DbLocation::File(tmp.path().join("stub.sqlite"));
    opts.data_dir = Some(tmp.path().join("stub-media"));
    opts.simulate = Some(Duration::from_millis(1500));
    opts.boundaries = Some(data.join("boundaries/ha_tinh_wards_2025.geojson"));
    let stub = phananh_stub::start(opts).await?;
    println!(
        "    stub at {} (up in {} ms)",
        stub.base_url(),
        stub.startup_time().as_millis()
    );

    let shaped = a
        .link
        .as_deref()
        .map(|p| LinkConfig::profile(p, a.seed).context("unknown link profile"))
        .transpose()?;
    let flakiness = a
        .flakiness
        .unwrap_or(if shaped.is_some() { 0.0 } else { 0.3 });
    let link = FaultConfig {
        cut_request: flakiness * 0.5,
        cut_response: flakiness * 0.3,
        cut_response_within: 2048,
        stall: flakiness * 0.1,
        stall_max: Duration::from_millis(1500),
        delay_max: Duration::from_millis(3),
        http_error: flakiness * 0.4,
        retry_after_s: 1,
        offline: false,
        only_paths_containing: None,
        seed: a.seed,
    };
    let proxy = FaultProxy::start_link(
        stub.addr(),
        link.clone(),
        shaped.clone().unwrap_or_else(LinkConfig::ideal),
    )
    .await?;
    match (&shaped, &a.link) {
        (Some(l), Some(name)) => {
            println!(
                "    link \"{name}\" at {}: {}",
                proxy.base_url(),
                l.describe()
            );
            if flakiness > 0.0 {
                println!("    plus per-request faults (flakiness {flakiness})");
            }
        }
        _ => println!(
            "    flaky 3G link at {} (cuts, stalls, 500/503/429 at random)",
            proxy.base_url()
        ),
    }

    step(2, "Signing in a resident with phone + OTP");
    let mut sync = SyncOptions::default();
    sync.backoff.base = Duration::from_millis(200);
    sync.backoff.cap = Duration::from_secs(2);
    sync.http.request_timeout = Duration::from_secs(5);
    sync.http.connect_timeout = Duration::from_secs(3);
    let mut copts = ClientOptions::new(tmp.path().join("app"));
    copts.base_url = Some(proxy.base_url());
    copts.secret_store = Some(Arc::new(MemorySecretStore::default()));
    copts.boundaries = Some(phananh_core::location::BoundarySource::Dir(
        data.join("boundaries"),
    ));
    copts.image_decoder = Some(Arc::new(phananh_desktop::HeifConvertDecoder::default()));
    copts.video_transcoder = Some(Arc::new(phananh_desktop::FfmpegTranscoder::default()));
    copts.sync = sync;
    let client = Client::open(copts).await?;
    let phone = "0912345678";
    // The link is flaky for sign-in too: try a few times, as a person would.
    let mut signed_in = None;
    for _ in 0..8 {
        let attempt = async {
            let sent = client.session().request_otp(phone).await?;
            let code = stub
                .last_otp(&sent.phone)
                .or_else(|| stub.last_otp(phone))
                .context("the stub printed no OTP")?;
            println!("    OTP for {} arrived (dev mode): {code}", sent.phone);
            anyhow::Ok(client.session().sign_in(phone, &code).await?)
        };
        match attempt.await {
            Ok(user) => {
                signed_in = Some(user);
                break;
            }
            Err(e) => println!("    sign-in interrupted by the link ({e:#}); trying again"),
        }
    }
    let user = signed_in.context("could not sign in over the flaky link")?;
    println!("    signed in as {}", user.phone);

    step(
        3,
        "Writing a report offline: real photo, generated video, position from the photo's EXIF",
    );
    let photo = a
        .photo
        .unwrap_or_else(|| data.join("photos/synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg"));
    let video = if a.no_video {
        None
    } else {
        Some(generate_video(tmp.path())?)
    };
    let draft = crate::drafts_cmd::new_report(
        &client,
        crate::drafts_cmd::NewReport {
            photos: vec![photo.clone()],
            video: video.clone(),
            lat: None,
            lon: None,
            accuracy: None,
            category: "giao_thong".into(),
            text: "Ổ gà lớn giữa đường, xe máy dễ ngã khi trời mưa".into(),
            anonymous: false,
            draft: false,
            out: crate::app::Output { json: false },
        },
    )
    .await?;
    let original_bytes: u64 = draft.attachments.iter().map(|a| a.size_bytes).sum();
    for att in &draft.attachments {
        println!(
            "    {} {} ({} KB)",
            att.kind.as_str(),
            att.original_name,
            att.size_bytes / 1000
        );
    }
    if let Some(l) = &draft.location {
        println!(
            "    position {:.5}, {:.5} from {:?}",
            l.lat, l.lon, l.source
        );
    }
    println!(
        "    commune/ward: {}",
        draft
            .ward
            .as_ref()
            .map(|w| format!("{} (code {})", w.full_name, w.code))
            .unwrap_or_else(|| "not found".into())
    );

    step(
        4,
        "Sending through the flaky link (compress, resumable upload, create exactly once)",
    );
    // On a shaped link, time for the originals at the uplink's rate three times over (the
    // compressed files are smaller), on top of the usual budget.
    let budget = Duration::from_secs(90)
        + shaped.as_ref().map_or(Duration::ZERO, |l| {
            Duration::from_secs_f64(3.0 * original_bytes as f64 / l.up.bytes_per_sec().max(1.0))
        });
    let before_send = proxy.stats();
    let send_started = Instant::now();
    // When every file is prepared (compressed): the network part of the delivery starts.
    let prepared_at = {
        let mut sub = client.outbox().subscribe().await?;
        tokio::spawn(async move {
            while let Some(snap) = sub.next().await {
                if snap
                    .entries
                    .iter()
                    .any(|e| !e.preparing && e.bytes_total > 0)
                {
                    return Some(Instant::now());
                }
            }
            None
        })
    };
    let snap = sync_cmd::send_with_progress(&client, budget, false).await?;
    let delivered = snap
        .entries
        .iter()
        .all(|e| e.item.state == LocalState::Submitted);
    anyhow::ensure!(
        delivered,
        "the report was not delivered: {:?}",
        snap.entries
            .iter()
            .map(|e| &e.item.state)
            .collect::<Vec<_>>()
    );
    let time_to_deliver = send_started.elapsed();
    let payload: u64 = snap.entries.iter().map(|e| e.bytes_total).sum();
    let network_time = match tokio::time::timeout(Duration::from_secs(1), prepared_at).await {
        Ok(Ok(Some(t))) => send_started.elapsed().saturating_sub(t - send_started),
        _ => time_to_deliver,
    };
    let server_id = snap.entries[0]
        .item
        .server_id
        .clone()
        .context("delivered without a server id")?;
    println!(
        "    delivered as report {server_id} in {:.1} s",
        time_to_deliver.as_secs_f64()
    );
    let stats_after_send = proxy.stats();
    // The link is clean from here on, so the rest of the demo is about the case, not the network.
    proxy.set_config(FaultConfig::clean());

    step(
        5,
        "Following the case while the simulated officers work on it",
    );
    let mut seen = 0usize;
    let follow_deadline = Instant::now() + Duration::from_secs(40);
    let report = loop {
        if let Err(e) = client.reports().sync().await {
            // A connection the flaky link broke earlier may still be pooled; try again.
            println!("    (status sync will retry: {e})");
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        let r = client
            .reports()
            .cached(&server_id)
            .await?
            .context("report missing from my reports")?;
        for e in &r.timeline[seen.min(r.timeline.len())..] {
            sync_cmd::print_event(e);
        }
        seen = r.timeline.len();
        if r.status == wire::ReportStatus::Resolved || Instant::now() > follow_deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    anyhow::ensure!(
        report.status == wire::ReportStatus::Resolved,
        "the case was not resolved in time"
    );

    step(
        6,
        "Rating the result (through the outbox, like everything sent)",
    );
    client
        .reports()
        .rate(&server_id, 3, Some("Đã sửa nhanh, cảm ơn".into()), false)
        .await?;
    let snap = sync_cmd::send_with_progress(&client, Duration::from_secs(20), true).await?;
    anyhow::ensure!(
        snap.entries
            .iter()
            .all(|e| e.item.state == LocalState::Submitted),
        "the rating was not delivered"
    );
    let rated = client.reports().refresh(&server_id).await?;
    let rating = rated
        .my_rating
        .as_ref()
        .context("the server has no rating")?;
    println!(
        "    rating {} delivered: {}",
        rating.level,
        rating.comment.as_deref().unwrap_or("")
    );

    // What the server holds, compared with what the phone had.
    let uploaded_bytes: u64 = rated.media.iter().map(|m| m.size_bytes).sum();
    let photos = rated
        .media
        .iter()
        .filter(|m| m.kind == wire::MediaKind::Photo)
        .count();
    let videos = rated
        .media
        .iter()
        .filter(|m| m.kind == wire::MediaKind::Video)
        .count();
    let expected_photos = draft
        .attachments
        .iter()
        .filter(|a| a.kind == MediaKind::Photo)
        .count();
    anyhow::ensure!(
        photos == expected_photos && videos == usize::from(video.is_some()),
        "server holds {photos} photos, {videos} videos"
    );
    let s = stats_after_send;
    let faults = s.cut_requests + s.cut_responses + s.stalls + s.injected_errors;
    println!("\n== Summary ==");
    println!(
        "report:            {server_id} in {}, status {}",
        report
            .ward
            .as_ref()
            .map(|w| w.full_name.as_str())
            .unwrap_or("?"),
        sync_cmd::status_label(rated.status)
    );
    println!("media:             {photos} photo(s), {videos} video(s)");
    println!(
        "compression:       {} KB on the phone -> {} KB sent ({:.0}% saved)",
        original_bytes / 1000,
        uploaded_bytes / 1000,
        100.0 * (1.0 - uploaded_bytes as f64 / original_bytes.max(1) as f64)
    );
    println!(
        "retries survived:  {faults} link faults ({} cut requests, {} cut answers, {} stalls, {} server errors) over {} requests",
        s.cut_requests, s.cut_responses, s.stalls, s.injected_errors, s.requests
    );
    println!(
        "bytes on the wire: {} KB up for {} KB of media ({:.2}x)",
        s.bytes_up / 1000,
        uploaded_bytes / 1000,
        s.bytes_up as f64 / uploaded_bytes.max(1) as f64
    );
    println!("time to deliver:   {:.1} s", time_to_deliver.as_secs_f64());
    if let (Some(l), Some(name)) = (&shaped, &a.link) {
        // Timed from the moment every file was prepared, like the bench.
        let limit = l.delivery_limit(payload, rated.media.len());
        let wire = s.bytes_up - before_send.bytes_up;
        println!(
            "link {name}: payload {} B, wire {} B ({:.3}x), {} cut(s) losing {} B, {} requests; sent in {:.1} s after compression, limit {:.1} s ({:.2}x)",
            payload,
            wire,
            wire as f64 / payload.max(1) as f64,
            s.link_cuts - before_send.link_cuts,
            s.bytes_up_lost - before_send.bytes_up_lost,
            s.requests - before_send.requests,
            network_time.as_secs_f64(),
            limit.as_secs_f64(),
            network_time.as_secs_f64() / limit.as_secs_f64().max(0.001)
        );
    }
    println!("reports on server: {} (exactly once)", stub.report_count());
    println!("demo finished in {:.1} s", started.elapsed().as_secs_f64());
    anyhow::ensure!(
        stub.report_count() == 1,
        "the server holds {} reports, expected exactly 1",
        stub.report_count()
    );
    proxy.shutdown();
    stub.shutdown().await;
    Ok(())
}
