//! `phananh media ...`: the photo/video pipeline from a terminal (checks and benchmarks).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use phananh_core::config::MediaLimits;
use phananh_core::media::{self, CompressOptions, Encoder};
use phananh_desktop::HeifConvertDecoder;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Print what a photo or video says about itself (EXIF / container), as JSON.
    Inspect {
        file: PathBuf,
        /// JSON output (the only format; accepted for scripts that pass it).
        #[arg(long)]
        json: bool,
    },
    /// Compress a photo to an upright, metadata-free JPEG; prints
    /// {width, height, bytes, quality, millis}.
    Compress {
        input: PathBuf,
        output: PathBuf,
        /// Long edge of the output in pixels (tenant default 1920).
        #[arg(long)]
        max_edge: Option<u32>,
        /// Byte budget of the output (tenant default 500000).
        #[arg(long)]
        max_bytes: Option<u64>,
        /// Highest JPEG quality to use; lowered only as far as the budget needs.
        #[arg(long)]
        quality: Option<u8>,
        /// Encoder settings (trellis is the app's; plain is libjpeg-turbo's, for comparison).
        #[arg(long, value_enum, default_value_t = EncoderArg::Trellis)]
        encoder: EncoderArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EncoderArg {
    Trellis,
    Plain,
}

pub fn run(cmd: MediaCommand) -> anyhow::Result<()> {
    let decoder = HeifConvertDecoder::default();
    match cmd {
        MediaCommand::Inspect { file, json: _ } => {
            let format = media::sniff_file(&file).with_context(|| file.display().to_string())?;
            let value = match format.kind() {
                phananh_core::model::MediaKind::Photo => {
                    serde_json::to_value(media::inspect_photo(&file, Some(&decoder))?)?
                }
                phananh_core::model::MediaKind::Video => {
                    serde_json::to_value(media::inspect_video(&file)?)?
                }
            };
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        MediaCommand::Compress {
            input,
            output,
            max_edge,
            max_bytes,
            quality,
            encoder,
        } => {
            let limits = MediaLimits::default();
            let mut opts = CompressOptions::from_limits(&limits);
            if let Some(e) = max_edge {
                opts.max_edge = e.max(1);
            }
            if let Some(b) = max_bytes {
                opts.max_bytes = b;
            }
            if let Some(q) = quality {
                opts.max_quality = q.clamp(1, 100);
                opts.min_quality = opts.min_quality.min(opts.max_quality);
            }
            opts.encoder = match encoder {
                EncoderArg::Trellis => Encoder::Trellis,
                EncoderArg::Plain => Encoder::Plain,
            };
            let start = Instant::now();
            let c = media::compress_photo(&input, &opts, Some(&decoder))?;
            std::fs::write(&output, &c.jpeg).with_context(|| output.display().to_string())?;
            let millis = start.elapsed().as_millis() as u64;
            let out = json!({
                "width": c.width, "height": c.height, "bytes": c.jpeg.len(),
                "quality": c.quality, "millis": millis,
            });
            println!("{out}");
        }
    }
    Ok(())
}
