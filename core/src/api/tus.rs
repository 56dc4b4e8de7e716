//! tus 1.0 resumable uploads (creation, creation-with-upload, expiration, termination,
//! checksum sha1), written against the protocol text so it also works with servers we did
//! not write (tested against `@tus/server`).
//!
//! Rules this client keeps:
//! - Before sending anything for an upload it already knows, it asks the server (HEAD) how
//!   much it holds, so acknowledged bytes are never sent twice. After a connection breaks
//!   mid-chunk it asks at once and goes on from there, in the same call, as long as each
//!   attempt moves the server's offset (no wait for the outbox's backoff).
//! - Every acknowledged offset is handed to the caller (a [`Checkpoint`]) to be persisted
//!   before the next chunk goes out; a crash at any point resumes from the last checkpoint.
//!   Progress reported to the caller is acknowledged bytes only, never bytes merely written
//!   into a socket buffer.
//! - The link is measured ([`ChunkSizer`]: round-trip time from small requests, rate from
//!   acknowledged bytes per chunk) and chunks are paced at about that rate, so the link's
//!   queue stays short: a cut loses little, and a long queue (bufferbloat) does not form.
//!   Chunks last long enough that the round trip between two of them costs a few percent.
//! - No `Upload-Checksum` by default: with one, a cut chunk is all or nothing on the server,
//!   so every cut would throw away the whole chunk. Integrity is kept by TLS in transit and
//!   by the SHA-256 the server checks when the report references the upload.
//! - An upload the server forgot (expired: 404/410) or that no longer matches the file is
//!   started over.
//! - No request the upload does not need: no OPTIONS unless a checksum is wanted or the
//!   server refuses data in a creation request (creation-with-upload is assumed, as
//!   tus-js-client does); a tail of at most half a chunk rides with the last chunk; on a
//!   clean link a file that fits one chunk travels in its creation request.
//! - Files are pipelined on a clean, measured link: the caller hears ([`UploadJob::handover`])
//!   when a file's last request is about to leave, and may start the next file's upload then,
//!   so the link does not idle through the round trips between two files.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
/// URL type of upload locations.
pub use reqwest::Url;
use reqwest::{Method, StatusCode};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::{status_error, Api};
use crate::error::{Error, Result};

const TUS_VERSION: &str = "1.0.0";
const OFFSET_STREAM: &str = "application/offset+octet-stream";
/// Files up to this size go in the creation request itself (one round trip instead of two).
/// Larger ones too, their first chunk, once the link is measured and while it has broken no
/// connection (see [`ChunkSizer::creation_chunk`]); otherwise they are created empty first so their URL is
/// persisted before any byte is sent.
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
    /// What is assumed before the server was asked: creation-with-upload, nothing else
    /// (tus-js-client's `uploadDataDuringCreation` makes the same assumption, and it never
    /// sends OPTIONS). A server that refuses a creation request carrying data is asked then.
    pub fn assumed() -> Capabilities {
        Capabilities {
            creation_with_upload: true,
            ..Default::default()
        }
    }

    fn from_headers(h: &HeaderMap) -> Capabilities {
        let list = |name: &str| -> Vec<String> {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| {
                    s.split(',')
                        .map(|x| x.trim().to_ascii_lowercase())
                        .collect()
                })
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
    /// Chunk size aims at this much transfer time per request...
    pub target_chunk_time: Duration,
    /// ...and at least this many round-trip times, so the pause between two chunks (one
    /// round trip) costs at most about 1/this of the time. (The price: acknowledged progress
    /// moves in steps of that long on a clean slow link; on a link that breaks, every resume
    /// also acknowledges what arrived.)
    pub target_chunk_rtts: u32,
    /// ...and, while the link has broken no connection, at least this long: every chunk
    /// costs a request head (~300 bytes) and, between files, a round trip, so on a clean link
    /// a 4 MB video on 3G goes in 3 requests rather than 7 (tus-js-client sends a file in one
    /// PATCH and reports written, not acknowledged, bytes). The price: acknowledged progress
    /// moves in steps this long on a clean slow link.
    pub clean_chunk_time: Duration,
    /// Send `Upload-Checksum` (sha1) when the server supports it. Off by default: the server
    /// then drops a whole chunk when its connection breaks (see the module docs).
    pub checksum: bool,
    /// Pace chunk bodies at the measured rate (see [`ChunkSizer::pace`]).
    pub pace: bool,
    /// Broken connections in a row, without the server's offset moving, that are resumed
    /// within the same call before the error goes back to the caller (its backoff).
    pub resume_in_place: u32,
}

impl Default for TusOptions {
    fn default() -> Self {
        Self {
            base_timeout: Duration::from_secs(20),
            min_rate: 4 * 1024,
            min_chunk: 32 * 1024,
            max_chunk: 8 * 1024 * 1024,
            initial_chunk: 512 * 1024,
            target_chunk_time: Duration::from_secs(4),
            target_chunk_rtts: 40,
            clean_chunk_time: Duration::from_secs(30),
            checksum: false,
            pace: true,
            resume_in_place: 2,
        }
    }
}

