//! The backend stub: a real server (axum + SQLite) for development, demos and tests.
