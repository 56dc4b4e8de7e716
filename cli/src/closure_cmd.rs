//! What a resident sends about someone's case besides a rating: confirm or dispute a
//! resolution ("đã sửa" / "chưa sửa"), and "me too" (find open reports nearby, follow one).
//! Answers and joins go through the outbox like ratings: sent now if possible, else later.

use std::time::Duration;

use clap::Args;
use phananh_core::model::{LocalState, OutboxItem};
use phananh_core::Client;

use crate::app::{print_json, Output};
use crate::sync_cmd::status_label;

#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The report's id (see `phananh reports`).
    pub id: String,
    #[command(flatten)]
    pub out: Output,
}

#[derive(Debug, Args)]
pub struct DisputeArgs {
    /// The report's id (see `phananh reports`).
    pub id: String,
    /// What is still wrong.
    #[arg(long)]
    pub text: String,
    #[command(flatten)]
    pub out: Output,
}

#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The report's id (see `phananh nearby`).
    pub id: String,
    #[command(flatten)]
    pub out: Output,
}

#[derive(Debug, Args)]
pub struct NearbyArgs {
    #[arg(long, allow_negative_numbers = true)]
    pub lat: f64,
    #[arg(long, allow_negative_numbers = true)]
    pub lon: f64,
    /// Category code (see `phananh config`).
    #[arg(long)]
    pub category: String,
    #[command(flatten)]
    pub out: Output,
}

/// Send the queued item now if possible and say where it stands.
async fn deliver(client: &Client, item: OutboxItem, what: &str, out: Output) -> anyhow::Result<()> {
    let _ = client.outbox().run_pending(Duration::from_secs(30)).await;
    let state = client.store().outbox_item(item.client_id)?.state;
    if out.json {
        print_json(&serde_json::json!({"client_id": item.client_id, "state": state}));
        return Ok(());
    }
    match state {
        LocalState::Submitted => println!("{what} sent"),
        LocalState::Failed { failure } => println!(
            "{what} not accepted: {}",
            crate::fail::describe_failure(&failure)
        ),
        _ => println!("{what} saved; it will be sent when there is a connection"),
    }
    Ok(())
}

pub async fn confirm(client: &Client, a: ConfirmArgs) -> anyhow::Result<()> {
    let item = client.reports().confirm(&a.id).await?;
    deliver(client, item, "confirmation (đã sửa)", a.out).await
}

pub async fn dispute(client: &Client, a: DisputeArgs) -> anyhow::Result<()> {
    let item = client.reports().dispute(&a.id, &a.text).await?;
    deliver(client, item, "dispute (chưa sửa)", a.out).await
}

pub async fn join(client: &Client, a: JoinArgs) -> anyhow::Result<()> {
    let item = client.reports().join(&a.id).await?;
    deliver(client, item, "me too", a.out).await
}

pub async fn nearby(client: &Client, a: NearbyArgs) -> anyhow::Result<()> {
    let r = client.feed().nearby(a.lat, a.lon, &a.category).await?;
    if a.out.json {
        print_json(&serde_json::json!({
            "items": r.items, "from_cache": r.from_cache, "fetched_at": r.fetched_at,
        }));
        return Ok(());
    }
    if r.from_cache {
        println!(
            "(offline: from the feed as last seen, {})",
            r.fetched_at.format("%Y-%m-%d %H:%M UTC")
        );
    }
    if r.items.is_empty() {
        println!("no open report of this category nearby");
    }
    for n in &r.items {
        println!(
            "{:<10} {:>6.0} m  {:<32} {:>3} me too  {}",
            n.report.id,
            n.distance_m,
            status_label(n.report.status),
            n.report.supporters,
            n.report.description.chars().take(50).collect::<String>()
        );
    }
    Ok(())
}
