//! The backend stub: a real server (axum + SQLite) for development, demos and tests.
//!
//! It implements the whole contract of `phananh-wire` (app API), Open311 GeoReport v2 and
//! tus 1.0, so the app is tested against real HTTP. Embed it with [`start`]:
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let stub = phananh_stub::start(phananh_stub::StubOptions::for_tests()).await?;
//! let url = stub.base_url(); // "http://127.0.0.1:PORT/"
//! let otp = stub.last_otp("+84912345678"); // dev mode: the code "sent" by SMS
//! stub.shutdown().await;
//! # Ok(()) }
//! ```

mod auth;
mod closure;
mod config_api;
mod db;
mod extract;
pub mod faultproxy;
mod fold;
mod limits;
mod media_check;
mod notices;
mod officer;
mod open311;
mod openapi;
mod photo_meta;
mod problem;
pub mod push_out;
mod reports;
mod seed;
mod simulate;
mod strip;
mod tus;
mod views;
mod wards;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use phananh_wire::{Role, TokenPair, UnitInfo, UnitKind};
use rusqlite::Connection;
use tokio::sync::oneshot;

pub use seed::{staff_phone, CATEGORIES, DEPARTMENTS, IOC};
pub use tus::STRAY_AGE;

/// Where the stub keeps its database.
#[derive(Debug, Clone, PartialEq)]
pub enum DbLocation {
    Memory,
    File(PathBuf),
}

/// A token bucket per client: per signed-in user when the request carries a valid access
/// token, else per peer address (never a header the client could make up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

/// Failures injected by the stub itself (dev/test only), on `api/` and `files/` requests.
/// `before`: answer 500/503/429 without doing anything. `after`: do the work, then lose the
/// answer behind a 503 (the case idempotency exists for).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Faults {
    pub before: f64,
    pub after: f64,
}

#[derive(Debug, Clone)]
pub struct StubOptions {
    pub addr: SocketAddr,
    pub db: DbLocation,
    /// Uploaded media; `None` is a temporary directory removed at shutdown.
    pub data_dir: Option<PathBuf>,
    /// Development mode: OTPs printed to the log and readable through [`RunningStub::last_otp`].
    pub dev: bool,
    /// Advance new cases one workflow step after each such delay (demos).
    pub simulate: Option<Duration>,
    /// Communes/wards GeoJSON; `None` runs with no ward units (every case goes to the IOC).
    pub boundaries: Option<PathBuf>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How long a spent refresh token may be presented again (its answer was lost) and get
    /// the same new pair, provided nothing of that pair has been used yet.
    pub refresh_grace: Duration,
    /// Unfinished uploads are removed after this long.
    pub upload_expiry: Duration,
    /// `Tus-Max-Size`.
    pub max_upload_bytes: u64,
    /// `None` disables rate limiting (load tests through a fault proxy).
    pub rate_limit: Option<RateLimit>,
    pub faults: Faults,
    /// Keys accepted by Open311 `POST requests`, as (name, key). None unless configured;
    /// `dev` adds [`DEV_OPEN311_KEY`] (named `dev`).
    pub open311_api_keys: Vec<(String, String)>,
    /// The Open311 `jurisdiction_id` this server answers for; any other is 404.
    pub open311_jurisdiction: String,
    /// OTP send and verify budgets.
    pub otp_limits: OtpLimits,
    /// Uploads not yet attached to a report that one user may hold at once, and their
    /// total declared size.
    pub max_unfinished_uploads: u32,
    pub max_unfinished_bytes: u64,
    /// FCM / APNs credentials: pushes go out through them (see [`push_out`]); without,
    /// pushes are recorded only.
    pub push: push_out::PushSenders,
}

/// The published development key for Open311 `POST requests`; accepted only with `dev`.
pub const DEV_OPEN311_KEY: &str = "dev-open311-key";

/// Budgets of the OTP login, each over a fixed one-hour window. A budget spent locks that
/// phone / address / the whole verify endpoint until its window ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OtpLimits {
    /// Codes sent to one phone per hour.
    pub sends_per_phone: u32,
    /// Codes requested from one peer address per hour.
    pub sends_per_addr: u32,
    /// Wrong codes for one phone per hour (over all its codes).
    pub fails_per_phone: u32,
    /// Wrong codes from one peer address per hour (over all phones).
    pub fails_per_addr: u32,
    /// Wrong codes per hour, everyone together.
    pub fails_global: u32,
}

