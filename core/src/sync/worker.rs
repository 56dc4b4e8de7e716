//! The outbox worker: asks the [`machine`](super::machine) what to do next, does it, and
//! records the result before doing anything else. Every step is idempotent:
//! - process media: writes a new file atomically, then records it (a crash leaves an
//!   orphan file that `Client::open` removes);
//! - upload: the tus client persists each acknowledged offset; a restart resumes by HEAD;
//! - create report: `Idempotency-Key` = the item's client id; a replay returns the same report;
//! - rating: a PUT, the same rating twice is harmless.
//! - closure answer: a POST under the item's client id as `Idempotency-Key`: a replay returns
//!   the answer already recorded.
//! - join ("me too"): a PUT of my support, twice is harmless.
//!
//! Cancellation (the deadline of `run_pending`, a dropped future) can happen at any await:
//! store writes are transactions run to their end on the blocking pool, so what was recorded
//! is consistent, and what was not is simply done again.

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
use crate::context::Context;
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
pub(crate) async fn drain(ctx: &Arc<Context>, deadline: Instant) -> Result<RunSummary> {
    let mut summary = RunSummary::default();
    loop {
        if Instant::now() >= deadline {
            summary.hit_deadline = true;
            break;
        }
        if ctx.engine.stop_requested() {
            // The account is changing (sign-in / sign-out waits for this).
            break;
        }
        let (next, earliest, pending) = ctx.blocking(plan_next).await?;
        let engine = &ctx.engine;
        summary.pending = pending;
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
        // Record the attempt before any of its work starts: if the process dies during it,
        // the next run finds it and counts an interruption (crash-loop immunity).
        let item = match machine::begin(
            &item,
            &step,
            engine.run_id,
            Utc::now(),
            engine.opts.max_interruptions,
        ) {
            machine::Begin::Run(begun) => begun,
            machine::Begin::GiveUp(failed) => {
                tracing::warn!(item = %item.client_id, ?step, interruptions = failed.interruptions, "outbox item interrupted too often; failed");
                match ctx
                    .blocking(move |c| c.store.update_outbox_item(&failed))
                    .await
                {
                    Err(Error::NotFound { .. }) => {}
                    other => {
                        other?;
                        summary.failed += 1;
                    }
                }
                engine.forget_progress(item.client_id);
                continue;
            }
        };
        let row = item.clone();
        match ctx
            .blocking(move |c| c.store.update_outbox_item(&row))
            .await
        {
            // Cancelled by the user since it was planned.
            Err(Error::NotFound { .. }) => continue,
            other => other?,
        }
        summary.steps += 1;
        let outcome = match tokio::time::timeout_at(deadline, run_step(ctx, &item, &step)).await {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => {
                tracing::info!(item = %item.client_id, ?step, error = %e, "outbox step failed");
                machine::classify(&e)
            }
            Err(_) => {
                // Stopped by the deadline, not by a death: the attempt does not count.
                let row = machine::abandon(&item, Utc::now());
                match ctx
                    .blocking(move |c| c.store.update_outbox_item(&row))
                    .await
                {
                    Err(Error::NotFound { .. }) => {}
                    other => other?,
                }
                summary.hit_deadline = true;
                break;
            }
        };
        if let Outcome::Transient { detail, kind, .. } = &outcome {
            summary.retried += 1;
            if *kind == machine::TransientKind::Timeout {
                summary.timeouts += 1;
            }
            let _ = detail;
            *lock(&engine.last_error) = Some(*kind);
        } else if matches!(outcome, Outcome::Progressed | Outcome::Created { .. }) {
            *lock(&engine.last_error) = None;
        }
        if outcome == Outcome::SignedOut {
            // The session is gone (refresh refused): everything waits for sign-in.
            ctx.blocking(|c| c.api()?.auth().clear()).await?;
        }
        if outcome == Outcome::Withdrawn {
            // The user cancelled the item while this step ran: nothing left to record.
            engine.forget_progress(item.client_id);
            continue;
        }
        let jitter: f64 = rand::rng().random();
        let next = machine::apply(&item, &outcome, Utc::now(), &engine.opts.backoff, jitter);
        if next != item {
            let row = next.clone();
            match ctx
                .blocking(move |c| c.store.update_outbox_item(&row))
                .await
            {
                // Cancelled by the user while the step ran (its work stays reusable).
                Err(Error::NotFound { .. }) => {
                    engine.forget_progress(item.client_id);
                    continue;
                }
                other => other?,
            }
        }
        match (&item.state, &next.state) {
            (a, LocalState::Submitted) if *a != LocalState::Submitted => {
                summary.delivered += 1;
                engine.forget_progress(item.client_id);
            }
            (a, LocalState::Failed { .. }) if !matches!(a, LocalState::Failed { .. }) => {
                summary.failed += 1
            }
            _ => {}
        }
    }
    ctx.blocking(|c| {
        c.publish_outbox();
        Ok(())
    })
    .await?;
    // Delivered reports keep only previews (after the publication above, so that the time to
    // "delivered" does not include it; also catches deliveries a crash left unretained).
    if Instant::now() < deadline {
        match super::retention::sweep(ctx).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(
                    attachments = n,
                    "full copies of delivered attachments removed; previews kept"
                );
                ctx.blocking(|c| {
                    c.publish_outbox();
                    Ok(())
                })
                .await?;
            }
            Err(e) => {
                tracing::warn!(error = %e, "retention after delivery failed; tried again after the next run")
            }
        }
    }
    Ok(summary)
}

