//! Rows of the server-media cache (see `client::media`): which files are on disk, whether
//! they are kept for good (the account's own reports) and when they were last shown.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

use super::Store;
use crate::error::Result;

/// Directory of the cache, relative to the storage directory.
pub const MEDIA_CACHE_DIR: &str = "media-cache";

/// Where the file with this SHA-256 lives, relative to the storage directory. The name is
/// the hash (checked to be 64 hex digits before any path is built from it), never a name
/// the server chose.
pub fn rel_path(sha256: &str) -> String {
    format!("{MEDIA_CACHE_DIR}/{sha256}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedMediaRow {
    pub sha256: String,
    pub url: String,
    pub size_bytes: u64,
    pub keep: bool,
    pub owner: Option<String>,
}

/// What the cache holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaCacheUsage {
    pub files: u64,
    /// Bytes kept for good (media of the account's own reports).
    pub kept_bytes: u64,
    /// Bytes that may be evicted.
    pub other_bytes: u64,
}

impl Store {
    pub fn media_cache_row(&self, sha256: &str) -> Result<Option<CachedMediaRow>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT sha256, url, size_bytes, keep, owner FROM media_cache WHERE sha256 = ?1",
                [sha256],
                |r| {
                    Ok(CachedMediaRow {
                        sha256: r.get(0)?,
                        url: r.get(1)?,
                        size_bytes: r.get::<_, i64>(2)? as u64,
                        keep: r.get(3)?,
                        owner: r.get(4)?,
                    })
                },
            )
            .optional()?)
        })
    }

    /// Record a complete, verified file (or mark it used now). `keep` only ever turns on:
    /// a photo seen in the feed that is also in one of my reports stays kept.
    pub fn media_cache_put(&self, row: &CachedMediaRow, now: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO media_cache(sha256, url, size_bytes, keep, owner, last_used)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(sha256) DO UPDATE SET
                    last_used = excluded.last_used,
                    owner = CASE WHEN excluded.keep THEN excluded.owner ELSE media_cache.owner END,
                    keep = media_cache.keep OR excluded.keep",
                rusqlite::params![
                    row.sha256,
                    row.url,
                    row.size_bytes as i64,
                    row.keep,
                    row.owner,
                    now.to_rfc3339()
                ],
            )?;
            Ok(())
        })
    }

    pub fn media_cache_forget(&self, sha256: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM media_cache WHERE sha256 = ?1", [sha256])?;
            Ok(())
        })
    }

    /// Evict least recently used files that are not kept until those total at most
    /// `budget` bytes, never `spare` (the file just fetched). Returns the evicted hashes
    /// (their files are the caller's to remove, after the rows are gone).
    pub fn media_cache_evict(&self, budget: u64, spare: &str) -> Result<Vec<String>> {
        self.write(|tx| {
            let mut total: u64 = tx.query_row(
                "SELECT COALESCE(SUM(size_bytes), 0) FROM media_cache WHERE keep = 0",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64;
            let mut out = Vec::new();
            if total <= budget {
                return Ok(out);
            }
            let victims: Vec<(String, u64)> = {
                let mut stmt = tx.prepare(
                    "SELECT sha256, size_bytes FROM media_cache WHERE keep = 0 AND sha256 != ?1
                     ORDER BY last_used, sha256",
                )?;
                let rows = stmt.query_map([spare], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (sha, size) in victims {
                if total <= budget {
                    break;
                }
                tx.execute("DELETE FROM media_cache WHERE sha256 = ?1", [&sha])?;
                total = total.saturating_sub(size);
                out.push(sha);
            }
            Ok(out)
        })
    }

    pub fn media_cache_usage(&self) -> Result<MediaCacheUsage> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*),
                        COALESCE(SUM(CASE WHEN keep THEN size_bytes ELSE 0 END), 0),
                        COALESCE(SUM(CASE WHEN keep THEN 0 ELSE size_bytes END), 0)
                   FROM media_cache",
                [],
                |r| {
                    Ok(MediaCacheUsage {
                        files: r.get::<_, i64>(0)? as u64,
                        kept_bytes: r.get::<_, i64>(1)? as u64,
                        other_bytes: r.get::<_, i64>(2)? as u64,
                    })
                },
            )?)
        })
    }
}
