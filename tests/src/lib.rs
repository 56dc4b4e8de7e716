//! Shared helpers for the cross-crate tests.

use std::path::PathBuf;

pub mod after_photo;
pub mod link_support;
pub mod sync_support;

/// `../shared/data` beside the project root, where the real photos and boundaries live.
pub fn shared_data() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let p = root.join("../shared/data");
    p.canonicalize().unwrap_or(p)
}
