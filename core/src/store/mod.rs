//! The local SQLite store: the only place in the core where SQL lives.
//!
//! Opened through [`Store::open`], which sets the pragmas we rely on (WAL, foreign keys,
//! full sync) and runs `user_version` migrations. A database written by a newer schema or a
//! damaged file is reported as a typed error and left untouched, never wiped.

mod drafts;
pub use drafts::NewAttachment;
mod kv;
mod media_cache;
pub use media_cache::{rel_path as media_cache_rel_path, CachedMediaRow, MediaCacheUsage};
mod outbox;
mod posters;
pub use posters::Poster;
mod reports;
pub use reports::CachedFeed;
pub mod timeline;
pub use timeline::Merge;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, Transaction};

use crate::error::{Error, Result};

/// Migrations, in order. Index `i` brings the schema from version `i` to `i + 1`.
/// Never edit a released migration: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: drafts, their attachments, the outbox, and a small key-value table.
    r#"
    CREATE TABLE drafts (
        id              TEXT PRIMARY KEY NOT NULL,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        category        TEXT,
        description     TEXT NOT NULL DEFAULT '',
        location_json   TEXT,
        ward_json       TEXT,
        anonymous       INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
        attributes_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE attachments (
        id                  TEXT PRIMARY KEY NOT NULL,
        draft_id            TEXT NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
        ordinal             INTEGER NOT NULL,
        kind                TEXT NOT NULL CHECK (kind IN ('photo', 'video')),
        original_name       TEXT NOT NULL,
        stored_path         TEXT NOT NULL,
        processed_path      TEXT,
        mime                TEXT,
        size_bytes          INTEGER NOT NULL,
        sha256              TEXT NOT NULL,
        captured_at         TEXT,
        exif_location_json  TEXT,
        upload_json         TEXT NOT NULL DEFAULT '{"state":"pending"}',
        UNIQUE (draft_id, ordinal)
    );
    CREATE INDEX attachments_by_draft ON attachments(draft_id);
    CREATE TABLE outbox (
        client_id       TEXT PRIMARY KEY NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('report', 'rating')),
        draft_id        TEXT REFERENCES drafts(id) ON DELETE RESTRICT,
        payload_json    TEXT NOT NULL DEFAULT '{}',
        state           TEXT NOT NULL CHECK (state IN ('queued', 'uploading', 'submitted', 'failed')),
        failure_reason  TEXT,
        retryable       INTEGER,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        server_id       TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL
    );
    CREATE UNIQUE INDEX outbox_one_per_draft ON outbox(draft_id) WHERE draft_id IS NOT NULL;
    CREATE TABLE kv (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    );
    "#,
    // 2: server state cached for offline use (sync engine): my reports and the reports seen
    // in the feed (wire JSON without the timeline), their timeline events merged by id, and
    // feed pages by query.
    r#"
    CREATE TABLE reports (
        id          TEXT PRIMARY KEY NOT NULL,
        client_id   TEXT,
        mine        INTEGER NOT NULL DEFAULT 0 CHECK (mine IN (0, 1)),
        status      TEXT NOT NULL,
        version     INTEGER NOT NULL,
        updated_at  TEXT NOT NULL,
        json        TEXT NOT NULL
    );
    CREATE UNIQUE INDEX reports_by_client ON reports(client_id) WHERE client_id IS NOT NULL;
    CREATE INDEX reports_mine ON reports(mine, updated_at);
    CREATE TABLE timeline_events (
        report_id   TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        event_id    INTEGER NOT NULL,
        at          TEXT NOT NULL,
        json        TEXT NOT NULL,
        PRIMARY KEY (report_id, event_id)
    );
    CREATE TABLE feed_cache (
        query       TEXT PRIMARY KEY NOT NULL,
        fetched_at  TEXT NOT NULL,
        json        TEXT NOT NULL
    );
    "#,
    // 3: when the request that creates the report (or sends the rating) first went out. Until
    // then the server cannot have it, so the user may still take the item back (cancel).
    r#"
    ALTER TABLE outbox ADD COLUMN first_send_at TEXT;
    "#,
    // 4: why an item failed, as typed JSON (`phananh_wire::OutboxFailure`) instead of the
    // "<code>: <detail>" text and a separate retryable flag (derived from the code now).
    // Reasons that name no known code are kept whole as the detail of code "other".
    r#"
    ALTER TABLE outbox ADD COLUMN failure_json TEXT;
    UPDATE outbox
       SET failure_json = json_object('code', substr(failure_reason, 1, instr(failure_reason, ': ') - 1),
                                      'detail', substr(failure_reason, instr(failure_reason, ': ') + 2))
     WHERE state = 'failed' AND instr(failure_reason, ': ') > 0
       AND substr(failure_reason, 1, instr(failure_reason, ': ') - 1)
           IN ('rejected', 'forbidden', 'too_large', 'media', 'not_found', 'conflict');
    UPDATE outbox SET failure_json = json_object('code', failure_reason, 'detail', '')
     WHERE state = 'failed' AND failure_json IS NULL
       AND failure_reason IN ('rejected', 'forbidden', 'too_large', 'media', 'not_found', 'conflict');
    UPDATE outbox SET failure_json = json_object('code', 'other', 'detail', COALESCE(failure_reason, ''))
     WHERE state = 'failed' AND failure_json IS NULL;
    ALTER TABLE outbox DROP COLUMN failure_reason;
    ALTER TABLE outbox DROP COLUMN retryable;
    "#,
    // 5: accounts on one device (issue 14). Drafts, outbox items and cached "my reports" name
    // the account (the server's user id) they belong to; NULL: written signed out (or before
    // this step), claimed by the next account that signs in. The status-sync cursor becomes
    // one per account; the old shared one goes to that same account with the rows.
    // A refused report taken back to the drafts keeps the server's reasons per field
    // (`server_errors_json`) until the resident changes that field.
    r#"
    ALTER TABLE drafts ADD COLUMN owner TEXT;
    ALTER TABLE outbox ADD COLUMN owner TEXT;
    ALTER TABLE reports ADD COLUMN owner TEXT;
    CREATE INDEX drafts_by_owner ON drafts(owner);
    ALTER TABLE drafts ADD COLUMN server_errors_json TEXT;
    CREATE INDEX outbox_by_owner ON outbox(owner);
    "#,
    // 6: crash-loop immunity: the step an item is in the middle of (`model::Attempt` as JSON,
    // written before the step's work starts) and how many times in a row the process died
    // during that step.
    r#"
    ALTER TABLE outbox ADD COLUMN attempt_json TEXT;
    ALTER TABLE outbox ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0 CHECK (interruptions >= 0);
    -- Retention after delivery: when the full copies of a delivered attachment were
    -- replaced by a small preview (then `stored_path` names the preview and
    -- `processed_path` is NULL), and the uploaded file's SHA-256 and size, kept for the
    -- record once the file itself is gone.
    ALTER TABLE attachments ADD COLUMN retained_at TEXT;
    ALTER TABLE attachments ADD COLUMN processed_sha256 TEXT;
    ALTER TABLE attachments ADD COLUMN processed_bytes INTEGER;
    "#,
    // 7: two more kinds of outbox item (issue 13): a resident's answer to a resolution
    // (`closure`) and "me too" (`join`). SQLite cannot widen a CHECK, so the table is rebuilt
    // with the same columns, rows and indexes (nothing references it).
    r#"
    CREATE TABLE outbox_v7 (
        client_id       TEXT PRIMARY KEY NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('report', 'rating', 'closure', 'join')),
        draft_id        TEXT REFERENCES drafts(id) ON DELETE RESTRICT,
        payload_json    TEXT NOT NULL DEFAULT '{}',
        state           TEXT NOT NULL CHECK (state IN ('queued', 'uploading', 'submitted', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        server_id       TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        first_send_at   TEXT,
        failure_json    TEXT,
        owner           TEXT,
        attempt_json    TEXT,
        interruptions   INTEGER NOT NULL DEFAULT 0 CHECK (interruptions >= 0)
    );
    INSERT INTO outbox_v7 (client_id, kind, draft_id, payload_json, state, attempts, next_attempt_at, server_id,
                           created_at, updated_at, first_send_at, failure_json, owner, attempt_json, interruptions)
         SELECT client_id, kind, draft_id, payload_json, state, attempts, next_attempt_at, server_id,
                created_at, updated_at, first_send_at, failure_json, owner, attempt_json, interruptions FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v7 RENAME TO outbox;
    CREATE UNIQUE INDEX outbox_one_per_draft ON outbox(draft_id) WHERE draft_id IS NOT NULL;
    CREATE INDEX outbox_by_owner ON outbox(owner);
    "#,
    // 8: the cache of server media (photos of reports, officers' answers) for offline viewing.
    // Files are named by their SHA-256 under `media-cache/`; `keep` rows (media of the
    // account's own reports) are never evicted, the others go least recently used first
    // when the cache is over its budget. `owner`: the account a kept row belongs to.
    r#"
    CREATE TABLE media_cache (
        sha256      TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
        url         TEXT NOT NULL,
        size_bytes  INTEGER NOT NULL CHECK (size_bytes >= 0),
        keep        INTEGER NOT NULL DEFAULT 0 CHECK (keep IN (0, 1)),
        owner       TEXT,
        last_used   TEXT NOT NULL
    );
    CREATE INDEX media_cache_lru ON media_cache(keep, last_used);
    "#,
    // 9: a video's poster frame (issue 17), made with the upload file and sent with the
    // report: its file (`media/<draft>/<attachment>.poster.jpg`) and its own tus upload
    // state (`model::UploadState` as JSON; NULL: not started).
    r#"
    ALTER TABLE attachments ADD COLUMN poster_path TEXT;
    ALTER TABLE attachments ADD COLUMN poster_upload_json TEXT;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Every thread that has used the connection (a handful: the blocking pool's), so a test
    /// can prove that no storage call ran on the thread that polls the client's futures.
    threads: Mutex<std::collections::HashSet<std::thread::ThreadId>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Open (creating if needed) the database at `path` and bring it to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<Store> {
        let corrupt = |e: rusqlite::Error| classify_open_error(path, e);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(corrupt)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(corrupt)?;
        // The first read of the header is where a non-database file shows itself.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(corrupt)?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(corrupt)?;
        if check != "ok" {
            return Err(Error::Corrupt {
                path: path.to_owned(),
                detail: check,
            });
        }
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(corrupt)?;
        if !mode.eq_ignore_ascii_case("wal") && path.as_os_str() != ":memory:" {
            tracing::warn!(mode, "SQLite refused WAL mode");
        }
        // FULL: a commit that returned is on disk, even if the phone loses power next.
        // secure_delete: what is deleted (a draft, an account's data) is overwritten with
        // zeros in the database file, not left in free pages for anyone reading the file.
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
        )
        .map_err(corrupt)?;
        let mut conn = conn;
        migrate(&mut conn, version).map_err(corrupt)?;
        Ok(Store {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            threads: Mutex::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The threads that have run a statement on this store (see the field).
    pub fn threads_used(&self) -> Vec<std::thread::ThreadId> {
        self.threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect()
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(std::thread::current().id());
        // A panic while holding the lock cannot leave a half-written transaction behind
        // (SQLite rolls it back when the Transaction drops), so the connection is still sound.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Run `f` in one IMMEDIATE transaction: all of it is committed, or none.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.conn();
        f(&conn)
    }

    /// Full integrity check, for tests and support tools (slow on large databases).
    pub fn integrity_check(&self) -> Result<String> {
        self.read(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
    }

    /// Give every row that names no account (written signed out, or before accounts were
    /// told apart) to `account`, which has just signed in. Returns how many rows it took.
    pub fn claim_unowned(&self, account: &str) -> Result<usize> {
        self.write(|tx| {
            let mut n = tx.execute("UPDATE drafts SET owner = ?1 WHERE owner IS NULL", [account])?;
            n += tx.execute("UPDATE outbox SET owner = ?1 WHERE owner IS NULL", [account])?;
            n += tx.execute("UPDATE reports SET owner = ?1 WHERE owner IS NULL AND mine = 1", [account])?;
            // The status-sync cursor of the days before accounts were told apart.
            tx.execute(
                "UPDATE OR IGNORE kv SET key = 'sync.my_reports_cursor.' || ?1 WHERE key = 'sync.my_reports_cursor'",
                [account],
            )?;
            tx.execute("DELETE FROM kv WHERE key = 'sync.my_reports_cursor'", [])?;
            Ok(n)
        })
    }

    /// Remove everything of `account` from the device (its account was deleted on the
    /// server): drafts with their attachments, outbox items, cached reports and its sync
    /// cursor. Other accounts' rows stay. Returns the stored files the caller should remove.
    pub fn erase_account(&self, account: &str) -> Result<Vec<String>> {
        self.write(|tx| {
            let mut files = Vec::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT a.stored_path, a.processed_path FROM attachments a JOIN drafts d ON d.id = a.draft_id WHERE d.owner = ?1",
                )?;
                let rows = stmt.query_map([account], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
                for row in rows {
                    let (stored, processed) = row?;
                    files.push(stored);
                    files.extend(processed);
                }
            }
            // Items first: an item holds its draft (ON DELETE RESTRICT).
            tx.execute("DELETE FROM outbox WHERE owner = ?1 OR draft_id IN (SELECT id FROM drafts WHERE owner = ?1)", [account])?;
            tx.execute("DELETE FROM drafts WHERE owner = ?1", [account])?;
            tx.execute("DELETE FROM reports WHERE owner = ?1", [account])?;
            tx.execute("DELETE FROM kv WHERE key = 'sync.my_reports_cursor.' || ?1", [account])?;
            {
                let mut stmt = tx.prepare("SELECT sha256 FROM media_cache WHERE owner = ?1")?;
                let rows = stmt.query_map([account], |r| r.get::<_, String>(0))?;
                for sha in rows {
                    files.push(media_cache::rel_path(&sha?));
                }
            }
            tx.execute("DELETE FROM media_cache WHERE owner = ?1", [account])?;
            Ok(files)
        })
        .and_then(|files| {
            // The write-ahead log still holds the pages as they were before: copy the zeroed
            // pages into the database and empty the log.
            self.read(|c| Ok(c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?))?;
            Ok(files)
        })
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
    }
}

fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "store migrated");
    }
    Ok(())
}

