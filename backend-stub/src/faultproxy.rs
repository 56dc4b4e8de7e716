//! A fault-injecting TCP proxy for loopback tests and demos: put it between the app and the
//! stub and it makes the network as bad as a countryside 3G link, reproducibly (seeded).
//!
//! Per HTTP request (it follows HTTP/1.1 framing of the client's side) it can:
//! - cut the connection after a random number of the request's bytes (mid-head or mid-body),
//! - stall (stop forwarding for a while, possibly longer than the client's timeout),
//! - answer 500 / 503 / 429 itself, with `Retry-After` on 503/429, without forwarding;
//!
//! per connection it can cut the answer after a random number of bytes (the server did the
//! work, the client never hears of it), and it adds random latency to every read.
//! It counts the bytes the client sent, which is what "bytes on the wire" means in tests.
//! Bind is always loopback.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

/// What goes wrong, and how often. Probabilities are in `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Per request: cut the connection at a uniformly random byte of the request.
    pub cut_request: f64,
    /// Per connection: cut the answer stream after a random number of bytes in
    /// `[0, cut_response_within)`.
    pub cut_response: f64,
    pub cut_response_within: u64,
    /// Per request: stop forwarding it for a random time up to `stall_max`.
    pub stall: f64,
    pub stall_max: Duration,
    /// Random latency up to this on every forwarded read, both directions.
    pub delay_max: Duration,
    /// Per request: answer 500, 503 or 429 without forwarding (then close).
    pub http_error: f64,
    /// `Retry-After` seconds on injected 503/429.
    pub retry_after_s: u64,
    /// Refuse every connection (the network is down).
    pub offline: bool,
    pub seed: u64,
}

impl FaultConfig {
    /// A transparent proxy (still counting bytes).
    pub fn clean() -> Self {
        Self {
            cut_request: 0.0,
            cut_response: 0.0,
            cut_response_within: 4096,
            stall: 0.0,
            stall_max: Duration::ZERO,
            delay_max: Duration::ZERO,
            http_error: 0.0,
            retry_after_s: 1,
            offline: false,
            seed: 1,
        }
    }
}

/// Counters since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    pub connections: u64,
    /// Bytes received from clients (everything they put on the wire).
    pub bytes_up: u64,
    /// Bytes received from the server.
    pub bytes_down: u64,
    pub requests: u64,
    pub cut_requests: u64,
    pub cut_responses: u64,
    pub stalls: u64,
    pub injected_errors: u64,
    pub refused: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    requests: AtomicU64,
    cut_requests: AtomicU64,
    cut_responses: AtomicU64,
    stalls: AtomicU64,
    injected_errors: AtomicU64,
    refused: AtomicU64,
}

impl Counters {
    fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }
    fn snapshot(&self) -> ProxyStats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ProxyStats {
            connections: g(&self.connections),
            bytes_up: g(&self.bytes_up),
            bytes_down: g(&self.bytes_down),
            requests: g(&self.requests),
            cut_requests: g(&self.cut_requests),
            cut_responses: g(&self.cut_responses),
            stalls: g(&self.stalls),
            injected_errors: g(&self.injected_errors),
            refused: g(&self.refused),
        }
    }
}