impl Default for OtpLimits {
    fn default() -> Self {
        Self {
            sends_per_phone: 5,
            sends_per_addr: 20,
            fails_per_phone: 10,
            fails_per_addr: 30,
            fails_global: 600,
        }
    }
}

/// The boundaries file of the shared test data, found from the working directory (the
/// project root or a crate directory) or from this crate's source location.
pub fn default_boundaries() -> Option<PathBuf> {
    const REL: &str = "shared/data/boundaries/ha_tinh_wards_2025.geojson";
    let mut candidates = vec![
        PathBuf::from("..").join(REL),
        PathBuf::from("../..").join(REL),
    ];
    candidates.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(REL),
    );
    candidates.into_iter().find(|p| p.is_file())
}

impl Default for StubOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: DbLocation::Memory,
            data_dir: None,
            dev: false,
            simulate: None,
            boundaries: default_boundaries(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            refresh_grace: Duration::from_secs(120),
            upload_expiry: Duration::from_secs(24 * 3600),
            max_upload_bytes: 200 * 1024 * 1024,
            rate_limit: Some(RateLimit {
                per_second: 20.0,
                burst: 100,
            }),
            faults: Faults::default(),
            open311_api_keys: vec![],
            open311_jurisdiction: "hatinh.gov.vn".into(),
            otp_limits: OtpLimits::default(),
            max_unfinished_uploads: 20,
            max_unfinished_bytes: 1 << 30,
            push: Default::default(),
        }
    }
}

impl StubOptions {
    /// In-process tests and the demo: any free loopback port, in-memory database, dev mode
    /// (so the dev Open311 key), no rate limits.
    pub fn for_tests() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dev: true,
            rate_limit: None,
            // Every test client shares 127.0.0.1: address and global OTP budgets are wide
            // (tests of those budgets set their own); the per-phone ones stay as deployed.
            otp_limits: OtpLimits {
                sends_per_addr: 100_000,
                fails_per_addr: 100_000,
                fails_global: 100_000,
                ..OtpLimits::default()
            },
            // Fault-injection runs leave uploads whose creation answer was lost; the quota
            // test sets its own.
            max_unfinished_uploads: 10_000,
            max_unfinished_bytes: u64::MAX,
            ..Self::default()
        }
    }
}

pub(crate) struct Settings {
    pub dev: bool,
    pub access_ttl_ms: i64,
    pub refresh_ttl_ms: i64,
    pub refresh_grace_ms: i64,
    pub upload_expiry_ms: i64,
    pub max_upload: u64,
    /// (name, key)
    pub open311_keys: Vec<(String, String)>,
    pub jurisdiction: String,
    pub otp: OtpLimits,
    pub max_unfinished_uploads: u32,
    pub max_unfinished_bytes: u64,
    pub faults: Faults,
}

pub(crate) struct Unit {
    pub name: String,
    pub kind: UnitKind,
    pub ward_code: Option<String>,
}

pub(crate) struct Shared {
    pub db: Mutex<Connection>,
    pub settings: Settings,
    /// Absolute, without trailing slash.
    pub base: String,
    pub wards: wards::Wards,
    pub units: Vec<(String, Unit)>,
    pub data_dir: PathBuf,
    pub dev_otps: Mutex<HashMap<String, String>>,
    /// Mixed into every stored OTP hash; lives only in memory, so a copy of the database
    /// does not let anyone test the 10^6 possible codes offline.
    pub otp_pepper: [u8; 32],
    /// OTP budgets in use: key → (window start ms, count).
    pub otp_budget: Mutex<HashMap<String, (i64, u32)>>,
    pub limiter: Option<limits::Limiter>,
    pub busy_uploads: Mutex<HashMap<String, Arc<tokio::sync::Notify>>>,
    pub config: config_api::Published,
    /// Answers lost by the `after` fault (the work was done): count, and their requests'
    /// declared body bytes.
    pub lost_answers: (std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64),
    pub push_out: Arc<push_out::PushOutCounters>,
}

