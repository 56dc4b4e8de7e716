//! The decode budget: an upper bound, in bytes, on the working memory of preparing one photo
//! (decode, resize, colour, orientation, encode), checked from the file's headers before any
//! pixel buffer exists. Each decoder states what it will hold at its peak; everything after
//! decoding is [`after_decode`]. A photo whose estimate exceeds the budget is refused with
//! [`MediaError::OverBudget`]; the estimates are upper bounds, and `core/tests/media_budget.rs`
//! measures the real peak (VmHWM) of the worst accepted inputs against them.

use crate::error::MediaError;

/// Default budget: 192 MiB (201 MB), under the 256 MB the app may spend on one photo on a
/// 2–3 GB phone. At this budget every baseline JPEG and every PNG up to the 100 MP pixel
/// limit is accepted (both decode scaled/streamed); progressive JPEGs up to ~60 MP (4:2:0)
/// and WebP up to ~20–30 MP (full-size decode) are.
pub const DEFAULT_DECODE_BUDGET: u64 = 192 << 20;

/// Allowance for what does not scale with the image: decoder state, zlib windows, Huffman
/// tables, file buffers, the encoder's fixed tables.
pub const FIXED_BYTES: u64 = 6 << 20;

/// Output size for a long edge of at most `max_edge` (never upscaled), as the resize uses.
pub fn fit_dims(w: u64, h: u64, max_edge: u32) -> (u64, u64) {
    let long = w.max(h);
    if long <= max_edge as u64 || long == 0 {
        return (w, h);
    }
    let scale = |v: u64| ((v * max_edge as u64 + long / 2) / long).max(1);
    (scale(w), scale(h))
}

/// What the JPEG encoder holds for a `dst` image: two whole-image coefficient buffers
/// (mozjpeg's trellis keeps the unquantised coefficients beside the quantised ones; 6 bytes
/// a pixel each at 4:4:4, the worst case) and the output (at most 3 bytes a pixel).
pub fn encoder_bytes(dst: (u64, u64)) -> u64 {
    dst.0 * dst.1 * (6 + 6 + 3)
}

/// Peak bytes of everything after decoding an RGB image of `src` pixels that will be
/// resized to `dst`: the decoded source stays alive during the resize beside the
/// destination and the resizer's intermediate (one pass's output); then colour conversion
/// and orientation each hold one more copy beside the encoder's working set.
pub fn after_decode(src: (u64, u64), dst: (u64, u64)) -> u64 {
    let s = src.0 * src.1 * 3;
    let d = dst.0 * dst.1 * 3;
    let resize = if src == dst {
        s
    } else {
        s + d + (dst.0 * src.1).max(src.0 * dst.1) * 3
    };
    let encode = d + d + encoder_bytes(dst);
    resize.max(encode) + FIXED_BYTES
}

/// Refuse when `needed` exceeds `budget`.
pub fn check(needed: u64, budget: u64) -> Result<(), MediaError> {
    if needed > budget {
        return Err(MediaError::OverBudget {
            needed_bytes: needed,
            budget_bytes: budget,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_and_never_upscales() {
        assert_eq!(fit_dims(4032, 3024, 1920), (1920, 1440));
        assert_eq!(fit_dims(3024, 4032, 1920), (1440, 1920));
        assert_eq!(fit_dims(800, 600, 1920), (800, 600));
        assert_eq!(fit_dims(100_000, 10, 1920), (1920, 1));
    }

    #[test]
    fn a_12_mp_photo_fits_and_the_estimate_grows_with_the_source() {
        let small = after_decode((2016, 1512), (1920, 1440));
        assert!(small < 64 << 20, "{small}");
        assert!(after_decode((4000, 3000), (1920, 1440)) > small);
        assert!(check(small, DEFAULT_DECODE_BUDGET).is_ok());
        assert_eq!(
            check(300 << 20, DEFAULT_DECODE_BUDGET),
            Err(MediaError::OverBudget {
                needed_bytes: 300 << 20,
                budget_bytes: DEFAULT_DECODE_BUDGET
            })
        );
    }
}
