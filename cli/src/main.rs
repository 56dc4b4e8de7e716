//! `phananh`: the terminal shell over the core. This file only parses and dispatches; each
//! subcommand lives in its own module.

use clap::{Parser, Subcommand};

mod app;
mod closure_cmd;
mod config_cmd;
#[cfg(feature = "demo")]
mod demo;
mod drafts_cmd;
mod fail;
mod media;
mod secrets;
mod sync_cmd;
mod where_cmd;

const AFTER_HELP: &str = "\
Exit codes: 0 ok, 1 failure, 2 wrong usage, 3 the report needs fixing, 4 no connection,
5 sign-in needed or not allowed, 6 not found, 7 storage problem, 8 unusable photo/video,
9 server problem. Nothing you wrote or attached is lost when a command fails.";

#[derive(Debug, Parser)]
#[command(
    name = "phananh",
    version,
    about = "Phản ánh hiện trường — report a problem in your commune/ward and follow it, from a terminal",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(flatten)]
    global: app::Global,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Debug, Subcommand)]
enum Commands {
    /// Show the province's settings (server, categories, rating levels), or set the server.
    Config {
        #[command(flatten)]
        out: app::Output,
        #[command(subcommand)]
        cmd: Option<config_cmd::ConfigCommand>,
    },
    /// Write a new report, or look at one.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Sign in with your phone number (a one-time code is sent to it).
    Login {
        phone: String,
        /// The code, if you already have it (otherwise you are asked for it).
        #[arg(long)]
        code: Option<String>,
        #[command(flatten)]
        out: app::Output,
    },
    /// Sign out of this device (queued reports stay queued).
    Logout,
    /// The province's official notices (weather, disasters, traffic) for a place: those
    /// covering it, most severe first (from the cache when offline). Without --lat/--lon,
    /// only the province-wide ones.
    Notices {
        #[arg(long, requires = "lon", allow_negative_numbers = true)]
        lat: Option<f64>,
        #[arg(long, requires = "lat", allow_negative_numbers = true)]
        lon: Option<f64>,
        #[command(flatten)]
        out: app::Output,
    },
    /// Your data and your account: download everything, or delete the account.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Send what is queued (with progress) and fetch the news on your reports.
    Sync(sync_cmd::SyncArgs),
    /// What is waiting to be sent, with progress; `--watch` sends it with live progress bars.
    Outbox {
        /// Send now and follow each item's bytes live until all is sent (or failed).
        #[arg(long)]
        watch: bool,
        #[command(flatten)]
        out: app::Output,
    },
    /// Try again to send an item that failed.
    Retry { client_id: uuid::Uuid },
    /// Take an item back out of the outbox before it reaches the server (a report goes back
    /// to your drafts, with everything you wrote and attached).
    Cancel { client_id: uuid::Uuid },
    /// Your reports and where each one stands (as of the last sync).
    Reports {
        #[command(flatten)]
        out: app::Output,
    },
    /// Public reports from everyone, newest first.
    Feed(sync_cmd::FeedArgs),
    /// Rate how a resolved report was handled (and ask to reopen it if not satisfied).
    Rate(sync_cmd::RateArgs),
    /// "Đã sửa": confirm that a resolved report of yours (filed or followed) is really fixed
    /// (within 7 days of the resolution).
    Confirm(closure_cmd::ConfirmArgs),
    /// "Chưa sửa": say a resolved report is not fixed; it reopens and goes to the IOC
    /// (within 7 days of the resolution).
    Dispute(closure_cmd::DisputeArgs),
    /// Open reports of a category within 150 m of a point ("me too" before filing).
    Nearby(closure_cmd::NearbyArgs),
    /// "Me too": follow an open report instead of filing the same problem again.
    Join(closure_cmd::JoinArgs),
    /// Reports you started but have not sent.
    Drafts {
        #[command(flatten)]
        out: app::Output,
        #[command(subcommand)]
        cmd: Option<drafts_cmd::DraftsCommand>,
    },
    /// Show the whole mission on this machine: a local server, a flaky link, a report from
    /// photo to rating (under a minute). Developer builds only (`--features demo`).
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
    /// Photo and video tools (inspect, compress).
    #[command(subcommand)]
    Media(media::MediaCommand),
    /// Which commune/ward (and whether the province) contains a point, offline.
    Where(where_cmd::WhereArgs),
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// Write a report: photos/video, position (given, or from the photo), category and text.
    /// It is saved at once and queued; it is sent when there is a connection.
    New(drafts_cmd::NewReport),
    /// One report with its timeline.
    Show {
        id: String,
        #[command(flatten)]
        out: app::Output,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Download my data: the server's record of this account (reports, timelines, ratings,
    /// consents) and this device's unsent drafts, as data.json plus the media, in a new
    /// folder under DIR.
    Export {
        dir: std::path::PathBuf,
        #[command(flatten)]
        out: app::Output,
    },
    /// Delete my account: the server erases your phone number and name (your public reports
    /// stay, with nobody able to see who filed them), then this device forgets your drafts,
    /// queued reports and session. Cannot be undone; `--yes` confirms.
    Delete {
        #[arg(long)]
        yes: bool,
    },
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        // Offline tools that open no client.
        Commands::Media(cmd) => media::run(cmd),
        Commands::Where(args) => where_cmd::run(&cli.global, args),
        command => app::runtime()?.block_on(run_async(&cli.global, command)),
    }
}