/// A running proxy. Dropping it (or [`FaultProxy::shutdown`]) stops accepting; open
/// connections end with their peers.
pub struct FaultProxy {
    addr: SocketAddr,
    config: Arc<RwLock<FaultConfig>>,
    counters: Arc<Counters>,
    accept: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listen on a free loopback port and forward to `upstream` (which must be loopback).
    pub async fn start(upstream: SocketAddr, config: FaultConfig) -> std::io::Result<FaultProxy> {
        if !upstream.ip().is_loopback() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "fault proxy forwards to loopback only"));
        }
        let listener = TcpListener::bind(SocketAddr::new(upstream.ip(), 0)).await?;
        let addr = listener.local_addr()?;
        let config = Arc::new(RwLock::new(config));
        let counters = Arc::new(Counters::default());
        let (cfg, cnt) = (config.clone(), counters.clone());
        let accept = tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                let Ok((client, _)) = listener.accept().await else { continue };
                n += 1;
                let c = cfg.read().unwrap_or_else(|p| p.into_inner()).clone();
                if c.offline {
                    Counters::add(&cnt.refused, 1);
                    drop(client);
                    continue;
                }
                Counters::add(&cnt.connections, 1);
                let rng = StdRng::seed_from_u64(c.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(n));
                tokio::spawn(connection(client, upstream, addr, cfg.clone(), cnt.clone(), rng));
            }
        });
        Ok(FaultProxy { addr, config, counters, accept })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Change the faults for connections opened from now on.
    pub fn set_config(&self, config: FaultConfig) {
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
    }

    pub fn config(&self) -> FaultConfig {
        self.config.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn stats(&self) -> ProxyStats {
        self.counters.snapshot()
    }

    pub fn shutdown(self) {
        self.accept.abort();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

enum UpEnd {
    /// The client finished sending (EOF): let the answer finish.
    Eof,
    /// We cut, or answered ourselves: close everything now.
    Abort,
}

/// Faults are decided per request from the config current at that moment, so changing it
/// also affects pooled keep-alive connections.
async fn connection(client: TcpStream, upstream: SocketAddr, me: SocketAddr, cfg: Arc<RwLock<FaultConfig>>, cnt: Arc<Counters>, mut rng: StdRng) {
    let Ok(server) = TcpStream::connect(upstream).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let cw = Arc::new(Mutex::new(cw));
    // Set by the request side when it decides to cut the answer to the current request
    // (HTTP/1.1 clients do not pipeline, so the next answer bytes are that answer's).
    let resp_cut = Arc::new(AtomicU64::new(NO_CUT));
    let down_rng = StdRng::seed_from_u64(rng.random());
    let up = upstream_pump(cr, sw, cw.clone(), &cfg, &cnt, rng, &resp_cut);
    let rewrite = LocationRewrite::new(upstream, me);
    let down = downstream_pump(sr, cw.clone(), &cfg, &cnt, &resp_cut, down_rng, rewrite);
    tokio::pin!(up, down);
    tokio::select! {
        end = &mut up => {
            if let UpEnd::Eof = end {
                let _ = (&mut down).await;
            }
        }
        _ = &mut down => {}
    }
    // Dropping both halves closes both sockets.
}

/// Where we are in the client's byte stream.
enum Framing {
    /// Collecting a request head.
    Head(Vec<u8>),
    /// Forwarding a body with this many bytes left (and the request's planned faults).
    Body { left: u64 },
    /// Framing we do not follow (chunked): forward blindly, no more injections.
    Opaque,
}

struct Plan {
    /// Cut after this many more bytes of the current request.
    cut_after: Option<u64>,
    stall_at: Option<(u64, Duration)>,
    /// Bytes of the current request forwarded so far.
    sent: u64,
}

async fn upstream_pump(
    mut cr: OwnedReadHalf,
    mut sw: OwnedWriteHalf,
    cw: Arc<Mutex<OwnedWriteHalf>>,
    shared_cfg: &RwLock<FaultConfig>,
    cnt: &Counters,
    mut rng: StdRng,
    resp_cut: &AtomicU64,
) -> UpEnd {
    let mut cfg = current(shared_cfg);
    let mut buf = vec![0u8; 16 * 1024];
    let mut framing = Framing::Head(Vec::new());
    let mut plan = Plan { cut_after: None, stall_at: None, sent: 0 };
    loop {
        let n = match cr.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = sw.shutdown().await;
                return UpEnd::Eof;
            }
            Ok(n) => n,
        };
        Counters::add(&cnt.bytes_up, n as u64);
        delay(&cfg, &mut rng).await;
        let mut data = &buf[..n];
        while !data.is_empty() {
            match &mut framing {
                Framing::Opaque => {
                    if sw.write_all(data).await.is_err() {
                        return UpEnd::Abort;
                    }
                    data = &[];
                }
                Framing::Head(head) => {
                    head.extend_from_slice(data);
                    data = &[];
                    let Some(end) = find_head_end(head) else {
                        if head.len() > 64 * 1024 {
                            framing = Framing::Opaque;
                        }
                        continue;
                    };
                    let whole = std::mem::take(head);
                    let (head_bytes, rest) = whole.split_at(end);
                    let info = parse_head(head_bytes);
                    Counters::add(&cnt.requests, 1);
                    cfg = current(shared_cfg);
                    if rng.random::<f64>() < cfg.cut_response {
                        resp_cut.store(rng.random_range(0..cfg.cut_response_within.max(1)), Ordering::SeqCst);
                    }
                    // Decide this request's fate now that its head is complete.
                    if rng.random::<f64>() < cfg.http_error {
                        Counters::add(&cnt.injected_errors, 1);
                        // Read (and count) the body the client is sending, then answer.
                        let mut left = info.content_length.unwrap_or(0).saturating_sub(rest.len() as u64);
                        while left > 0 {
                            match cr.read(&mut buf[..(left.min(16 * 1024) as usize)]).await {
                                Ok(0) | Err(_) => return UpEnd::Abort,
                                Ok(k) => {
                                    Counters::add(&cnt.bytes_up, k as u64);
                                    left -= k as u64;
                                }
                            }
                        }
                        let status = [500u16, 503, 429][rng.random_range(0..3)];
                        let _ = cw.lock().await.write_all(injected_response(status, cfg.retry_after_s, info.is_head).as_bytes()).await;
                        return UpEnd::Abort;
                    }
                    let total = head_bytes.len() as u64 + info.content_length.unwrap_or(0);
                    plan = Plan {
                        cut_after: (rng.random::<f64>() < cfg.cut_request).then(|| rng.random_range(0..total.max(1))),
                        stall_at: (rng.random::<f64>() < cfg.stall && !cfg.stall_max.is_zero())
                            .then(|| (rng.random_range(0..total.max(1)), cfg.stall_max.mul_f64(rng.random::<f64>()))),
                        sent: 0,
                    };
                    framing = match (info.chunked, info.content_length) {
                        (true, _) => Framing::Opaque,
                        (false, Some(len)) if len > 0 => Framing::Body { left: len },
                        _ => Framing::Head(Vec::new()),
                    };
                    if forward(&mut sw, head_bytes, &mut plan, cnt).await.is_err() {
                        return UpEnd::Abort;
                    }
                    data = &[];
                    // Bytes after the head in the same read: body (or the next request).
                    let rest = rest.to_vec();
                    if !rest.is_empty() {
                        match push_rest(&mut framing, &mut sw, &rest, &mut plan, cnt).await {
                            Ok(()) => {}
                            Err(()) => return UpEnd::Abort,
                        }
                    }
                }
                Framing::Body { left } => {
                    let take = (*left).min(data.len() as u64) as usize;
                    let (body, after) = data.split_at(take);
                    *left -= take as u64;
                    if forward(&mut sw, body, &mut plan, cnt).await.is_err() {
                        return UpEnd::Abort;
                    }
                    if *left == 0 {
                        framing = Framing::Head(Vec::new());
                    }
                    data = after;
                }
            }
        }
    }
}

