//! Helpers shared by the sync-engine tests and their child process: a file-backed secret
//! store (a session that survives kill -9), fast timeouts, drafts made of real photos, and
//! the server-side checks (exactly once, files intact).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use phananh_core::api::tus::TusOptions;
use phananh_core::api::{HttpOptions, SecretStore};
use phananh_core::model::{DraftPatch, LocalState, LocationFix, LocationSource};
use phananh_core::sync::backoff::Backoff;
use phananh_core::sync::SyncOptions;
use phananh_core::wire;
use phananh_core::{Client, Result};
use sha2::{Digest, Sha256};

/// Secret store in a JSON file, written atomically (tests only: a phone uses its keychain).
pub struct FileSecretStore {
    path: PathBuf,
    lock: std::sync::Mutex<()>,
}

impl FileSecretStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: std::sync::Mutex::new(()),
        }
    }
    fn load(&self) -> HashMap<String, String> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }
    fn save(&self, m: &HashMap<String, String>) -> Result<()> {
        let tmp = self.path.with_extension("tmp");
        let io = |e| phananh_core::Error::io(&self.path, e);
        std::fs::write(&tmp, serde_json::to_vec(m).expect("map")).map_err(io)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }
}

impl SecretStore for FileSecretStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        let _g = self.lock.lock().unwrap();
        Ok(self.load().get(key).cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        let _g = self.lock.lock().unwrap();
        let mut m = self.load();
        m.insert(key.into(), value.into());
        self.save(&m)
    }
    fn delete(&self, key: &str) -> Result<()> {
        let _g = self.lock.lock().unwrap();
        let mut m = self.load();
        m.remove(key);
        self.save(&m)
    }
}

/// Short timeouts and backoff so faults cost seconds, not minutes.
pub fn fast_sync_options() -> SyncOptions {
    SyncOptions {
        http: HttpOptions {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(5),
            ..Default::default()
        },
        tus: TusOptions {
            base_timeout: Duration::from_secs(4),
            min_rate: 256 * 1024,
            ..Default::default()
        },
        backoff: Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
        },
        ..Default::default()
    }
}

/// JPEG photos of the shared corpus (HEIC needs a platform decoder; not this test's subject).
pub fn jpeg_photos() -> Vec<PathBuf> {
    let dir = crate::shared_data().join("photos");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("shared photos")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg")))
        .collect();
    v.sort();
    v
}

/// Small real photos (orientation and GPS sets, 600×450 to 640×480), for tests that
/// process many photos.
pub fn small_photos() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for sub in ["photos/orientation", "photos/synthetic_gps"] {
        let dir = crate::shared_data().join(sub);
        v.extend(
            std::fs::read_dir(&dir)
                .expect("photo dir")
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg"))),
        );
    }
    v.push(crate::shared_data().join("photos/nikon_coolpix_p6000_gps_DSCN0010.jpg"));
    v.sort();
    v
}

/// A valid draft at a point in Hà Tĩnh city with `photos` attached; returns its id.
pub async fn make_draft(client: &Client, n: usize, photos: &[PathBuf]) -> uuid::Uuid {
    let d = client.drafts().create().await.expect("draft");
    let patch = DraftPatch {
        category: Some(Some("giao_thong".into())),
        description: Some(format!(
            "Ổ gà lớn trên đường Trần Phú, đoạn số {n}, rất nguy hiểm cho xe máy"
        )),
        location: Some(Some(LocationFix {
            lat: 18.3428 + (n as f64) * 1e-4,
            lon: 105.9057,
            accuracy_m: Some(8.0),
            altitude_m: None,
            time: chrono::Utc::now(),
            source: LocationSource::DeviceGps,
        })),
        ..Default::default()
    };
    client.drafts().update(d.id, patch).await.expect("patch");
    for p in photos {
        client
            .drafts()
            .add_attachment(d.id, p)
            .await
            .expect("attach");
    }
    d.id
}

