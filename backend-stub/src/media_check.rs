//! What an uploaded file really is, from its first bytes: a client claiming `image/jpeg`
//! must send a JPEG. Only the formats the app produces or accepts are allowed.

/// MIME types an upload may declare (`filetype` metadata).
pub const ALLOWED: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "video/mp4",
    "video/quicktime",
];

/// Bytes needed to decide.
pub const SNIFF_LEN: usize = 16;

/// The family the bytes belong to, as a MIME type, or None if unknown.
pub fn sniff(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Some("image/png");
    }
    if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        let brand = &b[8..12];
        return Some(match brand {
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => "image/heic",
            b"mif1" | b"msf1" | b"avif" => "image/heif",
            b"qt  " => "video/quicktime",
            _ => "video/mp4",
        });
    }
    // QuickTime files may start with other top-level atoms.
    if b.len() >= 8 && matches!(&b[4..8], b"moov" | b"mdat" | b"wide" | b"free" | b"skip") {
        return Some("video/quicktime");
    }
    None
}

/// Does the declared type fit the bytes? MP4 and QuickTime share a container, and so do
/// HEIC and HEIF, so those pairs are accepted for each other.
pub fn matches(declared: &str, bytes: &[u8]) -> bool {
    let Some(found) = sniff(bytes) else {
        return false;
    };
    declared == found || family(declared) == family(found)
}

fn family(m: &str) -> &str {
    match m {
        "video/mp4" | "video/quicktime" => "isobmff-video",
        "image/heic" | "image/heif" => "heif",
        other => other,
    }
}

/// Largest photo accepted: real phone photos are under 20 MB, and photos are parsed and
/// rewritten (metadata stripped) in memory on completion.
pub const MAX_PHOTO_BYTES: u64 = 40 * 1024 * 1024;

/// A completed upload must parse as what it claims: an MP4/QuickTime file as an ISO-BMFF
/// movie with a `moov` (Mozilla's mp4parse), a JPEG/PNG/WebP through its decoder's header
/// reader. HEIC/HEIF are checked by their `ftyp` brand only (no parser in the stub).
pub fn validate(path: &std::path::Path, declared: &str) -> Result<(), String> {
    use std::io::BufReader;
    let open = || {
        std::fs::File::open(path)
            .map(BufReader::new)
            .map_err(|e| format!("unreadable: {e}"))
    };
    match declared {
        "video/mp4" | "video/quicktime" => {
            let ctx = mp4parse::read_mp4(&mut open()?)
                .map_err(|e| format!("not a valid MP4/QuickTime movie ({e:?})"))?;
            if ctx.timescale.is_none() && ctx.tracks.is_empty() {
                return Err("an MP4 without a movie header".into());
            }
            Ok(())
        }
        "image/jpeg" | "image/png" | "image/webp" => {
            let fmt = match declared {
                "image/jpeg" => image::ImageFormat::Jpeg,
                "image/png" => image::ImageFormat::Png,
                _ => image::ImageFormat::WebP,
            };
            let (w, h) = image::ImageReader::with_format(open()?, fmt)
                .into_dimensions()
                .map_err(|e| format!("not a valid {declared} ({e})"))?;
            if w == 0 || h == 0 {
                return Err(format!("a {declared} without pixels"));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_and_matches() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE1, 0, 0]), Some("image/jpeg"));
        assert!(matches("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!matches("image/png", &[0xFF, 0xD8, 0xFF, 0xE0]));
        let mp4 = b"\0\0\0\x20ftypisom\0\0\0\0";
        assert!(matches("video/mp4", mp4) && matches("video/quicktime", mp4));
        assert!(!matches("image/jpeg", b"<html><body>hi</body></html>"));
        assert!(!matches("video/mp4", b"GIF89a......"));
    }
}