/// Bytes that arrived with a head: route them through the framing without recursion.
async fn push_rest(framing: &mut Framing, sw: &mut OwnedWriteHalf, rest: &[u8], plan: &mut Plan, cnt: &Counters) -> Result<(), ()> {
    match framing {
        Framing::Body { left } => {
            let take = (*left).min(rest.len() as u64) as usize;
            *left -= take as u64;
            forward(sw, &rest[..take], plan, cnt).await?;
            let after = &rest[take..];
            if *left == 0 {
                *framing = Framing::Head(after.to_vec());
            } else if !after.is_empty() {
                unreachable!("take < rest only when the body ends");
            }
            Ok(())
        }
        Framing::Head(h) => {
            // A pipelined next request; it is framed when more bytes arrive (or now, by the
            // caller's next loop). Keep it.
            h.extend_from_slice(rest);
            Ok(())
        }
        Framing::Opaque => sw.write_all(rest).await.map_err(|_| ()),
    }
}

/// Forward part of the current request, applying its planned stall and cut.
async fn forward(sw: &mut OwnedWriteHalf, mut data: &[u8], plan: &mut Plan, cnt: &Counters) -> Result<(), ()> {
    while !data.is_empty() {
        let mut limit = data.len() as u64;
        if let Some(c) = plan.cut_after {
            limit = limit.min(c.saturating_sub(plan.sent));
        }
        if let Some((s, _)) = plan.stall_at {
            if s > plan.sent {
                limit = limit.min(s - plan.sent);
            }
        }
        let (now, later) = data.split_at(limit as usize);
        if !now.is_empty() {
            sw.write_all(now).await.map_err(|_| ())?;
            plan.sent += now.len() as u64;
        }
        data = later;
        if plan.cut_after.is_some_and(|c| plan.sent >= c) {
            Counters::add(&cnt.cut_requests, 1);
            let _ = sw.flush().await;
            return Err(());
        }
        if let Some((s, d)) = plan.stall_at {
            if plan.sent >= s {
                Counters::add(&cnt.stalls, 1);
                plan.stall_at = None;
                tokio::time::sleep(d).await;
            }
        }
    }
    Ok(())
}

