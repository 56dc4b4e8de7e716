//! Bad input to the photo pipeline: each malformed file is a typed error, never a panic or
//! an unbounded allocation. Ends with a mutation fuzz loop over the decode path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use phananh_core::config::MediaLimits;
use phananh_core::media::{self, CompressOptions, MediaError};
use phananh_core::Error;
use rand::{Rng, SeedableRng};

fn photo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/photos")
        .join(name)
}

fn opts() -> CompressOptions {
    CompressOptions {
        max_edge: 256,
        ..CompressOptions::from_limits(&MediaLimits::default())
    }
}

/// The media error of compressing (and inspecting) `bytes`; panics if either succeeds.
fn media_error(dir: &Path, name: &str, bytes: &[u8]) -> MediaError {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let compress = match media::compress_photo(&p, &opts(), None) {
        Err(Error::Media(e)) => e,
        other => panic!(
            "{name}: compress gave {:?}",
            other.map(|c| (c.width, c.height))
        ),
    };
    let dest = dir.join(format!("{name}.out"));
    assert!(media::prepare_photo(&p, &dest, &MediaLimits::default(), None).is_err());
    assert!(!dest.exists(), "{name}: no output may be left behind");
    compress
}

fn landscape() -> Vec<u8> {
    std::fs::read(photo("orientation/landscape_1.jpg")).unwrap()
}

/// Offset of the SOF0/SOF2 marker's height field.
fn sof_dims_offset(jpg: &[u8]) -> usize {
    let mut i = 2;
    while i + 4 < jpg.len() {
        assert_eq!(jpg[i], 0xFF);
        let marker = jpg[i + 1];
        let len = u16::from_be_bytes([jpg[i + 2], jpg[i + 3]]) as usize;
        if marker == 0xC0 || marker == 0xC2 {
            return i + 5;
        }
        i += 2 + len;
    }
    panic!("no SOF");
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header claims `w`×`h` (followed by one tiny IDAT and IEND).
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    };
    let mut ihdr = vec![];
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn each_kind_of_malformed_photo_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(media_error(dir.path(), "zero.jpg", b""), MediaError::Empty);

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let random: Vec<u8> = (0..4096).map(|_| rng.random()).collect();
    assert!(matches!(
        media_error(dir.path(), "random.jpg", &random),
        MediaError::Unsupported(_)
    ));
    let mut fake = vec![0xFF, 0xD8, 0xFF, 0xE0];
    fake.extend(&random);
    let e = media_error(dir.path(), "random_after_magic.jpg", &fake);
    assert!(
        matches!(e, MediaError::Corrupt(_) | MediaError::Truncated(_)),
        "{e:?}"
    );

    let jpg = landscape();
    for cut in [jpg.len() / 2, jpg.len() - 100, 700] {
        let e = media_error(dir.path(), &format!("truncated_{cut}.jpg"), &jpg[..cut]);
        assert!(matches!(e, MediaError::Truncated(_)), "cut at {cut}: {e:?}");
    }

    // JPEG dimensions are 16-bit and libjpeg stops at 65500: claim 65500×65500 = 4.3 Gpx.
    let mut bomb = jpg.clone();
    let at = sof_dims_offset(&bomb);
    bomb[at..at + 4].copy_from_slice(&[0xFF, 0xDC, 0xFF, 0xDC]);
    match media_error(dir.path(), "bomb.jpg", &bomb) {
        MediaError::TooManyPixels {
            width: 65500,
            height: 65500,
            max_pixels: 100_000_000,
        } => {}
        e => panic!("{e:?}"),
    }
    bomb[at..at + 4].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(
        media_error(dir.path(), "bomb2.jpg", &bomb),
        MediaError::Unsupported(_)
    ));
    match media_error(dir.path(), "bomb.png", &png_claiming(100_000, 100_000)) {
        MediaError::TooManyPixels {
            width: 100_000,
            height: 100_000,
            ..
        } => {}
        e => panic!("{e:?}"),
    }
    // A video handed to the photo pipeline.
    let e = media_error(
        dir.path(),
        "movie.mp4",
        b"\0\0\0\x18ftypisom\0\0\0\0isomavc1",
    );
    assert!(matches!(e, MediaError::Unsupported(_)), "{e:?}");
    assert_eq!(e.code(), "unsupported_format");
    assert_eq!(Error::Media(e).public().code(), "media");
}

