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
//!
//! Started with a [`LinkConfig`] ([`FaultProxy::start_link`]) it also plays the radio link
//! itself, shared by every connection through the proxy: per direction a token-bucket
//! bottleneck (rate, burst), a bounded FIFO queue in front of it (when it is full the sender
//! is held back, so bufferbloat exists: a long queue adds delay), a one-way propagation delay,
//! and a new connection's handshake costs one round trip. Link cuts come at exponentially
//! distributed distances (in uplink bytes, drawn from the link's seed): a cut resets every
//! open connection and loses what was queued or still propagating in both directions; bytes
//! already delivered stay delivered. The existing per-request faults apply before the link.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Mutex, Notify};
use tokio::time::Instant;

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
    /// When set, the per-request faults (cuts, stalls, injected errors) hit only requests
    /// whose target contains this text (e.g. `auth/refresh`); others pass untouched.
    pub only_paths_containing: Option<String>,
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
            only_paths_containing: None,
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
    /// Link model: cuts so far.
    pub link_cuts: u64,
    /// Link model: client bytes that reached the server (what crossed the uplink).
    pub bytes_up_delivered: u64,
    /// Link model: uplink bytes accepted from clients and then lost in a cut (queued or
    /// propagating). Bytes read but not yet delivered at any moment are at most the queue
    /// plus one read plus what propagates (rate × latency).
    pub bytes_up_lost: u64,
    /// Of `bytes_up`, the request heads (request line and headers up to the blank line) of
    /// the requests counted in `requests`.
    pub head_bytes_up: u64,
    /// Of `bytes_up`, an upper bound on the bytes of requests a fault destroyed or may have
    /// destroyed: answered with an injected error, cut, stalled (the client may give up),
    /// abandoned by the client mid-body, or whose answer was cut. A client that sends again
    /// only what faults destroyed puts at most payload + heads + this on the wire.
    pub bytes_up_faulted: u64,
}

/// One request as the proxy saw it (see [`FaultProxy::request_log`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// When its head was complete, since the proxy started.
    pub at: Duration,
    /// Connection number (1 for the first accepted connection).
    pub connection: u64,
    pub method: String,
    /// The request target, cut to 80 characters.
    pub path: String,
    pub head_bytes: u64,
    /// `Content-Length` (0 when absent or chunked).
    pub body_bytes: u64,
}

/// Requests kept in the log; later ones are counted but not logged.
const REQUEST_LOG_MAX: usize = 10_000;

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
    link_cuts: AtomicU64,
    bytes_up_delivered: AtomicU64,
    bytes_up_lost: AtomicU64,
    head_bytes_up: AtomicU64,
    bytes_up_faulted: AtomicU64,
    epoch: std::sync::OnceLock<Instant>,
    log: std::sync::Mutex<Vec<RequestRecord>>,
}

impl Counters {
    fn record(&self, connection: u64, head: &[u8], body_bytes: u64) {
        Counters::add(&self.requests, 1);
        Counters::add(&self.head_bytes_up, head.len() as u64);
        let at = self.epoch.get().map_or(Duration::ZERO, |e| e.elapsed());
        let line = String::from_utf8_lossy(
            &head[..head.iter().position(|b| *b == b'\r').unwrap_or(head.len())],
        )
        .into_owned();
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let path: String = parts.next().unwrap_or_default().chars().take(80).collect();
        let mut log = lock_std(&self.log);
        if log.len() < REQUEST_LOG_MAX {
            log.push(RequestRecord {
                at,
                connection,
                method,
                path,
                head_bytes: head.len() as u64,
                body_bytes,
            });
        }
    }

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
            link_cuts: g(&self.link_cuts),
            bytes_up_delivered: g(&self.bytes_up_delivered),
            bytes_up_lost: g(&self.bytes_up_lost),
            head_bytes_up: g(&self.head_bytes_up),
            bytes_up_faulted: g(&self.bytes_up_faulted),
        }
    }
}

/// A running proxy. Dropping it (or [`FaultProxy::shutdown`]) stops accepting; open
/// connections end with their peers.
pub struct FaultProxy {
    addr: SocketAddr,
    config: Arc<RwLock<FaultConfig>>,
    counters: Arc<Counters>,
    link: Option<Arc<Link>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl FaultProxy {
    /// Listen on a free loopback port and forward to `upstream` (which must be loopback).
    pub async fn start(upstream: SocketAddr, config: FaultConfig) -> std::io::Result<FaultProxy> {
        Self::start_link(upstream, config, LinkConfig::ideal()).await
    }

    /// Like [`FaultProxy::start`], and every connection crosses the shaped `link`.
    pub async fn start_link(
        upstream: SocketAddr,
        config: FaultConfig,
        link: LinkConfig,
    ) -> std::io::Result<FaultProxy> {
        if !upstream.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "fault proxy forwards to loopback only",
            ));
        }
        let listener = TcpListener::bind(SocketAddr::new(upstream.ip(), 0)).await?;
        let addr = listener.local_addr()?;
        let config = Arc::new(RwLock::new(config));
        let counters = Arc::new(Counters::default());
        let _ = counters.epoch.set(Instant::now());
        let mut tasks = Vec::new();
        let link = (!link.is_ideal()).then(|| {
            let l = Arc::new(Link::new(link, counters.clone()));
            tasks.extend(Link::spawn_shapers(&l));
            l
        });
        let (cfg, cnt, lk) = (config.clone(), counters.clone(), link.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                n += 1;
                let c = cfg.read().unwrap_or_else(|p| p.into_inner()).clone();
                if c.offline {
                    Counters::add(&cnt.refused, 1);
                    drop(client);
                    continue;
                }
                Counters::add(&cnt.connections, 1);
                let rng = StdRng::seed_from_u64(
                    c.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(n),
                );
                tokio::spawn(connection(
                    client,
                    n,
                    upstream,
                    addr,
                    cfg.clone(),
                    cnt.clone(),
                    rng,
                    lk.clone(),
                ));
            }
        }));
        Ok(FaultProxy {
            addr,
            config,
            counters,
            link,
            tasks,
        })
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
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn stats(&self) -> ProxyStats {
        self.counters.snapshot()
    }

    /// Every request so far (the first 10,000), in the order their heads were complete.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        lock_std(&self.counters.log).clone()
    }

    /// The link this proxy plays (ideal when started without one).
    pub fn link_config(&self) -> LinkConfig {
        self.link
            .as_ref()
            .map_or_else(LinkConfig::ideal, |l| l.cfg.clone())
    }

    /// Uplink byte positions (counted over every connection) at which the link was cut.
    pub fn cut_log(&self) -> Vec<u64> {
        self.link
            .as_ref()
            .map(|l| lock_std(&l.cuts).log.clone())
            .unwrap_or_default()
    }

    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

