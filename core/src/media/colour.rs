//! Colour profiles: phone photos are often Display P3 or carry a camera profile. The upload
//! carries no profile (metadata-free), so pixels are converted to sRGB, which every viewer
//! assumes for untagged JPEGs. Done after the resize, on the small buffer.

use moxcms::{ColorProfile, Layout, TransformOptions};

/// Convert interleaved RGB in place from `icc` to sRGB. An unreadable or unsupported
/// profile leaves the pixels as they are (the photo is still useful, colours slightly off).
pub fn to_srgb(px: &mut Vec<u8>, icc: &[u8]) {
    let Ok(src) = ColorProfile::new_from_slice(icc) else {
        tracing::debug!("unreadable ICC profile ignored");
        return;
    };
    let srgb = ColorProfile::new_srgb();
    let transform = match src.create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, TransformOptions::default()) {
        Ok(t) => t,
        Err(e) => {
            tracing::debug!(error = ?e, "ICC profile not convertible; kept as is");
            return;
        }
    };
    let mut out = vec![0u8; px.len()];
    if transform.transform(px, &mut out).is_ok() {
        *px = out;
    }
}
