//! `phananh-stub`: run the backend stub from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use phananh_stub::{DbLocation, RateLimit, StubOptions};

/// Development/test backend of the Phản ánh hiện trường app: Open311 + tus + app API on SQLite.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// SQLite file (created if missing), or `:memory:`.
    #[arg(long, default_value = "stub.sqlite")]
    db: String,
    /// Directory for uploaded media (default: next to the database, or a temporary one).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Development mode: OTP codes are printed to the log instead of sent by SMS, and the
    /// published Open311 key `dev-open311-key` is accepted.
    #[arg(long)]
    dev: bool,
    /// An Open311 API key for `POST requests`, as NAME=KEY (repeatable). Without one (and
    /// without --dev) Open311 posting is closed.
    #[arg(long = "open311-key", value_name = "NAME=KEY", value_parser = parse_key)]
    open311_keys: Vec<(String, String)>,
    /// The Open311 jurisdiction_id served (requests naming another get 404).
    #[arg(long, default_value = "hatinh.gov.vn")]
    jurisdiction: String,
    /// With --dev: move every new case one workflow step forward after this many seconds.
    #[arg(long, value_name = "SECONDS", requires = "dev")]
    simulate: Option<f64>,
    /// Communes/wards GeoJSON (default: ../shared/data/boundaries/ha_tinh_wards_2025.geojson).
    #[arg(long)]
    boundaries: Option<PathBuf>,
    /// Requests per second allowed per client (0 disables rate limiting).
    #[arg(long, default_value_t = 20.0)]
    rate_limit: f64,
    /// Burst size of the rate limit.
    #[arg(long, default_value_t = 100)]
    rate_burst: u32,
    /// Sign-in codes sent to, and wrong codes from, one peer address per hour (test runs where
    /// every client is 127.0.0.1 raise it; default: as deployed).
    #[arg(long)]
    otp_per_addr: Option<u32>,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 900)]
    access_ttl: u64,
    /// Firebase service account key (JSON): pushes to Android go out through FCM HTTP v1.
    #[arg(long, value_name = "FILE")]
    fcm_service_account: Option<PathBuf>,
    /// APNs auth key (.p8): pushes to iOS go out through APNs (with the three below).
    #[arg(long, value_name = "FILE", requires_all = ["apns_key_id", "apns_team_id", "apns_topic"])]
    apns_key: Option<PathBuf>,
    #[arg(long)]
    apns_key_id: Option<String>,
    #[arg(long)]
    apns_team_id: Option<String>,
    /// The iOS app's bundle id.
    #[arg(long)]
    apns_topic: Option<String>,
    /// Send to APNs' development (sandbox) server.
    #[arg(long)]
    apns_sandbox: bool,
}

fn parse_key(s: &str) -> Result<(String, String), String> {
    let (name, key) = s.split_once('=').ok_or("expected NAME=KEY")?;
    let (name, key) = (name.trim(), key.trim());
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("NAME: letters, digits, - and _".into());
    }
    if key.len() < 16 {
        return Err("KEY: at least 16 characters".into());
    }
    Ok((name.to_string(), key.to_string()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        // Plain text when logging to a file or a test harness's pipe.
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let a = Args::parse();
    let db = if a.db == ":memory:" {
        DbLocation::Memory
    } else {
        DbLocation::File(PathBuf::from(&a.db))
    };
    let data_dir = a.data_dir.clone().or_else(|| match &db {
        DbLocation::File(p) => Some(p.with_extension("media")),
        DbLocation::Memory => None,
    });
    let mut opts = StubOptions {
        addr: a.addr,
        db,
        data_dir,
        dev: a.dev,
        simulate: a.simulate.filter(|s| *s > 0.0).map(Duration::from_secs_f64),
        access_token_ttl: Duration::from_secs(a.access_ttl.max(1)),
        open311_api_keys: a.open311_keys.clone(),
        open311_jurisdiction: a.jurisdiction.clone(),
        rate_limit: (a.rate_limit > 0.0).then_some(RateLimit {
            per_second: a.rate_limit,
            burst: a.rate_burst.max(1),
        }),
        ..StubOptions::default()
    };
    if let Some(n) = a.otp_per_addr {
        opts.otp_limits.sends_per_addr = n;
        opts.otp_limits.fails_per_addr = n;
    }
    if let Some(b) = a.boundaries {
        opts.boundaries = Some(b);
    } else if opts.boundaries.is_none() {
        tracing::warn!("boundaries file not found; running without ward units (use --boundaries)");
    }
    if let Some(f) = &a.fcm_service_account {
        opts.push.fcm = Some(phananh_stub::push_out::FcmSender {
            service_account_json: std::fs::read_to_string(f)?,
            endpoint: "https://fcm.googleapis.com".into(),
        });
    }
    if let Some(k) = &a.apns_key {
        opts.push.apns = Some(phananh_stub::push_out::ApnsSender {
            key_p8: std::fs::read_to_string(k)?,
            key_id: a.apns_key_id.clone().unwrap_or_default(),
            team_id: a.apns_team_id.clone().unwrap_or_default(),
            topic: a.apns_topic.clone().unwrap_or_default(),
            endpoint: if a.apns_sandbox {
                "https://api.sandbox.push.apple.com".into()
            } else {
                "https://api.push.apple.com".into()
            },
        });
    }
    let stub = phananh_stub::start(opts).await?;
    println!(
        "phananh-stub listening on {} (started in {:.1} ms)",
        stub.base_url(),
        stub.startup_time().as_secs_f64() * 1000.0
    );
    tokio::signal::ctrl_c().await?;
    stub.shutdown().await;
    Ok(())
}
