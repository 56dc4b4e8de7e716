//! The poster frame of a video attachment (issue 17): a small JPEG made with the upload
//! file, uploaded as its own tus upload just before the report is created, and named in the
//! report as the video's poster. Its upload state is kept like an attachment's, so a crash
//! resumes it (HEAD) or reuses it, and it is sent exactly once.

use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

use super::{from_json, to_json, Store};
use crate::error::{Error, Result};
use crate::model::UploadState;

/// A video's poster as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    /// Relative to the storage directory.
    pub path: String,
    /// `Ready` until its upload was created.
    pub upload: UploadState,
}

impl Store {
    /// The poster of attachment `id`, if one was made.
    pub fn attachment_poster(&self, id: Uuid) -> Result<Option<Poster>> {
        self.read(|c| {
            let row: Option<(Option<String>, Option<String>)> = c
                .query_row(
                    "SELECT poster_path, poster_upload_json FROM attachments WHERE id = ?1",
                    [id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((path, upload)) = row else {
                return Err(Error::not_found(format!("attachment {id}")));
            };
            let Some(path) = path else { return Ok(None) };
            let upload = match upload {
                Some(j) => from_json(&j)?,
                None => UploadState::Ready,
            };
            Ok(Some(Poster { path, upload }))
        })
    }

    /// Record the poster's upload state (each acknowledged offset, then `Uploaded`).
    pub fn set_poster_upload(&self, id: Uuid, state: &UploadState) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE attachments SET poster_upload_json = ?2 WHERE id = ?1 AND poster_path IS NOT NULL",
                params![id.to_string(), to_json(state)],
            )?;
            if n == 0 {
                return Err(Error::not_found(format!("poster of attachment {id}")));
            }
            Ok(())
        })
    }

    /// Forget the poster (the server refused it): the report goes without one. Returns its
    /// file for the caller to delete after the commit.
    pub fn drop_poster(&self, id: Uuid) -> Result<Option<String>> {
        self.write(|tx| {
            let path: Option<String> = tx
                .query_row(
                    "SELECT poster_path FROM attachments WHERE id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            tx.execute(
                "UPDATE attachments SET poster_path = NULL, poster_upload_json = NULL WHERE id = ?1",
                [id.to_string()],
            )?;
            Ok(path)
        })
    }
}
