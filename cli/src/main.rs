//! `phananh`: the terminal shell over the core. This file only parses and dispatches; each
//! subcommand lives in its own module.

use clap::{Parser, Subcommand};

mod app;
mod config_cmd;
mod drafts_cmd;
mod fail;
mod media;
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
    /// Reports you started but have not sent.
    Drafts {
        #[command(flatten)]
        out: app::Output,
        #[command(subcommand)]
        cmd: Option<drafts_cmd::DraftsCommand>,
    },
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
