//! Draft rules: validation against the tenant config, and importing attachments into app
//! storage so the user's original may vanish (gallery cleanup, SD card removed).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::TenantConfig;
use crate::error::{Error, FieldError, Result, ValidationReason};
use crate::model::{Draft, MediaKind};

/// Longest value accepted for one extra attribute.
pub const MAX_ATTRIBUTE_CHARS: usize = 500;

/// Every problem of a draft at once, so the form can show them all.
pub fn validate(draft: &Draft, cfg: &TenantConfig) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match draft.category.as_deref() {
        None | Some("") => errors.push(FieldError::new("category", ValidationReason::Required)),
        Some(code) if cfg.category(code).is_none() => errors.push(FieldError::new(
            "category",
            ValidationReason::UnknownCategory,
        )),
        Some(_) => {}
    }
    let chars = draft.description.trim().chars().count() as u32;
    if chars == 0 {
        errors.push(FieldError::new("description", ValidationReason::Required));
    } else if chars < cfg.description_min_chars {
        errors.push(FieldError::new(
            "description",
            ValidationReason::TooShort {
                min: cfg.description_min_chars,
            },
        ));
    } else if chars > cfg.description_max_chars {
        errors.push(FieldError::new(
            "description",
            ValidationReason::TooLong {
                max: cfg.description_max_chars,
            },
        ));
    }
    match &draft.location {
        None => errors.push(FieldError::new("location", ValidationReason::Required)),
        Some(fix) => {
            let ok = fix.lat.is_finite()
                && fix.lon.is_finite()
                && (-90.0..=90.0).contains(&fix.lat)
                && (-180.0..=180.0).contains(&fix.lon)
                && fix.accuracy_m.is_none_or(|a| a.is_finite() && a >= 0.0);
            if !ok {
                errors.push(FieldError::new("location", ValidationReason::OutOfRange));
            }
        }
    }
    let limits = &cfg.media;
    let photos = draft
        .attachments
        .iter()
        .filter(|a| a.kind == MediaKind::Photo)
        .count() as u32;
    let videos = draft
        .attachments
        .iter()
        .filter(|a| a.kind == MediaKind::Video)
        .count() as u32;
    if photos > limits.max_photos {
        errors.push(FieldError::new(
            "photos",
            ValidationReason::TooMany {
                max: limits.max_photos,
            },
        ));
    }
    if videos > limits.max_videos {
        errors.push(FieldError::new(
            "videos",
            ValidationReason::TooMany {
                max: limits.max_videos,
            },
        ));
    }
    if (draft.attachments.len() as u32) < limits.min_attachments {
        errors.push(FieldError::new(
            "attachments",
            ValidationReason::TooFew {
                min: limits.min_attachments,
            },
        ));
    }
    for (i, a) in draft.attachments.iter().enumerate() {
        let max = input_limit(cfg, a.kind);
        if a.size_bytes > max {
            errors.push(FieldError::new(
                format!("attachments[{i}]"),
                ValidationReason::TooLarge { max_bytes: max },
            ));
        }
    }
    for (key, value) in &draft.attributes {
        if value.chars().count() > MAX_ATTRIBUTE_CHARS {
            errors.push(FieldError::new(
                format!("attributes.{key}"),
                ValidationReason::TooLong {
                    max: MAX_ATTRIBUTE_CHARS as u32,
                },
            ));
        }
    }
    errors
}

pub fn input_limit(cfg: &TenantConfig, kind: MediaKind) -> u64 {
    match kind {
        MediaKind::Photo => cfg.media.max_photo_input_bytes,
        MediaKind::Video => cfg.media.max_video_input_bytes,
    }
}

/// A file copied into app storage.
pub struct Imported {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
}

