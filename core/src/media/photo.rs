//! Photos: inspect (EXIF facts, stored size) and prepare for upload (decode with
//! shrink-on-load → resize → orient → JPEG to a byte budget, no metadata).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use fast_image_resize as fir;
use serde::Serialize;

use super::budget::{self, DEFAULT_DECODE_BUDGET};
use super::colour;
use super::exif::{self, CapturedAt, GpsInfo};
use super::heif::{self, ImageDecoder};
use super::jpeg::{self, Encoder, Rgb};
use super::orient::{self, Orientation};
use super::output::{self, PreparedMedia};
use super::{png, sniff_file, webp, Format};
use crate::config::MediaLimits;
use crate::error::MediaError;
use crate::error::{Error, Result};
use crate::model::MediaKind;

/// What `phananh media inspect` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoInfo {
    pub format: Format,
    /// As stored (before orientation).
    pub width: u32,
    pub height: u32,
    /// EXIF orientation; `None` when the tag is absent (shown upright as stored).
    pub orientation: Option<Orientation>,
    pub gps: Option<GpsInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<CapturedAt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// Read a photo's facts without decoding its pixels. `decoder` is only needed for a HEIC
/// whose container gives no size.
pub fn inspect_photo(path: &Path, decoder: Option<&dyn ImageDecoder>) -> Result<PhotoInfo> {
    let format = photo_format(path)?;
    let facts = exif::read(path);
    let (width, height) = match format {
        Format::Jpeg => jpeg::dimensions(path)?,
        Format::Png => other_dimensions(path)?,
        Format::Webp => webp::dimensions(path)?,
        _ => match heif::dimensions(path)?.or(facts.pixel_dims) {
            Some(d) => d,
            None => {
                let decoder = decoder.ok_or_else(|| MediaError::NoDecoder("heic".into()))?;
                let tmp = TempFile::new(&std::env::temp_dir(), "jpg");
                decoder.decode_to_file(path, &tmp.0, 0)?;
                let d =
                    jpeg::dimensions(&tmp.0).or_else(|_| other_dimensions(&tmp.0).map_err(|_| ()));
                d.map_err(|_| MediaError::Tool("decoder output unreadable".into()))?
            }
        },
    };
    Ok(PhotoInfo {
        format,
        width,
        height,
        orientation: facts.orientation,
        gps: facts.gps,
        captured_at: facts.captured_at,
        make: facts.make,
        model: facts.model,
    })
}

/// How to compress one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct CompressOptions {
    /// Long edge of the output, pixels.
    pub max_edge: u32,
    /// Byte budget of the output.
    pub max_bytes: u64,
    /// Quality tried first (the best we want); lowered only as far as the budget needs.
    pub max_quality: u8,
    /// Quality below which we shrink the image instead of degrading it further.
    pub min_quality: u8,
    /// Decompression-bomb guard: declared pixel count above this is refused.
    pub max_decode_pixels: u64,
    /// Working-memory budget in bytes (see [`DEFAULT_DECODE_BUDGET`]): a photo whose
    /// processing would need more, as estimated from its headers, is refused with
    /// [`MediaError::OverBudget`] before any pixel buffer is made.
    pub decode_budget: u64,
    pub encoder: Encoder,
    /// Where intermediate files (platform-decoded HEIC) go; the system temp dir if `None`.
    pub work_dir: Option<PathBuf>,
}

impl CompressOptions {
    pub fn from_limits(limits: &MediaLimits) -> Self {
        Self {
            max_edge: limits.photo_max_edge.max(1),
            max_bytes: limits.photo_max_bytes,
            max_quality: 85,
            min_quality: 40,
            max_decode_pixels: limits.max_decode_pixels,
            decode_budget: DEFAULT_DECODE_BUDGET,
            encoder: Encoder::default(),
            work_dir: None,
        }
    }
}

/// A compressed, upright, metadata-free JPEG.
#[derive(Debug, Clone)]
pub struct CompressedPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
    pub source_format: Format,
}

