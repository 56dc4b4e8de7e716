//! Shared by the link bench (`src/bin/link_bench.rs`, run by `bench/link.sh`) and the link
//! profile test: a report whose media went through the core's pipeline before the clock
//! starts, its delivery through a shaped link, and the physical limit it is compared with.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::model::{LocalState, MediaKind, UploadState};
use phananh_core::Client;
use phananh_stub::faultproxy::{FaultProxy, LinkConfig, ProxyStats};

/// Compress every attachment of `draft` now, with the same core calls the outbox worker
/// makes (photo: `prepare_photo`, video: `prepare_video`, then recorded as processed), so
/// that a timed delivery measures the network only. Returns (path, mime, kind) per file.
pub async fn process_now(client: &Client, draft: uuid::Uuid) -> Vec<(PathBuf, String, MediaKind)> {
    let limits = client.tenant().config().media;
    let (decoder, transcoder) = (
        phananh_desktop::HeifConvertDecoder::default(),
        phananh_desktop::FfmpegTranscoder::default(),
    );
    let mut out = Vec::new();
    for att in client.drafts().get(draft).await.expect("draft").attachments {
        let src = client.resolve(&att.stored_path);
        let ext = if att.kind == MediaKind::Photo {
            "jpg"
        } else {
            "mp4"
        };
        let rel = PathBuf::from(&att.stored_path)
            .parent()
            .map(|p| p.join(format!("{}.upload.{ext}", att.id)))
            .expect("stored path has a folder")
            .to_string_lossy()
            .into_owned();
        let dest = client.resolve(&rel);
        let prepared = match att.kind {
            MediaKind::Photo => {
                phananh_core::media::prepare_photo(&src, &dest, &limits, Some(&decoder))
            }
            MediaKind::Video => {
                phananh_core::media::prepare_video(&src, &dest, &limits, &transcoder)
            }
        }
        .expect("media pipeline");
        client
            .store()
            .set_attachment_processed(att.id, &rel, &prepared.mime, None)
            .expect("record processed");
        out.push((dest, prepared.mime, att.kind));
    }
    let d = client.drafts().get(draft).await.expect("draft");
    assert!(
        d.attachments.iter().all(|a| a.upload == UploadState::Ready),
        "processed, not uploaded yet"
    );
    out
}

/// Run the outbox until every item is submitted or failed (or `budget` is spent). Returns
/// the time until every item was submitted (the moment the outbox said so, before the
/// status sync `run_pending` does afterwards) and the proxy's counters at that moment (read
/// by a task of its own, woken by the outbox's publication); the whole time and the final
/// counters when not everything was submitted.
pub async fn deliver(
    client: &Client,
    budget: Duration,
    proxy: &Arc<FaultProxy>,
) -> (Duration, ProxyStats) {
    let t = Instant::now();
    let mut sub = client.outbox().subscribe().await.expect("subscribe");
    let p = proxy.clone();
    let watcher = tokio::spawn(async move {
        while let Some(s) = sub.next().await {
            if !s.entries.is_empty()
                && s.entries
                    .iter()
                    .all(|e| e.item.state == LocalState::Submitted)
            {
                return Some((t.elapsed(), p.stats()));
            }
        }
        None
    });
    loop {
        let left = budget.saturating_sub(t.elapsed());
        if left.is_zero() {
            break;
        }
        client
            .outbox()
            .run_pending(left)
            .await
            .expect("run_pending");
        let items = client.outbox().items().await.expect("outbox");
        if items
            .iter()
            .all(|i| matches!(i.state, LocalState::Submitted | LocalState::Failed { .. }))
        {
            break;
        }
    }
    let all_submitted = client
        .outbox()
        .items()
        .await
        .expect("outbox")
        .iter()
        .all(|i| i.state == LocalState::Submitted);
    let seen = if all_submitted {
        tokio::time::timeout(Duration::from_secs(5), watcher)
            .await
            .ok()
            .and_then(|r| r.ok())
            .flatten()
    } else {
        None
    };
    seen.unwrap_or_else(|| (t.elapsed(), proxy.stats()))
}

/// The physical limit of delivering `payload` bytes in `files` uploads and one report
/// (see [`LinkConfig::delivery_limit`]).
pub fn physical_limit(link: &LinkConfig, payload: u64, files: usize) -> Duration {
    link.delivery_limit(payload, files)
}
