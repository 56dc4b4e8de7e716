//! Bad input to the photo pipeline: each malformed file is a typed error, never a panic or
//! an unbounded allocation. Ends with a mutation fuzz loop over the decode path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use phananh_core::config::MediaLimits;
use phananh_core::media::{self, CompressOptions, MediaError};
use phananh_core::Error;
use rand::{Rng, SeedableRng};

fn photo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/photos").join(name)
}

fn opts() -> CompressOptions {
    CompressOptions { max_edge: 256, ..CompressOptions::from_limits(&MediaLimits::default()) }
}

/// The media error of compressing (and inspecting) `bytes`; panics if either succeeds.
fn media_error(dir: &Path, name: &str, bytes: &[u8]) -> MediaError {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let compress = match media::compress_photo(&p, &opts(), None) {
        Err(Error::Media(e)) => e,
        other => panic!("{name}: compress gave {:?}", other.map(|c| (c.width, c.height))),
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
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
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
    assert!(matches!(media_error(dir.path(), "random.jpg", &random), MediaError::Unsupported(_)));
    let mut fake = vec![0xFF, 0xD8, 0xFF, 0xE0];
    fake.extend(&random);
    let e = media_error(dir.path(), "random_after_magic.jpg", &fake);
    assert!(matches!(e, MediaError::Corrupt(_) | MediaError::Truncated(_)), "{e:?}");

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
        MediaError::TooManyPixels { width: 65500, height: 65500, max_pixels: 100_000_000 } => {}
        e => panic!("{e:?}"),
    }
    bomb[at..at + 4].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(media_error(dir.path(), "bomb2.jpg", &bomb), MediaError::Unsupported(_)));
    match media_error(dir.path(), "bomb.png", &png_claiming(100_000, 100_000)) {
        MediaError::TooManyPixels { width: 100_000, height: 100_000, .. } => {}
        e => panic!("{e:?}"),
    }
    // A video handed to the photo pipeline.
    let e = media_error(dir.path(), "movie.mp4", b"\0\0\0\x18ftypisom\0\0\0\0isomavc1");
    assert!(matches!(e, MediaError::Unsupported(_)), "{e:?}");
    assert_eq!(e.code(), "unsupported_format");
    assert_eq!(Error::Media(e).public().code(), "media");
}

/// Mutation fuzzing of the decode path (JPEG via libjpeg, PNG via the image crate, the
/// EXIF reader): bit flips, truncation, inserted and duplicated ranges. Every input must
/// end as Ok or a media error, never a panic. PHANANH_FUZZ_ITERS raises the count.
#[test]
fn mutated_photos_never_panic() {
    let iters: usize = std::env::var("PHANANH_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let dir = tempfile::tempdir().unwrap();
    let jpg = landscape();
    let png = {
        let p = dir.path().join("seed.png");
        image::open(photo("orientation/portrait_6.jpg")).unwrap().resize(120, 120, image::imageops::FilterType::Triangle).save(&p).unwrap();
        std::fs::read(&p).unwrap()
    };
    let exif_jpg = std::fs::read(photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg")).unwrap();
    let seeds = [jpg, png, exif_jpg];
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let path = dir.path().join("fuzz.bin");
    let start = std::time::Instant::now();
    for i in 0..iters {
        let seed = &seeds[i % seeds.len()];
        let mut data = seed.clone();
        // Mostly mutate the headers (where parsers branch), sometimes anywhere.
        let hot = if rng.random_bool(0.7) { data.len().min(4096) } else { data.len() };
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
    println!("fuzz: {total} mutated inputs in {:.1}s, outcomes {outcomes:?}", start.elapsed().as_secs_f64());
    assert_eq!(total, iters);
    assert!(outcomes.len() >= 3, "mutations should produce several outcomes: {outcomes:?}");
}
