//! The machine against a simulated server, with crashes between a server-side effect and
//! the local write that records it, transient errors and permanent refusals.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::*;

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_000_000, 0).unwrap()
}

fn item(n: u128, kind: OutboxKind) -> OutboxItem {
    OutboxItem {
        client_id: Uuid::from_u128(n),
        kind,
        state: LocalState::Queued,
        attempts: 0,
        next_attempt_at: None,
        created_at: t0(),
        updated_at: t0(),
        server_id: None,
        attempt: None,
        interruptions: 0,
    }
}

fn cond(now: DateTime<Utc>) -> Conditions {
    Conditions {
        now,
        online: true,
        metered: false,
        video_wifi_only: false,
        signed_in: true,
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    None,
    /// The request fails before the server does anything.
    Transient,
    /// The server applies the step, then the app dies before recording it.
    CrashAfterEffect,
    /// The app dies in the middle of the step, before any effect (out of memory while
    /// decoding a photo, killed by the system).
    DieMidStep,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        4 => Just(Fault::None),
        2 => Just(Fault::Transient),
        2 => Just(Fault::CrashAfterEffect),
        2 => Just(Fault::DieMidStep),
    ]
}

const MAX: u32 = DEFAULT_MAX_INTERRUPTIONS;

#[derive(Default)]
struct Server {
    /// Idempotency key → (server id, attachment urls at creation).
    reports: HashMap<Uuid, (String, Vec<String>)>,
    creations: HashMap<Uuid, u32>,
    /// Upload url → (bytes held, total).
    uploads: HashMap<String, (u64, u64)>,
    next_url: u32,
}

struct Sim {
    items: Vec<OutboxItem>,
    atts: BTreeMap<Uuid, Vec<AttachmentView>>,
    /// Items whose report the server refuses (400).
    refused: Vec<Uuid>,
    server: Server,
    now: DateTime<Utc>,
    /// The current process; a death starts another.
    run: u128,
    /// Oracle of the crash loop, from the simulated events only: per item, the step during
    /// which the process last died and how many deaths in a row it has seen there.
    deaths: HashMap<Uuid, (Step, u32)>,
    /// Items that `begin` failed as interrupted.
    gave_up: Vec<Uuid>,
}

const FILE: u64 = 1000;

