//! The stub's SQLite schema. One connection behind a mutex: every statement is short, and a
//! single writer keeps the idempotency and workflow checks trivially race-free.

use std::path::Path;

use rusqlite::Connection;

/// Schema steps; step `i` brings `user_version` from `i` to `i + 1`. Append, never edit.
const MIGRATIONS: &[&str] = &[
    SCHEMA_1, SCHEMA_2, SCHEMA_3, SCHEMA_4, SCHEMA_5, SCHEMA_6, SCHEMA_7, SCHEMA_8, SCHEMA_9,
];

const SCHEMA_1: &str = r#"
CREATE TABLE units (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    ward_code TEXT,
    ord INTEGER NOT NULL
);
CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    deadline_hours INTEGER NOT NULL,
    ord INTEGER NOT NULL
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    display_name TEXT,
    role TEXT NOT NULL,
    unit_code TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE otps (
    phone TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    window_start INTEGER NOT NULL,
    sent_in_window INTEGER NOT NULL
);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    length INTEGER NOT NULL,
    offset INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL,
    filetype TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    sha256 TEXT,
    attached INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE reports (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT,
    reporter_id TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    search TEXT NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    accuracy_m REAL,
    ward_code TEXT,
    address TEXT,
    anonymous INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    captured_at INTEGER,
    status TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    deadline INTEGER,
    duplicate_of TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    UNIQUE (reporter_id, client_id)
);
CREATE INDEX reports_seq ON reports(reporter_id, seq);
CREATE INDEX reports_unit ON reports(unit_code, n);
CREATE TABLE events (
    report_n INTEGER NOT NULL REFERENCES reports(n),
    id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    unit_code TEXT,
    message TEXT,
    actor_id TEXT,
    PRIMARY KEY (report_n, id)
);
CREATE TABLE media (
    id TEXT PRIMARY KEY,
    report_n INTEGER NOT NULL REFERENCES reports(n),
    event_id INTEGER,
    ord INTEGER NOT NULL,
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    captured_at INTEGER
);
CREATE INDEX media_report ON media(report_n, event_id, ord);
CREATE TABLE ratings (
    report_n INTEGER PRIMARY KEY REFERENCES reports(n),
    level INTEGER NOT NULL,
    comment TEXT,
    reopen INTEGER NOT NULL,
    rated_at INTEGER NOT NULL
);
CREATE TABLE push_tokens (
    platform TEXT NOT NULL,
    token TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device_id TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (platform, token)
);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters VALUES ('seq', 0);
"#;

/// Push notifications the stub would have sent (it has no FCM/APNs credentials).
const SCHEMA_2: &str = r#"
CREATE TABLE pushes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    token TEXT NOT NULL,
    report_n INTEGER NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    at INTEGER NOT NULL
);
"#;

/// Issue 15: where a case came from and the Open311 contact details (IOC only), the
/// audit log of identity reveals, OTPs stored hashed (old plain codes are burnt), and the
/// size and hash of an upload as served (photos lose their metadata on completion).
const SCHEMA_3: &str = r#"
ALTER TABLE reports ADD COLUMN source TEXT NOT NULL DEFAULT 'app';
ALTER TABLE reports ADD COLUMN contact TEXT;
ALTER TABLE reports ADD COLUMN media_url TEXT;
CREATE TABLE reveals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_n INTEGER NOT NULL REFERENCES reports(n),
    actor_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
);
UPDATE otps SET code = '';
ALTER TABLE uploads ADD COLUMN served_sha256 TEXT;
ALTER TABLE uploads ADD COLUMN served_size INTEGER;
"#;

/// Token families (issue 14): every pair issued by one sign-in and its refreshes shares a
/// family; `gen` counts refreshes; `used_at` is when a token was first used; a used refresh
/// token keeps its successor pair encrypted under itself for the grace re-delivery. Tokens
/// issued before this step get one family per user (a reuse then revokes all of them).
const SCHEMA_4: &str = r#"
ALTER TABLE tokens ADD COLUMN family TEXT;
ALTER TABLE tokens ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tokens ADD COLUMN used_at INTEGER;
ALTER TABLE tokens ADD COLUMN successor BLOB;
UPDATE tokens SET family = 'legacy:' || user_id;
CREATE INDEX tokens_family ON tokens(family);
ALTER TABLE push_tokens ADD COLUMN family TEXT;
"#;

