//! Officers' "after" photos for the verified-closure tests: a real camera photo
//! (`nikon_coolpix_p6000_gps_DSCN0010.jpg`, whose EXIF carries GPS and a capture time) copied
//! with its position and time rewritten by `exiftool`, and uploaded over tus as staff do.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use chrono::{DateTime, Utc};
use phananh_core::wire;

/// Metres per degree of latitude (mean Earth radius, the same as `wire::closure::distance_m`).
pub const M_PER_DEG_LAT: f64 = 111_195.08;

/// A copy of the real GPS photo in `dir` taken at `position` (`None`: no GPS at all) and at
/// `taken` (`None`: no capture time at all; else GPS time and the camera time in UTC).
pub fn photo_with(
    dir: &Path,
    name: &str,
    position: Option<(f64, f64)>,
    taken: Option<DateTime<Utc>>,
) -> PathBuf {
    let src = crate::shared_data().join("photos/nikon_coolpix_p6000_gps_DSCN0010.jpg");
    let out = dir.join(name);
    std::fs::copy(&src, &out).expect("copy photo");
    let mut args: Vec<String> = vec!["-overwrite_original".into(), "-q".into()];
    args.push("-gps:all=".into());
    if let Some((lat, lon)) = position {
        args.extend([
            format!("-GPSLatitude={}", lat.abs()),
            format!("-GPSLatitudeRef={}", if lat < 0.0 { "S" } else { "N" }),
            format!("-GPSLongitude={}", lon.abs()),
            format!("-GPSLongitudeRef={}", if lon < 0.0 { "W" } else { "E" }),
        ]);
    }
    match taken {
        Some(t) => {
            args.extend([
                format!("-DateTimeOriginal={}", t.format("%Y:%m:%d %H:%M:%S")),
                "-OffsetTimeOriginal=+00:00".into(),
            ]);
            if position.is_some() {
                args.extend([
                    format!("-GPSDateStamp={}", t.format("%Y:%m:%d")),
                    format!("-GPSTimeStamp={}", t.format("%H:%M:%S")),
                ]);
            }
        }
        None => args.extend([
            "-DateTimeOriginal=".into(),
            "-CreateDate=".into(),
            "-ModifyDate=".into(),
        ]),
    }
    let st = Command::new("exiftool")
        .args(&args)
        .arg(&out)
        .status()
        .expect("exiftool (libimage-exiftool-perl, scripts/ci/apt-packages.txt)");
    assert!(st.success(), "exiftool {args:?}");
    out
}

/// The point `north_m` metres north of (`lat`, `lon`).
pub fn north_of(lat: f64, lon: f64, north_m: f64) -> (f64, f64) {
    (lat + north_m / M_PER_DEG_LAT, lon)
}

/// Upload `path` as a JPEG with `access_token` (one tus creation-with-upload request) and
/// return the reference a case action attaches.
pub async fn upload_as(base_url: &str, access_token: &str, path: &Path) -> wire::NewMedia {
    let bytes = std::fs::read(path).expect("read photo");
    let url = tus_put_as(base_url, access_token, &bytes, "image/jpeg")
        .await
        .expect("tus creation");
    wire::NewMedia {
        poster: None,
        upload_url: url,
        sha256: crate::sync_support::sha256_hex(&bytes),
        kind: wire::MediaKind::Photo,
        mime: "image/jpeg".into(),
        captured_at: None,
    }
}

/// Upload `bytes` declared as `mime` with `access_token` in one tus creation-with-upload
/// request: the upload URL, or the refusal's status and body.
pub async fn tus_put_as(
    base_url: &str,
    access_token: &str,
    bytes: &[u8],
    mime: &str,
) -> Result<String, (u16, String)> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let resp = reqwest::Client::new()
        .post(format!("{base_url}files/"))
        .bearer_auth(access_token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", format!("filetype {}", b64(mime)))
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("tus upload");
    let status = resp.status().as_u16();
    if status != 201 {
        return Err((status, resp.text().await.unwrap_or_default()));
    }
    assert_eq!(
        resp.headers()["upload-offset"].to_str().unwrap(),
        bytes.len().to_string(),
        "whole file in one request"
    );
    Ok(resp.headers()["location"].to_str().unwrap().to_owned())
}
