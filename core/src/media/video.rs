//! Videos: inspect the MP4/MOV container in Rust (mp4parse, Mozilla's parser written for
//! untrusted input in Firefox: fallible allocation, fuzzed), enforce the tenant's limits,
//! transcode through the platform ([`VideoTranscoder`]) and verify what came back.

use std::io::BufReader;
use std::path::Path;
use std::process::Command;

use mp4parse::{CodecType, SampleEntry, TrackType};
use serde::Serialize;

use super::error::MediaError;
use super::output::{self, PreparedMedia};
use super::{sniff_file, Format};
use crate::config::MediaLimits;
use crate::error::{Error, Result};
use crate::model::MediaKind;

/// What the container says about a video.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoInfo {
    pub format: Format,
    pub duration_ms: u64,
    /// Coded size, as stored.
    pub width: u32,
    pub height: u32,
    /// Clockwise rotation to apply for display (0, 90, 180, 270), from the track matrix.
    pub rotation: u32,
    /// `h264`, `hevc`-family files show as `unknown` (mp4parse does not name them), `av1`, ...
    pub video_codec: String,
    pub audio_codec: Option<String>,
    /// Whole-file average, kbit/s.
    pub bitrate_kbps: u64,
    pub bytes: u64,
}

impl VideoInfo {
    /// Size as shown (rotation applied).
    pub fn display_size(&self) -> (u32, u32) {
        if self.rotation % 180 == 90 { (self.height, self.width) } else { (self.width, self.height) }
    }
}

/// Read duration, size, rotation and codecs from the container (no decoding).
pub fn inspect_video(path: &Path) -> Result<VideoInfo> {
    let format = sniff_file(path)?;
    if format.kind() != MediaKind::Video {
        return Err(MediaError::Unsupported(format!("{format:?} is not a video")).into());
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let bytes = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let ctx = mp4parse::read_mp4(&mut BufReader::with_capacity(256 * 1024, file)).map_err(mp4_error)?;

    let mut video = None;
    let mut audio_codec = None;
    let mut duration_ms = 0u64;
    for t in ctx.tracks.iter() {
        if let (Some(d), Some(ts)) = (&t.duration, &t.timescale) {
            if ts.0 > 0 {
                duration_ms = duration_ms.max((d.0 as u128 * 1000 / ts.0 as u128) as u64);
            }
        }
        let entry = t.stsd.as_ref().and_then(|s| s.descriptions.first());
        match (&t.track_type, entry) {
            (TrackType::Video, Some(SampleEntry::Video(v))) if video.is_none() => {
                let tkhd = t.tkhd.as_ref();
                let rotation = tkhd.map(|h| rotation(h.matrix.a, h.matrix.b)).unwrap_or(0);
                video = Some((v.width as u32, v.height as u32, rotation, codec_name(v.codec_type)));
            }
            (TrackType::Video, _) if video.is_none() => {
                let (w, h) = t.tkhd.as_ref().map(|h| (h.width >> 16, h.height >> 16)).unwrap_or((0, 0));
                let rot = t.tkhd.as_ref().map(|h| rotation(h.matrix.a, h.matrix.b)).unwrap_or(0);
                video = Some((w, h, rot, "unknown".to_owned()));
            }
            (TrackType::Audio, Some(SampleEntry::Audio(a))) if audio_codec.is_none() => {
                audio_codec = Some(codec_name(a.codec_type));
            }
            _ => {}
        }
    }
    let (width, height, rotation, video_codec) =
        video.ok_or_else(|| MediaError::Unsupported("no video track".into()))?;
    if width == 0 || height == 0 {
        return Err(MediaError::Corrupt("video track without dimensions".into()).into());
    }
    let bitrate_kbps = if duration_ms > 0 { bytes * 8 / duration_ms } else { 0 };
    Ok(VideoInfo { format, duration_ms, width, height, rotation, video_codec, audio_codec, bitrate_kbps, bytes })
}

fn mp4_error(e: mp4parse::Error) -> Error {
    match e {
        mp4parse::Error::UnexpectedEOF => MediaError::Truncated("mp4: unexpected end of file".into()),
        mp4parse::Error::MoovMissing => MediaError::Corrupt("mp4: no movie header (moov)".into()),
        mp4parse::Error::Unsupported(s) => MediaError::Unsupported(format!("mp4: {s}")),
        mp4parse::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::Truncated("mp4: unexpected end of file".into())
        }
        other => MediaError::Corrupt(format!("mp4: {other}")),
    }
    .into()
}

/// Clockwise display rotation from the first row of the track matrix (16.16 fixed).
fn rotation(a: i32, b: i32) -> u32 {
    let deg = (b as f64).atan2(a as f64).to_degrees();
    (((deg.round() as i64 % 360 + 360) % 360 + 45) / 90 * 90 % 360) as u32
}

