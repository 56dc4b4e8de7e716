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

use mozjpeg::{ColorSpace, Decompress, Marker};
use mozjpeg_sys as ffi;

use super::budget;
use crate::error::MediaError;

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
    std::panic::resume_unwind(Box::new(JpegFailure {
        code,
        warning: false,
    }));
}

extern "C-unwind" fn on_message(cinfo: &mut ffi::jpeg_common_struct, level: c_int) {
    if level < 0 {
        // SAFETY: as above.
        let code = unsafe { (*cinfo.err).msg_code };
        std::panic::resume_unwind(Box::new(JpegFailure {
            code,
            warning: true,
        }));
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
    let eof = [
        ffi::JWRN_JPEG_EOF,
        ffi::JERR_INPUT_EOF,
        ffi::JERR_INPUT_EMPTY,
        ffi::JERR_FILE_READ,
    ];
    if eof.iter().any(|&c| c as u32 == code) {
        MediaError::Truncated(format!("{what}: premature end of JPEG data"))
    } else if code == ffi::JERR_IMAGE_TOO_BIG as u32 {
        MediaError::Unsupported(format!("{what}: dimensions beyond 65500 px"))
    } else if code == ffi::JERR_CONVERSION_NOTIMPL as u32 || code == ffi::JERR_ARITH_NOTIMPL as u32
    {
        MediaError::Unsupported(format!(
            "{what}: JPEG variant not supported (libjpeg code {code})"
        ))
    } else {
        let kind = if f.warning {
            "corrupt data"
        } else {
            "invalid JPEG"
        };
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
        let d = Decompress::with_err(strict_error_mgr())
            .from_path(path)
            .map_err(|e| io_error("jpeg header", e))?;
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
    let icc: Vec<u8> = parts
        .into_iter()
        .flat_map(|p| p.1.iter().copied())
        .collect();
    (!icc.is_empty()).then_some(icc)
}

/// What the headers up to the first scan say about a JPEG's decoding memory (libjpeg does
/// not tell through the crate's API, so the markers are read here).
#[derive(Debug, Clone, PartialEq)]
struct Layout {
    width: u64,
    height: u64,
    /// (h, v) sampling factors per component.
    sampling: Vec<(u8, u8)>,
    /// Progressive, or a first scan without every component: libjpeg then keeps the whole
    /// image's DCT coefficients in memory until the last scan.
    multi_scan: bool,
    /// Adobe APP14 present: CMYK is stored inverted (Photoshop's convention).
    adobe: bool,
}

impl Layout {
    /// libjpeg's full-image coefficient buffer (jdcoefct.c): per component, blocks rounded
    /// up to the sampling factors, 64 coefficients of 2 bytes each.
    fn coefficient_bytes(&self) -> u64 {
        let max_h = self.sampling.iter().map(|s| s.0.max(1)).max().unwrap_or(1) as u64;
        let max_v = self.sampling.iter().map(|s| s.1.max(1)).max().unwrap_or(1) as u64;
        let round_up = |a: u64, b: u64| a.div_ceil(b) * b;
        self.sampling
            .iter()
            .map(|&(h, v)| {
                let (h, v) = (h.max(1) as u64, v.max(1) as u64);
                let wib = (self.width * h).div_ceil(8 * max_h);
                let hib = (self.height * v).div_ceil(8 * max_v);
                round_up(wib, h) * round_up(hib, v) * 128
            })
            .sum()
    }
}

/// Walk the markers from SOI to the first SOS (skipping segment bodies).
fn layout(path: &Path) -> Result<Layout, MediaError> {
    use std::io::{BufRead, BufReader, Read};
    let file = std::fs::File::open(path).map_err(|e| io_error("jpeg header", e))?;
    let mut r = BufReader::new(file);
    let corrupt = |m: &str| MediaError::Corrupt(format!("jpeg header: {m}"));
    let byte = |r: &mut BufReader<std::fs::File>| -> Result<u8, MediaError> {
        let mut b = [0u8; 1];
        r.read_exact(&mut b)
            .map_err(|e| io_error("jpeg header", e))?;
        Ok(b[0])
    };
    if byte(&mut r)? != 0xFF || byte(&mut r)? != 0xD8 {
        return Err(corrupt("no SOI"));
    }
    let mut out = Layout {
        width: 0,
        height: 0,
        sampling: vec![],
        multi_scan: false,
        adobe: false,
    };
    let mut progressive = false;
    loop {
        // Skip to a marker (fill bytes 0xFF may repeat).
        let mut m = byte(&mut r)?;
        while m != 0xFF {
            m = byte(&mut r)?;
        }
        while m == 0xFF {
            m = byte(&mut r)?;
        }
        if m == 0x01 || (0xD0..=0xD7).contains(&m) {
            continue;
        }
        if m == 0xD9 || m == 0x00 {
            return Err(corrupt("no scan before end of image"));
        }
        let len = u16::from_be_bytes([byte(&mut r)?, byte(&mut r)?]) as usize;
        if len < 2 {
            return Err(corrupt("bad segment length"));
        }
        let body_len = len - 2;
        let is_sof = matches!(m, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_sof || m == 0xDA || m == 0xEE {
            let mut body = vec![0u8; body_len];
            r.read_exact(&mut body)
                .map_err(|e| io_error("jpeg header", e))?;
            if is_sof {
                if body.len() < 6 {
                    return Err(corrupt("short SOF"));
                }
                progressive = matches!(m, 0xC2 | 0xC6 | 0xCA | 0xCE);
                out.height = u16::from_be_bytes([body[1], body[2]]) as u64;
                out.width = u16::from_be_bytes([body[3], body[4]]) as u64;
                let n = body[5] as usize;
                if body.len() < 6 + 3 * n {
                    return Err(corrupt("short SOF"));
                }
                out.sampling = (0..n)
                    .map(|i| (body[6 + 3 * i + 1] >> 4, body[6 + 3 * i + 1] & 15))
                    .collect();
            } else if m == 0xEE {
                out.adobe |= body.starts_with(b"Adobe");
            } else {
                let in_scan = *body.first().ok_or_else(|| corrupt("short SOS"))? as usize;
                if out.sampling.is_empty() {
                    return Err(corrupt("scan before frame header"));
                }
                out.multi_scan = progressive || in_scan < out.sampling.len();
                return Ok(out);
            }
        } else {
            // Seek past the body without reading it into memory.
            let buffered = r.buffer().len();
            if body_len <= buffered {
                r.consume(body_len);
            } else {
                r.seek_relative(body_len as i64)
                    .map_err(|e| io_error("jpeg header", e))?;
            }
        }
    }
}

/// A JPEG opened for scaled decoding, its headers checked against the limits.
struct Opened {
    d: Decompress<std::io::BufReader<std::fs::File>>,
    layout: Layout,
    cmyk: bool,
    icc: Option<Vec<u8>>,
}

/// Read the headers, check the pixel limit and the memory `budget` (decoding plus
/// everything after it, see [`budget`]) before any buffer is allocated, and set the DCT
/// scale: libjpeg shrinks by `n`/8 (1..=8) while decoding, so a 12 MP photo wanted at
/// 1600 px is decoded straight to 2016×1512.
fn open_scaled(
    path: &Path,
    target_edge: u32,
    max_pixels: u64,
    budget: u64,
) -> Result<Opened, MediaError> {
    let mut d = Decompress::with_err(strict_error_mgr())
        .with_markers(&[Marker::APP(2)])
        .from_path(path)
        .map_err(|e| io_error("jpeg", e))?;
    let (w, h) = (d.width() as u64, d.height() as u64);
    if w == 0 || h == 0 {
        return Err(MediaError::Corrupt("jpeg: zero dimension".into()));
    }
    if w * h > max_pixels {
        return Err(MediaError::TooManyPixels {
            width: w,
            height: h,
            max_pixels,
        });
    }
    let layout = layout(path)?;
    if (layout.width, layout.height) != (w, h) {
        return Err(MediaError::Corrupt(
            "jpeg: inconsistent frame header".into(),
        ));
    }
    let cmyk = matches!(
        d.color_space(),
        ffi::J_COLOR_SPACE::JCS_CMYK | ffi::J_COLOR_SPACE::JCS_YCCK
    );
    let n = scale_numerator(w.max(h), target_edge as u64);
    let (sw, sh) = ((w * n as u64).div_ceil(8), (h * n as u64).div_ceil(8));
    let channels: u64 = if cmyk { 4 } else { 3 };
    let coefficients = if layout.multi_scan {
        layout.coefficient_bytes()
    } else {
        0
    };
    // Row buffers: a few iMCU rows per component at full and at output width.
    let rows = w * layout.sampling.len() as u64 * 16 * 4 + sw * channels * 16;
    let decoding = coefficients + rows + sw * sh * channels + if cmyk { sw * sh * 3 } else { 0 };
    let (dw, dh) = budget::fit_dims(sw, sh, target_edge);
    let after = budget::after_decode((sw, sh), (dw, dh));
    budget::check((decoding + budget::FIXED_BYTES).max(after), budget)?;
    let icc = if cmyk {
        None
    } else {
        icc_from_markers(d.markers().map(|m| m.data))
    };
    d.scale(n);
    Ok(Opened {
        d,
        layout,
        cmyk,
        icc,
    })
}

/// Decode to RGB at the DCT scale [`open_scaled`] picks. CMYK/YCCK JPEGs (print
/// workflows) are converted to RGB without their profile.
pub fn decode_scaled(
    path: &Path,
    target_edge: u32,
    max_pixels: u64,
    budget: u64,
) -> Result<Rgb, MediaError> {
    guarded("jpeg", || {
        let Opened {
            d,
            layout,
            cmyk,
            icc,
        } = open_scaled(path, target_edge, max_pixels, budget)?;
        if cmyk {
            let mut started = d
                .to_colorspace(ColorSpace::JCS_CMYK)
                .map_err(|e| io_error("jpeg", e))?;
            let (ow, oh) = (started.width(), started.height());
            let px: Vec<u8> = started.read_scanlines().map_err(|e| io_error("jpeg", e))?;
            if px.len() != ow * oh * 4 {
                return Err(MediaError::Truncated(
                    "jpeg: fewer scanlines than declared".into(),
                ));
            }
            started.finish().map_err(|e| io_error("jpeg", e))?;
            return Ok(Rgb {
                px: cmyk_to_rgb(&px, layout.adobe),
                width: ow,
                height: oh,
                icc: None,
            });
        }
        let mut started = d.rgb().map_err(|e| io_error("jpeg", e))?;
        let (ow, oh) = (started.width(), started.height());
        let px: Vec<u8> = started.read_scanlines().map_err(|e| io_error("jpeg", e))?;
        if px.len() != ow * oh * 3 {
            return Err(MediaError::Truncated(
                "jpeg: fewer scanlines than declared".into(),
            ));
        }
        started.finish().map_err(|e| io_error("jpeg", e))?;
        Ok(Rgb {
            px,
            width: ow,
            height: oh,
            icc,
        })
    })
}

/// Naive CMYK → RGB (no profile): Adobe files store the inks inverted (255 = no ink).
fn cmyk_to_rgb(px: &[u8], inverted: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(px.len() / 4 * 3);
    for p in px.chunks_exact(4) {
        let (c, m, y, k) = if inverted {
            (p[0], p[1], p[2], p[3])
        } else {
            (!p[0], !p[1], !p[2], !p[3])
        };
        let k = k as u32;
        for ink in [c, m, y] {
            out.push(((ink as u32 * k + 127) / 255) as u8);
        }
    }
    out
}

/// Smallest n in 1..=8 such that the long edge scaled by n/8 still reaches the target
/// (never upscales; the final resize does the rest with a proper filter).
pub fn scale_numerator(long_edge: u64, target: u64) -> u8 {
    (1..=8u8)
        .find(|&n| long_edge * n as u64 / 8 >= target)
        .unwrap_or(8)
}

/// Encoder parameters (mozjpeg's extensions set through `jpeg_c_set_*_param`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    pub progressive: bool,
    pub trellis: bool,
    /// Trellis on the DC coefficients too (mozjpeg's default); off = "trellis on AC only".
    pub trellis_dc: bool,
    /// mozjpeg's search for the progressive scan split that codes smallest.
    pub optimize_scans: bool,
    /// mozjpeg base quantisation table index (0 = JPEG Annex K, 2 = tuned for MS-SSIM on the
    /// Kodak set, 3 = ImageMagick/Robidoux, mozjpeg's default, ...).
    pub quant_table: i32,
    /// Chroma subsampled 2×2 (4:2:0), else full (4:4:4).
    pub chroma_420: bool,
    /// Trellis rate-distortion balance (mozjpeg's lambda log scales; its defaults here).
    pub lambda1: f32,
    pub lambda2: f32,
    pub lambda_weight_table: bool,
}

impl Encoder {
    pub fn tuning(self) -> Tuning {
        match self {
            // Measured with bench/photo.sh (12 MP Galaxy S7 → 1600 px, SSIMULACRA2 against a
            // full-decode Lanczos reference, bytes where ours first scores at least libvips
            // q80): table 3 (mozjpeg's default) 0.89× libvips' bytes, table 2 0.84×. Tried and
            // not kept: optimize_scans (-0.2 % bytes, slower), trellis on AC only (+0.4 %),
            // 4:4:4 chroma (much larger at equal score), chroma quality ±6–8 (worse either
            // way), other lambda scales (move along the same curve), decoding at a larger DCT
            // scale (-1.5 % bytes for +30 % CPU and +35 % memory).
            Encoder::Trellis => Tuning {
                progressive: true,
                trellis: true,
                trellis_dc: true,
                optimize_scans: false,
                quant_table: 2,
                chroma_420: true,
                lambda1: 14.75,
                lambda2: 16.5,
                lambda_weight_table: true,
            },
            Encoder::Plain => Tuning {
                progressive: false,
                trellis: false,
                trellis_dc: false,
                optimize_scans: false,
                quant_table: 0,
                chroma_420: true,
                lambda1: 14.75,
                lambda2: 16.5,
                lambda_weight_table: true,
            },
        }
    }
}

/// Where libjpeg writes: a 64 KB buffer flushed into `out`. `mgr` must stay first (libjpeg
/// sees a `jpeg_destination_mgr` pointer).
#[repr(C)]
struct VecDest {
    mgr: ffi::jpeg_destination_mgr,
    buf: Vec<u8>,
    out: Vec<u8>,
}

extern "C-unwind" fn dest_init(c: &mut ffi::jpeg_compress_struct) {
    // SAFETY: `dest` points at our VecDest for the whole compression.
    let d = unsafe { &mut *(c.dest as *mut VecDest) };
    d.mgr.next_output_byte = d.buf.as_mut_ptr();
    d.mgr.free_in_buffer = d.buf.len();
}

extern "C-unwind" fn dest_empty(c: &mut ffi::jpeg_compress_struct) -> ffi::boolean {
    // SAFETY: as above. libjpeg calls this with the whole buffer full.
    let d = unsafe { &mut *(c.dest as *mut VecDest) };
    d.out.extend_from_slice(&d.buf);
    d.mgr.next_output_byte = d.buf.as_mut_ptr();
    d.mgr.free_in_buffer = d.buf.len();
    1
}

extern "C-unwind" fn dest_term(c: &mut ffi::jpeg_compress_struct) {
    // SAFETY: as above.
    let d = unsafe { &mut *(c.dest as *mut VecDest) };
    let used = d.buf.len() - d.mgr.free_in_buffer;
    d.out.extend_from_slice(&d.buf[..used]);
}

/// A JPEG being written row by row (RGB in, no markers besides JFIF: no EXIF, XMP, ICC,
/// comments). Rows may be fed as they are produced, so encoding overlaps decoding.
pub struct JpegWriter {
    cinfo: Box<ffi::jpeg_compress_struct>,
    _err: Box<ffi::jpeg_error_mgr>,
    dest: Box<VecDest>,
    width: usize,
    rows_left: usize,
}

impl JpegWriter {
    pub fn new(
        width: usize,
        height: usize,
        quality: u8,
        tuning: Tuning,
    ) -> Result<Self, MediaError> {
        if width == 0 || height == 0 || width > 65_500 || height > 65_500 {
            return Err(MediaError::Other(format!(
                "cannot encode a {width}x{height} JPEG"
            )));
        }
        let mut err = Box::new(strict_error_mgr());
        // SAFETY: a zeroed struct is what jpeg_CreateCompress expects; the error manager and
        // destination are boxed (stable addresses) and live as long as `cinfo`.
        let mut cinfo: Box<ffi::jpeg_compress_struct> = Box::new(unsafe { std::mem::zeroed() });
        cinfo.common.err = &mut *err;
        let dest = Box::new(VecDest {
            mgr: ffi::jpeg_destination_mgr {
                next_output_byte: std::ptr::null_mut(),
                free_in_buffer: 0,
                init_destination: Some(dest_init),
                empty_output_buffer: Some(dest_empty),
                term_destination: Some(dest_term),
            },
            buf: vec![0; 64 * 1024],
            out: Vec::with_capacity(width * height / 4),
        });
        // From here `Drop` destroys the compressor (valid on a zeroed, never-created one).
        let mut w = JpegWriter {
            cinfo,
            _err: err,
            dest,
            width,
            rows_left: height,
        };
        let c: *mut ffi::jpeg_compress_struct = &mut *w.cinfo;
        let d: *mut ffi::jpeg_destination_mgr = &mut w.dest.mgr;
        guarded("jpeg encode", || {
            // SAFETY: `c` is owned by `w` (boxed, zeroed as jpeg_CreateCompress expects);
            // `d` and the error manager live as long as it; errors unwind into `guarded`.
            unsafe {
                ffi::jpeg_CreateCompress(
                    c,
                    ffi::JPEG_LIB_VERSION,
                    std::mem::size_of::<ffi::jpeg_compress_struct>(),
                );
                let c = &mut *c;
                c.dest = d;
                c.image_width = width as u32;
                c.image_height = height as u32;
                c.input_components = 3;
                c.in_color_space = ffi::J_COLOR_SPACE::JCS_RGB;
                let profile = if tuning.trellis || tuning.progressive {
                    ffi::JINT_COMPRESS_PROFILE_VALUE::JCP_MAX_COMPRESSION
                } else {
                    ffi::JINT_COMPRESS_PROFILE_VALUE::JCP_FASTEST
                };
                ffi::jpeg_c_set_int_param(
                    c,
                    ffi::J_INT_PARAM::JINT_COMPRESS_PROFILE,
                    profile as i32,
                );
                ffi::jpeg_set_defaults(c);
                ffi::jpeg_c_set_int_param(
                    c,
                    ffi::J_INT_PARAM::JINT_BASE_QUANT_TBL_IDX,
                    tuning.quant_table,
                );
                let b = |v: bool| v as ffi::boolean;
                ffi::jpeg_c_set_bool_param(
                    c,
                    ffi::J_BOOLEAN_PARAM::JBOOLEAN_TRELLIS_QUANT,
                    b(tuning.trellis),
                );
                ffi::jpeg_c_set_bool_param(
                    c,
                    ffi::J_BOOLEAN_PARAM::JBOOLEAN_TRELLIS_QUANT_DC,
                    b(tuning.trellis && tuning.trellis_dc),
                );
                ffi::jpeg_c_set_bool_param(
                    c,
                    ffi::J_BOOLEAN_PARAM::JBOOLEAN_OPTIMIZE_SCANS,
                    b(tuning.optimize_scans),
                );
                ffi::jpeg_c_set_float_param(
                    c,
                    ffi::J_FLOAT_PARAM::JFLOAT_LAMBDA_LOG_SCALE1,
                    tuning.lambda1,
                );
                ffi::jpeg_c_set_float_param(
                    c,
                    ffi::J_FLOAT_PARAM::JFLOAT_LAMBDA_LOG_SCALE2,
                    tuning.lambda2,
                );
                ffi::jpeg_c_set_bool_param(
                    c,
                    ffi::J_BOOLEAN_PARAM::JBOOLEAN_USE_LAMBDA_WEIGHT_TBL,
                    b(tuning.lambda_weight_table),
                );
                c.optimize_coding = 1;
                ffi::jpeg_set_quality(c, quality.clamp(1, 100) as i32, 1);
                if tuning.progressive {
                    ffi::jpeg_simple_progression(c);
                } else {
                    c.num_scans = 0;
                    c.scan_info = std::ptr::null();
                }
                let comps = std::slice::from_raw_parts_mut(c.comp_info, 3);
                let (h, v) = if tuning.chroma_420 { (2, 2) } else { (1, 1) };
                comps[0].h_samp_factor = h;
                comps[0].v_samp_factor = v;
                for comp in &mut comps[1..] {
                    comp.h_samp_factor = 1;
                    comp.v_samp_factor = 1;
                }
                c.write_JFIF_header = 1;
                ffi::jpeg_start_compress(c, 1);
            }
            Ok(())
        })?;
        Ok(w)
    }

    /// Append whole RGB rows (a multiple of the width, top to bottom).
    pub fn write_rows(&mut self, px: &[u8]) -> Result<(), MediaError> {
        let stride = self.width * 3;
        let rows = px.len() / stride;
        if px.len() % stride != 0 || rows > self.rows_left {
            return Err(MediaError::Other(
                "jpeg encode: rows do not match the image".into(),
            ));
        }
        let c: *mut ffi::jpeg_compress_struct = &mut *self.cinfo;
        guarded("jpeg encode", || {
            for chunk in px.chunks(stride * 16) {
                let ptrs: Vec<*const u8> = chunk.chunks_exact(stride).map(|r| r.as_ptr()).collect();
                let mut done = 0;
                while done < ptrs.len() {
                    // SAFETY: rows are `stride` bytes, as declared at creation.
                    let n = unsafe {
                        ffi::jpeg_write_scanlines(
                            &mut *c,
                            ptrs[done..].as_ptr(),
                            (ptrs.len() - done) as u32,
                        )
                    };
                    if n == 0 {
                        return Err(MediaError::Other("jpeg encode: no progress".into()));
                    }
                    done += n as usize;
                }
            }
            Ok(())
        })?;
        self.rows_left -= rows;
        Ok(())
    }

    /// Complete the file (progressive scans and Huffman optimisation happen here).
    pub fn finish(mut self) -> Result<Vec<u8>, MediaError> {
        if self.rows_left != 0 {
            return Err(MediaError::Other("jpeg encode: missing rows".into()));
        }
        let c: *mut ffi::jpeg_compress_struct = &mut *self.cinfo;
        // SAFETY: all rows were written.
        guarded("jpeg encode", || unsafe {
            ffi::jpeg_finish_compress(&mut *c);
            Ok(())
        })?;
        Ok(std::mem::take(&mut self.dest.out))
    }
}

impl Drop for JpegWriter {
    fn drop(&mut self) {
        // SAFETY: destroying is valid in any state, including after an error.
        unsafe { ffi::jpeg_destroy_compress(&mut self.cinfo) };
    }
}

/// Encode RGB pixels as a JPEG with no markers besides JFIF (no EXIF, XMP, ICC, comments).
pub fn encode(
    px: &[u8],
    width: usize,
    height: usize,
    quality: u8,
    encoder: Encoder,
) -> Result<Vec<u8>, MediaError> {
    let mut w = JpegWriter::new(width, height, quality, encoder.tuning())?;
    w.write_rows(px)?;
    w.finish()
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
            assert_eq!(
                &jpg[..4],
                &[0xFF, 0xD8, 0xFF, 0xE0],
                "SOI then APP0/JFIF only"
            );
            assert!(!jpg.windows(4).any(|w| w == b"Exif"));
            let d = Decompress::new_mem(&jpg).unwrap();
            assert_eq!((d.width(), d.height()), (w, h));
        }
    }
}
