//! tus 1.0 resumable uploads (creation, creation-with-upload, expiration, termination,
//! checksum sha1), written against the protocol text so it also works with servers we did
//! not write (tested against `@tus/server`).
//!
//! Rules this client keeps:
//! - Before sending anything for an upload it already knows, it asks the server (HEAD) how
//!   much it holds, so acknowledged bytes are never sent twice.
//! - Every acknowledged offset is handed to the caller (a [`Checkpoint`]) to be persisted
//!   before the next chunk goes out; a crash at any point resumes from the last checkpoint.
//! - Chunks are sized from the measured link speed ([`ChunkSizer`]): on a bad link a cut
//!   connection wastes at most one small chunk, on a good one few round trips are spent.
//! - An upload the server forgot (expired: 404/410) or that no longer matches the file is
//!   started over.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use futures_util::StreamExt as _;
use reqwest::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
/// URL type of upload locations.
pub use reqwest::Url;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::{status_error, Api};
use crate::error::{Error, Result};

const TUS_VERSION: &str = "1.0.0";
const OFFSET_STREAM: &str = "application/offset+octet-stream";
/// Files up to this size go in the creation request itself (one round trip instead of two).
/// Larger ones are created empty first so their URL is persisted before any byte is sent.
pub const CREATE_WITH_UPLOAD_MAX: u64 = 64 * 1024;

/// What a tus server said it supports (OPTIONS), learned once per [`Api`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub creation_with_upload: bool,
    pub checksum_sha1: bool,
    pub termination: bool,
    pub expiration: bool,
    pub max_size: Option<u64>,
}

impl Capabilities {
    fn from_headers(h: &HeaderMap) -> Capabilities {
        let list = |name: &str| -> Vec<String> {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.split(',').map(|x| x.trim().to_ascii_lowercase()).collect())
                .unwrap_or_default()
        };
        let ext = list("tus-extension");
        let algos = list("tus-checksum-algorithm");
        Capabilities {
            creation_with_upload: ext.iter().any(|e| e == "creation-with-upload"),
            checksum_sha1: ext.iter().any(|e| e == "checksum") && algos.iter().any(|a| a == "sha1"),
            termination: ext.iter().any(|e| e == "termination"),
            expiration: ext.iter().any(|e| e == "expiration"),
            max_size: header_u64(h, "tus-max-size"),
        }
    }
}

/// Time limits of upload requests: a PATCH may take `base_timeout` plus its length at
/// `min_rate` bytes/s before it is given up as stalled.
#[derive(Debug, Clone)]
pub struct TusOptions {
    pub base_timeout: Duration,
    pub min_rate: u64,
    pub min_chunk: u64,
    pub max_chunk: u64,
    pub initial_chunk: u64,
    /// Chunk size aims at this much transfer time per request.
    pub target_chunk_time: Duration,
}

impl Default for TusOptions {
    fn default() -> Self {
        Self {
            base_timeout: Duration::from_secs(20),
            min_rate: 4 * 1024,
            min_chunk: 32 * 1024,
            max_chunk: 8 * 1024 * 1024,
            initial_chunk: 256 * 1024,
            target_chunk_time: Duration::from_secs(4),
        }
    }
}

/// Chooses how many bytes the next PATCH carries, from the throughput of the last ones.
/// Pure (fed with measurements), so its behaviour is unit-tested without a network.
#[derive(Debug, Clone)]
pub struct ChunkSizer {
    size: u64,
    min: u64,
    max: u64,
    target: Duration,
}

impl ChunkSizer {
    pub fn new(opts: &TusOptions) -> Self {
        Self {
            size: opts.initial_chunk.clamp(opts.min_chunk, opts.max_chunk),
            min: opts.min_chunk,
            max: opts.max_chunk,
            target: opts.target_chunk_time,
        }
    }

    pub fn current(&self) -> u64 {
        self.size
    }

    pub fn next_len(&self, remaining: u64) -> u64 {
        self.size.min(remaining)
    }

