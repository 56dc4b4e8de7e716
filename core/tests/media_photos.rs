//! The photo pipeline over every real photo in ../shared/data/photos, with exiftool (the
//! manifest, and a run over our outputs) as the oracle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use phananh_core::config::MediaLimits;
use phananh_core::media::{self, CompressOptions, Format, Orientation};
use phananh_desktop::HeifConvertDecoder;

fn photos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/photos")
}

/// manifest.tsv rows as column → value maps.
fn manifest() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(photos().join("manifest.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn decoder() -> HeifConvertDecoder {
    HeifConvertDecoder::default()
}

#[test]
fn inspection_agrees_with_exiftool_on_every_photo() {
    let rows = manifest();
    assert!(rows.len() >= 26, "manifest has {} rows", rows.len());
    for row in &rows {
        let file = &row["file"];
        let info = media::inspect_photo(&photos().join(file), Some(&decoder()))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let want_format = if row["format"] == "HEIC" {
            Format::Heic
        } else {
            Format::Jpeg
        };
        assert_eq!(info.format, want_format, "{file}");
        assert_eq!(
            (info.width.to_string(), info.height.to_string()),
            (row["width"].clone(), row["height"].clone()),
            "{file}"
        );
        let want_orientation = row["orientation"]
            .parse::<u32>()
            .ok()
            .and_then(Orientation::from_exif);
        assert_eq!(info.orientation, want_orientation, "{file}");
        match row["has_gps"].as_str() {
            "yes" => {
                let gps = info
                    .gps
                    .as_ref()
                    .unwrap_or_else(|| panic!("{file}: no GPS"));
                let (lat, lon): (f64, f64) = (
                    row["gps_lat"].parse().unwrap(),
                    row["gps_lon"].parse().unwrap(),
                );
                assert!(
                    (gps.lat - lat).abs() < 1e-6,
                    "{file}: lat {} vs {lat}",
                    gps.lat
                );
                assert!(
                    (gps.lon - lon).abs() < 1e-6,
                    "{file}: lon {} vs {lon}",
                    gps.lon
                );
            }
            _ => assert!(info.gps.is_none(), "{file}: unexpected GPS {:?}", info.gps),
        }
        let opt = |k: &str| Some(row[k].clone()).filter(|v| !v.is_empty());
        assert_eq!(info.make, opt("make"), "{file}");
        assert_eq!(info.model, opt("model"), "{file}");
        let want_dt = opt("datetime_original").map(|d| d.replacen(':', "-", 2).replace(' ', "T"));
        assert_eq!(
            info.captured_at
                .map(|c| c.local.format("%Y-%m-%dT%H:%M:%S").to_string()),
            want_dt,
            "{file}"
        );
    }
}

/// exiftool's view of a file: every tag with its group.
fn exiftool_tags(files: &[PathBuf]) -> Vec<BTreeMap<String, serde_json::Value>> {
    let out = Command::new("exiftool")
        .args(["-j", "-a", "-G1", "-u"])
        .args(files)
        .output()
        .expect("exiftool installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_photo_comes_out_upright_small_and_without_metadata() {
    let limits = MediaLimits::default();
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = vec![];
    for row in manifest() {
        let file = &row["file"];
        let src = photos().join(file);
        let dest = dir.path().join(file.replace('/', "_") + ".out.jpg");
        let p = media::prepare_photo(&src, &dest, &limits, Some(&decoder()))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let (w, h): (u32, u32) = (
            row["width"].parse().unwrap(),
            row["height"].parse().unwrap(),
        );
        // HEIC: heif-convert applies irot, so upright; JPEG: we apply EXIF orientation.
        let o = row["orientation"]
            .parse::<u32>()
            .ok()
            .and_then(Orientation::from_exif)
            .unwrap_or(Orientation::Normal);
        let (uw, uh) = o.upright(w, h);
        let long = uw.max(uh);
        let scale = (limits.photo_max_edge as f64 / long as f64).min(1.0);
        assert!(p.width.max(p.height) <= limits.photo_max_edge, "{file}");
        assert!(
            (p.width as f64 - uw as f64 * scale).abs() <= 1.0,
            "{file}: width {} for upright {uw}x{uh}",
            p.width
        );
        assert!(
            (p.height as f64 - uh as f64 * scale).abs() <= 1.0,
            "{file}: height {} for upright {uw}x{uh}",
            p.height
        );
        assert!(
            p.bytes <= limits.photo_max_bytes,
            "{file}: {} bytes",
            p.bytes
        );
        assert_eq!(std::fs::metadata(&dest).unwrap().len(), p.bytes);
        assert_eq!(p.sha256.len(), 64);
        let q = p.quality.unwrap();
        assert!((40..=85).contains(&q), "{file}: quality {q}");
        let img = image::open(&dest).unwrap();
        assert_eq!((img.width(), img.height()), (p.width, p.height), "{file}");
        outputs.push(dest);
    }
    // No EXIF/GPS/XMP/IPTC/maker notes/thumbnails in any output, per exiftool.
    for tags in exiftool_tags(&outputs) {
        let file = tags["SourceFile"].as_str().unwrap().to_owned();
        for key in tags.keys() {
            let group = key.split(':').next().unwrap();
            assert!(
                matches!(
                    group,
                    "SourceFile" | "ExifTool" | "System" | "File" | "JFIF" | "Composite"
                ),
                "{file}: metadata {key} = {}",
                tags[key]
            );
            assert!(
                !key.contains("GPS") && !key.contains("Make") && !key.contains("Model"),
                "{file}: {key}"
            );
        }
    }
}

fn rgb(path: &Path) -> image::RgbImage {
    image::open(path).unwrap().to_rgb8()
}

/// Mean absolute difference per channel, 0–255.
fn mean_abs_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| x.abs_diff(*y) as u64)
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

/// Difference at 1/15 scale: the eight sample files are separate JPEG encodings (with a
/// different digit drawn on each), so only the scene's layout is expected to match.
fn coarse_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let small = |i: &image::RgbImage| {
        image::imageops::resize(
            i,
            i.width() / 15,
            i.height() / 15,
            image::imageops::FilterType::Triangle,
        )
    };
    mean_abs_diff(&small(a), &small(b))
}

