//! Child process of the sync kill test: opens the client in `argv[1]` against the server at
//! `argv[2]` and drains the outbox with `run_pending` until every item is submitted or
//! failed, then exits 0. The parent SIGKILLs it at random moments; each start must pick up
//! where the last one was killed.
//!
//! With a third argument (a file path), the child's platform photo decoder (used for HEIC)
//! writes that file and then never returns, like a decoder that runs out of memory on a
//! hostile photo: the parent kills the child while it is stuck there (the crash-loop test).
//! With `PHANANH_CHILD_FFMPEG` set, videos are transcoded with ffmpeg (the poster crash test).

use std::sync::Arc;
use std::time::Duration;

use phananh_core::media::ImageDecoder;
use phananh_core::model::LocalState;
use phananh_core::{Client, ClientOptions};
use phananh_tests::sync_support::{fast_sync_options, FileSecretStore};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("storage dir"));
    let base = args.next().expect("base url");
    let stall: Option<Arc<dyn ImageDecoder>> = args
        .next()
        .map(|p| Arc::new(StallingDecoder(p.into())) as _);
    let client = Client::open(ClientOptions {
        base_url: Some(base),
        secret_store: Some(Arc::new(FileSecretStore::new(dir.join("secrets.json")))),
        sync: fast_sync_options(),
        image_decoder: stall,
        // Videos are transcoded (and their poster made) with ffmpeg when the parent asks.
        video_transcoder: std::env::var_os("PHANANH_CHILD_FFMPEG").map(|_| {
            Arc::new(phananh_desktop::FfmpegTranscoder::default())
                as Arc<dyn phananh_core::media::VideoTranscoder>
        }),
        ..ClientOptions::new(&dir)
    })
    .await
    .expect("open client");
    loop {
        let summary = client
            .outbox()
            .run_pending(Duration::from_secs(10))
            .await
            .expect("run_pending");
        let items = client.outbox().items().await.expect("outbox");
        let open = items
            .iter()
            .filter(|i| !matches!(i.state, LocalState::Submitted | LocalState::Failed { .. }))
            .count();
        println!(
            "steps {} delivered {} open {open}",
            summary.steps, summary.delivered
        );
        if open == 0 {
            return;
        }
    }
}

/// A decoder that announces itself in a file, then hangs until the process is killed.
struct StallingDecoder(std::path::PathBuf);

impl ImageDecoder for StallingDecoder {
    fn decode_to_file(
        &self,
        src: &std::path::Path,
        _dest: &std::path::Path,
        _min_long_edge: u32,
    ) -> phananh_core::Result<()> {
        std::fs::write(&self.0, format!("{} {}", std::process::id(), src.display()))
            .expect("sentinel");
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}
