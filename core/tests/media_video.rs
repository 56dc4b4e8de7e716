//! Videos generated with ffmpeg (testsrc 1080p, rotation metadata, GPS in the container)
//! through inspection, limits, the ffmpeg transcoder and its verification.

use std::path::{Path, PathBuf};
use std::process::Command;

use phananh_core::config::MediaLimits;
use phananh_core::media::{self, MediaError, TrimRange, VideoTranscoder};
use phananh_core::Error;
use phananh_desktop::FfmpegTranscoder;

/// A 1920×1080 H.264/AAC clip of `secs` seconds whose track says "rotate `rotate`° for
/// display" (as phones filming upright write), with a GPS location in its metadata.
fn clip(dir: &Path, name: &str, secs: u32, rotate: u32) -> PathBuf {
    let raw = dir.join(format!("{name}.raw.mp4"));
    let out = dir.join(format!("{name}.mp4"));
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=size=1920x1080:rate=25:duration={secs}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={secs}"))
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .args([
            "-metadata",
            "location=+18.3420+105.9057/",
            "-metadata",
            "make=TestPhone",
        ])
        .arg(&raw)
        .status()
        .expect("ffmpeg installed");
    assert!(status.success());
    // Rotation is container metadata: set it without re-encoding, as a phone writes it.
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
        .arg(&raw)
        .args(["-c", "copy", "-map_metadata", "0", "-metadata:s:v:0"])
        .arg(format!("rotate={rotate}"))
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

fn exiftool_text(p: &Path) -> String {
    let out = Command::new("exiftool")
        .args(["-a", "-G1", "-ee"])
        .arg(p)
        .output()
        .expect("exiftool installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn rotated_1080p_clip_is_inspected_transcoded_upright_and_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let src = clip(dir.path(), "portrait", 3, 90);
    let info = media::inspect_video(&src).unwrap();
    assert_eq!((info.width, info.height), (1920, 1080));
    assert_eq!(
        info.display_size(),
        (1080, 1920),
        "rotation {}",
        info.rotation
    );
    assert!(info.rotation == 90 || info.rotation == 270);
    assert_eq!(info.video_codec, "h264");
    assert_eq!(info.audio_codec.as_deref(), Some("aac"));
    assert!(
        info.duration_ms.abs_diff(3000) <= 100,
        "{}",
        info.duration_ms
    );
    assert!(info.bitrate_kbps > 0);
    assert!(
        exiftool_text(&src).contains("18.342"),
        "the source does carry a location"
    );

    let limits = MediaLimits::default();
    let dest = dir.path().join("out.mp4");
    let p = media::prepare_video(&src, &dest, &limits, &FfmpegTranscoder::default()).unwrap();
    assert_eq!(
        (p.width, p.height),
        (720, 1280),
        "upright portrait, short edge 720"
    );
    assert_eq!(p.mime, "video/mp4");
    assert_eq!(p.bytes, std::fs::metadata(&dest).unwrap().len());
    assert!(p.duration_ms.unwrap().abs_diff(3000) <= 200);
    let out = media::inspect_video(&dest).unwrap();
    assert_eq!(
        (out.video_codec.as_str(), out.audio_codec.as_deref()),
        ("h264", Some("aac"))
    );
    assert_eq!(out.rotation, 0, "rotation is in the pixels now");
    // About the configured bitrate (1500 + 96 kbit/s), far below the source's.
    assert!(out.bitrate_kbps < 2500, "{} kbit/s", out.bitrate_kbps);
    let meta = exiftool_text(&dest);
    assert!(
        !meta.contains("18.342") && !meta.contains("TestPhone"),
        "metadata left:\n{meta}"
    );
    // No temp files left beside the output.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        !names.iter().any(|n| n.to_string_lossy().ends_with(".part")),
        "{names:?}"
    );

    // Poster frame: an upright JPEG, through the photo pipeline (long edge 1920).
    let poster = dir.path().join("poster.jpg");
    let pp = media::prepare_poster(&src, &poster, &limits, &FfmpegTranscoder::default()).unwrap();
    let img = image::open(&poster).unwrap();
    assert_eq!((img.width(), img.height()), (1080, 1920));
    assert_eq!(
        (pp.width, pp.height, pp.mime.as_str()),
        (1080, 1920, "image/jpeg")
    );
}

#[test]
fn landscape_clip_trimmed_and_limits_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let src = clip(dir.path(), "landscape", 4, 0);
    let mut limits = MediaLimits::default();
    let t = FfmpegTranscoder::default();

    let dest = dir.path().join("trim.mp4");
    let trim = TrimRange {
        start_ms: 1000,
        end_ms: 2500,
    };
    let p = media::prepare_video_trimmed(&src, &dest, &limits, &t, Some(trim)).unwrap();
    assert_eq!((p.width, p.height), (1280, 720));
    assert!(
        p.duration_ms.unwrap().abs_diff(1500) <= 200,
        "{:?}",
        p.duration_ms
    );

    limits.max_video_seconds = 3;
    let dest = dir.path().join("long.mp4");
    match media::prepare_video(&src, &dest, &limits, &t) {
        Err(Error::Media(MediaError::VideoTooLong {
            max_seconds: 3,
            seconds,
        })) => assert!(seconds > 3.9),
        other => panic!("{other:?}"),
    }
    assert!(!dest.exists());
    // Trimmed to within the limit, the same clip is fine.
    media::prepare_video_trimmed(
        &src,
        &dest,
        &limits,
        &t,
        Some(TrimRange {
            start_ms: 0,
            end_ms: 2000,
        }),
    )
    .unwrap();

    limits.max_video_input_bytes = 1000;
    match media::prepare_video(&src, &dir.path().join("big.mp4"), &limits, &t) {
        Err(Error::Media(MediaError::TooLarge {
            max_bytes: 1000, ..
        })) => {}
        other => panic!("{other:?}"),
    }
}

