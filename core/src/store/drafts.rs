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
     sha256, captured_at, exif_location_json, upload_json";

fn uuid_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let s: String = row.get(i)?;
    Uuid::parse_str(&s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn opt_json<T: serde::de::DeserializeOwned>(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<T>> {
    row.get::<_, Option<String>>(i)?.map(|s| from_json(&s)).transpose()
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
        captured_at: row.get::<_, Option<String>>(10)?.map(|s| parse_ts(&s)).transpose()?,
        exif_location: opt_json(row, 11)?,
        upload: from_json(&row.get::<_, String>(12)?)?,
    })
}

pub(crate) fn load_draft(c: &Connection, id: Uuid) -> Result<Option<Draft>> {
    let draft = c
        .query_row(&format!("SELECT {DRAFT_COLS} FROM drafts WHERE id = ?1"), [id.to_string()], draft_from_row)
        .optional()?;
    let Some(mut draft) = draft else { return Ok(None) };
    draft.attachments = load_attachments(c, id)?;
    draft.state = super::outbox::draft_state(c, id)?;
    Ok(Some(draft))
}

fn load_attachments(c: &Connection, draft_id: Uuid) -> Result<Vec<Attachment>> {
    let mut stmt = c.prepare_cached(&format!("SELECT {ATT_COLS} FROM attachments WHERE draft_id = ?1 ORDER BY ordinal"))?;
    let rows = stmt.query_map([draft_id.to_string()], attachment_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A draft may change only while no outbox item holds it.
fn ensure_editable(c: &Connection, id: Uuid) -> Result<()> {
    let exists: bool = c.query_row("SELECT EXISTS(SELECT 1 FROM drafts WHERE id = ?1)", [id.to_string()], |r| r.get(0))?;
    if !exists {
        return Err(Error::not_found(format!("draft {id}")));
    }
    match super::outbox::draft_state(c, id)? {
        LocalState::Draft => Ok(()),
        other => Err(Error::invalid_state(other.name(), "edit draft")),
    }
}

impl Store {
    pub fn insert_draft(&self, draft: &Draft) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                &format!("INSERT INTO drafts ({DRAFT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
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
                ],
            )?;
            Ok(())
        })
    }

    pub fn draft(&self, id: Uuid) -> Result<Draft> {
        self.read(|c| load_draft(c, id))?.ok_or_else(|| Error::not_found(format!("draft {id}")))
    }

    /// Ids of every draft, editable or queued.
    pub fn draft_ids(&self) -> Result<Vec<Uuid>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT id FROM drafts ORDER BY id")?;
            let rows = stmt.query_map([], |r| uuid_col(r, 0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Drafts still being edited (not in the outbox), most recently changed first.
    pub fn editable_drafts(&self) -> Result<Vec<Draft>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {DRAFT_COLS} FROM drafts d WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.draft_id = d.id) \
                 ORDER BY updated_at DESC, id DESC"
            ))?;
            let drafts = stmt.query_map([], draft_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
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
                tx.execute("UPDATE drafts SET category = ?2 WHERE id = ?1", params![idv, category])?;
            }
            if let Some(description) = &patch.description {
                tx.execute("UPDATE drafts SET description = ?2 WHERE id = ?1", params![idv, description])?;
            }
            if let Some(location) = &patch.location {
                tx.execute(
                    "UPDATE drafts SET location_json = ?2 WHERE id = ?1",
                    params![idv, location.as_ref().map(to_json)],
                )?;
            }
            if let Some(ward) = &patch.ward {
                tx.execute("UPDATE drafts SET ward_json = ?2 WHERE id = ?1", params![idv, ward.as_ref().map(to_json)])?;
            }
            if let Some(anonymous) = patch.anonymous {
                tx.execute("UPDATE drafts SET anonymous = ?2 WHERE id = ?1", params![idv, anonymous as i64])?;
            }
            if let Some(attributes) = &patch.attributes {
                tx.execute("UPDATE drafts SET attributes_json = ?2 WHERE id = ?1", params![idv, to_json(attributes)])?;
            }
            tx.execute("UPDATE drafts SET updated_at = ?2 WHERE id = ?1", params![idv, ts(now)])?;
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
                &format!("INSERT INTO attachments ({ATT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9, ?10, ?11, ?12)"),
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
            Ok(tx.query_row(&format!("SELECT {ATT_COLS} FROM attachments WHERE id = ?1"), [a.id.to_string()], attachment_from_row)?)
        })
    }

    /// Remove an attachment of an editable draft; returns its files for the caller to delete.
    pub fn delete_attachment(&self, id: Uuid, now: DateTime<Utc>) -> Result<Vec<String>> {
        self.write(|tx| {
            let att = tx
                .query_row(&format!("SELECT {ATT_COLS} FROM attachments WHERE id = ?1"), [id.to_string()], attachment_from_row)
                .optional()?
                .ok_or_else(|| Error::not_found(format!("attachment {id}")))?;
            ensure_editable(tx, att.draft_id)?;
            tx.execute("DELETE FROM attachments WHERE id = ?1", [id.to_string()])?;
            tx.execute("UPDATE drafts SET updated_at = ?2 WHERE id = ?1", params![att.draft_id.to_string(), ts(now)])?;
            Ok(std::iter::once(att.stored_path).chain(att.processed_path).collect())
        })
    }

    pub fn attachment(&self, id: Uuid) -> Result<Attachment> {
        self.read(|c| {
            c.query_row(&format!("SELECT {ATT_COLS} FROM attachments WHERE id = ?1"), [id.to_string()], attachment_from_row)
                .optional()?
                .ok_or_else(|| Error::not_found(format!("attachment {id}")))
        })
    }

    /// Record the processed (compressed/transcoded) file of an attachment.
    pub fn set_attachment_processed(&self, id: Uuid, processed_path: &str, mime: &str) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE attachments SET processed_path = ?2, mime = ?3, upload_json = ?4 WHERE id = ?1",
                params![id.to_string(), processed_path, mime, to_json(&UploadState::Ready)],
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

    /// Every file path the database refers to (for removing orphans after a crash).
    pub fn referenced_media_paths(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT stored_path FROM attachments UNION SELECT processed_path FROM attachments WHERE processed_path IS NOT NULL")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
