//! Colour profiles: phone photos are often Display P3 or carry a camera profile. The upload
//! carries no profile (metadata-free), so pixels are converted to sRGB, which every viewer
//! assumes for untagged JPEGs. Done after the resize, on the small buffer.

use moxcms::{ColorProfile, Layout, TransformOptions};

/// Convert interleaved RGB in place from `icc` to sRGB. An unreadable or unsupported
/// profile leaves the pixels as they are (the photo is still useful, colours slightly off).
pub fn to_srgb(px: &mut Vec<u8>, icc: &[u8]) {
    if let Some(c) = ToSrgb::new(icc) {
        c.apply(px);
    }
}

/// A prepared profile → sRGB transform, applied strip by strip while a photo streams.
pub struct ToSrgb(std::sync::Arc<moxcms::Transform8BitExecutor>);

impl ToSrgb {
    /// `None` when the profile is unreadable or not convertible (pixels are then kept).
    pub fn new(icc: &[u8]) -> Option<Self> {
        let Ok(src) = ColorProfile::new_from_slice(icc) else {
            tracing::debug!("unreadable ICC profile ignored");
            return None;
        };
        let srgb = ColorProfile::new_srgb();
        match src.create_transform_8bit(
            Layout::Rgb,
            &srgb,
            Layout::Rgb,
            TransformOptions::default(),
        ) {
            Ok(t) => Some(Self(t)),
            Err(e) => {
                tracing::debug!(error = ?e, "ICC profile not convertible; kept as is");
                None
            }
        }
    }

    /// Convert whole RGB pixels in place.
    pub fn apply(&self, px: &mut [u8]) {
        let mut out = vec![0u8; px.len()];
        if self.0.transform(px, &mut out).is_ok() {
            px.copy_from_slice(&out);
        }
    }
}