/// A transcoder that ignores the target: verification must catch it.
struct CopyTranscoder;

impl VideoTranscoder for CopyTranscoder {
    fn transcode(
        &self,
        src: &Path,
        dest: &Path,
        _: &media::VideoTarget,
    ) -> phananh_core::Result<()> {
        std::fs::copy(src, dest)
            .map(|_| ())
            .map_err(|e| Error::io(dest, e))
    }
    fn poster_frame(&self, _: &Path, _: &Path, _: u64) -> phananh_core::Result<()> {
        Ok(())
    }
}

#[test]
fn transcoder_output_is_verified_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let src = clip(dir.path(), "v", 1, 0);
    let dest = dir.path().join("out.mp4");
    match media::prepare_video(&src, &dest, &MediaLimits::default(), &CopyTranscoder) {
        Err(Error::Media(MediaError::BadOutput(m))) => assert!(m.contains("1920x1080"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(!dest.exists());
}

#[test]
fn malformed_videos_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let src = clip(dir.path(), "m", 1, 0);
    let bytes = std::fs::read(&src).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.mp4", vec![]),
        ("ftyp_only.mp4", bytes[..32].to_vec()),
        ("half.mp4", bytes[..bytes.len() / 2].to_vec()),
        ("garbage.mp4", {
            let mut b = bytes[..32].to_vec();
            b.extend((0..5000u32).map(|i| (i * 31 % 253) as u8));
            b
        }),
    ];
    for (name, data) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, &data).unwrap();
        match media::inspect_video(&p) {
            Err(Error::Media(e)) => assert!(
                matches!(
                    e,
                    MediaError::Empty
                        | MediaError::Corrupt(_)
                        | MediaError::Truncated(_)
                        | MediaError::Unsupported(_)
                ),
                "{name}: {e:?}"
            ),
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// Mutation fuzzing of the container parser: every mutated file is inspected to Ok or a
/// media error, never a panic. PHANANH_FUZZ_ITERS raises the count.
#[test]
fn mutated_videos_never_panic() {
    use rand::{Rng, SeedableRng};
    let iters: usize = std::env::var("PHANANH_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read(clip(dir.path(), "seed", 1, 90)).unwrap();
    // The moov box (where the parser works) is at the end without faststart: find it.
    let moov = seed
        .windows(4)
        .position(|w| w == b"moov")
        .unwrap_or(0)
        .saturating_sub(4);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    let path = dir.path().join("fuzz.mp4");
    for i in 0..iters {
        let mut data = seed.clone();
        let (lo, hi) = if rng.random_bool(0.8) {
            (moov.max(8), data.len())
        } else {
            (8, data.len())
        };
        match rng.random_range(0..3) {
            0 => {
                for _ in 0..rng.random_range(1..8) {
                    let at = rng.random_range(lo..hi);
                    data[at] = rng.random();
                }
            }
            1 => data.truncate(rng.random_range(lo..hi)),
            _ => {
                let at = rng.random_range(lo..hi);
                let junk: Vec<u8> = (0..rng.random_range(1..32)).map(|_| rng.random()).collect();
                data.splice(at..at, junk);
            }
        }
        std::fs::write(&path, &data).unwrap();
        let outcome = match media::inspect_video(&path) {
            Ok(_) => "ok".to_owned(),
            Err(Error::Media(e)) => e.code().to_owned(),
            Err(other) => panic!("iteration {i}: non-media error {other:?}"),
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    println!(
        "fuzz: {} mutated videos, outcomes {outcomes:?}",
        outcomes.values().sum::<usize>()
    );
    assert_eq!(outcomes.values().sum::<usize>(), iters);
}

/// `ffmpeg` with `args`, which must succeed.
fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y"])
        .args(args)
        .status()
        .expect("ffmpeg installed");
    assert!(status.success(), "ffmpeg {args:?}");
}

/// (video bit/s, audio bit/s, duration s) of a file, as ffprobe reports them.
fn probe_rates(p: &Path) -> (u64, u64, f64) {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,bit_rate:format=duration",
            "-of",
            "json",
        ])
        .arg(p)
        .output()
        .expect("ffprobe installed");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rate = |kind: &str| -> u64 {
        v["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["codec_type"] == kind)
            .and_then(|s| s["bit_rate"].as_str())
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        rate("video"),
        rate("audio"),
        v["format"]["duration"].as_str().unwrap().parse().unwrap(),
    )
}

/// A clip that is hard to compress: 1080p moving test pattern under temporal noise, with white
/// noise for sound; its bitrate is far above any tenant's limit.
fn noisy_clip(dir: &Path, secs: u32) -> PathBuf {
    let out = dir.join("noisy.mp4");
    let d = secs.to_string();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc2=size=1920x1080:rate=30:duration={d},noise=alls=25:allf=t+u"),
        "-f",
        "lavfi",
        "-i",
        &format!("anoisesrc=color=white:duration={d}:amplitude=0.5"),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "26",
        "-c:a",
        "aac",
        "-b:a",
        "256k",
        "-shortest",
        out.to_str().unwrap(),
    ]);
    out
}

