//! Media: recognising what the user attached and preparing it for upload (DESIGN §5).
//!
//! Photos: [`inspect_photo`] reads EXIF (orientation, GPS, capture time); [`prepare_photo`]
//! decodes with shrink-on-load, applies the orientation to the pixels, resizes and encodes a
//! metadata-free JPEG to a byte budget. Videos: [`inspect_video`] reads the MP4/MOV container
//! in Rust; [`prepare_video`] transcodes through the platform's [`VideoTranscoder`].

mod attach;
mod budget;
mod colour;
mod exif;
mod heif;
mod jpeg;
mod orient;
mod output;
mod photo;
mod png;
mod video;
mod webp;

/// Media failures are defined with the core's errors (media depends on `error`, not the reverse).
pub use crate::error::MediaError;
pub use attach::{attachment_facts, AttachmentFacts, TENANT_ZONE_SECONDS};
pub use budget::DEFAULT_DECODE_BUDGET;
pub use exif::{CapturedAt, GpsInfo};
pub use heif::ImageDecoder;
pub use jpeg::Encoder;
pub use orient::Orientation;
pub(crate) use output::hash_file;
pub use output::PreparedMedia;
pub use photo::{
    compress_photo, inspect_photo, prepare_photo, CompressOptions, CompressedPhoto, PhotoInfo,
};
pub use video::{
    check_video_limits, inspect_video, max_output_bytes, poster_time_ms, prepare_poster,
    prepare_video, prepare_video_trimmed, TrimRange, VideoInfo, VideoTarget, VideoTranscoder,
    POSTER_EDGE, POSTER_MAX_BYTES,
};

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::MediaKind;

/// Container formats we accept, recognised by their first bytes (never by file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Heic,
    Mp4,
    Mov,
}

impl Format {
    pub fn kind(self) -> MediaKind {
        match self {
            Format::Jpeg | Format::Png | Format::Webp | Format::Heic => MediaKind::Photo,
            Format::Mp4 | Format::Mov => MediaKind::Video,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Heic => "image/heic",
            Format::Mp4 => "video/mp4",
            Format::Mov => "video/quicktime",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Heic => "heic",
            Format::Mp4 => "mp4",
            Format::Mov => "mov",
        }
    }
}

/// Recognise a file's format from its header.
pub fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(Format::Webp);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        let brand = &head[8..12];
        return match brand {
            b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                Some(Format::Heic)
            }
            b"qt  " => Some(Format::Mov),
            _ => Some(Format::Mp4),
        };
    }
    None
}

/// Whether a file reads as a photo this app shows (JPEG, PNG or WebP with a valid header):
/// the check the media cache makes on what the server sent before keeping it.
pub fn is_readable_photo(path: &Path) -> bool {
    match sniff_file(path) {
        Ok(Format::Jpeg) => jpeg::dimensions(path).is_ok(),
        Ok(Format::Webp) => webp::dimensions(path).is_ok(),
        Ok(Format::Png) => png_dimensions(path).is_some(),
        _ => false,
    }
}

/// Width and height from a PNG's IHDR chunk (the first chunk, by the format's rule).
fn png_dimensions(path: &Path) -> Option<(u32, u32)> {
    let mut head = [0u8; 24];
    std::fs::File::open(path).ok()?.read_exact(&mut head).ok()?;
    if &head[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(head[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(head[20..24].try_into().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

pub fn sniff_file(path: &Path) -> Result<Format> {
    let mut head = [0u8; 32];
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    if n == 0 {
        return Err(MediaError::Empty.into());
    }
    sniff(&head[..n]).ok_or_else(|| MediaError::Unsupported("unrecognised content".into()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_by_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1]), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(Format::Heic));
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), Some(Format::Mp4));
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"), Some(Format::Mov));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
    }
}
