//! Phản ánh hiện trường — the shared core of the citizen reporting app.
//!
//! Knows nothing of FFI: `bindings/` wraps it for Kotlin and Swift, `cli/` drives it from a
//! terminal. See DESIGN.md for the picture.

pub mod api;
pub mod client;
pub mod config;
pub mod drafts;
pub mod error;
pub mod location;
pub mod media;
pub mod model;
pub mod store;
pub mod sync;

pub use client::{Client, ClientOptions};
pub use config::TenantConfig;
pub use error::{Error, FieldError, PublicError, Result, ValidationReason};
pub use store::Store;
/// Wire types of the app API (reports, timelines, feed) as the sync engine returns them.
pub use phananh_wire as wire;