impl Sim {
    /// Run one step of the first runnable item; returns false when nothing is left to run.
    fn tick(&mut self, f: Fault, chunk: u64) -> bool {
        let c = cond(self.now);
        let mut earliest: Option<DateTime<Utc>> = None;
        let mut pick = None;
        for (i, it) in self.items.iter().enumerate() {
            let atts = self.atts.get(&it.client_id).cloned().unwrap_or_default();
            match plan(it, &atts, &c) {
                Plan::Run(step) => {
                    pick = Some((i, step));
                    break;
                }
                Plan::WaitUntil(t) => earliest = Some(earliest.map_or(t, |e| e.min(t))),
                Plan::Blocked(b) => panic!("unexpected block {b:?}"),
                Plan::Done | Plan::Stopped => {}
            }
        }
        let Some((i, step)) = pick else {
            match earliest {
                Some(t) => {
                    self.now = t;
                    return true;
                }
                None => return false,
            }
        };
        let id = self.items[i].client_id;
        // A streak only continues while the same step is tried again.
        if self.deaths.get(&id).is_some_and(|(s, _)| *s != step) {
            self.deaths.remove(&id);
        }
        let streak = self.deaths.get(&id).map_or(0, |d| d.1);
        match begin(
            &self.items[i],
            &step,
            Uuid::from_u128(self.run),
            self.now,
            MAX,
        ) {
            Begin::GiveUp(it) => {
                assert_eq!(streak, MAX, "gave up after {streak} deaths at {step:?}");
                let ok = matches!(&it.state, LocalState::Failed { failure } if failure.code == FailureCode::Interrupted && failure.retryable());
                assert!(ok, "{:?}", it.state);
                self.items[i] = it;
                self.gave_up.push(id);
                // Stopped until the user retries, which starts a new count.
                self.deaths.remove(&id);
                return true;
            }
            Begin::Run(it) => {
                assert!(
                    streak < MAX,
                    "{streak} deaths in a row at {step:?} and still running it"
                );
                assert!(
                    it.attempt.as_ref().is_some_and(|a| a.step == step.name()),
                    "attempt not recorded before the work"
                );
                self.items[i] = it;
            }
        }
        if matches!(f, Fault::DieMidStep) {
            return self.die(id, step);
        }
        let died = matches!(f, Fault::CrashAfterEffect);
        let outcome = match (f, step.clone()) {
            (Fault::Transient, _) => Outcome::Transient {
                retry_after: None,
                kind: TransientKind::Network,
                detail: "net".into(),
            },
            (_, Step::ProcessMedia { attachment }) => {
                if died {
                    return self.die(id, step);
                }
                self.set_upload(id, attachment, UploadState::Ready);
                Outcome::Progressed
            }
            (
                _,
                Step::Upload {
                    attachment,
                    resume_url,
                },
            ) => {
                // The server's side of a resumable upload of `chunk` bytes.
                let url = match resume_url.filter(|u| self.server.uploads.contains_key(u)) {
                    Some(u) => u,
                    None => {
                        self.server.next_url += 1;
                        let u = format!("/files/{}", self.server.next_url);
                        self.server.uploads.insert(u.clone(), (0, FILE));
                        u
                    }
                };
                let held = self.server.uploads.get_mut(&url).unwrap();
                held.0 = (held.0 + chunk).min(FILE);
                let done = held.0 == FILE;
                let offset = held.0;
                if died {
                    return self.die(id, step);
                }
                let st = if done {
                    UploadState::Uploaded { url }
                } else {
                    UploadState::Uploading {
                        url,
                        offset,
                        total: FILE,
                    }
                };
                self.set_upload(id, attachment, st);
                Outcome::Progressed
            }
            (_, Step::CreateReport) => {
                let urls: Vec<String> = self.atts[&id]
                    .iter()
                    .map(|a| match &a.upload {
                        UploadState::Uploaded { url } => url.clone(),
                        other => panic!("report created before its files: {other:?}"),
                    })
                    .collect();
                for u in &urls {
                    assert_eq!(
                        self.server.uploads[u].0, FILE,
                        "file incomplete on server at creation"
                    );
                }
                if self.refused.contains(&id) {
                    Outcome::Permanent(Failure::new(FailureCode::Rejected, "description too short"))
                } else {
                    let sid = match self.server.reports.get(&id) {
                        // A replay under the same key must carry the same body, or a real
                        // server answers 409: the files must not have been uploaded anew.
                        Some((sid, held)) => {
                            assert_eq!(held, &urls, "replay with a different body");
                            sid.clone()
                        }
                        None => {
                            let sid = format!("HT-{}", self.server.reports.len());
                            self.server.reports.insert(id, (sid.clone(), urls));
                            *self.server.creations.entry(id).or_default() += 1;
                            sid
                        }
                    };
                    if died {
                        return self.die(id, step);
                    }
                    Outcome::Created { server_id: sid }
                }
            }
            (_, Step::SendRating | Step::SendClosure | Step::SendJoin) => {
                if died {
                    return self.die(id, step);
                }
                Outcome::Created {
                    server_id: "rated".into(),
                }
            }
        };
        let next = apply(&self.items[i], &outcome, self.now, &Backoff::default(), 0.5);
        self.items[i] = next;
        self.deaths.remove(&id);
        true
    }

    /// The process dies during `step` of item `id`: what was persisted stays, a new run starts.
    fn die(&mut self, id: Uuid, step: Step) -> bool {
        self.run += 1;
        let e = self.deaths.entry(id).or_insert((step, 0));
        e.1 += 1;
        true
    }

    fn set_upload(&mut self, item: Uuid, att: Uuid, st: UploadState) {
        let a = self
            .atts
            .get_mut(&item)
            .unwrap()
            .iter_mut()
            .find(|a| a.id == att)
            .unwrap();
        a.upload = st;
    }
}