/// Compress a photo in memory (the CLI and benchmarks use this; the app uses
/// [`prepare_photo`]).
pub fn compress_photo(
    src: &Path,
    opts: &CompressOptions,
    decoder: Option<&dyn ImageDecoder>,
) -> Result<CompressedPhoto> {
    let format = photo_format(src)?;
    let (img, orientation) = match format {
        Format::Jpeg | Format::Png | Format::Webp => {
            let o = exif::read(src).orientation.unwrap_or(Orientation::Normal);
            (decode_any(src, format, opts)?, o)
        }
        _ => {
            let decoder =
                decoder.ok_or_else(|| MediaError::NoDecoder(format.extension().into()))?;
            if let Some((w, h)) = heif::dimensions(src)? {
                check_pixels(w as u64, h as u64, opts.max_decode_pixels)?;
            }
            let dir = opts.work_dir.clone().unwrap_or_else(std::env::temp_dir);
            let tmp = TempFile::new(&dir, "decoded");
            decoder.decode_to_file(src, &tmp.0, opts.max_edge)?;
            let inner = sniff_file(&tmp.0)
                .map_err(|_| MediaError::Tool("decoder wrote no JPEG/PNG".into()))?;
            if !matches!(inner, Format::Jpeg | Format::Png) {
                return Err(MediaError::Tool(format!(
                    "decoder wrote {inner:?}, expected JPEG or PNG"
                ))
                .into());
            }
            // The platform decoder hands back upright pixels (see ImageDecoder).
            (decode_any(&tmp.0, inner, opts)?, Orientation::Normal)
        }
    };
    let mut img = fit(img, opts.max_edge)?;
    if let Some(icc) = img.icc.take() {
        colour::to_srgb(&mut img.px, &icc);
    }
    let (px, w, h) = orient::apply(orientation, img.px, img.width, img.height, 3);
    let (jpeg, quality, w, h) = encode_to_budget(
        Rgb {
            px,
            width: w,
            height: h,
            icc: None,
        },
        opts,
    )?;
    Ok(CompressedPhoto {
        jpeg,
        width: w as u32,
        height: h as u32,
        quality,
        source_format: format,
    })
}

/// Process `src` into the upload file `dest` (written atomically; re-running after a crash
/// produces the same bytes).
pub fn prepare_photo(
    src: &Path,
    dest: &Path,
    limits: &MediaLimits,
    decoder: Option<&dyn ImageDecoder>,
) -> Result<PreparedMedia> {
    let len = std::fs::metadata(src).map_err(|e| Error::io(src, e))?.len();
    if len > limits.max_photo_input_bytes {
        return Err(MediaError::TooLarge {
            bytes: len,
            max_bytes: limits.max_photo_input_bytes,
        }
        .into());
    }
    let mut opts = CompressOptions::from_limits(limits);
    opts.work_dir = dest.parent().map(Path::to_path_buf);
    let c = compress_photo(src, &opts, decoder)?;
    output::write_atomic(dest, &c.jpeg)?;
    let (sha1, sha256) = output::hash_bytes(&c.jpeg);
    Ok(PreparedMedia {
        path: dest.to_path_buf(),
        mime: "image/jpeg".into(),
        bytes: c.jpeg.len() as u64,
        width: c.width,
        height: c.height,
        sha1,
        sha256,
        quality: Some(c.quality),
        duration_ms: None,
    })
}

fn photo_format(path: &Path) -> Result<Format> {
    let format = sniff_file(path)?;
    if format.kind() != MediaKind::Photo {
        return Err(MediaError::Unsupported(format!("{format:?} is not a photo")).into());
    }
    Ok(format)
}

fn check_pixels(w: u64, h: u64, max_pixels: u64) -> Result<(), MediaError> {
    if w == 0 || h == 0 {
        return Err(MediaError::Corrupt("zero-sized image".into()));
    }
    if w * h > max_pixels {
        return Err(MediaError::TooManyPixels {
            width: w,
            height: h,
            max_pixels,
        });
    }
    Ok(())
}

fn decode_any(path: &Path, format: Format, opts: &CompressOptions) -> Result<Rgb> {
    let (edge, pixels, budget) = (opts.max_edge, opts.max_decode_pixels, opts.decode_budget);
    Ok(match format {
        Format::Jpeg => jpeg::decode_scaled(path, edge, pixels, budget)?,
        Format::Png => png::decode_reduced(path, edge, pixels, budget)?,
        Format::Webp => webp::decode(path, edge, pixels, budget)?,
        other => {
            return Err(
                MediaError::Unsupported(format!("{other:?} is not decoded in the core")).into(),
            )
        }
    })
}

