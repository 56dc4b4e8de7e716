//! Crash safety of the store, proven by killing: a child process edits and submits drafts
//! while we SIGKILL it at random moments, at least 200 times. After every kill the store is
//! reopened and must be intact, with every change the child saw succeed present and whole.
//! Only the one operation in flight at the kill may have happened or not.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use phananh_core::model::{DraftPatch, LocalState};
use phananh_core::{Client, ClientOptions};
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
struct DraftModel {
    category: Option<String>,
    description: String,
    anonymous: bool,
    lat: Option<f64>,
    attachments: Vec<(Uuid, String)>,
    submitted: bool,
}

type Model = BTreeMap<Uuid, DraftModel>;

async fn snapshot(client: &Client) -> Model {
    let mut m = Model::new();
    for id in client.store().draft_ids().unwrap() {
        let d = client.drafts().get(id).await.unwrap();
        m.insert(
            id,
            DraftModel {
                category: d.category,
                description: d.description,
                anonymous: d.anonymous,
                lat: d.location.map(|l| l.lat),
                attachments: d
                    .attachments
                    .iter()
                    .map(|a| (a.id, a.sha256.clone()))
                    .collect(),
                submitted: d.state != LocalState::Draft,
            },
        );
    }
    m
}

/// Files on disk must be exactly the referenced ones, each with the recorded checksum.
async fn check_files(client: &Client, dir: &std::path::Path) {
    let mut referenced = std::collections::HashSet::new();
    for id in client.store().draft_ids().unwrap() {
        for a in client.drafts().get(id).await.unwrap().attachments {
            let bytes =
                std::fs::read(&a.stored_path).unwrap_or_else(|e| panic!("{}: {e}", a.stored_path));
            assert_eq!(
                hex::encode(Sha256::digest(&bytes)),
                a.sha256,
                "copy of {} damaged",
                a.stored_path
            );
            referenced.insert(std::path::PathBuf::from(&a.stored_path));
        }
    }
    if let Ok(dirs) = std::fs::read_dir(dir.join("media")) {
        for d in dirs.flatten() {
            for f in std::fs::read_dir(d.path()).unwrap().flatten() {
                assert!(
                    referenced.contains(&f.path()),
                    "orphan file left behind: {}",
                    f.path().display()
                );
            }
        }
    }
}

enum Intent {
    Create,
    Update(Uuid, DraftPatch),
    Attach(Uuid),
    Submit(Uuid),
    Delete(Uuid),
}

fn parse_intent(rest: &str) -> Intent {
    let mut parts = rest.splitn(3, ' ');
    let op = parts.next().unwrap();
    let id = || {
        Uuid::parse_str(rest.split(" ").nth(1).unwrap()).unwrap_or_else(|e| panic!("{rest}: {e}"))
    };
    match op {
        "create" => Intent::Create,
        "update" => Intent::Update(
            id(),
            serde_json::from_str(rest.splitn(3, ' ').nth(2).unwrap()).unwrap(),
        ),
        "attach" => Intent::Attach(id()),
        "submit" => Intent::Submit(id()),
        "delete" => Intent::Delete(id()),
        other => panic!("unknown op {other}"),
    }
}

fn apply(model: &mut Model, intent: &Intent, ack: &str, photo_sha: &str) {
    let ack_parts: Vec<&str> = ack.split(' ').collect();
    match intent {
        Intent::Create => {
            let id = Uuid::parse_str(ack_parts[2]).unwrap();
            model.insert(
                id,
                DraftModel {
                    category: None,
                    description: String::new(),
                    anonymous: false,
                    lat: None,
                    attachments: vec![],
                    submitted: false,
                },
            );
        }
        Intent::Update(id, p) => {
            let d = model.get_mut(id).expect("acked update of known draft");
            d.category = p.category.clone().unwrap();
            d.description = p.description.clone().unwrap();
            d.anonymous = p.anonymous.unwrap();
            d.lat = p.location.clone().unwrap().map(|l| l.lat);
        }
        Intent::Attach(id) => {
            assert_eq!(ack_parts[4], photo_sha);
            model
                .get_mut(id)
                .unwrap()
                .attachments
                .push((Uuid::parse_str(ack_parts[3]).unwrap(), photo_sha.to_owned()));
        }
        Intent::Submit(id) => model.get_mut(id).unwrap().submitted = true,
        Intent::Delete(id) => {
            model.remove(id);
        }
    }
}

