//! What [`crate::Client::add_attachment`] learns from a file when the user attaches it:
//! a photo's capture time and EXIF position; a video's conformity to the limits.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};

use super::heif::ImageDecoder;
use super::{inspect_photo, inspect_video};
use crate::config::MediaLimits;
use crate::error::MediaError;
use crate::error::Result;
use crate::model::{LocationFix, LocationSource, MediaKind};

/// Vietnam keeps UTC+7 all year; used for photos whose EXIF has no offset.
pub const TENANT_ZONE_SECONDS: i32 = 7 * 3600;

/// Facts stored on the attachment row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttachmentFacts {
    pub captured_at: Option<DateTime<Utc>>,
    pub exif_location: Option<LocationFix>,
}

/// Read a photo's EXIF (capture time, GPS) or check a video against the limits (a video
/// that is too long is refused here, with a typed error, before megabytes are copied).
pub fn attachment_facts(
    path: &Path,
    kind: MediaKind,
    limits: &MediaLimits,
    decoder: Option<&dyn ImageDecoder>,
) -> Result<AttachmentFacts> {
    match kind {
        MediaKind::Video => {
            // Input size is checked by the copy (a Validation error, like photos).
            let info = inspect_video(path)?;
            if info.duration_ms > limits.max_video_seconds as u64 * 1000 {
                return Err(MediaError::VideoTooLong {
                    seconds: info.duration_ms as f64 / 1000.0,
                    max_seconds: limits.max_video_seconds,
                }
                .into());
            }
            Ok(AttachmentFacts::default())
        }
        MediaKind::Photo => {
            let info = inspect_photo(path, decoder)?;
            let zone = FixedOffset::east_opt(TENANT_ZONE_SECONDS).expect("valid offset");
            let captured_at = info.captured_at.map(|c| c.to_utc(zone));
            let exif_location = info.gps.map(|g| LocationFix {
                lat: g.lat,
                lon: g.lon,
                accuracy_m: g.accuracy,
                altitude_m: g.alt,
                // When the fix was taken: GPS time, else capture time, else the file's age.
                time: g
                    .timestamp
                    .or(captured_at)
                    .unwrap_or_else(|| file_time(path)),
                source: LocationSource::PhotoExif,
            });
            Ok(AttachmentFacts {
                captured_at,
                exif_location,
            })
        }
    }
}

fn file_time(path: &Path) -> DateTime<Utc> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(DateTime::<Utc>::from)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}