/// Pacing runs this much above the measured rate: enough to notice when the link gets
/// faster, little enough that the link's queue grows by at most 6 % of what was sent.
const PACE_GAIN: f64 = 1.06;
/// A chunk delivered at this fraction of its pace or more was held back by the pacing, not
/// by the link: the next one is paced `PACE_PROBE` times faster.
const PACE_LIMITED: f64 = 0.975;
const PACE_PROBE: f64 = 1.3;

/// Chooses how many bytes the next PATCH carries and how fast its body is written, from
/// what the link showed: the smallest round-trip time of small requests, and the rate of
/// acknowledged bytes per chunk (its time less one round trip). Pure (fed with
/// measurements), so its behaviour is unit-tested without a network.
#[derive(Debug, Clone)]
pub struct ChunkSizer {
    size: u64,
    min: u64,
    max: u64,
    target: Duration,
    target_rtts: u32,
    clean_target: Duration,
    rtt: Option<Duration>,
    /// Bytes/s the next chunk's body is written at; `None` until a chunk was measured.
    pace: Option<f64>,
    pacing: bool,
    /// Connections that broke during uploads so far.
    broken: u32,
    /// Last acknowledged rate measured (bytes/s).
    rate: Option<f64>,
}

impl ChunkSizer {
    pub fn new(opts: &TusOptions) -> Self {
        Self {
            size: opts.initial_chunk.clamp(opts.min_chunk, opts.max_chunk),
            min: opts.min_chunk,
            max: opts.max_chunk,
            target: opts.target_chunk_time,
            target_rtts: opts.target_chunk_rtts,
            clean_target: opts.clean_chunk_time,
            rtt: None,
            pace: None,
            pacing: opts.pace,
            broken: 0,
            rate: None,
        }
    }

    /// When the next file's upload may start, counted from the start of a request that
    /// carries `len` bytes and ends this file: when its last byte is due to leave at the
    /// measured rate, less the round trip a new connection's handshake takes, so the next
    /// file's bytes follow this one's without the link idling through this request's answer
    /// (and the next file's creation answer). Only on a measured link that has broken
    /// nothing: after a cut, one paced upload at a time keeps what a cut loses small.
    pub fn handover_after(&self, len: u64) -> Option<Duration> {
        let (rate, rtt) = (self.rate?, self.rtt?);
        if self.broken > 0 || rate <= 0.0 {
            return None;
        }
        Some(Duration::from_secs_f64(len as f64 / rate).saturating_sub(rtt))
    }

    /// Fold in what another copy learned since both were taken from the same sizer (a
    /// concurrent upload of another file): its measurements (the newer), the smaller round
    /// trip, and any broken connection of either.
    pub fn merge(&mut self, newer: &ChunkSizer) {
        let broken = self.broken.max(newer.broken);
        let rtt = match (self.rtt, newer.rtt) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        *self = newer.clone();
        self.broken = broken;
        self.rtt = rtt;
    }

    /// A connection broke during an upload.
    pub fn on_broken(&mut self) {
        self.broken += 1;
    }

    /// No connection has broken during an upload so far.
    pub fn is_clean(&self) -> bool {
        self.broken == 0
    }

    /// Once a chunk was measured and while the link has broken no connection, a new upload's
    /// first chunk travels in its creation request (one round trip less per file).
    /// Otherwise only files up to [`CREATE_WITH_UPLOAD_MAX`] do, and larger ones are created
    /// empty first so their URL is stored before any byte is sent: a cut creation request
    /// loses all it carried (its URL never comes back), a cut PATCH only what was in flight.
    pub fn creation_chunk(&self, total: u64) -> u64 {
        if total <= CREATE_WITH_UPLOAD_MAX {
            total
        } else if self.broken == 0 && self.pace.is_some() {
            self.next_len(total)
        } else {
            0
        }
    }

    pub fn current(&self) -> u64 {
        self.size
    }

    /// Bytes of the next request: the chunk size, or all that is left when that is at most
    /// half a chunk more (a short tail rides along: one request head and one idle round
    /// trip less).
    pub fn next_len(&self, remaining: u64) -> u64 {
        if remaining <= self.size + self.size / 2 {
            remaining
        } else {
            self.size
        }
    }

