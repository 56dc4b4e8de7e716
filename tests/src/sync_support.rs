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
        Self { path: path.into(), lock: std::sync::Mutex::new(()) }
    }
    fn load(&self) -> HashMap<String, String> {
        std::fs::read(&self.path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }
    fn save(&self, m: &HashMap<String, String>) -> Result<()> {
        let tmp = self.path.with_extension("tmp");
        let io = |e| phananh_core::Error::io(&self.path, e);
        std::fs::write(&tmp, serde_json::to_vec(m).expect("map")).map_err(io)?;
        std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(io)?;
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
        http: HttpOptions { connect_timeout: Duration::from_secs(3), request_timeout: Duration::from_secs(5), ..Default::default() },
        tus: TusOptions { base_timeout: Duration::from_secs(4), min_rate: 256 * 1024, ..Default::default() },
        backoff: Backoff { base: Duration::from_millis(100), cap: Duration::from_secs(2) },
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
        v.extend(std::fs::read_dir(&dir).expect("photo dir").flatten().map(|e| e.path()).filter(|p| {
            p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg"))
        }));
    }
    v.push(crate::shared_data().join("photos/nikon_coolpix_p6000_gps_DSCN0010.jpg"));
    v.sort();
    v
}

/// A valid draft at a point in Hà Tĩnh city with `photos` attached; returns its id.
pub fn make_draft(client: &Client, n: usize, photos: &[PathBuf]) -> uuid::Uuid {
    let d = client.create_draft().expect("draft");
    let patch = DraftPatch {
        category: Some(Some("giao_thong".into())),
        description: Some(format!("Ổ gà lớn trên đường Trần Phú, đoạn số {n}, rất nguy hiểm cho xe máy")),
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
    client.update_draft(d.id, &patch).expect("patch");
    for p in photos {
        client.add_attachment(d.id, p).expect("attach");
    }
    d.id
}

/// Sign in through the OTP flow of the stub (dev mode exposes the code).
pub async fn sign_in(client: &Client, stub: &phananh_stub::RunningStub, phone: &str) {
    client.request_otp(phone).await.expect("otp request");
    let code = stub.last_otp(phone).expect("dev otp");
    client.sign_in(phone, &code).await.expect("sign in");
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn sha256_file(p: &Path) -> String {
    sha256_hex(&std::fs::read(p).expect("read"))
}

/// Every submitted outbox item, and how many are not submitted yet.
pub fn outbox_counts(client: &Client) -> (usize, usize, usize) {
    let items = client.outbox().expect("outbox");
    let submitted = items.iter().filter(|i| i.state == LocalState::Submitted).count();
    let failed = items.iter().filter(|i| matches!(i.state, LocalState::Failed { .. })).count();
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
        let page = direct.my_reports(cursor.as_deref(), 100).await.expect("my reports");
        for r in page.items {
            by_client.entry(r.client_id.expect("own reports carry client_id")).or_default().push(r);
        }
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
    }
    let mut check = ServerCheck { reports: 0, duplicates: 0, missing: 0, files: 0, files_intact: 0, payload_bytes: 0 };
    check.reports = by_client.values().map(|v| v.len()).sum();
    check.duplicates = by_client.values().map(|v| v.len().saturating_sub(1)).sum();
    for item in client.outbox().expect("outbox") {
        let phananh_core::model::OutboxKind::Report { draft_id } = item.kind else { continue };
        let Some(reports) = by_client.get(&item.client_id) else {
            check.missing += 1;
            continue;
        };
        let draft = client.draft(draft_id).expect("draft");
        let r = &reports[0];
        assert_eq!(r.media.len(), draft.attachments.len(), "report {} has all its files", r.id);
        for (m, a) in r.media.iter().zip(&draft.attachments) {
            check.files += 1;
            let local = std::fs::read(a.processed_path.as_ref().expect("processed")).expect("processed file");
            check.payload_bytes += local.len() as u64;
            let remote = direct.media_bytes(&m.url).await.expect("download media");
            if remote.as_ref() == local.as_slice() && m.sha256 == sha256_hex(&local) {
                check.files_intact += 1;
            }
        }
    }
    check
}