#[test]
fn all_eight_orientations_give_the_same_upright_image() {
    let dir = tempfile::tempdir().unwrap();
    let opts = CompressOptions {
        max_quality: 92,
        ..CompressOptions::from_limits(&MediaLimits::default())
    };
    for kind in ["landscape", "portrait"] {
        let mut images = vec![];
        for n in 1..=8 {
            let c = media::compress_photo(
                &photos().join(format!("orientation/{kind}_{n}.jpg")),
                &opts,
                None,
            )
            .unwrap();
            let out = dir.path().join(format!("{kind}_{n}.jpg"));
            std::fs::write(&out, &c.jpeg).unwrap();
            images.push(rgb(&out));
        }
        let (w, h) = images[0].dimensions();
        assert_eq!(w > h, kind == "landscape", "{kind}: {w}x{h}");
        for (i, img) in images.iter().enumerate().skip(1) {
            let d = coarse_diff(&images[0], img);
            println!(
                "{kind}_{}: coarse diff {d:.2}, full-size mean abs diff {:.2}",
                i + 1,
                mean_abs_diff(&images[0], img)
            );
            assert!(mean_abs_diff(&images[0], img) < 6.0, "{kind}_{}", i + 1);
            assert!(d < 4.0, "{kind}_{} differs from {kind}_1 by {d:.2}", i + 1);
        }
        // The measure can fail: a mirrored image is far from the upright one.
        let mirrored = image::imageops::flip_horizontal(&images[0]);
        let d = coarse_diff(&images[0], &mirrored);
        assert!(d > 15.0, "{kind}: mirror differs by only {d:.2}");
    }
}

