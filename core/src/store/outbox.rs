//! The persisted send queue. Rows are keyed by the client id that the server sees as
//! `Idempotency-Key`, so a replay after a crash can never create a second report.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::{from_json, parse_ts, to_json, ts, Store};
use crate::error::{Error, Result};
use crate::model::{LocalState, OutboxItem, OutboxKind, Rating};

const COLS: &str = "client_id, kind, draft_id, payload_json, state, failure_reason, retryable, attempts, \
     next_attempt_at, server_id, created_at, updated_at";

#[derive(serde::Serialize, serde::Deserialize)]
struct RatingPayload {
    report_id: String,
    rating: Rating,
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    let client_id: String = row.get(0)?;
    let kind: String = row.get(1)?;
    let kind = match kind.as_str() {
        "report" => {
            let d: String = row.get(2)?;
            OutboxKind::Report { draft_id: Uuid::parse_str(&d).map_err(|e| conv(2, e))? }
        }
        _ => {
            let p: RatingPayload = from_json(&row.get::<_, String>(3)?)?;
            OutboxKind::Rating { report_id: p.report_id, rating: p.rating }
        }
    };
    Ok(OutboxItem {
        client_id: Uuid::parse_str(&client_id).map_err(|e| conv(0, e))?,
        kind,
        state: state_from(row.get(4)?, row.get(5)?, row.get(6)?),
        attempts: row.get(7)?,
        next_attempt_at: row.get::<_, Option<String>>(8)?.map(|s| parse_ts(&s)).transpose()?,
        server_id: row.get(9)?,
        created_at: parse_ts(&row.get::<_, String>(10)?)?,
        updated_at: parse_ts(&row.get::<_, String>(11)?)?,
    })
}

fn conv(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

fn state_from(state: String, reason: Option<String>, retryable: Option<bool>) -> LocalState {
    match state.as_str() {
        "queued" => LocalState::Queued,
        "uploading" => LocalState::Uploading,
        "submitted" => LocalState::Submitted,
        _ => LocalState::Failed { reason: reason.unwrap_or_default(), retryable: retryable.unwrap_or(true) },
    }
}

pub(crate) fn draft_state(c: &Connection, draft_id: Uuid) -> Result<LocalState> {
    let row = c
        .query_row(
            "SELECT state, failure_reason, retryable FROM outbox WHERE draft_id = ?1",
            [draft_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(row.map(|(s, r, t)| state_from(s, r, t)).unwrap_or(LocalState::Draft))
}

impl Store {
    /// Move an editable draft into the outbox. `check` runs inside the same transaction on
    /// the draft as stored, so what is validated is exactly what is queued.
    pub fn enqueue_draft(
        &self,
        draft_id: Uuid,
        client_id: Uuid,
        now: DateTime<Utc>,
        check: impl FnOnce(&crate::model::Draft) -> Result<()>,
    ) -> Result<OutboxItem> {
        self.write(|tx| {
            let draft = super::drafts::load_draft(tx, draft_id)?.ok_or_else(|| Error::not_found(format!("draft {draft_id}")))?;
            if draft.state != LocalState::Draft {
                return Err(Error::invalid_state(draft.state.name(), "submit draft"));
            }
            check(&draft)?;
            tx.execute(
                &format!("INSERT INTO outbox ({COLS}) VALUES (?1, 'report', ?2, '{{}}', 'queued', NULL, NULL, 0, NULL, NULL, ?3, ?3)"),
                params![client_id.to_string(), draft_id.to_string(), ts(now)],
            )?;
            Ok(tx.query_row(&format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"), [client_id.to_string()], item_from_row)?)
        })
    }

    pub fn enqueue_rating(&self, client_id: Uuid, report_id: &str, rating: &Rating, now: DateTime<Utc>) -> Result<OutboxItem> {
        let payload = to_json(&RatingPayload { report_id: report_id.to_owned(), rating: rating.clone() });
        self.write(|tx| {
            tx.execute(
                &format!("INSERT INTO outbox ({COLS}) VALUES (?1, 'rating', NULL, ?2, 'queued', NULL, NULL, 0, NULL, NULL, ?3, ?3)"),
                params![client_id.to_string(), payload, ts(now)],
            )?;
            Ok(tx.query_row(&format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"), [client_id.to_string()], item_from_row)?)
        })
    }

    pub fn outbox_items(&self) -> Result<Vec<OutboxItem>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!("SELECT {COLS} FROM outbox ORDER BY created_at, client_id"))?;
            let rows = stmt.query_map([], item_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    pub fn outbox_item(&self, client_id: Uuid) -> Result<OutboxItem> {
        self.read(|c| {
            c.query_row(&format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"), [client_id.to_string()], item_from_row)
                .optional()?
                .ok_or_else(|| Error::not_found(format!("outbox item {client_id}")))
        })
    }

    /// Persist a state transition of an outbox item (decided by the outbox state machine).
    pub fn update_outbox_item(&self, item: &OutboxItem) -> Result<()> {
        let (reason, retryable) = match &item.state {
            LocalState::Failed { reason, retryable } => (Some(reason.as_str()), Some(*retryable)),
            _ => (None, None),
        };
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET state = ?2, failure_reason = ?3, retryable = ?4, attempts = ?5, next_attempt_at = ?6, \
                 server_id = ?7, updated_at = ?8 WHERE client_id = ?1",
                params![
                    item.client_id.to_string(),
                    item.state.name(),
                    reason,
                    retryable,
                    item.attempts,
                    item.next_attempt_at.map(ts),
                    item.server_id,
                    ts(item.updated_at),
                ],
            )?;
            if n == 0 {
                return Err(Error::not_found(format!("outbox item {}", item.client_id)));
            }
            Ok(())
        })
    }

    /// Record that the item's create/rating request is about to go out. Returns false when
    /// the item is gone (the user cancelled it): then nothing must be sent.
    pub fn mark_outbox_sending(&self, client_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET first_send_at = COALESCE(first_send_at, ?2) WHERE client_id = ?1",
                params![client_id.to_string(), ts(now)],
            )?;
            Ok(n == 1)
        })
    }

    /// Whether the user may still take this item back: not delivered, and its create/rating
    /// request never went out (so the server cannot hold it).
    pub fn outbox_cancellable(&self, client_id: Uuid) -> Result<bool> {
        self.read(|c| cancellable(c, client_id))
    }

    /// Take an item out of the outbox. A report's draft becomes editable again (nothing the
    /// user wrote or attached is lost; uploads already done are reused on the next submit);
    /// a rating is dropped. Refused once the server may have the item.
    pub fn cancel_outbox_item(&self, client_id: Uuid) -> Result<OutboxItem> {
        self.write(|tx| {
            let item = tx
                .query_row(&format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"), [client_id.to_string()], item_from_row)
                .optional()?
                .ok_or_else(|| Error::not_found(format!("outbox item {client_id}")))?;
            if !cancellable(tx, client_id)? {
                let state = if item.state == LocalState::Submitted { "submitted" } else { "sent to the server" };
                return Err(Error::invalid_state(state, "cancel"));
            }
            tx.execute("DELETE FROM outbox WHERE client_id = ?1", [client_id.to_string()])?;
            Ok(item)
        })
    }
}

fn cancellable(c: &Connection, client_id: Uuid) -> Result<bool> {
    let row: Option<(String, Option<String>)> = c
        .query_row("SELECT state, first_send_at FROM outbox WHERE client_id = ?1", [client_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(matches!(row, Some((state, None)) if state != "submitted"))
}