    /// `bytes` went through in `elapsed`: move halfway towards what fits the target time,
    /// at most doubling per step so one lucky burst does not make the next chunk huge.
    pub fn on_success(&mut self, bytes: u64, elapsed: Duration) {
        if bytes == 0 {
            return;
        }
        let secs = elapsed.as_secs_f64().max(0.001);
        let ideal = (bytes as f64 / secs * self.target.as_secs_f64()) as u64;
        // A chunk shorter than the current size (end of file) says little about larger ones.
        if bytes < self.size / 2 && ideal > self.size {
            return;
        }
        let next = (self.size + ideal) / 2;
        self.size = next.clamp(self.min, self.max).min(self.size.saturating_mul(2)).max(self.min);
    }

    /// The connection broke or stalled: halve, so the next loss is smaller.
    pub fn on_failure(&mut self) {
        self.size = (self.size / 2).max(self.min);
    }
}

/// Progress of an upload that the caller must persist before the next request goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub url: String,
    /// Bytes the server has acknowledged.
    pub offset: u64,
    pub total: u64,
}

/// Everything an upload needs besides the file.
pub struct UploadJob<'a> {
    pub file: &'a Path,
    /// Metadata sent at creation (`filename`, `filetype`, ...). Values are base64-encoded here.
    pub metadata: Vec<(String, String)>,
    /// Upload URL from an earlier checkpoint, if any.
    pub resume_url: Option<String>,
    /// Persist a checkpoint (called after creation and after every acknowledged chunk).
    pub checkpoint: &'a mut (dyn FnMut(&Checkpoint) -> Result<()> + Send),
    /// Bytes of this file sent so far (acknowledged plus in flight), for progress bars.
    pub progress: Arc<dyn Fn(u64) + Send + Sync>,
}

/// Upload state the server reports on HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remote {
    /// The upload exists; the server holds `offset` of `length` bytes.
    At { offset: u64, length: Option<u64> },
    /// Unknown to the server (expired, terminated, never created): start over.
    Gone,
}

impl Api {
    /// tus endpoint of the backend (creation URL).
    pub fn tus_endpoint(&self) -> Result<Url> {
        self.url("files/")
    }

    /// OPTIONS discovery, cached for the life of this [`Api`].
    pub async fn tus_capabilities(&self, endpoint: &Url) -> Result<Capabilities> {
        let mut cache = self.tus_caps.lock().await;
        if let Some(c) = cache.as_ref() {
            return Ok(c.clone());
        }
        let t = self.request_timeout();
        let resp = self.send(true, |h| h.request(Method::OPTIONS, endpoint.clone()).timeout(t)).await?;
        if !resp.status().is_success() {
            return Err(status_error(resp).await);
        }
        let caps = Capabilities::from_headers(resp.headers());
        tracing::debug!(?caps, "tus server capabilities");
        *cache = Some(caps.clone());
        Ok(caps)
    }

    /// HEAD: how much of the upload at `url` the server holds.
    pub async fn tus_offset(&self, url: &Url) -> Result<Remote> {
        let t = self.request_timeout();
        let resp = self
            .send(true, |h| h.head(url.clone()).header("Tus-Resumable", TUS_VERSION).header("Cache-Control", "no-store").timeout(t))
            .await?;
        match resp.status() {
            StatusCode::NOT_FOUND | StatusCode::GONE | StatusCode::FORBIDDEN => Ok(Remote::Gone),
            s if s.is_success() => {
                let offset = header_u64(resp.headers(), "upload-offset")
                    .ok_or_else(|| Error::Protocol("tus HEAD without Upload-Offset".into()))?;
                Ok(Remote::At { offset, length: header_u64(resp.headers(), "upload-length") })
            }
            _ => Err(status_error(resp).await),
        }
    }

    /// Termination: tell the server to drop an upload we no longer need. Best effort.
    pub async fn tus_terminate(&self, url: &Url) -> Result<()> {
        let t = self.request_timeout();
        let resp = self.send(true, |h| h.delete(url.clone()).header("Tus-Resumable", TUS_VERSION).timeout(t)).await?;
        match resp.status() {
            s if s.is_success() || s == StatusCode::NOT_FOUND || s == StatusCode::GONE => Ok(()),
            _ => Err(status_error(resp).await),
        }
    }

