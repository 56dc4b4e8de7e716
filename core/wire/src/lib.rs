//! JSON shapes exchanged between the app and the backend (DESIGN §4).
//!
//! Only plain data lives here: both the core's client and the stub depend on it, so a
//! field renamed on one side is a compile error on the other, not a runtime surprise.
