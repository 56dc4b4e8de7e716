//! The one tokio runtime the core runs on, and the two ways an FFI call waits for core work.
//!
//! Every async FFI method spawns its work here and awaits the `JoinHandle`, which any
//! foreign executor can poll (Kotlin coroutines, Swift tasks). That gives us control over
//! what a cancelled caller means:
//! - [`finish`]: the work runs to completion even if the caller goes away. Used for every
//!   store operation, so a cancelled coroutine can never stop a write half way (each core
//!   write is one SQLite transaction anyway; this also keeps file copies paired with rows).
//! - [`cancellable`]: dropping the caller ends the work at its next await point. Only for
//!   long work the core makes restartable at every step (`run_pending`).
//! A panic inside core work becomes `PhanAnhError::Internal`, never an unwind into the shell.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Handle, Runtime};

use crate::error::PhanAnhError;

static RUNTIME: OnceLock<Option<Runtime>> = OnceLock::new();

pub(crate) fn handle() -> Result<Handle, PhanAnhError> {
    let rt = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("phananh-core")
            .enable_all()
            .build()
            .map_err(|e| tracing::error!(error = %e, "cannot start the core runtime"))
            .ok()
    });
    rt.as_ref().map(|r| r.handle().clone()).ok_or(PhanAnhError::Internal)
}

fn joined<T>(r: Result<Result<T, PhanAnhError>, tokio::task::JoinError>) -> Result<T, PhanAnhError> {
    match r {
        Ok(r) => r,
        Err(e) if e.is_cancelled() => Err(PhanAnhError::Cancelled),
        Err(e) => {
            tracing::error!(error = %e, "core task panicked");
            Err(PhanAnhError::Internal)
        }
    }
}

/// Run blocking core work (SQLite, file copies) to completion on the blocking pool.
pub(crate) async fn finish<T, F>(work: F) -> Result<T, PhanAnhError>
where
    T: Send + 'static,
    F: FnOnce() -> phananh_core::Result<T> + Send + 'static,
{
    let task = handle()?.spawn_blocking(move || work().map_err(PhanAnhError::from));
    joined(task.await)
}

/// Run async core work to completion, whatever happens to the caller.
pub(crate) async fn finish_async<T, F, Fut>(make: F) -> Result<T, PhanAnhError>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = phananh_core::Result<T>> + 'static,
{
    drive(make, false).await
}

/// Run async core work that stops (at its next await point) when the caller is dropped.
pub(crate) async fn cancellable<T, F, Fut>(make: F) -> Result<T, PhanAnhError>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = phananh_core::Result<T>> + 'static,
{
    drive(make, true).await
}

/// Core futures need not be `Send`: each one is created and driven on a blocking-pool thread
/// (`Handle::block_on`, so timers and sockets work as on a worker). With `cancel_on_drop`, the
/// caller's side holds a channel whose closing (the caller dropped) ends the work.
async fn drive<T, F, Fut>(make: F, cancel_on_drop: bool) -> Result<T, PhanAnhError>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = phananh_core::Result<T>> + 'static,
{
    let rt = handle()?;
    let inner = rt.clone();
    let (stay, gone) = tokio::sync::oneshot::channel::<()>();
    let task = rt.spawn_blocking(move || {
        inner.block_on(async move {
            let work = make();
            if cancel_on_drop {
                tokio::select! {
                    r = work => r.map_err(PhanAnhError::from),
                    _ = gone => Err(PhanAnhError::Cancelled),
                }
            } else {
                work.await.map_err(PhanAnhError::from)
            }
        })
    });
    let r = joined(task.await);
    drop(stay);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_core_work_is_an_internal_error() {
        let r: Result<(), _> = handle().unwrap().block_on(finish(|| panic!("boom")));
        assert_eq!(r, Err(PhanAnhError::Internal));
    }

    #[test]
    fn dropped_caller_does_not_stop_finishing_work() {
        let (tx, rx) = std::sync::mpsc::channel();
        let rt = handle().unwrap();
        rt.block_on(async {
            let fut = finish(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                tx.send(()).unwrap();
                Ok(())
            });
            // Poll once so the work starts, then drop the caller.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(5), fut).await;
        });
        rx.recv_timeout(std::time::Duration::from_secs(5)).expect("work completed after the caller left");
    }

    #[test]
    fn core_futures_need_not_be_send() {
        let r = handle().unwrap().block_on(finish_async(|| async {
            let local = std::rc::Rc::new(41); // !Send, held across an await
            tokio::task::yield_now().await;
            Ok(*local + 1)
        }));
        assert_eq!(r, Ok(42));
    }

    #[test]
    fn dropped_caller_aborts_cancellable_work() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rt = handle().unwrap();
        rt.block_on(async {
            let fut = cancellable(move || async move {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                tx.send(()).unwrap();
                Ok(())
            });
            let _ = tokio::time::timeout(std::time::Duration::from_millis(5), fut).await;
        });
        // The sender was dropped with the aborted task, without sending.
        assert!(rx.recv_timeout(std::time::Duration::from_secs(1)).is_err());
    }
}
