//! JPEG through mozjpeg (libjpeg-turbo's decoder with SIMD, plus trellis quantisation).
//!
//! libjpeg reports errors by unwinding out of C; every call here runs under `catch_unwind`
//! and turns that into a typed [`MediaError`]. Warnings (which libjpeg would let pass,
//! painting grey over missing data) are errors too: a truncated photo is refused, not sent.
//! This needs `panic = "unwind"` (Rust's default) in every profile that builds the core,
//! including the Android/iOS library builds: with `abort`, a corrupt JPEG would end the app.

use std::os::raw::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use mozjpeg::{ColorSpace, Compress, Decompress, Marker, ScanMode};
use mozjpeg_sys as ffi;

use super::error::MediaError;

/// Which JPEG encoder settings to use. Measured on the 12 MP test photo (bench/photo.sh):
/// trellis gives ~10-15 % fewer bytes at the same quality for a modest time cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoder {
    /// mozjpeg: trellis quantisation, progressive, optimised Huffman tables.
    #[default]
    Trellis,
    /// libjpeg-turbo behaviour: baseline, optimised Huffman tables, no trellis.
    Plain,
}

/// Unwinding payload of our libjpeg error handler.
struct JpegFailure {
    code: c_int,
    warning: bool,
}

extern "C-unwind" fn on_error(cinfo: &mut ffi::jpeg_common_struct) {
    // SAFETY: libjpeg always calls with a valid err pointer (set at creation).
    let code = unsafe { (*cinfo.err).msg_code };
    std::panic::resume_unwind(Box::new(JpegFailure { code, warning: false }));
}

extern "C-unwind" fn on_message(cinfo: &mut ffi::jpeg_common_struct, level: c_int) {
    if level < 0 {
        // SAFETY: as above.
        let code = unsafe { (*cinfo.err).msg_code };
        std::panic::resume_unwind(Box::new(JpegFailure { code, warning: true }));
    }
}

fn strict_error_mgr() -> ffi::jpeg_error_mgr {
    // SAFETY: jpeg_std_error fills every field of a zeroed struct.
    unsafe {
        let mut err: ffi::jpeg_error_mgr = std::mem::zeroed();
        ffi::jpeg_std_error(&mut err);
        err.error_exit = Some(on_error);
        err.emit_message = Some(on_message);
        err
    }
}

/// Run libjpeg work, mapping its unwinding errors to [`MediaError`].
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, MediaError>) -> Result<T, MediaError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(match payload.downcast::<JpegFailure>() {
            Ok(fail) => failure_error(what, &fail),
            // A panic from the Rust side of the wrapper (e.g. an assertion on odd input).
            Err(_) => MediaError::Corrupt(format!("{what}: decoder rejected the data")),
        }),
    }
}

fn failure_error(what: &str, f: &JpegFailure) -> MediaError {
    let code = f.code as u32;
    // FILE_READ: the crate's reader hit end of file inside the headers.
    let eof = [ffi::JWRN_JPEG_EOF, ffi::JERR_INPUT_EOF, ffi::JERR_INPUT_EMPTY, ffi::JERR_FILE_READ];
    if eof.iter().any(|&c| c as u32 == code) {
        MediaError::Truncated(format!("{what}: premature end of JPEG data"))
    } else if code == ffi::JERR_IMAGE_TOO_BIG as u32 {
        MediaError::Unsupported(format!("{what}: dimensions beyond 65500 px"))
    } else if code == ffi::JERR_CONVERSION_NOTIMPL as u32 || code == ffi::JERR_ARITH_NOTIMPL as u32 {
        MediaError::Unsupported(format!("{what}: JPEG variant not supported (libjpeg code {code})"))
    } else {
        let kind = if f.warning { "corrupt data" } else { "invalid JPEG" };
        MediaError::Corrupt(format!("{what}: {kind} (libjpeg code {code})"))
    }
}

fn io_error(what: &str, e: std::io::Error) -> MediaError {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => MediaError::Truncated(format!("{what}: {e}")),
        std::io::ErrorKind::OutOfMemory => MediaError::Other(format!("{what}: out of memory")),
        _ => MediaError::Corrupt(format!("{what}: {e}")),
    }
}

/// Width and height from the JPEG header (no pixel decoding).
pub fn dimensions(path: &Path) -> Result<(u32, u32), MediaError> {
    guarded("jpeg header", || {
        let d = Decompress::with_err(strict_error_mgr()).from_path(path).map_err(|e| io_error("jpeg header", e))?;
        Ok((d.width() as u32, d.height() as u32))
    })
}

/// Decoded RGB pixels, with the colour profile they are in (none: sRGB).
pub struct Rgb {
    pub px: Vec<u8>,
    pub width: usize,
    pub height: usize,
    pub icc: Option<Vec<u8>>,
}

