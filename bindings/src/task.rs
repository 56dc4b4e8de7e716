//! [`TaskHandle`]: what a subscription returns. The subscription's task stops when the handle
//! is closed (`close()` in Kotlin, `cancel()` anywhere) or dropped (garbage collected, Swift
//! `deinit`), so a forgotten screen cannot leak a stream.

use tokio::task::AbortHandle;

#[derive(uniffi::Object)]
pub struct TaskHandle {
    abort: AbortHandle,
}

impl TaskHandle {
    pub(crate) fn new(abort: AbortHandle) -> Self {
        Self { abort }
    }
}

#[uniffi::export]
impl TaskHandle {
    /// Stop the stream. The listener gets no calls after this returns... except one that was
    /// already running on another thread.
    pub fn cancel(&self) {
        self.abort.abort();
    }

    pub fn is_finished(&self) -> bool {
        self.abort.is_finished()
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.abort.abort();
    }
}