fn codec_name(c: CodecType) -> String {
    match c {
        CodecType::H264 => "h264",
        CodecType::AAC => "aac",
        CodecType::AV1 => "av1",
        CodecType::VP9 => "vp9",
        CodecType::VP8 => "vp8",
        CodecType::MP3 => "mp3",
        CodecType::Opus => "opus",
        CodecType::FLAC => "flac",
        CodecType::ALAC => "alac",
        CodecType::LPCM => "lpcm",
        CodecType::H263 => "h263",
        CodecType::MP4V => "mp4v",
        _ => "unknown",
    }
    .to_owned()
}

/// Part of a video to keep, in milliseconds from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrimRange {
    pub start_ms: u64,
    pub end_ms: u64,
}

/// What the transcoder must produce: H.264 + AAC in MP4, upright (rotation applied to the
/// pixels), short edge ≤ `max_height` (720 → 1280×720 landscape, 720×1280 portrait),
/// no metadata (GPS in `©xyz`, device names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoTarget {
    pub max_height: u32,
    pub video_kbps: u32,
    pub audio_kbps: u32,
    pub trim: Option<TrimRange>,
}

/// Platform hook: Media3 Transformer on Android, AVAssetExportSession on iOS, ffmpeg here.
pub trait VideoTranscoder: Send + Sync {
    fn transcode(&self, src: &Path, dest: &Path, target: &VideoTarget) -> Result<()>;
    /// Write a JPEG still of the video (upright) to `dest_jpeg`.
    fn poster_frame(&self, src: &Path, dest_jpeg: &Path) -> Result<()>;
}

impl std::fmt::Debug for dyn VideoTranscoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VideoTranscoder")
    }
}

/// [`VideoTranscoder`] using the `ffmpeg` program (Debian's), for the CLI and tests.
#[derive(Debug, Clone)]
pub struct FfmpegTranscoder {
    pub program: String,
    /// x264 preset: speed against size.
    pub preset: String,
}

impl Default for FfmpegTranscoder {
    fn default() -> Self {
        Self { program: "ffmpeg".into(), preset: "veryfast".into() }
    }
}

impl FfmpegTranscoder {
    fn run(&self, args: &[String]) -> Result<()> {
        let out = Command::new(&self.program)
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
            .args(args)
            .output()
            .map_err(|e| MediaError::Tool(format!("{}: {e}", self.program)))?;
        if out.status.success() {
            Ok(())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            Err(MediaError::Tool(format!("ffmpeg: {}", err.trim().lines().last().unwrap_or("failed"))).into())
        }
    }

    /// Scale so the short edge is at most `h` (never up), even dimensions for H.264.
    fn scale_filter(h: u32) -> String {
        format!("scale='if(gte(iw,ih),-2,min(iw,{h}))':'if(gte(iw,ih),min(ih,{h}),-2)',format=yuv420p")
    }
}

impl VideoTranscoder for FfmpegTranscoder {
    fn transcode(&self, src: &Path, dest: &Path, t: &VideoTarget) -> Result<()> {
        let mut args: Vec<String> = vec![];
        if let Some(trim) = t.trim {
            args.extend(["-ss".into(), format!("{:.3}", trim.start_ms as f64 / 1000.0)]);
            args.extend(["-t".into(), format!("{:.3}", trim.end_ms.saturating_sub(trim.start_ms) as f64 / 1000.0)]);
        }
        // ffmpeg auto-rotates: the display matrix is applied to the pixels and dropped.
        args.extend(["-i".into(), src.to_string_lossy().into_owned()]);
        for a in [
            "-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "-1", "-map_chapters", "-1",
            "-c:v", "libx264", "-profile:v", "high", "-c:a", "aac", "-ac", "2",
            "-movflags", "+faststart", "-f", "mp4",
        ] {
            args.push(a.into());
        }
        args.extend(["-preset".into(), self.preset.clone(), "-vf".into(), Self::scale_filter(t.max_height)]);
        args.extend(["-b:v".into(), format!("{}k", t.video_kbps), "-maxrate".into(), format!("{}k", t.video_kbps * 3 / 2)]);
        args.extend(["-bufsize".into(), format!("{}k", t.video_kbps * 2), "-b:a".into(), format!("{}k", t.audio_kbps)]);
        args.push(dest.to_string_lossy().into_owned());
        self.run(&args)
    }

