//! The sync engine (DESIGN §7): delivers the outbox exactly once over bad networks, keeps
//! "my reports" and their timelines current, caches the public feed and the tenant config.
//!
//! Split so the decisions are testable without I/O: [`machine`] decides (pure), [`worker`]
//! does the I/O and persists every step, [`events`] publishes state for the shells.

pub mod backoff;
pub mod engine;
pub mod events;
pub mod machine;
pub mod retention;
pub mod status;
pub mod worker;

pub use engine::SyncOptions;
pub use events::{NetworkState, OutboxEntry, OutboxSnapshot, ReportsSnapshot, Subscription};
pub use machine::{BlockReason, Failure, FailureCode, TransientKind};
pub use worker::RunSummary;
