//! PNG decoded row by row and shrunk while it streams: each source row is composited over
//! white, reduced to 8 bits, and summed into bins of `factor`×`factor` pixels, so memory is
//! a few rows plus the reduced image, whatever the PNG's size or bit depth (a 16-bit RGBA
//! 10000×10000 image never exists in memory). Interlaced (Adam7) PNGs deliver pixels pass
//! by pass; each lands directly in its bin.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use png::{ColorType, Decoder, DecodingError, Transformations};

use super::budget;
use super::jpeg::Rgb;
use crate::error::MediaError;

fn png_error(e: DecodingError) -> MediaError {
    match e {
        DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Truncated(format!("png: {io}"))
        }
        DecodingError::IoError(io) => MediaError::Corrupt(format!("png: {io}")),
        DecodingError::LimitsExceeded => {
            MediaError::Unsupported("png: a chunk beyond the decoder's limits".into())
        }
        other => MediaError::Corrupt(format!("png: {other}")),
    }
}

/// Adam7 passes: (x offset, x step, y offset, y step), from the PNG specification.
const ADAM7: [(u64, u64, u64, u64); 7] = [
    (0, 8, 0, 8),
    (4, 8, 0, 8),
    (0, 4, 4, 8),
    (2, 4, 0, 4),
    (0, 2, 2, 4),
    (1, 2, 0, 2),
    (0, 1, 1, 2),
];

/// Integer shrink factor: the largest that keeps the long edge at or above `target`.
pub fn shrink_factor(w: u64, h: u64, target: u32) -> u64 {
    (w.max(h) / (target.max(1) as u64)).max(1)
}

