//! Desktop adapters of the core's platform hooks, for the `phananh` CLI, the demo and the
//! tests: [`FfmpegTranscoder`] (Debian's `ffmpeg`) for [`VideoTranscoder`] and
//! [`HeifConvertDecoder`] (`heif-convert` from libheif-examples) for [`ImageDecoder`]. Phones
//! use Media3/AVFoundation and the platform image decoders instead, so nothing here is linked
//! into the apps' library.

use std::path::Path;
use std::process::Command;

use phananh_core::error::{Error, Result};
use phananh_core::media::{ImageDecoder, MediaError, VideoTarget, VideoTranscoder};

/// [`VideoTranscoder`] using the `ffmpeg` program (Debian's), for the CLI and tests.
#[derive(Debug, Clone)]
pub struct FfmpegTranscoder {
    pub program: String,
    /// x264 preset: speed against size.
    pub preset: String,
}

impl Default for FfmpegTranscoder {
    fn default() -> Self {
        Self {
            program: "ffmpeg".into(),
            preset: "veryfast".into(),
        }
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
            Err(MediaError::Tool(format!(
                "ffmpeg: {}",
                err.trim().lines().last().unwrap_or("failed")
            ))
            .into())
        }
    }

    /// Scale so the short edge is at most `h` (never up), even dimensions for H.264.
    fn scale_filter(h: u32) -> String {
        format!(
            "scale='if(gte(iw,ih),-2,min(iw,{h}))':'if(gte(iw,ih),min(ih,{h}),-2)',format=yuv420p"
        )
    }
}

impl VideoTranscoder for FfmpegTranscoder {
    fn transcode(&self, src: &Path, dest: &Path, t: &VideoTarget) -> Result<()> {
        let mut args: Vec<String> = vec![];
        if let Some(trim) = t.trim {
            args.extend([
                "-ss".into(),
                format!("{:.3}", trim.start_ms as f64 / 1000.0),
            ]);
            args.extend([
                "-t".into(),
                format!(
                    "{:.3}",
                    trim.end_ms.saturating_sub(trim.start_ms) as f64 / 1000.0
                ),
            ]);
        }
        // ffmpeg auto-rotates: the display matrix is applied to the pixels and dropped.
        args.extend(["-i".into(), src.to_string_lossy().into_owned()]);
        for a in [
            "-map",
            "0:v:0",
            "-map",
            "0:a:0?",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-c:v",
            "libx264",
            "-profile:v",
            "high",
            "-c:a",
            "aac",
            "-ac",
            "2",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
        ] {
            args.push(a.into());
        }
        args.extend([
            "-preset".into(),
            self.preset.clone(),
            "-vf".into(),
            Self::scale_filter(t.max_height),
        ]);
        // Rate control bounded by the target: the average at `video_kbps`, never more than
        // that over any second beyond a one-second buffer (VBV), which is what the core's
        // `max_output_bytes` allows; audio at `audio_kbps` (AAC, average bitrate).
        args.extend([
            "-b:v".into(),
            format!("{}k", t.video_kbps),
            "-maxrate".into(),
            format!("{}k", t.video_kbps),
        ]);
        args.extend([
            "-bufsize".into(),
            format!("{}k", t.video_kbps),
            "-b:a".into(),
            format!("{}k", t.audio_kbps),
        ]);
        args.push(dest.to_string_lossy().into_owned());
        self.run(&args)
    }

    fn poster_frame(&self, src: &Path, dest_jpeg: &Path, at_ms: u64) -> Result<()> {
        // The frame at `at_ms` (input seeking decodes up to it exactly); should the container
        // end before (a duration that lied), the first frame.
        let at = format!("{:.3}", at_ms as f64 / 1000.0);
        for at in [at.as_str(), "0"] {
            let args: Vec<String> = [
                "-ss",
                at,
                "-i",
                &src.to_string_lossy(),
                "-frames:v",
                "1",
                "-map_metadata",
                "-1",
                "-q:v",
                "3",
                "-f",
                "image2",
                "-c:v",
                "mjpeg",
                &dest_jpeg.to_string_lossy(),
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

/// [`ImageDecoder`] for the CLI and tests: `heif-convert` from Debian's libheif-examples,
/// writing a quality-95 JPEG (libheif applies `irot`/`imir`, so the result is upright).
#[derive(Debug, Clone)]
pub struct HeifConvertDecoder {
    pub program: String,
}

impl Default for HeifConvertDecoder {
    fn default() -> Self {
        Self {
            program: "heif-convert".into(),
        }
    }
}

impl ImageDecoder for HeifConvertDecoder {
    fn decode_to_file(&self, src: &Path, dest: &Path, _min_long_edge: u32) -> Result<()> {
        // heif-convert picks the output format from the suffix.
        let tmp = dest.with_extension("heifconv.jpg");
        let out = Command::new(&self.program)
            .args(["--quiet", "-q", "95"])
            .arg(src)
            .arg(&tmp)
            .output()
            .map_err(|e| MediaError::Tool(format!("{}: {e}", self.program)))?;
        if !out.status.success() || !tmp.exists() {
            let _ = std::fs::remove_file(&tmp);
            let msg = String::from_utf8_lossy(&out.stderr);
            return Err(MediaError::Corrupt(format!("heif-convert: {}", msg.trim())).into());
        }
        std::fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e))
    }
}