    /// Smallest round trip seen so far.
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }

    /// Rate (bytes/s) to write the next chunk's body at: when pacing, measured, and the link
    /// has broken a connection. Pacing is insurance against cuts (what waits in the link's
    /// queue is lost with it); on a link that does not break, a low estimate would only cost
    /// time.
    pub fn pace(&self) -> Option<f64> {
        self.pace.filter(|_| self.pacing && self.broken > 0)
    }

    /// A small request (HEAD, empty POST) took `elapsed`: an upper bound of the round trip.
    pub fn on_rtt(&mut self, elapsed: Duration) {
        self.rtt = Some(self.rtt.map_or(elapsed, |r| r.min(elapsed)));
    }

    /// `bytes` were acknowledged `elapsed` after the chunk's first byte was handed over: the
    /// next chunk fits the target time at that rate (at once when the round trip is known and
    /// the chunk took at least two; otherwise halfway there, growing at most 2× per step, so
    /// one lucky burst does not make the next chunk huge); and set the pace.
    pub fn on_success(&mut self, bytes: u64, elapsed: Duration) {
        if bytes == 0 {
            return;
        }
        let transfer = match self.rtt {
            Some(r) if elapsed > r => elapsed - r,
            _ => elapsed,
        };
        let rate = bytes as f64 / transfer.as_secs_f64().max(0.001);
        // A chunk shorter than the current size (end of file) says little about larger ones.
        let short = bytes < self.size / 2;
        if !short || self.pace.is_none() {
            self.observe_rate(rate);
        }
        let mut target = self
            .target
            .max(self.rtt.map_or(Duration::ZERO, |r| r * self.target_rtts));
        if self.broken == 0 {
            target = target.max(self.clean_target);
        }
        let ideal = (rate * target.as_secs_f64()) as u64;
        if short && ideal > self.size {
            return;
        }
        if self.rtt.is_some_and(|r| transfer >= r * 2) {
            // The rate excludes the round trip and the sample spans several of them: trust
            // it. (Without a checksum an oversized chunk costs only coarser progress.)
            self.size = ideal.clamp(self.min, self.max);
            return;
        }
        let next = (self.size + ideal) / 2;
        self.size = next
            .clamp(self.min, self.max)
            .min(self.size.saturating_mul(2))
            .max(self.min);
    }

    /// A chunk's connection broke `elapsed` after its first byte was handed over, and the
    /// server says (HEAD) it kept `bytes` of it: those arrived over that time less about half
    /// a round trip. Sets the pace (a cut link may never complete a chunk); the size stays.
    pub fn on_partial(&mut self, bytes: u64, elapsed: Duration) {
        const ENOUGH: u64 = 32 * 1024;
        let half = self.rtt.map_or(Duration::ZERO, |r| r / 2);
        if bytes < ENOUGH || elapsed <= half * 2 {
            return;
        }
        self.observe_rate(bytes as f64 / (elapsed - half).as_secs_f64());
    }

    fn observe_rate(&mut self, rate: f64) {
        self.rate = Some(rate);
        self.pace = Some(match self.pace {
            Some(p) if rate >= PACE_LIMITED * p => p * PACE_PROBE,
            _ => rate * PACE_GAIN,
        });
    }

    /// A checksummed chunk was lost whole (its connection broke or stalled): halve, so the
    /// next loss is smaller. (Without a checksum the server keeps what reached it, and the
    /// size stays.)
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
    /// Names this upload's creation request (`Idempotency-Key`), the same every time it is
    /// sent: a server that knows the header answers a creation sent again after its answer
    /// was lost (a cut, the app killed) with the upload it made, so no second upload exists
    /// and bytes it holds are not sent again. Others ignore it. Derive it from what the
    /// upload is (never random per attempt); `None` sends none.
    pub creation_key: Option<String>,
    /// Persist a checkpoint (called after creation and after every acknowledged chunk).
    pub checkpoint: &'a mut (dyn FnMut(&Checkpoint) -> Result<()> + Send + Sync),
    /// Bytes of this file the server has acknowledged, for progress bars (called after
    /// creation, after every chunk and after every resume).
    pub progress: Arc<dyn Fn(u64) + Send + Sync>,
    /// Called (possibly more than once: a retried last request calls again) when the next
    /// file may start ([`ChunkSizer::handover_after`]), with the link as measured so far.
    /// `None`: files go one after another.
    pub handover: Option<&'a (dyn Fn(&ChunkSizer) + Send + Sync)>,
}

