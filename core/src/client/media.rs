//! [`Media`]: photos and videos of reports as served by the server (the resident's own, the
//! officers' answers, the feed's), kept on the phone so they can be seen offline.
//!
//! - A file is named by its SHA-256 (from the report's `MediaRef`) and checked against it and
//!   against its size before it is recorded: a damaged or substituted download is refused
//!   with a typed error and nothing is stored. A photo must also be a photo (its header read).
//! - A cut download is resumed where it stopped (`Range`), so a bad 3G link makes progress
//!   one connection at a time instead of starting over.
//! - Media of the account's own reports and their answers are kept for good
//!   ([`Keep::Always`], see [`Media::keep_my_reports`]); the others are evicted least recently
//!   used first when they exceed the budget (`ClientOptions::media_cache_bytes`).
//! - Deleting the account removes its kept files with its reports.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::store::{CachedMediaRow, MediaCacheUsage};
use phananh_wire as wire;

/// Whether a file may be evicted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Media of the resident's own reports (and the answers to them): never evicted.
    Always,
    /// Anything else (the feed): evicted least recently used first, over the budget.
    WhileRoom,
}

/// A media file on this phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedMedia {
    pub path: PathBuf,
    /// Served from the cache without touching the network.
    pub from_cache: bool,
}

/// Largest file the cache takes (the server's own limit for a video is 100 MB).
const MAX_FILE: u64 = 200 * 1024 * 1024;

#[derive(Clone)]
pub struct Media {
    ctx: Arc<Context>,
}

impl Media {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// The file of `media` on this phone: from the cache, or downloaded (resuming a cut
    /// download) when online. Offline and not cached: `Error::Offline`.
    pub async fn file(&self, media: &wire::MediaRef, keep: Keep) -> Result<CachedMedia> {
        let (row, path) = self.cache_entry(media, keep).await?;
        if self.on_phone(&row, &path, media.kind).await? {
            return Ok(CachedMedia {
                path,
                from_cache: true,
            });
        }
        if !self.ctx.engine.network().online {
            return Err(Error::Offline(format!(
                "media {} is not on this phone",
                media.id
            )));
        }
        self.download(media, &row.sha256, &path).await?;
        let budget = self.ctx.media_cache_bytes;
        self.ctx
            .blocking(move |c| {
                c.store.media_cache_put(&row, Utc::now())?;
                let evicted = c.store.media_cache_evict(budget, &row.sha256)?;
                let files: Vec<String> = evicted
                    .iter()
                    .map(|s| crate::store::media_cache_rel_path(s))
                    .collect();
                c.remove_files(&files);
                Ok(())
            })
            .await?;
        Ok(CachedMedia {
            path,
            from_cache: false,
        })
    }

    /// The cache's row for `media` kept as `keep`, and where its file lives; refuses a hash
    /// that is not one and a file larger than the cache takes.
    async fn cache_entry(
        &self,
        media: &wire::MediaRef,
        keep: Keep,
    ) -> Result<(CachedMediaRow, PathBuf)> {
        let sha = checked_sha(&media.sha256)?;
        if media.size_bytes > MAX_FILE {
            return Err(Error::Protocol(format!(
                "media {}: {} bytes is more than the {MAX_FILE} the cache takes",
                media.id, media.size_bytes
            )));
        }
        let owner = match keep {
            Keep::Always => self.ctx.signed_in_account().await?,
            Keep::WhileRoom => None,
        };
        let path = self.ctx.resolve(&crate::store::media_cache_rel_path(&sha));
        let row = CachedMediaRow {
            sha256: sha,
            url: media.url.clone(),
            size_bytes: media.size_bytes,
            keep: keep == Keep::Always,
            owner,
        };
        Ok((row, path))
    }

    /// Whether the file is on the phone (or was downloaded and renamed just before a crash):
    /// checked, and recorded as `row` says; a record without its file is forgotten.
    async fn on_phone(
        &self,
        row: &CachedMediaRow,
        path: &Path,
        kind: wire::MediaKind,
    ) -> Result<bool> {
        let (row, at) = (row.clone(), path.to_path_buf());
        self.ctx
            .blocking(move |c| {
                let known = c.store.media_cache_row(&row.sha256)?.is_some();
                match std::fs::metadata(&at) {
                    Ok(m) if m.len() == row.size_bytes => {
                        // A recorded file was verified when it was written; one that is not
                        // recorded yet is checked now.
                        if !known && verify(&at, &row.sha256, row.size_bytes, kind).is_err() {
                            let _ = std::fs::remove_file(&at);
                            return Ok(false);
                        }
                        c.store.media_cache_put(&row, Utc::now())?;
                        Ok(true)
                    }
                    _ => {
                        if known {
                            c.store.media_cache_forget(&row.sha256)?;
                        }
                        Ok(false)
                    }
                }
            })
            .await
    }

