//! Commands that talk to the server: sign-in, sending the outbox with progress bars, my
//! reports and their timelines, the public feed, ratings.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use phananh_core::api::app::FeedQuery;
use phananh_core::model::{LocalState, OutboxKind, StatusText};
use phananh_core::sync::OutboxSnapshot;
use phananh_core::Client;
use phananh_wire as wire;

use crate::app::{print_json, Output};

pub fn status_label(s: wire::ReportStatus) -> String {
    format!("{} ({})", s.label_vi(), s.label_en())
}

/// `phananh login PHONE` asks the server to send a code (and, at a terminal, prompts for it);
/// `phananh login PHONE --code C` only verifies C. So a script runs the first, reads the code,
/// then runs the second, and a code is never made stale by a new request.
pub async fn login(
    client: &Client,
    phone: &str,
    code: Option<String>,
    out: Output,
) -> anyhow::Result<()> {
    let session = client.session();
    let code = match code {
        Some(c) => c,
        None => {
            let sent = session.request_otp(phone).await?;
            if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                if out.json {
                    print_json(&sent);
                } else {
                    println!(
                        "code sent to {}; run `phananh login {phone} --code CODE`",
                        sent.phone
                    );
                }
                return Ok(());
            }
            eprint!(
                "Nhập mã OTP gửi tới {} / enter the code sent to {}: ",
                sent.phone, sent.phone
            );
            std::io::stderr().flush().ok();
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the code")?;
            line.trim().to_owned()
        }
    };
    let user = session.sign_in(phone, &code).await?;
    if out.json {
        print_json(&user);
    } else {
        println!("signed in as {}", user.phone);
    }
    Ok(())
}

/// Send everything queued, drawing a bar per item, until all is delivered, only failures
/// are left, or `budget` runs out. Returns the outbox as it ends.
pub async fn send_with_progress(
    client: &Client,
    budget: Duration,
    quiet: bool,
) -> anyhow::Result<OutboxSnapshot> {
    let mut sub = client.outbox().subscribe().await?;
    let bars = MultiProgress::new();
    if quiet {
        bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {msg}")
        .expect("template")
        .progress_chars("=> ");
    // Without a terminal (CI logs, pipes) bars are not drawn: print a line per change of
    // state or per quarter of the bytes instead.
    let plain = !quiet && !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let draw = async {
        let mut rows: HashMap<uuid::Uuid, ProgressBar> = HashMap::new();
        let mut lines: HashMap<uuid::Uuid, String> = HashMap::new();
        let mut last_error = None;
        while let Some(snap) = sub.next().await {
            if plain {
                for e in &snap.entries {
                    let quarter = (4 * e.bytes_sent.min(e.bytes_total)) / e.bytes_total.max(1);
                    let line = format!(
                        "{} {} {}%",
                        e.item.state.name(),
                        e.blocked.map(|b| format!("{b:?}")).unwrap_or_default(),
                        quarter * 25
                    );
                    if lines.get(&e.item.client_id) != Some(&line) {
                        println!(
                            "    {} {:>9} / {:>9} bytes  {}",
                            short(&e.item.client_id.to_string()),
                            e.bytes_sent.min(e.bytes_total),
                            e.bytes_total,
                            line
                        );
                        lines.insert(e.item.client_id, line);
                    }
                }
                if snap.last_error.is_some() && snap.last_error != last_error {
                    println!("    retrying after: {}", retry_text(snap.last_error));
                }
                last_error = snap.last_error;
                continue;
            }
            for e in &snap.entries {
                let bar = rows.entry(e.item.client_id).or_insert_with(|| {
                    let b = bars.add(ProgressBar::new(e.bytes_total.max(1)));
                    b.set_style(style.clone());
                    b.set_prefix(short(&e.item.client_id.to_string()));
                    b
                });
                bar.set_length(e.bytes_total.max(1));
                bar.set_position(e.bytes_sent.min(e.bytes_total));
                let msg = match (&e.item.state, &e.blocked) {
                    (_, Some(reason)) => format!("waiting: {reason:?}"),
                    (LocalState::Failed { failure }, _) => {
                        format!(
                            "failed: {}{}",
                            crate::fail::describe_failure(failure),
                            if failure.retryable() {
                                " (retry may help)"
                            } else {
                                ""
                            }
                        )
                    }
                    (LocalState::Submitted, _) => "sent ✓".into(),
                    (_, _) if e.preparing => "preparing photos/videos".into(),
                    (s, _) => s.name().into(),
                };
                bar.set_message(msg);
            }
            if let Some(err) = &snap.last_error {
                let _ = bars.println(format!("retrying after: {}", retry_text(Some(*err))));
            }
        }
    };
    let deadline = tokio::time::Instant::now() + budget;
    let work = async {
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            let summary = client.outbox().run_pending(left).await?;
            let snap = client.outbox().snapshot().await?;
            let waiting = snap.entries.iter().any(|e| {
                matches!(e.item.state, LocalState::Queued | LocalState::Uploading)
                    && e.blocked.is_none()
            });
            if summary.hit_deadline || !waiting {
                break;
            }
            // Items in backoff: wait a little for their next attempt.
            tokio::time::sleep(Duration::from_millis(200).min(left)).await;
        }
        anyhow::Ok(())
    };
    tokio::select! {
        r = work => r?,
        _ = draw => {}
    }
    Ok((*client.outbox().snapshot().await?).clone())
}