pub(crate) type AppState = Arc<Shared>;

impl Shared {
    pub fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions),
        // so a poisoned lock is still safe to use.
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|(c, _)| c == code).map(|(_, u)| u)
    }
    pub fn unit_ref(&self, code: &str) -> Option<phananh_wire::UnitRef> {
        self.unit(code).map(|u| phananh_wire::UnitRef {
            code: code.to_string(),
            name: u.name.clone(),
        })
    }
    pub fn upload_path(&self, id: &str) -> PathBuf {
        self.data_dir.join("uploads").join(id)
    }
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(crate) fn ms_to_dt(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

pub(crate) fn role_str(r: Role) -> &'static str {
    match r {
        Role::Resident => "resident",
        Role::Officer => "officer",
        Role::Leader => "leader",
    }
}

pub(crate) fn parse_role(s: &str) -> Role {
    match s {
        "officer" => Role::Officer,
        "leader" => Role::Leader,
        _ => Role::Resident,
    }
}

pub(crate) fn unit_kind_str(k: UnitKind) -> &'static str {
    match k {
        UnitKind::Ioc => "ioc",
        UnitKind::Department => "department",
        UnitKind::Ward => "ward",
    }
}

/// A push notification the stub recorded instead of sending.
#[derive(Debug, Clone, PartialEq)]
pub struct SentPush {
    pub platform: String,
    pub token: String,
    pub report_id: String,
    pub status: phananh_wire::ReportStatus,
    pub body: String,
}

/// A started stub. Dropping it stops the server without waiting; [`RunningStub::shutdown`]
/// also waits for in-flight requests and releases the database file.
pub struct RunningStub {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    background: Vec<tokio::task::JoinHandle<()>>,
    _tmp: Option<tempfile::TempDir>,
    startup: Duration,
}

/// Bind, open/seed the database, and serve in the background.
pub async fn start(opts: StubOptions) -> anyhow::Result<RunningStub> {
    let t0 = Instant::now();
    push_out::check(&opts.push)?;
    let listener = tokio::net::TcpListener::bind(opts.addr)
        .await
        .with_context(|| format!("binding {}", opts.addr))?;
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let host = if addr.is_ipv6() && !addr.ip().is_unspecified() {
        format!("[{host}]")
    } else {
        host
    };
    let base = format!("http://{host}:{}", addr.port());

    let (data_dir, tmp) = match &opts.data_dir {
        Some(d) => (d.clone(), None),
        None => {
            let t = tempfile::tempdir()?;
            (t.path().to_path_buf(), Some(t))
        }
    };
    std::fs::create_dir_all(data_dir.join("uploads"))
        .with_context(|| format!("creating {}", data_dir.display()))?;

    let wards = match &opts.boundaries {
        Some(p) => wards::Wards::load(p)?,
        None => wards::Wards::default(),
    };
    let t_wards = t0.elapsed();
    let mut conn = db::open(match &opts.db {
        DbLocation::Memory => None,
        DbLocation::File(p) => Some(p.as_path()),
    })?;
    seed::seed(&mut conn, &wards, now_ms())?;
    tracing::debug!(wards = ?t_wards, db_and_seed = ?(t0.elapsed() - t_wards), "startup phases");
    let units = {
        let mut st = conn.prepare("SELECT code, name, kind, ward_code FROM units ORDER BY ord")?;
        let rows = st.query_map([], |r| {
            let kind: String = r.get(2)?;
            Ok((
                r.get::<_, String>(0)?,
                Unit {
                    name: r.get(1)?,
                    kind: match kind.as_str() {
                        "ioc" => UnitKind::Ioc,
                        "department" => UnitKind::Department,
                        _ => UnitKind::Ward,
                    },
                    ward_code: r.get(3)?,
                },
            ))
        })?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    let config = config_api::Published::build(&base, &wards);
    let state: AppState = Arc::new(Shared {
        db: Mutex::new(conn),
        settings: Settings {
            dev: opts.dev,
            access_ttl_ms: opts.access_token_ttl.as_millis() as i64,
            refresh_ttl_ms: opts.refresh_token_ttl.as_millis() as i64,
            refresh_grace_ms: opts.refresh_grace.as_millis() as i64,
            upload_expiry_ms: opts.upload_expiry.as_millis() as i64,
            max_upload: opts.max_upload_bytes,
            open311_keys: {
                let mut k = opts.open311_api_keys.clone();
                if opts.dev && !k.iter().any(|(_, key)| key == DEV_OPEN311_KEY) {
                    k.push(("dev".into(), DEV_OPEN311_KEY.into()));
                }
                k
            },
            jurisdiction: opts.open311_jurisdiction.clone(),
            otp: opts.otp_limits,
            max_unfinished_uploads: opts.max_unfinished_uploads,
            max_unfinished_bytes: opts.max_unfinished_bytes,
            faults: opts.faults,
        },
        base,
        wards,
        units,
        data_dir,
        dev_otps: Mutex::new(HashMap::new()),
        otp_pepper: rand::random(),
        otp_budget: Mutex::new(HashMap::new()),
        limiter: opts.rate_limit.map(limits::Limiter::new),
        busy_uploads: Mutex::new(HashMap::new()),
        config,
        lost_answers: Default::default(),
        push_out: Default::default(),
    });

    let app = router(state.clone());
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let server = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop_rx.await;
        });
        if let Err(e) = server.await {
            tracing::error!(error = %e, "stub server stopped");
        }
    });
    let mut background = vec![tokio::spawn(tus::expire_loop(state.clone()))];
    if opts.push.any() {
        background.push(tokio::spawn(push_out::run(
            state.clone(),
            opts.push.clone(),
        )));
    }
    if let Some(step) = opts.simulate {
        background.push(tokio::spawn(simulate::run(state.clone(), step)));
    }
    let startup = t0.elapsed();
    tracing::info!(%addr, wards = state.wards.wards.len(), units = state.units.len(), ?startup, dev = opts.dev, "phananh-stub listening");
    Ok(RunningStub {
        addr,
        state,
        stop: Some(stop_tx),
        task: Some(task),
        background,
        _tmp: tmp,
        startup,
    })
}

