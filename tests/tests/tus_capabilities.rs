//! Our tus client assumes creation-with-upload and sends no OPTIONS (as tus-js-client does).
//! Against a server without that extension (a small tus 1.0 server written here: core
//! protocol and creation only, refusing data in a creation request with 400), the refusal
//! makes the client ask (OPTIONS, once per `Api`) and create empty instead; the file
//! arrives intact, and the next upload creates empty at once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use phananh_core::api::tus::{Checkpoint, ChunkSizer, TusOptions, UploadJob};
use phananh_core::api::{Api, HttpOptions, MemorySecretStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Default)]
struct Seen {
    /// Method of every request, in order.
    methods: Vec<String>,
    /// Whether each request (same order) named a User-Agent.
    agents: Vec<bool>,
    /// Creation requests that carried data (refused).
    refused: u32,
    /// Upload id -> (length, bytes received).
    uploads: HashMap<u32, (u64, Vec<u8>)>,
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    })
}

async fn minimal_tus_server(seen: Arc<Mutex<Seen>>) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut acc = Vec::new();
                let mut buf = [0u8; 16 * 1024];
                loop {
                    let end = loop {
                        if let Some(p) = acc.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p + 4;
                        }
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => acc.extend_from_slice(&buf[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&acc[..end]).into_owned();
                    let len: usize = header(&head, "content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    while acc.len() < end + len {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => acc.extend_from_slice(&buf[..n]),
                        }
                    }
                    let body = acc[end..end + len].to_vec();
                    acc.drain(..end + len);
                    let mut parts = head.split(' ');
                    let (method, path) = (
                        parts.next().unwrap_or("").to_owned(),
                        parts.next().unwrap_or("").to_owned(),
                    );
                    let answer = {
                        let mut g = seen.lock().unwrap();
                        g.methods.push(method.clone());
                        g.agents.push(header(&head, "user-agent").is_some());
                        let id = path.rsplit('/').next().and_then(|i| i.parse::<u32>().ok());
                        match (method.as_str(), id) {
                            ("OPTIONS", _) => {
                                "204 No Content\r\nTus-Version: 1.0.0\r\nTus-Extension: creation"
                                    .to_owned()
                            }
                            ("POST", _) if len > 0 => {
                                g.refused += 1;
                                "400 Bad Request".to_owned()
                            }
                            ("POST", _) => {
                                let length = header(&head, "upload-length")
                                    .and_then(|v| v.parse().ok())
                                    .unwrap_or(0);
                                let id = g.uploads.len() as u32 + 1;
                                g.uploads.insert(id, (length, Vec::new()));
                                format!("201 Created\r\nLocation: /files/{id}")
                            }
                            ("PATCH", Some(id)) => {
                                let offset: u64 = header(&head, "upload-offset")
                                    .and_then(|v| v.parse().ok())
                                    .unwrap_or(u64::MAX);
                                match g.uploads.get_mut(&id) {
                                    Some((_, got)) if got.len() as u64 == offset => {
                                        got.extend_from_slice(&body);
                                        format!("204 No Content\r\nUpload-Offset: {}", got.len())
                                    }
                                    Some(_) => "409 Conflict".to_owned(),
                                    None => "404 Not Found".to_owned(),
                                }
                            }
                            ("HEAD", Some(id)) => match g.uploads.get(&id) {
                                Some((length, got)) => format!(
                                    "200 OK\r\nUpload-Offset: {}\r\nUpload-Length: {length}",
                                    got.len()
                                ),
                                None => "404 Not Found".to_owned(),
                            },
                            _ => "404 Not Found".to_owned(),
                        }
                    };
                    let resp = format!(
                        "HTTP/1.1 {answer}\r\nTus-Resumable: 1.0.0\r\nContent-Length: 0\r\n\r\n"
                    );
                    if s.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

async fn upload(api: &Api, data: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.jpg");
    std::fs::write(&file, data).unwrap();
    let o = TusOptions {
        base_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    let mut sizer = ChunkSizer::new(&o);
    let mut checkpoint = |_: &Checkpoint| Ok(());
    api.tus_upload(
        &api.tus_endpoint().unwrap(),
        &o,
        &mut sizer,
        UploadJob {
            file: &file,
            metadata: vec![("filetype".into(), "image/jpeg".into())],
            resume_url: None,
            creation_key: None,
            checkpoint: &mut checkpoint,
            progress: Arc::new(|_| {}),
            handover: None,
        },
    )
    .await
    .expect("upload")
}

#[tokio::test]
async fn a_server_without_creation_with_upload_is_asked_once_and_gets_empty_creations() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let addr = minimal_tus_server(seen.clone()).await;
    let api = Api::new(
        &format!("http://{addr}/"),
        Arc::new(MemorySecretStore::default()),
        HttpOptions::default(),
    )
    .unwrap();
    let small: Vec<u8> = (0..40_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let url = upload(&api, &small).await;
    {
        let g = seen.lock().unwrap();
        assert_eq!(
            g.methods,
            ["POST", "OPTIONS", "POST", "PATCH"],
            "refused with data, asked, created empty, sent"
        );
        assert_eq!(g.refused, 1);
        let id: u32 = url.rsplit('/').next().unwrap().parse().unwrap();
        assert_eq!(
            g.uploads[&id],
            (small.len() as u64, small.clone()),
            "the file arrived intact"
        );
    }
    // The answer is remembered: the next file is created empty at once, no OPTIONS again.
    let other: Vec<u8> = small.iter().rev().copied().collect();
    let url = upload(&api, &other).await;
    let g = seen.lock().unwrap();
    assert_eq!(g.methods[4..], ["POST", "PATCH"]);
    assert_eq!(g.refused, 1);
    // tus requests carry only what the protocol needs (no User-Agent: bytes on a slow uplink).
    for (m, ua) in g.methods.iter().zip(&g.agents) {
        assert!(m == "OPTIONS" || !ua, "{m} sent a User-Agent");
    }
    let id: u32 = url.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(g.uploads[&id].1, other);
}
