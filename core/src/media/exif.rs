//! EXIF facts a report needs (orientation, GPS, capture time) and a few shown in inspection
//! (make, model), read with kamadak-exif from JPEG, PNG, WebP and HEIC containers.
//!
//! Broken EXIF never makes a photo unusable: a tag we cannot read is simply absent.

use std::io::BufReader;
use std::path::Path;

use ::exif::{Field, In, Reader, Tag, Value};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use super::orient::Orientation;

/// Position recorded by the camera.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GpsInfo {
    pub lat: f64,
    pub lon: f64,
    /// Metres above sea level (negative below).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt: Option<f64>,
    /// GPSHPositioningError, metres, when the camera wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// GPSDateStamp + GPSTimeStamp (always UTC by the EXIF standard).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
}

/// DateTimeOriginal is wall-clock time; the offset comes from OffsetTimeOriginal (EXIF 2.31)
/// when the camera wrote it. Older cameras do not, so the zone may be unknown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapturedAt {
    pub local: NaiveDateTime,
    pub offset: Option<FixedOffset>,
}

impl CapturedAt {
    /// The instant, assuming `zone` when the photo does not say (the tenant's zone: a photo
    /// picked from a resident's gallery was almost surely taken in the province).
    pub fn to_utc(&self, zone: FixedOffset) -> DateTime<Utc> {
        let off = self.offset.unwrap_or(zone);
        match off.from_local_datetime(&self.local).single() {
            Some(t) => t.with_timezone(&Utc),
            None => Utc.from_utc_datetime(&self.local),
        }
    }

