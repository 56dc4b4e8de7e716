//! `phananh config`: the province's settings as this device knows them.

use clap::Subcommand;

use crate::app::{print_json, Global, Output};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show the server, categories, rating scale and media limits (the default).
    Show,
    /// Remember the server URL for later commands.
    SetServer { url: String },
}

pub async fn run(g: &Global, out: Output, cmd: Option<ConfigCommand>) -> anyhow::Result<()> {
    match cmd.unwrap_or(ConfigCommand::Show) {
        ConfigCommand::SetServer { url } => {
            if !phananh_core::config::is_acceptable_base_url(&url) {
                anyhow::bail!(
                    "the server URL must start with https:// (http:// only for this machine)"
                );
            }
            g.save_server(&url)?;
            println!("server set to {url}");
        }
        ConfigCommand::Show => {
            let client = g.open().await?;
            let cfg = client.tenant().config();
            if out.json {
                print_json(&cfg);
                return Ok(());
            }
            println!("{} ({})", cfg.name_vi, cfg.tenant_id);
            println!("server:        {}", cfg.api_base_url);
            println!("data folder:   {}", client.storage_dir().display());
            println!("categories (use the code with --category):");
            for c in &cfg.categories {
                println!("  {:<20} {} / {}", c.code, c.name_vi, c.name_en);
            }
            println!("rating levels (use the number with `phananh rate`):");
            for r in &cfg.rating_scale {
                let reopen = if r.may_reopen {
                    "  (may ask to reopen)"
                } else {
                    ""
                };
                println!("  {}  {} / {}{reopen}", r.value, r.label_vi, r.label_en);
            }
            let m = &cfg.media;
            println!(
                "media: up to {} photos and {} video (≤ {} s); photos sent at ≤ {} px, ≤ {} KB",
                m.max_photos,
                m.max_videos,
                m.max_video_seconds,
                m.photo_max_edge,
                m.photo_max_bytes / 1000
            );
        }
    }
    Ok(())
}
