//! [`Outbox`]: the persisted send queue (reports and ratings waiting to be delivered exactly
//! once), its snapshots with upload progress, the bounded `run_pending` entry point, and the
//! platform signals that decide whether it may move (network, "videos on Wi-Fi only").

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use uuid::Uuid;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::model::OutboxItem;
use crate::sync::events::{NetworkState, OutboxSnapshot, Subscription};
use crate::sync::{machine, worker, RunSummary};

#[derive(Clone)]
pub struct Outbox {
    ctx: Arc<Context>,
}

impl Outbox {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// Every item, oldest first, delivered ones included.
    pub async fn items(&self) -> Result<Vec<OutboxItem>> {
        self.ctx
            .blocking(|c| c.store.outbox_items_of(c.account().as_deref()))
            .await
    }

    /// Outbox rows with progress: the current snapshot first, then every change.
    pub async fn subscribe(&self) -> Result<Subscription<OutboxSnapshot>> {
        self.ctx
            .blocking(|c| {
                c.publish_outbox();
                Ok(c.engine.subscribe_outbox())
            })
            .await
    }

    /// The outbox as it is now (rebuilt from the store).
    pub async fn snapshot(&self) -> Result<Arc<OutboxSnapshot>> {
        Ok(self.subscribe().await?.current())
    }

    /// Deliver what the outbox holds until it is empty, blocked (offline, Wi-Fi, sign-in),
    /// or `budget` has passed, then sync my reports if time is left. Stops cleanly at the
    /// deadline: everything is resumable by the next call. One worker runs at a time; a
    /// second caller waits for the first (within its own budget). The work runs as a task on
    /// the client's runtime (never on the caller's thread); dropping the returned future
    /// stops it at its next await point, which every step is built to survive.
    pub async fn run_pending(&self, budget: Duration) -> Result<RunSummary> {
        let ctx = self.ctx.clone();
        let task = self
            .ctx
            .runtime
            .spawn(async move { run_pending(ctx, budget).await });
        let abort = AbortOnDrop(task.abort_handle());
        let result = match task.await {
            Ok(r) => r,
            Err(e) if e.is_cancelled() => Err(Error::Cancelled),
            Err(e) => Err(Error::Internal(format!("outbox worker: {e}"))),
        };
        drop(abort);
        result
    }

    /// The user pressed "cancel": take the item out of the outbox while the server cannot
    /// have it yet (see [`crate::sync::OutboxEntry::cancellable`]). A report goes back to the
    /// drafts with everything the user wrote and attached; a rating is dropped.
    pub async fn cancel(&self, client_id: Uuid) -> Result<OutboxItem> {
        self.ctx
            .blocking(move |c| {
                c.check_item_visible(client_id)?;
                let item = c.store.cancel_outbox_item(client_id)?;
                c.engine.forget_progress(client_id);
                c.publish_outbox();
                Ok(item)
            })
            .await
    }

    /// The user pressed "retry" on a failed item: queued again, from where it stopped.
    pub async fn retry(&self, client_id: Uuid) -> Result<OutboxItem> {
        self.ctx
            .blocking(move |c| {
                c.check_item_visible(client_id)?;
                let item = c.store.outbox_item(client_id)?;
                let next = machine::retry(&item, Utc::now())
                    .ok_or_else(|| Error::invalid_state(item.state.name(), "retry"))?;
                c.store.update_outbox_item(&next)?;
                c.engine.wake();
                c.publish_outbox();
                Ok(next)
            })
            .await
    }

    /// Connectivity from the platform. Returns at once (memory only); going online wakes a
    /// waiting worker, and the snapshot is republished on the blocking pool.
    pub fn set_network(&self, online: bool, metered: bool) {
        self.ctx
            .engine
            .set_network(NetworkState { online, metered });
        self.ctx.in_background(|c| c.publish_outbox());
    }

    /// "Send videos only on Wi-Fi" (kept across restarts).
    pub async fn set_video_wifi_only(&self, on: bool) -> Result<()> {
        self.ctx
            .blocking(move |c| {
                c.engine.set_video_wifi_only(&c.store, on)?;
                c.publish_outbox();
                Ok(())
            })
            .await
    }

    /// The current preference (memory only).
    pub fn video_wifi_only(&self) -> bool {
        self.ctx.engine.video_wifi_only()
    }
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn run_pending(ctx: Arc<Context>, budget: Duration) -> Result<RunSummary> {
    let deadline = tokio::time::Instant::now() + budget;
    let Ok(_guard) = tokio::time::timeout_at(deadline, ctx.engine.run_lock()).await else {
        return Ok(RunSummary {
            hit_deadline: true,
            ..Default::default()
        });
    };
    let running = ctx.engine.mark_running();
    let result = worker::drain(&ctx, deadline).await;
    drop(running);
    let summary = result?;
    ctx.blocking(|c| {
        c.publish_outbox();
        Ok(())
    })
    .await?;
    let ready = ctx.blocking(|c| Ok(c.engine.conditions())).await?;
    if !summary.hit_deadline && ready.online && ready.signed_in {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if !left.is_zero() {
            match tokio::time::timeout(left, crate::sync::status::sync_my_reports(&ctx)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::info!(error = %e, "status sync postponed"),
                Err(_) => {
                    return Ok(RunSummary {
                        hit_deadline: true,
                        ..summary
                    })
                }
            }
        }
    }
    Ok(summary)
}