#[test]
fn byte_budget_lowers_quality_then_size_and_edge_limit_holds() {
    let src = photos().join("samsung_galaxy_s7_edge_SM-G935L.jpg");
    let mut opts = CompressOptions::from_limits(&MediaLimits::default());
    opts.max_edge = 1600;
    opts.max_bytes = u64::MAX;
    let free = media::compress_photo(&src, &opts, None).unwrap();
    assert_eq!((free.width, free.height, free.quality), (1600, 1200, 85));
    // A budget below the q85 size: the best quality that fits, and the next one up does not.
    opts.max_bytes = free.jpeg.len() as u64 * 6 / 10;
    let tight = media::compress_photo(&src, &opts, None).unwrap();
    assert!(tight.jpeg.len() as u64 <= opts.max_bytes);
    assert!(
        tight.quality < 85 && tight.quality >= opts.min_quality,
        "{}",
        tight.quality
    );
    let mut above = opts.clone();
    above.max_quality = tight.quality + 1;
    above.min_quality = tight.quality + 1;
    above.max_bytes = u64::MAX;
    assert!(
        media::compress_photo(&src, &above, None)
            .unwrap()
            .jpeg
            .len() as u64
            > opts.max_bytes
    );
    // A budget no quality can meet at 1600 px: the photo shrinks instead of failing.
    opts.max_bytes = 40_000;
    let small = media::compress_photo(&src, &opts, None).unwrap();
    assert!(
        small.jpeg.len() <= 40_000 && small.width < 1600,
        "{}x{} {}",
        small.width,
        small.height,
        small.jpeg.len()
    );
    // Deterministic: the same input gives the same bytes (safe to redo after a crash).
    assert_eq!(
        media::compress_photo(&src, &opts, None).unwrap().jpeg,
        small.jpeg
    );
}

#[test]
fn heic_needs_a_platform_decoder() {
    let src = photos().join("apple_iphone_xr_orient6.heic");
    let dir = tempfile::tempdir().unwrap();
    match media::prepare_photo(
        &src,
        &dir.path().join("x.jpg"),
        &MediaLimits::default(),
        None,
    ) {
        Err(phananh_core::Error::Media(e)) => assert_eq!(e.code(), "no_decoder"),
        other => panic!("{other:?}"),
    }
    assert!(!dir.path().join("x.jpg").exists());
}

#[test]
fn png_and_webp_inputs_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let base = image::open(photos().join("orientation/landscape_1.jpg")).unwrap();
    // PNG with transparency: composited over white, not black.
    let mut rgba = base.to_rgba8();
    for p in rgba.pixels_mut().take(600 * 10) {
        p[3] = 0;
    }
    let png = dir.path().join("a.png");
    rgba.save(&png).unwrap();
    let webp = dir.path().join("a.webp");
    base.to_rgb8().save(&webp).unwrap();
    let opts = CompressOptions::from_limits(&MediaLimits::default());
    for f in [&png, &webp] {
        let c = media::compress_photo(f, &opts, None).unwrap();
        assert_eq!((c.width, c.height), (600, 450));
        let out = dir.path().join("o.jpg");
        std::fs::write(&out, &c.jpeg).unwrap();
        let img = rgb(&out);
        let mut want = base.to_rgb8();
        if f == &png {
            let top = img.get_pixel(300, 2);
            assert!(
                top.0.iter().all(|&v| v > 240),
                "transparent rows should be white: {top:?}"
            );
            for p in want.pixels_mut().take(600 * 10) {
                *p = image::Rgb([255, 255, 255]);
            }
        }
        let d = mean_abs_diff(&img, &want);
        assert!(d < 6.0, "{}: differs by {d:.2}", f.display());
    }
    assert_eq!(
        media::inspect_photo(&png, None).unwrap().format,
        Format::Png
    );
    assert_eq!(media::inspect_photo(&webp, None).unwrap().width, 600);
}