    /// Upload `job.file` to `endpoint`, resuming `job.resume_url` when the server still has it.
    /// Returns the upload URL once the server holds every byte.
    pub async fn tus_upload(&self, endpoint: &Url, opts: &TusOptions, sizer: &mut ChunkSizer, job: UploadJob<'_>) -> Result<String> {
        let total = tokio::fs::metadata(job.file).await.map_err(|e| Error::io(job.file, e))?.len();
        let caps = self.tus_capabilities(endpoint).await?;
        if let Some(max) = caps.max_size {
            if total > max {
                return Err(Error::Server { status: 413, detail: format!("file of {total} bytes exceeds the server's limit of {max}") });
            }
        }
        let mut file = tokio::fs::File::open(job.file).await.map_err(|e| Error::io(job.file, e))?;
        let mut started_over = false;
        let mut current: Option<(Url, u64)> = None;
        if let Some(u) = &job.resume_url {
            let url = Url::parse(u).map_err(|e| Error::Protocol(format!("stored upload url: {e}")))?;
            match self.tus_offset(&url).await? {
                Remote::At { offset, length } if offset <= total && length.is_none_or(|l| l == total) => {
                    current = Some((url, offset));
                }
                other => {
                    tracing::info!(?other, "stored upload is gone or does not match the file; starting over");
                    started_over = true;
                }
            }
        }
        // 409 / 460 answers in a row; a server that keeps refusing is not retried forever.
        let mut rejections = 0u32;
        loop {
            let (url, offset) = match current.take() {
                Some(c) => c,
                None => {
                    let (url, offset) = self.tus_create(endpoint, opts, &caps, &mut file, total, &job).await?;
                    (job.checkpoint)(&Checkpoint { url: url.to_string(), offset, total })?;
                    (url, offset)
                }
            };
            (job.progress)(offset);
            if offset >= total {
                return Ok(url.to_string());
            }
            let len = sizer.next_len(total - offset);
            let chunk = read_chunk(&mut file, job.file, offset, len).await?;
            let started = Instant::now();
            match self.tus_patch(&url, opts, &caps, offset, chunk, job.progress.clone()).await {
                Ok(new_offset) => {
                    rejections = 0;
                    sizer.on_success(new_offset - offset, started.elapsed());
                    (job.checkpoint)(&Checkpoint { url: url.to_string(), offset: new_offset, total })?;
                    current = Some((url, new_offset));
                }
                Err(PatchError::Conflict | PatchError::ChecksumMismatch) if rejections < 3 => {
                    // 409: our offset is not the server's. 460: the chunk was damaged in
                    // transit. Either way ask where the server stands and go on from there.
                    rejections += 1;
                    sizer.on_failure();
                    match self.tus_offset(&url).await? {
                        Remote::At { offset, .. } if offset <= total => current = Some((url, offset)),
                        _ if !started_over => started_over = true,
                        _ => return Err(Error::Protocol("tus upload vanished twice".into())),
                    }
                }
                Err(PatchError::Gone) if !started_over => {
                    tracing::info!("upload expired on the server; starting over");
                    started_over = true;
                }
                Err(PatchError::Gone) => return Err(Error::Protocol("tus upload vanished twice".into())),
                Err(PatchError::Conflict | PatchError::ChecksumMismatch) => {
                    return Err(Error::Server { status: 460, detail: "upload keeps being rejected (offset/checksum)".into() });
                }
                Err(PatchError::Other(e)) => {
                    if matches!(e, Error::Offline(_)) {
                        sizer.on_failure();
                    }
                    return Err(e);
                }
            }
        }
    }