// ----- the link model --------------------------------------------------------------------

/// One direction of the radio link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkDirection {
    /// Bottleneck rate in kbit/s (1 kbit = 1000 bit); 0 means not shaped.
    pub rate_kbit: u64,
    /// One-way propagation delay of every byte.
    pub latency: Duration,
    /// Bytes that may wait in front of the bottleneck (the modem's or base station's buffer).
    /// When it is full the sender is held back.
    pub queue_bytes: u64,
    /// Token-bucket depth: bytes that may leave back to back after an idle moment. Over any
    /// interval `t` at most `burst_bytes + rate × t` bytes leave.
    pub burst_bytes: u64,
}

impl LinkDirection {
    /// No bottleneck, no delay.
    pub const fn ideal() -> Self {
        Self {
            rate_kbit: 0,
            latency: Duration::ZERO,
            queue_bytes: 0,
            burst_bytes: 0,
        }
    }

    /// `rate_kbit` with `latency` one way, a queue holding `queue_time` of traffic at that
    /// rate, and a burst of 10 ms of traffic (at least two 1500-byte packets).
    pub fn new(rate_kbit: u64, latency: Duration, queue_time: Duration) -> Self {
        let bps = rate_kbit as f64 * 125.0;
        Self {
            rate_kbit,
            latency,
            queue_bytes: (bps * queue_time.as_secs_f64()) as u64,
            burst_bytes: ((bps / 100.0) as u64).max(3000),
        }
    }

    /// Bytes per second (0 when not shaped).
    pub fn bytes_per_sec(&self) -> f64 {
        self.rate_kbit as f64 * 125.0
    }

    /// Largest piece the shaper moves at once (and the largest read held outside the queue).
    fn packet(&self) -> usize {
        if self.rate_kbit == 0 {
            16 * 1024
        } else {
            // At most half the bucket: a shaper that wakes late keeps the credit of the
            // lateness instead of losing it at the bucket's brim, so timer lateness does not
            // add up over many packets.
            ((self.burst_bytes / 2) as usize).clamp(1, 4096)
        }
    }
}

/// The radio link between the app and the network, shared by all its connections.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// App to server.
    pub up: LinkDirection,
    /// Server to app.
    pub down: LinkDirection,
    /// Mean uplink bytes between two cuts (exponentially distributed); 0: no cuts.
    pub cut_every_bytes: u64,
    /// Seed of the cut positions.
    pub seed: u64,
}

impl LinkConfig {
    /// Loopback as it is: the proxy adds nothing.
    pub fn ideal() -> Self {
        Self {
            up: LinkDirection::ideal(),
            down: LinkDirection::ideal(),
            cut_every_bytes: 0,
            seed: 1,
        }
    }

    pub fn is_ideal(&self) -> bool {
        self.up == LinkDirection::ideal()
            && self.down == LinkDirection::ideal()
            && self.cut_every_bytes == 0
    }

    /// Round-trip time of the empty link.
    pub fn rtt(&self) -> Duration {
        self.up.latency + self.down.latency
    }

    /// Named profiles used by the bench and the tests: `3g-rural` (384 kbit/s up, 1 Mbit/s
    /// down, 150 ms one way, a cut every 200 KB of upload on average), `3g-rural-steady` (the
    /// same without cuts), `2g-edge` (64 / 236 kbit/s, 300 ms), `4g-good` (10 / 30 Mbit/s,
    /// 25 ms). Queues hold about 1.3 s of uplink traffic (0.2 s on 4G, 2 s on EDGE).
    pub fn profile(name: &str, seed: u64) -> Option<LinkConfig> {
        let ms = Duration::from_millis;
        let (up, down, cuts) = match name {
            "3g-rural" | "3g-rural-steady" => (
                LinkDirection::new(384, ms(150), ms(1333)),
                LinkDirection::new(1000, ms(150), ms(1000)),
                if name == "3g-rural" { 200_000 } else { 0 },
            ),
            "2g-edge" => (
                LinkDirection::new(64, ms(300), ms(2000)),
                LinkDirection::new(236, ms(300), ms(2000)),
                0,
            ),
            "4g-good" => (
                LinkDirection::new(10_000, ms(25), ms(200)),
                LinkDirection::new(30_000, ms(25), ms(200)),
                0,
            ),
            _ => return None,
        };
        Some(LinkConfig {
            up,
            down,
            cut_every_bytes: cuts,
            seed,
        })
    }

