//! Core log records delivered to the platform's logger (Logcat, os_log) through [`LogSink`].
//!
//! Core code may log while it holds a lock, so records are never handed to the foreign sink on
//! the logging thread: they go through a bounded queue to one delivery thread, which calls the
//! sink with no lock held. When the queue is full, records are dropped and counted rather than
//! slowing the core down.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

impl From<&tracing::Level> for LogLevel {
    fn from(l: &tracing::Level) -> Self {
        match *l {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::TRACE => LogLevel::Trace,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LogRecord {
    pub level: LogLevel,
    /// Rust module that logged, e.g. `phananh_core::sync`.
    pub target: String,
    /// Message followed by its fields (`key=value`). The core logs no personal data.
    pub message: String,
    pub time: SystemTime,
}

/// The platform logger. Called on a dedicated thread, one record at a time.
#[uniffi::export(foreign)]
pub trait LogSink: Send + Sync {
    fn log(&self, record: LogRecord);
}

struct Bridge {
    tx: SyncSender<LogRecord>,
    sink: Arc<RwLock<Option<Arc<dyn LogSink>>>>,
    max_level: AtomicU8,
    dropped: AtomicU64,
}

static BRIDGE: OnceLock<Bridge> = OnceLock::new();
const QUEUE: usize = 1024;

fn bridge() -> &'static Bridge {
    BRIDGE.get_or_init(|| {
        let (tx, rx) = sync_channel::<LogRecord>(QUEUE);
        let sink: Arc<RwLock<Option<Arc<dyn LogSink>>>> = Arc::default();
        let slot = sink.clone();
        let spawned = std::thread::Builder::new()
            .name("phananh-log".into())
            .spawn(move || {
                for record in rx {
                    // Take the sink out of the lock before calling into foreign code.
                    let current = slot.read().unwrap_or_else(|p| p.into_inner()).clone();
                    if let Some(s) = current {
                        // A throwing Kotlin/Swift logger must not kill log delivery.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            s.log(record)
                        }));
                    }
                }
            });
        if spawned.is_err() {
            eprintln!("phananh: cannot start the log thread; core logs are not forwarded");
        }
        let subscriber = tracing_subscriber::registry().with(Forward);
        if tracing::subscriber::set_global_default(subscriber).is_err() {
            eprintln!("phananh: a tracing subscriber is already installed; core logs go there");
        }
        Bridge {
            tx,
            sink,
            max_level: AtomicU8::new(LogLevel::Info as u8),
            dropped: AtomicU64::new(0),
        }
    })
}

/// Send core logs at `max_level` and above to `sink`; `None` stops forwarding.
/// May be called again to change the sink or the level.
#[uniffi::export]
pub fn set_log_sink(sink: Option<Arc<dyn LogSink>>, max_level: LogLevel) {
    let b = bridge();
    b.max_level.store(max_level as u8, Ordering::Relaxed);
    *b.sink.write().unwrap_or_else(|p| p.into_inner()) = sink;
}

/// Records dropped because the platform logger could not keep up.
#[uniffi::export]
pub fn dropped_log_records() -> u64 {
    BRIDGE
        .get()
        .map_or(0, |b| b.dropped.load(Ordering::Relaxed))
}

struct Forward;

impl<S: tracing::Subscriber> Layer<S> for Forward {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let Some(b) = BRIDGE.get() else { return };
        let meta = event.metadata();
        let level = LogLevel::from(meta.level());
        if level as u8 > b.max_level.load(Ordering::Relaxed) {
            return;
        }
        let mut text = Text::default();
        event.record(&mut text);
        let record = LogRecord {
            level,
            target: meta.target().to_owned(),
            message: text.finish(),
            time: SystemTime::now(),
        };
        if let Err(TrySendError::Full(_)) = b.tx.try_send(record) {
            b.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Text {
    fn finish(self) -> String {
        if self.fields.is_empty() {
            self.message
        } else {
            format!("{}{}", self.message, self.fields)
        }
    }
}

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.fields
                .push_str(&format!(" {}={value:?}", field.name()));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.fields.push_str(&format!(" {}={value}", field.name()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Collect(Mutex<Vec<LogRecord>>);
    impl LogSink for Collect {
        fn log(&self, record: LogRecord) {
            self.0.lock().unwrap().push(record);
        }
    }

    #[test]
    fn records_reach_the_sink_filtered_by_level() {
        let sink = Arc::new(Collect(Mutex::new(vec![])));
        set_log_sink(Some(sink.clone()), LogLevel::Info);
        tracing::debug!("not wanted");
        tracing::warn!(attempt = 3, "retrying upload");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !sink
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.target == module_path!())
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // Other tests of this binary log too: look at this test's records only.
        let got: Vec<_> = sink
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.target == module_path!())
            .cloned()
            .collect();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].level, LogLevel::Warn);
        assert_eq!(got[0].message, "retrying upload attempt=3");
        set_log_sink(None, LogLevel::Info);
    }
}
