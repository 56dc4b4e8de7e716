//! The CLI's "secure store" for the session: a file only the user can read, in the data
//! folder. Phones use Keychain / Keystore through the same trait.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use phananh_core::api::SecretStore;
use phananh_core::{Error, Result};

pub struct FileSecretStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileSecretStore {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock: Mutex::new(()),
        }
    }

    fn load(&self) -> Result<serde_json::Map<String, serde_json::Value>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
            Err(e) => Err(Error::io(&self.path, e)),
        }
    }

    fn save(&self, map: &serde_json::Map<String, serde_json::Value>) -> Result<()> {
        let tmp = self.path.with_extension("tmp");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(serde_json::to_string(map).expect("json").as_bytes())
            .map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| Error::io(&self.path, e))
    }
}

impl SecretStore for FileSecretStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        let _g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self
            .load()?
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned))
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        let _g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut map = self.load()?;
        map.insert(key.to_owned(), value.into());
        self.save(&map)
    }

    fn delete(&self, key: &str) -> Result<()> {
        let _g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut map = self.load()?;
        if map.remove(key).is_some() {
            self.save(&map)?;
        }
        Ok(())
    }
}
