//! The outbox worker: asks the [`machine`](super::machine) what to do next, does it, and
//! records the result before doing anything else. Every step is idempotent:
//! - process media: writes a new file atomically, then records it (a crash leaves an
//!   orphan file that `Client::open` removes);
//! - upload: the tus client persists each acknowledged offset; a restart resumes by HEAD;
//! - create report: `Idempotency-Key` = the item's client id; a replay returns the same report;
//! - rating: a PUT, the same rating twice is harmless.
//!
//! Cancellation (the deadline of `run_pending`, a dropped future) can happen at any await:
//! store writes are synchronous transactions, so what was recorded is consistent, and what
//! was not is simply done again.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use sha2::{Digest, Sha256};
use tokio::time::Instant;
use uuid::Uuid;

use super::engine::{attachment_facts, lock, Engine};
use super::machine::{self, Outcome, Plan, Step};
use crate::api::tus::{ChunkSizer, UploadJob};
use crate::api::Api;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::{Attachment, LocalState, MediaKind, OutboxItem, OutboxKind, UploadState};
use phananh_wire as wire;

/// What one `run_pending` achieved.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    /// Items that reached `submitted` during this run.
    pub delivered: u32,
    /// Items that became `failed` during this run.
    pub failed: u32,
    /// Items still waiting (backoff, offline, Wi-Fi, sign-in).
    pub pending: u32,
    /// Steps executed (process, upload, create, rate).
    pub steps: u32,
    /// Steps that met a transient failure (network, timeout, 5xx, 429) and will be retried.
    pub retried: u32,
    /// Of those, how many were timeouts.
    pub timeouts: u32,
    /// Stopped because the deadline came, with work left.
    pub hit_deadline: bool,
    /// Earliest moment an item backing off may be tried again (when nothing else was
    /// runnable): the platform schedules its next background run for then.
    pub next_attempt_at: Option<chrono::DateTime<Utc>>,
}