#[test]
fn transcoded_bitrate_is_bounded_by_the_tenant_limits() {
    let dir = tempfile::tempdir().unwrap();
    let src = noisy_clip(dir.path(), 4);
    let (src_v, src_a, _) = probe_rates(&src);
    let t = FfmpegTranscoder::default();
    let default = MediaLimits::default();
    let low = MediaLimits {
        video_bitrate_kbps: 600,
        audio_bitrate_kbps: 64,
        ..MediaLimits::default()
    };
    for (name, limits) in [("default", default), ("low", low)] {
        let dest = dir.path().join(format!("{name}.mp4"));
        let p = media::prepare_video(&src, &dest, &limits, &t).unwrap();
        let (v, a, secs) = probe_rates(&dest);
        // A one-second rate buffer over the clip is all an encoder may add to the average.
        let slack = 1.0 + 1.0 / secs;
        let (max_v, max_a) = (
            limits.video_bitrate_kbps as f64 * 1000.0 * slack,
            limits.audio_bitrate_kbps as f64 * 1000.0 * slack,
        );
        let target = media::VideoTarget {
            max_height: limits.video_max_height,
            video_kbps: limits.video_bitrate_kbps,
            audio_kbps: limits.audio_bitrate_kbps,
            trim: None,
        };
        let max_file = media::max_output_bytes(&target, (secs * 1000.0) as u64);
        println!(
            "FIGURES video bitrate {name}: source {} + {} kbit/s -> {} + {} kbit/s (limits {} + {}, bounds {:.0} + {:.0}), \
             {} B of at most {max_file} B",
            src_v / 1000, src_a / 1000, v / 1000, a / 1000, limits.video_bitrate_kbps, limits.audio_bitrate_kbps,
            max_v / 1000.0, max_a / 1000.0, p.bytes
        );
        assert!(
            src_v as f64 > 3.0 * max_v,
            "the source must be far above the limit for the bound to matter: {src_v}"
        );
        assert!(v as f64 <= max_v, "{name}: video {v} bit/s over {max_v}");
        assert!(a as f64 <= max_a, "{name}: audio {a} bit/s over {max_a}");
        assert!(p.bytes <= max_file);
        // Bounded, not starved: the encoder uses most of what it is given on this content.
        assert!(
            v as f64 >= 0.5 * limits.video_bitrate_kbps as f64 * 1000.0,
            "{name}: video {v} bit/s"
        );
    }
}