    /// Fetch (when online) and keep for good every photo of the account's cached reports and
    /// of the answers to them, and every video's poster frame: what the screens show offline.
    /// A video itself (up to 100 MB, on a phone with little room) is fetched when it is
    /// played; one already on the phone is kept too. Returns how many files are kept; the
    /// first error other than being offline is returned after the others were tried.
    pub async fn keep_my_reports(&self) -> Result<u32> {
        let reports = self
            .ctx
            .blocking(|c| c.store.my_cached_reports(c.account().as_deref()))
            .await?;
        let mut n = 0;
        let mut first_err = None;
        for r in &reports {
            let answers = r.timeline.iter().flat_map(|e| e.media.iter().cloned());
            // A video's poster frame is kept like a photo (it is the video's thumbnail).
            let all: Vec<wire::MediaRef> = r.media.iter().cloned().chain(answers).collect();
            let posters: Vec<wire::MediaRef> = all.iter().filter_map(|m| m.poster()).collect();
            for m in all.iter().chain(posters.iter()) {
                // A video only when already here (kept from now on), else everything.
                let kept = if m.kind == wire::MediaKind::Video {
                    match self.cache_entry(m, Keep::Always).await {
                        Ok((row, path)) => self.on_phone(&row, &path, m.kind).await,
                        Err(e) => Err(e),
                    }
                } else {
                    self.file(m, Keep::Always).await.map(|_| true)
                };
                match kept {
                    Ok(true) => n += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::info!(media = %m.id, error = %e, "media not kept");
                        if first_err.is_none() {
                            first_err = Some(e);
                        }
                    }
                }
            }
        }
        match first_err {
            Some(e) if n == 0 => Err(e),
            _ => Ok(n),
        }
    }

    /// The poster frame of video `media` on this phone (cached or downloaded like a photo,
    /// checked against its announced hash and size and read as a photo). `NotFound` when the
    /// server has none for it (a photo, or a video sent without one).
    pub async fn poster(&self, media: &wire::MediaRef, keep: Keep) -> Result<CachedMedia> {
        let Some(p) = media.poster() else {
            return Err(Error::not_found(format!("poster of media {}", media.id)));
        };
        self.file(&p, keep).await
    }

    pub async fn usage(&self) -> Result<MediaCacheUsage> {
        self.ctx.blocking(|c| c.store.media_cache_usage()).await
    }

    /// Download into `<sha>.part` (resuming what is there), verify, then rename into place.
    async fn download(&self, media: &wire::MediaRef, sha: &str, path: &PathBuf) -> Result<()> {
        let part = path.with_extension("part");
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        let part_c = part.clone();
        let have = self
            .ctx
            .blocking(move |_| {
                std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                Ok(std::fs::metadata(&part_c).map(|m| m.len()).unwrap_or(0))
            })
            .await?;
        // A part longer than the file is not ours to resume.
        let have = if have >= media.size_bytes { 0 } else { have };
        let api = self.ctx.api()?;
        let mut resp = api.media_from(&media.url, have).await?;
        let resumed = resp.status() == reqwest::StatusCode::PARTIAL_CONTENT && have > 0;
        // tokio's file: its writes run on the blocking pool, never on the polling thread.
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(&part)
            .await
            .map_err(|e| Error::io(&part, e))?;
        let mut written = if resumed { have } else { 0 };
        let chunk_timeout = api.request_timeout();
        loop {
            let next = tokio::time::timeout(chunk_timeout, resp.chunk())
                .await
                .map_err(|_| Error::Timeout(format!("media {}: no data", media.id)))?
                .map_err(crate::api::transport_error)?;
            let Some(bytes) = next else { break };
            written += bytes.len() as u64;
            if written > media.size_bytes {
                drop(file);
                let _ = tokio::fs::remove_file(&part).await;
                return Err(Error::Protocol(format!(
                    "media {}: the server sent more than its {} bytes",
                    media.id, media.size_bytes
                )));
            }
            // Written as it arrives, so a cut keeps everything received so far.
            file.write_all(&bytes)
                .await
                .map_err(|e| Error::io(&part, e))?;
        }
        file.sync_all().await.map_err(|e| Error::io(&part, e))?;
        drop(file);
        if written < media.size_bytes {
            return Err(Error::Timeout(format!(
                "media {}: the answer ended at {written} of {} bytes",
                media.id, media.size_bytes
            )));
        }
        let (part_c, path_c, sha_c, size, kind) = (
            part.clone(),
            path.clone(),
            sha.to_owned(),
            media.size_bytes,
            media.kind,
        );
        self.ctx
            .blocking(move |_| match verify(&part_c, &sha_c, size, kind) {
                Ok(()) => std::fs::rename(&part_c, &path_c).map_err(|e| Error::io(&path_c, e)),
                Err(e) => {
                    let _ = std::fs::remove_file(&part_c);
                    Err(e)
                }
            })
            .await
    }
}

/// The SHA-256 the server gave, as 64 lowercase hex digits (it names the file).
fn checked_sha(s: &str) -> Result<String> {
    let s = s.to_ascii_lowercase();
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s)
    } else {
        Err(Error::Protocol(format!(
            "media SHA-256 {s:?} is not 64 hex digits"
        )))
    }
}

/// The file has the size and hash the server announced, and a photo reads as a photo.
fn verify(path: &std::path::Path, sha: &str, size: u64, kind: wire::MediaKind) -> Result<()> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h).map_err(|e| Error::io(path, e))?;
    if n != size || hex::encode(h.finalize()) != sha {
        return Err(Error::Protocol(format!(
            "media {}: the file does not match the size and SHA-256 the server announced",
            path.display()
        )));
    }
    if kind == wire::MediaKind::Photo {
        if !crate::media::is_readable_photo(path) {
            return Err(Error::Protocol(format!(
                "media {}: not a photo this app can show",
                path.display()
            )));
        }
    }
    Ok(())
}
