//! Issue 14, item 2: the bearer token goes only to the API's own origin. A hostile (or
//! misconfigured) server answers a tus creation with a `Location` on another origin, links a
//! media file elsewhere, and redirects to another host: the core refuses with a typed error
//! or fetches without credentials, and the other origin never sees the token or the photo.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use phananh_core::api::tus::{ChunkSizer, TusOptions, UploadJob};
use phananh_core::api::{Api, HttpOptions, MemorySecretStore, SecretStore, Session};
use phananh_core::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "secret-access-token-of-the-resident";

/// A tiny HTTP/1.1 server: records each request head, answers with `answer(method, path)`.
async fn serve(
    answer: impl Fn(&str, &str) -> String + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (seen2, answer) = (seen.clone(), Arc::new(answer));
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (seen, answer) = (seen2.clone(), answer.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buf.drain(..end + 4 + len);
                    let mut words = head.split(' ');
                    let (method, path) = (
                        words.next().unwrap_or("").to_owned(),
                        words.next().unwrap_or("").to_owned(),
                    );
                    seen.lock().unwrap().push(head);
                    if sock
                        .write_all(answer(&method, &path).as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (base, seen)
}

fn api_with_session(base: &str) -> Api {
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    let api = Api::new(
        base,
        secrets,
        HttpOptions {
            request_timeout: Duration::from_secs(5),
            ..Default::default()
        },
    )
    .unwrap();
    api.auth()
        .set_session(&Session {
            access_token: TOKEN.into(),
            refresh_token: "r".into(),
            user_id: None,
        })
        .unwrap();
    api
}

fn carries_token(heads: &[String]) -> bool {
    heads.iter().any(|h| h.contains(TOKEN))
}

#[tokio::test]
async fn a_tus_location_on_another_origin_gets_neither_the_token_nor_the_photo() {
    let (elsewhere, foreign_seen) = serve(|_, _| {
        "HTTP/1.1 204 No Content\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n\r\n".into()
    })
    .await;
    let location = format!("{elsewhere}files/stolen");
    let (base, api_seen) = serve(move |method, _| match method {
        "OPTIONS" => "HTTP/1.1 204 No Content\r\nTus-Resumable: 1.0.0\r\nTus-Version: 1.0.0\r\nTus-Extension: creation,termination\r\n\r\n".into(),
        "POST" => format!("HTTP/1.1 201 Created\r\nTus-Resumable: 1.0.0\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"),
        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".into(),
    })
    .await;
    let api = api_with_session(&base);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("photo.jpg");
    std::fs::write(&file, vec![0xA5u8; 50_000]).unwrap();
    let opts = TusOptions::default();
    let mut sizer = ChunkSizer::new(&opts);
    let mut checkpoints = Vec::new();
    let mut record = |c: &phananh_core::api::tus::Checkpoint| {
        checkpoints.push(c.url.clone());
        Ok(())
    };
    let job = UploadJob {
        file: &file,
        metadata: vec![("filetype".into(), "image/jpeg".into())],
        resume_url: None,
        creation_key: None,
        checkpoint: &mut record,
        progress: Arc::new(|_| {}),
        handover: None,
    };
    let endpoint = api.tus_endpoint().unwrap();
    let err = api
        .tus_upload(&endpoint, &opts, &mut sizer, job)
        .await
        .expect_err("a foreign Location is refused");
    assert!(
        matches!(&err, Error::ForeignOrigin { url } if url.ends_with("/files/stolen")),
        "{err:?}"
    );
    assert!(
        checkpoints.is_empty(),
        "the foreign URL was never stored: {checkpoints:?}"
    );
    assert!(
        foreign_seen.lock().unwrap().is_empty(),
        "nothing was sent to the other origin"
    );
    // The API's own origin did get the token (the creation request), so the check is not vacuous.
    assert!(carries_token(&api_seen.lock().unwrap()));

    // A resumed upload whose stored URL points elsewhere (an older app, a tampered file) is
    // refused the same way, before a byte leaves.
    let mut record = |_: &phananh_core::api::tus::Checkpoint| Ok(());
    let job = UploadJob {
        file: &file,
        metadata: vec![],
        resume_url: Some(format!("{elsewhere}files/old")),
        creation_key: None,
        checkpoint: &mut record,
        progress: Arc::new(|_| {}),
        handover: None,
    };
    let err = api
        .tus_upload(&endpoint, &opts, &mut sizer, job)
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::ForeignOrigin { .. }), "{err:?}");
    assert!(foreign_seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn media_elsewhere_is_fetched_without_the_token_and_redirects_stay_home() {
    let (elsewhere, foreign_seen) = serve(|_, _| {
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\n\r\nabc".into()
    })
    .await;
    let target = format!("{elsewhere}media/x.jpg");
    let (base, api_seen) = serve(move |_, path| match path {
        "/media/own.jpg" => "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nown".into(),
        _ => format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n"
        ),
    })
    .await;
    let api = api_with_session(&base);
    // Our own media: with the token.
    assert_eq!(&api.media_bytes("media/own.jpg").await.unwrap()[..], b"own");
    assert!(carries_token(&api_seen.lock().unwrap()));
    // Media linked on another origin: fetched, without the token.
    assert_eq!(
        &api.media_bytes(&format!("{elsewhere}media/x.jpg"))
            .await
            .unwrap()[..],
        b"abc"
    );
    let heads = foreign_seen.lock().unwrap().clone();
    assert_eq!(heads.len(), 1);
    assert!(
        !carries_token(&heads) && !heads[0].to_ascii_lowercase().contains("authorization"),
        "{heads:?}"
    );
    // A redirect from our origin to another one is not followed.
    let err = api
        .media_bytes("media/redirected.jpg")
        .await
        .expect_err("not followed");
    assert!(matches!(err, Error::Server { status: 307, .. }), "{err:?}");
    assert_eq!(
        foreign_seen.lock().unwrap().len(),
        1,
        "the redirect target was never contacted"
    );
    // Non-HTTP schemes are refused outright.
    assert!(matches!(
        api.media_bytes("file:///etc/passwd").await,
        Err(Error::Protocol(_))
    ));
}
