//! Phản ánh hiện trường — the shared core of the citizen reporting app.
//!
//! Knows nothing of FFI: `bindings/` wraps it for Kotlin and Swift, `cli/` drives it from a
//! terminal. See DESIGN.md for the picture.

pub mod api;
pub mod client;
pub mod config;
mod context;
pub mod drafts;
pub mod error;
pub mod location;
pub mod media;
pub mod model;
pub mod store;
pub mod sync;

pub use client::{CachedMedia, Client, ClientOptions, Keep, PushEffect};

/// Version of the privacy notice the apps show before the first sign-in; sent with the
/// sign-in and recorded by the server with its time. Raise it with the notice's text (both
/// apps show this number and ask again when it grows).
pub const PRIVACY_NOTICE_VERSION: &str = "1";
pub use config::TenantConfig;
pub use error::{Error, FieldError, PublicError, Result, ValidationReason};
/// Wire types of the app API (reports, timelines, feed) as the sync engine returns them.
pub use phananh_wire as wire;
pub use store::Store;