fn report_item(n: u128, photos: usize, videos: usize) -> (OutboxItem, Vec<AttachmentView>) {
    let it = item(
        n,
        OutboxKind::Report {
            draft_id: Uuid::from_u128(1000 + n),
        },
    );
    let atts = (0..photos + videos)
        .map(|k| AttachmentView {
            id: Uuid::from_u128(n * 100 + k as u128),
            kind: if k < photos {
                MediaKind::Photo
            } else {
                MediaKind::Video
            },
            upload: UploadState::Pending,
        })
        .collect();
    (it, atts)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever mix of crashes and transient errors, every accepted report ends up on the
    /// server exactly once with all its files complete, refused ones end failed and absent,
    /// and nothing else blocks.
    #[test]
    fn delivers_exactly_once_through_crashes(
        shapes in proptest::collection::vec((0usize..4, 0usize..2, any::<bool>()), 1..6),
        faults in proptest::collection::vec(fault(), 0..120),
        chunk in 200u64..1200,
    ) {
        let mut sim = Sim {
            items: vec![],
            atts: BTreeMap::new(),
            refused: vec![],
            server: Server::default(),
            now: t0(),
            run: 1,
            deaths: HashMap::new(),
            gave_up: vec![],
        };
        for (n, (p, v, refuse)) in shapes.iter().enumerate() {
            let (it, atts) = report_item(n as u128 + 1, *p, *v);
            if *refuse && n % 2 == 1 {
                sim.refused.push(it.client_id);
            }
            sim.atts.insert(it.client_id, atts);
            sim.items.push(it);
        }
        let mut steps = 0;
        for f in faults.iter().copied().chain(std::iter::repeat(Fault::None)) {
            if !sim.tick(f, chunk) {
                break;
            }
            steps += 1;
            prop_assert!(steps < 10_000, "did not converge");
        }
        // Items failed by a crash loop stopped only themselves; retried (the user's
        // button), they are delivered like the rest.
        for id in sim.gave_up.clone() {
            let i = sim.items.iter().position(|it| it.client_id == id).unwrap();
            sim.items[i] = retry(&sim.items[i], sim.now).expect("interrupted items can be retried");
            prop_assert_eq!((sim.items[i].interruptions, sim.items[i].attempt.as_ref()), (0, None));
        }
        let mut steps = 0;
        while sim.tick(Fault::None, chunk) {
            steps += 1;
            prop_assert!(steps < 10_000, "did not converge after retries");
        }
        for it in &sim.items {
            if sim.refused.contains(&it.client_id) {
                let ok = matches!(&it.state, LocalState::Failed { failure } if failure.code == FailureCode::Rejected && !failure.retryable());
                prop_assert!(ok, "refused item state {:?}", it.state);
                prop_assert!(!sim.server.reports.contains_key(&it.client_id));
            } else {
                prop_assert_eq!(&it.state, &LocalState::Submitted);
                let (sid, urls) = &sim.server.reports[&it.client_id];
                prop_assert_eq!(it.server_id.as_ref(), Some(sid));
                prop_assert_eq!(sim.server.creations[&it.client_id], 1);
                prop_assert_eq!(urls.len(), sim.atts[&it.client_id].len());
            }
        }
    }

    #[test]
    fn transient_failures_back_off_monotonically_and_keep_state(n in 1u32..40, jitter in 0.0f64..1.0) {
        let (mut it, _) = report_item(1, 1, 0);
        it.state = LocalState::Uploading;
        let b = Backoff::default();
        let mut last = Duration::ZERO;
        for _ in 0..n {
            it = apply(&it, &Outcome::Transient { retry_after: None, kind: TransientKind::Server, detail: String::new() }, t0(), &b, 1.0);
            let wait = (it.next_attempt_at.unwrap() - t0()).to_std().unwrap();
            prop_assert!(wait >= last);
            last = wait;
        }
        prop_assert_eq!(&it.state, &LocalState::Uploading);
        prop_assert_eq!(it.attempts, n);
        let it = apply(&it, &Outcome::Transient { retry_after: None, kind: TransientKind::Server, detail: String::new() }, t0(), &b, jitter);
        prop_assert!(it.next_attempt_at.unwrap() > t0());
    }
}