/// Is `actual` a state the unfinished operation could have left (it ran whole, or not at all)?
fn inflight_allows(expected: &Model, actual: &Model, intent: &Intent, photo_sha: &str) -> bool {
    if actual == expected {
        return true;
    }
    let mut post = expected.clone();
    match intent {
        Intent::Create => {
            let new: Vec<_> = actual
                .keys()
                .filter(|k| !expected.contains_key(k))
                .collect();
            if new.len() != 1 {
                return false;
            }
            post.insert(*new[0], actual[new[0]].clone());
            return post == *actual
                && actual[new[0]].description.is_empty()
                && actual[new[0]].attachments.is_empty();
        }
        Intent::Attach(id) => {
            let (Some(before), Some(after)) = (expected.get(id), actual.get(id)) else {
                return false;
            };
            if after.attachments.len() != before.attachments.len() + 1
                || after.attachments.last().unwrap().1 != photo_sha
            {
                return false;
            }
            post.insert(*id, after.clone());
            let mut check = after.clone();
            check.attachments.pop();
            return check == *before && post == *actual;
        }
        Intent::Update(..) | Intent::Submit(_) | Intent::Delete(_) => {
            apply(&mut post, intent, "ACK", photo_sha);
        }
    }
    post == *actual
}

#[tokio::test]
async fn store_survives_200_random_sigkills_without_losing_acknowledged_work() {
    let dir = tempfile::tempdir().unwrap();
    let photo = phananh_tests::shared_data().join("photos/orientation/landscape_1.jpg");
    let photo_sha = hex::encode(Sha256::digest(std::fs::read(&photo).expect("shared photo")));
    let child_bin = env!("CARGO_BIN_EXE_crash_child");
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_2025);
    let mut model = Model::new();
    let (mut kills, mut acked, mut inflight_committed, mut killed_before_ready) = (0, 0, 0, 0);
    let started = Instant::now();
    while kills < 200 {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "crash test exceeded its time bound after {kills} kills"
        );
        let mut child = Command::new(child_bin)
            .arg(dir.path())
            .arg(rng.random::<u64>().to_string())
            .arg(&photo)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.random_range(500..60_000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();

        let mut pending: Option<Intent> = None;
        let mut ready = false;
        for line in out.lines() {
            if line == "READY" {
                ready = true;
            } else if let Some(rest) = line.strip_prefix("INTENT ") {
                pending = Some(parse_intent(rest));
            } else if line.starts_with("ACK ") {
                apply(
                    &mut model,
                    pending.as_ref().expect("ack follows intent"),
                    line,
                    &photo_sha,
                );
                pending = None;
                acked += 1;
            }
        }
        if !ready {
            killed_before_ready += 1;
        }

        let client = Client::open(ClientOptions::new(dir.path()))
            .await
            .expect("store must reopen after SIGKILL");
        assert_eq!(client.store().integrity_check().unwrap(), "ok");
        let actual = snapshot(&client).await;
        match &pending {
            None => assert_eq!(
                actual, model,
                "after kill {kills}: acknowledged state differs"
            ),
            Some(intent) => {
                assert!(inflight_allows(&model, &actual, intent, &photo_sha), "after kill {kills}: half-applied operation\nexpected {model:#?}\nactual {actual:#?}");
                if actual != model {
                    inflight_committed += 1;
                }
            }
        }
        check_files(&client, dir.path()).await;
        // Outbox rows belong to submitted drafts only, one each.
        let outbox = client.outbox().items().await.unwrap();
        assert_eq!(
            outbox.len(),
            actual.values().filter(|d| d.submitted).count()
        );
        model = actual;
    }
    println!(
        "crash test: {kills} SIGKILLs ({killed_before_ready} before the store was open), {acked} acknowledged operations verified, \
         {inflight_committed} in-flight operations found committed whole, {} drafts at the end, {:.1}s",
        model.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        acked > 200,
        "too few operations ran between kills to prove anything: {acked}"
    );
}
