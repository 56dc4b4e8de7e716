//! Metadata stripping of photos on the server, so a photo attached by anyone (an officer's
//! answer photo straight from a phone camera included) carries what the app's own pipeline
//! leaves: pixels, colour information and orientation, no maker, model, serial, GPS, time,
//! thumbnails or comments. The pixels are not re-encoded: segments/chunks are dropped, so an
//! already clean file (the app's output) comes back byte for byte.

/// The photo without its metadata, or `None` when there was nothing to remove (or the
/// format is not one this module rewrites). `Err` when the structure is broken.
pub fn strip(mime: &str, b: &[u8]) -> Result<Option<Vec<u8>>, String> {
    match mime {
        "image/jpeg" => jpeg(b),
        "image/png" => png(b),
        "image/webp" => webp(b),
        _ => Ok(None),
    }
}

fn be16(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

/// Orientation (EXIF tag 0x0112) from an APP1 `Exif\0\0` payload.
fn exif_orientation(p: &[u8]) -> Option<u16> {
    let t = p.strip_prefix(b"Exif\0\0")?;
    let le = match t.get(0..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |i: usize| -> Option<u16> {
        let x = [*t.get(i)?, *t.get(i + 1)?];
        Some(if le {
            u16::from_le_bytes(x)
        } else {
            u16::from_be_bytes(x)
        })
    };
    let u32_at = |i: usize| -> Option<u32> {
        let x = [*t.get(i)?, *t.get(i + 1)?, *t.get(i + 2)?, *t.get(i + 3)?];
        Some(if le {
            u32::from_le_bytes(x)
        } else {
            u32::from_be_bytes(x)
        })
    };
    let ifd = u32_at(4)? as usize;
    let n = u16_at(ifd)? as usize;
    (0..n.min(512)).find_map(|k| {
        let e = ifd.checked_add(2 + 12 * k)?;
        (u16_at(e)? == 0x0112 && u16_at(e + 2)? == 3)
            .then(|| u16_at(e + 8))
            .flatten()
    })
}

/// A minimal APP1 carrying only the orientation (big-endian TIFF, one IFD entry).
fn orientation_app1(o: u16) -> Vec<u8> {
    let mut p = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    p.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
    p.extend_from_slice(&o.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
    seg.extend_from_slice(&p);
    seg
}

/// Keep APP0 (JFIF), APP2 `ICC_PROFILE`, APP14 (Adobe colour transform) and every
/// non-APP segment; drop other APPn (EXIF, XMP, MPF, maker data) and COM; keep only the
/// orientation of the EXIF; end at the first image's EOI (multi-picture files append
/// more JPEGs, each with its own EXIF).
fn jpeg(b: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let bad = || "broken JPEG structure".to_string();
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut dropped = false;
    let mut orientation: Option<u16> = None;
    let mut wrote_orientation = false;
    loop {
        // Next marker (fill bytes 0xFF allowed).
        if b.get(i) != Some(&0xFF) {
            return Err(bad());
        }
        while b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let m = *b.get(i + 1).ok_or_else(bad)?;
        match m {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                i += 2;
                break;
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, m]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = be16(b, i + 2).ok_or_else(bad)? as usize;
        if len < 2 {
            return Err(bad());
        }
        let end = (i + 2)
            .checked_add(len)
            .filter(|e| *e <= b.len())
            .ok_or_else(bad)?;
        let payload = &b[i + 4..end];
        let keep = match m {
            0xE0 => true,
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => true,
            0xE1..=0xEF | 0xFE => false,
            _ => true,
        };
        if m == 0xE1 && orientation.is_none() {
            orientation = exif_orientation(payload);
        }
        if keep {
            // The orientation goes right before the first non-APP segment.
            if !(0xE0..=0xEF).contains(&m) && !wrote_orientation {
                if let Some(o) = orientation.filter(|o| *o != 1) {
                    out.extend_from_slice(&orientation_app1(o));
                }
                wrote_orientation = true;
            }
            out.extend_from_slice(&b[i..end]);
        } else if !(m == 0xE1
            && orientation.is_some_and(|o| o != 1 && b[i..end] == orientation_app1(o)[..]))
        {
            // (An APP1 that is already just the orientation is what we would write back.)
            dropped = true;
        }
        i = end;
        if m == 0xDA {
            // Entropy-coded data up to the next marker that is not stuffing or a restart.
            let mut j = i;
            loop {
                let k = j + memchr_ff(&b[j..]).ok_or_else(bad)?;
                match b.get(k + 1) {
                    Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => j = k + 1,
                    Some(_) => {
                        out.extend_from_slice(&b[i..k]);
                        i = k;
                        break;
                    }
                    None => return Err(bad()),
                }
            }
        }
    }
    if i < b.len() {
        dropped = true; // trailing data (other pictures, vendor blobs)
    }
    Ok(dropped.then_some(out))
}

fn memchr_ff(b: &[u8]) -> Option<usize> {
    b.iter().position(|x| *x == 0xFF)
}

/// Keep the chunks that carry pixels or colour, drop text, EXIF, time and unknown ones.
fn png(b: &[u8]) -> Result<Option<Vec<u8>>, String> {
    const SIG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    const KEEP: &[&[u8; 4]] = &[
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs", b"bKGD", b"cICP", b"acTL", b"fcTL", b"fdAT",
    ];
    let bad = || "broken PNG structure".to_string();
    if !b.starts_with(SIG) {
        return Err(bad());
    }
    let mut out = SIG.to_vec();
    let mut i = SIG.len();
    let mut dropped = false;
    loop {
        let len = u32::from_be_bytes(
            b.get(i..i + 4)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        ) as usize;
        let end = i
            .checked_add(12)
            .and_then(|x| x.checked_add(len))
            .filter(|e| *e <= b.len())
            .ok_or_else(bad)?;
        let kind: &[u8; 4] = b[i + 4..i + 8].try_into().map_err(|_| bad())?;
        if KEEP.contains(&kind) {
            out.extend_from_slice(&b[i..end]);
        } else {
            dropped = true;
        }
        i = end;
        if kind == b"IEND" {
            break;
        }
    }
    if i < b.len() {
        dropped = true;
    }
    Ok(dropped.then_some(out))
}

/// Drop the `EXIF` and `XMP ` chunks of a RIFF WebP and clear their VP8X flags.
fn webp(b: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let bad = || "broken WebP structure".to_string();
    if b.len() < 12 || &b[0..4] != b"RIFF" || &b[8..12] != b"WEBP" {
        return Err(bad());
    }
    let riff_end = (u32::from_le_bytes(b[4..8].try_into().map_err(|_| bad())?) as usize)
        .checked_add(8)
        .filter(|e| *e <= b.len())
        .ok_or_else(bad)?;
    let mut out = b[0..12].to_vec();
    let mut i = 12;
    let mut dropped = riff_end < b.len();
    while i + 8 <= riff_end {
        let kind = &b[i..i + 4];
        let len = u32::from_le_bytes(b[i + 4..i + 8].try_into().map_err(|_| bad())?) as usize;
        let end = i
            .checked_add(8)
            .and_then(|x| x.checked_add(len + (len & 1)))
            .filter(|e| *e <= riff_end)
            .ok_or_else(bad)?;
        if kind == b"EXIF" || kind == b"XMP " {
            dropped = true;
        } else {
            let at = out.len();
            out.extend_from_slice(&b[i..end]);
            if kind == b"VP8X" && len >= 1 && out[at + 8] & 0x0C != 0 {
                out[at + 8] &= !0x0C;
                dropped = true;
            }
        }
        i = end;
    }
    if !dropped {
        return Ok(None);
    }
    let size = u32::try_from(out.len() - 8).map_err(|_| bad())?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_keeps_orientation_only() {
        // SOI, APP1 EXIF (orientation 6 + junk), COM, DQT-ish segment, SOS, data, EOI, trailer.
        let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x02".to_vec();
        exif.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        exif.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 99]); // GPS IFD pointer
        exif.extend_from_slice(&[0, 0, 0, 0]);
        let mut f = vec![0xFF, 0xD8, 0xFF, 0xE1];
        f.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        f.extend_from_slice(&exif);
        f.extend_from_slice(&[0xFF, 0xFE, 0, 5, b'h', b'i', b'!']);
        f.extend_from_slice(&[0xFF, 0xDB, 0, 3, 7]);
        f.extend_from_slice(&[
            0xFF, 0xDA, 0, 3, 1, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9,
        ]);
        f.extend_from_slice(b"\xFF\xD8trailing picture");
        let out = jpeg(&f).unwrap().unwrap();
        assert_eq!(exif_orientation(&out[6..]), Some(6));
        assert!(!out.windows(2).any(|w| w == [0x88, 0x25]) && !out.windows(3).any(|w| w == b"hi!"));
        assert!(out.ends_with(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]));
        // Stripped again: nothing left to remove.
        assert_eq!(jpeg(&out).unwrap(), None);
    }
}