#[test]
fn create_waits_for_every_file_and_video_waits_for_wifi() {
    let (it, mut atts) = report_item(1, 1, 1);
    let mut c = cond(t0());
    assert_eq!(
        plan(&it, &atts, &c),
        Plan::Run(Step::ProcessMedia {
            attachment: atts[0].id
        })
    );
    atts[0].upload = UploadState::Uploaded { url: "u0".into() };
    atts[1].upload = UploadState::Ready;
    c.metered = true;
    c.video_wifi_only = true;
    assert_eq!(
        plan(&it, &atts, &c),
        Plan::Blocked(BlockReason::WaitingForWifi)
    );
    c.metered = false;
    assert_eq!(
        plan(&it, &atts, &c),
        Plan::Run(Step::Upload {
            attachment: atts[1].id,
            resume_url: None
        })
    );
    atts[1].upload = UploadState::Uploading {
        url: "u1".into(),
        offset: 5,
        total: 9,
    };
    assert_eq!(
        plan(&it, &atts, &c),
        Plan::Run(Step::Upload {
            attachment: atts[1].id,
            resume_url: Some("u1".into())
        })
    );
    atts[1].upload = UploadState::Uploaded { url: "u1".into() };
    assert_eq!(plan(&it, &atts, &c), Plan::Run(Step::CreateReport));
    c.online = false;
    assert_eq!(plan(&it, &atts, &c), Plan::Blocked(BlockReason::Offline));
    c.online = true;
    c.signed_in = false;
    assert_eq!(plan(&it, &atts, &c), Plan::Blocked(BlockReason::SignedOut));
}

#[test]
fn permanent_failure_stops_only_that_item_and_retry_requeues_it() {
    let (a, atts) = report_item(1, 0, 0);
    let (b, _) = report_item(2, 0, 0);
    let failed = apply(
        &a,
        &classify(&Error::Server {
            status: 400,
            detail: "bad category".into(),
        }),
        t0(),
        &Backoff::default(),
        0.0,
    );
    assert_eq!(plan(&failed, &atts, &cond(t0())), Plan::Stopped);
    assert_eq!(plan(&b, &atts, &cond(t0())), Plan::Run(Step::CreateReport));
    let LocalState::Failed { failure } = &failed.state else {
        panic!()
    };
    assert_eq!(
        (failure.code, failure.status),
        (FailureCode::Rejected, Some(400))
    );
    assert!(!failure.retryable());
    let again = retry(&failed, t0()).unwrap();
    assert_eq!(again.state, LocalState::Queued);
    assert_eq!(
        plan(&again, &atts, &cond(t0())),
        Plan::Run(Step::CreateReport)
    );
    assert!(
        retry(&again, t0()).is_none(),
        "only failed items can be retried"
    );
}

#[test]
fn errors_are_classified() {
    let ra = Some(Duration::from_secs(4));
    assert!(
        matches!(classify(&Error::RetryLater { status: 429, after: ra }), Outcome::Transient { retry_after, .. } if retry_after == ra)
    );
    assert!(matches!(
        classify(&Error::Offline("cut".into())),
        Outcome::Transient {
            kind: TransientKind::Network,
            ..
        }
    ));
    assert!(matches!(
        classify(&Error::Timeout("slow".into())),
        Outcome::Transient {
            kind: TransientKind::Timeout,
            ..
        }
    ));
    let fields = vec![crate::error::FieldError::new(
        "description",
        crate::error::ValidationReason::TooShort { min: 10 },
    )];
    match classify(&Error::Validation(fields.clone())) {
        Outcome::Permanent(f) => assert_eq!((f.code, f.fields), (FailureCode::Rejected, fields)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        classify(&Error::Server {
            status: 502,
            detail: String::new()
        }),
        Outcome::Transient { .. }
    ));
    assert!(matches!(
        classify(&Error::Server {
            status: 413,
            detail: String::new()
        }),
        Outcome::Permanent(Failure {
            code: FailureCode::TooLarge,
            ..
        })
    ));
    assert!(matches!(
        classify(&Error::Forbidden("x".into())),
        Outcome::Permanent(Failure {
            code: FailureCode::Forbidden,
            ..
        })
    ));
    assert_eq!(classify(&Error::Unauthorized), Outcome::SignedOut);
    assert!(matches!(
        classify(&Error::io("/gone.jpg", std::io::Error::other("gone"))),
        Outcome::Permanent(Failure {
            code: FailureCode::Media,
            ..
        })
    ));
}

#[test]
fn retry_after_sets_the_next_attempt() {
    let (a, _) = report_item(1, 0, 0);
    let n = apply(
        &a,
        &Outcome::Transient {
            retry_after: Some(Duration::from_secs(30)),
            kind: TransientKind::Server,
            detail: String::new(),
        },
        t0(),
        &Backoff::default(),
        0.0,
    );
    assert_eq!(
        n.next_attempt_at,
        Some(t0() + chrono::Duration::seconds(30))
    );
    assert_eq!(
        plan(&n, &[], &cond(t0())),
        Plan::WaitUntil(t0() + chrono::Duration::seconds(30))
    );
}

