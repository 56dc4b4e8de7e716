//! `phananh`: the terminal shell over the core. This file only parses and dispatches; each
//! subcommand lives in its own module.

use clap::{Parser, Subcommand};

mod app;
mod config_cmd;
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
    /// Reports you started but have not sent.
    Drafts {
        #[command(flatten)]
        out: app::Output,
        #[command(subcommand)]
        cmd: Option<drafts_cmd::DraftsCommand>,
    },
    /// Show the whole mission on this machine: a local server, a flaky link, a report from
    /// photo to rating (under a minute).
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

fn run(cli: Cli) -> anyhow::Result<()> {
    let g = &cli.global;
    match cli.command {
        Commands::Config { out, cmd } => config_cmd::run(g, out, cmd),
        Commands::Report(ReportCommand::New(args)) => {
            let json = args.out.json;
            let client = g.open()?;
            let draft = drafts_cmd::new_report(&client, args)?;
            if json {
                app::print_json(&drafts_cmd::draft_json(&draft));
            }
            Ok(())
        }
        Commands::Drafts { out, cmd } => drafts_cmd::run(g, out, cmd),
        Commands::Login { phone, code, out } => block_on(|c| async move { sync_cmd::login(&c, &phone, code, out).await }, g),
        Commands::Logout => {
            g.open()?.sign_out()?;
            println!("signed out");
            Ok(())
        }
        Commands::Sync(args) => block_on(|c| async move { sync_cmd::sync(&c, args).await }, g),
        Commands::Outbox { watch: false, out } => sync_cmd::outbox(&g.open()?, out),
        Commands::Outbox { watch: true, out } => block_on(
            |c| async move {
                sync_cmd::send_with_progress(&c, std::time::Duration::from_secs(600), out.json).await?;
                sync_cmd::outbox(&c, out)
            },
            g,
        ),
        Commands::Retry { client_id } => {
            let item = g.open()?.retry_outbox_item(client_id)?;
            println!("{} will be sent again ({})", item.client_id, item.state.name());
            Ok(())
        }
        Commands::Cancel { client_id } => {
            g.open()?.cancel_outbox_item(client_id)?;
            println!("{client_id} taken out of the outbox; see `phananh drafts`");
            Ok(())
        }
        Commands::Reports { out } => sync_cmd::reports(&g.open()?, out),
        Commands::Report(ReportCommand::Show { id, out }) => block_on(|c| async move { sync_cmd::show(&c, &id, out).await }, g),
        Commands::Feed(args) => block_on(|c| async move { sync_cmd::feed(&c, args).await }, g),
        Commands::Rate(args) => block_on(|c| async move { sync_cmd::rate(&c, args).await }, g),
        Commands::Demo(args) => {
            app::runtime()?.block_on(demo::run(args))
        }
        Commands::Media(cmd) => media::run(cmd),
        Commands::Where(args) => where_cmd::run(g, args),
    }
}

/// Run an async command on a runtime made for it, with the client open.
fn block_on<F, Fut>(f: F, g: &app::Global) -> anyhow::Result<()>
where
    F: FnOnce(phananh_core::Client) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let rt = app::runtime()?;
    let client = g.open()?;
    rt.block_on(f(client))
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