/// Run `request`; if `handover` is set, call it once `after` has passed while the request
/// still runs (or never, if it ends first).
async fn with_handover<T>(
    request: impl std::future::Future<Output = T>,
    handover: Option<(Duration, ChunkSizer, &(dyn Fn(&ChunkSizer) + Send + Sync))>,
) -> T {
    let Some((after, sizer, call)) = handover else {
        return request.await;
    };
    tokio::pin!(request);
    tokio::select! {
        biased;
        r = &mut request => return r,
        _ = tokio::time::sleep(after) => call(&sizer),
    }
    request.await
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
        // Discovery needs no session (tus servers answer OPTIONS unauthenticated): no token
        // on the wire.
        let resp = self
            .send(false, |h| {
                h.request(Method::OPTIONS, endpoint.clone()).timeout(t)
            })
            .await?;
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
            .send(true, |h| {
                h.head(url.clone())
                    .header("Tus-Resumable", TUS_VERSION)
                    .header("Cache-Control", "no-store")
                    .timeout(t)
            })
            .await?;
        match resp.status() {
            StatusCode::NOT_FOUND | StatusCode::GONE | StatusCode::FORBIDDEN => Ok(Remote::Gone),
            s if s.is_success() => {
                let offset = header_u64(resp.headers(), "upload-offset")
                    .ok_or_else(|| Error::Protocol("tus HEAD without Upload-Offset".into()))?;
                Ok(Remote::At {
                    offset,
                    length: header_u64(resp.headers(), "upload-length"),
                })
            }
            _ => Err(status_error(resp).await),
        }
    }

    /// Termination: tell the server to drop an upload we no longer need. Best effort.
    pub async fn tus_terminate(&self, url: &Url) -> Result<()> {
        let t = self.request_timeout();
        let resp = self
            .send(true, |h| {
                h.delete(url.clone())
                    .header("Tus-Resumable", TUS_VERSION)
                    .timeout(t)
            })
            .await?;
        match resp.status() {
            s if s.is_success() || s == StatusCode::NOT_FOUND || s == StatusCode::GONE => Ok(()),
            _ => Err(status_error(resp).await),
        }
    }

    /// Upload `job.file` to `endpoint`, resuming `job.resume_url` when the server still has it.
    /// Returns the upload URL once the server holds every byte.
    pub async fn tus_upload(
        &self,
        endpoint: &Url,
        opts: &TusOptions,
        sizer: &mut ChunkSizer,
        job: UploadJob<'_>,
    ) -> Result<String> {
        let total = tokio::fs::metadata(job.file)
            .await
            .map_err(|e| Error::io(job.file, e))?
            .len();
        // No OPTIONS round trip unless its answer changes what we send: a checksum needs the
        // server's algorithms; otherwise creation-with-upload is assumed, and the server is
        // asked only if it refuses a creation request carrying data (see `tus_create`).
        // (`Tus-Max-Size` is then enforced by the server's 413, which fails the same way.)
        let cached = self.tus_caps.lock().await.clone();
        let mut caps = match cached {
            Some(c) => c,
            None if opts.checksum => self.tus_capabilities(endpoint).await?,
            None => Capabilities::assumed(),
        };
        if let Some(max) = caps.max_size {
            if total > max {
                return Err(Error::Server {
                    status: 413,
                    detail: format!("file of {total} bytes exceeds the server's limit of {max}"),
                });
            }
        }
        let checksum = caps.checksum_sha1 && opts.checksum;
        let mut file = tokio::fs::File::open(job.file)
            .await
            .map_err(|e| Error::io(job.file, e))?;
        let mut started_over = false;
        let mut current: Option<(Url, u64)> = None;
        if let Some(u) = &job.resume_url {
            let url =
                Url::parse(u).map_err(|e| Error::Protocol(format!("stored upload url: {e}")))?;
            match self.timed_offset(&url, sizer).await? {
                Remote::At { offset, length }
                    if offset <= total && length.is_none_or(|l| l == total) =>
                {
                    current = Some((url, offset));
                }
                other => {
                    tracing::info!(
                        ?other,
                        "stored upload is gone or does not match the file; starting over"
                    );
                    started_over = true;
                }
            }
        }
        // 409 / 460 answers in a row; a server that keeps refusing is not retried forever.
        let mut rejections = 0u32;
        // Broken connections in a row after which the server's offset did not move.
        let mut stalled = 0u32;
        loop {
            let (url, offset) = match current.take() {
                Some(c) => c,
                None => {
                    let (url, offset) = match self
                        .tus_create(
                            endpoint,
                            opts,
                            &mut caps,
                            &mut file,
                            total,
                            &job,
                            sizer,
                            started_over,
                        )
                        .await
                    {
                        Ok(c) => c,
                        Err(e) => {
                            if matches!(e, Error::Offline(_) | Error::Timeout(_)) {
                                sizer.on_broken();
                            }
                            return Err(e);
                        }
                    };
                    (job.checkpoint)(&Checkpoint {
                        url: url.to_string(),
                        offset,
                        total,
                    })?;
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
            let handover = job
                .handover
                .filter(|_| offset + len == total)
                .and_then(|h| sizer.handover_after(len).map(|d| (d, sizer.clone(), h)));
            match with_handover(
                self.tus_patch(&url, opts, checksum, offset, chunk, sizer.pace()),
                handover,
            )
            .await
            {
                Ok(new_offset) => {
                    rejections = 0;
                    stalled = 0;
                    sizer.on_success(new_offset - offset, started.elapsed());
                    (job.checkpoint)(&Checkpoint {
                        url: url.to_string(),
                        offset: new_offset,
                        total,
                    })?;
                    current = Some((url, new_offset));
                }
                Err(PatchError::Conflict | PatchError::ChecksumMismatch) if rejections < 3 => {
                    // 409: our offset is not the server's. 460: the chunk was damaged in
                    // transit. Either way ask where the server stands and go on from there.
                    rejections += 1;
                    sizer.on_failure();
                    match self.timed_offset(&url, sizer).await? {
                        Remote::At { offset, .. } if offset <= total => {
                            current = Some((url, offset))
                        }
                        _ if !started_over => started_over = true,
                        _ => return Err(Error::Protocol("tus upload vanished twice".into())),
                    }
                }
                Err(PatchError::Gone) if !started_over => {
                    tracing::info!("upload expired on the server; starting over");
                    started_over = true;
                }
                Err(PatchError::Gone) => {
                    return Err(Error::Protocol("tus upload vanished twice".into()))
                }
                Err(PatchError::Conflict | PatchError::ChecksumMismatch) => {
                    return Err(Error::Server {
                        status: 460,
                        detail: "upload keeps being rejected (offset/checksum)".into(),
                    });
                }
                Err(PatchError::Other(e)) => {
                    if !matches!(e, Error::Offline(_) | Error::Timeout(_)) {
                        return Err(e);
                    }
                    let broke_after = started.elapsed();
                    sizer.on_broken();
                    if checksum {
                        sizer.on_failure();
                    }
                    if stalled >= opts.resume_in_place {
                        return Err(e);
                    }
                    // The connection broke mid-chunk. Without a checksum the server kept what
                    // reached it: ask how much (HEAD on a new connection) and go on now,
                    // rather than after the outbox's backoff.
                    stalled += 1;
                    if stalled > 1 {
                        tokio::time::sleep(Duration::from_millis(500) * (stalled - 1)).await;
                    }
                    tracing::debug!(error = %e, "tus PATCH broken; resuming in place");
                    match self.timed_offset(&url, sizer).await? {
                        Remote::At { offset: at, length }
                            if at <= total && at >= offset && length.is_none_or(|l| l == total) =>
                        {
                            if at > offset {
                                stalled = 0;
                                sizer.on_partial(at - offset, broke_after);
                                (job.checkpoint)(&Checkpoint {
                                    url: url.to_string(),
                                    offset: at,
                                    total,
                                })?;
                            }
                            current = Some((url, at));
                        }
                        _ if !started_over => started_over = true,
                        _ => return Err(Error::Protocol("tus upload vanished twice".into())),
                    }
                }
            }
        }
    }

    /// HEAD, timed: a small request's time bounds the round trip from above.
    async fn timed_offset(&self, url: &Url, sizer: &mut ChunkSizer) -> Result<Remote> {
        let t = Instant::now();
        let r = self.tus_offset(url).await?;
        sizer.on_rtt(t.elapsed());
        Ok(r)
    }

    /// POST creation. Small files travel in the same request when the server allows it. A
    /// refusal of a creation carrying data, while creation-with-upload was only assumed,
    /// asks the server (OPTIONS) and, if it lacks the extension, creates empty instead.
    #[allow(clippy::too_many_arguments)]
    async fn tus_create(
        &self,
        endpoint: &Url,
        opts: &TusOptions,
        caps: &mut Capabilities,
        file: &mut tokio::fs::File,
        total: u64,
        job: &UploadJob<'_>,
        sizer: &mut ChunkSizer,
        started_over: bool,
    ) -> Result<(Url, u64)> {
        let metadata = encode_metadata(&job.metadata);
        // A new upload after the first was lost (expired, or no longer this file) is another
        // creation: another key, or the server would hand the lost one back.
        let key = job.creation_key.as_deref().map(|k| {
            if started_over {
                format!("{k}.2")
            } else {
                k.to_string()
            }
        });
        loop {
            let first = if caps.creation_with_upload {
                sizer.creation_chunk(total)
            } else {
                0
            };
            let body = if first > 0 {
                Some(read_chunk(file, job.file, 0, first).await?)
            } else {
                None
            };
            let pace = body
                .as_ref()
                .filter(|b| b.len() as u64 > CREATE_WITH_UPLOAD_MAX)
                .and(sizer.pace());
            let started = Instant::now();
            let checksum = body
                .as_ref()
                .filter(|_| caps.checksum_sha1 && opts.checksum)
                .map(|b| sha1_header(b));
            let timeout = opts.base_timeout
                + rate_time(body.as_ref().map_or(0, |b| b.len() as u64), opts.min_rate);
            // The whole file in this request: it is the file's last.
            let handover = job
                .handover
                .filter(|_| first == total && total > 0)
                .and_then(|h| sizer.handover_after(first).map(|d| (d, sizer.clone(), h)));
            let resp = with_handover(
                self.send(true, |h| {
                    let mut rb = h
                        .post(endpoint.clone())
                        .header("Tus-Resumable", TUS_VERSION)
                        .header("Upload-Length", total.to_string())
                        .timeout(timeout);
                    if !metadata.is_empty() {
                        rb = rb.header("Upload-Metadata", metadata.clone());
                    }
                    if let Some(k) = &key {
                        rb = rb.header("Idempotency-Key", k.clone());
                    }
                    match &body {
                        Some(b) => {
                            if let Some(c) = &checksum {
                                rb = rb.header("Upload-Checksum", c.clone());
                            }
                            rb.header(CONTENT_TYPE, OFFSET_STREAM)
                                .header(CONTENT_LENGTH, b.len())
                                .body(paced_body(b.clone(), pace))
                        }
                        None => rb.header(CONTENT_LENGTH, 0),
                    }
                }),
                handover,
            )
            .await?;
            if resp.status() != StatusCode::CREATED {
                let status = resp.status().as_u16();
                let err = status_error(resp).await;
                if body.is_some() && matches!(status, 400 | 405 | 409 | 412 | 415 | 422 | 501) {
                    // Known capabilities come from the cache; assumed ones are asked now.
                    let real = self.tus_capabilities(endpoint).await?;
                    if !real.creation_with_upload {
                        tracing::info!(
                            status,
                            "tus server refused data in the creation request; creating empty"
                        );
                        *caps = real;
                        continue;
                    }
                }
                return Err(err);
            }
            match &body {
                None => sizer.on_rtt(started.elapsed()),
                Some(b) if b.len() as u64 > CREATE_WITH_UPLOAD_MAX => {
                    let acked = header_u64(resp.headers(), "upload-offset").unwrap_or(0);
                    sizer.on_success(acked, started.elapsed());
                }
                Some(_) => {}
            }
            let location = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| Error::Protocol("tus creation without Location".into()))?;
            let url = endpoint
                .join(location)
                .map_err(|e| Error::Protocol(format!("tus Location {location}: {e}")))?;
            if !self.is_own_origin(&url) {
                // Never stored, never sent our token or the photo.
                return Err(Error::ForeignOrigin {
                    url: format!("{}{}", url.origin().ascii_serialization(), url.path()),
                });
            }
            // With data: what the server took of it. A replayed creation (the server knew
            // the key) says where the upload it made stands, even without data.
            let offset = header_u64(resp.headers(), "upload-offset").unwrap_or(0);
            return Ok((url, offset.min(total)));
        }
    }

    async fn tus_patch(
        &self,
        url: &Url,
        opts: &TusOptions,
        checksum: bool,
        offset: u64,
        chunk: Bytes,
        pace: Option<f64>,
    ) -> Result<u64, PatchError> {
        let len = chunk.len() as u64;
        let checksum = checksum.then(|| sha1_header(&chunk));
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
                rb.body(paced_body(chunk.clone(), pace))
            })
            .await
            .map_err(PatchError::Other)?;
        match resp.status().as_u16() {
            200 | 204 => {
                let new = header_u64(resp.headers(), "upload-offset").ok_or_else(|| {
                    PatchError::Other(Error::Protocol("tus PATCH without Upload-Offset".into()))
                })?;
                if new < offset || new > offset + len {
                    return Err(PatchError::Other(Error::Protocol(format!(
                        "tus offset {new} outside [{offset}, {}]",
                        offset + len
                    ))));
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

/// The chunk as a stream of small pieces, handed over no faster than `pace` bytes/s (after
/// two pieces at once): written at about the link's rate, the bytes wait in no queue, so a
/// cut finds little in flight. Without a pace, as fast as the socket takes them.
fn paced_body(chunk: Bytes, pace: Option<f64>) -> reqwest::Body {
    let Some(pace) = pace.filter(|p| *p > 0.0) else {
        return reqwest::Body::from(chunk);
    };
    // Pieces of about 20 ms of traffic, between 1 and 16 KiB.
    let piece = ((pace * 0.02) as usize).clamp(1024, 16 * 1024);
    let pieces: Vec<Bytes> = (0..chunk.len())
        .step_by(piece)
        .map(|i| chunk.slice(i..(i + piece).min(chunk.len())))
        .collect();
    let ahead = 2 * piece as u64;
    let state = (pieces.into_iter(), 0u64, None::<tokio::time::Instant>);
    let stream = futures_util::stream::unfold(state, move |(mut it, sent, start)| async move {
        let p = it.next()?;
        let start = start.unwrap_or_else(tokio::time::Instant::now);
        if sent > ahead {
            tokio::time::sleep_until(start + Duration::from_secs_f64((sent - ahead) as f64 / pace))
                .await;
        }
        let n = p.len() as u64;
        Some((Ok::<Bytes, std::io::Error>(p), (it, sent + n, Some(start))))
    });
    reqwest::Body::wrap_stream(stream)
}

async fn read_chunk(
    file: &mut tokio::fs::File,
    path: &Path,
    offset: u64,
    len: u64,
) -> Result<Bytes> {
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(|e| Error::io(path, e))?;
    let mut buf = vec![0u8; len as usize];
    file.read_exact(&mut buf)
        .await
        .map_err(|e| Error::io(path, e))?;
    Ok(Bytes::from(buf))
}

fn rate_time(len: u64, min_rate: u64) -> Duration {
    Duration::from_secs_f64(len as f64 / min_rate.max(1) as f64)
}

fn sha1_header(data: &[u8]) -> String {
    format!(
        "sha1 {}",
        base64::engine::general_purpose::STANDARD.encode(Sha1::digest(data))
    )
}

/// `key base64(value)` pairs, comma-separated (tus Upload-Metadata).
pub fn encode_metadata(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(k, _)| !k.is_empty() && !k.contains([' ', ',']))
        .map(|(k, v)| {
            format!(
                "{k} {}",
                base64::engine::general_purpose::STANDARD.encode(v.as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn header_u64(h: &HeaderMap, name: &str) -> Option<u64> {
    h.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without the longer chunks of a clean link (tested on their own).
    fn opts() -> TusOptions {
        TusOptions {
            min_chunk: 32 * 1024,
            max_chunk: 8 << 20,
            initial_chunk: 256 * 1024,
            clean_chunk_time: Duration::ZERO,
            ..Default::default()
        }
    }

    #[test]
    fn on_a_clean_link_chunks_are_longer_until_a_connection_breaks() {
        let o = TusOptions {
            clean_chunk_time: Duration::from_secs(30),
            ..opts()
        };
        let mut s = ChunkSizer::new(&o);
        s.on_rtt(Duration::from_millis(300));
        // 48 kB/s: 30 s is 1.44 MB (40 round trips would be 576 kB).
        s.on_success(
            256 * 1024,
            Duration::from_secs_f64(256.0 * 1024.0 / 48_000.0 + 0.3),
        );
        assert!(
            (1_430_000..=1_450_000).contains(&s.current()),
            "{}",
            s.current()
        );
        s.on_broken();
        s.on_success(
            s.current(),
            Duration::from_secs_f64(s.current() as f64 / 48_000.0 + 0.3),
        );
        assert!(
            (570_000..=580_000).contains(&s.current()),
            "after a cut, 40 round trips: {}",
            s.current()
        );
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
    fn with_a_known_round_trip_chunks_last_many_round_trips_and_are_paced_at_the_link_rate() {
        let mut s = ChunkSizer::new(&opts());
        s.on_rtt(Duration::from_millis(650));
        s.on_rtt(Duration::from_millis(300));
        assert_eq!(
            s.rtt(),
            Some(Duration::from_millis(300)),
            "the smallest round trip is kept"
        );
        assert_eq!(
            s.pace(),
            None,
            "nothing measured yet: the first chunk is not paced"
        );
        assert_eq!(
            s.creation_chunk(1 << 20),
            0,
            "an unmeasured link: created empty first"
        );
        let mut clean = s.clone();
        clean.on_success(
            256 * 1024,
            Duration::from_secs_f64(256.0 * 1024.0 / 48_000.0 + 0.3),
        );
        assert_eq!(
            clean.creation_chunk(1 << 20),
            clean.current(),
            "a measured clean link: the first chunk goes with the creation"
        );
        s.on_broken();
        assert_eq!(
            s.creation_chunk(1 << 20),
            0,
            "after a cut: created empty first"
        );
        assert_eq!(
            s.creation_chunk(60_000),
            60_000,
            "small files still travel with their creation"
        );
        // Rural 3G: 48 kB/s and 300 ms; a chunk of n bytes is acknowledged n/48000 s + one
        // round trip after its first byte.
        for _ in 0..8 {
            let n = s.current();
            s.on_success(n, Duration::from_secs_f64(n as f64 / 48_000.0 + 0.3));
        }
        // 40 round trips (12 s) of 48 kB/s is 576 kB: the pause between chunks costs 2.5 %.
        assert!(
            (560_000..=580_000).contains(&s.current()),
            "{}",
            s.current()
        );
        let p = s.pace().unwrap();
        assert!(
            (48_000.0 * 1.05..=48_000.0 * 1.07).contains(&p),
            "paced just above the link: {p}"
        );
        // Without pacing the sizer still measures, but hands out no pace; nor on a link
        // that never broke a connection.
        let mut q = ChunkSizer::new(&TusOptions {
            pace: false,
            ..opts()
        });
        q.on_broken();
        q.on_success(256 * 1024, Duration::from_secs(1));
        assert_eq!(q.pace(), None);
        let mut clean = ChunkSizer::new(&opts());
        clean.on_success(256 * 1024, Duration::from_secs(1));
        assert_eq!(clean.pace(), None);
    }

    #[test]
    fn a_pace_that_held_the_link_back_is_raised_until_the_link_limits_again() {
        let mut s = ChunkSizer::new(&opts());
        s.on_broken();
        s.on_rtt(Duration::from_millis(50));
        s.on_success(
            256 * 1024,
            Duration::from_secs_f64(256.0 * 1024.0 / 48_000.0 + 0.05),
        );
        // The link became 200 kB/s: a chunk paced below that is delivered at the pace.
        for _ in 0..12 {
            let n = s.current();
            let rate = s.pace().unwrap().min(200_000.0);
            s.on_success(n, Duration::from_secs_f64(n as f64 / rate + 0.05));
        }
        let p = s.pace().unwrap();
        assert!((200_000.0 * 1.05..=200_000.0 * 1.07).contains(&p), "{p}");
    }

    #[test]
    fn a_cut_chunk_still_measures_the_link_from_what_the_server_kept() {
        let mut s = ChunkSizer::new(&opts());
        s.on_broken();
        s.on_rtt(Duration::from_millis(300));
        // Too little kept to say anything.
        s.on_partial(10_000, Duration::from_secs(1));
        assert_eq!(s.pace(), None);
        // 48 kB/s: 150 kB kept when the cut came 3.275 s after the first byte (the last
        // kept byte needed half a round trip to arrive).
        s.on_partial(
            150_000,
            Duration::from_secs_f64(150_000.0 / 48_000.0 + 0.15),
        );
        let p = s.pace().unwrap();
        assert!((48_000.0 * 1.05..=48_000.0 * 1.07).contains(&p), "{p}");
        assert_eq!(s.current(), 256 * 1024, "the size stays");
    }

    #[test]
    fn a_short_tail_rides_with_the_last_chunk() {
        let s = ChunkSizer::new(&opts());
        assert_eq!(s.next_len(100), 100);
        assert_eq!(
            s.next_len(384 * 1024),
            384 * 1024,
            "half a chunk more: one request"
        );
        assert_eq!(s.next_len(384 * 1024 + 1), 256 * 1024);
        assert_eq!(s.creation_chunk(40_000), 40_000);
    }

    #[test]
    fn the_next_file_starts_a_round_trip_before_the_last_byte_leaves_on_a_clean_measured_link() {
        let mut s = ChunkSizer::new(&opts());
        s.on_rtt(Duration::from_millis(300));
        assert_eq!(s.handover_after(100_000), None, "rate not measured yet");
        // 48 kB/s: 256 KiB acknowledged 256 KiB / 48 kB/s + one round trip after the first byte.
        s.on_success(
            256 * 1024,
            Duration::from_secs_f64(256.0 * 1024.0 / 48_000.0 + 0.3),
        );
        let d = s.handover_after(480_000).unwrap();
        assert!(
            (d.as_secs_f64() - (10.0 - 0.3)).abs() < 0.01,
            "480 kB leave in 10 s; the handshake takes 0.3 s: {d:?}"
        );
        assert_eq!(
            s.handover_after(1000),
            Some(Duration::ZERO),
            "a short last request: at once"
        );
        s.on_broken();
        assert_eq!(
            s.handover_after(480_000),
            None,
            "after a cut: one paced upload at a time"
        );
    }

    #[test]
    fn merged_copies_keep_any_broken_connection_and_the_smaller_round_trip() {
        let mut engine = ChunkSizer::new(&opts());
        engine.on_rtt(Duration::from_millis(200));
        let mut copy = engine.clone();
        copy.on_rtt(Duration::from_millis(250));
        copy.on_broken();
        copy.on_success(256 * 1024, Duration::from_secs(2));
        let mut other = engine.clone();
        other.merge(&copy);
        engine.merge(&copy);
        assert_eq!(engine.rtt(), Some(Duration::from_millis(200)));
        assert!(
            engine.pace().is_some(),
            "the copy's break and measurement are kept"
        );
        // A copy taken before the break, merged later, does not clear it.
        assert!(!engine.is_clean());
        let stale = ChunkSizer::new(&opts());
        engine.merge(&stale);
        assert!(!engine.is_clean(), "still broken: no pipelining, pacing on");
        assert_eq!(other.current(), copy.current());
    }

    #[test]
    fn a_failure_halves_only_what_the_caller_says_was_lost() {
        let mut s = ChunkSizer::new(&opts());
        s.on_failure();
        assert_eq!(s.current(), 128 * 1024);
    }

    #[test]
    fn metadata_is_base64_encoded_and_bad_keys_dropped() {
        let m = encode_metadata(&[
            ("filename".into(), "ảnh 1.jpg".into()),
            ("bad key".into(), "x".into()),
            ("filetype".into(), "image/jpeg".into()),
        ]);
        assert_eq!(m, "filename 4bqjbmggMS5qcGc=,filetype aW1hZ2UvanBlZw==");
    }

    #[test]
    fn capabilities_are_read_from_options_headers() {
        let mut h = HeaderMap::new();
        h.insert(
            "tus-extension",
            "creation,creation-with-upload,termination,checksum,expiration"
                .parse()
                .unwrap(),
        );
        h.insert("tus-checksum-algorithm", "md5,sha1".parse().unwrap());
        h.insert("tus-max-size", "1048576".parse().unwrap());
        let c = Capabilities::from_headers(&h);
        assert!(c.creation_with_upload && c.checksum_sha1 && c.termination && c.expiration);
        assert_eq!(c.max_size, Some(1 << 20));
        // @tus/file-store advertises no checksum: we must not send Upload-Checksum then.
        h.insert(
            "tus-extension",
            "creation,creation-with-upload,termination,expiration"
                .parse()
                .unwrap(),
        );
        assert!(!Capabilities::from_headers(&h).checksum_sha1);
    }

    #[test]
    fn sha1_header_matches_rfc_example() {
        assert_eq!(sha1_header(b"abc"), "sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    }
}
