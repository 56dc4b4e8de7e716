//! Foreign traits for what only the platform can do, each with an adapter onto the core's own
//! trait (the core defines the contract; these only carry it across the FFI):
//! - [`SecretStore`] → `phananh_core::api::SecretStore` (Keychain / Android Keystore),
//! - [`ImageDecoder`] → `phananh_core::media::ImageDecoder` (HEIC through ImageIO / Android),
//! - [`VideoTranscoder`] → `phananh_core::media::VideoTranscoder` (AVAssetExportSession / Media3).
//! The core calls them from its worker threads, never from the shell's main thread. A thrown
//! exception becomes a typed core error (media: `tool_failed`), never a crash.

use std::path::Path;
use std::sync::Arc;

use phananh_core::media::{MediaError, TrimRange, VideoTarget as CoreVideoTarget};
use phananh_core::Error as CoreError;

/// Failure reported by a platform implementation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum PlatformError {
    #[error("{reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        PlatformError::Failed { reason: e.reason }
    }
}

/// Secure key-value storage. Must be quick and must not call back into the core.
#[uniffi::export(foreign)]
pub trait SecretStore: Send + Sync {
    fn get(&self, key: String) -> Result<Option<String>, PlatformError>;
    fn set(&self, key: String, value: String) -> Result<(), PlatformError>;
    fn delete(&self, key: String) -> Result<(), PlatformError>;
}

/// Decodes a photo format the core cannot (HEIC) into a JPEG or PNG file at `dest`, upright,
/// with a long edge of at least `min_long_edge` pixels when the source has that many.
#[uniffi::export(foreign)]
pub trait ImageDecoder: Send + Sync {
    fn decode_to_file(
        &self,
        src: String,
        dest: String,
        min_long_edge: u32,
    ) -> Result<(), PlatformError>;
}

/// What a transcoded video must be: H.264 + AAC in MP4, upright, short edge ≤ `max_height`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VideoTarget {
    pub max_height: u32,
    pub video_kbps: u32,
    pub audio_kbps: u32,
    /// Keep only this part of the source, when set.
    pub trim_start_ms: Option<u64>,
    pub trim_end_ms: Option<u64>,
}

impl From<&CoreVideoTarget> for VideoTarget {
    fn from(t: &CoreVideoTarget) -> Self {
        Self {
            max_height: t.max_height,
            video_kbps: t.video_kbps,
            audio_kbps: t.audio_kbps,
            trim_start_ms: t.trim.as_ref().map(|r: &TrimRange| r.start_ms),
            trim_end_ms: t.trim.as_ref().map(|r| r.end_ms),
        }
    }
}

/// Transcodes videos and extracts poster frames. The core verifies the output afterwards.
#[uniffi::export(foreign)]
pub trait VideoTranscoder: Send + Sync {
    fn transcode(
        &self,
        src: String,
        dest: String,
        target: VideoTarget,
    ) -> Result<(), PlatformError>;
    /// Writes an upright JPEG still of the video at `at_ms` milliseconds from its start (the
    /// nearest frame; the core picks the time) to `dest_jpeg`.
    fn poster_frame(&self, src: String, dest_jpeg: String, at_ms: u64)
        -> Result<(), PlatformError>;
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn tool_failed(what: &str, e: PlatformError) -> CoreError {
    let PlatformError::Failed { reason } = e;
    CoreError::Media(MediaError::Tool(format!("{what}: {reason}")))
}

pub(crate) struct SecretStoreAdapter(pub Arc<dyn SecretStore>);

impl phananh_core::api::SecretStore for SecretStoreAdapter {
    fn get(&self, key: &str) -> phananh_core::Result<Option<String>> {
        self.0.get(key.to_owned()).map_err(secret_failed)
    }
    fn set(&self, key: &str, value: &str) -> phananh_core::Result<()> {
        self.0
            .set(key.to_owned(), value.to_owned())
            .map_err(secret_failed)
    }
    fn delete(&self, key: &str) -> phananh_core::Result<()> {
        self.0.delete(key.to_owned()).map_err(secret_failed)
    }
}

fn secret_failed(e: PlatformError) -> CoreError {
    CoreError::Internal(format!("secure storage: {e}"))
}

pub(crate) struct ImageDecoderAdapter(pub Arc<dyn ImageDecoder>);

impl phananh_core::media::ImageDecoder for ImageDecoderAdapter {
    fn decode_to_file(
        &self,
        src: &Path,
        dest: &Path,
        min_long_edge: u32,
    ) -> phananh_core::Result<()> {
        self.0
            .decode_to_file(path(src), path(dest), min_long_edge)
            .map_err(|e| tool_failed("image decoder", e))
    }
}

pub(crate) struct VideoTranscoderAdapter(pub Arc<dyn VideoTranscoder>);

impl phananh_core::media::VideoTranscoder for VideoTranscoderAdapter {
    fn transcode(
        &self,
        src: &Path,
        dest: &Path,
        target: &CoreVideoTarget,
    ) -> phananh_core::Result<()> {
        self.0
            .transcode(path(src), path(dest), target.into())
            .map_err(|e| tool_failed("video transcoder", e))
    }
    fn poster_frame(&self, src: &Path, dest_jpeg: &Path, at_ms: u64) -> phananh_core::Result<()> {
        self.0
            .poster_frame(path(src), path(dest_jpeg), at_ms)
            .map_err(|e| tool_failed("poster frame", e))
    }
}