fn image_error(e: image::ImageError) -> MediaError {
    use image::ImageError as E;
    match e {
        E::Limits(l) => MediaError::Unsupported(format!("beyond decoding limits: {l}")),
        E::Unsupported(u) => MediaError::Unsupported(u.to_string()),
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Truncated(io.to_string())
        }
        E::Decoding(d)
            if d.to_string().to_lowercase().contains("eof") || d.to_string().contains("end of") =>
        {
            MediaError::Truncated(d.to_string())
        }
        other => MediaError::Corrupt(other.to_string()),
    }
}

/// Header-only size through the `image` crate (PNG).
fn other_dimensions(path: &Path) -> Result<(u32, u32)> {
    let reader = image::ImageReader::open(path).map_err(|e| Error::io(path, e))?;
    let reader = reader
        .with_guessed_format()
        .map_err(|e| Error::io(path, e))?;
    Ok(reader.into_dimensions().map_err(image_error)?)
}

/// Resize so the long edge is at most `max_edge` (Lanczos3, like libvips' default).
fn fit(img: Rgb, max_edge: u32) -> Result<Rgb, MediaError> {
    let (nw, nh) = budget::fit_dims(img.width as u64, img.height as u64, max_edge);
    if (nw, nh) == (img.width as u64, img.height as u64) {
        return Ok(img);
    }
    resize(img, nw as u32, nh as u32)
}

fn resize(img: Rgb, nw: u32, nh: u32) -> Result<Rgb, MediaError> {
    let src = fir::images::Image::from_vec_u8(
        img.width as u32,
        img.height as u32,
        img.px,
        fir::PixelType::U8x3,
    )
    .map_err(|e| MediaError::Other(format!("resize: {e}")))?;
    let mut dst = fir::images::Image::new(nw, nh, fir::PixelType::U8x3);
    let opts = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
    // Typed (RGB8 only): the untyped `resize` dispatches over all 13 pixel types, which links
    // every type's SIMD kernels into the phone library (~0.5 MB); the result is the same.
    let (src_view, mut dst_view) = match (
        src.typed_image::<fir::pixels::U8x3>(),
        dst.typed_image_mut::<fir::pixels::U8x3>(),
    ) {
        (Some(s), Some(d)) => (s, d),
        _ => return Err(MediaError::Other("resize: pixel buffer is not RGB8".into())),
    };
    fir::Resizer::new()
        .resize_typed(&src_view, &mut dst_view, &opts)
        .map_err(|e| MediaError::Other(format!("resize: {e}")))?;
    Ok(Rgb {
        px: dst.into_vec(),
        width: nw as usize,
        height: nh as usize,
        icc: img.icc,
    })
}

/// Best quality ≤ `max_quality` whose output fits `max_bytes` (binary search: ~7 encodes
/// at most, usually 1). If even `min_quality` does not fit, shrink by 20 % and retry:
/// a smaller sharp photo is more useful to an officer than a blocky large one.
fn encode_to_budget(
    mut img: Rgb,
    opts: &CompressOptions,
) -> Result<(Vec<u8>, u8, usize, usize), MediaError> {
    let max_q = opts.max_quality.clamp(1, 100);
    let min_q = opts.min_quality.clamp(1, max_q);
    loop {
        let enc = |q| jpeg::encode(&img.px, img.width, img.height, q, opts.encoder);
        let first = enc(max_q)?;
        if first.len() as u64 <= opts.max_bytes {
            return Ok((first, max_q, img.width, img.height));
        }
        let (mut lo, mut hi, mut best) = (min_q, max_q - 1, None);
        while lo <= hi && hi >= 1 {
            let mid = lo + (hi - lo) / 2;
            let out = enc(mid)?;
            if out.len() as u64 <= opts.max_bytes {
                best = Some((out, mid));
                lo = mid + 1;
            } else if mid == 0 {
                break;
            } else {
                hi = mid - 1;
            }
        }
        if let Some((out, q)) = best {
            return Ok((out, q, img.width, img.height));
        }
        if img.width.max(img.height) <= 64 {
            return Err(MediaError::Other(format!(
                "cannot fit {} bytes",
                opts.max_bytes
            )));
        }
        let (w, h) = (
            (img.width * 4 / 5).max(1) as u32,
            (img.height * 4 / 5).max(1) as u32,
        );
        img = resize(img, w, h)?;
    }
}

/// A uniquely named file removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(dir: &Path, tag: &str) -> Self {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        Self(dir.join(format!(".phananh-{}-{n}.{tag}.part", std::process::id())))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