    pub const PROFILES: [&'static str; 4] = ["3g-rural", "3g-rural-steady", "2g-edge", "4g-good"];

    /// The physical limit of delivering `payload` bytes in `files` uploads and one more
    /// request (the report) one after another: the payload at the uplink's rate, plus the
    /// round trips no tus client can avoid: one per file (its last request is answered a
    /// round trip after its last byte left) and one for the report. (A connection may
    /// already be open.) Used by the bench, the link test and `phananh demo --link`.
    pub fn delivery_limit(&self, payload: u64, files: usize) -> Duration {
        let rate = self.up.bytes_per_sec();
        let serial = if rate > 0.0 {
            Duration::from_secs_f64(payload as f64 / rate)
        } else {
            Duration::ZERO
        };
        serial + self.rtt() * (files as u32 + 1)
    }

    /// One line for people: rates, latency, queue, cuts.
    pub fn describe(&self) -> String {
        format!(
            "{} kbit/s up, {} kbit/s down, {} ms one way, uplink queue {} B, {}",
            self.up.rate_kbit,
            self.down.rate_kbit,
            self.up.latency.as_millis(),
            self.up.queue_bytes,
            if self.cut_every_bytes > 0 {
                format!(
                    "a cut every {} B of upload on average (seed {})",
                    self.cut_every_bytes, self.seed
                )
            } else {
                "no cuts".into()
            }
        )
    }
}

/// What a connection's writer task puts into its socket.
enum Msg {
    Data(Vec<u8>),
    /// The sender closed its side: shut down the write side once everything before is written.
    Fin,
}

struct Packet {
    msg: Msg,
    to: mpsc::UnboundedSender<Msg>,
    /// Link generation when queued: a cut in between makes it lost.
    generation: u64,
}

impl Packet {
    fn len(&self) -> u64 {
        match &self.msg {
            Msg::Data(d) => d.len() as u64,
            Msg::Fin => 0,
        }
    }
}

/// One direction: the bounded queue and the token bucket behind it.
struct Shaper {
    dir: LinkDirection,
    up: bool,
    queue: std::sync::Mutex<(VecDeque<Packet>, u64)>,
    room: Notify,
    work: Notify,
}

struct Cuts {
    rng: StdRng,
    /// Uplink bytes sent so far, and the position of the next cut.
    sent: u64,
    next: u64,
    log: Vec<u64>,
}

struct Link {
    cfg: LinkConfig,
    up: Shaper,
    down: Shaper,
    /// Bumped by every cut; connections watch it.
    generation: watch::Sender<u64>,
    cuts: std::sync::Mutex<Cuts>,
    counters: Arc<Counters>,
}

fn lock_std<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Exponentially distributed with the given mean (at least 1).
fn exp_draw(rng: &mut StdRng, mean: u64) -> u64 {
    let u: f64 = rng.random();
    ((-(1.0 - u).ln()) * mean as f64).max(1.0) as u64
}

impl Link {
    fn new(cfg: LinkConfig, counters: Arc<Counters>) -> Link {
        let mut rng = StdRng::seed_from_u64(cfg.seed ^ 0x6C69_6E6B);
        let next = if cfg.cut_every_bytes > 0 {
            exp_draw(&mut rng, cfg.cut_every_bytes)
        } else {
            u64::MAX
        };
        let shaper = |dir: LinkDirection, up| Shaper {
            dir,
            up,
            queue: std::sync::Mutex::new((VecDeque::new(), 0)),
            room: Notify::new(),
            work: Notify::new(),
        };
        Link {
            up: shaper(cfg.up, true),
            down: shaper(cfg.down, false),
            generation: watch::channel(0).0,
            cuts: std::sync::Mutex::new(Cuts {
                rng,
                sent: 0,
                next,
                log: Vec::new(),
            }),
            cfg,
            counters,
        }
    }

    fn generation(&self) -> u64 {
        *self.generation.borrow()
    }

    fn spawn_shapers(link: &Arc<Link>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        for up in [true, false] {
            let (tx, rx) = mpsc::unbounded_channel();
            tasks.push(tokio::spawn(Link::transmit(link.clone(), up, tx)));
            tasks.push(tokio::spawn(Link::propagate(link.clone(), up, rx)));
        }
        tasks
    }

    fn shaper(&self, up: bool) -> &Shaper {
        if up {
            &self.up
        } else {
            &self.down
        }
    }

    /// Queue `msg` for the far end (waiting while the queue is full).
    async fn send(&self, up: bool, to: &mpsc::UnboundedSender<Msg>, msg: Msg) {
        let sh = self.shaper(up);
        let pieces: Vec<Msg> = match msg {
            Msg::Data(d) => d
                .chunks(sh.dir.packet())
                .map(|c| Msg::Data(c.to_vec()))
                .collect(),
            Msg::Fin => vec![Msg::Fin],
        };
        for msg in pieces {
            // Stamped now: a cut while it waits for room makes it lost, like its connection.
            let p = Packet {
                msg,
                to: to.clone(),
                generation: self.generation(),
            };
            loop {
                let room = sh.room.notified();
                tokio::pin!(room);
                room.as_mut().enable();
                {
                    let mut q = lock_std(&sh.queue);
                    if q.1 == 0 || sh.dir.queue_bytes == 0 || q.1 + p.len() <= sh.dir.queue_bytes {
                        q.1 += p.len();
                        q.0.push_back(p);
                        sh.work.notify_one();
                        break;
                    }
                }
                room.await;
            }
        }
    }