fn router(state: AppState) -> Router {
    let json_limit = DefaultBodyLimit::max(limits::MAX_JSON_BODY);
    let api = Router::new()
        .route("/api/v1/auth/otp/request", post(auth::otp_request))
        .route("/api/v1/auth/otp/verify", post(auth::otp_verify))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/me", get(auth::me).delete(auth::delete_account))
        .route("/api/v1/me/export", get(auth::export))
        .route("/api/v1/me/reports", get(reports::my_reports))
        .route("/api/v1/reports", post(reports::create))
        .route("/api/v1/reports/{id}", get(reports::detail))
        .route("/api/v1/reports/{id}/rating", put(reports::rate))
        .route("/api/v1/reports/{id}/closure", post(closure::answer))
        .route("/api/v1/reports/{id}/supporters/me", put(closure::join))
        .route("/api/v1/reports/nearby", get(closure::nearby))
        .route("/api/v1/feed", get(reports::feed))
        .route("/api/v1/config", get(config_api::config))
        .route("/api/v1/config/boundaries", get(config_api::boundaries))
        .route("/api/v1/units", get(config_api::units))
        .route("/api/v1/push-tokens", post(auth::push_token))
        .route("/api/v1/notices", get(notices::list))
        .route("/api/v1/officer/notices", post(notices::publish))
        .route("/api/v1/officer/cases", get(officer::cases))
        .route("/api/v1/officer/cases/{id}/actions", post(officer::act))
        .route("/api/v1/officer/cases/{id}/reveal", post(officer::reveal))
        .route("/open311/discovery.json", get(open311::discovery_json))
        .route("/open311/discovery.xml", get(open311::discovery_xml))
        .route("/open311/v2/discovery.json", get(open311::discovery_json))
        .route("/open311/v2/discovery.xml", get(open311::discovery_xml))
        .route("/open311/v2/services.json", get(open311::services))
        .route("/open311/v2/services.xml", get(open311::services_xml))
        .route("/open311/v2/services/{code}", get(open311::service))
        .route(
            "/open311/v2/requests.json",
            get(open311::requests).post(open311::post_request),
        )
        .route(
            "/open311/v2/requests.xml",
            get(open311::requests_xml_get).post(open311::post_request_xml),
        )
        .route("/open311/v2/requests/{id}", get(open311::request))
        .route(
            "/open311/v2/servicerequestupdates.json",
            get(open311::updates),
        )
        .route(
            "/open311/v2/servicerequestupdates.xml",
            get(open311::updates_xml),
        )
        .route("/open311/{*rest}", axum::routing::any(open311::not_found))
        .route("/openapi.json", get(openapi::serve))
        .route("/media/{id}", get(reports::media))
        .route("/media/{id}/poster", get(reports::poster))
        .layer(json_limit);
    let files = tus::routes().layer(DefaultBodyLimit::disable());
    api.merge(files)
        .fallback(limits::not_found)
        .method_not_allowed_fallback(limits::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::guard,
        ))
        .layer(axum::middleware::from_fn(open311::errors))
        .with_state(state)
}

