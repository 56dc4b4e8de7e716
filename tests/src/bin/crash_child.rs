//! Child process for the store crash test: performs random draft edits and submissions on
//! the store in `argv[1]`, announcing each operation before it runs (`INTENT`) and after it
//! returned success (`ACK`), so the parent that SIGKILLs it knows what must be on disk.

use std::io::Write;
use std::path::PathBuf;

use phananh_core::model::{DraftPatch, LocationFix, LocationSource};
use phananh_core::{Client, ClientOptions};
use rand::{Rng, SeedableRng};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("storage dir"));
    let seed: u64 = args.next().expect("seed").parse().expect("seed number");
    let photo = PathBuf::from(args.next().expect("photo path"));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let client = Client::open(ClientOptions::new(&dir)).await.expect("open");
    let out = std::io::stdout();
    let say = |line: String| {
        let mut o = out.lock();
        writeln!(o, "{line}").unwrap();
        o.flush().unwrap();
    };
    say("READY".into());
    loop {
        let drafts = client.drafts().list().await.expect("list");
        let pick = |rng: &mut rand::rngs::StdRng| drafts[rng.random_range(0..drafts.len())].id;
        let op = if drafts.is_empty() {
            0
        } else {
            rng.random_range(0..10)
        };
        match op {
            0 | 1 => {
                say("INTENT create".into());
                let d = client.drafts().create().await.expect("create");
                say(format!("ACK create {}", d.id));
            }
            2..=4 => {
                let id = pick(&mut rng);
                let n: u32 = rng.random();
                let patch = DraftPatch {
                    category: Some(Some(
                        ["giao_thong", "moi_truong", "khac"][n as usize % 3].into(),
                    )),
                    description: Some(format!("Mô tả số {n}: đường hỏng, ổ gà sâu")),
                    anonymous: Some(n % 2 == 0),
                    location: Some(Some(LocationFix {
                        lat: 18.3 + (n % 1000) as f64 / 10_000.0,
                        lon: 105.9,
                        accuracy_m: Some(10.0),
                        altitude_m: None,
                        time: chrono::Utc::now(),
                        source: LocationSource::DeviceGps,
                    })),
                    ward: None,
                    attributes: None,
                };
                say(format!(
                    "INTENT update {id} {}",
                    serde_json::to_string(&patch).unwrap()
                ));
                client.drafts().update(id, patch).await.expect("update");
                say(format!("ACK update {id}"));
            }
            5 | 6 => {
                let id = pick(&mut rng);
                say(format!("INTENT attach {id}"));
                let a = client
                    .drafts()
                    .add_attachment(id, &photo)
                    .await
                    .expect("attach");
                say(format!("ACK attach {id} {} {}", a.id, a.sha256));
            }
            7 | 8 => {
                let id = pick(&mut rng);
                let valid = client
                    .drafts()
                    .validate(id)
                    .await
                    .expect("validate")
                    .is_empty();
                if valid {
                    say(format!("INTENT submit {id}"));
                    let item = client.drafts().submit(id).await.expect("submit");
                    say(format!("ACK submit {id} {}", item.client_id));
                }
            }
            _ => {
                let id = pick(&mut rng);
                say(format!("INTENT delete {id}"));
                client.drafts().delete(id).await.expect("delete");
                say(format!("ACK delete {id}"));
            }
        }
    }
}
