//! Display P3 → sRGB (issue 16): iPhone HEICs are Display P3; the upload carries no profile,
//! so its pixels must be converted. The reference conversion is computed here from first
//! principles (the published primaries and D65 white of both spaces, the sRGB transfer
//! curve both use), not through the colour library the pipeline uses.

use std::path::PathBuf;

use phananh_core::config::MediaLimits;
use phananh_core::media::{self, CompressOptions, ImageDecoder};
use phananh_desktop::HeifConvertDecoder;

fn photos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/photos")
}

type M3 = [[f64; 3]; 3];

fn mul(a: &M3, b: &M3) -> M3 {
    let mut m = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            m[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    m
}

fn inverse(m: &M3) -> M3 {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let mut r = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            let (a, b) = ((j + 1) % 3, (j + 2) % 3);
            let (c, d) = ((i + 1) % 3, (i + 2) % 3);
            r[i][j] = (m[a][c] * m[b][d] - m[a][d] * m[b][c]) / det;
        }
    }
    r
}

/// Linear RGB → XYZ for primaries (x, y) and white (x, y).
fn rgb_to_xyz(primaries: [(f64, f64); 3], white: (f64, f64)) -> M3 {
    let xyz = |(x, y): (f64, f64)| [x / y, 1.0, (1.0 - x - y) / y];
    let p: Vec<[f64; 3]> = primaries.iter().map(|&c| xyz(c)).collect();
    let m: M3 = [
        [p[0][0], p[1][0], p[2][0]],
        [p[0][1], p[1][1], p[2][1]],
        [p[0][2], p[1][2], p[2][2]],
    ];
    let w = xyz(white);
    let inv = inverse(&m);
    let s: Vec<f64> = (0..3)
        .map(|i| (0..3).map(|k| inv[i][k] * w[k]).sum())
        .collect();
    let mut out = m;
    for row in out.iter_mut() {
        for (j, v) in row.iter_mut().enumerate() {
            *v *= s[j];
        }
    }
    out
}

fn p3_to_srgb_matrix() -> M3 {
    let d65 = (0.3127, 0.3290);
    let p3 = rgb_to_xyz([(0.680, 0.320), (0.265, 0.690), (0.150, 0.060)], d65);
    let srgb = rgb_to_xyz([(0.640, 0.330), (0.300, 0.600), (0.150, 0.060)], d65);
    mul(&inverse(&srgb), &p3)
}

fn to_linear(v: f64) -> f64 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

fn from_linear(v: f64) -> f64 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.0031308 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// The reference: a Display P3 pixel as sRGB (clipped to the sRGB gamut).
fn reference(m: &M3, p: [u8; 3]) -> [f64; 3] {
    let lin = p.map(|v| to_linear(v as f64 / 255.0));
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = from_linear((0..3).map(|k| m[i][k] * lin[k]).sum()) * 255.0;
    }
    out
}

/// The ICC profile an iPhone photo carries, as the platform decoder hands it over (APP2
/// chunks of the decoded JPEG).
fn iphone_p3_profile(dir: &std::path::Path) -> Vec<u8> {
    let jpg = dir.join("iphone8.jpg");
    HeifConvertDecoder::default()
        .decode_to_file(&photos().join("apple_iphone_8.heic"), &jpg, 0)
        .unwrap();
    let d = mozjpeg::Decompress::with_markers(&[mozjpeg::Marker::APP(2)])
        .from_path(&jpg)
        .unwrap();
    let mut parts: Vec<(u8, Vec<u8>)> = d
        .markers()
        .filter(|m| m.data.starts_with(b"ICC_PROFILE\0"))
        .map(|m| (m.data[12], m.data[14..].to_vec()))
        .collect();
    parts.sort();
    let icc: Vec<u8> = parts.into_iter().flat_map(|p| p.1).collect();
    assert!(
        icc.len() > 128,
        "the decoded iPhone photo carries its profile"
    );
    // The profile's description says what it is (a 'desc' tag naming Display P3).
    assert!(
        icc.windows(7).any(|w| w == b"Display")
            || icc
                .windows(14)
                .any(|w| w == "D\0i\0s\0p\0l\0a\0y".as_bytes()),
        "not Display P3"
    );
    icc
}

