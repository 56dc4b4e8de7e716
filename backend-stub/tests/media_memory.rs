//! Media downloads are streamed from disk: 50 concurrent Range reads of a 200 MiB video over
//! loopback, with this process's resident memory sampled throughout (this file holds one test,
//! so nothing else runs in the process). Videos need a signed-in caller.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use phananh_wire::{problem_types as pt, MediaKind, NewMedia, Report};
use reqwest::Method;
use sha2::{Digest, Sha256};

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

/// ftyp + moov(mvhd) + the header of an `mdat` of `payload` bytes: a movie mp4parse accepts.
fn mp4_head(payload: u64) -> Vec<u8> {
    let mut f = bx(b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes()); // timescale
    mvhd[16..20].copy_from_slice(&1000u32.to_be_bytes()); // duration
    mvhd[20..24].copy_from_slice(&0x0001_0000u32.to_be_bytes()); // rate
    mvhd[24..26].copy_from_slice(&0x0100u16.to_be_bytes()); // volume
    for (i, v) in [0x0001_0000u32, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000]
        .iter()
        .enumerate()
    {
        mvhd[36 + 4 * i..40 + 4 * i].copy_from_slice(&v.to_be_bytes()); // matrix
    }
    mvhd[96..100].copy_from_slice(&2u32.to_be_bytes()); // next track id
    f.extend(bx(b"moov", &bx(b"mvhd", &mvhd)));
    f.extend_from_slice(&((payload + 8) as u32).to_be_bytes());
    f.extend_from_slice(b"mdat");
    f
}

/// Byte `pos` of the mdat payload (a pattern, so every range can be checked).
fn pattern(pos: u64) -> u8 {
    (pos % 251) as u8
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn tus_create(api: &Api, token: &str, len: u64, mime: &str) -> String {
    let r = api
        .req(Method::POST, "files/", Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header("Upload-Metadata", tus_meta(&[("filetype", mime)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn tus_patch(
    api: &Api,
    token: &str,
    url: &str,
    offset: u64,
    chunk: Vec<u8>,
) -> reqwest::Response {
    api.req(Method::PATCH, url, Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(chunk)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_range_reads_of_a_200_mb_video_use_bounded_memory() {
    const PAYLOAD: u64 = 200 * 1024 * 1024;
    const READERS: u64 = 50;
    const RANGE: u64 = 20 * 1024 * 1024;
    // Tus-Max-Size is 200 MiB by default; the movie is 200 MiB of samples plus its boxes.
    let api = Arc::new(
        Api::with(phananh_stub::StubOptions {
            max_upload_bytes: 256 << 20,
            ..phananh_stub::StubOptions::for_tests()
        })
        .await,
    );
    let t = api.login("0918000001").await.access_token;
    let head = mp4_head(PAYLOAD);
    let total = head.len() as u64 + PAYLOAD;
    let url = tus_create(&api, &t, total, "video/mp4").await;
    let mut sha = Sha256::new();
    let mut off = 0u64;
    const CHUNK: u64 = 16 * 1024 * 1024;
    while off < total {
        let end = (off + CHUNK).min(total);
        let chunk: Vec<u8> = (off..end)
            .map(|p| {
                if p < head.len() as u64 {
                    head[p as usize]
                } else {
                    pattern(p - head.len() as u64)
                }
            })
            .collect();
        sha.update(&chunk);
        let r = tus_patch(&api, &t, &url, off, chunk).await;
        assert_eq!(r.status(), 204, "{:?}", r.text().await);
        off = end;
    }
    let mut report = new_report("Video quay cảnh xe tải đổ trộm phế thải", THANH_SEN);
    report.media.push(NewMedia {
        poster: None,
        upload_url: url,
        sha256: hex::encode(sha.finalize()),
        kind: MediaKind::Video,
        mime: "video/mp4".into(),
        captured_at: None,
    });
    let r = api.create_report(&t, &report).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let created: Report = r.json().await.unwrap();
    let media_url = created.media[0].url.clone();
    assert_eq!(created.media[0].size_bytes, total);

    // Videos need sign-in; the answer says what it is and that nothing in it may run.
    problem(api.get(&media_url, None).await, 401, pt::UNAUTHORIZED).await;
    let r = api
        .req(Method::GET, &media_url, Some(&t))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(r.headers()["content-type"], "video/mp4");

    // 50 readers at once, each a 20 MiB range at its own offset, read chunk by chunk.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let baseline = rss_kib();
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib());
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let t0 = std::time::Instant::now();
    let hl = head.len() as u64;
    let pat: Arc<Vec<u8>> = Arc::new((0..(1u64 << 20) + 251).map(pattern).collect());
    let mut tasks = Vec::new();
    for i in 0..READERS {
        let (api, t, url, pat) = (api.clone(), t.clone(), media_url.clone(), pat.clone());
        tasks.push(tokio::spawn(async move {
            let start = hl + (i * (PAYLOAD - RANGE) / (READERS - 1));
            let end = start + RANGE - 1;
            let mut r = api
                .req(Method::GET, &url, Some(&t))
                .header("Range", format!("bytes={start}-{end}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 206);
            let mut pos = start;
            while let Some(c) = r.chunk().await.unwrap() {
                // Compared slice by slice against the repeated pattern (memcmp, fast unoptimised).
                for (k, piece) in c.chunks(1 << 20).enumerate() {
                    let at = ((pos - hl) + (k << 20) as u64) % 251;
                    assert!(
                        piece == &pat[at as usize..at as usize + piece.len()],
                        "bytes from {} differ",
                        pos + (k << 20) as u64
                    );
                }
                pos += c.len() as u64;
            }
            assert_eq!(pos, end + 1);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let took = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    let growth_mib = peak.saturating_sub(baseline) as f64 / 1024.0;
    let buffered_mib = (READERS * RANGE) as f64 / 1048576.0;
    println!(
        "FIGURES media: {READERS} concurrent Range reads of {} MiB each from a {} MiB video in {:.2} s: peak RSS growth {growth_mib:.1} MiB \
         (baseline {:.1} MiB; buffering each range would need {buffered_mib:.0} MiB)",
        RANGE >> 20,
        total >> 20,
        took.as_secs_f64(),
        baseline as f64 / 1024.0,
    );
    // Far below what holding the ranges in memory would take (client and server both here).
    assert!(growth_mib < buffered_mib / 8.0, "{growth_mib} MiB");
}