/// The first runnable item and its step, the earliest retry time, and how many items are
/// still open; publishes the outbox snapshot on the way (blocking: reads the store).
fn plan_next(
    c: &Context,
) -> Result<(
    Option<(OutboxItem, Step)>,
    Option<chrono::DateTime<Utc>>,
    u32,
)> {
    let cond = c.engine.conditions();
    let mut next: Option<(OutboxItem, Step)> = None;
    let mut earliest: Option<chrono::DateTime<Utc>> = None;
    let mut pending = 0;
    // Only the signed-in account's items: another person's report is never sent under it.
    for item in c.store.outbox_items_of(c.engine.account().as_deref())? {
        let (views, _) = attachment_facts(&c.store, &c.storage_dir, &item)?;
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
    c.publish_outbox();
    Ok((next, earliest, pending))
}

/// Record that the item's create/rating request is about to go out (false: cancelled).
async fn mark_sending(ctx: &Arc<Context>, client_id: Uuid) -> Result<bool> {
    ctx.blocking(move |c| c.store.mark_outbox_sending(client_id, Utc::now()))
        .await
}

/// Cache a report the server returned and publish "my reports" if it changed.
async fn remember_report(ctx: &Arc<Context>, report: &wire::Report) {
    let r = report.clone();
    let res = ctx
        .blocking(move |c| {
            if c.store
                .merge_report(&r, true, c.engine.account().as_deref())?
                .is_changed()
            {
                c.publish_reports(vec![r.id.clone()])?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = res {
        tracing::warn!(error = %e, "could not cache the report the server returned");
    }
}

async fn run_step(ctx: &Arc<Context>, item: &OutboxItem, step: &Step) -> Result<Outcome> {
    let engine = &ctx.engine;
    match step {
        Step::ProcessMedia { attachment } => {
            process_media(ctx, *attachment).await?;
            Ok(Outcome::Progressed)
        }
        Step::Upload {
            attachment,
            resume_url,
        } => {
            upload_pipelined(ctx, engine, item, *attachment, resume_url.clone(), None).await?;
            Ok(Outcome::Progressed)
        }
        Step::CreateReport => {
            let OutboxKind::Report { draft_id } = item.kind else {
                return Err(Error::Internal("create for a rating".into()));
            };
            upload_posters(ctx, engine, item, draft_id).await?;
            if !mark_sending(ctx, item.client_id).await? {
                return Ok(Outcome::Withdrawn);
            }
            match create_report(ctx, item.client_id, draft_id).await {
                Ok(report) => Ok(Outcome::Created { server_id: report }),
                Err(e) if matches!(machine::classify(&e), Outcome::Permanent(_)) => {
                    // A refusal may only mean that uploads expired on the server while the
                    // report waited (offline for days): send those files again instead.
                    let reset = reset_vanished_uploads(ctx, draft_id).await?;
                    if reset > 0 {
                        tracing::info!(item = %item.client_id, reset, "uploads expired on the server; uploading again");
                        // Transient, so a server that keeps refusing is retried with backoff.
                        Ok(Outcome::Transient {
                            retry_after: None,
                            kind: machine::TransientKind::Server,
                            detail: format!("{reset} upload(s) expired; sending again"),
                        })
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
            let api = ctx.api()?;
            if !mark_sending(ctx, item.client_id).await? {
                return Ok(Outcome::Withdrawn);
            }
            let req = wire::RatingRequest {
                level: rating.level,
                comment: rating.comment.clone(),
                reopen: rating.reopen,
            };
            let report = api.rate(report_id, &req).await?;
            remember_report(ctx, &report).await;
            Ok(Outcome::Created {
                server_id: report.id,
            })
        }
        Step::SendClosure => {
            let OutboxKind::Closure {
                report_id,
                verdict,
                text,
            } = &item.kind
            else {
                return Err(Error::Internal("closure step for another item".into()));
            };
            let api = ctx.api()?;
            if !mark_sending(ctx, item.client_id).await? {
                return Ok(Outcome::Withdrawn);
            }
            let req = wire::ClosureRequest {
                verdict: *verdict,
                text: text.clone(),
            };
            let report = api.answer_closure(report_id, item.client_id, &req).await?;
            remember_report(ctx, &report).await;
            Ok(Outcome::Created {
                server_id: report.id,
            })
        }
        Step::SendJoin => {
            let OutboxKind::Join { report_id } = &item.kind else {
                return Err(Error::Internal("join step for another item".into()));
            };
            let api = ctx.api()?;
            if !mark_sending(ctx, item.client_id).await? {
                return Ok(Outcome::Withdrawn);
            }
            let report = api.join(report_id).await?;
            remember_report(ctx, &report).await;
            Ok(Outcome::Created {
                server_id: report.id,
            })
        }
    }
}

/// The one place the worker calls the media pipeline: compress a photo / transcode a video
/// into the file that is uploaded, and record it.
async fn process_media(ctx: &Arc<Context>, attachment: Uuid) -> Result<()> {
    ctx.blocking(move |c| {
        let att = c.store.attachment(attachment)?;
        let src = c.resolve(&att.stored_path);
        let rel = processed_rel_path(&att);
        let dest = c.resolve(&rel);
        let limits = c.config().media;
        let (prepared, poster) = match att.kind {
            MediaKind::Photo => (
                crate::media::prepare_photo(&src, &dest, &limits, c.image_decoder())?,
                None,
            ),
            MediaKind::Video => {
                let t = c.video_transcoder().ok_or_else(|| Error::Io {
                    path: src.clone(),
                    source: std::io::Error::other("no video transcoder on this device"),
                })?;
                let prepared = crate::media::prepare_video(&src, &dest, &limits, t)?;
                (prepared, make_poster(c, &att, &dest, t))
            }
        };
        c.store
            .set_attachment_processed(attachment, &rel, &prepared.mime, poster.as_deref())
    })
    .await
}

/// The poster frame sent with a video, made from the upload file (upright, small, without
/// metadata: the photo pipeline re-encodes it). A video without one is still sent: a
/// failure here is logged, not returned.
fn make_poster(
    c: &Context,
    att: &Attachment,
    video: &std::path::Path,
    t: &dyn crate::media::VideoTranscoder,
) -> Option<String> {
    let rel = sibling_rel_path(att, "poster.jpg");
    let mut limits = c.config().media;
    limits.photo_max_edge = crate::media::POSTER_EDGE;
    limits.photo_max_bytes = crate::media::POSTER_MAX_BYTES;
    match crate::media::prepare_poster(video, &c.resolve(&rel), &limits, t) {
        Ok(_) => Some(rel),
        Err(e) => {
            tracing::warn!(attachment = %att.id, error = %e, "no poster frame for this video; sent without one");
            None
        }
    }
}

/// `media/<draft>/<attachment>.upload.<ext>` beside the stored original.
fn processed_rel_path(att: &Attachment) -> String {
    let ext = match att.kind {
        MediaKind::Photo => "upload.jpg",
        MediaKind::Video => "upload.mp4",
    };
    sibling_rel_path(att, ext)
}

/// `media/<draft>/<attachment>.<suffix>` beside the stored original.
fn sibling_rel_path(att: &Attachment, suffix: &str) -> String {
    let dir = PathBuf::from(&att.stored_path)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    dir.join(format!("{}.{suffix}", att.id))
        .to_string_lossy()
        .into_owned()
}

/// Upload `attachment` and, pipelined behind it, the item's next files: when this file's
/// last request is about to leave (the tus client says when, on a measured link that has
/// broken nothing), the next file's upload starts, so the link does not idle through the
/// answer's round trip and the next creation's. At most two files are in flight: the next
/// file's own successor waits until `previous` (this file's predecessor) has ended. Each
/// file keeps its own checkpoints and acknowledged progress; the report is still created
/// only once every file is uploaded. The first error is returned after every started
/// upload has ended (what they achieved is recorded either way).
async fn upload_pipelined(
    ctx: &Arc<Context>,
    engine: &Engine,
    item: &OutboxItem,
    attachment: Uuid,
    resume_url: Option<String>,
    previous: Option<tokio::sync::oneshot::Receiver<()>>,
) -> Result<()> {
    let (handover_tx, handover_rx) = tokio::sync::oneshot::channel::<()>();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let handover_tx = std::sync::Mutex::new(Some(handover_tx));
    let handover = |measured: &ChunkSizer| {
        if let Some(tx) = lock(&handover_tx).take() {
            lock(&engine.sizer).merge(measured);
            let _ = tx.send(());
        }
    };
    let this = async {
        let r = upload(ctx, engine, item, attachment, resume_url, Some(&handover)).await;
        // No handover after the end: `next` hears the sender dropped.
        drop(lock(&handover_tx).take());
        let _ = done_tx.send(());
        r
    };
    let next = async {
        // Dropped unsent (this upload ended first): the worker plans the next file itself.
        if handover_rx.await.is_err() {
            return Ok(());
        }
        if let Some(p) = previous {
            let _ = p.await;
        }
        match next_upload(ctx, item, attachment).await? {
            Some((next, resume)) => {
                Box::pin(upload_pipelined(
                    ctx,
                    engine,
                    item,
                    next,
                    resume,
                    Some(done_rx),
                ))
                .await
            }
            None => Ok(()),
        }
    };
    let (a, b) = tokio::join!(this, next);
    a.and(b)
}

/// The file the machine would upload after `after` (in the draft's order), unless that is
/// a video waiting for Wi-Fi or nothing is left.
async fn next_upload(
    ctx: &Arc<Context>,
    item: &OutboxItem,
    after: Uuid,
) -> Result<Option<(Uuid, Option<String>)>> {
    let item = item.clone();
    ctx.blocking(move |c| {
        let cond = c.engine.conditions();
        let (views, _) = attachment_facts(&c.store, &c.storage_dir, &item)?;
        let Some(pos) = views.iter().position(|v| v.id == after) else {
            return Ok(None);
        };
        for v in &views[pos + 1..] {
            let held = v.kind == MediaKind::Video && cond.metered && cond.video_wifi_only;
            match &v.upload {
                UploadState::Uploaded { .. } => continue,
                UploadState::Pending => return Ok(None),
                _ if held => return Ok(None),
                UploadState::Ready => return Ok(Some((v.id, None))),
                UploadState::Uploading { url, .. } => return Ok(Some((v.id, Some(url.clone())))),
            }
        }
        Ok(None)
    })
    .await
}

async fn upload(
    ctx: &Arc<Context>,
    engine: &Engine,
    item: &OutboxItem,
    attachment: Uuid,
    resume_url: Option<String>,
    handover: Option<&(dyn Fn(&ChunkSizer) + Send + Sync)>,
) -> Result<()> {
    let (att, file, total) = ctx
        .blocking(move |c| {
            let att = c.store.attachment(attachment)?;
            let rel = att
                .processed_path
                .clone()
                .ok_or_else(|| Error::Internal("upload before processing".into()))?;
            let file = c.resolve(&rel);
            let total = std::fs::metadata(&file)
                .map_err(|e| Error::io(&file, e))?
                .len();
            Ok((att, file, total))
        })
        .await?;
    let api = ctx.api()?;
    let endpoint = api.tus_endpoint()?;
    let mime = att
        .mime
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    // Each acknowledged offset is written as it comes, from the runtime thread that runs the
    // upload (a short transaction; `run_pending` never runs on the caller's thread).
    let (store, item_id) = (&ctx.store, item.client_id);
    let mut checkpoint = |cp: &crate::api::tus::Checkpoint| {
        store.record_upload_progress(item_id, attachment, &upload_state(cp))
    };
    let (c2, item_id) = (ctx.clone(), item.client_id);
    let progress: Arc<dyn Fn(u64) + Send + Sync> =
        Arc::new(move |sent| c2.engine.set_progress(item_id, attachment, sent, total));
    // The sizer learns across uploads (it describes the link), but is not held across awaits.
    let mut sizer: ChunkSizer = lock(&engine.sizer).clone();
    let result = api
        .tus_upload(
            &endpoint,
            &engine.opts.tus,
            &mut sizer,
            UploadJob {
                file: &file,
                // The server needs the type only; the processed file's name (an attachment
                // id) would cost ~66 bytes per upload and tell it nothing.
                metadata: vec![("filetype".into(), mime)],
                resume_url,
                creation_key: Some(creation_key(
                    attachment,
                    "",
                    att.processed_sha256.as_deref(),
                )),
                checkpoint: &mut checkpoint,
                progress,
                handover,
            },
        )
        .await;
    // Merged, not overwritten: a pipelined upload of another file may have learned too.
    lock(&engine.sizer).merge(&sizer);
    let url = result?;
    ctx.blocking(move |c| {
        c.store
            .set_attachment_upload(attachment, &UploadState::Uploaded { url })
    })
    .await?;
    engine.set_progress(item.client_id, attachment, total, total);
    Ok(())
}

/// Upload the poster frame of each video of the draft that has one not on the server yet
/// (resuming an upload a crash or a cut left, like any file). A poster the server refuses
/// (4xx) is dropped: the report goes without it rather than not at all.
async fn upload_posters(
    ctx: &Arc<Context>,
    engine: &Engine,
    item: &OutboxItem,
    draft_id: Uuid,
) -> Result<()> {
    let todo = ctx
        .blocking(move |c| {
            let mut out = Vec::new();
            for a in c.store.draft(draft_id)?.attachments {
                if a.kind != MediaKind::Video {
                    continue;
                }
                if let Some(p) = c.store.attachment_poster(a.id)? {
                    let resume = match &p.upload {
                        UploadState::Uploaded { .. } => continue,
                        UploadState::Uploading { url, .. } => Some(url.clone()),
                        _ => None,
                    };
                    out.push((a.id, c.resolve(&p.path), resume, a.processed_sha256.clone()));
                }
            }
            Ok(out)
        })
        .await?;
    if todo.is_empty() {
        return Ok(());
    }
    let api = ctx.api()?;
    let endpoint = api.tus_endpoint()?;
    for (attachment, file, resume_url, video_sha) in todo {
        let store = &ctx.store;
        let mut checkpoint = |cp: &crate::api::tus::Checkpoint| {
            store.set_poster_upload(attachment, &upload_state(cp))
        };
        let mut sizer: ChunkSizer = lock(&engine.sizer).clone();
        let result = api
            .tus_upload(
                &endpoint,
                &engine.opts.tus,
                &mut sizer,
                UploadJob {
                    file: &file,
                    metadata: vec![("filetype".into(), "image/jpeg".into())],
                    resume_url,
                    creation_key: Some(creation_key(attachment, "p", video_sha.as_deref())),
                    checkpoint: &mut checkpoint,
                    progress: Arc::new(|_| {}),
                    handover: None,
                },
            )
            .await;
        lock(&engine.sizer).merge(&sizer);
        match result {
            Ok(url) => {
                ctx.blocking(move |c| {
                    c.store
                        .set_poster_upload(attachment, &UploadState::Uploaded { url })
                })
                .await?
            }
            Err(e) if matches!(machine::classify(&e), Outcome::Permanent(_)) => {
                tracing::warn!(item = %item.client_id, %attachment, error = %e, "the server refused the poster frame; the video goes without it");
                ctx.blocking(move |c| {
                    let files: Vec<String> = c.store.drop_poster(attachment)?.into_iter().collect();
                    c.remove_files(&files);
                    Ok(())
                })
                .await?
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn create_report(ctx: &Arc<Context>, client_id: Uuid, draft_id: Uuid) -> Result<String> {
    let draft = ctx.blocking(move |c| c.store.draft(draft_id)).await?;
    let location = draft.location.clone().ok_or_else(|| {
        Error::Validation(vec![crate::FieldError::new(
            "location",
            crate::ValidationReason::Required,
        )])
    })?;
    let mut media = Vec::new();
    for a in &draft.attachments {
        let UploadState::Uploaded { url } = &a.upload else {
            return Err(Error::Internal("create before every upload".into()));
        };
        let rel = a
            .processed_path
            .clone()
            .ok_or_else(|| Error::Internal("uploaded without processed file".into()))?;
        let id = a.id;
        let poster = match ctx.blocking(move |c| c.store.attachment_poster(id)).await? {
            Some(crate::store::Poster {
                path,
                upload: UploadState::Uploaded { url },
            }) => Some(wire::NewPoster {
                upload_url: url,
                sha256: sha256_file(&ctx.resolve(&path)).await?,
            }),
            _ => None,
        };
        media.push(wire::NewMedia {
            poster,
            upload_url: url.clone(),
            sha256: sha256_file(&ctx.resolve(&rel)).await?,
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
    let api: Arc<Api> = ctx.api()?;
    let report = api.create_report(&body).await?;
    // Show it in "my reports" at once; status sync keeps it current afterwards.
    remember_report(ctx, &report).await;
    Ok(report.id)
}

/// Ask the server (HEAD) about every upload the draft counts as done; those it no longer
/// holds completely go back to `Ready`. Returns how many were reset.
async fn reset_vanished_uploads(ctx: &Arc<Context>, draft_id: Uuid) -> Result<usize> {
    let api = ctx.api()?;
    let mut reset = 0;
    let atts = ctx
        .blocking(move |c| {
            Ok(c.store
                .draft(draft_id)?
                .attachments
                .into_iter()
                .map(|a| {
                    let total = a
                        .processed_path
                        .as_ref()
                        .and_then(|p| std::fs::metadata(c.resolve(p)).ok())
                        .map(|m| m.len());
                    (a, total)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    for (a, total) in atts {
        let UploadState::Uploaded { url } = &a.upload else {
            continue;
        };
        let Ok(u) = crate::api::tus::Url::parse(url) else {
            continue;
        };
        let complete = match api.tus_offset(&u).await? {
            crate::api::tus::Remote::At { offset, .. } => Some(offset) == total,
            crate::api::tus::Remote::Gone => false,
        };
        if !complete {
            let id = a.id;
            ctx.blocking(move |c| c.store.set_attachment_upload(id, &UploadState::Ready))
                .await?;
            reset += 1;
        }
    }
    // The posters sent with the videos, likewise (sent again by the next create step).
    let posters = ctx
        .blocking(move |c| {
            let mut out = Vec::new();
            for a in c.store.draft(draft_id)?.attachments {
                if let Some(p) = c.store.attachment_poster(a.id)? {
                    if let UploadState::Uploaded { url } = p.upload {
                        let total = std::fs::metadata(c.resolve(&p.path)).ok().map(|m| m.len());
                        out.push((a.id, url, total));
                    }
                }
            }
            Ok(out)
        })
        .await?;
    for (id, url, total) in posters {
        let Ok(u) = crate::api::tus::Url::parse(&url) else {
            continue;
        };
        let complete = match api.tus_offset(&u).await? {
            crate::api::tus::Remote::At { offset, .. } => Some(offset) == total,
            crate::api::tus::Remote::Gone => false,
        };
        if !complete {
            ctx.blocking(move |c| c.store.set_poster_upload(id, &UploadState::Ready))
                .await?;
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

/// The tus creation key of an attachment's file (`role` "" the file, "p" a video's poster):
/// the same on every attempt, so a creation sent again after its answer was lost gets the
/// upload it made. The processed file's hash names this processing of it (a poster is made
/// with its video), so a file made again is a new upload. ~40 characters on the wire.
fn creation_key(attachment: Uuid, role: &str, processed_sha256: Option<&str>) -> String {
    use base64::Engine as _;
    let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(attachment.as_bytes());
    let sha = processed_sha256.map_or("", |h| &h[..h.len().min(16)]);
    format!("{id}{role}.{sha}")
}

/// What a tus checkpoint means for the stored upload: done at the end, else where to resume.
fn upload_state(cp: &crate::api::tus::Checkpoint) -> UploadState {
    if cp.offset >= cp.total {
        UploadState::Uploaded {
            url: cp.url.clone(),
        }
    } else {
        UploadState::Uploading {
            url: cp.url.clone(),
            offset: cp.offset,
            total: cp.total,
        }
    }
}