pub fn short(id: &str) -> String {
    id.chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Give up after this many seconds (what is left stays queued).
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    #[command(flatten)]
    pub out: Output,
}

pub async fn sync(client: &Client, a: SyncArgs) -> anyhow::Result<()> {
    async fn versions(c: &Client) -> anyhow::Result<HashMap<String, u64>> {
        Ok(c.reports()
            .mine()
            .await?
            .into_iter()
            .map(|r| (r.id, r.version))
            .collect())
    }
    let before = versions(client).await?;
    let snap = send_with_progress(client, Duration::from_secs(a.timeout), a.out.json).await?;
    if client.session().is_signed_in().await? {
        client.reports().sync().await?;
    }
    let mut changed: Vec<String> = versions(client)
        .await?
        .into_iter()
        .filter(|(id, v)| before.get(id) != Some(v))
        .map(|(id, _)| id)
        .collect();
    changed.sort();
    let sent = snap
        .entries
        .iter()
        .filter(|e| e.item.state == LocalState::Submitted)
        .count();
    let failed: Vec<_> = snap
        .entries
        .iter()
        .filter(|e| matches!(e.item.state, LocalState::Failed { .. }))
        .collect();
    let waiting = snap.entries.len() - sent - failed.len();
    if a.out.json {
        print_json(
            &serde_json::json!({"sent": sent, "failed": failed.len(), "waiting": waiting, "reports_changed": changed}),
        );
    } else {
        println!(
            "{sent} sent, {} failed, {waiting} waiting; {} of your reports changed",
            failed.len(),
            changed.len()
        );
        for f in failed {
            if let LocalState::Failed { failure } = &f.item.state {
                let reason = crate::fail::describe_failure(failure);
                println!(
                    "  {} failed: {reason} — `phananh retry {}` to try again",
                    f.item.client_id, f.item.client_id
                );
            }
        }
    }
    if waiting > 0 && !snap.signed_in {
        anyhow::bail!(phananh_core::Error::Unauthorized);
    }
    if waiting > 0 {
        if let Some(err) = &snap.last_error {
            anyhow::bail!(phananh_core::Error::Offline(retry_text(Some(*err)).into()));
        }
    }
    Ok(())
}