    /// The bottleneck: takes packets from the queue as the token bucket allows.
    async fn transmit(link: Arc<Link>, up: bool, out: mpsc::UnboundedSender<(Instant, Packet)>) {
        let sh = link.shaper(up);
        let rate = sh.dir.bytes_per_sec();
        let burst = sh.dir.burst_bytes.max(sh.dir.packet() as u64) as f64;
        let mut tokens = burst;
        let mut last = Instant::now();
        loop {
            let p = loop {
                let work = sh.work.notified();
                tokio::pin!(work);
                work.as_mut().enable();
                {
                    let mut q = lock_std(&sh.queue);
                    if let Some(p) = q.0.pop_front() {
                        q.1 -= p.len();
                        sh.room.notify_waiters();
                        break p;
                    }
                }
                work.await;
            };
            let len = p.len();
            if p.generation != link.generation() {
                // Queued by a connection a cut has reset: gone without using the link.
                if up {
                    Counters::add(&link.counters.bytes_up_lost, len);
                }
                continue;
            }
            if rate > 0.0 && len > 0 {
                let refill = |tokens: &mut f64, last: &mut Instant| {
                    let now = Instant::now();
                    *tokens = (*tokens + (now - *last).as_secs_f64() * rate).min(burst);
                    *last = now;
                };
                refill(&mut tokens, &mut last);
                if tokens < len as f64 {
                    tokio::time::sleep_until(
                        last + Duration::from_secs_f64((len as f64 - tokens) / rate),
                    )
                    .await;
                    refill(&mut tokens, &mut last);
                }
                tokens -= len as f64;
            }
            if p.generation != link.generation() {
                if up {
                    Counters::add(&link.counters.bytes_up_lost, len);
                }
                continue;
            }
            if up && len > 0 && link.cfg.cut_every_bytes > 0 {
                let cut_at = {
                    let mut c = lock_std(&link.cuts);
                    c.sent += len;
                    (c.sent >= c.next).then(|| {
                        let at = c.next;
                        c.log.push(at);
                        let gap = exp_draw(&mut c.rng, link.cfg.cut_every_bytes);
                        c.next = at + gap;
                        at
                    })
                };
                if cut_at.is_some() {
                    // The packet that crossed the cut position dies with everything queued.
                    Counters::add(&link.counters.bytes_up_lost, len);
                    link.cut();
                    continue;
                }
            }
            let _ = out.send((Instant::now() + sh.dir.latency, p));
        }
    }

    /// Propagation: every packet arrives `latency` after it left (FIFO, so in order).
    async fn propagate(
        link: Arc<Link>,
        up: bool,
        mut rx: mpsc::UnboundedReceiver<(Instant, Packet)>,
    ) {
        while let Some((at, p)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if p.generation != link.generation() {
                if up {
                    Counters::add(&link.counters.bytes_up_lost, p.len());
                }
                continue;
            }
            if up {
                Counters::add(&link.counters.bytes_up_delivered, p.len());
            }
            let _ = p.to.send(p.msg);
        }
    }

    /// Lose what is queued (what propagates is dropped on arrival) and reset every connection.
    fn cut(&self) {
        Counters::add(&self.counters.link_cuts, 1);
        self.generation.send_modify(|g| *g += 1);
        for sh in [&self.up, &self.down] {
            let mut q = lock_std(&sh.queue);
            if sh.up {
                Counters::add(&self.counters.bytes_up_lost, q.1);
            }
            q.0.clear();
            q.1 = 0;
            sh.room.notify_waiters();
        }
    }
}

/// Where a pump writes: the socket itself, or the link towards it.
enum Sink {
    Direct(OwnedWriteHalf),
    Link {
        link: Arc<Link>,
        up: bool,
        to: mpsc::UnboundedSender<Msg>,
    },
}

impl Sink {
    async fn write_all(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Direct(w) => w.write_all(data).await,
            Sink::Link { link, up, to } => {
                if to.is_closed() {
                    return Err(std::io::ErrorKind::BrokenPipe.into());
                }
                link.send(*up, to, Msg::Data(data.to_vec())).await;
                Ok(())
            }
        }
    }

    /// Propagation delay towards this sink's socket.
    fn one_way(&self) -> Duration {
        match self {
            Sink::Direct(_) => Duration::ZERO,
            Sink::Link { link, up, .. } => link.shaper(*up).dir.latency,
        }
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Direct(w) => w.flush().await,
            Sink::Link { .. } => Ok(()),
        }
    }

    async fn shutdown(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Direct(w) => w.shutdown().await,
            Sink::Link { link, up, to } => {
                link.send(*up, to, Msg::Fin).await;
                Ok(())
            }
        }
    }
}

/// Writes what the link delivers into the real socket.
async fn socket_writer(mut w: OwnedWriteHalf, mut rx: mpsc::UnboundedReceiver<Msg>) {
    while let Some(m) = rx.recv().await {
        match m {
            Msg::Data(d) => {
                if w.write_all(&d).await.is_err() {
                    return;
                }
            }
            Msg::Fin => {
                let _ = w.shutdown().await;
                return;
            }
        }
    }
}

enum UpEnd {
    /// The client finished sending (EOF): let the answer finish.
    Eof,
    /// We answered ourselves: let that answer reach the client, then close.
    Answered,
    /// We cut: close everything now.
    Abort,
}