/// Drain the outbox until nothing is runnable or `deadline` comes.
pub(crate) async fn drain(client: &Client, deadline: Instant) -> Result<RunSummary> {
    let engine = client.sync_engine().clone();
    let mut summary = RunSummary::default();
    loop {
        if Instant::now() >= deadline {
            summary.hit_deadline = true;
            break;
        }
        let cond = engine.conditions();
        let items = client.store().outbox_items()?;
        let mut next: Option<(OutboxItem, Step)> = None;
        let mut earliest: Option<chrono::DateTime<Utc>> = None;
        let mut pending = 0;
        for item in items {
            let (views, _) = attachment_facts(client.store(), client.storage_dir(), &item)?;
            match machine::plan(&item, &views, &cond) {
                Plan::Run(step) => {
                    pending += 1;
                    if next.is_none() {
                        next = Some((item, step));
                    }
                }
                Plan::WaitUntil(t) => {
                    pending += 1;
                    earliest = Some(earliest.map_or(t, |e| e.min(t)));
                }
                Plan::Blocked(_) => pending += 1,
                Plan::Done | Plan::Stopped => {}
            }
        }
        summary.pending = pending;
        engine.publish_outbox(client.store(), client.storage_dir());
        summary.next_attempt_at = earliest;
        let Some((item, step)) = next else {
            let Some(t) = earliest else { break };
            // Sleep until the earliest retry (or a wake-up: new item, network back), unless
            // it comes after the deadline: then return now rather than idle out the budget.
            let wait = (t - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            if Instant::now() + wait > deadline {
                break;
            }
            let until = Instant::now() + wait;
            tokio::select! {
                _ = tokio::time::sleep_until(until) => {}
                _ = engine.wake.notified() => {}
            }
            continue;
        };
        summary.steps += 1;
        let outcome = match tokio::time::timeout_at(deadline, run_step(client, &engine, &item, &step)).await {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => {
                tracing::info!(item = %item.client_id, ?step, error = %e, "outbox step failed");
                machine::classify(&e)
            }
            Err(_) => {
                summary.hit_deadline = true;
                break;
            }
        };
        if let Outcome::Transient { detail, .. } = &outcome {
            summary.retried += 1;
            if detail.contains("timeout") || detail.contains("timed out") {
                summary.timeouts += 1;
            }
            *lock(&engine.last_error) = Some(detail.clone());
        } else if matches!(outcome, Outcome::Progressed | Outcome::Created { .. }) {
            *lock(&engine.last_error) = None;
        }
        if outcome == Outcome::SignedOut {
            // The session is gone (refresh refused): everything waits for sign-in.
            client.api()?.auth().clear()?;
        }
        if outcome == Outcome::Withdrawn {
            // The user cancelled the item while this step ran: nothing left to record.
            lock(&engine.progress).remove(&item.client_id);
            continue;
        }
        let jitter: f64 = rand::rng().random();
        let next = machine::apply(&item, &outcome, Utc::now(), &engine.opts.backoff, jitter);
        if next != item {
            match client.store().update_outbox_item(&next) {
                // Cancelled by the user while the step ran (its work stays reusable).
                Err(Error::NotFound { .. }) => {
                    lock(&engine.progress).remove(&item.client_id);
                    continue;
                }
                other => other?,
            }
        }
        match (&item.state, &next.state) {
            (a, LocalState::Submitted) if *a != LocalState::Submitted => {
                summary.delivered += 1;
                lock(&engine.progress).remove(&item.client_id);
            }
            (a, LocalState::Failed { .. }) if !matches!(a, LocalState::Failed { .. }) => summary.failed += 1,
            _ => {}
        }
    }
    engine.publish_outbox(client.store(), client.storage_dir());
    Ok(summary)
}

async fn run_step(client: &Client, engine: &Arc<Engine>, item: &OutboxItem, step: &Step) -> Result<Outcome> {
    match step {
        Step::ProcessMedia { attachment } => {
            process_media(client, *attachment).await?;
            Ok(Outcome::Progressed)
        }
        Step::Upload { attachment, resume_url } => {
            upload(client, engine, item, *attachment, resume_url.clone()).await?;
            Ok(Outcome::Progressed)
        }
        Step::CreateReport => {
            let OutboxKind::Report { draft_id } = item.kind else { return Err(Error::Internal("create for a rating".into())) };
            if !client.store().mark_outbox_sending(item.client_id, Utc::now())? {
                return Ok(Outcome::Withdrawn);
            }
            match create_report(client, item.client_id, draft_id).await {
                Ok(report) => Ok(Outcome::Created { server_id: report }),
                Err(e) if matches!(machine::classify(&e), Outcome::Permanent(_)) => {
                    // A refusal may only mean that uploads expired on the server while the
                    // report waited (offline for days): send those files again instead.
                    let reset = reset_vanished_uploads(client, draft_id).await?;
                    if reset > 0 {
                        tracing::info!(item = %item.client_id, reset, "uploads expired on the server; uploading again");
                        // Transient, so a server that keeps refusing is retried with backoff.
                        Ok(Outcome::Transient { retry_after: None, detail: format!("{reset} upload(s) expired; sending again") })
                    } else {
                        Err(e)
                    }
                }
                Err(e) => Err(e),
            }
        }
        Step::SendRating => {
            let OutboxKind::Rating { report_id, rating } = &item.kind else {
                return Err(Error::Internal("rating step for a report".into()));
            };
            let api = client.api()?;
            if !client.store().mark_outbox_sending(item.client_id, Utc::now())? {
                return Ok(Outcome::Withdrawn);
            }
            let req = wire::RatingRequest { level: rating.level, comment: rating.comment.clone(), reopen: rating.reopen };
            let report = api.rate(report_id, &req).await?;
            if client.store().merge_report(&report, true).is_ok_and(|m| m.is_changed()) {
                let _ = client.publish_reports(vec![report.id.clone()]);
            }
            Ok(Outcome::Created { server_id: report.id })
        }
    }
}

/// The one place the worker calls the media pipeline: compress a photo / transcode a video
/// into the file that is uploaded, and record it.
async fn process_media(client: &Client, attachment: Uuid) -> Result<()> {
    let att = client.store().attachment(attachment)?;
    let src = client.resolve(&att.stored_path);
    let rel = processed_rel_path(&att);
    let dest = client.resolve(&rel);
    let limits = client.config().media;
    let c = client.clone();
    let prepared = tokio::task::spawn_blocking(move || -> Result<crate::media::PreparedMedia> {
        match att.kind {
            MediaKind::Photo => crate::media::prepare_photo(&src, &dest, &limits, c.image_decoder()),
            MediaKind::Video => {
                let t = c.video_transcoder().ok_or_else(|| Error::Io {
                    path: src.clone(),
                    source: std::io::Error::other("no video transcoder on this device"),
                })?;
                crate::media::prepare_video(&src, &dest, &limits, t)
            }
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("media task: {e}")))??;
    client.store().set_attachment_processed(attachment, &rel, &prepared.mime)
}

/// `media/<draft>/<attachment>.upload.<ext>` beside the stored original.
fn processed_rel_path(att: &Attachment) -> String {
    let ext = match att.kind {
        MediaKind::Photo => "jpg",
        MediaKind::Video => "mp4",
    };
    let dir = PathBuf::from(&att.stored_path).parent().map(|p| p.to_path_buf()).unwrap_or_default();
    dir.join(format!("{}.upload.{ext}", att.id)).to_string_lossy().into_owned()
}

async fn upload(client: &Client, engine: &Arc<Engine>, item: &OutboxItem, attachment: Uuid, resume_url: Option<String>) -> Result<()> {
    let att = client.store().attachment(attachment)?;
    let rel = att.processed_path.clone().ok_or_else(|| Error::Internal("upload before processing".into()))?;
    let file = client.resolve(&rel);
    let total = std::fs::metadata(&file).map_err(|e| Error::io(&file, e))?.len();
    let api = client.api()?;
    let endpoint = api.tus_endpoint()?;
    let mime = att.mime.clone().unwrap_or_else(|| "application/octet-stream".into());
    let name = PathBuf::from(&rel).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let store = client.store();
    let mut checkpoint = |cp: &crate::api::tus::Checkpoint| {
        let state = if cp.offset >= cp.total {
            UploadState::Uploaded { url: cp.url.clone() }
        } else {
            UploadState::Uploading { url: cp.url.clone(), offset: cp.offset, total: cp.total }
        };
        store.set_attachment_upload(attachment, &state)
    };
    let (e2, item_id) = (engine.clone(), item.client_id);
    let progress: Arc<dyn Fn(u64) + Send + Sync> = Arc::new(move |sent| e2.set_progress(item_id, attachment, sent, total));
    // The sizer learns across uploads (it describes the link), but is not held across awaits.
    let mut sizer: ChunkSizer = lock(&engine.sizer).clone();
    let result = api
        .tus_upload(
            &endpoint,
            &engine.opts.tus,
            &mut sizer,
            UploadJob {
                file: &file,
                metadata: vec![("filename".into(), name), ("filetype".into(), mime)],
                resume_url,
                checkpoint: &mut checkpoint,
                progress,
            },
        )
        .await;
    *lock(&engine.sizer) = sizer;
    let url = result?;
    store.set_attachment_upload(attachment, &UploadState::Uploaded { url })?;
    engine.set_progress(item.client_id, attachment, total, total);
    Ok(())
}

async fn create_report(client: &Client, client_id: Uuid, draft_id: Uuid) -> Result<String> {
    let draft = client.store().draft(draft_id)?;
    let location = draft.location.clone().ok_or_else(|| Error::Validation(vec![crate::FieldError::new("location", crate::ValidationReason::Required)]))?;
    let mut media = Vec::new();
    for a in &draft.attachments {
        let UploadState::Uploaded { url } = &a.upload else { return Err(Error::Internal("create before every upload".into())) };
        let rel = a.processed_path.clone().ok_or_else(|| Error::Internal("uploaded without processed file".into()))?;
        media.push(wire::NewMedia {
            upload_url: url.clone(),
            sha256: sha256_file(&client.resolve(&rel)).await?,
            kind: match a.kind {
                MediaKind::Photo => wire::MediaKind::Photo,
                MediaKind::Video => wire::MediaKind::Video,
            },
            mime: a.mime.clone().unwrap_or_else(|| "image/jpeg".into()),
            captured_at: a.captured_at,
        });
    }
    let body = wire::NewReport {
        client_id,
        category: draft.category.clone().unwrap_or_default(),
        description: draft.description.clone(),
        lat: location.lat,
        lon: location.lon,
        accuracy_m: location.accuracy_m,
        ward_code: draft.ward.as_ref().map(|w| w.code.clone()),
        address: None,
        anonymous: draft.anonymous,
        attributes: draft.attributes.clone(),
        media,
        captured_at: draft.attachments.iter().filter_map(|a| a.captured_at).min(),
    };
    let api: Arc<Api> = client.api()?;
    let report = api.create_report(&body).await?;
    // Show it in "my reports" at once; status sync keeps it current afterwards.
    match client.store().merge_report(&report, true) {
        Ok(m) if m.is_changed() => {
            let _ = client.publish_reports(vec![report.id.clone()]);
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not cache the created report"),
    }
    Ok(report.id)
}

/// Ask the server (HEAD) about every upload the draft counts as done; those it no longer
/// holds completely go back to `Ready`. Returns how many were reset.
async fn reset_vanished_uploads(client: &Client, draft_id: Uuid) -> Result<usize> {
    let api = client.api()?;
    let mut reset = 0;
    for a in client.store().draft(draft_id)?.attachments {
        let UploadState::Uploaded { url } = &a.upload else { continue };
        let Ok(u) = crate::api::tus::Url::parse(url) else { continue };
        let total = a.processed_path.as_ref().and_then(|p| std::fs::metadata(client.resolve(p)).ok()).map(|m| m.len());
        let complete = match api.tus_offset(&u).await? {
            crate::api::tus::Remote::At { offset, .. } => Some(offset) == total,
            crate::api::tus::Remote::Gone => false,
        };
        if !complete {
            client.store().set_attachment_upload(a.id, &UploadState::Ready)?;
            reset += 1;
        }
    }
    Ok(reset)
}

async fn sha256_file(path: &std::path::Path) -> Result<String> {
    let p = path.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut f = std::fs::File::open(&p).map_err(|e| Error::io(&p, e))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f.read(&mut buf).map_err(|e| Error::io(&p, e))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        Ok(hex::encode(h.finalize()))
    })
    .await
    .map_err(|e| Error::Internal(format!("hash task: {e}")))?
}
