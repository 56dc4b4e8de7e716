//! The file that will be uploaded, written atomically so a crash mid-way leaves either the
//! old state or the complete file (re-running the preparation is then always safe).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha1::Digest as _;

use crate::error::{Error, Result};

/// A processed photo or video, ready for upload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreparedMedia {
    pub path: PathBuf,
    pub mime: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    /// Hex SHA-1 of the output (the tus checksum extension uses SHA-1).
    pub sha1: String,
    /// Hex SHA-256 of the output.
    pub sha256: String,
    /// JPEG quality chosen to fit the byte budget (photos).
    pub quality: Option<u8>,
    /// Duration in milliseconds (videos).
    pub duration_ms: Option<u64>,
}

/// Temporary sibling of `dest` (same directory, so the rename is atomic).
pub fn temp_path(dest: &Path, tag: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.{tag}.part"))
}

/// Write `data` to `dest` via a synced temp file and rename.
pub fn write_atomic(dest: &Path, data: &[u8]) -> Result<()> {
    let tmp = temp_path(dest, "w");
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, e));
    }
    std::fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e))
}

/// (sha1, sha256, length) of a file, streamed.
pub fn hash_file(path: &Path) -> Result<(String, String, u64)> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let (mut s1, mut s256) = (sha1::Sha1::new(), sha2::Sha256::new());
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        s1.update(&buf[..k]);
        s256.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(s1.finalize()), hex::encode(s256.finalize()), n))
}

pub fn hash_bytes(data: &[u8]) -> (String, String) {
    (
        hex::encode(sha1::Sha1::digest(data)),
        hex::encode(sha2::Sha256::digest(data)),
    )
}