/// Reassemble an ICC profile from its APP2 chunks ("ICC_PROFILE\0", seq, count, data).
fn icc_from_markers<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> Option<Vec<u8>> {
    let mut parts: Vec<(u8, &[u8])> = chunks
        .filter(|d| d.len() > 14 && d.starts_with(b"ICC_PROFILE\0"))
        .map(|d| (d[12], &d[14..]))
        .collect();
    parts.sort_by_key(|p| p.0);
    let icc: Vec<u8> = parts.into_iter().flat_map(|p| p.1.iter().copied()).collect();
    (!icc.is_empty()).then_some(icc)
}

/// Decode to RGB, letting libjpeg shrink in the DCT domain by `numerator`/8 (1..=8), so a
/// 12 MP photo wanted at 1600 px is decoded straight to 2016×1512. `max_pixels` is checked
/// against the header before any buffer is allocated.
pub fn decode_scaled(path: &Path, target_edge: u32, max_pixels: u64) -> Result<Rgb, MediaError> {
    guarded("jpeg", || {
        let mut d = Decompress::with_err(strict_error_mgr())
            .with_markers(&[Marker::APP(2)])
            .from_path(path)
            .map_err(|e| io_error("jpeg", e))?;
        let icc = icc_from_markers(d.markers().map(|m| m.data));
        let (w, h) = (d.width() as u64, d.height() as u64);
        if w == 0 || h == 0 {
            return Err(MediaError::Corrupt("jpeg: zero dimension".into()));
        }
        if w * h > max_pixels {
            return Err(MediaError::TooManyPixels { width: w, height: h, max_pixels });
        }
        d.scale(scale_numerator(w.max(h), target_edge as u64));
        let mut started = d.rgb().map_err(|e| io_error("jpeg", e))?;
        let (ow, oh) = (started.width(), started.height());
        let px: Vec<u8> = started.read_scanlines().map_err(|e| io_error("jpeg", e))?;
        if px.len() != ow * oh * 3 {
            return Err(MediaError::Truncated("jpeg: fewer scanlines than declared".into()));
        }
        started.finish().map_err(|e| io_error("jpeg", e))?;
        Ok(Rgb { px, width: ow, height: oh, icc })
    })
}

/// Smallest n in 1..=8 such that the long edge scaled by n/8 still reaches the target
/// (never upscales; the final resize does the rest with a proper filter).
pub fn scale_numerator(long_edge: u64, target: u64) -> u8 {
    (1..=8u8).find(|&n| long_edge * n as u64 / 8 >= target).unwrap_or(8)
}

/// Encode RGB pixels as a JPEG with no markers besides JFIF (no EXIF, XMP, ICC, comments).
pub fn encode(px: &[u8], width: usize, height: usize, quality: u8, encoder: Encoder) -> Result<Vec<u8>, MediaError> {
    guarded("jpeg encode", || {
        let mut c = Compress::new_err(Box::new(strict_error_mgr()), ColorSpace::JCS_RGB);
        if encoder == Encoder::Plain {
            c.set_fastest_defaults();
            c.set_optimize_coding(true);
        } else {
            c.set_progressive_mode();
            // Full scan search costs ~2x time for <1 % bytes; the fixed mozjpeg scans suffice.
            c.set_optimize_scans(false);
            c.set_scan_optimization_mode(ScanMode::AllComponentsTogether);
        }
        c.set_size(width, height);
        c.set_quality(quality as f32);
        // 4:2:0 like every camera and libvips/ImageMagick/Pillow at this quality.
        c.set_chroma_sampling_pixel_sizes((2, 2), (2, 2));
        let mut started = c.start_compress(Vec::with_capacity(px.len() / 8)).map_err(|e| io_error("jpeg encode", e))?;
        started.write_scanlines(px).map_err(|e| io_error("jpeg encode", e))?;
        started.finish().map_err(|e| io_error("jpeg encode", e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_the_smallest_that_keeps_the_target() {
        assert_eq!(scale_numerator(4032, 1600), 4); // 2016
        assert_eq!(scale_numerator(4032, 1920), 4); // 2016
        assert_eq!(scale_numerator(4032, 400), 1); // 504
        assert_eq!(scale_numerator(600, 1920), 8); // never upscale
        assert_eq!(scale_numerator(4608, 1920), 4); // 2304
        assert_eq!(scale_numerator(3264, 1920), 5); // 2040
    }

    #[test]
    fn encoded_output_round_trips_and_carries_only_jfif() {
        let (w, h) = (64usize, 48usize);
        let px: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        for enc in [Encoder::Trellis, Encoder::Plain] {
            let jpg = encode(&px, w, h, 80, enc).unwrap();
            assert_eq!(&jpg[..4], &[0xFF, 0xD8, 0xFF, 0xE0], "SOI then APP0/JFIF only");
            assert!(!jpg.windows(4).any(|w| w == b"Exif"));
            let d = Decompress::new_mem(&jpg).unwrap();
            assert_eq!((d.width(), d.height()), (w, h));
        }
    }
}
