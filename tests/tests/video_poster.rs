//! The poster frame of a video (issue 17, item 7): the app makes it with the upload file and
//! sends it with the report; the stub checks it, strips it and serves it; every media
//! reference of that video carries `poster_url`, and the app's media cache fetches it as the
//! video's thumbnail. Over the real stub on loopback with real clips made by ffmpeg.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use phananh_core::api::app::FeedQuery;
use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::media::{POSTER_EDGE, POSTER_MAX_BYTES};
use phananh_core::model::LocalState;
use phananh_core::wire::{self, MediaKind, MediaRef};
use phananh_core::{Client, ClientOptions, Keep};
use phananh_stub::StubOptions;
use phananh_tests::after_photo::tus_put_as;
use phananh_tests::sync_support::*;

/// A 4 s portrait 720×1280 H.264/AAC clip, as a phone held upright films.
fn clip(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=720x1280:rate=25:duration=4",
        ])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=4"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-c:a", "aac", "-shortest"])
        .arg(&out)
        .status()
        .expect("ffmpeg installed");
    assert!(status.success());
    out
}

/// A small still made by ffmpeg (JPEG or PNG, after the name).
fn still(dir: &Path, name: &str) -> Vec<u8> {
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y"])
        .args([
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180",
            "-frames:v",
            "1",
        ])
        .arg(&out)
        .status()
        .expect("ffmpeg installed");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// The JPEG's APP1 segments (EXIF, XMP) and whether it is a JPEG at all.
fn app1_segments(b: &[u8]) -> Option<usize> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let (mut i, mut n) = (2, 0);
    while i + 4 <= b.len() && b[i] == 0xFF {
        let marker = b[i + 1];
        if marker == 0xDA {
            break; // start of scan: no metadata after it
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if marker == 0xE1 {
            n += 1;
        }
        i += 2 + len;
    }
    Some(n)
}

async fn open(dir: &Path, base: &str, secrets: Arc<dyn SecretStore>) -> Client {
    Client::open(ClientOptions {
        base_url: Some(base.to_owned()),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        video_transcoder: Some(Arc::new(phananh_desktop::FfmpegTranscoder::default())),
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client")
}

async fn deliver(client: &Client) {
    for _ in 0..10 {
        client
            .outbox()
            .run_pending(Duration::from_secs(60))
            .await
            .expect("run_pending");
        let items = client.outbox().items().await.unwrap();
        if items.iter().all(|i| i.state == LocalState::Submitted) {
            return;
        }
    }
    panic!(
        "not delivered: {:?}",
        client.outbox().items().await.unwrap()
    );
}

/// The one video of the stub's only report, as the feed shows it.
async fn video_in_feed(client: &Client) -> MediaRef {
    let q = FeedQuery {
        limit: Some(20),
        ..Default::default()
    };
    let feed = client.feed().page(&q).await.expect("feed");
    assert!(!feed.from_cache);
    assert_eq!(feed.page.items.len(), 1, "{:?}", feed.page.items);
    let videos: Vec<&MediaRef> = feed.page.items[0]
        .media
        .iter()
        .filter(|m| m.kind == MediaKind::Video)
        .collect();
    assert_eq!(videos.len(), 1);
    videos[0].clone()
}

/// The poster as anyone (signed out) downloads it: a metadata-free JPEG of the announced
/// hash and size, upright (portrait like the clip) and within the poster limits.
async fn check_served_poster(video: &MediaRef, work: &Path) -> Vec<u8> {
    let url = video
        .poster_url
        .as_deref()
        .expect("the video has a poster_url");
    assert!(
        url.ends_with(&format!("/media/{}/poster", video.id)),
        "{url}"
    );
    let resp = reqwest::get(url).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let bytes = resp.bytes().await.unwrap().to_vec();
    assert_eq!(Some(bytes.len() as u64), video.poster_size_bytes);
    assert_eq!(Some(sha256_hex(&bytes)), video.poster_sha256);
    assert!(bytes.len() as u64 <= POSTER_MAX_BYTES, "{} B", bytes.len());
    assert_eq!(app1_segments(&bytes), Some(0), "a JPEG without EXIF/XMP");
    let file = work.join("served-poster.jpg");
    std::fs::write(&file, &bytes).unwrap();
    let info = phananh_core::media::inspect_photo(&file, None).expect("a readable JPEG");
    assert!(info.width.max(info.height) <= POSTER_EDGE);
    assert!(
        info.height > info.width,
        "upright: {}x{}",
        info.width,
        info.height
    );
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reported_video_reaches_the_feed_with_a_small_metadata_free_poster_the_cache_keeps() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let base = stub.base_url();
    let work = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = open(&work.path().join("app"), &base, secrets).await;
    sign_in(&client, &stub, "0912000171").await;

    let photo = small_photos()[0].clone();
    let id = make_draft(&client, 0, &[photo, clip(work.path(), "clip.mp4")]).await;
    client.drafts().submit(id).await.expect("submit");
    deliver(&client).await;
    assert_eq!(stub.report_count(), 1);
    // One video, one poster, one photo went up: nothing twice.
    assert_eq!(stub.complete_uploads("video/mp4"), 1);
    assert_eq!(stub.complete_uploads("image/jpeg"), 2);

    let video = video_in_feed(&client).await;
    let served = check_served_poster(&video, work.path()).await;
    // The photo has no poster.
    let q = FeedQuery::default();
    let item = &client.feed().page(&q).await.unwrap().page.items[0];
    for m in item.media.iter().filter(|m| m.kind == MediaKind::Photo) {
        assert!(m.poster_url.is_none() && m.poster().is_none(), "{m:?}");
    }

    // The app's media cache: downloaded and checked once, then from the cache, byte for byte.
    let first = client
        .media()
        .poster(&video, Keep::WhileRoom)
        .await
        .expect("poster");
    assert!(!first.from_cache);
    assert_eq!(std::fs::read(&first.path).unwrap(), served);
    let again = client
        .media()
        .poster(&video, Keep::WhileRoom)
        .await
        .unwrap();
    assert!(again.from_cache);
    assert_eq!(again.path, first.path);
    // "My reports" keep their photos and posters for good (the sync brought the report in);
    // the video itself is fetched when played, and kept once it is on the phone.
    let used = client.media().usage().await.unwrap();
    let kept = client.media().keep_my_reports().await.expect("keep");
    assert_eq!(kept, 2, "the photo and the video's poster, not the video");
    let now = client.media().usage().await.unwrap();
    let grew = (now.kept_bytes + now.other_bytes) - (used.kept_bytes + used.other_bytes);
    assert!(
        grew < video.size_bytes,
        "the video was not downloaded ({grew} B more in the cache)"
    );
    let played = client
        .media()
        .file(&video, Keep::WhileRoom)
        .await
        .expect("play");
    assert!(!played.from_cache);
    let kept = client.media().keep_my_reports().await.expect("keep");
    assert_eq!(kept, 3, "once played, the video is kept too");
    // A poster that does not match what the reference announces is refused, nothing stored.
    let mut forged = video.clone();
    forged.poster_sha256 = Some("0".repeat(64));
    let before = client.media().usage().await.unwrap();
    let err = client
        .media()
        .poster(&forged, Keep::WhileRoom)
        .await
        .expect_err("a poster of another hash");
    assert!(matches!(err, phananh_core::Error::Protocol(_)), "{err:?}");
    assert_eq!(client.media().usage().await.unwrap(), before);
    println!(
        "FIGURES video_poster: poster {} B (limit {POSTER_MAX_BYTES} B) for a {} B upload",
        served.len(),
        video.size_bytes
    );
    stub.shutdown().await;
}

fn spawn_child(dir: &Path, base: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sync_child"))
        .arg(dir)
        .arg(base)
        .env("PHANANH_CHILD_FFMPEG", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sync_child")
}

/// Kill the child (SIGKILL) as soon as `ready` holds, polling with a deadline.
fn kill_when(child: &mut Child, what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() {
        assert!(Instant::now() < deadline, "never saw: {what}");
        if let Ok(Some(st)) = child.try_wait() {
            panic!("the child ended ({st}) before: {what}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().expect("kill");
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_the_video_and_its_poster_the_report_arrives_once_with_both() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let base = stub.base_url();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("app");
    {
        let secrets: Arc<dyn SecretStore> =
            Arc::new(FileSecretStore::new(dir.join("secrets.json")));
        let client = open(&dir, &base, secrets).await;
        sign_in(&client, &stub, "0912000172").await;
        let id = make_draft(&client, 0, &[clip(work.path(), "clip.mp4")]).await;
        client.drafts().submit(id).await.expect("submit");
    }
    // Killed the moment the server holds the whole video (the poster goes up next).
    let mut child = spawn_child(&dir, &base);
    kill_when(&mut child, "the video uploaded", || {
        stub.complete_uploads("video/mp4") >= 1
    });
    let at_first_kill = (stub.complete_uploads("image/jpeg"), stub.report_count());
    // Killed again the moment the server holds the poster (the report is created next).
    let mut child = spawn_child(&dir, &base);
    kill_when(&mut child, "the poster uploaded", || {
        stub.complete_uploads("image/jpeg") >= 1
    });
    let at_second_kill = stub.report_count();
    // Then left to finish.
    let mut child = spawn_child(&dir, &base);
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "the last run did not finish");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());

    let secrets: Arc<dyn SecretStore> = Arc::new(FileSecretStore::new(dir.join("secrets.json")));
    let client = open(&dir, &base, secrets).await;
    let items = client.outbox().items().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].state, LocalState::Submitted, "{:?}", items[0]);
    assert_eq!(stub.report_count(), 1, "the report exactly once");
    let video = video_in_feed(&client).await;
    check_served_poster(&video, work.path()).await;
    // The report names one video and its one poster (checked above), and the server holds
    // exactly one of each: a resumed upload goes on where it stopped, a finished one is
    // reused, and a poster (≤ 60 KB, it travels inside its creating POST) whose creation
    // answer the second kill cut off is created again under the same `Idempotency-Key`, so
    // the stub hands back the upload it made instead of a second one.
    assert_eq!(stub.complete_uploads("video/mp4"), 1);
    assert_eq!(
        stub.complete_uploads("image/jpeg"),
        1,
        "one poster upload on the server: none orphaned by the kill"
    );
    assert_eq!(
        stub.upload_count(),
        2,
        "no upload but the video's and its poster's"
    );
    println!(
        "FIGURES video_poster_kill: first kill with {} poster(s) and {} report(s) on the server, \
         second kill with {at_second_kill} report(s); delivered once with its poster",
        at_first_kill.0, at_first_kill.1
    );
    stub.shutdown().await;
}

/// POST a report straight to the stub; the status and, when refused, the field problems.
async fn post_report(
    base: &str,
    token: &str,
    media: Vec<wire::NewMedia>,
) -> (u16, Vec<wire::FieldProblem>) {
    let body = wire::NewReport {
        client_id: uuid::Uuid::now_v7(),
        category: "giao_thong".into(),
        description: "Đèn đường hỏng, có video kèm theo".into(),
        lat: 18.342,
        lon: 105.9057,
        accuracy_m: Some(8.0),
        ward_code: None,
        address: None,
        anonymous: false,
        attributes: Default::default(),
        media,
        captured_at: None,
    };
    let resp = reqwest::Client::new()
        .post(format!("{base}api/v1/reports"))
        .bearer_auth(token)
        .header(wire::IDEMPOTENCY_KEY, body.client_id.to_string())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    if status >= 400 {
        let p: wire::Problem = resp.json().await.expect("a problem document");
        (status, p.errors)
    } else {
        (status, vec![])
    }
}

/// Insert an APP1 EXIF segment (camera make "Hostile") after the SOI of `jpeg`.
fn with_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x010Fu16.to_le_bytes()); // Make
    tiff.extend_from_slice(&2u16.to_le_bytes()); // ASCII
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&26u32.to_le_bytes()); // offset of the value
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    tiff.extend_from_slice(b"Hostile\0");
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_posters_are_refused_field_by_field_and_a_good_one_is_stripped() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let base = stub.base_url();
    let work = tempfile::tempdir().unwrap();
    let me = stub.login("0912000173").unwrap().access_token;
    let other = stub.login("0912000174").unwrap().access_token;
    let put = |tok: String, bytes: Vec<u8>, mime: &'static str| {
        let base = base.clone();
        async move {
            tus_put_as(&base, &tok, &bytes, mime)
                .await
                .expect("upload created")
        }
    };
    let video_bytes = std::fs::read(clip(work.path(), "clip.mp4")).unwrap();
    let video = |url: String, poster: Option<wire::NewPoster>| wire::NewMedia {
        upload_url: url,
        sha256: sha256_hex(&video_bytes),
        kind: MediaKind::Video,
        mime: "video/mp4".into(),
        captured_at: None,
        poster,
    };
    let poster_of = |url: &str, bytes: &[u8]| {
        Some(wire::NewPoster {
            upload_url: url.to_owned(),
            sha256: sha256_hex(bytes),
        })
    };
    let small = still(work.path(), "still.jpg");
    let exif = with_exif(&small);
    assert_eq!(app1_segments(&exif), Some(1));
    let refused = |(status, errs): (u16, Vec<wire::FieldProblem>), why: &str| {
        assert_eq!(status, 422, "{why}: {errs:?}");
        assert!(
            errs.iter().any(|e| e.field == "media.0.poster.upload_url"),
            "{why}: {errs:?}"
        );
    };

    // A poster on a photo.
    let photo = put(me.clone(), small.clone(), "image/jpeg").await;
    let p = put(me.clone(), small.clone(), "image/jpeg").await;
    let photo_media = wire::NewMedia {
        upload_url: photo,
        sha256: sha256_hex(&small),
        kind: MediaKind::Photo,
        mime: "image/jpeg".into(),
        captured_at: None,
        poster: poster_of(&p, &small),
    };
    refused(post_report(&base, &me, vec![photo_media]).await, "photo");
    // Another person's upload as my poster.
    let v = put(me.clone(), video_bytes.clone(), "video/mp4").await;
    let theirs = put(other.clone(), small.clone(), "image/jpeg").await;
    refused(
        post_report(
            &base,
            &me,
            vec![video(v.clone(), poster_of(&theirs, &small))],
        )
        .await,
        "someone else's upload",
    );
    // The video itself as its poster.
    refused(
        post_report(
            &base,
            &me,
            vec![video(v.clone(), poster_of(&v, &video_bytes))],
        )
        .await,
        "the video as its poster",
    );
    // Not a JPEG: a PNG upload.
    let png = still(work.path(), "still.png");
    let u = put(me.clone(), png.clone(), "image/png").await;
    refused(
        post_report(&base, &me, vec![video(v.clone(), poster_of(&u, &png))]).await,
        "a PNG",
    );
    // Bytes that claim to be a JPEG are refused by the upload itself (typed 4xx).
    let fake = b"<html><body>not a picture</body></html>".to_vec();
    let (status, _) = tus_put_as(&base, &me, &fake, "image/jpeg")
        .await
        .expect_err("not a JPEG");
    assert!((400..500).contains(&status), "{status}");
    // Too large for a poster: a real phone photo.
    let big_path = jpeg_photos()
        .into_iter()
        .find(|p| std::fs::metadata(p).unwrap().len() > wire::MAX_POSTER_BYTES)
        .expect("a phone photo over the poster limit");
    let big = std::fs::read(big_path).unwrap();
    let u = put(me.clone(), big.clone(), "image/jpeg").await;
    refused(
        post_report(&base, &me, vec![video(v.clone(), poster_of(&u, &big))]).await,
        "too large",
    );
    // A wrong checksum.
    let u = put(me.clone(), small.clone(), "image/jpeg").await;
    refused(
        post_report(&base, &me, vec![video(v.clone(), poster_of(&u, &exif))]).await,
        "wrong sha256",
    );
    assert_eq!(stub.report_count(), 0, "nothing was created");

    // A good poster with EXIF: accepted, served without it.
    let good = put(me.clone(), exif.clone(), "image/jpeg").await;
    let (status, errs) =
        post_report(&base, &me, vec![video(v.clone(), poster_of(&good, &exif))]).await;
    assert_eq!(status, 201, "{errs:?}");
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = open(&work.path().join("app"), &base, secrets).await;
    let served_ref = video_in_feed(&client).await;
    let url = served_ref.poster_url.clone().expect("poster_url");
    let served = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(app1_segments(&served), Some(0), "EXIF stripped");
    assert_ne!(served.len(), exif.len());
    assert_eq!(served_ref.poster_sha256, Some(sha256_hex(&served)));
    // Used once: the same poster upload for another report is refused.
    let v2 = put(me.clone(), video_bytes.clone(), "video/mp4").await;
    refused(
        post_report(&base, &me, vec![video(v2, poster_of(&good, &exif))]).await,
        "already attached",
    );
    assert_eq!(stub.report_count(), 1);
    stub.shutdown().await;
}
