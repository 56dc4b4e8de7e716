//! [`Reports`]: "my reports" as cached on the device (offline), their status sync with the
//! server, one report's detail, and ratings (which go through the outbox).

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
                let mine = report.client_id.is_some() || report.reporter.is_some();
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