impl Drop for RunningStub {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        for t in &self.background {
            t.abort();
        }
    }
}

impl RunningStub {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/` — what the app uses as `api_base_url`.
    pub fn base_url(&self) -> String {
        format!("{}/", self.state.base)
    }

    /// Time from [`start`] being called to listening with seeded data.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    pub fn data_dir(&self) -> &Path {
        &self.state.data_dir
    }

    /// Dev mode only: the last OTP "sent" to this phone (any accepted spelling of it).
    pub fn last_otp(&self, phone: &str) -> Option<String> {
        if !self.state.settings.dev {
            return None;
        }
        let phone = auth::normalize_phone(phone)?;
        self.state
            .dev_otps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&phone)
            .cloned()
    }

    /// Dev helper: tokens for a phone (a new resident is created) without the OTP dance.
    pub fn login(&self, phone: &str) -> anyhow::Result<TokenPair> {
        let phone = auth::normalize_phone(phone).context("not a Vietnamese mobile number")?;
        let conn = self.state.conn();
        let user = auth::user_for_phone(&conn, &phone).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        auth::issue_tokens(&self.state, &conn, &user).map_err(|e| anyhow::anyhow!("{e:?}"))
    }

    /// Phone of the seeded officer/leader of a unit.
    pub fn staff_phone(&self, unit_code: &str, role: Role) -> Option<String> {
        let i = self.state.units.iter().position(|(c, _)| c == unit_code)?;
        (role != Role::Resident).then(|| seed::staff_phone(i, role))
    }

    /// Dev helper: tokens of the seeded officer (or leader) of a unit.
    pub fn staff_login(&self, unit_code: &str, role: Role) -> anyhow::Result<TokenPair> {
        let phone = self
            .staff_phone(unit_code, role)
            .with_context(|| format!("no staff {role:?} for unit {unit_code}"))?;
        self.login(&phone)
    }

    /// Dev helper: every access token (of one phone, or of everyone) expires now, so the
    /// next request gets 401 `token-expired` and the client must refresh.
    pub fn expire_access_tokens(&self, phone: Option<&str>) -> usize {
        let conn = self.state.conn();
        let now = now_ms() - 1;
        let r = match phone.and_then(auth::normalize_phone) {
            Some(p) => conn.execute(
                "UPDATE tokens SET expires_at = ?1 WHERE kind = 'access' AND expires_at > ?1
                 AND user_id = (SELECT id FROM users WHERE phone = ?2)",
                rusqlite::params![now, p],
            ),
            None => conn.execute(
                "UPDATE tokens SET expires_at = ?1 WHERE kind = 'access' AND expires_at > ?1",
                [now],
            ),
        };
        r.unwrap_or(0)
    }

    pub fn units(&self) -> Vec<UnitInfo> {
        config_api::unit_infos(&self.state)
    }

    /// Unit responsible for a new report at this point (its ward's People's Committee).
    pub fn ward_unit_at(&self, lat: f64, lon: f64) -> Option<String> {
        self.state
            .wards
            .locate(lat, lon)
            .map(|w| seed::ward_unit_code(&w.code))
    }

    /// Push notifications "sent" to this phone's registered devices, oldest first.
    pub fn pushes(&self, phone: &str) -> Vec<SentPush> {
        let Some(phone) = auth::normalize_phone(phone) else {
            return vec![];
        };
        let conn = self.state.conn();
        let res = conn
            .prepare(
                "SELECT p.platform, p.token, p.report_n, p.status, p.body FROM pushes p JOIN users u ON u.id = p.user_id
                 WHERE u.phone = ?1 ORDER BY p.id",
            )
            .and_then(|mut s| {
                s.query_map([phone], |r| {
                    Ok(SentPush {
                        platform: r.get(0)?,
                        token: r.get(1)?,
                        report_id: r.get::<_, i64>(2)?.to_string(),
                        status: phananh_wire::ReportStatus::parse(&r.get::<_, String>(3)?).unwrap_or(phananh_wire::ReportStatus::Received),
                        body: r.get(4)?,
                    })
                })?
                .collect()
            });
        res.unwrap_or_default()
    }

    /// Notices "pushed" to this phone's registered devices: (notice id, platform), oldest first.
    pub fn notice_pushes(&self, phone: &str) -> Vec<(String, String)> {
        let Some(phone) = auth::normalize_phone(phone) else {
            return vec![];
        };
        let conn = self.state.conn();
        let res = conn
            .prepare(
                "SELECT p.notice_id, p.platform FROM notice_pushes p JOIN users u ON u.id = p.user_id
                 WHERE u.phone = ?1 ORDER BY p.rowid",
            )
            .and_then(|mut s| s.query_map([phone], |r| Ok((r.get(0)?, r.get(1)?)))?.collect());
        res.unwrap_or_default()
    }

    /// Move the latest resolution of report `id` `by` into the past, as if it had been
    /// resolved that long ago (tests of the answer window; the report gets a new version).
    /// False: no such resolution.
    pub fn backdate_resolution(&self, id: &str, by: Duration) -> bool {
        let Ok(n) = id.parse::<i64>() else {
            return false;
        };
        let conn = self.state.conn();
        let moved = conn
            .execute(
                "UPDATE verifications SET resolved_at = resolved_at - ?2 WHERE report_n = ?1",
                rusqlite::params![n, by.as_millis() as i64],
            )
            .is_ok_and(|k| k == 1);
        // What the report says changed: a new version, seen by the next sync.
        moved
            && db::next_seq(&conn)
                .and_then(|seq| {
                    conn.execute(
                        "UPDATE reports SET version = version + 1, seq = ?2 WHERE n = ?1",
                        rusqlite::params![n, seq],
                    )
                })
                .is_ok()
    }

    /// Number of reports stored (exactly-once checks).
    /// Answers the `after` fault replaced with a 503 once the work was done: how many, and
    /// the declared body bytes of their requests (what a client may have to send again).
    pub fn lost_answers(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let (n, b) = &self.state.lost_answers;
        (n.load(Relaxed), b.load(Relaxed))
    }

    /// Pushes handed to FCM/APNs so far, and refused by them (both 0 without credentials).
    pub fn push_out_counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.state.push_out.sent.load(Relaxed),
            self.state.push_out.failed.load(Relaxed),
        )
    }

    /// Uploads of `filetype` the stub holds complete (attached or not), for tests.
    pub fn complete_uploads(&self, filetype: &str) -> i64 {
        self.state
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM uploads WHERE filetype = ?1 AND offset = length",
                [filetype],
                |r| r.get(0),
            )
            .unwrap_or(-1)
    }

    /// Uploads the stub holds (any state, any owner), for tests.
    pub fn upload_count(&self) -> i64 {
        self.state
            .conn()
            .query_row("SELECT COUNT(*) FROM uploads", [], |r| r.get(0))
            .unwrap_or(-1)
    }

    pub fn report_count(&self) -> i64 {
        self.state
            .conn()
            .query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))
            .unwrap_or(-1)
    }

    /// Stop accepting, finish in-flight requests, stop background tasks, and release the
    /// database (so a new stub may open the same file).
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        // Uploads still streaming (a client that went quiet) keep what they have and stop.
        for cancel in self
            .state
            .busy_uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
            cancel.notify_one();
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                tracing::warn!("connections still open after 5 s; closing them");
                task.abort();
                let _ = task.await;
            }
        }
        for t in self.background.drain(..) {
            t.abort();
            let _ = t.await;
        }
        let _ = self
            .state
            .conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
    }
}
