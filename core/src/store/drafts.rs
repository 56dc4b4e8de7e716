//! Drafts and their attachments.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::{from_json, parse_ts, to_json, ts, Store};
use crate::error::{Error, Result};
use crate::model::{Attachment, Draft, DraftPatch, LocalState, MediaKind, UploadState};

/// What the store needs to record a new attachment (the file is already in app storage).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub id: Uuid,
    pub draft_id: Uuid,
    pub kind: MediaKind,
    pub original_name: String,
    pub stored_path: String,
    pub mime: Option<String>,
    pub size_bytes: u64,
    pub sha256: String,
    pub captured_at: Option<DateTime<Utc>>,
    pub exif_location: Option<crate::model::LocationFix>,
}

const DRAFT_COLS: &str =
    "id, created_at, updated_at, category, description, location_json, ward_json, anonymous, attributes_json";
const ATT_COLS: &str = "id, draft_id, ordinal, kind, original_name, stored_path, processed_path, mime, size_bytes, \
     sha256, captured_at, exif_location_json, upload_json, retained_at, processed_sha256, processed_bytes";

fn uuid_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let s: String = row.get(i)?;
    Uuid::parse_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn opt_json<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<T>> {
    row.get::<_, Option<String>>(i)?
        .map(|s| from_json(&s))
        .transpose()
}

fn draft_from_row(row: &Row<'_>) -> rusqlite::Result<Draft> {
    Ok(Draft {
        id: uuid_col(row, 0)?,
        created_at: parse_ts(&row.get::<_, String>(1)?)?,
        updated_at: parse_ts(&row.get::<_, String>(2)?)?,
        category: row.get(3)?,
        description: row.get(4)?,
        location: opt_json(row, 5)?,
        ward: opt_json(row, 6)?,
        anonymous: row.get::<_, i64>(7)? != 0,
        attributes: from_json(&row.get::<_, String>(8)?)?,
        attachments: Vec::new(),
        state: LocalState::Draft,
    })
}

fn attachment_from_row(row: &Row<'_>) -> rusqlite::Result<Attachment> {
    let kind: String = row.get(3)?;
    Ok(Attachment {
        id: uuid_col(row, 0)?,
        draft_id: uuid_col(row, 1)?,
        ordinal: row.get(2)?,
        kind: MediaKind::parse(&kind).unwrap_or(MediaKind::Photo),
        original_name: row.get(4)?,
        stored_path: row.get(5)?,
        processed_path: row.get(6)?,
        mime: row.get(7)?,
        size_bytes: row.get::<_, i64>(8)? as u64,
        sha256: row.get(9)?,
        captured_at: row
            .get::<_, Option<String>>(10)?
            .map(|s| parse_ts(&s))
            .transpose()?,
        exif_location: opt_json(row, 11)?,
        upload: from_json(&row.get::<_, String>(12)?)?,
        preview: row.get::<_, Option<String>>(13)?.is_some(),
        processed_sha256: row.get(14)?,
        processed_bytes: row.get::<_, Option<i64>>(15)?.map(|b| b as u64),
    })
}

pub(crate) fn load_draft(c: &Connection, id: Uuid) -> Result<Option<Draft>> {
    let draft = c
        .query_row(
            &format!("SELECT {DRAFT_COLS} FROM drafts WHERE id = ?1"),
            [id.to_string()],
            draft_from_row,
        )
        .optional()?;
    let Some(mut draft) = draft else {
        return Ok(None);
    };
    draft.attachments = load_attachments(c, id)?;
    draft.state = super::outbox::draft_state(c, id)?;
    Ok(Some(draft))
}