/// Consents to the privacy notice (version, time) and deleted accounts (issue 14).
const SCHEMA_5: &str = r#"
CREATE TABLE consents (
    user_id TEXT NOT NULL REFERENCES users(id),
    version TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX consents_user ON consents(user_id, at);
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
"#;

/// Issue 13: official notices of the IOC, and the severe ones' pushes.
const SCHEMA_6: &str = r#"
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'severe')),
    area_json TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    published_at INTEGER NOT NULL,
    published_by TEXT NOT NULL REFERENCES users(id)
);
CREATE INDEX notices_valid ON notices(valid_from, valid_to);
CREATE TABLE notice_pushes (
    notice_id TEXT NOT NULL REFERENCES notices(id),
    user_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    token TEXT NOT NULL,
    at INTEGER NOT NULL
);
"#;

/// Issue 13, items 1 and 2: where and when an uploaded photo was taken (read from its EXIF
/// before stripping), the check of each case's latest resolution against its "after"
/// photo, residents' answers to resolutions (one per resident and resolution; the client id
/// makes a replay harmless), "me too" supporters and their ratings (the reporter's stays in
/// `ratings`).
const SCHEMA_7: &str = r#"
ALTER TABLE uploads ADD COLUMN photo_lat REAL;
ALTER TABLE uploads ADD COLUMN photo_lon REAL;
ALTER TABLE uploads ADD COLUMN photo_taken_at INTEGER;
CREATE TABLE verifications (
    report_n INTEGER PRIMARY KEY REFERENCES reports(n),
    event_id INTEGER NOT NULL,
    resolved_at INTEGER NOT NULL,
    verified INTEGER NOT NULL,
    distance_m REAL,
    reason TEXT,
    radius_m INTEGER NOT NULL,
    photo_id TEXT,
    photo_taken_at INTEGER
);
CREATE TABLE closure_answers (
    report_n INTEGER NOT NULL REFERENCES reports(n),
    event_id INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'disputed')),
    text TEXT,
    at INTEGER NOT NULL,
    PRIMARY KEY (report_n, event_id, user_id)
);
CREATE TABLE supporters (
    report_n INTEGER NOT NULL REFERENCES reports(n),
    user_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (report_n, user_id)
);
CREATE INDEX supporters_user ON supporters(user_id, report_n);
CREATE TABLE follower_ratings (
    report_n INTEGER NOT NULL REFERENCES reports(n),
    user_id TEXT NOT NULL,
    level INTEGER NOT NULL,
    comment TEXT,
    rated_at INTEGER NOT NULL,
    PRIMARY KEY (report_n, user_id)
);
"#;

/// Issue 17: a video's poster frame, uploaded by the app with the report (its own upload,
/// a metadata-free JPEG served at `/media/{id}/poster`).
const SCHEMA_8: &str = r#"
ALTER TABLE media ADD COLUMN poster_id TEXT;
ALTER TABLE media ADD COLUMN poster_size INTEGER;
ALTER TABLE media ADD COLUMN poster_sha256 TEXT;
"#;

/// A tus creation's `Idempotency-Key` (per owner): a creation request sent again after its
/// answer was lost gets the upload it made, not a second one.
const SCHEMA_9: &str = r#"
ALTER TABLE uploads ADD COLUMN creation_key TEXT;
CREATE UNIQUE INDEX uploads_creation_key ON uploads(owner_id, creation_key) WHERE creation_key IS NOT NULL;
"#;

/// Open (creating if needed) the database. `None` is an in-memory database.
pub fn open(path: Option<&Path>) -> anyhow::Result<Connection> {
    let conn = match path {
        Some(p) => Connection::open(p)?,
        None => Connection::open_in_memory()?,
    };
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk before the answer (a 201 means stored, even on power loss).
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let latest = MIGRATIONS.len() as i64;
    if version > latest {
        anyhow::bail!(
            "stub database has schema version {version}, newer than this stub ({latest})"
        );
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(conn)
}

/// Next value of the global change counter (the "my reports since" cursor).
pub fn next_seq(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value",
        [],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn commits_are_synced_in_full_and_migrations_apply() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::open(Some(&dir.path().join("s.sqlite"))).unwrap();
        let sync: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous=FULL");
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, super::MIGRATIONS.len() as i64);
        drop(conn);
        // Reopening an up-to-date database changes nothing.
        super::open(Some(&dir.path().join("s.sqlite"))).unwrap();
    }
}