    fn poster_frame(&self, src: &Path, dest_jpeg: &Path) -> Result<()> {
        // Half a second in (the first frame of a phone clip is often dark); clips shorter
        // than that fall back to the first frame.
        for at in ["0.5", "0"] {
            let args: Vec<String> = [
                "-ss", at, "-i", &src.to_string_lossy(), "-frames:v", "1", "-map_metadata", "-1",
                "-q:v", "3", "-f", "image2", "-c:v", "mjpeg", &dest_jpeg.to_string_lossy(),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            self.run(&args)?;
            if std::fs::metadata(dest_jpeg).is_ok_and(|m| m.len() > 0) {
                return Ok(());
            }
        }
        Err(MediaError::Tool("ffmpeg wrote no poster frame".into()).into())
    }
}

/// Check a video against the tenant's limits (input size, duration) before any work.
pub fn check_video_limits(info: &VideoInfo, limits: &MediaLimits, trim: Option<TrimRange>) -> Result<(), MediaError> {
    if info.bytes > limits.max_video_input_bytes {
        return Err(MediaError::TooLarge { bytes: info.bytes, max_bytes: limits.max_video_input_bytes });
    }
    let kept = match trim {
        Some(t) => t.end_ms.min(info.duration_ms).saturating_sub(t.start_ms),
        None => info.duration_ms,
    };
    if kept > limits.max_video_seconds as u64 * 1000 {
        return Err(MediaError::VideoTooLong { seconds: kept as f64 / 1000.0, max_seconds: limits.max_video_seconds });
    }
    Ok(())
}

/// Transcode `src` into `dest` within the tenant's limits and verify the result.
pub fn prepare_video(src: &Path, dest: &Path, limits: &MediaLimits, transcoder: &dyn VideoTranscoder) -> Result<PreparedMedia> {
    prepare_video_trimmed(src, dest, limits, transcoder, None)
}

/// [`prepare_video`] keeping only `trim` of the source (the user cut a long clip).
pub fn prepare_video_trimmed(
    src: &Path,
    dest: &Path,
    limits: &MediaLimits,
    transcoder: &dyn VideoTranscoder,
    trim: Option<TrimRange>,
) -> Result<PreparedMedia> {
    let info = inspect_video(src)?;
    check_video_limits(&info, limits, trim)?;
    let target = VideoTarget {
        max_height: limits.video_max_height,
        video_kbps: limits.video_bitrate_kbps,
        audio_kbps: limits.audio_bitrate_kbps,
        trim,
    };
    let tmp = output::temp_path(dest, "video");
    let result = transcoder.transcode(src, &tmp, &target).and_then(|()| {
        let out = inspect_video(&tmp)?;
        verify(&info, &out, &target)?;
        Ok(out)
    });
    let out = match result {
        Ok(out) => out,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e))?;
    let (sha1, sha256, bytes) = output::hash_file(dest)?;
    let (width, height) = out.display_size();
    Ok(PreparedMedia {
        path: dest.to_path_buf(),
        mime: "video/mp4".into(),
        bytes,
        width,
        height,
        sha1,
        sha256,
        quality: None,
        duration_ms: Some(out.duration_ms),
    })
}

/// A poster image for the video: the transcoder's still, then the photo pipeline (so it is
/// upright, within the photo budget and metadata-free whatever the platform wrote).
pub fn prepare_poster(
    src: &Path,
    dest: &Path,
    limits: &MediaLimits,
    transcoder: &dyn VideoTranscoder,
) -> Result<PreparedMedia> {
    let tmp = output::temp_path(dest, "poster.jpg");
    let result = transcoder
        .poster_frame(src, &tmp)
        .and_then(|()| super::photo::prepare_photo(&tmp, dest, limits, None));
    let _ = std::fs::remove_file(&tmp);
    result
}

/// The transcoder's output is checked, not trusted: H.264 (+ AAC when the source had
/// sound), short edge within the target, duration as asked (±1 s, encoders pad).
fn verify(src: &VideoInfo, out: &VideoInfo, t: &VideoTarget) -> Result<(), MediaError> {
    let bad = |m: String| Err(MediaError::BadOutput(m));
    if out.video_codec != "h264" {
        return bad(format!("video codec {}", out.video_codec));
    }
    if src.audio_codec.is_some() && out.audio_codec.as_deref() != Some("aac") {
        return bad(format!("audio codec {:?}", out.audio_codec));
    }
    let (w, h) = out.display_size();
    if w.min(h) > t.max_height {
        return bad(format!("{w}x{h} exceeds {}p", t.max_height));
    }
    let (sw, sh) = src.display_size();
    if (sw > sh) != (w > h) && sw != sh {
        return bad(format!("orientation changed: {sw}x{sh} became {w}x{h}"));
    }
    let want = match t.trim {
        Some(r) => r.end_ms.min(src.duration_ms).saturating_sub(r.start_ms),
        None => src.duration_ms,
    };
    if out.duration_ms.abs_diff(want) > 1000 {
        return bad(format!("duration {} ms, expected {want} ms", out.duration_ms));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_rotation() {
        let one = 1 << 16;
        assert_eq!(rotation(one, 0), 0);
        assert_eq!(rotation(0, one), 90);
        assert_eq!(rotation(-one, 0), 180);
        assert_eq!(rotation(0, -one), 270);
    }
}