#[test]
fn display_p3_patches_come_out_as_the_reference_srgb_colours() {
    let dir = tempfile::tempdir().unwrap();
    let icc = iphone_p3_profile(dir.path());
    let m = p3_to_srgb_matrix();
    // 27 patches of 32×32: every mix of three levels per channel, so saturated and neutral.
    let levels = [40u8, 130, 220];
    let mut patches: Vec<[u8; 3]> = vec![];
    for r in levels {
        for g in levels {
            for b in levels {
                patches.push([r, g, b]);
            }
        }
    }
    let (pw, cols) = (32usize, 9usize);
    let (w, h) = (pw * cols, pw * 3);
    let mut px = vec![0u8; w * h * 3];
    for (i, c) in patches.iter().enumerate() {
        let (px0, py0) = ((i % cols) * pw, (i / cols) * pw);
        for y in py0..py0 + pw {
            for x in px0..px0 + pw {
                px[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(c);
            }
        }
    }
    let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    c.set_size(w, h);
    c.set_quality(100.0);
    c.set_chroma_sampling_pixel_sizes((1, 1), (1, 1));
    let mut s = c.start_compress(Vec::new()).unwrap();
    s.write_icc_profile(&icc);
    s.write_scanlines(&px).unwrap();
    let src = dir.path().join("patches_p3.jpg");
    std::fs::write(&src, s.finish().unwrap()).unwrap();

    let opts = CompressOptions {
        max_quality: 100,
        ..CompressOptions::from_limits(&MediaLimits::default())
    };
    let out = media::compress_photo(&src, &opts, None).unwrap();
    assert_eq!((out.width, out.height), (w as u32, h as u32));
    let img = image::load_from_memory(&out.jpeg).unwrap().to_rgb8();
    let (mut worst, mut moved) = (0.0f64, 0);
    for (i, p3) in patches.iter().enumerate() {
        // Mean of the patch's central 16×16 (away from block edges).
        let (x0, y0) = ((i % cols) * pw + 8, (i / cols) * pw + 8);
        let mut mean = [0.0; 3];
        for y in y0..y0 + 16 {
            for x in x0..x0 + 16 {
                for c in 0..3 {
                    mean[c] += img.get_pixel(x as u32, y as u32)[c] as f64 / 256.0;
                }
            }
        }
        let want = reference(&m, *p3);
        let diff = (0..3)
            .map(|c| (mean[c] - want[c]).abs())
            .fold(0.0, f64::max);
        worst = worst.max(diff);
        assert!(
            diff <= 3.0,
            "P3 {p3:?}: got {mean:?}, reference sRGB {want:?}"
        );
        if (0..3).any(|c| (want[c] - p3[c] as f64).abs() > 10.0) {
            moved += 1;
        }
    }
    // The check has teeth: many patches are far from their unconverted values.
    assert!(moved >= 10, "only {moved} patches move under P3→sRGB");
    println!("P3→sRGB: {} patches within {worst:.2} levels of the reference ({moved} move by >10 levels)", patches.len());
}

#[test]
fn an_iphone_p3_photo_matches_the_reference_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let decoder = HeifConvertDecoder::default();
    let src = photos().join("apple_iphone_8.heic");
    let opts = CompressOptions {
        max_edge: 800,
        max_quality: 95,
        ..CompressOptions::from_limits(&MediaLimits::default())
    };
    let out = media::compress_photo(&src, &opts, Some(&decoder)).unwrap();
    let ours = image::load_from_memory(&out.jpeg).unwrap().to_rgb8();
    // Reference: the platform decoder's P3 pixels, resized by another implementation, then
    // converted by the formulas above.
    let p3_jpg = dir.path().join("p3.jpg");
    decoder.decode_to_file(&src, &p3_jpg, 0).unwrap();
    let p3 = image::open(&p3_jpg)
        .unwrap()
        .resize_exact(
            ours.width(),
            ours.height(),
            image::imageops::FilterType::Lanczos3,
        )
        .to_rgb8();
    let m = p3_to_srgb_matrix();
    let (mut d_ref, mut d_raw, mut n_sat) = (0.0f64, 0.0f64, 0usize);
    let (mut d_ref_all, mut n) = (0.0f64, 0usize);
    for (o, p) in ours.pixels().zip(p3.pixels()) {
        let want = reference(&m, p.0);
        let dr: f64 = (0..3).map(|c| (o[c] as f64 - want[c]).abs()).sum::<f64>() / 3.0;
        d_ref_all += dr;
        n += 1;
        // Saturated pixels: where the conversion moves a channel by more than 8 levels.
        if (0..3).any(|c| (want[c] - p[c] as f64).abs() > 8.0) {
            d_ref += dr;
            d_raw += (0..3)
                .map(|c| (o[c] as f64 - p[c] as f64).abs())
                .sum::<f64>()
                / 3.0;
            n_sat += 1;
        }
    }
    let (d_ref_all, d_ref, d_raw) = (
        d_ref_all / n as f64,
        d_ref / n_sat.max(1) as f64,
        d_raw / n_sat.max(1) as f64,
    );
    println!("iPhone 8 P3 photo: mean |ours - reference| {d_ref_all:.2}; on {n_sat} saturated pixels {d_ref:.2} (unconverted would be {d_raw:.2})");
    assert!(
        n_sat > 1000,
        "the photo has too few saturated pixels to tell ({n_sat})"
    );
    assert!(
        d_ref_all < 3.0,
        "ours differs from the reference by {d_ref_all:.2} on average"
    );
    assert!(
        d_ref < d_raw / 2.0,
        "saturated pixels: {d_ref:.2} from the reference, {d_raw:.2} from unconverted P3"
    );
}
