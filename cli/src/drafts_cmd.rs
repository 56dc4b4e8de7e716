//! `phananh report new` and `phananh drafts`: writing a report, offline.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::Utc;
use clap::{Args, Subcommand};
use phananh_core::location::LocationWarning;
use phananh_core::model::{Draft, DraftPatch, LocationFix, LocationSource};
use phananh_core::Client;
use serde_json::json;
use uuid::Uuid;

use crate::app::{print_json, Global, Output};

#[derive(Debug, Args)]
pub struct NewReport {
    /// Photo(s) of the problem (JPEG, PNG, WebP, HEIC). Repeat for several.
    #[arg(long = "photo", value_name = "FILE")]
    pub photos: Vec<PathBuf>,
    /// A short video (MP4/MOV, at most the province's limit).
    #[arg(long, value_name = "FILE")]
    pub video: Option<PathBuf>,
    /// Latitude of the problem; without --lat/--lon the position is read from the photo.
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    pub lat: Option<f64>,
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    pub lon: Option<f64>,
    /// How sure the position is, in metres.
    #[arg(long)]
    pub accuracy: Option<f64>,
    /// Field of the problem (a code from `phananh config`, e.g. giao_thong).
    #[arg(long)]
    pub category: String,
    /// What is wrong, in your words.
    #[arg(long)]
    pub text: String,
    /// Hide your name and phone number from every unit handling the report; only an IOC leader
    /// can see them, with a reason that appears in the report's timeline.
    #[arg(long)]
    pub anonymous: bool,
    /// Keep it as a draft instead of queueing it for sending.
    #[arg(long)]
    pub draft: bool,
    #[command(flatten)]
    pub out: Output,
}

#[derive(Debug, Subcommand)]
pub enum DraftsCommand {
    /// List drafts not yet sent (the default).
    List,
    /// Queue a finished draft for sending.
    Submit { id: Uuid },
    /// Delete a draft and its copies of media.
    Delete { id: Uuid },
}

/// Create the draft, attach media, place it, and queue it. Each step is saved as it
/// happens: if one fails, what came before stays in the draft and the line says how to go on.
pub async fn new_report(client: &Client, a: NewReport) -> anyhow::Result<Draft> {
    let drafts = client.drafts();
    let draft = drafts.create().await?;
    let id = draft.id;
    let keep = |e: anyhow::Error| {
        e.context(format!(
            "draft {id} is saved; fix the problem and use `phananh drafts`"
        ))
    };
    drafts
        .update(
            id,
            DraftPatch {
                category: Some(Some(a.category.clone())),
                description: Some(a.text.clone()),
                anonymous: Some(a.anonymous),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| keep(e.into()))?;
    for p in a.photos.iter().chain(a.video.iter()) {
        drafts
            .add_attachment(id, p.clone())
            .await
            .with_context(|| format!("attaching {}", p.display()))
            .map_err(keep)?;
    }
    let device: Vec<LocationFix> = match (a.lat, a.lon) {
        (Some(lat), Some(lon)) => vec![LocationFix {
            lat,
            lon,
            accuracy_m: a.accuracy,
            altitude_m: None,
            time: Utc::now(),
            source: LocationSource::Manual,
        }],
        _ => vec![],
    };
    let assessment = drafts
        .set_location(id, device)
        .await
        .map_err(|e| keep(e.into()))?;
    for w in &assessment.warnings {
        eprintln!("warning: {}", warning_text(w));
    }
    if a.draft {
        return Ok(drafts.get(id).await?);
    }
    drafts.submit(id).await.map_err(|e| keep(e.into()))?;
    let d = drafts.get(id).await?;
    if !a.out.json {
        let place = d
            .ward
            .as_ref()
            .map(|w| w.full_name.as_str())
            .unwrap_or("(no commune/ward found)");
        println!("report {id} queued for sending — {place}");
    }
    Ok(d)
}

pub fn warning_text(w: &LocationWarning) -> String {
    match w {
        LocationWarning::PhotoFar { distance_m } => format!(
            "the photo was taken {:.0} m from the report's position",
            distance_m
        ),
        LocationWarning::PhotoStale { age_days } => {
            format!("the photo was taken {age_days} days ago")
        }
        LocationWarning::StaleFix { age_s } => {
            format!("the position is {} minutes old", age_s / 60)
        }
        LocationWarning::PoorAccuracy { accuracy_m } => {
            format!("the position is only accurate to {:.0} m", accuracy_m)
        }
        LocationWarning::OutsideProvince => "the position is outside the province".into(),
    }
}

pub fn draft_json(d: &Draft) -> serde_json::Value {
    json!({
        "id": d.id,
        "state": d.state,
        "category": d.category,
        "description": d.description,
        "anonymous": d.anonymous,
        "location": d.location,
        "ward": d.ward,
        "attachments": d.attachments.iter().map(|a| json!({
            "id": a.id, "kind": a.kind, "name": a.original_name, "bytes": a.size_bytes,
        })).collect::<Vec<_>>(),
        "updated_at": d.updated_at,
    })
}

pub async fn run(g: &Global, out: Output, cmd: Option<DraftsCommand>) -> anyhow::Result<()> {
    let service = g.open().await?.drafts();
    match cmd.unwrap_or(DraftsCommand::List) {
        DraftsCommand::List => {
            let drafts = service.list().await?;
            if out.json {
                print_json(&drafts.iter().map(draft_json).collect::<Vec<_>>());
            } else if drafts.is_empty() {
                println!("no drafts");
            } else {
                for d in drafts {
                    let problems = service.validate(d.id).await?;
                    let status = if problems.is_empty() {
                        "ready".to_owned()
                    } else {
                        format!("{} to fix", problems.len())
                    };
                    println!(
                        "{}  {:<16} {:<10} {} file(s)  {}",
                        d.id,
                        d.category.as_deref().unwrap_or("-"),
                        status,
                        d.attachments.len(),
                        d.description.chars().take(40).collect::<String>()
                    );
                }
            }
        }
        DraftsCommand::Submit { id } => {
            let item = service.submit(id).await?;
            if out.json {
                print_json(&item)
            } else {
                println!("draft {id} queued as {}", item.client_id)
            }
        }
        DraftsCommand::Delete { id } => {
            service.delete(id).await?;
            if !out.json {
                println!("draft {id} deleted");
            }
        }
    }
    Ok(())
}