fn load_attachments(c: &Connection, draft_id: Uuid) -> Result<Vec<Attachment>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ATT_COLS} FROM attachments WHERE draft_id = ?1 ORDER BY ordinal"
    ))?;
    let rows = stmt.query_map([draft_id.to_string()], attachment_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Forget the server's reasons about the fields an edit touched (prefix match on the
/// shells' field names: `location` also covers `location.*`, `attachments` `attachments[2]`).
pub(crate) fn clear_server_errors(c: &Connection, draft_id: Uuid, touched: &[&str]) -> Result<()> {
    if touched.is_empty() {
        return Ok(());
    }
    let json: Option<String> = c
        .query_row(
            "SELECT server_errors_json FROM drafts WHERE id = ?1",
            [draft_id.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let Some(json) = json else { return Ok(()) };
    let errors: Vec<crate::error::FieldError> = serde_json::from_str(&json).unwrap_or_default();
    let kept: Vec<_> = errors
        .into_iter()
        .filter(|e| !touched.iter().any(|t| e.field.starts_with(t)))
        .collect();
    let value = (!kept.is_empty()).then(|| to_json(&kept));
    c.execute(
        "UPDATE drafts SET server_errors_json = ?2 WHERE id = ?1",
        params![draft_id.to_string(), value],
    )?;
    Ok(())
}

/// A draft may change only while no outbox item holds it.
fn ensure_editable(c: &Connection, id: Uuid) -> Result<()> {
    let exists: bool = c.query_row(
        "SELECT EXISTS(SELECT 1 FROM drafts WHERE id = ?1)",
        [id.to_string()],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(Error::not_found(format!("draft {id}")));
    }
    match super::outbox::draft_state(c, id)? {
        LocalState::Draft => Ok(()),
        other => Err(Error::invalid_state(other.name(), "edit draft")),
    }
}

impl Store {
    /// A new draft of `owner` (the signed-in account; `None` signed out).
    pub fn insert_draft(&self, draft: &Draft, owner: Option<&str>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                &format!("INSERT INTO drafts ({DRAFT_COLS}, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                params![
                    draft.id.to_string(),
                    ts(draft.created_at),
                    ts(draft.updated_at),
                    draft.category,
                    draft.description,
                    draft.location.as_ref().map(to_json),
                    draft.ward.as_ref().map(to_json),
                    draft.anonymous as i64,
                    to_json(&draft.attributes),
                    owner,
                ],
            )?;
            Ok(())
        })
    }

    pub fn draft(&self, id: Uuid) -> Result<Draft> {
        self.read(|c| load_draft(c, id))?
            .ok_or_else(|| Error::not_found(format!("draft {id}")))
    }

    /// Ids of every draft, editable or queued.
    pub fn draft_ids(&self) -> Result<Vec<Uuid>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT id FROM drafts ORDER BY id")?;
            let rows = stmt.query_map([], |r| uuid_col(r, 0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// What the server said about this draft's fields when it refused it (see
    /// [`Store::cancel_outbox_item`]), until the resident changes those fields.
    pub fn draft_server_errors(&self, id: Uuid) -> Result<Vec<crate::error::FieldError>> {
        self.read(|c| {
            let json: Option<String> = c
                .query_row(
                    "SELECT server_errors_json FROM drafts WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            Ok(json.map(|j| from_json(&j)).transpose()?.unwrap_or_default())
        })
    }

    /// The account a draft belongs to: `None` if there is no such draft, `Some(None)` if it
    /// was written signed out.
    pub fn draft_owner(&self, id: Uuid) -> Result<Option<Option<String>>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT owner FROM drafts WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    /// `owner`'s drafts still being edited (not in the outbox), most recently changed first.
    pub fn editable_drafts(&self, owner: Option<&str>) -> Result<Vec<Draft>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {DRAFT_COLS} FROM drafts d WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.draft_id = d.id) \
                 AND d.owner IS ?1 ORDER BY updated_at DESC, id DESC"
            ))?;
            let drafts = stmt.query_map([owner], draft_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
            drafts
                .into_iter()
                .map(|mut d| {
                    d.attachments = load_attachments(c, d.id)?;
                    Ok(d)
                })
                .collect()
        })
    }

    /// Apply an autosave patch in one transaction and return the new state.
    pub fn patch_draft(&self, id: Uuid, patch: &DraftPatch, now: DateTime<Utc>) -> Result<Draft> {
        self.write(|tx| {
            ensure_editable(tx, id)?;
            let idv = id.to_string();
            if let Some(category) = &patch.category {
                tx.execute(
                    "UPDATE drafts SET category = ?2 WHERE id = ?1",
                    params![idv, category],
                )?;
            }
            if let Some(description) = &patch.description {
                tx.execute(
                    "UPDATE drafts SET description = ?2 WHERE id = ?1",
                    params![idv, description],
                )?;
            }
            if let Some(location) = &patch.location {
                tx.execute(
                    "UPDATE drafts SET location_json = ?2 WHERE id = ?1",
                    params![idv, location.as_ref().map(to_json)],
                )?;
            }
            if let Some(ward) = &patch.ward {
                tx.execute(
                    "UPDATE drafts SET ward_json = ?2 WHERE id = ?1",
                    params![idv, ward.as_ref().map(to_json)],
                )?;
            }
            if let Some(anonymous) = patch.anonymous {
                tx.execute(
                    "UPDATE drafts SET anonymous = ?2 WHERE id = ?1",
                    params![idv, anonymous as i64],
                )?;
            }
            if let Some(attributes) = &patch.attributes {
                tx.execute(
                    "UPDATE drafts SET attributes_json = ?2 WHERE id = ?1",
                    params![idv, to_json(attributes)],
                )?;
            }
            let touched: Vec<&str> = [
                (patch.category.is_some(), "category"),
                (patch.description.is_some(), "description"),
                (patch.location.is_some() || patch.ward.is_some(), "location"),
                (patch.anonymous.is_some(), "anonymous"),
                (patch.attributes.is_some(), "attributes"),
            ]
            .into_iter()
            .filter_map(|(t, f)| t.then_some(f))
            .collect();
            clear_server_errors(tx, id, &touched)?;
            tx.execute(
                "UPDATE drafts SET updated_at = ?2 WHERE id = ?1",
                params![idv, ts(now)],
            )?;
            load_draft(tx, id)?.ok_or_else(|| Error::not_found(format!("draft {id}")))
        })
    }

    /// Delete an editable draft; returns the stored files that the caller should remove.
    pub fn delete_draft(&self, id: Uuid) -> Result<Vec<String>> {
        self.write(|tx| {
            ensure_editable(tx, id)?;
            let files = load_attachments(tx, id)?
                .into_iter()
                .flat_map(|a| std::iter::once(a.stored_path).chain(a.processed_path))
                .collect();
            tx.execute("DELETE FROM drafts WHERE id = ?1", [id.to_string()])?;
            Ok(files)
        })
    }

    pub fn insert_attachment(&self, a: &NewAttachment, now: DateTime<Utc>) -> Result<Attachment> {
        self.write(|tx| {
            ensure_editable(tx, a.draft_id)?;
            let draft = a.draft_id.to_string();
            let ordinal: u32 = tx.query_row(
                "SELECT COALESCE(MAX(ordinal) + 1, 0) FROM attachments WHERE draft_id = ?1",
                [&draft],
                |r| r.get(0),
            )?;
            tx.execute(
                &format!("INSERT INTO attachments ({ATT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9, ?10, ?11, ?12, NULL, NULL, NULL)"),
                params![
                    a.id.to_string(),
                    draft,
                    ordinal,
                    a.kind.as_str(),
                    a.original_name,
                    a.stored_path,
                    a.mime,
                    a.size_bytes as i64,
                    a.sha256,
                    a.captured_at.map(ts),
                    a.exif_location.as_ref().map(to_json),
                    to_json(&UploadState::Pending),
                ],
            )?;
            tx.execute("UPDATE drafts SET updated_at = ?2 WHERE id = ?1", params![draft, ts(now)])?;
            clear_server_errors(tx, a.draft_id, &["attachments"])?;
            Ok(tx.query_row(&format!("SELECT {ATT_COLS} FROM attachments WHERE id = ?1"), [a.id.to_string()], attachment_from_row)?)
        })
    }

    /// Remove an attachment of an editable draft; returns its files for the caller to delete.
    pub fn delete_attachment(&self, id: Uuid, now: DateTime<Utc>) -> Result<Vec<String>> {
        self.write(|tx| {
            let att = tx
                .query_row(
                    &format!("SELECT {ATT_COLS} FROM attachments WHERE id = ?1"),
                    [id.to_string()],
                    attachment_from_row,
                )
                .optional()?
                .ok_or_else(|| Error::not_found(format!("attachment {id}")))?;
            ensure_editable(tx, att.draft_id)?;
            tx.execute("DELETE FROM attachments WHERE id = ?1", [id.to_string()])?;
            tx.execute(
                "UPDATE drafts SET updated_at = ?2 WHERE id = ?1",
                params![att.draft_id.to_string(), ts(now)],
            )?;
            clear_server_errors(tx, att.draft_id, &["attachments"])?;
            Ok(std::iter::once(att.stored_path)
                .chain(att.processed_path)
                .collect())
        })
    }

    pub fn attachment(&self, id: Uuid) -> Result<Attachment> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {ATT_COLS} FROM attachments WHERE id = ?1"),
                [id.to_string()],
                attachment_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::not_found(format!("attachment {id}")))
        })
    }

    /// Record the processed (compressed/transcoded) file of an attachment and, for a video,
    /// its poster frame (not uploaded yet), in one transaction.
    pub fn set_attachment_processed(
        &self,
        id: Uuid,
        processed_path: &str,
        mime: &str,
        poster_path: Option<&str>,
    ) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE attachments SET processed_path = ?2, mime = ?3, upload_json = ?4, \
                 poster_path = ?5, poster_upload_json = NULL WHERE id = ?1",
                params![
                    id.to_string(),
                    processed_path,
                    mime,
                    to_json(&UploadState::Ready),
                    poster_path
                ],
            )?;
            if n == 0 {
                return Err(Error::not_found(format!("attachment {id}")));
            }
            Ok(())
        })
    }

    pub fn set_attachment_upload(&self, id: Uuid, state: &UploadState) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE attachments SET upload_json = ?2 WHERE id = ?1",
                params![id.to_string(), to_json(state)],
            )?;
            if n == 0 {
                return Err(Error::not_found(format!("attachment {id}")));
            }
            Ok(())
        })
    }

    /// Attachments of delivered reports that still have their full copies (retention after
    /// delivery has not run for them yet).
    pub fn delivered_attachments_to_retain(&self) -> Result<Vec<Attachment>> {
        self.read(|c| {
            let cols = ATT_COLS.split(", ").map(|col| format!("a.{}", col.trim())).collect::<Vec<_>>().join(", ");
            let mut stmt = c.prepare(&format!(
                "SELECT {cols} FROM attachments a JOIN outbox o ON o.draft_id = a.draft_id \
                 WHERE o.state = 'submitted' AND a.retained_at IS NULL ORDER BY a.draft_id, a.ordinal"
            ))?;
            let rows = stmt.query_map([], attachment_from_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Replace a delivered attachment's full copies by its preview `preview_rel` (already
    /// written), keeping the uploaded file's `processed` (SHA-256, size) when known. Returns
    /// the relative paths that are no longer referenced, for the caller to delete after this
    /// commit. Refused unless the report is delivered: nothing of an undelivered item goes.
    pub fn set_attachment_preview(
        &self,
        id: Uuid,
        preview_rel: &str,
        processed: Option<(String, u64)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        self.write(|tx| {
            let a = tx
                .query_row(&format!("SELECT {ATT_COLS} FROM attachments WHERE id = ?1"), [id.to_string()], attachment_from_row)
                .optional()?
                .ok_or_else(|| Error::not_found(format!("attachment {id}")))?;
            let state = super::outbox::draft_state(tx, a.draft_id)?;
            if state != LocalState::Submitted {
                return Err(Error::invalid_state(state.name(), "remove the full copies of an attachment"));
            }
            if a.preview {
                return Ok(vec![]);
            }
            let (sha, bytes) = processed.map_or((None, None), |(s, b)| (Some(s), Some(b as i64)));
            let poster: Option<String> = tx.query_row(
                "SELECT poster_path FROM attachments WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE attachments SET stored_path = ?2, processed_path = NULL, retained_at = ?3, \
                 processed_sha256 = COALESCE(?4, processed_sha256), processed_bytes = COALESCE(?5, processed_bytes), \
                 poster_path = NULL WHERE id = ?1",
                params![id.to_string(), preview_rel, ts(now), sha, bytes],
            )?;
            Ok([Some(a.stored_path), a.processed_path, poster].into_iter().flatten().filter(|p| p != preview_rel).collect())
        })
    }

    /// Every file path the database refers to (for removing orphans after a crash).
    pub fn referenced_media_paths(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT stored_path FROM attachments UNION SELECT processed_path FROM attachments WHERE processed_path IS NOT NULL \
                 UNION SELECT poster_path FROM attachments WHERE poster_path IS NOT NULL")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
