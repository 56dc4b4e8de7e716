//! [`Reports`]: "my reports" as cached on the device (offline), their status sync with the
//! server, one report's detail, and what a resident sends about a case through the outbox:
//! ratings, answers to a resolution (confirm / dispute) and "me too" (join).

use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use crate::context::Context;
use crate::error::{Error, FieldError, Result, ValidationReason};
use crate::model::{OutboxItem, Rating};
use crate::sync::events::{ReportsSnapshot, Subscription};
use phananh_wire as wire;

#[derive(Clone)]
pub struct Reports {
    ctx: Arc<Context>,
}

impl Reports {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// "My reports" from the local cache, with the current snapshot first then changes.
    pub async fn subscribe(&self) -> Result<Subscription<ReportsSnapshot>> {
        self.ctx
            .blocking(|c| {
                if let Err(e) = c.publish_reports(vec![]) {
                    tracing::warn!(error = %e, "reports snapshot");
                }
                Ok(c.engine.subscribe_reports())
            })
            .await
    }

    /// My reports from the cache, newest change first.
    pub async fn mine(&self) -> Result<Vec<wire::Report>> {
        self.ctx
            .blocking(|c| c.store.my_cached_reports(c.account().as_deref()))
            .await
    }

    /// A report with its merged timeline, from the cache.
    pub async fn cached(&self, id: &str) -> Result<Option<wire::Report>> {
        let id = id.to_owned();
        self.ctx
            .blocking(move |c| c.store.cached_report(&id, c.account().as_deref()))
            .await
    }

    /// Fetch one report (detail + timeline) and merge it.
    pub async fn refresh(&self, id: &str) -> Result<wire::Report> {
        let report = self.ctx.api()?.report(id).await?;
        let id = id.to_owned();
        self.ctx
            .blocking(move |c| {
                // Mine: filed by me, or followed ("me too").
                let mine =
                    report.client_id.is_some() || report.reporter.is_some() || report.following;
                let account = c.account();
                if c.store
                    .merge_report(&report, mine, account.as_deref())?
                    .is_changed()
                    && mine
                {
                    c.publish_reports(vec![report.id.clone()])?;
                }
                Ok(c.store
                    .cached_report(&id, account.as_deref())?
                    .unwrap_or(report))
            })
            .await
    }

    /// Pull my reports changed since the last sync; returns the ids that changed.
    pub async fn sync(&self) -> Result<Vec<String>> {
        crate::sync::status::sync_my_reports(&self.ctx).await
    }

    /// "Đã sửa": confirm the latest resolution of a report I filed or follow, within
    /// [`ANSWER_WINDOW_DAYS`](wire::closure::ANSWER_WINDOW_DAYS) of it. Goes through the
    /// outbox like a rating (offline first, delivered exactly once).
    pub async fn confirm(&self, report_id: &str) -> Result<OutboxItem> {
        let id = report_id.to_owned();
        self.ctx
            .blocking(move |c| answer(c, &id, wire::ClosureVerdict::Confirmed, None))
            .await
    }

    /// "Chưa sửa": dispute the latest resolution, saying what is still wrong; the server
    /// reopens the case and hands it to the IOC. Through the outbox like [`Self::confirm`].
    pub async fn dispute(&self, report_id: &str, text: &str) -> Result<OutboxItem> {
        let (id, text) = (report_id.to_owned(), text.to_owned());
        self.ctx
            .blocking(move |c| answer(c, &id, wire::ClosureVerdict::Disputed, Some(text)))
            .await
    }

    /// "Me too": follow an open report (found by [`crate::client::Feed::nearby`]) instead of
    /// filing the same problem again; its news then comes with my reports (`following`).
    /// Through the outbox (offline first, exactly once); asking twice gives the queued item.
    pub async fn join(&self, report_id: &str) -> Result<OutboxItem> {
        let id = report_id.trim().to_owned();
        if id.is_empty() {
            return Err(Error::Validation(vec![FieldError::new(
                "report_id",
                ValidationReason::Required,
            )]));
        }
        // A report this device never saw is looked up on the server (unknown: not found).
        let known = {
            let id = id.clone();
            self.ctx
                .blocking(move |c| {
                    let account = c.account();
                    if let Some(r) = c.store.cached_report(&id, account.as_deref())? {
                        return Ok(Some(Some(r)));
                    }
                    let in_feed = c.store.cached_feed_items()?.iter().any(|(i, _)| i.id == id);
                    Ok(in_feed.then_some(None))
                })
                .await?
        };
        let cached = match known {
            Some(r) => r,
            None if self.ctx.engine.network().online => Some(self.ctx.api()?.report(&id).await?),
            None => return Err(Error::not_found(format!("report {id}"))),
        };
        self.ctx
            .blocking(move |c| {
                let account = c.account();
                if let Some(r) = &cached {
                    let mine = (r.client_id.is_some() || r.reporter.is_some()) && !r.following;
                    if mine {
                        return Err(Error::invalid_state("your own report", "join"));
                    }
                }
                let queued = c.store.outbox_items_of(account.as_deref())?.into_iter().find(|i| {
                    matches!(&i.kind, crate::model::OutboxKind::Join { report_id } if *report_id == id)
                        && !matches!(i.state, crate::model::LocalState::Failed { .. })
                });
                if let Some(item) = queued {
                    return Ok(item);
                }
                let kind = crate::model::OutboxKind::Join { report_id: id };
                let item = c
                    .store
                    .enqueue_action(Uuid::now_v7(), &kind, Utc::now(), account.as_deref())?;
                c.engine.wake();
                c.publish_outbox();
                Ok(item)
            })
            .await
    }