async fn downstream_pump(
    mut sr: OwnedReadHalf,
    cw: Arc<Mutex<OwnedWriteHalf>>,
    shared_cfg: &RwLock<FaultConfig>,
    cnt: &Counters,
    resp_cut: &AtomicU64,
    mut rng: StdRng,
    rewrite: Option<LocationRewrite>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match sr.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = cw.lock().await.shutdown().await;
                return;
            }
            Ok(n) => n,
        };
        Counters::add(&cnt.bytes_down, n as u64);
        delay(&current(shared_cfg), &mut rng).await;
        if let Some(r) = &rewrite {
            r.apply(&mut buf[..n]);
        }
        let chunk = &buf[..n];
        let c = resp_cut.load(Ordering::SeqCst);
        if c != NO_CUT {
            if (chunk.len() as u64) >= c {
                let _ = cw.lock().await.write_all(&chunk[..c as usize]).await;
                Counters::add(&cnt.cut_responses, 1);
                return;
            }
            resp_cut.store(c - chunk.len() as u64, Ordering::SeqCst);
        }
        if cw.lock().await.write_all(chunk).await.is_err() {
            return;
        }
    }
}

/// Like a reverse proxy's `proxy_redirect`: an absolute `Location` pointing at the
/// upstream (a tus upload URL) is rewritten to point at the proxy, so follow-up requests
/// also cross the faulty link. Done in place, so only when both origins have the same
/// length (loopback ephemeral ports nearly always do); otherwise left alone.
struct LocationRewrite {
    from: Vec<u8>,
    to: Vec<u8>,
}

impl LocationRewrite {
    fn new(upstream: SocketAddr, me: SocketAddr) -> Option<Self> {
        let (from, to) = (format!("http://{upstream}").into_bytes(), format!("http://{me}").into_bytes());
        (from.len() == to.len()).then_some(Self { from, to })
    }

    fn apply(&self, buf: &mut [u8]) {
        const KEY: &[u8] = b"\r\nlocation:";
        let mut i = 0;
        while i + KEY.len() <= buf.len() {
            if buf[i..i + KEY.len()].eq_ignore_ascii_case(KEY) {
                let mut j = i + KEY.len();
                while j < buf.len() && buf[j] == b' ' {
                    j += 1;
                }
                if buf.len() >= j + self.from.len() && buf[j..j + self.from.len()] == self.from[..] {
                    buf[j..j + self.to.len()].copy_from_slice(&self.to);
                }
                i = j;
            } else {
                i += 1;
            }
        }
    }
}

const NO_CUT: u64 = u64::MAX;

fn current(cfg: &RwLock<FaultConfig>) -> FaultConfig {
    cfg.read().unwrap_or_else(|p| p.into_inner()).clone()
}

