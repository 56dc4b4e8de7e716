//! EXIF orientation applied to pixels, so the uploaded file is upright without any tag.

use serde::Serialize;

/// EXIF Orientation 1–8: how the stored pixels must be turned to be shown upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "u8")]
pub enum Orientation {
    Normal = 1,
    MirrorHorizontal = 2,
    Rotate180 = 3,
    MirrorVertical = 4,
    Transpose = 5,
    Rotate90 = 6,
    Transverse = 7,
    Rotate270 = 8,
}

impl From<Orientation> for u8 {
    fn from(o: Orientation) -> u8 {
        o as u8
    }
}

impl Orientation {
    pub fn from_exif(v: u32) -> Option<Self> {
        use Orientation::*;
        Some(match v {
            1 => Normal,
            2 => MirrorHorizontal,
            3 => Rotate180,
            4 => MirrorVertical,
            5 => Transpose,
            6 => Rotate90,
            7 => Transverse,
            8 => Rotate270,
            _ => return None,
        })
    }

    /// Orientations 5–8 swap width and height.
    pub fn swaps_axes(self) -> bool {
        (self as u8) >= 5
    }

    /// Upright size of an image stored as `w`×`h`.
    pub fn upright(self, w: u32, h: u32) -> (u32, u32) {
        if self.swaps_axes() {
            (h, w)
        } else {
            (w, h)
        }
    }
}

/// Turn an interleaved image (`channels` bytes per pixel, `w`×`h`) upright.
/// Returns the new pixels and size; `Normal` returns the input untouched.
pub fn apply(
    o: Orientation,
    px: Vec<u8>,
    w: usize,
    h: usize,
    channels: usize,
) -> (Vec<u8>, usize, usize) {
    if o == Orientation::Normal {
        return (px, w, h);
    }
    let (ow, oh) = if o.swaps_axes() { (h, w) } else { (w, h) };
    let mut out = vec![0u8; px.len()];
    for oy in 0..oh {
        let row = &mut out[oy * ow * channels..(oy + 1) * ow * channels];
        for ox in 0..ow {
            // Source pixel that lands at (ox, oy) once shown upright.
            let (sx, sy) = match o {
                Orientation::Normal => (ox, oy),
                Orientation::MirrorHorizontal => (w - 1 - ox, oy),
                Orientation::Rotate180 => (w - 1 - ox, h - 1 - oy),
                Orientation::MirrorVertical => (ox, h - 1 - oy),
                Orientation::Transpose => (oy, ox),
                Orientation::Rotate90 => (oy, h - 1 - ox),
                Orientation::Transverse => (w - 1 - oy, h - 1 - ox),
                Orientation::Rotate270 => (w - 1 - oy, ox),
            };
            let s = (sy * w + sx) * channels;
            row[ox * channels..(ox + 1) * channels].copy_from_slice(&px[s..s + channels]);
        }
    }
    (out, ow, oh)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 one-channel image:  1 2 3 / 4 5 6.
    fn img() -> Vec<u8> {
        vec![1, 2, 3, 4, 5, 6]
    }

    #[test]
    fn each_orientation_moves_pixels_as_exif_defines() {
        let cases: [(u32, &[u8], usize); 8] = [
            (1, &[1, 2, 3, 4, 5, 6], 3),
            (2, &[3, 2, 1, 6, 5, 4], 3),
            (3, &[6, 5, 4, 3, 2, 1], 3),
            (4, &[4, 5, 6, 1, 2, 3], 3),
            (5, &[1, 4, 2, 5, 3, 6], 2),
            // Stored rotated 90° counter-clockwise; shown by turning clockwise.
            (6, &[4, 1, 5, 2, 6, 3], 2),
            (7, &[6, 3, 5, 2, 4, 1], 2),
            (8, &[3, 6, 2, 5, 1, 4], 2),
        ];
        for (v, want, ow) in cases {
            let o = Orientation::from_exif(v).unwrap();
            let (px, w, h) = apply(o, img(), 3, 2, 1);
            assert_eq!((px.as_slice(), w), (want, ow), "orientation {v}");
            assert_eq!(w * h, 6);
            assert_eq!(o.upright(3, 2), (w as u32, h as u32));
        }
        assert_eq!(Orientation::from_exif(0), None);
        assert_eq!(Orientation::from_exif(9), None);
    }
}