fn classify_open_error(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::*;
    match &e {
        rusqlite::Error::SqliteFailure(f, msg)
            if matches!(f.code, NotADatabase | DatabaseCorrupt) =>
        {
            Error::Corrupt {
                path: path.to_owned(),
                detail: msg.clone().unwrap_or_else(|| f.to_string()),
            }
        }
        _ => Error::Sqlite(e),
    }
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_is_migrated_in_wal_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.sqlite");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        store
            .read(|c| {
                let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
                let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
                assert_eq!(mode, "wal");
                assert_eq!(fk, 1);
                Ok(())
            })
            .unwrap();
        drop(store);
        // Reopening an up-to-date database runs no migration and keeps the version.
        assert_eq!(
            Store::open(&path).unwrap().schema_version().unwrap(),
            SCHEMA_VERSION
        );
    }

    #[test]
    fn newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.sqlite");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch("CREATE TABLE future(x); PRAGMA user_version = 999;")
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        match Store::open(&path) {
            Err(Error::SchemaTooNew {
                found: 999,
                supported,
                ..
            }) => assert_eq!(supported, SCHEMA_VERSION),
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "file must not be touched"
        );
    }

    #[test]
    fn garbage_file_is_reported_corrupt_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.sqlite");
        let junk: Vec<u8> = (0..8192u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        std::fs::write(&path, &junk).unwrap();
        match Store::open(&path) {
            Err(e @ Error::Corrupt { .. }) => {
                assert_eq!(
                    e.public(),
                    crate::PublicError::Storage {
                        reason: crate::error::StorageReason::Damaged
                    }
                )
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
        assert_eq!(std::fs::read(&path).unwrap(), junk);
    }

    #[test]
    fn damaged_pages_are_reported_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.sqlite");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "PRAGMA journal_mode=DELETE; CREATE TABLE t(x TEXT); CREATE INDEX ti ON t(x);",
            )
            .unwrap();
            for i in 0..2000 {
                c.execute(
                    "INSERT INTO t VALUES (?1)",
                    [format!("row-{i:05}-padding-padding-padding")],
                )
                .unwrap();
            }
        }
        let mut bytes = std::fs::read(&path).unwrap();
        // Overwrite the middle pages (leave the header so SQLite opens it).
        let page = 4096;
        for b in &mut bytes[page * 3..page * 6] {
            *b = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(Store::open(&path), Err(Error::Corrupt { .. })));
    }
}