/// An API client of the stub holding `tokens` (a resident's or staff's, from
/// `RunningStub::login` / `staff_login`): plays the other side of a scenario.
pub fn api_as(stub: &phananh_stub::RunningStub, tokens: wire::TokenPair) -> phananh_core::api::Api {
    let secrets: std::sync::Arc<dyn SecretStore> =
        std::sync::Arc::new(phananh_core::api::MemorySecretStore::default());
    let api = phananh_core::api::Api::new(&stub.base_url(), secrets, HttpOptions::default())
        .expect("api");
    api.auth()
        .set_session(&phananh_core::api::Session {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            user_id: Some(tokens.user.id),
        })
        .expect("session");
    api
}

/// Sign in through the OTP flow of the stub (dev mode exposes the code).
pub async fn sign_in(client: &Client, stub: &phananh_stub::RunningStub, phone: &str) {
    client
        .session()
        .request_otp(phone)
        .await
        .expect("otp request");
    let code = stub.last_otp(phone).expect("dev otp");
    client
        .session()
        .sign_in(phone, &code)
        .await
        .expect("sign in");
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn sha256_file(p: &Path) -> String {
    sha256_hex(&std::fs::read(p).expect("read"))
}

/// Every submitted outbox item, and how many are not submitted yet.
pub async fn outbox_counts(client: &Client) -> (usize, usize, usize) {
    let items = client.outbox().items().await.expect("outbox");
    let submitted = items
        .iter()
        .filter(|i| i.state == LocalState::Submitted)
        .count();
    let failed = items
        .iter()
        .filter(|i| matches!(i.state, LocalState::Failed { .. }))
        .count();
    (submitted, failed, items.len())
}

/// What the server holds, seen through the app API with the reporter's session (not
/// through the fault proxy): reports by client id, and each file checked byte for byte
/// against the local processed file.
pub struct ServerCheck {
    pub reports: usize,
    pub duplicates: usize,
    pub missing: usize,
    pub files: usize,
    pub files_intact: usize,
    pub payload_bytes: u64,
}

pub async fn check_server(client: &Client, direct: &phananh_core::api::Api) -> ServerCheck {
    let mut by_client: HashMap<uuid::Uuid, Vec<wire::Report>> = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = direct
            .my_reports(cursor.as_deref(), 100)
            .await
            .expect("my reports");
        for r in page.items {
            by_client
                .entry(r.client_id.expect("own reports carry client_id"))
                .or_default()
                .push(r);
        }
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
    }
    let mut check = ServerCheck {
        reports: 0,
        duplicates: 0,
        missing: 0,
        files: 0,
        files_intact: 0,
        payload_bytes: 0,
    };
    check.reports = by_client.values().map(|v| v.len()).sum();
    check.duplicates = by_client.values().map(|v| v.len().saturating_sub(1)).sum();
    for item in client.outbox().items().await.expect("outbox") {
        let phananh_core::model::OutboxKind::Report { draft_id } = item.kind else {
            continue;
        };
        let Some(reports) = by_client.get(&item.client_id) else {
            check.missing += 1;
            continue;
        };
        let draft = client.drafts().get(draft_id).await.expect("draft");
        let r = &reports[0];
        assert_eq!(
            r.media.len(),
            draft.attachments.len(),
            "report {} has all its files",
            r.id
        );
        for (m, a) in r.media.iter().zip(&draft.attachments) {
            check.files += 1;
            // The uploaded file while the phone still has it; after delivery only its
            // SHA-256 and size, recorded when retention removed it.
            let (local_sha, local_len) = match &a.processed_path {
                Some(p) => {
                    let local = std::fs::read(p).expect("processed file");
                    (sha256_hex(&local), local.len() as u64)
                }
                None => {
                    assert!(
                        a.preview,
                        "attachment {} has neither its uploaded file nor a preview",
                        a.id
                    );
                    (
                        a.processed_sha256.clone().expect("recorded hash"),
                        a.processed_bytes.expect("recorded size"),
                    )
                }
            };
            check.payload_bytes += local_len;
            let remote = direct.media_bytes(&m.url).await.expect("download media");
            if remote.len() as u64 == local_len
                && sha256_hex(&remote) == local_sha
                && m.sha256 == local_sha
            {
                check.files_intact += 1;
            }
        }
    }
    check
}