    /// Rate a resolved report of mine (or ask to reopen it). Goes through the outbox: works
    /// offline and is delivered by the next `run_pending`.
    pub async fn rate(
        &self,
        report_id: &str,
        level: u8,
        comment: Option<String>,
        reopen: bool,
    ) -> Result<OutboxItem> {
        let report_id = report_id.to_owned();
        self.ctx
            .blocking(move |c| rate(c, &report_id, level, comment, reopen))
            .await
    }
}

/// Queue a resident's answer to the latest resolution of a cached report of theirs (filed
/// or followed), after the checks the cache allows: resolved, not answered yet (here or in
/// the outbox), within the answer window, a dispute saying what is wrong.
fn answer(
    c: &Context,
    report_id: &str,
    verdict: wire::ClosureVerdict,
    text: Option<String>,
) -> Result<OutboxItem> {
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let max = wire::closure::MAX_DISPUTE_TEXT;
    let action = match verdict {
        wire::ClosureVerdict::Confirmed => "confirm the fix",
        wire::ClosureVerdict::Disputed => "dispute the fix",
    };
    match (&text, verdict) {
        (None, wire::ClosureVerdict::Disputed) => {
            return Err(Error::Validation(vec![FieldError::new(
                "text",
                ValidationReason::Required,
            )]))
        }
        (Some(t), _) if t.chars().count() > max => {
            return Err(Error::Validation(vec![FieldError::new(
                "text",
                ValidationReason::TooLong { max: max as u32 },
            )]))
        }
        _ => {}
    }
    let account = c.account();
    let Some(r) = c.store.cached_report(report_id, account.as_deref())? else {
        return Err(Error::not_found(format!("report {report_id}")));
    };
    let Some(v) = r.verification.as_ref() else {
        return Err(Error::invalid_state(r.status.as_str(), action));
    };
    if v.my_answer.is_some() || answer_queued(c, report_id, account.as_deref())? {
        return Err(Error::invalid_state("already answered", action));
    }
    if Utc::now() > v.answer_until {
        return Err(Error::invalid_state(
            format!(
                "answer window of {} days closed",
                wire::closure::ANSWER_WINDOW_DAYS
            ),
            action,
        ));
    }
    if r.status != wire::ReportStatus::Resolved {
        return Err(Error::invalid_state(r.status.as_str(), action));
    }
    let kind = crate::model::OutboxKind::Closure {
        report_id: report_id.to_owned(),
        verdict,
        text,
    };
    let item = c
        .store
        .enqueue_action(Uuid::now_v7(), &kind, Utc::now(), account.as_deref())?;
    c.engine.wake();
    c.publish_outbox();
    Ok(item)
}

/// An answer to this report waiting in the outbox (not failed).
fn answer_queued(c: &Context, report_id: &str, owner: Option<&str>) -> Result<bool> {
    Ok(c.store.outbox_items_of(owner)?.iter().any(|i| {
        matches!(&i.kind, crate::model::OutboxKind::Closure { report_id: r, .. } if r == report_id)
            && !matches!(i.state, crate::model::LocalState::Failed { .. })
    }))
}

fn rate(
    c: &Context,
    report_id: &str,
    level: u8,
    comment: Option<String>,
    reopen: bool,
) -> Result<OutboxItem> {
    let cfg = c.config();
    let mut errors = Vec::new();
    match cfg.rating_level(level) {
        None => errors.push(FieldError::new(
            "rating.level",
            ValidationReason::OutOfRange,
        )),
        Some(l) if reopen && !l.may_reopen => errors.push(FieldError::new(
            "rating.reopen",
            ValidationReason::Invalid {
                detail: "reopening needs a 'not satisfied' rating".into(),
            },
        )),
        Some(_) => {}
    }
    let comment = comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() as u32 > cfg.rating_comment_max_chars)
    {
        errors.push(FieldError::new(
            "rating.comment",
            ValidationReason::TooLong {
                max: cfg.rating_comment_max_chars,
            },
        ));
    }
    let account = c.account();
    if let Some(r) = c.store.cached_report(report_id, account.as_deref())? {
        if r.status != wire::ReportStatus::Resolved {
            return Err(Error::invalid_state(r.status.as_str(), "rate report"));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let rating = Rating {
        level,
        comment,
        reopen,
        rated_at: Utc::now(),
    };
    let item = c.store.enqueue_rating(
        Uuid::now_v7(),
        report_id,
        &rating,
        Utc::now(),
        account.as_deref(),
    )?;
    c.engine.wake();
    c.publish_outbox();
    Ok(item)
}
