//! What every subcommand needs: where the user's data lives, which server to talk to, and
//! how to print. Resolution order for the server: `--server`, `$PHANANH_SERVER`, the value
//! saved with `phananh config set-server`, then the tenant default.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use phananh_core::{Client, ClientOptions};

const SERVER_FILE: &str = "server-url";

#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Where drafts, the outbox and copies of media are kept
    /// (default: $PHANANH_DATA_DIR, else $XDG_DATA_HOME/phananh, else ~/.local/share/phananh).
    #[arg(long, global = true, env = "PHANANH_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Server base URL, e.g. http://127.0.0.1:8080/ (default: saved value, else the province's).
    #[arg(long, global = true, env = "PHANANH_SERVER")]
    pub server: Option<String>,
}

/// `--json`, flattened into each subcommand that prints something.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Output {
    /// Print machine-readable JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

impl Global {
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(d) = &self.data_dir {
            return Ok(d.clone());
        }
        if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(x).join("phananh"));
        }
        let home =
            std::env::var_os("HOME").context("cannot find your home folder; pass --data-dir")?;
        Ok(PathBuf::from(home).join(".local/share/phananh"))
    }

    pub fn saved_server(&self) -> anyhow::Result<Option<String>> {
        let path = self.data_dir()?.join(SERVER_FILE);
        match std::fs::read_to_string(&path) {
            Ok(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub fn save_server(&self, url: &str) -> anyhow::Result<()> {
        let dir = self.data_dir()?;
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join(SERVER_FILE), url).context("saving the server URL")?;
        Ok(())
    }

    /// The province's boundaries for naming the commune/ward offline: `$PHANANH_BOUNDARIES`,
    /// else `../shared/data/boundaries` beside the project, when present.
    pub fn boundaries_dir(&self) -> Option<PathBuf> {
        std::env::var_os("PHANANH_BOUNDARIES")
            .map(PathBuf::from)
            .or_else(|| {
                let guess = shared_data().join("boundaries");
                guess.is_dir().then_some(guess)
            })
    }

    pub fn options(&self) -> anyhow::Result<ClientOptions> {
        let mut opts = ClientOptions::new(self.data_dir()?);
        opts.base_url = match &self.server {
            Some(s) => Some(s.clone()),
            None => self.saved_server()?,
        };
        opts.secret_store = Some(std::sync::Arc::new(crate::secrets::FileSecretStore::new(
            opts.storage_dir.join("session.json"),
        )));
        opts.boundaries = self
            .boundaries_dir()
            .map(phananh_core::location::BoundarySource::Dir);
        opts.image_decoder = Some(std::sync::Arc::new(
            phananh_desktop::HeifConvertDecoder::default(),
        ));
        opts.video_transcoder = Some(std::sync::Arc::new(
            phananh_desktop::FfmpegTranscoder::default(),
        ));
        Ok(opts)
    }

    pub async fn open(&self) -> anyhow::Result<Client> {
        Ok(Client::open(self.options()?).await?)
    }
}

/// The shared test data beside the project (`$PHANANH_SHARED_DATA`, else `../shared/data`):
/// real photos and the province's boundaries, used by the demo and as default boundaries.
pub fn shared_data() -> PathBuf {
    std::env::var_os("PHANANH_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

/// The runtime async commands run on (two workers: a phone-sized budget).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Print a value as JSON (for `--json`).
pub fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).expect("serializable"));
}
