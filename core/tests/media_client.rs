//! Attaching media through the Client: EXIF facts are stored, too-long videos refused.

use std::path::PathBuf;
use std::process::Command;

use phananh_core::media::MediaError;
use phananh_core::model::LocationSource;
use phananh_core::{Client, ClientOptions, Error};

fn photo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/photos")
        .join(name)
}

#[tokio::test]
async fn photo_attachment_carries_exif_position_and_capture_time() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    let d = client.drafts().create().await.unwrap();
    let a = client
        .drafts()
        .add_attachment(
            d.id,
            &photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg"),
        )
        .await
        .unwrap();
    let fix = a.exif_location.clone().expect("EXIF GPS");
    assert!(
        (fix.lat - 18.342).abs() < 1e-6 && (fix.lon - 105.9057).abs() < 1e-6,
        "{fix:?}"
    );
    assert_eq!(fix.source, LocationSource::PhotoExif);
    // Stored and read back from SQLite.
    let again = &client.drafts().get(d.id).await.unwrap().attachments[0];
    assert_eq!(again.exif_location, a.exif_location);

    // Galaxy S7: 19:51:38 without offset, GPS time 18:51:28 UTC -> taken at UTC+1.
    let a = client
        .drafts()
        .add_attachment(d.id, &photo("samsung_galaxy_s7_edge_SM-G935L.jpg"))
        .await
        .unwrap();
    assert_eq!(
        a.captured_at.unwrap().to_rfc3339(),
        "2017-02-09T18:51:38+00:00"
    );
    assert!((a.exif_location.unwrap().lat - 48.8925).abs() < 1e-6);
    // Nokia 8.3 writes OffsetTimeOriginal +03:00.
    let a = client
        .drafts()
        .add_attachment(d.id, &photo("hmd_nokia_8.3_5g.jpg"))
        .await
        .unwrap();
    assert_eq!(
        a.captured_at.unwrap().to_rfc3339(),
        "2022-08-14T11:12:31+00:00"
    );
    // iPhone XR HEIC: no offset, no GPS time -> the tenant's zone (UTC+7) is assumed.
    let a = client
        .drafts()
        .add_attachment(d.id, &photo("apple_iphone_xr_orient6.heic"))
        .await
        .unwrap();
    assert_eq!(
        a.captured_at.unwrap().to_rfc3339(),
        "2019-08-21T04:21:36+00:00"
    );
    assert_eq!(a.exif_location.unwrap().accuracy_m, Some(2000.0));

    // No GPS in the photo: no position, still a capture time.
    let a = client
        .drafts()
        .add_attachment(d.id, &photo("apple_iphone_4s_orient6.jpg"))
        .await
        .unwrap();
    assert!(a.exif_location.is_none());
    assert!(a.captured_at.is_some());
}

#[tokio::test]
async fn too_long_video_is_refused_at_attach_time() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    let ok = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10:duration=4",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast"])
        .arg(&clip)
        .status()
        .expect("ffmpeg installed");
    assert!(ok.success());
    let mut opts = ClientOptions::new(dir.path().join("app"));
    opts.default_config.media.max_video_seconds = 3;
    let client = Client::open(opts).await.unwrap();
    let d = client.drafts().create().await.unwrap();
    match client.drafts().add_attachment(d.id, &clip).await {
        Err(Error::Media(MediaError::VideoTooLong { max_seconds: 3, .. })) => {}
        other => panic!("{other:?}"),
    }
    assert!(client
        .drafts()
        .get(d.id)
        .await
        .unwrap()
        .attachments
        .is_empty());
    // Within the limit it is attached.
    let mut cfg = client.tenant().config();
    cfg.media.max_video_seconds = 60;
    client
        .tenant()
        .set_config_json(serde_json::to_string(&cfg).unwrap())
        .await
        .unwrap();
    let a = client.drafts().add_attachment(d.id, &clip).await.unwrap();
    assert_eq!(a.kind, phananh_core::model::MediaKind::Video);
}