#[test]
fn three_deaths_in_the_same_step_fail_the_item_and_the_next_item_runs() {
    let (a, atts) = report_item(1, 1, 0);
    let (b, b_atts) = report_item(2, 1, 0);
    let step = Step::ProcessMedia {
        attachment: atts[0].id,
    };
    assert_eq!(plan(&a, &atts, &cond(t0())), Plan::Run(step.clone()));
    let mut it = a.clone();
    for run in 1..=MAX as u128 {
        let Begin::Run(begun) = begin(&it, &step, Uuid::from_u128(run), t0(), MAX) else {
            panic!("gave up at run {run}")
        };
        assert_eq!(begun.interruptions as u128, run - 1);
        let at = begun.attempt.clone().expect("recorded before the work");
        assert_eq!(
            (at.step.as_str(), at.attachment, at.run),
            ("process_media", Some(atts[0].id), Uuid::from_u128(run))
        );
        it = begun; // ... and the process dies here.
    }
    let Begin::GiveUp(failed) = begin(&it, &step, Uuid::from_u128(99), t0(), MAX) else {
        panic!("a fourth start")
    };
    let LocalState::Failed { failure } = &failed.state else {
        panic!("{:?}", failed.state)
    };
    assert_eq!(failure.code, FailureCode::Interrupted);
    assert!(
        failure.detail.contains("3 times") && failure.detail.contains("process_media"),
        "{}",
        failure.detail
    );
    assert!(failure.retryable());
    assert_eq!((failed.attempt.as_ref(), failed.interruptions), (None, MAX));
    assert_eq!(plan(&failed, &atts, &cond(t0())), Plan::Stopped);
    assert_eq!(
        plan(&b, &b_atts, &cond(t0())),
        Plan::Run(Step::ProcessMedia {
            attachment: b_atts[0].id
        })
    );
    let again = retry(&failed, t0()).unwrap();
    assert_eq!(
        (
            again.state.clone(),
            again.interruptions,
            again.attempt.clone()
        ),
        (LocalState::Queued, 0, None)
    );
    assert_eq!(plan(&again, &atts, &cond(t0())), Plan::Run(step));
}

#[test]
fn only_deaths_in_the_same_step_count() {
    let (a, atts) = report_item(1, 1, 0);
    let process = Step::ProcessMedia {
        attachment: atts[0].id,
    };
    let upload = Step::Upload {
        attachment: atts[0].id,
        resume_url: None,
    };
    let run = |n| Uuid::from_u128(n);
    let started = |b: Begin| match b {
        Begin::Run(it) => it,
        Begin::GiveUp(it) => panic!("gave up: {:?}", it.state),
    };
    // Two deaths while processing.
    let it = started(begin(&a, &process, run(1), t0(), MAX));
    let it = started(begin(&it, &process, run(2), t0(), MAX));
    let it = started(begin(&it, &process, run(3), t0(), MAX));
    assert_eq!(it.interruptions, 2);
    // The same process starting the step again (its earlier future was dropped) is no death.
    let it = started(begin(&it, &process, run(3), t0(), MAX));
    assert_eq!(it.interruptions, 2);
    // A deadline stops the step in a living process: the record goes, the count stays.
    let stopped = abandon(&it, t0());
    assert_eq!((stopped.attempt.as_ref(), stopped.interruptions), (None, 2));
    let it = started(begin(&stopped, &process, run(4), t0(), MAX));
    assert_eq!(it.interruptions, 2);
    // The processed file was recorded, then the process died before the outcome was: the
    // next run's step is the upload, which is progress.
    let it = started(begin(&it, &upload, run(5), t0(), MAX));
    assert_eq!(it.interruptions, 0);
    // Any outcome clears the record and the count.
    let it = started(begin(&it, &upload, run(6), t0(), MAX));
    assert_eq!(it.interruptions, 1);
    for o in [
        Outcome::Progressed,
        Outcome::Transient {
            retry_after: None,
            kind: TransientKind::Network,
            detail: String::new(),
        },
        Outcome::Permanent(Failure::new(FailureCode::Rejected, "x")),
    ] {
        let done = apply(&it, &o, t0(), &Backoff::default(), 0.0);
        assert_eq!(
            (done.attempt.as_ref(), done.interruptions),
            (None, 0),
            "{o:?}"
        );
    }
}
