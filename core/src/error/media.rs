//! Why a photo or video cannot be used. Each variant has a stable [`MediaError::code`] that
//! the shells localize ("ảnh bị hỏng", "video dài quá 60 giây", ...).

/// Typed media failure, carried by [`crate::Error::Media`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MediaError {
    #[error("empty file")]
    Empty,
    #[error("unsupported format: {0}")]
    Unsupported(String),
    /// The file ends before the image/container does (interrupted copy or download).
    #[error("truncated file: {0}")]
    Truncated(String),
    #[error("damaged file: {0}")]
    Corrupt(String),
    /// Declared dimensions exceed the pixel limit: refused before any pixel buffer is made.
    #[error("image of {width}x{height} exceeds the limit of {max_pixels} pixels")]
    TooManyPixels {
        width: u64,
        height: u64,
        max_pixels: u64,
    },
    /// Processing would need more working memory than the decode budget allows (e.g. a
    /// progressive JPEG or a WebP whose full-size buffers do not fit): refused from the
    /// header, before any pixel buffer is made.
    #[error(
        "image needs {needed_bytes} bytes of working memory, over the budget of {budget_bytes}"
    )]
    OverBudget {
        needed_bytes: u64,
        budget_bytes: u64,
    },
    #[error("file of {bytes} bytes exceeds the limit of {max_bytes}")]
    TooLarge { bytes: u64, max_bytes: u64 },
    #[error("video of {seconds:.1} s exceeds the limit of {max_seconds} s")]
    VideoTooLong { seconds: f64, max_seconds: u32 },
    /// A HEIC (or other platform-only format) arrived and no platform decoder was given.
    #[error("no decoder for {0} on this platform")]
    NoDecoder(String),
    /// The platform decoder/transcoder (or the ffmpeg/heif-convert tool) failed.
    #[error("media tool failed: {0}")]
    Tool(String),
    /// The processed output did not pass verification (wrong size, codec, duration).
    #[error("processed output failed verification: {0}")]
    BadOutput(String),
    #[error("{0}")]
    Other(String),
}

impl MediaError {
    /// Stable code for the shells.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Empty => "empty",
            MediaError::Unsupported(_) => "unsupported_format",
            MediaError::Truncated(_) => "truncated",
            MediaError::Corrupt(_) => "corrupt",
            MediaError::TooManyPixels { .. } => "too_many_pixels",
            MediaError::OverBudget { .. } => "over_memory_budget",
            MediaError::TooLarge { .. } => "too_large",
            MediaError::VideoTooLong { .. } => "video_too_long",
            MediaError::NoDecoder(_) => "no_decoder",
            MediaError::Tool(_) => "tool_failed",
            MediaError::BadOutput(_) => "bad_output",
            MediaError::Other(_) => "other",
        }
    }
}

/// Older call sites build media errors from text; they become [`MediaError::Other`]
/// (or [`MediaError::Empty`] for the one message that has a proper variant).
impl From<&str> for MediaError {
    fn from(s: &str) -> Self {
        if s == "empty file" {
            MediaError::Empty
        } else {
            MediaError::Other(s.to_owned())
        }
    }
}

impl From<String> for MediaError {
    fn from(s: String) -> Self {
        MediaError::from(s.as_str())
    }
}
