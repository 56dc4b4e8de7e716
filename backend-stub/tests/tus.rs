//! tus 1.0 contract over loopback: discovery, creation (+ with upload), offsets, checksums,
//! media-type checks, expiration, termination, and resuming after a broken or stalled PATCH.

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use phananh_stub::StubOptions;
use phananh_wire::problem_types as pt;
use reqwest::{Method, Response};
use sha1::{Digest, Sha1};
use tokio::io::AsyncWriteExt;

fn sha1_b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha1::digest(b))
}

async fn create(api: &Api, token: &str, len: usize, mime: &str) -> Response {
    api.req(Method::POST, "files/", Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header(
            "Upload-Metadata",
            tus_meta(&[("filename", "a.jpg"), ("filetype", mime)]),
        )
        .send()
        .await
        .unwrap()
}

async fn patch(
    api: &Api,
    token: &str,
    url: &str,
    offset: usize,
    chunk: &[u8],
    checksum: Option<String>,
) -> Response {
    let mut r = api
        .req(Method::PATCH, url, Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream");
    if let Some(c) = checksum {
        r = r.header("Upload-Checksum", c);
    }
    r.body(chunk.to_vec()).send().await.unwrap()
}

async fn head_offset(api: &Api, token: &str, url: &str) -> (u16, Option<u64>) {
    let r = api
        .req(Method::HEAD, url, Some(token))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    let off = r
        .headers()
        .get("upload-offset")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (r.status().as_u16(), off)
}

#[tokio::test]
async fn discovery_and_creation_rules() {
    let api = Api::with(StubOptions {
        max_upload_bytes: 1 << 20,
        ..StubOptions::for_tests()
    })
    .await;
    let t = api.login("0913000001").await.access_token;
    let r = api
        .req(Method::OPTIONS, "files/", None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    assert_eq!(
        r.headers()["tus-max-size"],
        (1u64 << 20).to_string().as_str()
    );
    assert_eq!(r.headers()["tus-checksum-algorithm"], "sha1");
    let ext = r.headers()["tus-extension"].to_str().unwrap().to_string();
    for e in [
        "creation",
        "creation-with-upload",
        "expiration",
        "termination",
        "checksum",
    ] {
        assert!(ext.split(',').any(|x| x == e), "{e}");
    }
    // Version missing → 412 naming the supported version.
    let r = api
        .req(Method::POST, "files/", Some(&t))
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["tus-version"], "1.0.0");
    problem(r, 412, pt::BAD_REQUEST).await;
    // No token.
    let r = api
        .req(Method::POST, "files/", None)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    problem(r, 401, pt::UNAUTHORIZED).await;
    // Too big for Tus-Max-Size.
    let r = create(&api, &t, (1 << 20) + 1, "image/jpeg").await;
    assert_eq!(
        r.headers()["tus-max-size"],
        (1u64 << 20).to_string().as_str()
    );
    problem(r, 413, pt::PAYLOAD_TOO_LARGE).await;
    // Types the app never sends.
    problem(
        create(&api, &t, 10, "text/html").await,
        415,
        pt::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    let r = api
        .req(Method::POST, "files/", Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    problem(r, 400, pt::BAD_REQUEST).await;
    let r = api
        .req(Method::POST, "files/", Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Defer-Length", "1")
        .send()
        .await
        .unwrap();
    problem(r, 400, pt::BAD_REQUEST).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn chunks_offsets_and_checksums() {
    let api = Api::start().await;
    let t = api.login("0913000002").await.access_token;
    let bytes = photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
    let r = create(&api, &t, bytes.len(), "image/jpeg").await;
    assert_eq!(r.status(), 201);
    assert!(r.headers().contains_key("upload-expires"));
    let url = r.headers()["location"].to_str().unwrap().to_string();
    assert!(url.starts_with(&api.base));

    let (a, rest) = bytes.split_at(50_000);
    let r = patch(&api, &t, &url, 0, a, Some(format!("sha1 {}", sha1_b64(a)))).await;
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["upload-offset"], "50000");
    // Wrong offset: 409 with the real one.
    let r = patch(&api, &t, &url, 0, a, None).await;
    assert_eq!(r.headers()["upload-offset"], "50000");
    problem(r, 409, pt::UPLOAD_OFFSET_MISMATCH).await;
    // Corrupted chunk: 460, nothing kept.
    let r = patch(
        &api,
        &t,
        &url,
        50_000,
        rest,
        Some(format!("sha1 {}", sha1_b64(b"other"))),
    )
    .await;
    problem(r, 460, pt::CHECKSUM_MISMATCH).await;
    assert_eq!(head_offset(&api, &t, &url).await, (200, Some(50_000)));
    problem(
        patch(&api, &t, &url, 50_000, rest, Some("md5 AAAA".into())).await,
        400,
        pt::BAD_REQUEST,
    )
    .await;
    let r = api
        .req(Method::PATCH, &url, Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "50000")
        .body(rest.to_vec())
        .send()
        .await
        .unwrap();
    problem(r, 415, pt::UNSUPPORTED_MEDIA_TYPE).await;
    // More than Upload-Length.
    let mut too_much = rest.to_vec();
    too_much.push(0);
    problem(
        patch(&api, &t, &url, 50_000, &too_much, None).await,
        413,
        pt::PAYLOAD_TOO_LARGE,
    )
    .await;
    // Someone else cannot see or touch it.
    let other = api.login("0913000003").await.access_token;
    assert_eq!(head_offset(&api, &other, &url).await.0, 404);
    problem(
        patch(&api, &other, &url, 50_000, rest, None).await,
        404,
        pt::NOT_FOUND,
    )
    .await;

    let r = patch(
        &api,
        &t,
        &url,
        50_000,
        rest,
        Some(format!("sha1 {}", sha1_b64(rest))),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        head_offset(&api, &t, &url).await,
        (200, Some(bytes.len() as u64))
    );
    // The assembled file is exactly the photo: the report accepts its sha256.
    let mut rep = new_report("Ảnh được tải lên theo từng phần", THANH_SEN);
    rep.media.push(phananh_wire::NewMedia {
        poster: None,
        upload_url: url.clone(),
        sha256: sha256_hex(&bytes),
        kind: phananh_wire::MediaKind::Photo,
        mime: "image/jpeg".into(),
        captured_at: None,
    });
    assert_eq!(api.create_report(&t, &rep).await.status(), 201);
    // An attached upload cannot be terminated.
    let r = api
        .req(Method::DELETE, &url, Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    problem(r, 409, pt::INVALID_TRANSITION).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn bytes_must_be_the_claimed_media_type() {
    let api = Api::start().await;
    let t = api.login("0913000004").await.access_token;
    let jpeg = photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg");
    let r = create(&api, &t, jpeg.len(), "image/png").await;
    let url = r.headers()["location"].to_str().unwrap().to_string();
    let p = problem(
        patch(&api, &t, &url, 0, &jpeg[..1000], None).await,
        415,
        pt::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert!(p.detail.unwrap().contains("image/jpeg"));
    assert_eq!(
        head_offset(&api, &t, &url).await.0,
        404,
        "a lying upload is removed"
    );
    // An HTML page sent as a video in one creation-with-upload request.
    let html = b"<!doctype html><html><body>not a video</body></html>".repeat(10);
    let r = api
        .req(Method::POST, "files/", Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", html.len().to_string())
        .header("Upload-Metadata", tus_meta(&[("filetype", "video/mp4")]))
        .header("Content-Type", "application/offset+octet-stream")
        .body(html)
        .send()
        .await
        .unwrap();
    problem(r, 415, pt::UNSUPPORTED_MEDIA_TYPE).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn termination_and_expiration() {
    let api = Api::with(StubOptions {
        upload_expiry: Duration::from_millis(400),
        ..StubOptions::for_tests()
    })
    .await;
    let t = api.login("0913000005").await.access_token;
    let url = create(&api, &t, 100, "image/jpeg").await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let r = api
        .req(Method::DELETE, &url, Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(head_offset(&api, &t, &url).await.0, 404);

    let url = create(&api, &t, 100, "image/jpeg").await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let id = url.rsplit('/').next().unwrap().to_string();
    assert!(api.stub.data_dir().join("uploads").join(&id).exists());
    tokio::time::sleep(Duration::from_millis(450)).await;
    // Expired: 410 until the sweeper removes it, then 404; the file goes too.
    let s = patch(&api, &t, &url, 0, &[0xFF, 0xD8, 0xFF], None)
        .await
        .status()
        .as_u16();
    assert!(s == 410 || s == 404, "{s}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while api.stub.data_dir().join("uploads").join(&id).exists() {
        assert!(Instant::now() < deadline, "expired upload file not removed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    api.stub.shutdown().await;
}

#[tokio::test]
async fn broken_and_stalled_patches_keep_what_arrived_and_resume() {
    let api = Api::start().await;
    let t = api.login("0913000006").await.access_token;
    let bytes = photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");

    // Cut connection: the bytes that arrived are kept.
    let url = create(&api, &t, bytes.len(), "image/jpeg").await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let s = partial_patch_from(&api, &t, &url, &bytes, 0, 60_000).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(s);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (st, off) = head_offset(&api, &t, &url).await;
    let off = off.unwrap() as usize;
    assert_eq!(st, 200);
    assert!(off > 0 && off <= 60_000, "{off}");

    // Stalled connection (still open): HEAD preempts it at once with the true offset.
    let s2 = partial_patch_from(&api, &t, &url, &bytes, off, 30_000).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t0 = Instant::now();
    let (st, off2) = head_offset(&api, &t, &url).await;
    assert_eq!(st, 200);
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "HEAD waited {:?}",
        t0.elapsed()
    );
    let off2 = off2.unwrap() as usize;
    assert!(off2 > off && off2 <= off + 30_000, "{off} -> {off2}");
    drop(s2);

    // Resume from the server's offset; never re-send acknowledged bytes.
    let r = patch(
        &api,
        &t,
        &url,
        off2,
        &bytes[off2..],
        Some(format!("sha1 {}", sha1_b64(&bytes[off2..]))),
    )
    .await;
    assert_eq!(r.status(), 204);
    let mut rep = new_report("Tải lên bị ngắt rồi tiếp tục", THANH_SEN);
    rep.media.push(phananh_wire::NewMedia {
        poster: None,
        upload_url: url,
        sha256: sha256_hex(&bytes),
        kind: phananh_wire::MediaKind::Photo,
        mime: "image/jpeg".into(),
        captured_at: None,
    });
    let r = api.create_report(&t, &rep).await;
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    // Served as recorded: the photo minus its metadata, the image data untouched.
    let got = api
        .get(v["media"][0]["url"].as_str().unwrap(), None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha256_hex(&got), v["media"][0]["sha256"].as_str().unwrap());
    let sos = got.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    assert!(bytes.ends_with(&got[sos..]) && got.len() < bytes.len());
    api.stub.shutdown().await;
}

/// Raw PATCH from `offset` announcing the rest of the file but sending only `sent` bytes.
async fn partial_patch_from(
    api: &Api,
    token: &str,
    url: &str,
    bytes: &[u8],
    offset: usize,
    sent: usize,
) -> tokio::net::TcpStream {
    let path = url.strip_prefix(api.base.trim_end_matches('/')).unwrap();
    let mut s = tokio::net::TcpStream::connect(api.stub.addr())
        .await
        .unwrap();
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: {offset}\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        api.stub.addr(),
        bytes.len() - offset
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&bytes[offset..offset + sent]).await.unwrap();
    s.flush().await.unwrap();
    s
}

#[tokio::test]
async fn shutdown_does_not_wait_for_a_stalled_upload() {
    let api = Api::start().await;
    let t = api.login("0913000007").await.access_token;
    let bytes = photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
    let url = create(&api, &t, bytes.len(), "image/jpeg").await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let _stalled = partial_patch_from(&api, &t, &url, &bytes, 0, 10_000).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t0 = Instant::now();
    api.stub.shutdown().await;
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "shutdown took {:?}",
        t0.elapsed()
    );
}

/// A creation request with an `Idempotency-Key`, sent with `body` (creation-with-upload) or
/// empty.
async fn create_keyed(
    api: &Api,
    token: &str,
    key: &str,
    len: usize,
    body: Option<&[u8]>,
) -> Response {
    let mut r = api
        .req(Method::POST, "files/", Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", len.to_string())
        .header("Upload-Metadata", tus_meta(&[("filetype", "image/jpeg")]))
        .header("Idempotency-Key", key);
    r = match body {
        Some(b) => r
            .header("Content-Type", "application/offset+octet-stream")
            .body(b.to_vec()),
        None => r,
    };
    r.send().await.unwrap()
}

/// The client's creation answer is lost (a cut, the app killed) and it sends the creation
/// again under the same key: it gets the upload it made and where it stands, never a second
/// upload; a key is the owner's alone, names one upload (not another length or type), and
/// is free again once that upload expired.
#[tokio::test]
async fn a_creation_sent_again_with_its_key_gets_the_upload_it_made() {
    let api = Api::with(StubOptions {
        upload_expiry: Duration::from_secs(2),
        ..StubOptions::for_tests()
    })
    .await;
    let a = api.login("0913000071").await.access_token;
    let b = api.login("0913000072").await.access_token;
    let whole = photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
    let small = &whole[..];
    let n = small.len().to_string();
    let bytes = photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg");

    // A file travels whole in its creation request; the answer is "lost".
    let first = create_keyed(&api, &a, "k-small", small.len(), Some(small)).await;
    assert_eq!(first.status(), 201);
    let url = first.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(first.headers()["upload-offset"], n.as_str());
    // Sent again, bytes and all: the same upload, complete, and still one upload.
    let again = create_keyed(&api, &a, "k-small", small.len(), Some(small)).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["location"].to_str().unwrap(), url);
    assert_eq!(again.headers()["upload-offset"], n.as_str());
    assert_eq!(api.stub.upload_count(), 1);
    // The quoted form of the draft standard names the same key.
    let quoted = create_keyed(&api, &a, "\"k-small\"", small.len(), None).await;
    assert_eq!(quoted.headers()["location"].to_str().unwrap(), url);

    // A file created empty, then partly sent: a replay says where it stands, and its
    // bytes are not taken again.
    let big = create_keyed(&api, &a, "k-big", bytes.len(), None).await;
    let big_url = big.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        patch(&api, &a, &big_url, 0, &bytes[..30_000], None)
            .await
            .status(),
        204
    );
    let replay = create_keyed(&api, &a, "k-big", bytes.len(), Some(&bytes[..50_000])).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["location"].to_str().unwrap(), big_url);
    assert_eq!(replay.headers()["upload-offset"], "30000");
    assert_eq!(head_offset(&api, &a, &big_url).await, (200, Some(30_000)));

    // The same key for another length: refused, nothing created.
    problem(
        create_keyed(&api, &a, "k-small", small.len() + 1, None).await,
        422,
        pt::IDEMPOTENCY_CONFLICT,
    )
    .await;
    assert_eq!(api.stub.upload_count(), 2);
    // Another resident's same key is another upload: keys never reach across owners.
    let theirs = create_keyed(&api, &b, "k-small", small.len(), None).await;
    assert_eq!(theirs.status(), 201);
    assert_ne!(theirs.headers()["location"].to_str().unwrap(), url);
    assert_eq!(
        head_offset(&api, &b, &url).await.0,
        404,
        "not theirs to see"
    );
    // Malformed keys: 400.
    for bad in ["", "\"unterminated", "a\"b", &"x".repeat(256)] {
        problem(
            create_keyed(&api, &a, bad, 10, None).await,
            400,
            pt::BAD_REQUEST,
        )
        .await;
    }

    // Once the upload it named expired, the key makes a new one.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let fresh = create_keyed(&api, &a, "k-small", small.len(), None).await;
    assert_eq!(fresh.status(), 201);
    assert_ne!(fresh.headers()["location"].to_str().unwrap(), url);
    assert_eq!(
        head_offset(&api, &a, fresh.headers()["location"].to_str().unwrap()).await,
        (200, Some(0))
    );
    api.stub.shutdown().await;
}
