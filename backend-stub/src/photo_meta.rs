//! Where and when a photo says it was taken, read from its EXIF before [`crate::strip`]
//! removes it (verified closure, issue 13). Kept per upload; the file served has none of it.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use exif::{Field, In, Reader, Tag, Value};

/// The province's zone (Vietnam, UTC+7), for a capture time written without an offset.
pub const LOCAL_OFFSET_S: i32 = 7 * 3600;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PhotoMeta {
    /// (lat, lon) of the GPS fix.
    pub position: Option<(f64, f64)>,
    pub taken_at: Option<DateTime<Utc>>,
}

/// Position and capture time of a photo's bytes; nothing when it carries no EXIF.
pub fn read(bytes: &[u8]) -> PhotoMeta {
    let Ok(exif) = Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) else {
        return PhotoMeta::default();
    };
    let get = |tag| exif.get_field(tag, In::PRIMARY);
    let position = (|| {
        let mut lat = dms(get(Tag::GPSLatitude)?)?;
        let mut lon = dms(get(Tag::GPSLongitude)?)?;
        if ref_is(get(Tag::GPSLatitudeRef), b'S') {
            lat = -lat;
        }
        if ref_is(get(Tag::GPSLongitudeRef), b'W') {
            lon = -lon;
        }
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
    })();
    // GPS time is UTC by the standard; else the camera's clock with its offset, else local.
    let gps_time = (|| {
        let date = NaiveDate::parse_from_str(&ascii(get(Tag::GPSDateStamp)?)?, "%Y:%m:%d").ok()?;
        let t = &get(Tag::GPSTimeStamp)?.value;
        let (h, m, s) = (rational(t, 0)?, rational(t, 1)?, rational(t, 2)?);
        let time = NaiveTime::from_hms_opt(h as u32, m as u32, s as u32)?;
        Some(Utc.from_utc_datetime(&date.and_time(time)))
    })();
    let camera_time = (|| {
        let local = NaiveDateTime::parse_from_str(
            &ascii(get(Tag::DateTimeOriginal)?)?,
            "%Y:%m:%d %H:%M:%S",
        )
        .ok()?;
        let offset = get(Tag::OffsetTimeOriginal)
            .and_then(ascii)
            .and_then(|s| parse_offset(&s))
            .or_else(|| FixedOffset::east_opt(LOCAL_OFFSET_S))?;
        offset
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
    })();
    PhotoMeta {
        position,
        taken_at: gps_time.or(camera_time),
    }
}

fn dms(f: &Field) -> Option<f64> {
    let v = rational(&f.value, 0)?
        + rational(&f.value, 1)? / 60.0
        + rational(&f.value, 2).unwrap_or(0.0) / 3600.0;
    v.is_finite().then_some(v)
}

fn rational(v: &Value, i: usize) -> Option<f64> {
    match v {
        Value::Rational(r) => r
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
    let (h, m) = s.get(1..)?.split_once(':')?;
    FixedOffset::east_opt(sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_real_cameras_position_and_time() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/data/photos/nikon_coolpix_p6000_gps_DSCN0010.jpg");
        let Ok(bytes) = std::fs::read(&p) else {
            panic!("shared photo {p:?} missing");
        };
        let m = super::read(&bytes);
        let (lat, lon) = m.position.expect("position");
        assert!((lat - 43.46745).abs() < 1e-4 && (lon - 11.88513).abs() < 1e-4);
        assert!(m.taken_at.is_some());
        assert_eq!(super::read(b"not a photo"), super::PhotoMeta::default());
    }
}
