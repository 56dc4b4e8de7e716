//! WebP through `image-webp`, which decodes a whole frame at full size (no scaled or
//! row-streamed decoding): the frame's memory is estimated from the header (per pixel, by
//! kind: lossy/lossless, alpha, animation) and a WebP beyond the budget is refused before
//! decoding. The decoder runs under `catch_unwind` so a hostile bitstream that trips an
//! assertion inside the crate becomes a typed error.

use std::fs::File;
use std::io::BufReader;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use image_webp::{DecodingError, WebPDecoder};

use super::budget;
use super::jpeg::Rgb;
use crate::error::MediaError;

fn webp_error(e: DecodingError) -> MediaError {
    match e {
        DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Truncated(format!("webp: {io}"))
        }
        DecodingError::ImageTooLarge | DecodingError::MemoryLimitExceeded => {
            MediaError::Unsupported("webp: beyond the decoder's limits".into())
        }
        other => MediaError::Corrupt(format!("webp: {other}")),
    }
}

/// Peak bytes per pixel of `read_image`, by kind (output buffer plus the crate's own
/// full-frame buffers: the lossy YUV planes, the lossless ARGB image, the alpha plane, the
/// animation canvas), rounded up.
fn bytes_per_pixel(lossy: bool, alpha: bool, animated: bool) -> u64 {
    match (animated, lossy, alpha) {
        // Canvas + output + one decoded frame (RGBA) + its lossy/lossless working copy.
        (true, _, _) => 18,
        // Output RGB + YUV 4:2:0 planes.
        (false, true, false) => 5,
        // Output RGBA + YUV + alpha plane + the alpha's lossless ARGB decode.
        (false, true, true) => 11,
        // Output RGB + the RGBA the lossless decoder writes + its transform copy.
        (false, false, false) => 11,
        // Output RGBA + transform copy.
        (false, false, true) => 8,
    }
}

pub fn dimensions(path: &Path) -> Result<(u32, u32), MediaError> {
    let file = File::open(path).map_err(|e| MediaError::Corrupt(format!("webp: {e}")))?;
    match catch_unwind(AssertUnwindSafe(|| {
        WebPDecoder::new(BufReader::new(file)).map(|d| d.dimensions())
    })) {
        Ok(r) => r.map_err(webp_error),
        Err(_) => Err(MediaError::Corrupt(
            "webp: decoder rejected the header".into(),
        )),
    }
}

pub fn decode(
    path: &Path,
    target_edge: u32,
    max_pixels: u64,
    budget: u64,
) -> Result<Rgb, MediaError> {
    let file = File::open(path).map_err(|e| MediaError::Corrupt(format!("webp: {e}")))?;
    let run = || -> Result<Rgb, MediaError> {
        let mut d = WebPDecoder::new(BufReader::new(file)).map_err(webp_error)?;
        let (w, h) = d.dimensions();
        let (w, h) = (w as u64, h as u64);
        if w == 0 || h == 0 {
            return Err(MediaError::Corrupt("webp: zero-sized image".into()));
        }
        if w * h > max_pixels {
            return Err(MediaError::TooManyPixels {
                width: w,
                height: h,
                max_pixels,
            });
        }
        let alpha = d.has_alpha();
        let per_px = bytes_per_pixel(d.is_lossy(), alpha, d.is_animated());
        let decoding = w * h * per_px + budget::FIXED_BYTES;
        let after = budget::after_decode((w, h), budget::fit_dims(w, h, target_edge));
        budget::check(decoding.max(after), budget)?;
        // Metadata chunks (ICC, EXIF, XMP) are read whole: cap them.
        d.set_memory_limit(4 << 20);
        let icc = d.icc_profile().ok().flatten();
        let len = d
            .output_buffer_size()
            .ok_or_else(|| MediaError::Corrupt("webp: size overflow".into()))?;
        let mut buf = vec![0u8; len];
        d.read_image(&mut buf).map_err(webp_error)?;
        drop(d);
        if alpha {
            // Composite over white in place: RGBA → RGB.
            let n = (w * h) as usize;
            for i in 0..n {
                let (r, g, b, a) = (
                    buf[i * 4],
                    buf[i * 4 + 1],
                    buf[i * 4 + 2],
                    buf[i * 4 + 3] as u32,
                );
                let over = |v: u8| ((v as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
                buf[i * 3] = over(r);
                buf[i * 3 + 1] = over(g);
                buf[i * 3 + 2] = over(b);
            }
            buf.truncate(n * 3);
        }
        Ok(Rgb {
            px: buf,
            width: w as usize,
            height: h as usize,
            icc,
        })
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(r) => r,
        Err(_) => Err(MediaError::Corrupt(
            "webp: decoder rejected the data".into(),
        )),
    }
}
