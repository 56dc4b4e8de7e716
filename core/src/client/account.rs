//! The resident's rights over their data (Decree 13/2023/NĐ-CP): "download my data" and
//! "delete my account", for the signed-in account. Used through [`super::Session`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::model::{Draft, OutboxItem};
use phananh_wire as wire;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The folder holding `data.json` and the media.
    pub path: PathBuf,
    pub reports: u32,
    /// Media files written (the server's and this device's unsent ones).
    pub media_files: u32,
    /// Media the server listed that could not be fetched (named in `data.json` with the reason).
    pub media_missing: u32,
}

#[derive(Serialize)]
struct ExportFile<'a> {
    format: &'static str,
    server: &'a wire::DataExport,
    device: DeviceData<'a>,
    media: &'a [MediaEntry],
}

#[derive(Serialize)]
struct DeviceData<'a> {
    /// Drafts and unsent reports of this account kept on this phone.
    drafts: &'a [Draft],
    outbox: &'a [OutboxItem],
}

#[derive(Serialize)]
struct MediaEntry {
    /// The report (server media) or draft (this phone's unsent media) it belongs to.
    of: String,
    /// Path inside the export folder; absent when it could not be fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Safe file name part: letters, digits, '-', '_' only.
fn safe(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    if t.is_empty() {
        "_".into()
    } else {
        t
    }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/heic" => "heic",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        _ => "bin",
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Write everything the server and this phone hold about the signed-in account into a new
/// folder under `dir`. Written under a `.part` name and renamed at the end: a folder with the
/// final name is complete.
pub(super) async fn export(ctx: &Arc<Context>, dir: PathBuf) -> Result<ExportSummary> {
    let api = ctx.api()?;
    let account = ctx.signed_in_account().await?.ok_or(Error::Unauthorized)?;
    let server = api.export_data().await?;
    if server.user.id != account {
        return Err(Error::Protocol(
            "the export names another account than the one signed in".into(),
        ));
    }
    let owner = account.clone();
    let (drafts, outbox) = ctx
        .blocking(move |c| {
            let drafts: Vec<Draft> = c
                .store
                .editable_drafts(Some(&owner))?
                .into_iter()
                .map(|d| c.absolute(d))
                .collect();
            Ok((drafts, c.store.outbox_items_of(Some(&owner))?))
        })
        .await?;
    let name = format!("phananh-data-{}", Utc::now().format("%Y%m%d-%H%M%S"));
    let part = dir.join(format!("{name}.part"));
    let done = dir.join(&name);
    if done.exists() {
        return Err(Error::InvalidState {
            state: format!("{} exists", done.display()),
            action: "export".into(),
        });
    }
    let _ = std::fs::remove_dir_all(&part);
    std::fs::create_dir_all(&part).map_err(|e| Error::io(&part, e))?;

    let mut media = Vec::new();
    let (mut written, mut missing) = (0u32, 0u32);
    for r in &server.reports {
        for m in &r.media {
            let rel = format!(
                "media/{}/{}.{}",
                safe(&r.id),
                safe(&m.id),
                extension(&m.mime)
            );
            match api.media_bytes(&m.url).await {
                Ok(bytes) => {
                    write(&part.join(&rel), &bytes)?;
                    written += 1;
                    media.push(MediaEntry {
                        of: r.id.clone(),
                        file: Some(rel),
                        url: Some(m.url.clone()),
                        error: None,
                    });
                }
                Err(e) => {
                    missing += 1;
                    media.push(MediaEntry {
                        of: r.id.clone(),
                        file: None,
                        url: Some(m.url.clone()),
                        error: Some(e.to_string()),
                    });
                }
            }
        }
    }
    // This phone's unsent media: copied as they are kept.
    for d in &drafts {
        for a in &d.attachments {
            let src = Path::new(a.processed_path.as_deref().unwrap_or(&a.stored_path));
            let ext = src
                .extension()
                .and_then(|e| e.to_str())
                .map(safe)
                .unwrap_or_else(|| "bin".into());
            let rel = format!("device-media/{}/{}.{ext}", d.id, a.id);
            let target = part.join(&rel);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            match std::fs::copy(src, &target) {
                Ok(_) => {
                    written += 1;
                    media.push(MediaEntry {
                        of: d.id.to_string(),
                        file: Some(rel),
                        url: None,
                        error: None,
                    });
                }
                Err(e) => {
                    missing += 1;
                    media.push(MediaEntry {
                        of: d.id.to_string(),
                        file: None,
                        url: None,
                        error: Some(e.to_string()),
                    });
                }
            }
        }
    }
    let file = ExportFile {
        format: "phananh-export/1",
        server: &server,
        device: DeviceData {
            drafts: &drafts,
            outbox: &outbox,
        },
        media: &media,
    };
    let json = serde_json::to_vec_pretty(&file)
        .map_err(|e| Error::Internal(format!("export json: {e}")))?;
    write(&part.join("data.json"), &json)?;
    std::fs::rename(&part, &done).map_err(|e| Error::io(&done, e))?;
    Ok(ExportSummary {
        path: done,
        reports: server.reports.len() as u32,
        media_files: written,
        media_missing: missing,
    })
}

/// Delete the signed-in account: first on the server (personal data erased there, public
/// reports kept without identity, every session revoked); only once it answered yes, this
/// phone forgets the account's drafts, outbox, cached reports, media and session. Offline or
/// refused, nothing is deleted anywhere and the error says why.
pub(super) async fn delete(ctx: &Arc<Context>) -> Result<()> {
    let api = ctx.api()?;
    let account = ctx.signed_in_account().await?.ok_or(Error::Unauthorized)?;
    let paused = ctx.engine.pause_worker().await;
    api.delete_account().await?;
    ctx.blocking(move |c| {
        let files = c.store.erase_account(&account)?;
        c.remove_files(&files);
        c.api()?.auth().clear()?;
        Ok(())
    })
    .await?;
    drop(paused);
    ctx.republish_for_account().await
}
