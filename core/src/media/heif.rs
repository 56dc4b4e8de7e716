//! HEIC (iPhone photos): decoded by the platform, not in Rust (HEVC decoding belongs to the
//! phone's hardware codec). The core only reads the container for the stored size.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::MediaError;
use crate::error::{Error, Result};

/// Platform hook for photo formats the core does not decode (HEIC/HEIF).
///
/// Contract: write the decoded image to `dest` as a **JPEG or PNG** file (the core sniffs
/// which), **upright** (the container's rotation/mirror already applied: the core will not
/// apply the EXIF orientation of the source again), with its long edge at least
/// `min_long_edge` when the source is that large (a platform may downscale to that to save
/// memory; 0 means full size). Metadata in `dest` is ignored. A file rather than a pixel
/// buffer crosses the boundary so that no 48 MB RGBA array is copied through FFI;
/// Android's `ImageDecoder` + `Bitmap.compress` and iOS's `CGImageSource` +
/// `CGImageDestination` do this natively.
pub trait ImageDecoder: Send + Sync {
    fn decode_to_file(&self, src: &Path, dest: &Path, min_long_edge: u32) -> Result<()>;
}

impl std::fmt::Debug for dyn ImageDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImageDecoder")
    }
}

/// Stored size of a HEIF image: the largest `ispe` property (the primary image; the
/// 512×512 grid tiles are smaller). `None` when the container has none we can read.
pub fn dimensions(path: &Path) -> Result<Option<(u32, u32)>> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut pos = 0u64;
    while pos + 8 <= len {
        f.seek(SeekFrom::Start(pos))
            .map_err(|e| Error::io(path, e))?;
        let Some((kind, size, header)) = box_header(&mut f, len - pos)? else {
            return Ok(None);
        };
        if &kind == b"meta" {
            // Bounded: a meta box is metadata only (tens of KB on iPhones).
            if size > 16 << 20 {
                return Err(MediaError::Corrupt("heif: oversized meta box".into()).into());
            }
            let mut buf = vec![0u8; (size - header) as usize];
            f.read_exact(&mut buf)
                .map_err(|_| MediaError::Truncated("heif: meta box".into()))?;
            let mut best = None;
            find_ispe(buf.get(4..).unwrap_or(&[]), 0, &mut best);
            return Ok(best);
        }
        pos += size;
    }
    Ok(None)
}

/// (type, total size, header size) of the box at the reader's position.
fn box_header(f: &mut impl Read, remaining: u64) -> Result<Option<([u8; 4], u64, u64)>> {
    let mut h = [0u8; 8];
    if f.read_exact(&mut h).is_err() {
        return Ok(None);
    }
    let mut size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
    let kind = [h[4], h[5], h[6], h[7]];
    let mut header = 8;
    if size == 1 {
        let mut l = [0u8; 8];
        f.read_exact(&mut l)
            .map_err(|_| MediaError::Truncated("heif: box header".into()))?;
        size = u64::from_be_bytes(l);
        header = 16;
    } else if size == 0 {
        size = remaining;
    }
    if size < header || size > remaining {
        return Err(MediaError::Corrupt("heif: bad box size".into()).into());
    }
    Ok(Some((kind, size, header)))
}

/// Walk `iprp`/`ipco` children of a meta box body for `ispe` properties.
fn find_ispe(mut buf: &[u8], depth: u32, best: &mut Option<(u32, u32)>) {
    while buf.len() >= 8 && depth < 4 {
        let size = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if size < 8 || size > buf.len() {
            return;
        }
        let (kind, body) = (&buf[4..8], &buf[8..size]);
        match kind {
            b"iprp" | b"ipco" => find_ispe(body, depth + 1, best),
            b"ispe" if body.len() >= 12 => {
                let w = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
                let h = u32::from_be_bytes([body[8], body[9], body[10], body[11]]);
                if best.is_none_or(|(bw, bh)| (w as u64 * h as u64) > bw as u64 * bh as u64) {
                    *best = Some((w, h));
                }
            }
            _ => {}
        }
        buf = &buf[size..];
    }
}