async fn delay(cfg: &FaultConfig, rng: &mut StdRng) {
    if !cfg.delay_max.is_zero() {
        tokio::time::sleep(cfg.delay_max.mul_f64(rng.random::<f64>())).await;
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

struct HeadInfo {
    content_length: Option<u64>,
    chunked: bool,
    is_head: bool,
}

fn parse_head(head: &[u8]) -> HeadInfo {
    let text = String::from_utf8_lossy(head);
    let mut info = HeadInfo { content_length: None, chunked: false, is_head: text.starts_with("HEAD ") };
    for line in text.split("\r\n").skip(1) {
        let Some((k, v)) = line.split_once(':') else { continue };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        if k == "content-length" {
            info.content_length = v.parse().ok();
        } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
            info.chunked = true;
        }
    }
    info
}

fn injected_response(status: u16, retry_after_s: u64, is_head: bool) -> String {
    let reason = match status {
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let body = if is_head {
        String::new()
    } else {
        format!(r#"{{"type":"urn:phananh:problem:injected","title":"{reason}","status":{status},"detail":"injected by the fault proxy"}}"#)
    };
    let retry = if status == 500 { String::new() } else { format!("Retry-After: {retry_after_s}\r\n") };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/problem+json\r\n{retry}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny HTTP/1.1 echo server: answers each request with the length of its body.
    async fn echo_server() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else { return };
                tokio::spawn(async move {
                    let mut acc = Vec::new();
                    let mut buf = [0u8; 8192];
                    loop {
                        let Some(end) = find_head_end(&acc) else {
                            match s.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => acc.extend_from_slice(&buf[..n]),
                            }
                            continue;
                        };
                        let len = parse_head(&acc[..end]).content_length.unwrap_or(0) as usize;
                        while acc.len() < end + len {
                            match s.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => acc.extend_from_slice(&buf[..n]),
                            }
                        }
                        let body = format!("{len}");
                        let resp = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                        if s.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                        acc.drain(..end + len);
                    }
                });
            }
        });
        addr
    }

    async fn request(addr: SocketAddr, body_len: usize) -> std::io::Result<String> {
        let mut s = TcpStream::connect(addr).await?;
        let req = format!("PATCH /x HTTP/1.1\r\nHost: t\r\nContent-Length: {body_len}\r\n\r\n");
        s.write_all(req.as_bytes()).await?;
        s.write_all(&vec![b'a'; body_len]).await?;
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await??;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
            if let Some(end) = find_head_end(&out) {
                let len = parse_head(&out[..end]).content_length.unwrap_or(0) as usize;
                if out.len() >= end + len {
                    break;
                }
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn upstream_locations_are_rewritten_to_the_proxy() {
        let up: SocketAddr = "127.0.0.1:41234".parse().unwrap();
        let me: SocketAddr = "127.0.0.1:51111".parse().unwrap();
        let r = LocationRewrite::new(up, me).unwrap();
        let mut resp = b"HTTP/1.1 201 Created\r\nLocation: http://127.0.0.1:41234/files/abc\r\nX: http://127.0.0.1:41234/\r\n\r\n".to_vec();
        r.apply(&mut resp);
        let s = String::from_utf8(resp).unwrap();
        assert!(s.contains("Location: http://127.0.0.1:51111/files/abc\r\n"), "{s}");
        assert!(s.contains("X: http://127.0.0.1:41234/"), "only Location is rewritten: {s}");
        assert!(LocationRewrite::new(up, "127.0.0.1:80".parse().unwrap()).is_none());
    }

    #[tokio::test]
    async fn clean_proxy_forwards_and_counts() {
        let up = echo_server().await;
        let p = FaultProxy::start(up, FaultConfig::clean()).await.unwrap();
        let r = request(p.addr(), 100_000).await.unwrap();
        assert!(r.starts_with("HTTP/1.1 200") && r.ends_with("100000"), "{r}");
        let s = p.stats();
        assert!(s.bytes_up >= 100_000 && s.bytes_up < 100_200, "{s:?}");
        assert_eq!((s.requests, s.cut_requests, s.injected_errors), (1, 0, 0));
    }

    #[tokio::test]
    async fn always_cut_never_delivers_the_whole_request() {
        let up = echo_server().await;
        let cfg = FaultConfig { cut_request: 1.0, ..FaultConfig::clean() };
        let p = FaultProxy::start(up, cfg).await.unwrap();
        for _ in 0..20 {
            let r = request(p.addr(), 50_000).await;
            assert!(!matches!(&r, Ok(s) if s.starts_with("HTTP/1.1 200")), "{r:?}");
        }
        assert_eq!(p.stats().cut_requests, 20);
    }

    #[tokio::test]
    async fn injected_errors_carry_retry_after_and_offline_refuses() {
        let up = echo_server().await;
        let cfg = FaultConfig { http_error: 1.0, retry_after_s: 7, ..FaultConfig::clean() };
        let p = FaultProxy::start(up, cfg).await.unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..30 {
            let r = request(p.addr(), 1000).await.unwrap();
            let status: u16 = r[9..12].parse().unwrap();
            if status != 500 {
                assert!(r.contains("Retry-After: 7\r\n"), "{r}");
            }
            seen.insert(status);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [429, 500, 503]);
        p.set_config(FaultConfig { offline: true, ..FaultConfig::clean() });
        assert!(request(p.addr(), 10).await.is_err() || p.stats().refused > 0);
        assert_eq!(p.stats().refused, 1);
    }

    #[tokio::test]
    async fn a_cut_response_reaches_the_server_but_not_the_client() {
        let up = echo_server().await;
        let cfg = FaultConfig { cut_response: 1.0, cut_response_within: 5, ..FaultConfig::clean() };
        let p = FaultProxy::start(up, cfg).await.unwrap();
        let r = request(p.addr(), 10).await;
        assert!(!matches!(&r, Ok(s) if s.starts_with("HTTP/1.1 200 OK")), "{r:?}");
        assert_eq!(p.stats().cut_responses, 1);
    }
}