    /// RFC 3339 with the offset when known, else the bare local time (`2017-02-09T19:51:38`).
    pub fn to_rfc3339(&self) -> String {
        match self
            .offset
            .and_then(|o| o.from_local_datetime(&self.local).single())
        {
            Some(t) => t.to_rfc3339(),
            None => self.local.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }
}

impl Serialize for CapturedAt {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifFacts {
    pub orientation: Option<Orientation>,
    pub gps: Option<GpsInfo>,
    pub captured_at: Option<CapturedAt>,
    pub make: Option<String>,
    pub model: Option<String>,
    /// PixelXDimension/PixelYDimension, used for HEIC when the container gives no size.
    pub pixel_dims: Option<(u32, u32)>,
}

/// EXIF larger than this is ignored. A JPEG's EXIF fits one 64 KB segment; PNG and WebP
/// chunks are unbounded, and parsing multiplies memory (an ASCII field of N zero bytes
/// becomes N empty strings of 24 bytes each), so a huge block is treated as absent.
pub const MAX_EXIF_BYTES: u64 = 1 << 20;

/// Size of the EXIF chunk of a PNG (`eXIf`) or WebP (`EXIF`), found by walking the chunk
/// headers (bodies are skipped by seeking). `None` when absent or not such a file.
fn exif_chunk_len(file: &mut std::fs::File) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut head = [0u8; 12];
    file.read_exact(&mut head).ok()?;
    let (png, webp) = (
        head.starts_with(b"\x89PNG\r\n\x1a\n"),
        &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP",
    );
    let mut pos: u64 = if png {
        8
    } else if webp {
        12
    } else {
        return None;
    };
    for _ in 0..100_000 {
        file.seek(SeekFrom::Start(pos)).ok()?;
        let mut h = [0u8; 8];
        file.read_exact(&mut h).ok()?;
        let (len, kind) = if png {
            (
                u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64,
                [h[4], h[5], h[6], h[7]],
            )
        } else {
            (
                u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as u64,
                [h[0], h[1], h[2], h[3]],
            )
        };
        if (png && &kind == b"eXIf") || (webp && &kind == b"EXIF") {
            return Some(len);
        }
        if png && &kind == b"IEND" {
            return None;
        }
        pos += 8 + len + if png { 4 } else { len & 1 };
    }
    None
}

/// Read the EXIF facts of a file; a file without (readable) EXIF gives empty facts.
pub fn read(path: &Path) -> ExifFacts {
    let Ok(mut file) = std::fs::File::open(path) else {
        return ExifFacts::default();
    };
    if let Some(len) = exif_chunk_len(&mut file) {
        if len > MAX_EXIF_BYTES {
            tracing::debug!(len, "oversized EXIF chunk ignored");
            return ExifFacts::default();
        }
    }
    let Ok(file) = std::fs::File::open(path) else {
        return ExifFacts::default();
    };
    let exif = match Reader::new().read_from_container(&mut BufReader::new(file)) {
        Ok(e) => e,
        Err(::exif::Error::NotFound(_)) => return ExifFacts::default(),
        Err(e) => {
            tracing::debug!(error = %e, "unreadable EXIF ignored");
            return ExifFacts::default();
        }
    };
    let get = |tag| exif.get_field(tag, In::PRIMARY);
    let orientation = get(Tag::Orientation)
        .and_then(|f| f.value.get_uint(0))
        .and_then(Orientation::from_exif);
    let make = get(Tag::Make).and_then(ascii);
    let model = get(Tag::Model).and_then(ascii);
    let captured_at = get(Tag::DateTimeOriginal)
        .or_else(|| get(Tag::DateTime))
        .and_then(ascii)
        .and_then(|s| NaiveDateTime::parse_from_str(&s, "%Y:%m:%d %H:%M:%S").ok())
        .map(|local| CapturedAt {
            local,
            offset: get(Tag::OffsetTimeOriginal)
                .or_else(|| get(Tag::OffsetTime))
                .and_then(ascii)
                .and_then(|s| parse_offset(&s)),
        });
    let pixel_dims = match (get(Tag::PixelXDimension), get(Tag::PixelYDimension)) {
        (Some(x), Some(y)) => x.value.get_uint(0).zip(y.value.get_uint(0)),
        _ => None,
    };
    let gps = gps(&exif);
    let captured_at =
        captured_at.map(
            |c| match (c.offset, gps.as_ref().and_then(|g| g.timestamp)) {
                (None, Some(utc)) => CapturedAt {
                    offset: offset_from_gps(c.local, utc),
                    ..c
                },
                _ => c,
            },
        );
    ExifFacts {
        orientation,
        gps,
        captured_at,
        make,
        model,
        pixel_dims,
    }
}

/// Cameras without OffsetTimeOriginal often still record GPS time (UTC) at the shot: the
/// difference from the wall-clock time, when it is close to a whole quarter hour, is the
/// zone the photo was taken in.
fn offset_from_gps(local: NaiveDateTime, utc: DateTime<Utc>) -> Option<FixedOffset> {
    let diff = (local - utc.naive_utc()).num_seconds();
    let quarter = 15 * 60;
    let rounded = (diff as f64 / quarter as f64).round() as i64 * quarter;
    if (diff - rounded).abs() > 120 || rounded.abs() > 14 * 3600 {
        return None;
    }
    FixedOffset::east_opt(rounded as i32)
}

fn gps(exif: &::exif::Exif) -> Option<GpsInfo> {
    let get = |tag| exif.get_field(tag, In::PRIMARY);
    // An empty GPS IFD (seen on real phones with location off) has no latitude: no fix.
    let lat = dms(get(Tag::GPSLatitude)?)?;
    let lon = dms(get(Tag::GPSLongitude)?)?;
    let lat = if ref_is(get(Tag::GPSLatitudeRef), b'S') {
        -lat
    } else {
        lat
    };
    let lon = if ref_is(get(Tag::GPSLongitudeRef), b'W') {
        -lon
    } else {
        lon
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return None;
    }
    let alt = get(Tag::GPSAltitude)
        .and_then(|f| rational(&f.value, 0))
        .map(|a| {
            let below = get(Tag::GPSAltitudeRef).and_then(|f| f.value.get_uint(0)) == Some(1);
            if below {
                -a
            } else {
                a
            }
        });
    let accuracy = get(Tag::GPSHPositioningError).and_then(|f| rational(&f.value, 0));
    let timestamp = (|| {
        let date = NaiveDate::parse_from_str(&ascii(get(Tag::GPSDateStamp)?)?, "%Y:%m:%d").ok()?;
        let t = &get(Tag::GPSTimeStamp)?.value;
        let (h, m, s) = (rational(t, 0)?, rational(t, 1)?, rational(t, 2)?);
        let time = NaiveTime::from_hms_milli_opt(
            h as u32,
            m as u32,
            s as u32,
            ((s.fract()) * 1000.0) as u32,
        )?;
        Some(Utc.from_utc_datetime(&date.and_time(time)))
    })();
    Some(GpsInfo {
        lat,
        lon,
        alt,
        accuracy,
        timestamp,
    })
}

/// Degrees, minutes, seconds as three rationals.
fn dms(f: &Field) -> Option<f64> {
    let (d, m, s) = (
        rational(&f.value, 0)?,
        rational(&f.value, 1)?,
        rational(&f.value, 2).unwrap_or(0.0),
    );
    let v = d + m / 60.0 + s / 3600.0;
    v.is_finite().then_some(v)
}

fn rational(v: &Value, i: usize) -> Option<f64> {
    match v {
        Value::Rational(r) => r
            .get(i)
            .filter(|r| r.denom != 0)
            .map(|r| r.num as f64 / r.denom as f64),
        Value::SRational(r) => r
            .get(i)
            .filter(|r| r.denom != 0)
            .map(|r| r.num as f64 / r.denom as f64),
        _ => None,
    }
}

fn ref_is(f: Option<&Field>, c: u8) -> bool {
    matches!(f.map(|f| &f.value), Some(Value::Ascii(v)) if v.first().and_then(|s| s.first()) == Some(&c))
}

fn ascii(f: &Field) -> Option<String> {
    match &f.value {
        Value::Ascii(v) => {
            let s = String::from_utf8_lossy(v.first()?);
            let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            (!s.is_empty()).then(|| s.to_owned())
        }
        _ => None,
    }
}

/// "+07:00" / "-05:30".
fn parse_offset(s: &str) -> Option<FixedOffset> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = s[1..].split_once(':')?;
    let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("+07:00"), FixedOffset::east_opt(7 * 3600));
        assert_eq!(
            parse_offset("-05:30"),
            FixedOffset::east_opt(-(5 * 3600 + 1800))
        );
        assert_eq!(parse_offset("07:00"), None);
        assert_eq!(parse_offset("+xx:00"), None);
    }

    #[test]
    fn zone_is_inferred_from_gps_time_only_when_plausible() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y:%m:%d %H:%M:%S").unwrap();
        // Galaxy S7 in Paris: 19:51:38 local, GPS 18:51:28 UTC -> +01:00.
        let gps = Utc.from_utc_datetime(&t("2017:02:09 18:51:28"));
        assert_eq!(
            offset_from_gps(t("2017:02:09 19:51:38"), gps),
            FixedOffset::east_opt(3600)
        );
        // A stale GPS time (20 minutes off any zone) says nothing.
        let stale = Utc.from_utc_datetime(&t("2017:02:09 18:31:28"));
        assert_eq!(offset_from_gps(t("2017:02:09 19:51:38"), stale), None);
        let vn = Utc.from_utc_datetime(&t("2025:07:01 01:00:05"));
        assert_eq!(
            offset_from_gps(t("2025:07:01 08:00:00"), vn),
            FixedOffset::east_opt(7 * 3600)
        );
    }

    #[test]
    fn capture_time_without_offset_uses_the_assumed_zone() {
        let local =
            NaiveDateTime::parse_from_str("2025:07:01 08:00:00", "%Y:%m:%d %H:%M:%S").unwrap();
        let vn = FixedOffset::east_opt(7 * 3600).unwrap();
        let c = CapturedAt {
            local,
            offset: None,
        };
        assert_eq!(c.to_utc(vn).to_rfc3339(), "2025-07-01T01:00:00+00:00");
        assert_eq!(c.to_rfc3339(), "2025-07-01T08:00:00");
        let c = CapturedAt {
            local,
            offset: FixedOffset::east_opt(0),
        };
        assert_eq!(c.to_utc(vn).to_rfc3339(), "2025-07-01T08:00:00+00:00");
        assert_eq!(c.to_rfc3339(), "2025-07-01T08:00:00+00:00");
    }
}