/// Wraps the ffmpeg transcoder, multiplying the video rate it is asked for (an encoder that
/// overshoots), or replacing it (one that ignores it); records what it was asked.
struct Overshooting {
    times: Option<u32>,
    fixed_kbps: u32,
    asked: std::sync::Mutex<Vec<u32>>,
}

impl VideoTranscoder for Overshooting {
    fn transcode(
        &self,
        src: &Path,
        dest: &Path,
        t: &media::VideoTarget,
    ) -> phananh_core::Result<()> {
        self.asked.lock().unwrap().push(t.video_kbps);
        let mut t = t.clone();
        t.video_kbps = self.times.map_or(self.fixed_kbps, |k| t.video_kbps * k);
        FfmpegTranscoder::default().transcode(src, dest, &t)
    }
    fn poster_frame(&self, src: &Path, dest: &Path, at_ms: u64) -> phananh_core::Result<()> {
        FfmpegTranscoder::default().poster_frame(src, dest, at_ms)
    }
}

#[test]
fn an_encoder_over_its_rate_is_asked_once_more_lower_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    let src = noisy_clip(dir.path(), 3);
    let limits = MediaLimits::default();
    let v = limits.video_bitrate_kbps;

    let twice = Overshooting {
        times: Some(2),
        fixed_kbps: 0,
        asked: Default::default(),
    };
    let dest = dir.path().join("twice.mp4");
    let p = media::prepare_video(&src, &dest, &limits, &twice).unwrap();
    let asked = twice.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(asked[0], v);
    assert!(
        asked[1] < v,
        "the second ask is lowered by the overshoot: {asked:?}"
    );
    let target = media::VideoTarget {
        max_height: 720,
        video_kbps: v,
        audio_kbps: limits.audio_bitrate_kbps,
        trim: None,
    };
    assert!(p.bytes <= media::max_output_bytes(&target, p.duration_ms.unwrap()));

    let deaf = Overshooting {
        times: None,
        fixed_kbps: v * 6,
        asked: Default::default(),
    };
    let dest = dir.path().join("deaf.mp4");
    match media::prepare_video(&src, &dest, &limits, &deaf) {
        Err(Error::Media(MediaError::BadOutput(m))) => assert!(m.contains("exceeds"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(deaf.asked.lock().unwrap().len(), 2);
    assert!(!dest.exists());
}

#[test]
fn the_poster_is_taken_one_second_in_not_from_the_first_frame() {
    assert_eq!(media::poster_time_ms(60_000), 1000);
    assert_eq!(media::poster_time_ms(1_500), 750);
    assert_eq!(media::poster_time_ms(0), 0);
    let dir = tempfile::tempdir().unwrap();
    // Black for 0.6 s (the camera settling), then white; one key frame, at the start, so a
    // seek to the nearest key frame would also give black.
    let src = dir.path().join("dark_start.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=640x360:r=25:d=0.6",
        "-f",
        "lavfi",
        "-i",
        "color=c=white:s=640x360:r=25:d=3.4",
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1:a=0",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "1000",
        "-pix_fmt",
        "yuv420p",
        src.to_str().unwrap(),
    ]);
    let mean = |p: &Path| {
        let img = image::open(p).unwrap().to_luma8();
        img.pixels().map(|p| p.0[0] as u64).sum::<u64>() / (img.width() * img.height()) as u64
    };
    let first = dir.path().join("first.jpg");
    FfmpegTranscoder::default()
        .poster_frame(&src, &first, 0)
        .unwrap();
    assert!(mean(&first) < 40, "the clip does start dark");
    let poster = dir.path().join("poster.jpg");
    media::prepare_poster(
        &src,
        &poster,
        &MediaLimits::default(),
        &FfmpegTranscoder::default(),
    )
    .unwrap();
    let m = mean(&poster);
    assert!(m > 200, "poster mean luma {m}: not the frame one second in");
}
