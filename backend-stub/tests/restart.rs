//! The stub restarts on the same SQLite file and media directory with nothing lost:
//! reports, timelines, media bytes, sessions, cursors, idempotency keys, half-done uploads.

mod common;

use common::*;
use phananh_stub::{DbLocation, StubOptions};
use phananh_wire::{MyReportsPage, Report, Role};
use reqwest::Method;
use serde_json::json;

fn opts(dir: &std::path::Path) -> StubOptions {
    StubOptions {
        db: DbLocation::File(dir.join("stub.sqlite")),
        data_dir: Some(dir.join("media")),
        ..StubOptions::for_tests()
    }
}

#[tokio::test]
async fn restart_on_the_same_files_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::with(opts(dir.path())).await;
    let tokens = api.login("0915000001").await;
    let t = tokens.access_token.clone();
    let (id, sent) = api
        .report_with_photo(&t, "Ổ voi trên quốc lộ 1A", THANH_SEN)
        .await;
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    assert_eq!(
        api.act(&officer, &id, json!({"action": "accept"}))
            .await
            .status(),
        200
    );
    let before: Report = api
        .get(&format!("api/v1/reports/{id}"), Some(&t))
        .await
        .json()
        .await
        .unwrap();
    let page: MyReportsPage = api
        .get("api/v1/me/reports", Some(&t))
        .await
        .json()
        .await
        .unwrap();
    // A half-finished upload.
    let photo_bytes = photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg");
    let r = api
        .req(Method::POST, "files/", Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", photo_bytes.len().to_string())
        .header("Upload-Metadata", tus_meta(&[("filetype", "image/jpeg")]))
        .header("Content-Type", "application/offset+octet-stream")
        .body(photo_bytes[..40_000].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let half = r.headers()["location"].to_str().unwrap().to_string();
    api.stub.shutdown().await;

    let api2 = Api::with(opts(dir.path())).await;
    eprintln!(
        "restart on an existing database: {:?}",
        api2.stub.startup_time()
    );
    assert_eq!(api2.stub.report_count(), 1);
    // The old session still works; the report is identical except for the server address.
    let after: Report = api2
        .get(&format!("api/v1/reports/{id}"), Some(&t))
        .await
        .json()
        .await
        .unwrap();
    let strip = |r: &Report| {
        let mut r = r.clone();
        for m in &mut r.media {
            m.url = m.url.rsplit('/').next().unwrap().to_string();
        }
        r
    };
    assert_eq!(strip(&after), strip(&before));
    let got = api2
        .get(&after.media[0].url, None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha256_hex(&got), after.media[0].sha256);
    assert_ne!(
        sent.media[0].sha256, after.media[0].sha256,
        "the photo's metadata was stripped on the server"
    );
    // Cursor continues: nothing new since the page before the restart.
    let p: MyReportsPage = api2
        .get(
            &format!("api/v1/me/reports?since={}", page.next_cursor),
            Some(&t),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(p.items.is_empty());
    // A replay of the creation still finds the same report.
    let replay = api2.create_report(&t, &sent).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.json::<Report>().await.unwrap().id, id);
    // The half-done upload resumes where it stopped.
    let half = half.replacen(&api.base, &api2.base, 1);
    let r = api2
        .req(Method::HEAD, &half, Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["upload-offset"], "40000");
    let r = api2
        .req(Method::PATCH, &half, Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "40000")
        .header("Content-Type", "application/offset+octet-stream")
        .body(photo_bytes[40_000..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Refresh tokens survive too, and new reports get new ids.
    let r = api2
        .post_json(
            "api/v1/auth/refresh",
            None,
            &json!({"refresh_token": tokens.refresh_token}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r: Report = api2
        .create_report(&t, &new_report("Phản ánh sau khi khởi động lại", THANH_SEN))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(r.id, id);
    assert_eq!(api2.stub.report_count(), 2);
    api2.stub.shutdown().await;
}