pub async fn outbox(client: &Client, out: Output) -> anyhow::Result<()> {
    let snap = client.outbox().snapshot().await?;
    if out.json {
        print_json(&*snap);
        return Ok(());
    }
    if snap.entries.is_empty() {
        println!("the outbox is empty");
    }
    for e in &snap.entries {
        let what = match &e.item.kind {
            OutboxKind::Report { draft_id } => {
                format!("report (draft {})", short(&draft_id.to_string()))
            }
            OutboxKind::Rating { report_id, rating } => {
                format!("rating {} of report {report_id}", rating.level)
            }
            OutboxKind::Closure {
                report_id, verdict, ..
            } => format!("{} of report {report_id}", verdict.as_str()),
            OutboxKind::Join { report_id } => format!("me too on report {report_id}"),
        };
        let state = match &e.item.state {
            LocalState::Failed { failure } => {
                format!("failed: {}", crate::fail::describe_failure(failure))
            }
            s => s.name().to_owned(),
        };
        println!(
            "{}  {:<30} {:<12} {}/{} bytes",
            e.item.client_id, what, state, e.bytes_sent, e.bytes_total
        );
    }
    if !snap.network.online {
        println!("(offline: waiting for a connection)");
    }
    Ok(())
}

pub async fn reports(client: &Client, out: Output) -> anyhow::Result<()> {
    let reports = client.reports().mine().await?;
    if out.json {
        print_json(&reports);
        return Ok(());
    }
    if reports.is_empty() {
        println!("no reports yet (run `phananh sync` to fetch them)");
    }
    for r in reports {
        let ward = r.ward.as_ref().map(|w| w.full_name.as_str()).unwrap_or("-");
        println!(
            "{:<10} {:<32} {:<20} {}",
            r.id,
            status_label(r.status),
            ward,
            r.description.chars().take(40).collect::<String>()
        );
    }
    Ok(())
}

pub fn print_report(r: &wire::Report) {
    println!("report {} — {}", r.id, status_label(r.status));
    println!("  {}: {}", r.category, r.description);
    if let Some(a) = &r.address {
        println!("  at {a} ({:.5}, {:.5})", r.lat, r.lon);
    }
    if let Some(u) = &r.unit {
        println!("  handled by {}", u.name);
    }
    if let Some(d) = r.deadline {
        println!("  deadline {}", d.format("%Y-%m-%d %H:%M UTC"));
    }
    for e in &r.timeline {
        print_event(e);
    }
    if r.following {
        println!("  you follow this report (me too)");
    }
    if r.supporters > 0 {
        println!("  {} other resident(s) said me too", r.supporters);
    }
    if let Some(v) = &r.verification {
        let d = v
            .distance_m
            .map(|d| format!(" {d:.0} m from the report"))
            .unwrap_or_default();
        if v.verified {
            println!("  đã xác minh tại hiện trường / verified on site:{d}");
        } else {
            let why = v.reason.map(|x| x.as_str()).unwrap_or("other");
            println!("  chưa xác minh / not verified ({why}){d}");
        }
        match &v.my_answer {
            Some(a) => println!("  your answer: {}", a.verdict.as_str()),
            None => println!(
                "  confirm or dispute until {} (phananh confirm / dispute)",
                v.answer_until.format("%Y-%m-%d %H:%M UTC")
            ),
        }
    }
    if let Some(rt) = &r.my_rating {
        println!(
            "  your rating: {}{}",
            rt.level,
            rt.comment
                .as_deref()
                .map(|c| format!(" — {c}"))
                .unwrap_or_default()
        );
    }
}

pub fn print_event(e: &wire::TimelineEvent) {
    let what = match e.kind {
        wire::EventKind::Rated => "Đánh giá (Rated)".to_owned(),
        wire::EventKind::Response => "Phản hồi (Answer)".to_owned(),
        wire::EventKind::DeadlineExtended => "Gia hạn (Deadline extended)".to_owned(),
        _ => status_label(e.status),
    };
    let unit = e
        .unit
        .as_ref()
        .map(|u| format!(" [{}]", u.name))
        .unwrap_or_default();
    let msg = e
        .message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let media = if e.media.is_empty() {
        String::new()
    } else {
        format!(" (+{} file(s))", e.media.len())
    };
    println!(
        "  {}  {:<32}{unit}{msg}{media}",
        e.at.format("%H:%M:%S"),
        what
    );
}

