//! Media: recognising what the user attached, and (later modules) preparing it for upload.

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
            b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" => Some(Format::Heic),
            b"qt  " => Some(Format::Mov),
            _ => Some(Format::Mp4),
        };
    }
    None
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
        return Err(Error::Media("empty file".into()));
    }
    sniff(&head[..n]).ok_or_else(|| Error::Media("unsupported file format".into()))
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
