//! Retention after delivery: once the server holds a report, the phone keeps a small preview
//! of each attachment (for "my reports" and the outbox) and removes the full copies: the
//! stored original (up to 40 MB a photo, 100 MB a video) and the `.upload.*` file.
//!
//! Crash-safe in three steps: the preview is written atomically beside the files, the row is
//! switched to it in one transaction (which the store refuses unless the item is delivered),
//! then the old files are deleted. A crash before the switch leaves an unreferenced preview,
//! a crash after it leaves unreferenced full copies: `Client::open` removes both as orphans.
//! A preview that cannot be made (no video transcoder on this device, a file already gone)
//! leaves the attachment as it is, to be tried again after the next run.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::model::{Attachment, MediaKind};

/// Long edge of a preview, pixels: a list thumbnail or a half-screen view on a phone.
pub const PREVIEW_EDGE: u32 = 320;
/// Byte budget of a preview (the photo encoder lowers quality, then size, to meet it).
pub const PREVIEW_MAX_BYTES: u64 = 40_000;

/// Retain every delivered attachment that still has its full copies. Returns how many were
/// switched to their preview.
pub(crate) async fn sweep(ctx: &Arc<Context>) -> Result<u32> {
    ctx.blocking(|c| {
        let mut done = 0;
        for a in c.store.delivered_attachments_to_retain()? {
            match retain(c, &a) {
                Ok(()) => done += 1,
                Err(e) => tracing::warn!(attachment = %a.id, error = %e, "kept the full copies of a delivered attachment"),
            }
        }
        Ok(done)
    })
    .await
}

/// `media/<draft>/<attachment>.preview.jpg` beside the stored original.
fn preview_rel_path(a: &Attachment) -> String {
    let dir = PathBuf::from(&a.stored_path)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    dir.join(format!("{}.preview.jpg", a.id))
        .to_string_lossy()
        .into_owned()
}

fn retain(c: &Context, a: &Attachment) -> Result<()> {
    // The uploaded file is small, upright and metadata-free: the best source; the stored
    // original when it is missing.
    let processed = a
        .processed_path
        .as_ref()
        .map(|p| c.resolve(p))
        .filter(|p| p.is_file());
    let source = processed
        .clone()
        .unwrap_or_else(|| c.resolve(&a.stored_path));
    let rel = preview_rel_path(a);
    let dest = c.resolve(&rel);
    let mut limits = c.config().media;
    limits.photo_max_edge = PREVIEW_EDGE;
    limits.photo_max_bytes = PREVIEW_MAX_BYTES;
    let made = match a.kind {
        MediaKind::Photo => crate::media::prepare_photo(&source, &dest, &limits, c.image_decoder()),
        MediaKind::Video => {
            let t = c.video_transcoder().ok_or_else(|| Error::Io {
                path: source.clone(),
                source: std::io::Error::other(
                    "no video transcoder on this device for the poster frame",
                ),
            })?;
            crate::media::prepare_poster(&source, &dest, &limits, t)
        }
    };
    made?;
    let facts = match &processed {
        Some(p) => {
            let (_, sha256, bytes) = crate::media::hash_file(p)?;
            Some((sha256, bytes))
        }
        None => None,
    };
    match c
        .store
        .set_attachment_preview(a.id, &rel, facts, Utc::now())
    {
        Ok(old) => {
            c.remove_files(&old);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&dest);
            Err(e)
        }
    }
}