    /// POST creation. Small files travel in the same request when the server allows it.
    async fn tus_create(
        &self,
        endpoint: &Url,
        opts: &TusOptions,
        caps: &Capabilities,
        file: &mut tokio::fs::File,
        total: u64,
        job: &UploadJob<'_>,
    ) -> Result<(Url, u64)> {
        let metadata = encode_metadata(&job.metadata);
        let body = if caps.creation_with_upload && total > 0 && total <= CREATE_WITH_UPLOAD_MAX {
            Some(read_chunk(file, job.file, 0, total).await?)
        } else {
            None
        };
        let checksum = body.as_ref().filter(|_| caps.checksum_sha1).map(|b| sha1_header(b));
        let timeout = opts.base_timeout + rate_time(body.as_ref().map_or(0, |b| b.len() as u64), opts.min_rate);
        let resp = self
            .send(true, |h| {
                let mut rb = h
                    .post(endpoint.clone())
                    .header("Tus-Resumable", TUS_VERSION)
                    .header("Upload-Length", total.to_string())
                    .timeout(timeout);
                if !metadata.is_empty() {
                    rb = rb.header("Upload-Metadata", metadata.clone());
                }
                match &body {
                    Some(b) => {
                        if let Some(c) = &checksum {
                            rb = rb.header("Upload-Checksum", c.clone());
                        }
                        rb.header(CONTENT_TYPE, OFFSET_STREAM).header(CONTENT_LENGTH, b.len()).body(b.clone())
                    }
                    None => rb.header(CONTENT_LENGTH, 0),
                }
            })
            .await?;
        if resp.status() != StatusCode::CREATED {
            return Err(status_error(resp).await);
        }
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::Protocol("tus creation without Location".into()))?;
        let url = endpoint.join(location).map_err(|e| Error::Protocol(format!("tus Location {location}: {e}")))?;
        let offset = if body.is_some() { header_u64(resp.headers(), "upload-offset").unwrap_or(0) } else { 0 };
        Ok((url, offset.min(total)))
    }

    async fn tus_patch(
        &self,
        url: &Url,
        opts: &TusOptions,
        caps: &Capabilities,
        offset: u64,
        chunk: Bytes,
        progress: Arc<dyn Fn(u64) + Send + Sync>,
    ) -> Result<u64, PatchError> {
        let len = chunk.len() as u64;
        let checksum = caps.checksum_sha1.then(|| sha1_header(&chunk));
        let timeout = opts.base_timeout + rate_time(len, opts.min_rate);
        let resp = self
            .send(true, |h| {
                let mut rb = h
                    .patch(url.clone())
                    .header("Tus-Resumable", TUS_VERSION)
                    .header("Upload-Offset", offset.to_string())
                    .header(CONTENT_TYPE, OFFSET_STREAM)
                    .header(CONTENT_LENGTH, len)
                    .timeout(timeout);
                if let Some(c) = &checksum {
                    rb = rb.header("Upload-Checksum", c.clone());
                }
                rb.body(progress_body(chunk.clone(), offset, progress.clone()))
            })
            .await
            .map_err(PatchError::Other)?;
        match resp.status().as_u16() {
            200 | 204 => {
                let new = header_u64(resp.headers(), "upload-offset")
                    .ok_or_else(|| PatchError::Other(Error::Protocol("tus PATCH without Upload-Offset".into())))?;
                if new < offset || new > offset + len {
                    return Err(PatchError::Other(Error::Protocol(format!("tus offset {new} outside [{offset}, {}]", offset + len))));
                }
                Ok(new)
            }
            409 => Err(PatchError::Conflict),
            460 => Err(PatchError::ChecksumMismatch),
            404 | 410 => Err(PatchError::Gone),
            _ => Err(PatchError::Other(status_error(resp).await)),
        }
    }
}

enum PatchError {
    Conflict,
    ChecksumMismatch,
    Gone,
    Other(Error),
}

/// The chunk as a stream of 16 KiB pieces, reporting each piece as it is handed to the socket.
fn progress_body(chunk: Bytes, base: u64, progress: Arc<dyn Fn(u64) + Send + Sync>) -> reqwest::Body {
    const PIECE: usize = 16 * 1024;
    let pieces: Vec<Bytes> = (0..chunk.len()).step_by(PIECE).map(|i| chunk.slice(i..(i + PIECE).min(chunk.len()))).collect();
    let mut sent = base;
    let stream = futures_util::stream::iter(pieces).map(move |p| {
        sent += p.len() as u64;
        progress(sent);
        Ok::<Bytes, std::io::Error>(p)
    });
    reqwest::Body::wrap_stream(stream)
}

