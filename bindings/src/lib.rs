//! FFI surface of the core (uniffi proc-macros, library mode).

uniffi::setup_scaffolding!("phananh");

/// Version of the core library, so a shell can tell which build it loaded.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
