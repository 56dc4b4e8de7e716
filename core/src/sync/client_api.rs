//! The sync engine's methods on [`Client`]: sign-in, platform signals, the bounded
//! `run_pending` entry point, subscriptions, status sync, ratings, feed and config.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;

use super::engine::{lock, Engine};
use super::events::{NetworkState, OutboxSnapshot, ReportsSnapshot, Subscription};
use super::machine;
use super::timeline::Merge;
use super::worker::{self, RunSummary};
use crate::api::app::{ConfigFetch, FeedQuery};
use crate::api::Api;
use crate::client::Client;
use crate::config::TenantConfig;
use crate::error::{Error, FieldError, Result, ValidationReason};
use crate::model::{OutboxItem, Rating};
use phananh_wire as wire;

const MY_REPORTS_CURSOR_KEY: &str = "sync.my_reports_cursor";
const CONFIG_ETAG_KEY: &str = "sync.config_etag";
const MY_REPORTS_PAGE: u32 = 100;

/// A feed page and whether it came from the offline cache.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedResult {
    pub page: wire::FeedPage,
    pub from_cache: bool,
    pub fetched_at: chrono::DateTime<Utc>,
}

impl Client {
    pub(crate) fn sync_engine(&self) -> &Arc<Engine> {
        self.sync_engine_ref()
    }

    /// HTTP client for the current tenant's base URL.
    pub fn api(&self) -> Result<Arc<Api>> {
        self.sync_engine().api(&self.config().api_base_url)
    }

    // ----- session ----------------------------------------------------------------------

    pub async fn request_otp(&self, phone: &str) -> Result<wire::OtpRequested> {
        self.api()?.request_otp(phone).await
    }

    /// Verify the OTP; the session goes to the platform's secret store. Queued items that
    /// waited for sign-in start moving.
    pub async fn sign_in(&self, phone: &str, code: &str) -> Result<wire::UserInfo> {
        let user = self.api()?.verify_otp(phone, code, None).await?;
        self.sync_engine().wake.notify_waiters();
        self.publish_outbox();
        Ok(user)
    }

    pub fn sign_out(&self) -> Result<()> {
        self.api()?.auth().clear()?;
        self.publish_outbox();
        Ok(())
    }

    pub fn is_signed_in(&self) -> bool {
        self.sync_engine().signed_in()
    }

    // ----- platform signals -------------------------------------------------------------

    /// Connectivity from the platform. Going online wakes a waiting worker.
    pub fn set_network(&self, online: bool, metered: bool) {
        self.sync_engine().set_network(NetworkState { online, metered });
        self.publish_outbox();
    }

    /// "Send videos only on Wi-Fi" (kept across restarts).
    pub fn set_video_wifi_only(&self, on: bool) -> Result<()> {
        self.sync_engine().set_video_wifi_only(self.store(), on)?;
        self.publish_outbox();
        Ok(())
    }

    pub fn video_wifi_only(&self) -> bool {
        self.sync_engine().video_wifi_only()
    }

    // ----- outbox -----------------------------------------------------------------------

    /// Outbox rows with progress: the current snapshot first, then every change.
    pub fn subscribe_outbox(&self) -> Subscription<OutboxSnapshot> {
        self.publish_outbox();
        self.sync_engine().subscribe_outbox()
    }

    pub fn outbox_snapshot(&self) -> Arc<OutboxSnapshot> {
        self.subscribe_outbox().current()
    }