/// Faults are decided per request from the config current at that moment, so changing it
/// also affects pooled keep-alive connections.
#[allow(clippy::too_many_arguments)]
async fn connection(
    client: TcpStream,
    conn_no: u64,
    upstream: SocketAddr,
    me: SocketAddr,
    cfg: Arc<RwLock<FaultConfig>>,
    cnt: Arc<Counters>,
    mut rng: StdRng,
    link: Option<Arc<Link>>,
) {
    let mut cut = link.as_ref().map(|l| l.generation.subscribe());
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let mut writers = Vec::new();
    let (sw, cw, read_size) = match &link {
        None => (Sink::Direct(sw), Sink::Direct(cw), 16 * 1024),
        Some(l) => {
            let (utx, urx) = mpsc::unbounded_channel();
            let (dtx, drx) = mpsc::unbounded_channel();
            writers.push(tokio::spawn(socket_writer(sw, urx)));
            writers.push(tokio::spawn(socket_writer(cw, drx)));
            let up = Sink::Link {
                link: l.clone(),
                up: true,
                to: utx,
            };
            (
                up,
                Sink::Link {
                    link: l.clone(),
                    up: false,
                    to: dtx,
                },
                l.cfg.up.packet(),
            )
        }
    };
    let cw = Arc::new(Mutex::new(cw));
    // Set by the request side when it decides to cut the answer to the current request
    // (HTTP/1.1 clients do not pipeline, so the next answer bytes are that answer's).
    let resp_cut = Arc::new(AtomicU64::new(NO_CUT));
    // Head plus declared body of the request being forwarded (the one a cut answer belongs to).
    let req_total = AtomicU64::new(0);
    let down_rng = StdRng::seed_from_u64(rng.random());
    let work = async {
        if let Some(l) = &link {
            // SYN up, SYN-ACK down: the client's first byte can leave one round trip later.
            tokio::time::sleep(l.cfg.rtt()).await;
        }
        let up = upstream_pump(
            cr,
            sw,
            cw.clone(),
            &cfg,
            &cnt,
            conn_no,
            rng,
            &resp_cut,
            &req_total,
            read_size,
        );
        let rewrite = LocationRewrite::new(upstream, me);
        let down = downstream_pump(
            sr,
            cw.clone(),
            &cfg,
            &cnt,
            &resp_cut,
            &req_total,
            down_rng,
            rewrite,
        );
        tokio::pin!(up, down);
        tokio::select! {
            end = &mut up => match end {
                UpEnd::Eof => {
                    let _ = (&mut down).await;
                }
                UpEnd::Answered => {
                    let _ = cw.lock().await.shutdown().await;
                }
                UpEnd::Abort => return false,
            },
            _ = &mut down => {}
        }
        true
    };
    match cut.as_mut() {
        None => {
            work.await;
        }
        Some(cut) => {
            cut.borrow_and_update();
            tokio::select! {
                normal = work => {
                    if normal {
                        // What is still on the link arrives (unless a cut comes first).
                        let all = futures_join(&mut writers);
                        tokio::select! {
                            _ = all => {}
                            _ = cut.changed() => {}
                        }
                    }
                }
                _ = cut.changed() => {}
            }
        }
    }
    for w in writers {
        w.abort();
    }
    // Dropping both halves closes both sockets.
}

async fn futures_join(handles: &mut [tokio::task::JoinHandle<()>]) {
    for h in handles {
        let _ = h.await;
    }
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
    /// Already counted in `bytes_up_faulted`.
    counted: bool,
    /// Head plus declared body.
    total: u64,
}

