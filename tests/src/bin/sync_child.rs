//! Child process of the sync kill test: opens the client in `argv[1]` against the server at
//! `argv[2]` and drains the outbox with `run_pending` until every item is submitted or
//! failed, then exits 0. The parent SIGKILLs it at random moments; each start must pick up
//! where the last one was killed.

use std::sync::Arc;
use std::time::Duration;

use phananh_core::model::LocalState;
use phananh_core::{Client, ClientOptions};
use phananh_tests::sync_support::{fast_sync_options, FileSecretStore};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("storage dir"));
    let base = args.next().expect("base url");
    let client = Client::open(ClientOptions {
        base_url: Some(base),
        secret_store: Some(Arc::new(FileSecretStore::new(dir.join("secrets.json")))),
        sync: fast_sync_options(),
        ..ClientOptions::new(&dir)
    })
    .expect("open client");
    loop {
        let summary = client.run_pending(Duration::from_secs(10)).await.expect("run_pending");
        let items = client.outbox().expect("outbox");
        let open = items.iter().filter(|i| !matches!(i.state, LocalState::Submitted | LocalState::Failed { .. })).count();
        println!("steps {} delivered {} open {open}", summary.steps, summary.delivered);
        if open == 0 {
            return;
        }
    }
}