    /// Deliver what the outbox holds until it is empty, blocked (offline, Wi-Fi, sign-in),
    /// or `budget` has passed, then sync my reports if time is left. Stops cleanly at the
    /// deadline: everything is resumable by the next call. One worker runs at a time; a
    /// second caller waits for the first (within its own budget).
    pub async fn run_pending(&self, budget: Duration) -> Result<RunSummary> {
        let deadline = tokio::time::Instant::now() + budget;
        let engine = self.sync_engine().clone();
        let Ok(_guard) = tokio::time::timeout_at(deadline, engine.run_lock.lock()).await else {
            return Ok(RunSummary { hit_deadline: true, ..Default::default() });
        };
        *lock(&engine.running) = true;
        let result = worker::drain(self, deadline).await;
        *lock(&engine.running) = false;
        let summary = result?;
        self.publish_outbox();
        if !summary.hit_deadline && engine.conditions().online && engine.signed_in() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !left.is_zero() {
                match tokio::time::timeout(left, self.sync_my_reports()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::info!(error = %e, "status sync postponed"),
                    Err(_) => return Ok(RunSummary { hit_deadline: true, ..summary }),
                }
            }
        }
        Ok(summary)
    }

    /// The user pressed "cancel": take the item out of the outbox while the server cannot
    /// have it yet (see [`crate::sync::OutboxEntry::cancellable`]). A report goes back to the
    /// drafts with everything the user wrote and attached; a rating is dropped.
    pub fn cancel_outbox_item(&self, client_id: Uuid) -> Result<OutboxItem> {
        let item = self.store().cancel_outbox_item(client_id)?;
        lock(&self.sync_engine().progress).remove(&client_id);
        self.publish_outbox();
        Ok(item)
    }

    /// The user pressed "retry" on a failed item.
    pub fn retry_outbox_item(&self, client_id: Uuid) -> Result<OutboxItem> {
        let item = self.store().outbox_item(client_id)?;
        let next = machine::retry(&item, Utc::now()).ok_or_else(|| Error::invalid_state(item.state.name(), "retry"))?;
        self.store().update_outbox_item(&next)?;
        self.sync_engine().wake.notify_waiters();
        self.publish_outbox();
        Ok(next)
    }

    /// Refresh the outbox snapshot after a change made outside the worker.
    pub fn publish_outbox(&self) {
        self.sync_engine().publish_outbox(self.store(), self.storage_dir());
    }

    // ----- ratings ----------------------------------------------------------------------

    /// Rate a resolved report of mine (or ask to reopen it). Goes through the outbox: works
    /// offline and is delivered by the next `run_pending`.
    pub fn rate_report(&self, report_id: &str, level: u8, comment: Option<String>, reopen: bool) -> Result<OutboxItem> {
        let cfg = self.config();
        let mut errors = Vec::new();
        match cfg.rating_level(level) {
            None => errors.push(FieldError::new("rating.level", ValidationReason::OutOfRange)),
            Some(l) if reopen && !l.may_reopen => errors.push(FieldError::new(
                "rating.reopen",
                ValidationReason::Invalid { detail: "reopening needs a 'not satisfied' rating".into() },
            )),
            Some(_) => {}
        }
        let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if comment.as_ref().is_some_and(|c| c.chars().count() as u32 > cfg.rating_comment_max_chars) {
            errors.push(FieldError::new("rating.comment", ValidationReason::TooLong { max: cfg.rating_comment_max_chars }));
        }
        if let Some(r) = self.store().cached_report(report_id)? {
            if r.status != wire::ReportStatus::Resolved {
                return Err(Error::invalid_state(r.status.as_str(), "rate report"));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let rating = Rating { level, comment, reopen, rated_at: Utc::now() };
        let item = self.store().enqueue_rating(Uuid::now_v7(), report_id, &rating, Utc::now())?;
        self.sync_engine().wake.notify_waiters();
        self.publish_outbox();
        Ok(item)
    }

    // ----- status sync ------------------------------------------------------------------

    /// "My reports" from the local cache, with the current snapshot first then changes.
    pub fn subscribe_reports(&self) -> Subscription<ReportsSnapshot> {
        if let Err(e) = self.publish_reports(vec![]) {
            tracing::warn!(error = %e, "reports snapshot");
        }
        self.sync_engine().subscribe_reports()
    }

    pub fn my_reports(&self) -> Result<Vec<wire::Report>> {
        self.store().my_cached_reports()
    }

    /// A report with its merged timeline, from the cache.
    pub fn cached_report(&self, id: &str) -> Result<Option<wire::Report>> {
        self.store().cached_report(id)
    }

    /// Fetch one report (detail + timeline) and merge it.
    pub async fn refresh_report(&self, id: &str) -> Result<wire::Report> {
        let report = self.api()?.report(id).await?;
        let mine = report.client_id.is_some() || report.reporter.is_some();
        if self.store().merge_report(&report, mine)?.is_changed() && mine {
            self.publish_reports(vec![report.id.clone()])?;
        }
        Ok(self.store().cached_report(id)?.unwrap_or(report))
    }

    /// Pull my reports changed since the stored cursor, merge them, and publish only if
    /// something really changed. Returns the ids that changed.
    pub async fn sync_my_reports(&self) -> Result<Vec<String>> {
        let api = self.api()?;
        let mut changed = Vec::new();
        let mut cursor = self.store().kv_get(MY_REPORTS_CURSOR_KEY)?;
        for _ in 0..1000 {
            let page = api.my_reports(cursor.as_deref(), MY_REPORTS_PAGE).await?;
            for r in &page.items {
                if let Merge::Changed { .. } = self.store().merge_report(r, true)? {
                    if !changed.contains(&r.id) {
                        changed.push(r.id.clone());
                    }
                }
            }
            // The cursor is stored after the page is merged: a crash in between re-reads the
            // page, which merges as "unchanged".
            self.store().kv_set(MY_REPORTS_CURSOR_KEY, &page.next_cursor)?;
            cursor = Some(page.next_cursor);
            if !page.has_more {
                break;
            }
        }
        self.publish_reports(changed.clone())?;
        Ok(changed)
    }

    /// Publish "my reports" from the cache when `changed` is not empty or the list differs
    /// from the last published one; otherwise subscribers hear nothing.
    pub(crate) fn publish_reports(&self, changed: Vec<String>) -> Result<()> {
        let reports = self.store().my_cached_reports()?;
        self.sync_engine().reports_tx.send_if_modified(|cur| {
            if changed.is_empty() && cur.reports == reports {
                return false;
            }
            *cur = Arc::new(ReportsSnapshot { reports, changed, synced_at: Some(Utc::now()) });
            true
        });
        Ok(())
    }

    // ----- public feed ------------------------------------------------------------------

    /// The public feed: fetched and cached when online, the cached copy when not.
    pub async fn feed(&self, query: &FeedQuery) -> Result<FeedResult> {
        let key = serde_json::to_string(&query.pairs()).expect("pairs serialize");
        let fetched = match self.sync_engine().conditions().online {
            true => Some(self.api()?.feed(query).await),
            false => None,
        };
        match fetched {
            Some(Ok(page)) => {
                let now = Utc::now();
                self.store().cache_feed(&key, &page, now)?;
                Ok(FeedResult { page, from_cache: false, fetched_at: now })
            }
            other => {
                let err = match other {
                    Some(Err(e)) => e,
                    _ => Error::Offline("network unavailable".into()),
                };
                if !matches!(machine::classify(&err), machine::Outcome::Transient { .. }) {
                    return Err(err);
                }
                match self.store().cached_feed(&key)? {
                    Some(c) => Ok(FeedResult { page: c.page, from_cache: true, fetched_at: c.fetched_at }),
                    None => Err(err),
                }
            }
        }
    }

    // ----- tenant config ----------------------------------------------------------------

    /// Conditional fetch of the tenant config (ETag). Returns true when a new config was
    /// applied. A config the app cannot use is refused and the current one kept.
    pub async fn refresh_config(&self) -> Result<bool> {
        let etag = self.store().kv_get(CONFIG_ETAG_KEY)?;
        match self.api()?.config(etag.as_deref()).await? {
            ConfigFetch::NotModified => Ok(false),
            ConfigFetch::Fresh { json, etag } => {
                let cfg = TenantConfig::from_json(&json)?;
                self.set_config(cfg)?;
                match etag {
                    Some(e) => self.store().kv_set(CONFIG_ETAG_KEY, &e)?,
                    None => self.store().kv_delete(CONFIG_ETAG_KEY)?,
                }
                Ok(true)
            }
        }
    }
}
