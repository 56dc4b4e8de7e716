//! [`Drafts`]: what the resident is writing — autosaved drafts, their attachments (copied
//! into app storage), validation, the report's position and ward, and submitting to the outbox.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use crate::context::{Context, MEDIA_DIR};
use crate::drafts;
use crate::error::{Error, FieldError, Result, ValidationReason};
use crate::location::LocationAssessment;
use crate::model::{Attachment, Draft, DraftPatch, LocalState, LocationFix, OutboxItem};
use crate::store::NewAttachment;

#[derive(Clone)]
pub struct Drafts {
    ctx: Arc<Context>,
}

impl Drafts {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    pub async fn create(&self) -> Result<Draft> {
        self.ctx
            .blocking(|c| {
                let now = Utc::now();
                let draft = Draft {
                    id: Uuid::now_v7(),
                    created_at: now,
                    updated_at: now,
                    category: None,
                    description: String::new(),
                    location: None,
                    ward: None,
                    anonymous: false,
                    attributes: Default::default(),
                    attachments: vec![],
                    state: LocalState::Draft,
                };
                c.store.insert_draft(&draft, c.account().as_deref())?;
                Ok(draft)
            })
            .await
    }

    pub async fn get(&self, id: Uuid) -> Result<Draft> {
        self.ctx
            .blocking(move |c| {
                c.check_draft_visible(id)?;
                Ok(c.absolute(c.store.draft(id)?))
            })
            .await
    }

    /// Drafts still being edited, most recent first.
    pub async fn list(&self) -> Result<Vec<Draft>> {
        self.ctx
            .blocking(|c| {
                Ok(c.store
                    .editable_drafts(c.account().as_deref())?
                    .into_iter()
                    .map(|d| c.absolute(d))
                    .collect())
            })
            .await
    }

    /// Autosave: apply the fields present in `patch`. A position that is not a finite
    /// latitude/longitude is refused with a field error (nothing stored can make the drafts
    /// list unreadable).
    pub async fn update(&self, id: Uuid, patch: DraftPatch) -> Result<Draft> {
        if let Some(Some(fix)) = &patch.location {
            check_fix("location", fix)?;
        }
        self.ctx
            .blocking(move |c| {
                c.check_draft_visible(id)?;
                Ok(c.absolute(c.store.patch_draft(id, &patch, Utc::now())?))
            })
            .await
    }

    pub async fn delete(&self, id: Uuid) -> Result<()> {
        self.ctx
            .blocking(move |c| {
                c.check_draft_visible(id)?;
                let files = c.store.delete_draft(id)?;
                c.remove_files(&files);
                let _ = std::fs::remove_dir(c.media_dir().join(id.to_string()));
                Ok(())
            })
            .await
    }

    /// Copy a photo or video into app storage and attach it. The kind is decided by the
    /// file's content, not its name.
    pub async fn add_attachment(
        &self,
        draft_id: Uuid,
        source: impl Into<PathBuf>,
    ) -> Result<Attachment> {
        let source = source.into();
        self.ctx
            .blocking(move |c| add_attachment(c, draft_id, &source))
            .await
    }

    pub async fn remove_attachment(&self, attachment_id: Uuid) -> Result<()> {
        self.ctx
            .blocking(move |c| {
                c.check_draft_visible(c.store.attachment(attachment_id)?.draft_id)?;
                let files = c.store.delete_attachment(attachment_id, Utc::now())?;
                c.remove_files(&files);
                Ok(())
            })
            .await
    }

    /// Every problem that would stop this draft from being sent.
    pub async fn validate(&self, id: Uuid) -> Result<Vec<FieldError>> {
        self.ctx
            .blocking(move |c| {
                c.check_draft_visible(id)?;
                let mut errors = drafts::validate(&c.store.draft(id)?, &c.config());
                // What the server said when it refused this draft, for fields not already named.
                for e in c.store.draft_server_errors(id)? {
                    if !errors.iter().any(|l| l.field == e.field) {
                        errors.push(e);
                    }
                }
                Ok(errors)
            })
            .await
    }

    /// Move a valid draft into the outbox, in one transaction, under a new client id that
    /// becomes its idempotency key.
    pub async fn submit(&self, id: Uuid) -> Result<OutboxItem> {
        self.ctx
            .blocking(move |c| {
                c.check_draft_visible(id)?;
                let cfg = c.config();
                let item = c
                    .store
                    .enqueue_draft(id, Uuid::now_v7(), Utc::now(), |draft| {
                        let errors = drafts::validate(draft, &cfg);
                        if errors.is_empty() {
                            Ok(())
                        } else {
                            Err(Error::Validation(errors))
                        }
                    })?;
                // A running worker picks it up at once; subscribers see the new row.
                c.engine.wake();
                c.publish_outbox();
                Ok(item)
            })
            .await
    }

