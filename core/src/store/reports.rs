//! Local copies of server state: my reports with their merged timelines, reports seen in
//! the feed, and feed pages kept for offline viewing. The merge rules are in
//! `store::timeline` (pure); this module only applies their verdict in one transaction.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::timeline::{self, Merge, StoredReport};
use super::{parse_ts, to_json, ts, Store};
use crate::error::{Error, Result};
use phananh_wire as wire;

fn stored(c: &Connection, id: &str) -> Result<Option<StoredReport>> {
    let row = c
        .query_row(
            "SELECT version, status FROM reports WHERE id = ?1",
            [id],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    let Some((version, status)) = row else {
        return Ok(None);
    };
    let mut stmt = c.prepare_cached("SELECT event_id FROM timeline_events WHERE report_id = ?1")?;
    let ids = stmt
        .query_map([id], |r| r.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(StoredReport {
        version: version as u64,
        status,
        event_ids: ids.into_iter().map(|i| i as u64).collect(),
    }))
}

fn load(c: &Connection, id: &str) -> Result<Option<wire::Report>> {
    let json: Option<String> = c
        .query_row("SELECT json FROM reports WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    let Some(json) = json else { return Ok(None) };
    let mut report: wire::Report = serde_json::from_str(&json)
        .map_err(|e| Error::Internal(format!("cached report {id}: {e}")))?;
    let mut stmt = c.prepare_cached(
        "SELECT json FROM timeline_events WHERE report_id = ?1 ORDER BY event_id",
    )?;
    let events = stmt
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    report.timeline = events
        .iter()
        .map(|j| {
            serde_json::from_str(j)
                .map_err(|e| Error::Internal(format!("cached event of {id}: {e}")))
        })
        .collect::<Result<_>>()?;
    Ok(Some(report))
}

/// One cached feed page and when it was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedFeed {
    pub page: wire::FeedPage,
    pub fetched_at: DateTime<Utc>,
}

impl Store {
    /// Merge a report from the server. `mine`: it came from "my reports" (or I created it).
    /// Returns the merge verdict; nothing is written when it is [`Merge::Unchanged`].
    /// `owner`: the account it is mine for (when `mine`).
    pub fn merge_report(
        &self,
        report: &wire::Report,
        mine: bool,
        owner: Option<&str>,
    ) -> Result<Merge> {
        self.write(|tx| {
            let before = stored(tx, &report.id)?;
            let verdict = timeline::merge(before.as_ref(), report);
            let was_mine: bool = tx
                .query_row("SELECT mine FROM reports WHERE id = ?1", [&report.id], |r| r.get::<_, i64>(0))
                .optional()?
                .is_some_and(|m| m != 0);
            if let Merge::Changed { new_events, .. } = &verdict {
                let mut body = report.clone();
                body.timeline.clear();
                tx.execute(
                    "INSERT INTO reports (id, client_id, mine, status, version, updated_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(id) DO UPDATE SET client_id = COALESCE(excluded.client_id, reports.client_id),
                       mine = MAX(reports.mine, excluded.mine), status = excluded.status, version = excluded.version,
                       updated_at = excluded.updated_at, json = excluded.json",
                    params![
                        report.id,
                        report.client_id.map(|u| u.to_string()),
                        (mine || was_mine) as i64,
                        report.status.as_str(),
                        report.version as i64,
                        ts(report.updated_at),
                        to_json(&body),
                    ],
                )?;
                for e in new_events {
                    tx.execute(
                        "INSERT OR REPLACE INTO timeline_events (report_id, event_id, at, json) VALUES (?1, ?2, ?3, ?4)",
                        params![report.id, e.id as i64, ts(e.at), to_json(e)],
                    )?;
                }
            } else if mine && !was_mine {
                tx.execute("UPDATE reports SET mine = 1 WHERE id = ?1", [&report.id])?;
            }
            if mine {
                tx.execute("UPDATE reports SET owner = ?2 WHERE id = ?1", params![report.id, owner])?;
            }
            Ok(verdict)
        })
    }

    /// A cached report with its merged timeline, unless it is another account's own report
    /// (its cached copy carries what only its reporter may see).
    pub fn cached_report(&self, id: &str, account: Option<&str>) -> Result<Option<wire::Report>> {
        self.read(|c| {
            let other: bool = c
                .query_row(
                    "SELECT mine = 1 AND owner IS NOT ?2 FROM reports WHERE id = ?1",
                    params![id, account],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(false);
            if other {
                return Ok(None);
            }
            load(c, id)
        })
    }

    /// `owner`'s reports, most recently updated first.
    pub fn my_cached_reports(&self, owner: Option<&str>) -> Result<Vec<wire::Report>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT id FROM reports WHERE mine = 1 AND owner IS ?1 ORDER BY updated_at DESC, id DESC")?;
            let ids = stmt.query_map([owner], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            ids.iter().filter_map(|id| load(c, id).transpose()).collect()
        })
    }

    /// Server id of the report created from outbox item `client_id`, if known locally.
    pub fn report_id_for_client(&self, client_id: uuid::Uuid) -> Result<Option<String>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT id FROM reports WHERE client_id = ?1",
                [client_id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    pub fn cache_feed(
        &self,
        query_key: &str,
        page: &wire::FeedPage,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO feed_cache (query, fetched_at, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT(query) DO UPDATE SET fetched_at = excluded.fetched_at, json = excluded.json",
                params![query_key, ts(now), to_json(page)],
            )?;
            // Keep the cache small: the 50 most recent queries.
            tx.execute(
                "DELETE FROM feed_cache WHERE query NOT IN (SELECT query FROM feed_cache ORDER BY fetched_at DESC LIMIT 50)",
                [],
            )?;
            Ok(())
        })
    }

    pub fn cached_feed(&self, query_key: &str) -> Result<Option<CachedFeed>> {
        self.read(|c| {
            let row = c
                .query_row(
                    "SELECT fetched_at, json FROM feed_cache WHERE query = ?1",
                    [query_key],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()?;
            let Some((at, json)) = row else {
                return Ok(None);
            };
            let page = serde_json::from_str(&json)
                .map_err(|e| Error::Internal(format!("cached feed: {e}")))?;
            Ok(Some(CachedFeed {
                page,
                fetched_at: parse_ts(&at)?,
            }))
        })
    }

    /// Every report in the cached feed pages, each once (from the most recently fetched
    /// page that has it), with when that page was fetched: what "nearby" searches offline.
    pub fn cached_feed_items(&self) -> Result<Vec<(wire::FeedItem, DateTime<Utc>)>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT fetched_at, json FROM feed_cache ORDER BY fetched_at DESC",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut out: Vec<(wire::FeedItem, DateTime<Utc>)> = Vec::new();
            for (at, json) in rows {
                // A page that does not parse (written by another version) is no cache.
                let Ok(page) = serde_json::from_str::<wire::FeedPage>(&json) else {
                    continue;
                };
                let at = parse_ts(&at)?;
                for item in page.items {
                    if !out.iter().any(|(i, _)| i.id == item.id) {
                        out.push((item, at));
                    }
                }
            }
            Ok(out)
        })
    }
}
