//! The persisted send queue. Rows are keyed by the client id that the server sees as
//! `Idempotency-Key`, so a replay after a crash can never create a second report.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::{from_json, parse_ts, to_json, ts, Store};
use crate::error::{Error, Result};
use crate::model::{LocalState, OutboxItem, OutboxKind, Rating};
use phananh_wire::{FailureCode, OutboxFailure};

const COLS: &str = "client_id, kind, draft_id, payload_json, state, failure_json, attempts, \
     next_attempt_at, server_id, created_at, updated_at, attempt_json, interruptions";

#[derive(serde::Serialize, serde::Deserialize)]
struct RatingPayload {
    report_id: String,
    rating: Rating,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ClosurePayload {
    report_id: String,
    verdict: phananh_wire::ClosureVerdict,
    text: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct JoinPayload {
    report_id: String,
}

fn item_from_row(row: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    let client_id: String = row.get(0)?;
    let kind: String = row.get(1)?;
    let kind = match kind.as_str() {
        "report" => {
            let d: String = row.get(2)?;
            OutboxKind::Report {
                draft_id: Uuid::parse_str(&d).map_err(|e| conv(2, e))?,
            }
        }
        "closure" => {
            let p: ClosurePayload = from_json(&row.get::<_, String>(3)?)?;
            OutboxKind::Closure {
                report_id: p.report_id,
                verdict: p.verdict,
                text: p.text,
            }
        }
        "join" => {
            let p: JoinPayload = from_json(&row.get::<_, String>(3)?)?;
            OutboxKind::Join {
                report_id: p.report_id,
            }
        }
        _ => {
            let p: RatingPayload = from_json(&row.get::<_, String>(3)?)?;
            OutboxKind::Rating {
                report_id: p.report_id,
                rating: p.rating,
            }
        }
    };
    Ok(OutboxItem {
        client_id: Uuid::parse_str(&client_id).map_err(|e| conv(0, e))?,
        kind,
        state: state_from(row.get(4)?, row.get(5)?)?,
        attempts: row.get(6)?,
        next_attempt_at: row
            .get::<_, Option<String>>(7)?
            .map(|s| parse_ts(&s))
            .transpose()?,
        server_id: row.get(8)?,
        created_at: parse_ts(&row.get::<_, String>(9)?)?,
        updated_at: parse_ts(&row.get::<_, String>(10)?)?,
        attempt: row
            .get::<_, Option<String>>(11)?
            .map(|s| from_json(&s))
            .transpose()?,
        interruptions: row.get(12)?,
    })
}

fn conv(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

fn state_from(state: String, failure_json: Option<String>) -> rusqlite::Result<LocalState> {
    Ok(match state.as_str() {
        "queued" => LocalState::Queued,
        "uploading" => LocalState::Uploading,
        "submitted" => LocalState::Submitted,
        _ => LocalState::Failed {
            failure: match failure_json {
                Some(json) => from_json(&json)?,
                None => OutboxFailure::new(FailureCode::Other, ""),
            },
        },
    })
}

pub(crate) fn draft_state(c: &Connection, draft_id: Uuid) -> Result<LocalState> {
    let row = c
        .query_row(
            "SELECT state, failure_json FROM outbox WHERE draft_id = ?1",
            [draft_id.to_string()],
            |r| state_from(r.get(0)?, r.get(1)?),
        )
        .optional()?;
    Ok(row.unwrap_or(LocalState::Draft))
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
            tx.execute("UPDATE drafts SET server_errors_json = NULL WHERE id = ?1", [draft_id.to_string()])?;
            // The item belongs to whoever the draft belongs to.
            tx.execute(
                &format!(
                    "INSERT INTO outbox ({COLS}, owner) VALUES (?1, 'report', ?2, '{{}}', 'queued', NULL, 0, NULL, NULL, ?3, ?3, NULL, 0, \
                     (SELECT owner FROM drafts WHERE id = ?2))"
                ),
                params![client_id.to_string(), draft_id.to_string(), ts(now)],
            )?;
            Ok(tx.query_row(&format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"), [client_id.to_string()], item_from_row)?)
        })
    }

    /// A rating by `owner` (the signed-in account).
    pub fn enqueue_rating(
        &self,
        client_id: Uuid,
        report_id: &str,
        rating: &Rating,
        now: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<OutboxItem> {
        let payload = to_json(&RatingPayload {
            report_id: report_id.to_owned(),
            rating: rating.clone(),
        });
        self.write(|tx| {
            tx.execute(
                &format!("INSERT INTO outbox ({COLS}, owner) VALUES (?1, 'rating', NULL, ?2, 'queued', NULL, 0, NULL, NULL, ?3, ?3, NULL, 0, ?4)"),
                params![client_id.to_string(), payload, ts(now), owner],
            )?;
            Ok(tx.query_row(&format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"), [client_id.to_string()], item_from_row)?)
        })
    }

    /// A resident's answer to a resolution, or "me too" (`kind` is [`OutboxKind::Closure`]
    /// or [`OutboxKind::Join`]), by `owner`.
    pub fn enqueue_action(
        &self,
        client_id: Uuid,
        kind: &OutboxKind,
        now: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<OutboxItem> {
        let (name, payload) = match kind {
            OutboxKind::Closure {
                report_id,
                verdict,
                text,
            } => (
                "closure",
                to_json(&ClosurePayload {
                    report_id: report_id.clone(),
                    verdict: *verdict,
                    text: text.clone(),
                }),
            ),
            OutboxKind::Join { report_id } => (
                "join",
                to_json(&JoinPayload {
                    report_id: report_id.clone(),
                }),
            ),
            _ => return Err(Error::Internal("enqueue_action: not an action".into())),
        };
        self.write(|tx| {
            tx.execute(
                &format!("INSERT INTO outbox ({COLS}, owner) VALUES (?1, ?2, NULL, ?3, 'queued', NULL, 0, NULL, NULL, ?4, ?4, NULL, 0, ?5)"),
                params![client_id.to_string(), name, payload, ts(now), owner],
            )?;
            Ok(tx.query_row(&format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"), [client_id.to_string()], item_from_row)?)
        })
    }

    pub fn outbox_items(&self) -> Result<Vec<OutboxItem>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLS} FROM outbox ORDER BY created_at, client_id"
            ))?;
            let rows = stmt.query_map([], item_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// `owner`'s items (the signed-in account's; `None`: those written signed out).
    pub fn outbox_items_of(&self, owner: Option<&str>) -> Result<Vec<OutboxItem>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLS} FROM outbox WHERE owner IS ?1 ORDER BY created_at, client_id"
            ))?;
            let rows = stmt.query_map([owner], item_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// The account an item belongs to: `None` if there is no such item.
    pub fn outbox_owner(&self, client_id: Uuid) -> Result<Option<Option<String>>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT owner FROM outbox WHERE client_id = ?1",
                [client_id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    /// Items and drafts of `owner` not delivered yet (what a sign-out leaves behind).
    pub fn unsent_count(&self, owner: Option<&str>) -> Result<u32> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT COUNT(*) FROM outbox WHERE owner IS ?1 AND state != 'submitted')
                      + (SELECT COUNT(*) FROM drafts d WHERE owner IS ?1 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.draft_id = d.id))",
                [owner],
                |r| r.get(0),
            )?)
        })
    }

    pub fn outbox_item(&self, client_id: Uuid) -> Result<OutboxItem> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"),
                [client_id.to_string()],
                item_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::not_found(format!("outbox item {client_id}")))
        })
    }

    /// Persist a state transition of an outbox item (decided by the outbox state machine).
    pub fn update_outbox_item(&self, item: &OutboxItem) -> Result<()> {
        let failure = match &item.state {
            LocalState::Failed { failure } => Some(to_json(failure)),
            _ => None,
        };
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET state = ?2, failure_json = ?3, attempts = ?4, next_attempt_at = ?5, \
                 server_id = ?6, updated_at = ?7, attempt_json = ?8, interruptions = ?9 WHERE client_id = ?1",
                params![
                    item.client_id.to_string(),
                    item.state.name(),
                    failure,
                    item.attempts,
                    item.next_attempt_at.map(ts),
                    item.server_id,
                    ts(item.updated_at),
                    item.attempt.as_ref().map(to_json),
                    item.interruptions,
                ],
            )?;
            if n == 0 {
                return Err(Error::not_found(format!("outbox item {}", item.client_id)));
            }
            Ok(())
        })
    }

    /// An acknowledged upload chunk of `attachment`: its upload state and, in the same
    /// transaction, the item's interruption count back to zero (the step made progress, so
    /// a death after it is not part of a crash loop).
    pub fn record_upload_progress(
        &self,
        client_id: Uuid,
        attachment: Uuid,
        state: &crate::model::UploadState,
    ) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE attachments SET upload_json = ?2 WHERE id = ?1",
                params![attachment.to_string(), to_json(state)],
            )?;
            if n == 0 {
                return Err(Error::not_found(format!("attachment {attachment}")));
            }
            tx.execute(
                "UPDATE outbox SET interruptions = 0 WHERE client_id = ?1",
                [client_id.to_string()],
            )?;
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
                .query_row(
                    &format!("SELECT {COLS} FROM outbox WHERE client_id = ?1"),
                    [client_id.to_string()],
                    item_from_row,
                )
                .optional()?
                .ok_or_else(|| Error::not_found(format!("outbox item {client_id}")))?;
            if !cancellable(tx, client_id)? {
                let state = if item.state == LocalState::Submitted {
                    "submitted"
                } else {
                    "sent to the server"
                };
                return Err(Error::invalid_state(state, "cancel"));
            }
            // A refused report goes back to the drafts with the server's reason on each field.
            if let (OutboxKind::Report { draft_id }, LocalState::Failed { failure }) =
                (&item.kind, &item.state)
            {
                if !failure.fields.is_empty() {
                    tx.execute(
                        "UPDATE drafts SET server_errors_json = ?2 WHERE id = ?1",
                        params![draft_id.to_string(), to_json(&failure.fields)],
                    )?;
                }
            }
            tx.execute(
                "DELETE FROM outbox WHERE client_id = ?1",
                [client_id.to_string()],
            )?;
            Ok(item)
        })
    }
}

/// The user may take the item back while the server cannot have it: before its create (or
/// rating) request first went out, or after the server refused it outright (a 4xx that
/// stores nothing: refused content, too large, not allowed) or it could not be prepared.
/// Sending it again later uses a new client id, so a new idempotency key.
fn cancellable(c: &Connection, client_id: Uuid) -> Result<bool> {
    let row: Option<(String, Option<String>, Option<String>)> = c
        .query_row(
            "SELECT state, first_send_at, failure_json FROM outbox WHERE client_id = ?1",
            [client_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match row {
        Some((state, _, _)) if state == "submitted" => false,
        Some((_, None, _)) => true,
        Some((state, Some(_), Some(json))) if state == "failed" => {
            serde_json::from_str::<OutboxFailure>(&json).is_ok_and(|f| {
                matches!(
                    f.code,
                    FailureCode::Rejected
                        | FailureCode::TooLarge
                        | FailureCode::Forbidden
                        | FailureCode::Media
                )
            })
        }
        _ => false,
    })
}