async fn read_chunk(file: &mut tokio::fs::File, path: &Path, offset: u64, len: u64) -> Result<Bytes> {
    file.seek(std::io::SeekFrom::Start(offset)).await.map_err(|e| Error::io(path, e))?;
    let mut buf = vec![0u8; len as usize];
    file.read_exact(&mut buf).await.map_err(|e| Error::io(path, e))?;
    Ok(Bytes::from(buf))
}

fn rate_time(len: u64, min_rate: u64) -> Duration {
    Duration::from_secs_f64(len as f64 / min_rate.max(1) as f64)
}

fn sha1_header(data: &[u8]) -> String {
    format!("sha1 {}", base64::engine::general_purpose::STANDARD.encode(Sha1::digest(data)))
}

/// `key base64(value)` pairs, comma-separated (tus Upload-Metadata).
pub fn encode_metadata(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(k, _)| !k.is_empty() && !k.contains([' ', ',']))
        .map(|(k, v)| format!("{k} {}", base64::engine::general_purpose::STANDARD.encode(v.as_bytes())))
        .collect::<Vec<_>>()
        .join(",")
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> TusOptions {
        TusOptions { min_chunk: 32 * 1024, max_chunk: 8 << 20, initial_chunk: 256 * 1024, ..Default::default() }
    }

    #[test]
    fn chunks_grow_on_a_fast_link_and_shrink_on_failures() {
        let mut s = ChunkSizer::new(&opts());
        assert_eq!(s.current(), 256 * 1024);
        // 256 KiB in 50 ms is ~5 MB/s: aiming at 4 s per chunk it grows, at most doubling.
        s.on_success(256 * 1024, Duration::from_millis(50));
        assert_eq!(s.current(), 512 * 1024);
        for _ in 0..10 {
            let n = s.current();
            s.on_success(n, Duration::from_millis(100));
        }
        assert_eq!(s.current(), 8 << 20, "capped at max_chunk");
        s.on_failure();
        assert_eq!(s.current(), 4 << 20);
        for _ in 0..20 {
            s.on_failure();
        }
        assert_eq!(s.current(), 32 * 1024, "never below min_chunk");
    }

    #[test]
    fn chunks_fit_a_slow_link() {
        let mut s = ChunkSizer::new(&opts());
        // 3G at 20 KB/s: 256 KiB took 13 s; 4 s of transfer is ~80 KB.
        for _ in 0..8 {
            let n = s.current();
            s.on_success(n, Duration::from_secs_f64(n as f64 / 20_000.0));
        }
        assert!((60_000..=110_000).contains(&s.current()), "{}", s.current());
    }

    #[test]
    fn a_short_final_chunk_does_not_inflate_the_size() {
        let mut s = ChunkSizer::new(&opts());
        s.on_success(1000, Duration::from_micros(10));
        assert_eq!(s.current(), 256 * 1024);
    }

    #[test]
    fn metadata_is_base64_encoded_and_bad_keys_dropped() {
        let m = encode_metadata(&[("filename".into(), "ảnh 1.jpg".into()), ("bad key".into(), "x".into()), ("filetype".into(), "image/jpeg".into())]);
        assert_eq!(m, "filename 4bqjbmggMS5qcGc=,filetype aW1hZ2UvanBlZw==");
    }

    #[test]
    fn capabilities_are_read_from_options_headers() {
        let mut h = HeaderMap::new();
        h.insert("tus-extension", "creation,creation-with-upload,termination,checksum,expiration".parse().unwrap());
        h.insert("tus-checksum-algorithm", "md5,sha1".parse().unwrap());
        h.insert("tus-max-size", "1048576".parse().unwrap());
        let c = Capabilities::from_headers(&h);
        assert!(c.creation_with_upload && c.checksum_sha1 && c.termination && c.expiration);
        assert_eq!(c.max_size, Some(1 << 20));
        // @tus/file-store advertises no checksum: we must not send Upload-Checksum then.
        h.insert("tus-extension", "creation,creation-with-upload,termination,expiration".parse().unwrap());
        assert!(!Capabilities::from_headers(&h).checksum_sha1);
    }

    #[test]
    fn sha1_header_matches_rfc_example() {
        assert_eq!(sha1_header(b"abc"), "sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    }
}
