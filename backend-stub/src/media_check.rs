//! What an uploaded file really is, from its first bytes: a client claiming `image/jpeg`
//! must send a JPEG. Only the formats the app produces or accepts are allowed.

/// MIME types an upload may declare (`filetype` metadata).
pub const ALLOWED: &[&str] =
    &["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "video/mp4", "video/quicktime"];

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
    let Some(found) = sniff(bytes) else { return false };
    declared == found || family(declared) == family(found)
}

fn family(m: &str) -> &str {
    match m {
        "video/mp4" | "video/quicktime" => "isobmff-video",
        "image/heic" | "image/heif" => "heif",
        other => other,
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