#[allow(clippy::too_many_arguments)]
async fn upstream_pump(
    mut cr: OwnedReadHalf,
    mut sw: Sink,
    cw: Arc<Mutex<Sink>>,
    shared_cfg: &RwLock<FaultConfig>,
    cnt: &Counters,
    conn_no: u64,
    mut rng: StdRng,
    resp_cut: &AtomicU64,
    req_total: &AtomicU64,
    read_size: usize,
) -> UpEnd {
    let mut cfg = current(shared_cfg);
    // On a shaped link a small read: what waits outside the link's queue stays small.
    let mut buf = vec![0u8; read_size.max(1)];
    let mut framing = Framing::Head(Vec::new());
    let mut plan = Plan {
        cut_after: None,
        stall_at: None,
        sent: 0,
        counted: false,
        total: 0,
    };
    loop {
        let n = match cr.read(&mut buf).await {
            Ok(0) | Err(_) => {
                // The client gave up on a request it had not finished sending.
                if matches!(framing, Framing::Body { left } if left > 0) && !plan.counted {
                    Counters::add(&cnt.bytes_up_faulted, plan.sent);
                }
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
                    cnt.record(
                        conn_no,
                        head_bytes,
                        if info.chunked {
                            0
                        } else {
                            info.content_length.unwrap_or(0)
                        },
                    );
                    cfg = current(shared_cfg);
                    // Untargeted requests draw nothing from the generator: a run without a
                    // target is the same sequence as before targets existed.
                    let faulty = cfg
                        .only_paths_containing
                        .as_deref()
                        .is_none_or(|t| info.target.contains(t));
                    if faulty && rng.random::<f64>() < cfg.cut_response {
                        resp_cut.store(
                            rng.random_range(0..cfg.cut_response_within.max(1)),
                            Ordering::SeqCst,
                        );
                    }
                    // Decide this request's fate now that its head is complete.
                    let total = head_bytes.len() as u64 + info.content_length.unwrap_or(0);
                    req_total.store(total, Ordering::SeqCst);
                    if faulty && rng.random::<f64>() < cfg.http_error {
                        Counters::add(&cnt.injected_errors, 1);
                        Counters::add(&cnt.bytes_up_faulted, total);
                        // Read (and count) the body the client is sending, then answer.
                        let mut left = info
                            .content_length
                            .unwrap_or(0)
                            .saturating_sub(rest.len() as u64);
                        while left > 0 {
                            match cr
                                .read(&mut buf[..(left.min(read_size.max(1) as u64) as usize)])
                                .await
                            {
                                Ok(0) | Err(_) => return UpEnd::Abort,
                                Ok(k) => {
                                    Counters::add(&cnt.bytes_up, k as u64);
                                    left -= k as u64;
                                }
                            }
                        }
                        let status = [500u16, 503, 429][rng.random_range(0..3)];
                        // The answer comes from the far end: the request crossed the link first.
                        tokio::time::sleep(sw.one_way()).await;
                        let _ = cw
                            .lock()
                            .await
                            .write_all(
                                injected_response(status, cfg.retry_after_s, info.is_head)
                                    .as_bytes(),
                            )
                            .await;
                        return UpEnd::Answered;
                    }
                    plan = Plan {
                        cut_after: (faulty && rng.random::<f64>() < cfg.cut_request)
                            .then(|| rng.random_range(0..total.max(1))),
                        stall_at: (faulty
                            && rng.random::<f64>() < cfg.stall
                            && !cfg.stall_max.is_zero())
                        .then(|| {
                            (
                                rng.random_range(0..total.max(1)),
                                cfg.stall_max.mul_f64(rng.random::<f64>()),
                            )
                        }),
                        sent: 0,
                        counted: false,
                        total,
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
async fn push_rest(
    framing: &mut Framing,
    sw: &mut Sink,
    rest: &[u8],
    plan: &mut Plan,
    cnt: &Counters,
) -> Result<(), ()> {
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
async fn forward(
    sw: &mut Sink,
    mut data: &[u8],
    plan: &mut Plan,
    cnt: &Counters,
) -> Result<(), ()> {
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
            if !plan.counted {
                // What was forwarded, and what was read with it and dropped here.
                Counters::add(&cnt.bytes_up_faulted, plan.sent + data.len() as u64);
            }
            let _ = sw.flush().await;
            return Err(());
        }
        if let Some((s, d)) = plan.stall_at {
            if plan.sent >= s {
                Counters::add(&cnt.stalls, 1);
                plan.stall_at = None;
                if !plan.counted {
                    // Whether the client waits it out is the client's timeout's business: the
                    // whole request may be lost.
                    plan.counted = true;
                    Counters::add(&cnt.bytes_up_faulted, plan.total);
                }
                tokio::time::sleep(d).await;
            }
        }
    }
    Ok(())
}

async fn downstream_pump(
    mut sr: OwnedReadHalf,
    cw: Arc<Mutex<Sink>>,
    shared_cfg: &RwLock<FaultConfig>,
    cnt: &Counters,
    resp_cut: &AtomicU64,
    req_total: &AtomicU64,
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
                // The answer belongs to the last request (HTTP/1.1 clients do not pipeline).
                Counters::add(&cnt.bytes_up_faulted, req_total.load(Ordering::SeqCst));
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
        let (from, to) = (
            format!("http://{upstream}").into_bytes(),
            format!("http://{me}").into_bytes(),
        );
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
                if buf.len() >= j + self.from.len() && buf[j..j + self.from.len()] == self.from[..]
                {
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
    /// The request target (path and query) of the request line.
    target: String,
    content_length: Option<u64>,
    chunked: bool,
    is_head: bool,
}

fn parse_head(head: &[u8]) -> HeadInfo {
    let text = String::from_utf8_lossy(head);
    let target = text
        .split("\r\n")
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_owned();
    let mut info = HeadInfo {
        target,
        content_length: None,
        chunked: false,
        is_head: text.starts_with("HEAD "),
    };
    for line in text.split("\r\n").skip(1) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
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
        format!(
            r#"{{"type":"urn:phananh:problem:injected","title":"{reason}","status":{status},"detail":"injected by the fault proxy"}}"#
        )
    };
    let retry = if status == 500 {
        String::new()
    } else {
        format!("Retry-After: {retry_after_s}\r\n")
    };
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
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
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
                        // `/down/N` asks for an answer of N bytes; otherwise the body's length.
                        let head = String::from_utf8_lossy(&acc[..end]).into_owned();
                        let down = head
                            .split(' ')
                            .nth(1)
                            .and_then(|p| p.strip_prefix("/down/"))
                            .and_then(|n| n.parse::<usize>().ok());
                        let body = match down {
                            Some(n) => "b".repeat(n),
                            None => format!("{len}"),
                        };
                        let resp = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
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
        assert!(
            s.contains("Location: http://127.0.0.1:51111/files/abc\r\n"),
            "{s}"
        );
        assert!(
            s.contains("X: http://127.0.0.1:41234/"),
            "only Location is rewritten: {s}"
        );
        assert!(LocationRewrite::new(up, "127.0.0.1:80".parse().unwrap()).is_none());
    }

    #[tokio::test]
    async fn clean_proxy_forwards_and_counts() {
        let up = echo_server().await;
        let p = FaultProxy::start(up, FaultConfig::clean()).await.unwrap();
        let r = request(p.addr(), 100_000).await.unwrap();
        assert!(
            r.starts_with("HTTP/1.1 200") && r.ends_with("100000"),
            "{r}"
        );
        let s = p.stats();
        assert!(s.bytes_up >= 100_000 && s.bytes_up < 100_200, "{s:?}");
        assert_eq!((s.requests, s.cut_requests, s.injected_errors), (1, 0, 0));
    }

    #[tokio::test]
    async fn always_cut_never_delivers_the_whole_request() {
        let up = echo_server().await;
        let cfg = FaultConfig {
            cut_request: 1.0,
            ..FaultConfig::clean()
        };
        let p = FaultProxy::start(up, cfg).await.unwrap();
        for _ in 0..20 {
            let r = request(p.addr(), 50_000).await;
            assert!(
                !matches!(&r, Ok(s) if s.starts_with("HTTP/1.1 200")),
                "{r:?}"
            );
        }
        assert_eq!(p.stats().cut_requests, 20);
    }

    #[tokio::test]
    async fn injected_errors_carry_retry_after_and_offline_refuses() {
        let up = echo_server().await;
        let cfg = FaultConfig {
            http_error: 1.0,
            retry_after_s: 7,
            ..FaultConfig::clean()
        };
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
        p.set_config(FaultConfig {
            offline: true,
            ..FaultConfig::clean()
        });
        assert!(request(p.addr(), 10).await.is_err() || p.stats().refused > 0);
        assert_eq!(p.stats().refused, 1);
    }

    #[tokio::test]
    async fn a_cut_response_reaches_the_server_but_not_the_client() {
        let up = echo_server().await;
        let cfg = FaultConfig {
            cut_response: 1.0,
            cut_response_within: 5,
            ..FaultConfig::clean()
        };
        let p = FaultProxy::start(up, cfg).await.unwrap();
        let r = request(p.addr(), 10).await;
        assert!(
            !matches!(&r, Ok(s) if s.starts_with("HTTP/1.1 200 OK")),
            "{r:?}"
        );
        assert_eq!(p.stats().cut_responses, 1);
    }

    // ----- the link model ----------------------------------------------------------------

    /// One request/answer exchange on an open connection; returns the answer's body length
    /// and how long the exchange took.
    async fn exchange(
        s: &mut TcpStream,
        path: &str,
        body_len: usize,
    ) -> std::io::Result<(usize, Duration)> {
        let t = Instant::now();
        let req = format!("PATCH {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {body_len}\r\n\r\n");
        s.write_all(req.as_bytes()).await?;
        s.write_all(&vec![b'a'; body_len]).await?;
        let mut out = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf)).await??;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            out.extend_from_slice(&buf[..n]);
            if let Some(end) = find_head_end(&out) {
                let len = parse_head(&out[..end]).content_length.unwrap_or(0) as usize;
                if out.len() >= end + len {
                    return Ok((len, t.elapsed()));
                }
            }
        }
    }

    fn link(up_kbit: u64, down_kbit: u64, latency_ms: u64) -> LinkConfig {
        let l = Duration::from_millis(latency_ms);
        LinkConfig {
            up: LinkDirection::new(up_kbit, l, Duration::from_millis(500)),
            down: LinkDirection::new(down_kbit, l, Duration::from_millis(500)),
            cut_every_bytes: 0,
            seed: 1,
        }
    }

    /// What the timers and the scheduler of a shared machine may add to an exchange: tokio
    /// sleeps end up to 1 ms late (the shaper credits lateness back up to the burst, so it
    /// does not add up), plus the tasks' wake-ups on a loaded machine.
    const ALLOWANCE: Duration = Duration::from_millis(120);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn latency_is_one_round_trip_per_exchange_plus_one_for_the_handshake() {
        let up = echo_server().await;
        let cfg = link(10_000, 10_000, 80);
        let rtt = cfg.rtt();
        let p = FaultProxy::start_link(up, FaultConfig::clean(), cfg)
            .await
            .unwrap();
        let t = Instant::now();
        let mut s = TcpStream::connect(p.addr()).await.unwrap();
        let (_, first) = exchange(&mut s, "/x", 10).await.unwrap();
        let first = first.max(t.elapsed());
        // Requests of ~60 bytes at 10 Mbit/s take 0.05 ms to serialise: negligible.
        assert!(
            first >= 2 * rtt && first <= 2 * rtt + ALLOWANCE,
            "new connection: {first:?} vs 2 x {rtt:?}"
        );
        for _ in 0..3 {
            let (_, again) = exchange(&mut s, "/x", 10).await.unwrap();
            assert!(
                again >= rtt && again <= rtt + ALLOWANCE,
                "open connection: {again:?} vs {rtt:?}"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rate_follows_the_token_bucket_in_each_direction() {
        let up = echo_server().await;
        // 800 kbit/s up = 100 kB/s, 1600 kbit/s down = 200 kB/s, 30 ms each way.
        let cfg = link(800, 1600, 30);
        let (r_up, r_down, b_up, b_down) = (
            cfg.up.bytes_per_sec(),
            cfg.down.bytes_per_sec(),
            cfg.up.burst_bytes as f64,
            cfg.down.burst_bytes as f64,
        );
        let rtt = cfg.rtt().as_secs_f64();
        let p = FaultProxy::start_link(up, FaultConfig::clean(), cfg)
            .await
            .unwrap();
        let mut s = TcpStream::connect(p.addr()).await.unwrap();
        exchange(&mut s, "/x", 10).await.unwrap();
        // Upload 150 kB: at least (bytes - burst) / rate + RTT; at most bytes / rate + RTT
        // plus the allowance (the answer is a few bytes).
        let n = 150_000usize;
        let before = p.stats().bytes_up;
        let (len, t) = exchange(&mut s, "/x", n).await.unwrap();
        assert_eq!(len, n.to_string().len());
        let bytes = (p.stats().bytes_up - before) as f64;
        let (lo, hi) = (
            (bytes - b_up) / r_up + rtt,
            bytes / r_up + rtt + ALLOWANCE.as_secs_f64(),
        );
        let t = t.as_secs_f64();
        println!("upload {bytes} B in {t:.3} s; token bucket allows [{lo:.3}, {hi:.3}] s");
        assert!(
            t >= lo && t <= hi,
            "upload {t:.3} s outside [{lo:.3}, {hi:.3}]"
        );
        // Download 300 kB the same way.
        let m = 300_000usize;
        let before = p.stats().bytes_down;
        let (len, t) = exchange(&mut s, &format!("/down/{m}"), 0).await.unwrap();
        assert_eq!(len, m);
        let bytes = (p.stats().bytes_down - before) as f64;
        let (lo, hi) = (
            (bytes - b_down) / r_down + rtt,
            bytes / r_down + rtt + ALLOWANCE.as_secs_f64(),
        );
        let t = t.as_secs_f64();
        println!("download {bytes} B in {t:.3} s; token bucket allows [{lo:.3}, {hi:.3}] s");
        assert!(
            t >= lo && t <= hi,
            "download {t:.3} s outside [{lo:.3}, {hi:.3}]"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_queue_fills_but_stays_bounded() {
        let up = echo_server().await;
        let cfg = link(400, 400, 50);
        // In the air: 50 ms of the rate, plus a burst that may have left at once.
        let (q, read, in_air, packet) = (
            cfg.up.queue_bytes,
            cfg.up.packet() as u64,
            (cfg.up.bytes_per_sec() * 0.05) as u64 + cfg.up.burst_bytes,
            cfg.up.packet() as u64,
        );
        let p = Arc::new(
            FaultProxy::start_link(up, FaultConfig::clean(), cfg)
                .await
                .unwrap(),
        );
        let watch = {
            let p = p.clone();
            tokio::spawn(async move {
                let mut max = 0;
                loop {
                    // Delivered is read after accepted in one snapshot: never overestimated.
                    let s = p.stats();
                    max = max.max(s.bytes_up.saturating_sub(s.bytes_up_delivered));
                    if s.requests > 0 && s.bytes_up_delivered >= 150_000 {
                        return max;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        };
        let r = request(p.addr(), 150_000).await.unwrap();
        assert!(r.ends_with("150000"), "{r}");
        let max = watch.await.unwrap();
        let bound = q + read + in_air + packet;
        println!("largest backlog {max} B; queue {q} B, bound {bound} B");
        assert!(
            max <= bound,
            "backlog {max} > queue + read + in flight = {bound}"
        );
        assert!(
            max >= q / 2,
            "a sender that does not pace fills the queue (bufferbloat): {max} < {q}/2"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cuts_come_where_the_seed_says_and_lose_only_what_was_on_the_link() {
        let up = echo_server().await;
        let mut cfg = link(4000, 4000, 10);
        cfg.cut_every_bytes = 40_000;
        cfg.seed = 99;
        // The positions the seed implies, drawn independently of the proxy.
        let mut rng = StdRng::seed_from_u64(99 ^ 0x6C69_6E6B);
        let mut expected = vec![exp_draw(&mut rng, 40_000)];
        let bound = cfg.up.queue_bytes
            + cfg.up.packet() as u64 * 2
            + (cfg.up.bytes_per_sec() * 0.01) as u64;
        let p = FaultProxy::start_link(up, FaultConfig::clean(), cfg.clone())
            .await
            .unwrap();
        let (mut ok, mut failed) = (0, 0);
        while p.stats().link_cuts < 5 {
            match request(p.addr(), 30_000).await {
                Ok(r) if r.ends_with("30000") => ok += 1,
                _ => failed += 1,
            }
            assert!(ok + failed < 200, "no cuts: {:?}", p.stats());
        }
        // Let the last connections wind down.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let log = p.cut_log();
        while expected.len() < log.len() {
            let last = *expected.last().unwrap();
            expected.push(last + exp_draw(&mut rng, 40_000));
        }
        assert_eq!(log, expected, "cut positions follow the seed");
        assert!(
            failed >= 1 && ok >= 1,
            "cut requests fail, others pass: ok {ok}, failed {failed}"
        );
        let s = p.stats();
        assert_eq!(s.link_cuts, log.len() as u64);
        // Everything accepted was delivered, lost in a cut, or (at most) still on the link.
        assert!(
            s.bytes_up_delivered + s.bytes_up_lost <= s.bytes_up,
            "{s:?}"
        );
        assert!(
            s.bytes_up_lost <= s.link_cuts * bound,
            "a cut loses at most the queue and what is in flight: {s:?}, bound {bound} per cut"
        );
        assert!(s.bytes_up_lost > 0);
        // The same seed replays the same cut positions.
        let p2 = FaultProxy::start_link(up, FaultConfig::clean(), cfg)
            .await
            .unwrap();
        while p2.stats().link_cuts < 3 {
            let _ = request(p2.addr(), 30_000).await;
        }
        assert_eq!(p2.cut_log()[..3], log[..3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn injected_answers_cross_the_link_too() {
        let up = echo_server().await;
        let cfg = link(2000, 2000, 60);
        let rtt = cfg.rtt();
        let p = FaultProxy::start_link(
            up,
            FaultConfig {
                http_error: 1.0,
                ..FaultConfig::clean()
            },
            cfg,
        )
        .await
        .unwrap();
        let t = Instant::now();
        let r = request(p.addr(), 100).await.unwrap();
        let took = t.elapsed();
        assert!(
            r.starts_with("HTTP/1.1 5") || r.starts_with("HTTP/1.1 429"),
            "{r}"
        );
        assert!(took >= 2 * rtt, "handshake + request + answer: {took:?}");
        assert_eq!(p.stats().injected_errors, 1);
    }

    #[test]
    fn profiles_are_named_as_the_bench_expects() {
        for name in LinkConfig::PROFILES {
            let l = LinkConfig::profile(name, 1).unwrap();
            assert!(
                l.up.rate_kbit > 0 && l.up.queue_bytes > 0 && !l.is_ideal(),
                "{name}"
            );
        }
        let g = LinkConfig::profile("3g-rural", 1).unwrap();
        assert_eq!(
            (
                g.up.rate_kbit,
                g.down.rate_kbit,
                g.up.latency,
                g.cut_every_bytes
            ),
            (384, 1000, Duration::from_millis(150), 200_000)
        );
        assert!(LinkConfig::profile("5g", 1).is_none());
    }
}