/// Copy `src` to `dest` durably (temp file, fsync, rename, fsync dir) while hashing it.
/// Refuses files over `max_bytes` without reading past the limit.
pub fn import_file(src: &Path, dest: &Path, max_bytes: u64, field: &str) -> Result<Imported> {
    let mut input = File::open(src).map_err(|e| Error::io(src, e))?;
    let dir = dest.parent().expect("dest has a parent");
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dest.with_extension("part");
    let result = (|| {
        let mut out = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = input.read(&mut buf).map_err(|e| Error::io(src, e))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > max_bytes {
                return Err(Error::Validation(vec![FieldError::new(
                    field,
                    ValidationReason::TooLarge { max_bytes },
                )]));
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(|e| Error::io(&tmp, e))?;
        }
        if size == 0 {
            return Err(Error::Media("empty file".into()));
        }
        out.sync_all().map_err(|e| Error::io(&tmp, e))?;
        Ok((size, hex::encode(hasher.finalize())))
    })();
    match result {
        Ok((size, sha256)) => {
            std::fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e))?;
            sync_dir(dir);
            Ok(Imported {
                path: dest.to_owned(),
                size,
                sha256,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Make a rename durable. Best effort: not every platform lets a directory be fsynced.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attachment, LocalState, LocationFix, LocationSource, UploadState};
    use chrono::Utc;
    use uuid::Uuid;

    fn draft() -> Draft {
        Draft {
            id: Uuid::now_v7(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            category: Some("giao_thong".into()),
            description: "Ổ gà lớn giữa đường Trần Phú".into(),
            location: Some(LocationFix {
                lat: 18.342,
                lon: 105.9057,
                accuracy_m: Some(8.0),
                altitude_m: None,
                time: Utc::now(),
                source: LocationSource::DeviceGps,
            }),
            ward: None,
            anonymous: false,
            attributes: Default::default(),
            attachments: vec![],
            state: LocalState::Draft,
        }
    }

    fn att(kind: MediaKind, size: u64) -> Attachment {
        Attachment {
            id: Uuid::now_v7(),
            draft_id: Uuid::nil(),
            kind,
            ordinal: 0,
            original_name: "x".into(),
            stored_path: "x".into(),
            processed_path: None,
            mime: None,
            size_bytes: size,
            sha256: String::new(),
            captured_at: None,
            exif_location: None,
            upload: UploadState::Pending,
            preview: false,
            processed_sha256: None,
            processed_bytes: None,
        }
    }

    #[test]
    fn a_complete_draft_is_valid() {
        assert_eq!(validate(&draft(), &TenantConfig::ha_tinh()), vec![]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut cfg = TenantConfig::ha_tinh();
        cfg.media.min_attachments = 1;
        let mut d = draft();
        d.category = Some("bogus".into());
        d.description = "  ngắn ".into();
        d.location = None;
        let errors = validate(&d, &cfg);
        let fields: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.reason.clone()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("category", ValidationReason::UnknownCategory),
                ("description", ValidationReason::TooShort { min: 10 }),
                ("location", ValidationReason::Required),
                ("attachments", ValidationReason::TooFew { min: 1 }),
            ]
        );
    }

    #[test]
    fn description_length_counts_characters_not_bytes() {
        let cfg = TenantConfig::ha_tinh();
        let mut d = draft();
        // 10 Vietnamese characters are 10 chars but ~25 bytes.
        d.description = "đường hỏng".into();
        assert_eq!(d.description.chars().count(), 10);
        assert!(validate(&d, &cfg).is_empty());
        d.description = "ư".repeat(cfg.description_max_chars as usize + 1);
        assert_eq!(
            validate(&d, &cfg)[0].reason,
            ValidationReason::TooLong {
                max: cfg.description_max_chars
            }
        );
    }

    #[test]
    fn media_counts_and_sizes_follow_the_config() {
        let cfg = TenantConfig::ha_tinh();
        let mut d = draft();
        for _ in 0..=cfg.media.max_photos {
            d.attachments.push(att(MediaKind::Photo, 1000));
        }
        d.attachments
            .push(att(MediaKind::Video, cfg.media.max_video_input_bytes + 1));
        d.attachments.push(att(MediaKind::Video, 10));
        let errors = validate(&d, &cfg);
        assert!(errors.contains(&FieldError::new(
            "photos",
            ValidationReason::TooMany {
                max: cfg.media.max_photos
            }
        )));
        assert!(errors.contains(&FieldError::new(
            "videos",
            ValidationReason::TooMany {
                max: cfg.media.max_videos
            }
        )));
        let idx = cfg.media.max_photos + 1;
        assert!(errors.contains(&FieldError::new(
            format!("attachments[{idx}]"),
            ValidationReason::TooLarge {
                max_bytes: cfg.media.max_video_input_bytes
            }
        )));
    }

    #[test]
    fn impossible_coordinates_are_refused() {
        let cfg = TenantConfig::ha_tinh();
        for (lat, lon) in [
            (91.0, 0.0),
            (0.0, 181.0),
            (f64::NAN, 0.0),
            (0.0, f64::INFINITY),
        ] {
            let mut d = draft();
            d.location.as_mut().unwrap().lat = lat;
            d.location.as_mut().unwrap().lon = lon;
            assert_eq!(
                validate(&d, &cfg),
                vec![FieldError::new("location", ValidationReason::OutOfRange)]
            );
        }
    }

    #[test]
    fn import_copies_hashes_and_bounds_size() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("in.jpg");
        std::fs::write(&src, b"hello world").unwrap();
        let dest = dir.path().join("media/a/b.jpg");
        let imp = import_file(&src, &dest, 100, "attachments").unwrap();
        assert_eq!(imp.size, 11);
        assert_eq!(
            imp.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!(std::fs::read(&dest).unwrap(), b"hello world");
        let big = import_file(&src, &dir.path().join("media/a/c.jpg"), 5, "attachments");
        assert!(matches!(big, Err(Error::Validation(_))));
        assert!(!dir.path().join("media/a/c.jpg").exists());
        assert!(!dir.path().join("media/a/c.part").exists());
    }
}