/// Decode `path` reduced by [`shrink_factor`] (the final resize does the rest), refusing
/// from the header what exceeds `max_pixels` or `budget`.
pub fn decode_reduced(
    path: &Path,
    target_edge: u32,
    max_pixels: u64,
    budget: u64,
) -> Result<Rgb, MediaError> {
    let file = File::open(path).map_err(|e| MediaError::Corrupt(format!("png: {e}")))?;
    let mut decoder = Decoder::new(BufReader::new(file));
    // Text chunks are never used (and zTXt can be a decompression bomb).
    decoder.set_ignore_text_chunk(true);
    // 8-bit output: palette and low-bit gray expanded, tRNS to alpha, 16-bit stripped.
    decoder.set_transformations(Transformations::EXPAND | Transformations::STRIP_16);
    let (w, h, raw_row) = {
        let info = decoder.read_header_info().map_err(png_error)?;
        let raw_row = info.raw_row_length_from_width(info.width) as u64;
        (info.width as u64, info.height as u64, raw_row)
    };
    if w == 0 || h == 0 {
        return Err(MediaError::Corrupt("png: zero-sized image".into()));
    }
    if w * h > max_pixels {
        return Err(MediaError::TooManyPixels {
            width: w,
            height: h,
            max_pixels,
        });
    }
    let f = shrink_factor(w, h, target_edge);
    let (ow, oh) = (w.div_ceil(f), h.div_ceil(f));
    // Bins sum in u32: at most f × min(f, h) pixels of 255 each (far below 2^32 for any
    // image under a sane pixel limit; checked, not assumed).
    if f * f.min(h) * 255 > u32::MAX as u64 {
        return Err(MediaError::Unsupported(format!(
            "png: {w}x{h} too elongated to reduce"
        )));
    }
    // The decoder holds the current and previous raw rows plus an output row (at most 8
    // bytes a pixel each); we hold a row of sums and the reduced image, or for interlaced
    // files sums for every reduced pixel.
    let sums = if f == 1 { 0 } else { ow * 3 * 4 };
    let interlaced_sums = if f == 1 { 0 } else { ow * oh * 3 * 4 };
    let decoding =
        4 * raw_row + w * 4 + sums.max(interlaced_sums) + ow * oh * 3 + budget::FIXED_BYTES;
    let after = budget::after_decode((ow, oh), budget::fit_dims(ow, oh, target_edge));
    budget::check(decoding.max(after), budget)?;
    // The decoder's own allocations (chunks such as iCCP, its row buffers) are capped too.
    decoder.set_limits(png::Limits {
        bytes: (8 * raw_row + (16 << 20)).min(budget) as usize,
    });

    let mut reader = decoder.read_info().map_err(png_error)?;
    let interlaced = reader.info().interlaced;
    let icc = reader.info().icc_profile.as_ref().map(|p| p.to_vec());
    let (colour, _) = reader.output_color_type();
    let channels = match colour {
        ColorType::Grayscale => 1,
        ColorType::GrayscaleAlpha => 2,
        ColorType::Rgb => 3,
        ColorType::Rgba => 4,
        ColorType::Indexed => {
            return Err(MediaError::Unsupported("png: palette not expanded".into()))
        }
    };
    let (w, h, ow, oh) = (w as usize, h as usize, ow as usize, oh as usize);
    let f = f as usize;
    let mut out = vec![0u8; ow * oh * 3];
    let mut rgb_row: Vec<u8> = vec![0u8; w * 3];

    if !interlaced {
        let mut sums: Vec<u32> = vec![0; if f == 1 { 0 } else { ow * 3 }];
        for y in 0..h {
            let row = reader
                .next_row()
                .map_err(png_error)?
                .ok_or_else(|| MediaError::Truncated("png: missing rows".into()))?;
            let data = row.data();
            if data.len() != w * channels {
                return Err(MediaError::Corrupt("png: row of unexpected length".into()));
            }
            to_rgb(data, channels, &mut rgb_row);
            if f == 1 {
                out[y * w * 3..(y + 1) * w * 3].copy_from_slice(&rgb_row);
                continue;
            }
            for (bx, bin) in rgb_row.chunks(f * 3).enumerate() {
                let s = &mut sums[bx * 3..bx * 3 + 3];
                for p in bin.chunks_exact(3) {
                    s[0] += p[0] as u32;
                    s[1] += p[1] as u32;
                    s[2] += p[2] as u32;
                }
            }
            if y % f == f - 1 || y == h - 1 {
                let by = y / f;
                let rows = (y - by * f + 1) as u32;
                for bx in 0..ow {
                    let cols = ((w - bx * f).min(f)) as u32;
                    let n = rows * cols;
                    for c in 0..3 {
                        out[(by * ow + bx) * 3 + c] = ((sums[bx * 3 + c] + n / 2) / n) as u8;
                    }
                }
                sums.fill(0);
            }
        }
    } else {
        let mut sums: Vec<u32> = vec![0; if f == 1 { 0 } else { ow * oh * 3 }];
        for &(x0, dx, y0, dy) in &ADAM7 {
            let (x0, dx, y0, dy) = (x0 as usize, dx as usize, y0 as usize, dy as usize);
            let samples = w.saturating_sub(x0).div_ceil(dx);
            let lines = h.saturating_sub(y0).div_ceil(dy);
            if samples == 0 || lines == 0 {
                continue;
            }
            for line in 0..lines {
                let y = y0 + line * dy;
                let row = reader
                    .next_row()
                    .map_err(png_error)?
                    .ok_or_else(|| MediaError::Truncated("png: missing rows".into()))?;
                let data = row.data();
                if data.len() != samples * channels {
                    return Err(MediaError::Corrupt(
                        "png: interlaced row of unexpected length".into(),
                    ));
                }
                let rgb = &mut rgb_row[..samples * 3];
                to_rgb(data, channels, rgb);
                for (i, p) in rgb.chunks_exact(3).enumerate() {
                    let x = x0 + i * dx;
                    if f == 1 {
                        out[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(p);
                    } else {
                        let at = ((y / f) * ow + x / f) * 3;
                        sums[at] += p[0] as u32;
                        sums[at + 1] += p[1] as u32;
                        sums[at + 2] += p[2] as u32;
                    }
                }
            }
        }
        if f > 1 {
            for by in 0..oh {
                let rows = (h - by * f).min(f) as u32;
                for bx in 0..ow {
                    let n = rows * (w - bx * f).min(f) as u32;
                    for c in 0..3 {
                        let at = (by * ow + bx) * 3 + c;
                        out[at] = ((sums[at] + n / 2) / n) as u8;
                    }
                }
            }
        }
    }
    // A stream that ends before its last IDAT is complete has already failed above; this
    // only checks the trailer.
    reader.finish().map_err(png_error)?;
    Ok(Rgb {
        px: out,
        width: ow,
        height: oh,
        icc,
    })
}

/// One row of 8-bit gray/gray+alpha/RGB/RGBA to RGB, transparency composited over white.
fn to_rgb(src: &[u8], channels: usize, dst: &mut [u8]) {
    let over_white =
        |v: u8, a: u8| ((v as u32 * a as u32 + 255 * (255 - a as u32) + 127) / 255) as u8;
    match channels {
        1 => {
            for (d, &g) in dst.chunks_exact_mut(3).zip(src) {
                d.fill(g);
            }
        }
        2 => {
            for (d, s) in dst.chunks_exact_mut(3).zip(src.chunks_exact(2)) {
                d.fill(over_white(s[0], s[1]));
            }
        }
        3 => dst[..src.len()].copy_from_slice(src),
        _ => {
            for (d, s) in dst.chunks_exact_mut(3).zip(src.chunks_exact(4)) {
                if s[3] == 255 {
                    d.copy_from_slice(&s[..3]);
                } else {
                    for c in 0..3 {
                        d[c] = over_white(s[c], s[3]);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_keeps_the_long_edge_at_or_above_the_target() {
        assert_eq!(shrink_factor(10_000, 10_000, 1920), 5); // 2000
        assert_eq!(shrink_factor(3000, 2000, 1920), 1);
        assert_eq!(shrink_factor(100, 100, 1920), 1);
        assert_eq!(shrink_factor(100_000_000, 1, 1920), 52_083);
    }

    /// An RGBA8 PNG, non-interlaced through the `png` crate or Adam7-interlaced by hand.
    fn write(path: &Path, w: usize, h: usize, px: &[u8], interlaced: bool) {
        if !interlaced {
            let mut enc = png::Encoder::new(File::create(path).unwrap(), w as u32, h as u32);
            enc.set_color(ColorType::Rgba);
            enc.write_header().unwrap().write_image_data(px).unwrap();
            return;
        }
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        for &(x0, dx, y0, dy) in &ADAM7 {
            let (x0, dx, y0, dy) = (x0 as usize, dx as usize, y0 as usize, dy as usize);
            if x0 >= w || y0 >= h {
                continue;
            }
            for y in (y0..h).step_by(dy) {
                z.write_all(&[0]).unwrap();
                for x in (x0..w).step_by(dx) {
                    z.write_all(&px[(y * w + x) * 4..(y * w + x) * 4 + 4])
                        .unwrap();
                }
            }
        }
        let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            out.extend((data.len() as u32).to_be_bytes());
            let body = [kind, data].concat();
            let mut crc = flate2::Crc::new();
            crc.update(&body);
            out.extend(&body);
            out.extend(crc.sum().to_be_bytes());
        };
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let ihdr = [(w as u32).to_be_bytes(), (h as u32).to_be_bytes()].concat();
        chunk(&mut out, b"IHDR", &[&ihdr[..], &[8, 6, 0, 0, 1]].concat());
        chunk(&mut out, b"IDAT", &z.finish().unwrap());
        chunk(&mut out, b"IEND", &[]);
        std::fs::write(path, out).unwrap();
    }

    #[test]
    fn streamed_reduction_is_the_box_average_interlaced_or_not() {
        let dir = tempfile::tempdir().unwrap();
        // Odd sizes so the last row and column of bins are partial.
        let (w, h) = (103usize, 61usize);
        let px: Vec<u8> = (0..w * h * 4)
            .map(|i| {
                if i % 4 == 3 {
                    (i / 4 % 7 * 40) as u8
                } else {
                    (i * 37 % 251) as u8
                }
            })
            .collect();
        let mut flat = vec![0u8; w * h * 3];
        for (i, p) in px.chunks_exact(4).enumerate() {
            to_rgb(p, 4, &mut flat[i * 3..i * 3 + 3]);
        }
        let f = 3;
        let (ow, oh) = (w.div_ceil(f), h.div_ceil(f));
        let mut want = vec![0u8; ow * oh * 3];
        for by in 0..oh {
            for bx in 0..ow {
                for c in 0..3 {
                    let (mut s, mut n) = (0u32, 0u32);
                    for y in by * f..((by + 1) * f).min(h) {
                        for x in bx * f..((bx + 1) * f).min(w) {
                            s += flat[(y * w + x) * 3 + c] as u32;
                            n += 1;
                        }
                    }
                    want[(by * ow + bx) * 3 + c] = ((s + n / 2) / n) as u8;
                }
            }
        }
        for interlaced in [false, true] {
            let p = dir.path().join(format!("i{interlaced}.png"));
            write(&p, w, h, &px, interlaced);
            let full = decode_reduced(&p, 1000, u64::MAX, u64::MAX).unwrap();
            assert_eq!((full.width, full.height), (w, h));
            assert!(
                full.px == flat,
                "interlaced={interlaced}: full-size pixels differ"
            );
            // Target 34: factor 3.
            let reduced = decode_reduced(&p, 34, u64::MAX, u64::MAX).unwrap();
            assert_eq!((reduced.width, reduced.height), (ow, oh));
            assert!(
                reduced.px == want,
                "interlaced={interlaced}: reduced pixels differ"
            );
        }
    }

    #[test]
    fn rows_are_composited_over_white() {
        let mut d = [0u8; 6];
        to_rgb(&[10, 20, 30, 255, 10, 20, 30, 0], 4, &mut d);
        assert_eq!(d, [10, 20, 30, 255, 255, 255]);
        to_rgb(&[0, 128, 200, 255], 2, &mut d);
        assert_eq!(d, [127, 127, 127, 200, 200, 200]);
    }
}
