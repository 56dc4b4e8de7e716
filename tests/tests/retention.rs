//! Retention after delivery: a report of real photos and a video is delivered to the real
//! stub over loopback; afterwards the media directory holds what it held before the report
//! plus one small preview per attachment, byte for byte, and a draft that was never sent is
//! untouched. Reopened, the database names only files that exist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use phananh_core::api::{Api, HttpOptions, MemorySecretStore, SecretStore};
use phananh_core::model::{LocalState, MediaKind, OutboxKind};
use phananh_core::sync::retention::{PREVIEW_EDGE, PREVIEW_MAX_BYTES};
use phananh_core::{Client, ClientOptions};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;

/// Every file under `dir`, with its size.
fn files(dir: &Path) -> BTreeMap<PathBuf, u64> {
    let mut out = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.insert(p.clone(), std::fs::metadata(&p).unwrap().len());
        }
    }
    out
}

/// A 4 s 1920×1080 H.264/AAC clip, as a phone would attach.
fn clip(dir: &Path) -> PathBuf {
    let out = dir.join("clip.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=1920x1080:rate=25:duration=4",
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&out)
        .status()
        .expect("ffmpeg installed");
    assert!(status.success());
    out
}

async fn open(dir: &Path, base: &str, secrets: &Arc<dyn SecretStore>) -> Client {
    Client::open(ClientOptions {
        base_url: Some(base.to_owned()),
        secret_store: Some(secrets.clone()),
        sync: fast_sync_options(),
        video_transcoder: Some(Arc::new(phananh_desktop::FfmpegTranscoder::default())),
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_delivery_only_previews_stay_and_storage_returns_to_its_size_before_plus_previews() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let base = stub.base_url();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("app");
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let client = open(&dir, &base, &secrets).await;
    sign_in(&client, &stub, "0912000170").await;
    let shared = phananh_tests::shared_data().join("photos");

    // Something that stays: a draft never sent.
    let kept = make_draft(&client, 0, &[shared.join("google_lg_nexus4.jpg")]).await;
    let media = dir.join("media");
    let before = files(&media);
    let before_bytes: u64 = before.values().sum();

    let photos = [
        shared.join("samsung_galaxy_s7_edge_SM-G935L.jpg"),
        shared.join("hmd_nokia_8.3_5g.jpg"),
        shared.join("apple_iphone_4s_orient6.jpg"),
    ];
    let mut attach: Vec<PathBuf> = photos.to_vec();
    attach.push(clip(work.path()));
    let sent = make_draft(&client, 1, &attach).await;
    let item = client.drafts().submit(sent).await.expect("submit");
    let with_report: u64 = files(&media).values().sum();

    for _ in 0..10 {
        client
            .outbox()
            .run_pending(Duration::from_secs(60))
            .await
            .expect("run_pending");
        if client
            .outbox()
            .items()
            .await
            .unwrap()
            .iter()
            .all(|i| i.state == LocalState::Submitted)
        {
            break;
        }
    }
    let delivered = client.outbox().items().await.unwrap();
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        delivered[0].state,
        LocalState::Submitted,
        "{:?}",
        delivered[0].state
    );

    // The delivered report's attachments: previews only, each within the preview limits.
    let d = client.drafts().get(sent).await.unwrap();
    let mut previews = 0u64;
    let mut uploaded = 0u64;
    for a in &d.attachments {
        assert!(a.preview && a.processed_path.is_none(), "{a:?}");
        assert!(a.stored_path.ends_with(".preview.jpg"), "{}", a.stored_path);
        let p = Path::new(&a.stored_path);
        let info = phananh_core::media::inspect_photo(p, None).expect("a preview is a JPEG");
        assert!(
            info.width.max(info.height) <= PREVIEW_EDGE,
            "{}x{}",
            info.width,
            info.height
        );
        let len = std::fs::metadata(p).unwrap().len();
        assert!(
            len <= PREVIEW_MAX_BYTES,
            "preview of {} is {len} B",
            a.original_name
        );
        previews += len;
        uploaded += a.processed_bytes.expect("uploaded size recorded");
        assert_eq!(a.processed_sha256.as_ref().map(String::len), Some(64));
    }
    assert_eq!(
        d.attachments
            .iter()
            .filter(|a| a.kind == MediaKind::Video)
            .count(),
        1
    );

    let after = files(&media);
    let after_bytes: u64 = after.values().sum();
    println!(
        "FIGURES retention: {} attachments (3 real photos, 1 video): media dir {before_bytes} B before the report, \
         {with_report} B with it, {after_bytes} B after delivery = before + {previews} B of previews \
         (uploaded {uploaded} B, originals {} B)",
        d.attachments.len(),
        d.attachments.iter().map(|a| a.size_bytes).sum::<u64>()
    );
    assert_eq!(
        after_bytes,
        before_bytes + previews,
        "storage after delivery = before + previews"
    );
    // The files themselves: the ones before, untouched, and the previews.
    for (p, len) in &before {
        assert_eq!(after.get(p), Some(len), "{} changed", p.display());
    }
    assert_eq!(
        after.len(),
        before.len() + d.attachments.len(),
        "{after:#?}"
    );
    assert!(
        previews < uploaded,
        "previews {previews} B are smaller than the uploads {uploaded} B"
    );

    // The draft never sent keeps its full copy.
    let k = client.drafts().get(kept).await.unwrap();
    assert!(!k.attachments[0].preview);
    assert_eq!(
        std::fs::read(&k.attachments[0].stored_path).unwrap(),
        std::fs::read(shared.join("google_lg_nexus4.jpg")).unwrap()
    );

    // What the server holds is what was uploaded (checked against the recorded hashes).
    let direct = Api::new(&base, secrets.clone(), HttpOptions::default()).unwrap();
    let check = check_server(&client, &direct).await;
    assert_eq!((check.reports, check.duplicates, check.missing), (1, 0, 0));
    assert_eq!((check.files, check.files_intact), (4, 4));
    assert_eq!(check.payload_bytes, uploaded);
    drop(client);

    // Reopened: every path the database names exists, the report view still has its report.
    let client = open(&dir, &base, &secrets).await;
    for rel in client.store().referenced_media_paths().unwrap() {
        assert!(
            client.resolve(&rel).is_file(),
            "{rel} is referenced but gone"
        );
    }
    assert_eq!(files(&media), after, "reopening removed or added files");
    let item = client
        .outbox()
        .items()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.client_id == item.client_id)
        .unwrap();
    let OutboxKind::Report { draft_id } = item.kind else {
        panic!()
    };
    let d = client.drafts().get(draft_id).await.unwrap();
    assert!(d
        .attachments
        .iter()
        .all(|a| Path::new(&a.stored_path).is_file()));
    let server_id = item.server_id.expect("server id");
    let cached = client
        .reports()
        .cached(&server_id)
        .await
        .unwrap()
        .expect("in my reports");
    assert_eq!(cached.media.len(), 4);
    // A second run has nothing left to retain and changes nothing.
    client
        .outbox()
        .run_pending(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(files(&media), after);
    stub.shutdown().await;
}