/// Mutation fuzzing of the decode path (JPEG via libjpeg, PNG via the image crate, the
/// EXIF reader): bit flips, truncation, inserted and duplicated ranges. Every input must
/// end as Ok or a media error, never a panic. PHANANH_FUZZ_ITERS raises the count.
#[test]
fn mutated_photos_never_panic() {
    let iters: usize = std::env::var("PHANANH_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let dir = tempfile::tempdir().unwrap();
    let jpg = landscape();
    let png = {
        let p = dir.path().join("seed.png");
        image::open(photo("orientation/portrait_6.jpg"))
            .unwrap()
            .resize(120, 120, image::imageops::FilterType::Triangle)
            .save(&p)
            .unwrap();
        std::fs::read(&p).unwrap()
    };
    let exif_jpg =
        std::fs::read(photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg")).unwrap();
    let seeds = [jpg, png, exif_jpg];
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let path = dir.path().join("fuzz.bin");
    let start = std::time::Instant::now();
    for i in 0..iters {
        let seed = &seeds[i % seeds.len()];
        let mut data = seed.clone();
        // Mostly mutate the headers (where parsers branch), sometimes anywhere.
        let hot = if rng.random_bool(0.7) {
            data.len().min(4096)
        } else {
            data.len()
        };
        match rng.random_range(0..4) {
            0 => {
                for _ in 0..rng.random_range(1..16) {
                    let at = rng.random_range(2..hot);
                    data[at] ^= 1 << rng.random_range(0..8);
                }
            }
            1 => data.truncate(rng.random_range(3..data.len())),
            2 => {
                let at = rng.random_range(2..hot);
                let junk: Vec<u8> = (0..rng.random_range(1..64)).map(|_| rng.random()).collect();
                data.splice(at..at, junk);
            }
            _ => {
                let a = rng.random_range(2..hot);
                let b = (a + rng.random_range(1..512)).min(data.len());
                let copy = data[a..b].to_vec();
                let at = rng.random_range(2..data.len());
                data.splice(at..at, copy);
            }
        }
        std::fs::write(&path, &data).unwrap();
        let outcome = match media::compress_photo(&path, &opts(), None) {
            Ok(c) => {
                assert!(c.width.max(c.height) <= 256);
                "ok".to_owned()
            }
            Err(Error::Media(e)) => e.code().to_owned(),
            Err(other) => panic!("iteration {i}: non-media error {other:?}"),
        };
        let _ = media::inspect_photo(&path, None);
        *outcomes.entry(outcome).or_default() += 1;
    }
    let total: usize = outcomes.values().sum();
    println!(
        "fuzz: {total} mutated inputs in {:.1}s, outcomes {outcomes:?}",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(total, iters);
    assert!(
        outcomes.len() >= 3,
        "mutations should produce several outcomes: {outcomes:?}"
    );
}

/// Outcome of compressing (and inspecting) `bytes` with the default limits: the output's
/// size, or the media error; anything else (a panic, a non-media error) fails the test.
fn outcome(dir: &Path, name: &str, bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), MediaError> {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let _ = media::inspect_photo(&p, None);
    let opts = CompressOptions::from_limits(&MediaLimits::default());
    match media::compress_photo(&p, &opts, None) {
        Ok(c) => Ok((c.width, c.height, c.jpeg)),
        Err(Error::Media(e)) => Err(e),
        Err(other) => panic!("{name}: non-media error {other:?}"),
    }
}

fn encode_png(
    w: u32,
    h: u32,
    colour: png::ColorType,
    depth: png::BitDepth,
    data: &[u8],
    palette: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = vec![];
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(colour);
    enc.set_depth(depth);
    if let Some(p) = palette {
        enc.set_palette(p.to_vec());
    }
    enc.write_header().unwrap().write_image_data(data).unwrap();
    out
}

/// Mean colour of a JPEG's pixels.
fn mean_rgb(jpeg: &[u8]) -> [f64; 3] {
    let img = image::load_from_memory(jpeg).unwrap().to_rgb8();
    let mut s = [0f64; 3];
    for p in img.pixels() {
        for c in 0..3 {
            s[c] += p[c] as f64;
        }
    }
    let n = (img.width() * img.height()) as f64;
    s.map(|v| v / n)
}

fn assert_colour(name: &str, got: [f64; 3], want: [f64; 3]) {
    for c in 0..3 {
        assert!(
            (got[c] - want[c]).abs() <= 3.0,
            "{name}: mean colour {got:?}, expected {want:?}"
        );
    }
}

/// A WebP whose VP8L (lossless) header claims `w`×`h`, followed by `tail` bytes of data.
fn webp_lossless_claiming(w: u32, h: u32, tail: &[u8]) -> Vec<u8> {
    let bits: u32 = (w - 1) | ((h - 1) << 14);
    let mut vp8l = vec![0x2f];
    vp8l.extend(bits.to_le_bytes());
    vp8l.extend(tail);
    riff(b"VP8L", &vp8l)
}

/// A WebP whose VP8 (lossy) key frame header claims `w`×`h`, followed by `tail`.
fn webp_lossy_claiming(w: u16, h: u16, tail: &[u8]) -> Vec<u8> {
    let first_partition = tail.len() as u32;
    let tag = (first_partition << 5) | 0x10; // key frame, version 0, shown
    let mut vp8 = tag.to_le_bytes()[..3].to_vec();
    vp8.extend([0x9d, 0x01, 0x2a]);
    vp8.extend(w.to_le_bytes());
    vp8.extend(h.to_le_bytes());
    vp8.extend(tail);
    riff(b"VP8 ", &vp8)
}

fn riff(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut chunk = kind.to_vec();
    chunk.extend((body.len() as u32).to_le_bytes());
    chunk.extend(body);
    if body.len() % 2 == 1 {
        chunk.push(0);
    }
    let mut out = b"RIFF".to_vec();
    out.extend(((chunk.len() + 4) as u32).to_le_bytes());
    out.extend(b"WEBP");
    out.extend(chunk);
    out
}

/// A JPEG from raw samples in `colour` (CMYK inks are written as given).
fn encode_jpeg(
    w: usize,
    h: usize,
    colour: mozjpeg::ColorSpace,
    data: &[u8],
    sampling: (u8, u8),
) -> Vec<u8> {
    let mut c = mozjpeg::Compress::new(colour);
    c.set_size(w, h);
    c.set_quality(90.0);
    if colour != mozjpeg::ColorSpace::JCS_GRAYSCALE {
        c.set_chroma_sampling_pixel_sizes(sampling, sampling);
    }
    let mut s = c.start_compress(Vec::new()).unwrap();
    s.write_scanlines(data).unwrap();
    s.finish().unwrap()
}

/// Generated hostile and unusual inputs (issue 16): PNG/WebP bombs (huge declared size,
/// tiny file), truncated files, huge EXIF, 16-bit and palette PNGs, CMYK and other odd
/// JPEGs. Each is processed (and then its colours are checked) or refused with a typed error.
#[test]
fn hostile_and_unusual_inputs_are_processed_or_refused_with_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let budget_or_pixels = |e: &MediaError| {
        matches!(
            e,
            MediaError::OverBudget { .. } | MediaError::TooManyPixels { .. }
        )
    };

    // PNG bombs: within the pixel limit, tiny data (the rows are never there).
    for (name, colour, depth) in [("bomb_rgb8.png", 2u8, 8u8), ("bomb_rgba16.png", 6, 16)] {
        let mut png = png_claiming(10_000, 10_000);
        png[8 + 8 + 8] = depth;
        png[8 + 8 + 9] = colour;
        // Fix the IHDR CRC after the edit.
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = outcome(d, name, &png).unwrap_err();
        assert!(
            matches!(e, MediaError::Truncated(_) | MediaError::Corrupt(_)),
            "{name}: {e:?}"
        );
    }

    // 16-bit, palette, gray+alpha and 1-bit PNGs: decoded to the right colours.
    let (w, h) = (40u32, 30u32);
    let n = (w * h) as usize;
    let rgba16: Vec<u8> = [0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00].repeat(n);
    let rgb16: Vec<u8> = [0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00].repeat(n);
    let cases: Vec<(&str, Vec<u8>, [f64; 3])> = vec![
        // Half-transparent orange over white.
        (
            "rgba16.png",
            encode_png(
                w,
                h,
                png::ColorType::Rgba,
                png::BitDepth::Sixteen,
                &rgba16,
                None,
            ),
            [255.0, 191.3, 127.0],
        ),
        (
            "rgb16.png",
            encode_png(
                w,
                h,
                png::ColorType::Rgb,
                png::BitDepth::Sixteen,
                &rgb16,
                None,
            ),
            [255.0, 128.0, 0.0],
        ),
        (
            "gray16.png",
            encode_png(
                w,
                h,
                png::ColorType::Grayscale,
                png::BitDepth::Sixteen,
                &vec![0x40; n * 2],
                None,
            ),
            [64.0; 3],
        ),
        (
            "gray_alpha8.png",
            encode_png(
                w,
                h,
                png::ColorType::GrayscaleAlpha,
                png::BitDepth::Eight,
                &[0, 0].repeat(n),
                None,
            ),
            [255.0; 3],
        ),
        (
            "gray1.png",
            encode_png(
                w,
                h,
                png::ColorType::Grayscale,
                png::BitDepth::One,
                &vec![0xFF; n / 8],
                None,
            ),
            [255.0; 3],
        ),
        (
            "palette.png",
            encode_png(
                w,
                h,
                png::ColorType::Indexed,
                png::BitDepth::Eight,
                &vec![1; n],
                Some(&[0, 0, 0, 20, 40, 200]),
            ),
            [20.0, 40.0, 200.0],
        ),
    ];
    for (name, bytes, want) in cases {
        let (ow, oh, jpeg) = outcome(d, name, &bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!((ow, oh), (w, h), "{name}");
        assert_colour(name, mean_rgb(&jpeg), want);
        // Truncated anywhere after the signature: a typed error.
        for cut in [bytes.len() / 2, bytes.len() - 13, 40] {
            let e = outcome(d, &format!("cut_{cut}_{name}"), &bytes[..cut]).unwrap_err();
            assert!(
                matches!(e, MediaError::Truncated(_) | MediaError::Corrupt(_)),
                "{name} cut at {cut}: {e:?}"
            );
        }
    }

    // WebP bombs: lossless and lossy headers claiming sizes beyond the pixel limit or the
    // budget, with no data; refused from the header.
    for (name, bytes) in [
        (
            "vp8l_16383.webp",
            webp_lossless_claiming(16_383, 16_383, &[0; 16]),
        ),
        (
            "vp8l_9000.webp",
            webp_lossless_claiming(9000, 9000, &[0; 16]),
        ),
        (
            "vp8_16383.webp",
            webp_lossy_claiming(16_383, 16_383, &[0; 16]),
        ),
        ("vp8_9000.webp", webp_lossy_claiming(9000, 9000, &[0; 16])),
    ] {
        let e = outcome(d, name, &bytes).unwrap_err();
        assert!(budget_or_pixels(&e), "{name}: {e:?}");
    }
    // Within the budget but without data: whatever the decoder makes of it, typed.
    for (name, bytes) in [
        (
            "vp8l_small_empty.webp",
            webp_lossless_claiming(640, 480, &[0; 16]),
        ),
        (
            "vp8_small_empty.webp",
            webp_lossy_claiming(640, 480, &[0; 16]),
        ),
    ] {
        let _ = outcome(d, name, &bytes);
    }
    // A real WebP, truncated.
    let mut real = vec![];
    let px: Vec<u8> = (0..64 * 48 * 3).map(|i| (i * 13 % 251) as u8).collect();
    image_webp::WebPEncoder::new(&mut real)
        .encode(&px, 64, 48, image_webp::ColorType::Rgb8)
        .unwrap();
    assert_eq!(outcome(d, "real.webp", &real).unwrap().0, 64);
    for cut in [real.len() / 2, real.len() - 3, 20] {
        let e = outcome(d, &format!("cut_{cut}.webp"), &real[..cut]).unwrap_err();
        assert!(
            matches!(e, MediaError::Truncated(_) | MediaError::Corrupt(_)),
            "webp cut at {cut}: {e:?}"
        );
    }

    // Huge EXIF: a JPEG with a full 64 KB APP1 of NUL ASCII, a PNG with an 8 MB eXIf, and
    // a PNG whose eXIf claims 2 GB that is not there.
    let tiff = |n: usize| {
        let mut t = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x0f\0\x02".to_vec();
        t.extend(((n - 32) as u32).to_be_bytes());
        t.extend(26u32.to_be_bytes());
        t.extend(0u32.to_be_bytes());
        t.resize(n, 0);
        t
    };
    let jpg = landscape();
    let mut big_exif = jpg[..2].to_vec();
    let app1 = tiff(65_533);
    big_exif.extend([0xFF, 0xE1]);
    big_exif.extend(((app1.len() + 2) as u16).to_be_bytes());
    big_exif.extend(&app1);
    big_exif.extend(&jpg[2..]);
    assert_eq!(outcome(d, "exif_64k.jpg", &big_exif).unwrap().0, 600);
    let small_png = encode_png(
        w,
        h,
        png::ColorType::Rgb,
        png::BitDepth::Eight,
        &vec![90; n * 3],
        None,
    );
    let iend = small_png.len() - 12;
    let with_exif = |body: &[u8], declared: u32| {
        let mut out = small_png[..iend].to_vec();
        out.extend(declared.to_be_bytes());
        let mut chunk = b"eXIf".to_vec();
        chunk.extend(body);
        out.extend(&chunk);
        out.extend(crc32(&chunk).to_be_bytes());
        out.extend(&small_png[iend..]);
        out
    };
    let exif8 = tiff(8 << 20)[6..].to_vec();
    let (ow, _, _) = outcome(d, "exif_8mb.png", &with_exif(&exif8, exif8.len() as u32)).unwrap();
    assert_eq!(ow, w);
    assert!(media::inspect_photo(&d.join("exif_8mb.png"), None)
        .unwrap()
        .make
        .is_none());
    let e = outcome(d, "exif_claims_2gb.png", &with_exif(&[0; 64], 0x7FFF_FFFF)).unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::Truncated(_) | MediaError::Corrupt(_) | MediaError::Unsupported(_)
        ),
        "{e:?}"
    );

    // CMYK as Photoshop writes it (Adobe marker, inks inverted): pure red.
    let (cw, ch) = (32usize, 24usize);
    let red_inverted: Vec<u8> = [255u8, 0, 0, 255].repeat(cw * ch);
    let cmyk = encode_jpeg(cw, ch, mozjpeg::ColorSpace::JCS_CMYK, &red_inverted, (1, 1));
    let (ow, _, jpeg) = outcome(d, "cmyk.jpg", &cmyk).unwrap_or_else(|e| panic!("cmyk: {e:?}"));
    assert_eq!(ow, cw as u32);
    assert_colour("cmyk", mean_rgb(&jpeg), [255.0, 0.0, 0.0]);
    // Grayscale and 4:4:4 / 4:2:2 JPEGs.
    let gray = encode_jpeg(
        cw,
        ch,
        mozjpeg::ColorSpace::JCS_GRAYSCALE,
        &vec![100; cw * ch],
        (1, 1),
    );
    assert_colour(
        "gray",
        mean_rgb(&outcome(d, "gray.jpg", &gray).unwrap().2),
        [100.0; 3],
    );
    let teal: Vec<u8> = [0u8, 128, 128].repeat(cw * ch);
    for s in [(1, 1), (2, 1)] {
        let j = encode_jpeg(cw, ch, mozjpeg::ColorSpace::JCS_RGB, &teal, s);
        assert_colour(
            "444/422",
            mean_rgb(&outcome(d, "sub.jpg", &j).unwrap().2),
            [0.0, 128.0, 128.0],
        );
    }
    // 12-bit precision and arithmetic coding (SOF9) claimed by an 8-bit Huffman file.
    let at = sof_dims_offset(&jpg);
    let mut p12 = jpg.clone();
    p12[at - 1] = 12;
    let e = outcome(d, "precision12.jpg", &p12).unwrap_err();
    assert!(
        matches!(e, MediaError::Unsupported(_) | MediaError::Corrupt(_)),
        "{e:?}"
    );
    let mut arith = jpg.clone();
    arith[at - 4] = 0xC9;
    let e = outcome(d, "arith.jpg", &arith).unwrap_err();
    assert!(
        matches!(
            e,
            MediaError::Unsupported(_) | MediaError::Corrupt(_) | MediaError::Truncated(_)
        ),
        "{e:?}"
    );
}
