//! Videos: inspect the MP4/MOV container in Rust (mp4parse, Mozilla's parser written for
//! untrusted input in Firefox: fallible allocation, fuzzed), enforce the tenant's limits,
//! transcode through the platform ([`VideoTranscoder`]) and verify what came back.

use std::io::BufReader;
use std::path::Path;

use mp4parse::{CodecType, SampleEntry, TrackType};
use serde::Serialize;

use super::output::{self, PreparedMedia};
use super::{sniff_file, Format};
use crate::config::MediaLimits;
use crate::error::MediaError;
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
        if self.rotation % 180 == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
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
    let ctx =
        mp4parse::read_mp4(&mut BufReader::with_capacity(256 * 1024, file)).map_err(mp4_error)?;

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
                video = Some((
                    v.width as u32,
                    v.height as u32,
                    rotation,
                    codec_name(v.codec_type),
                ));
            }
            (TrackType::Video, _) if video.is_none() => {
                let (w, h) = t
                    .tkhd
                    .as_ref()
                    .map(|h| (h.width >> 16, h.height >> 16))
                    .unwrap_or((0, 0));
                let rot = t
                    .tkhd
                    .as_ref()
                    .map(|h| rotation(h.matrix.a, h.matrix.b))
                    .unwrap_or(0);
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
    let bitrate_kbps = if duration_ms > 0 {
        bytes * 8 / duration_ms
    } else {
        0
    };
    Ok(VideoInfo {
        format,
        duration_ms,
        width,
        height,
        rotation,
        video_codec,
        audio_codec,
        bitrate_kbps,
        bytes,
    })
}

fn mp4_error(e: mp4parse::Error) -> Error {
    match e {
        mp4parse::Error::UnexpectedEOF => {
            MediaError::Truncated("mp4: unexpected end of file".into())
        }
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
/// no metadata (GPS in `©xyz`, device names), video at most `video_kbps` and audio at most
/// `audio_kbps` on average (the output is checked against [`max_output_bytes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoTarget {
    pub max_height: u32,
    pub video_kbps: u32,
    pub audio_kbps: u32,
    pub trim: Option<TrimRange>,
}

/// The largest file a transcoder asked for `t` may write for `duration_ms` of video: both
/// streams at their target rates over the clip plus one second of each (the encoder's rate
/// buffer: a one-second VBV lets a short clip run that much over its average), plus 2% and
/// 16 KiB for the MP4 container (sample tables, headers).
pub fn max_output_bytes(t: &VideoTarget, duration_ms: u64) -> u64 {
    let kbps = t.video_kbps as u64 + t.audio_kbps as u64;
    let payload = kbps * 1000 / 8 * (duration_ms + 1000) / 1000;
    payload + payload / 50 + 16 * 1024
}

/// When the poster frame is taken: one second in (a phone clip's first frames are often dark
/// or blurred while the camera settles), or the middle of a clip shorter than two seconds.
pub fn poster_time_ms(duration_ms: u64) -> u64 {
    (duration_ms / 2).min(1000)
}

/// Platform hook: Media3 Transformer on Android, AVAssetExportSession on iOS, ffmpeg on the
/// desktop (`phananh-desktop`).
pub trait VideoTranscoder: Send + Sync {
    fn transcode(&self, src: &Path, dest: &Path, target: &VideoTarget) -> Result<()>;
    /// Write a JPEG still of the video (upright) at `at_ms` from its start to `dest_jpeg`
    /// (the nearest frame; the first one if the clip is shorter).
    fn poster_frame(&self, src: &Path, dest_jpeg: &Path, at_ms: u64) -> Result<()>;
}

impl std::fmt::Debug for dyn VideoTranscoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VideoTranscoder")
    }
}

/// Check a video against the tenant's limits (input size, duration) before any work.
pub fn check_video_limits(
    info: &VideoInfo,
    limits: &MediaLimits,
    trim: Option<TrimRange>,
) -> Result<(), MediaError> {
    if info.bytes > limits.max_video_input_bytes {
        return Err(MediaError::TooLarge {
            bytes: info.bytes,
            max_bytes: limits.max_video_input_bytes,
        });
    }
    let kept = match trim {
        Some(t) => t.end_ms.min(info.duration_ms).saturating_sub(t.start_ms),
        None => info.duration_ms,
    };
    if kept > limits.max_video_seconds as u64 * 1000 {
        return Err(MediaError::VideoTooLong {
            seconds: kept as f64 / 1000.0,
            max_seconds: limits.max_video_seconds,
        });
    }
    Ok(())
}

/// Transcode `src` into `dest` within the tenant's limits and verify the result.
pub fn prepare_video(
    src: &Path,
    dest: &Path,
    limits: &MediaLimits,
    transcoder: &dyn VideoTranscoder,
) -> Result<PreparedMedia> {
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
    let result = transcode_bounded(transcoder, src, &tmp, &info, &target);
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

/// Transcode, inspect and verify; an output over [`max_output_bytes`] (an encoder that
/// overshoots its rate, as some phone encoders in VBR mode do) is made once more at a rate
/// lowered by the overshoot, then refused if still too large.
fn transcode_bounded(
    transcoder: &dyn VideoTranscoder,
    src: &Path,
    tmp: &Path,
    info: &VideoInfo,
    target: &VideoTarget,
) -> Result<VideoInfo> {
    let run = |ask: &VideoTarget| -> Result<(VideoInfo, u64)> {
        transcoder.transcode(src, tmp, ask)?;
        let out = inspect_video(tmp)?;
        verify(info, &out, target)?;
        let max = max_output_bytes(target, out.duration_ms);
        Ok((out, max))
    };
    let (out, max) = run(target)?;
    if out.bytes <= max {
        return Ok(out);
    }
    // Scale the video rate by how far the whole file overshot, with 10% to spare.
    let mut lower = target.clone();
    lower.video_kbps =
        ((target.video_kbps as f64 * max as f64 / out.bytes as f64 * 0.9) as u32).max(64);
    tracing::info!(
        bytes = out.bytes,
        max,
        video_kbps = lower.video_kbps,
        "transcoder overshot its bitrate; once more, lower"
    );
    let (out, max) = run(&lower)?;
    if out.bytes <= max {
        return Ok(out);
    }
    Err(MediaError::BadOutput(format!(
        "{} bytes for {} ms exceeds {max} bytes ({} + {} kbit/s)",
        out.bytes, out.duration_ms, target.video_kbps, target.audio_kbps
    ))
    .into())
}

/// Long edge of the poster frame sent with a video (a feed thumbnail or a half-screen still
/// on a phone), pixels.
pub const POSTER_EDGE: u32 = 640;
/// Byte budget of that poster (well under the server's `MAX_POSTER_BYTES`).
pub const POSTER_MAX_BYTES: u64 = 60_000;

/// A poster image for the video: the transcoder's still [`poster_time_ms`] in, then the
/// photo pipeline (so it is upright, within the photo budget and metadata-free whatever the
/// platform wrote).
pub fn prepare_poster(
    src: &Path,
    dest: &Path,
    limits: &MediaLimits,
    transcoder: &dyn VideoTranscoder,
) -> Result<PreparedMedia> {
    let info = inspect_video(src)?;
    let tmp = output::temp_path(dest, "poster.jpg");
    let result = transcoder
        .poster_frame(src, &tmp, poster_time_ms(info.duration_ms))
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
        return bad(format!(
            "duration {} ms, expected {want} ms",
            out.duration_ms
        ));
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