    /// Choose the draft's position among the device's recent fixes (a manual pin among them
    /// always wins), its photos' EXIF positions and a pin set earlier; name its ward; store
    /// both with the draft. Returns the choice with the warnings to show. Fixes that are not
    /// finite positions are ignored by the choice (a platform's bad fix is not the user's error).
    pub async fn set_location(
        &self,
        draft_id: Uuid,
        device_fixes: Vec<LocationFix>,
    ) -> Result<LocationAssessment> {
        self.ctx
            .blocking(move |c| set_location(c, draft_id, &device_fixes))
            .await
    }
}

/// A position the app can store and use: finite, on the globe, with a sane accuracy.
fn check_fix(field: &str, f: &LocationFix) -> Result<()> {
    let ok = f.lat.is_finite()
        && f.lon.is_finite()
        && (-90.0..=90.0).contains(&f.lat)
        && (-180.0..=180.0).contains(&f.lon)
        && f.accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0)
        && f.altitude_m.is_none_or(f64::is_finite);
    if ok {
        Ok(())
    } else {
        Err(Error::Validation(vec![FieldError::new(
            field,
            ValidationReason::Invalid {
                detail: "not a finite position on Earth".into(),
            },
        )]))
    }
}

fn add_attachment(c: &Context, draft_id: Uuid, source: &Path) -> Result<Attachment> {
    let format = crate::media::sniff_file(source)?;
    let kind = format.kind();
    let cfg = c.config();
    let id = Uuid::now_v7();
    let rel = PathBuf::from(MEDIA_DIR)
        .join(draft_id.to_string())
        .join(format!("{id}.{}", format.extension()));
    let dest = c.storage_dir.join(&rel);
    // Refuse early for a draft that is gone, another account's or queued, before copying
    // megabytes.
    c.check_draft_visible(draft_id)?;
    let draft = c.store.draft(draft_id)?;
    if draft.state != LocalState::Draft {
        return Err(Error::invalid_state(draft.state.name(), "add attachment"));
    }
    // EXIF time/position of a photo; a too-long video is refused before it is copied.
    let facts = crate::media::attachment_facts(source, kind, &cfg.media, c.image_decoder())?;
    let imported = drafts::import_file(
        source,
        &dest,
        drafts::input_limit(&cfg, kind),
        "attachments",
    )?;
    let new = NewAttachment {
        id,
        draft_id,
        kind,
        original_name: source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        stored_path: rel.to_string_lossy().into_owned(),
        mime: Some(format.mime().to_owned()),
        size_bytes: imported.size,
        sha256: imported.sha256,
        captured_at: facts.captured_at,
        exif_location: facts.exif_location,
    };
    match c.store.insert_attachment(&new, Utc::now()) {
        Ok(a) => Ok(c.absolute_attachment(a)),
        Err(e) => {
            let _ = std::fs::remove_file(&dest);
            Err(e)
        }
    }
}

fn set_location(
    c: &Context,
    draft_id: Uuid,
    device_fixes: &[LocationFix],
) -> Result<LocationAssessment> {
    use crate::model::LocationSource;
    c.check_draft_visible(draft_id)?;
    let draft = c.store.draft(draft_id)?;
    if draft.state != LocalState::Draft {
        return Err(Error::invalid_state(draft.state.name(), "set location"));
    }
    let mut fixes = device_fixes.to_vec();
    fixes.extend(
        draft
            .attachments
            .iter()
            .filter_map(|a| a.exif_location.clone()),
    );
    fixes.extend(
        draft
            .location
            .filter(|l| l.source == LocationSource::Manual),
    );
    let boundaries = c.boundaries()?;
    let cfg = c.config();
    let now = Utc::now();
    let mut assessment = crate::location::assess(&fixes, now, &cfg.location, boundaries.as_deref());
    // Photos without a position still say when they were taken.
    let photo_times = draft
        .attachments
        .iter()
        .filter_map(|a| a.captured_at.or(a.exif_location.as_ref().map(|f| f.time)));
    if let Some(stale) = crate::location::stale_photo(photo_times, now, &cfg.location) {
        assessment
            .warnings
            .retain(|w| !matches!(w, crate::location::LocationWarning::PhotoStale { .. }));
        assessment.warnings.push(stale);
    }
    if let Some(fix) = &assessment.fix {
        let patch = DraftPatch {
            location: Some(Some(fix.clone())),
            ward: Some(assessment.lookup.as_ref().and_then(|l| l.ward_for_report())),
            ..Default::default()
        };
        c.store.patch_draft(draft_id, &patch, now)?;
    }
    Ok(assessment)
}