pub async fn show(client: &Client, id: &str, out: Output) -> anyhow::Result<()> {
    let report = match client.reports().refresh(id).await {
        Ok(r) => r,
        // Offline: show what we have.
        Err(e @ phananh_core::Error::Offline(_)) => client.reports().cached(id).await?.ok_or(e)?,
        Err(e) => return Err(e.into()),
    };
    if out.json {
        print_json(&report)
    } else {
        print_report(&report)
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct FeedArgs {
    /// Only reports near this point: LAT,LON.
    #[arg(long, value_parser = parse_latlon, allow_hyphen_values = true)]
    pub near: Option<(f64, f64)>,
    /// Radius around --near, in km.
    #[arg(long, default_value_t = 5.0)]
    pub km: f64,
    #[arg(long)]
    pub category: Option<String>,
    /// Words to look for (accents optional: "duong" finds "đường").
    #[arg(long)]
    pub text: Option<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    #[command(flatten)]
    pub out: Output,
}

fn parse_latlon(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(',').ok_or("expected LAT,LON")?;
    let lat: f64 = a.trim().parse().map_err(|_| "bad latitude")?;
    let lon: f64 = b.trim().parse().map_err(|_| "bad longitude")?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err("position out of range".into());
    }
    Ok((lat, lon))
}

pub async fn feed(client: &Client, a: FeedArgs) -> anyhow::Result<()> {
    let bbox = a.near.map(|(lat, lon)| {
        let dlat = a.km / 111.32;
        let dlon = a.km / (111.32 * lat.to_radians().cos().max(0.01));
        (lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    });
    let q = FeedQuery {
        bbox,
        category: a.category,
        text: a.text,
        limit: Some(a.limit),
        ..Default::default()
    };
    let result = client.feed().page(&q).await?;
    if a.out.json {
        print_json(&result.page);
        return Ok(());
    }
    if result.from_cache {
        println!("(offline: showing the feed as last seen)");
    }
    for i in &result.page.items {
        let ward = i.ward.as_ref().map(|w| w.full_name.as_str()).unwrap_or("-");
        println!(
            "{:<10} {:<32} {:<20} {}",
            i.id,
            status_label(i.status),
            ward,
            i.description.chars().take(50).collect::<String>()
        );
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct RateArgs {
    /// The report's id (see `phananh reports`).
    pub id: String,
    /// Satisfaction level (see `phananh config`: 3 satisfied, 2 acceptable, 1 not satisfied).
    pub level: u8,
    #[arg(long)]
    pub comment: Option<String>,
    /// Ask the province to reopen the case (only with a "not satisfied" level).
    #[arg(long)]
    pub reopen: bool,
    #[command(flatten)]
    pub out: Output,
}

pub async fn rate(client: &Client, a: RateArgs) -> anyhow::Result<()> {
    let item = client
        .reports()
        .rate(&a.id, a.level, a.comment, a.reopen)
        .await?;
    // Delivered now if we can; otherwise it waits in the outbox like a report.
    let _ = client.outbox().run_pending(Duration::from_secs(30)).await;
    let state = client.store().outbox_item(item.client_id)?.state;
    if a.out.json {
        print_json(&serde_json::json!({"client_id": item.client_id, "state": state}));
    } else {
        match state {
            LocalState::Submitted => println!("rating sent"),
            LocalState::Failed { failure } => println!(
                "rating not accepted: {}",
                crate::fail::describe_failure(&failure)
            ),
            _ => println!("rating saved; it will be sent when there is a connection"),
        }
    }
    Ok(())
}

/// What the last transient problem was, in words.
fn retry_text(kind: Option<phananh_core::sync::TransientKind>) -> &'static str {
    use phananh_core::sync::TransientKind as K;
    match kind {
        Some(K::Network) => "the connection failed",
        Some(K::Timeout) => "the server did not answer in time",
        Some(K::Server) => "the server is busy or failed",
        Some(K::Local) => "a storage problem on this device",
        None => "",
    }
}
