//! Media over loopback: files are checked by parsing, photos lose their metadata on the
//! server (answer photos included), downloads carry `nosniff` and a sandboxing CSP.
//! (Streaming with bounded memory and videos needing sign-in: media_memory.rs, alone in its
//! process so its memory figure is its own.)

mod common;

use common::*;
use phananh_wire::{problem_types as pt, Report, Role};
use reqwest::Method;
use serde_json::json;

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

async fn tus_create(api: &Api, token: &str, len: u64, mime: &str) -> String {
    let r = api
        .req(Method::POST, "files/", Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header("Upload-Metadata", tus_meta(&[("filetype", mime)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn tus_patch(
    api: &Api,
    token: &str,
    url: &str,
    offset: u64,
    chunk: Vec<u8>,
) -> reqwest::Response {
    api.req(Method::PATCH, url, Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(chunk)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_file_must_parse_as_what_it_claims() {
    let api = Api::start().await;
    let t = api.login("0918000002").await.access_token;
    // `ftyp` first (what the old sniffing accepted as video/mp4), then not a movie at all.
    let mut fake = bx(b"ftyp", b"isom\0\0\x02\0isom");
    fake.extend(b"<html><script>alert(1)</script></html>".repeat(20));
    let url = tus_create(&api, &t, fake.len() as u64, "video/mp4").await;
    let p = problem(
        tus_patch(&api, &t, &url, 0, fake).await,
        415,
        pt::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert!(p.detail.unwrap().contains("MP4"));
    let r = api
        .req(Method::HEAD, &url, Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "removed");
    // A JPEG header followed by garbage.
    let mut bad = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    bad.extend(b"JFIF\0junkjunkjunkjunkjunk".repeat(10));
    let url = tus_create(&api, &t, bad.len() as u64, "image/jpeg").await;
    problem(
        tus_patch(&api, &t, &url, 0, bad).await,
        415,
        pt::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    api.stub.shutdown().await;
}

/// The EXIF payload (after `Exif\0\0`) of a JPEG's APP1, if any.
fn exif_of(b: &[u8]) -> Option<Vec<u8>> {
    let mut i = 2;
    while i + 4 <= b.len() && b[i] == 0xFF {
        let m = b[i + 1];
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if m == 0xE1 && b[i + 4..].starts_with(b"Exif\0\0") {
            return Some(b[i + 10..i + 2 + len].to_vec());
        }
        if m == 0xDA {
            return None;
        }
        i += 2 + len;
    }
    None
}

#[tokio::test]
async fn answer_photos_lose_their_gps_and_keep_their_orientation() {
    let api = Api::start().await;
    let resident = api.login("0918000003").await.access_token;
    let (id, _) = api
        .report_with_photo(&resident, "Nắp cống bị vỡ trên vỉa hè", THANH_SEN)
        .await;
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    for a in [json!({"action": "accept"}), json!({"action": "start"})] {
        assert_eq!(api.act(&officer, &id, a).await.status(), 200);
    }
    // Straight from a camera: EXIF with GPS (tag 0x8825) and orientation 6.
    let bytes = photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
    let original = exif_of(&bytes).expect("the sample has EXIF");
    let has_gps = |e: &[u8]| {
        e.windows(2).any(|w| w == [0x88, 0x25]) || e.windows(2).any(|w| w == [0x25, 0x88])
    };
    assert!(has_gps(&original));
    let url = api.upload(&officer, &bytes, "image/jpeg").await;
    let media = json!([{"upload_url": url, "sha256": sha256_hex(&bytes), "kind": "photo", "mime": "image/jpeg"}]);
    let r = api
        .act(
            &officer,
            &id,
            json!({"action": "resolve", "message": "Đã thay nắp cống mới", "media": media}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let done: Report = r.json().await.unwrap();
    let m = &done.timeline.last().unwrap().media[0];
    let r = api.get(&m.url, None).await;
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let got = r.bytes().await.unwrap();
    assert_eq!(sha256_hex(&got), m.sha256);
    let exif = exif_of(&got).expect("orientation kept");
    assert!(
        !has_gps(&exif) && exif.len() < 40,
        "only the orientation is left: {exif:?}"
    );
    assert_eq!(&exif[..2], b"MM");
    assert_eq!(u16::from_be_bytes([exif[18], exif[19]]), 6, "orientation 6");
    // Still the same picture.
    let (w0, h0) = image::load_from_memory(&bytes)
        .map(|i| (i.width(), i.height()))
        .unwrap();
    let (w1, h1) = image::load_from_memory(&got)
        .map(|i| (i.width(), i.height()))
        .unwrap();
    assert_eq!((w0, h0), (w1, h1));
    // The resident's photo went through the same stripping.
    let rep: Report = api
        .get(&format!("api/v1/reports/{id}"), Some(&resident))
        .await
        .json()
        .await
        .unwrap();
    let own = api
        .get(&rep.media[0].url, None)
        .await
        .bytes()
        .await
        .unwrap();
    assert!(exif_of(&own).is_none_or(|e| !has_gps(&e)));
    api.stub.shutdown().await;
}