/// Every command that uses the client: one runtime, the client opened on it.
async fn run_async(g: &app::Global, command: Commands) -> anyhow::Result<()> {
    match command {
        Commands::Config { out, cmd } => config_cmd::run(g, out, cmd).await,
        Commands::Report(ReportCommand::New(args)) => {
            let json = args.out.json;
            let client = g.open().await?;
            let draft = drafts_cmd::new_report(&client, args).await?;
            if json {
                app::print_json(&drafts_cmd::draft_json(&draft));
            }
            Ok(())
        }
        Commands::Drafts { out, cmd } => drafts_cmd::run(g, out, cmd).await,
        Commands::Login { phone, code, out } => {
            sync_cmd::login(&g.open().await?, &phone, code, out).await
        }
        Commands::Logout => {
            let client = g.open().await?;
            let unsent = client.session().unsent_count().await?;
            client.session().sign_out().await?;
            if unsent > 0 {
                println!("signed out; {unsent} unsent draft(s)/report(s) are kept for this account and go out when it signs in again");
            } else {
                println!("signed out");
            }
            Ok(())
        }
        Commands::Notices { lat, lon, out } => {
            let r = g.open().await?.notices().at(lat.zip(lon)).await?;
            if out.json {
                app::print_json(&serde_json::json!({
                    "ward": r.ward, "from_cache": r.from_cache, "fetched_at": r.fetched_at, "notices": r.notices,
                }));
            } else {
                if r.from_cache {
                    println!(
                        "(offline: as of {})",
                        r.fetched_at.format("%Y-%m-%d %H:%M UTC")
                    );
                }
                if r.notices.is_empty() {
                    println!("no notice for this place");
                }
                for n in &r.notices {
                    let level = match n.severity {
                        phananh_core::wire::NoticeSeverity::Severe => "KHẨN",
                        phananh_core::wire::NoticeSeverity::Warning => "Cảnh báo",
                        phananh_core::wire::NoticeSeverity::Info => "Thông tin",
                    };
                    println!("[{level}] {}\n  {}", n.title, n.body);
                }
            }
            Ok(())
        }
        Commands::Account(AccountCommand::Export { dir, out }) => {
            let s = g.open().await?.session().export_data(dir).await?;
            if out.json {
                app::print_json(&serde_json::json!({
                    "path": s.path, "reports": s.reports, "media_files": s.media_files, "media_missing": s.media_missing,
                }));
            } else {
                println!(
                    "wrote {} ({} report(s), {} media file(s))",
                    s.path.display(),
                    s.reports,
                    s.media_files
                );
                if s.media_missing > 0 {
                    println!(
                        "{} media file(s) could not be fetched; data.json names them",
                        s.media_missing
                    );
                }
            }
            Ok(())
        }
        Commands::Account(AccountCommand::Delete { yes }) => {
            if !yes {
                anyhow::bail!("deleting your account cannot be undone: run `phananh account delete --yes` to confirm");
            }
            g.open().await?.session().delete_account().await?;
            println!("account deleted; this device no longer holds its data");
            Ok(())
        }
        Commands::Sync(args) => sync_cmd::sync(&g.open().await?, args).await,
        Commands::Outbox { watch: false, out } => sync_cmd::outbox(&g.open().await?, out).await,
        Commands::Outbox { watch: true, out } => {
            let c = g.open().await?;
            sync_cmd::send_with_progress(&c, std::time::Duration::from_secs(600), out.json).await?;
            sync_cmd::outbox(&c, out).await
        }
        Commands::Retry { client_id } => {
            let item = g.open().await?.outbox().retry(client_id).await?;
            println!(
                "{} will be sent again ({})",
                item.client_id,
                item.state.name()
            );
            Ok(())
        }
        Commands::Cancel { client_id } => {
            g.open().await?.outbox().cancel(client_id).await?;
            println!("{client_id} taken out of the outbox; see `phananh drafts`");
            Ok(())
        }
        Commands::Reports { out } => sync_cmd::reports(&g.open().await?, out).await,
        Commands::Report(ReportCommand::Show { id, out }) => {
            sync_cmd::show(&g.open().await?, &id, out).await
        }
        Commands::Feed(args) => sync_cmd::feed(&g.open().await?, args).await,
        Commands::Rate(args) => sync_cmd::rate(&g.open().await?, args).await,
        Commands::Confirm(args) => closure_cmd::confirm(&g.open().await?, args).await,
        Commands::Dispute(args) => closure_cmd::dispute(&g.open().await?, args).await,
        Commands::Nearby(args) => closure_cmd::nearby(&g.open().await?, args).await,
        Commands::Join(args) => closure_cmd::join(&g.open().await?, args).await,
        #[cfg(feature = "demo")]
        Commands::Demo(args) => demo::run(args).await,
        Commands::Media(cmd) => media::run(cmd),
        Commands::Where(args) => where_cmd::run(g, args),
    }
}

fn main() -> std::process::ExitCode {
    // Behave like other Unix tools when the reader goes away (`phananh reports | head`).
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let (line, code) = fail::explain(&e);
            eprintln!("error: {line}");
            std::process::ExitCode::from(code)
        }
    }
}
