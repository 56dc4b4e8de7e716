//! Subscriptions: the current state first, then every change, delivered to a foreign listener
//! until the returned [`TaskHandle`] is closed or dropped.
//!
//! Delivery runs on the core client's runtime and calls the listener on a blocking-pool thread with no
//! lock held, one value at a time and in order. The core's streams coalesce (a slow listener
//! sees the newest snapshot, not a backlog), so progress bars cannot fall behind.

use std::sync::Arc;

use crate::client::PhanAnhClient;
use crate::error::PhanAnhError;
use crate::sync::{OutboxSnapshot, ReportsSnapshot};
use crate::task::TaskHandle;

#[uniffi::export(foreign)]
pub trait OutboxListener: Send + Sync {
    fn on_outbox(&self, snapshot: OutboxSnapshot);
}

#[uniffi::export(foreign)]
pub trait ReportsListener: Send + Sync {
    fn on_reports(&self, snapshot: ReportsSnapshot);
}

/// Call `deliver` off the runtime's worker threads (foreign code may be slow) and wait for it,
/// so values arrive in order. A listener that throws is logged and keeps its subscription.
async fn deliver(f: impl FnOnce() + Send + 'static) {
    if let Err(e) = tokio::task::spawn_blocking(f).await {
        if e.is_panic() {
            tracing::warn!("a subscription listener failed; the subscription continues");
        }
    }
}

#[uniffi::export]
impl PhanAnhClient {
    /// The outbox with upload progress: the current snapshot at once, then each change.
    pub fn subscribe_outbox(
        &self,
        listener: Arc<dyn OutboxListener>,
    ) -> Result<Arc<TaskHandle>, PhanAnhError> {
        let outbox = self.core.outbox();
        let task = self.core.runtime().spawn(async move {
            // Reading the first snapshot touches the store: the core does it on its blocking pool.
            let Ok(mut sub) = outbox.subscribe().await else {
                return;
            };
            while let Some(snapshot) = sub.next().await {
                let value = OutboxSnapshot::from(&*snapshot);
                let l = listener.clone();
                deliver(move || l.on_outbox(value)).await;
            }
        });
        Ok(Arc::new(TaskHandle::new(task.abort_handle())))
    }

    /// "My reports" from the local cache: the current list at once, then each real change
    /// (a status sync that changed nothing sends nothing).
    pub fn subscribe_reports(
        &self,
        listener: Arc<dyn ReportsListener>,
    ) -> Result<Arc<TaskHandle>, PhanAnhError> {
        let reports = self.core.reports();
        let task = self.core.runtime().spawn(async move {
            let Ok(mut sub) = reports.subscribe().await else {
                return;
            };
            while let Some(snapshot) = sub.next().await {
                let value = ReportsSnapshot::from(&*snapshot);
                let l = listener.clone();
                deliver(move || l.on_reports(value)).await;
            }
        });
        Ok(Arc::new(TaskHandle::new(task.abort_handle())))
    }
}
