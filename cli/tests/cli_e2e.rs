//! The `phananh` binary end to end against the real stub over loopback: exit codes, `--json`
//! outputs and one-line errors, then the demo and its summary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(rel)
}

struct Cli {
    data: tempfile::TempDir,
    server: String,
}

impl Cli {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_phananh"));
        c.args(args)
            .env("PHANANH_DATA_DIR", self.data.path())
            .env("PHANANH_SERVER", &self.server)
            .env_remove("PHANANH_BOUNDARIES");
        c
    }
    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

fn error_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(
        lines.len(),
        1,
        "exactly one error line expected, got: {err}"
    );
    lines[0].to_owned()
}

fn start_stub(rt: &tokio::runtime::Runtime) -> phananh_stub::RunningStub {
    start_stub_with(rt, Some(Duration::from_millis(300)))
}

fn start_stub_with(
    rt: &tokio::runtime::Runtime,
    simulate: Option<Duration>,
) -> phananh_stub::RunningStub {
    let mut opts = phananh_stub::StubOptions::for_tests();
    opts.simulate = simulate;
    opts.boundaries = Some(shared("boundaries/ha_tinh_wards_2025.geojson"));
    rt.block_on(phananh_stub::start(opts)).unwrap()
}

/// The scriptable two-step sign-in: `login PHONE` asks for a code and says so (no prompt
/// without a terminal); `login PHONE --code C` only verifies C, so C is never made stale by a
/// second request.
fn login(cli: &Cli, stub: &phananh_stub::RunningStub, phone: &str) {
    let out = cli
        .cmd(&["login", phone])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "code request failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("--code"),
        "tells how to go on"
    );
    let code = stub
        .last_otp(phone)
        .or_else(|| stub.last_otp(&format!("+84{}", &phone[1..])))
        .expect("a code was sent");
    let out = cli
        .cmd(&["login", phone, "--code", &code])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "login failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("signed in"));
    assert_eq!(
        stub.last_otp(phone)
            .or_else(|| stub.last_otp(&format!("+84{}", &phone[1..])))
            .as_deref(),
        Some(code.as_str()),
        "verifying did not request a new code"
    );
}

#[test]
fn resident_flow_with_exit_codes_json_and_error_lines() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stub = start_stub(&rt);
    let cli = Cli {
        data: tempfile::tempdir().unwrap(),
        server: stub.base_url(),
    };

    // Help is plain language and lists the commands.
    let help = String::from_utf8(cli.run(&["--help"]).stdout).unwrap();
    for cmd in [
        "login", "config", "report", "drafts", "outbox", "sync", "reports", "feed", "rate",
        "media", "confirm", "dispute", "nearby", "join",
    ] {
        assert!(help.contains(cmd), "--help lacks {cmd}");
    }
    // `demo` exists only in developer builds (the feature that links the stub).
    assert_eq!(
        help.contains("demo"),
        cfg!(feature = "demo"),
        "demo listed iff built with the demo feature"
    );

    // A report that is not ready: exit 3, one line naming every field, draft kept.
    let out = cli.run(&["report", "new", "--category", "bogus", "--text", "ngắn"]);
    assert_eq!(out.status.code(), Some(3));
    let line = error_line(&out);
    for field in ["category", "description", "location"] {
        assert!(line.contains(field), "{line}");
    }
    assert!(line.contains("is saved"), "{line}");
    assert_eq!(cli.json(&["drafts", "--json"]).as_array().unwrap().len(), 1);

    // A file that is not a photo: exit 8.
    let junk = cli.data.path().join("junk.jpg");
    std::fs::write(&junk, b"definitely not a jpeg").unwrap();
    let out = cli.run(&[
        "report",
        "new",
        "--photo",
        junk.to_str().unwrap(),
        "--category",
        "khac",
        "--text",
        "Một nội dung đủ dài",
    ]);
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A real report, placed from the photo's EXIF into its ward.
    let photo = shared("photos/synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
    let d = cli.json(&[
        "report",
        "new",
        "--photo",
        photo.to_str().unwrap(),
        "--category",
        "giao_thong",
        "--text",
        "Ổ gà lớn giữa đường Trần Phú",
        "--json",
    ]);
    assert_eq!(d["ward"]["code"], "18073");
    assert_eq!(d["state"]["state"], "queued");
    assert_eq!(d["location"]["source"], "photo_exif");

    // Not signed in: the item waits, exit 5 with the hint.
    let out = cli.run(&["sync", "--timeout", "5"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(error_line(&out).contains("phananh login"));

    login(&cli, &stub, "0987654321");
    let s = cli.json(&["sync", "--json", "--timeout", "60"]);
    assert_eq!(s["sent"], 1, "{s}");
    assert_eq!(stub.report_count(), 1);
    let outbox = cli.json(&["outbox", "--json"]);
    assert_eq!(outbox["entries"][0]["item"]["state"]["state"], "submitted");

    // Follow it until the simulated officers resolve it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        cli.json(&["sync", "--json", "--timeout", "10"]);
        let reports = cli.json(&["reports", "--json"]);
        let r = &reports.as_array().unwrap()[0];
        assert_eq!(r["ward"]["code"], "18073");
        if r["status"] == "resolved" {
            break r["id"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "never resolved: {r}");
        std::thread::sleep(Duration::from_millis(300));
    };
    let shown = cli.json(&["report", "show", &id, "--json"]);
    assert!(shown["timeline"].as_array().unwrap().len() >= 4, "{shown}");
    let text = String::from_utf8(cli.run(&["report", "show", &id]).stdout).unwrap();
    assert!(text.contains("Đã xử lý (Resolved)"), "{text}");

    // Rate: delivered at once; a level outside the scale is refused.
    let r = cli.json(&["rate", &id, "3", "--comment", "Cảm ơn", "--json"]);
    assert_eq!(r["state"]["state"], "submitted", "{r}");
    let shown = cli.json(&["report", "show", &id, "--json"]);
    assert_eq!(shown["my_rating"]["level"], 3);
    let out = cli.run(&["rate", &id, "9"]);
    assert_ne!(out.status.code(), Some(0));
    error_line(&out);

    // Feed finds it without diacritics.
    let feed = cli.json(&["feed", "--text", "duong tran phu", "--json"]);
    assert_eq!(feed["items"].as_array().unwrap().len(), 1, "{feed}");

    // Unknown report: exit 6.
    let out = cli.run(&["report", "show", "999999"]);
    assert_eq!(out.status.code(), Some(6));
    error_line(&out);

    // Server gone: a new report stays queued, exit 4, nothing lost.
    rt.block_on(stub.shutdown());
    let d = cli.json(&[
        "report",
        "new",
        "--photo",
        photo.to_str().unwrap(),
        "--category",
        "moi_truong",
        "--text",
        "Rác thải đổ trộm ven đường",
        "--json",
    ]);
    let out = cli.run(&["sync", "--timeout", "3"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(error_line(&out).contains("saved"));
    let outbox = cli.json(&["outbox", "--json"]);
    let queued: Vec<_> = outbox["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["item"]["state"]["state"] != "submitted")
        .collect();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0]["item"]["kind"]["draft_id"], d["id"]);
}

/// File a report in Thành Sen from a real photo and sync until it is sent; its id.
fn file_pothole(cli: &Cli) -> String {
    let photo = shared("photos/synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
    cli.json(&[
        "report",
        "new",
        "--photo",
        photo.to_str().unwrap(),
        "--category",
        "giao_thong",
        "--text",
        "Ổ gà lớn giữa đường Trần Phú",
        "--json",
    ]);
    let s = cli.json(&["sync", "--json", "--timeout", "60"]);
    assert_eq!(s["sent"], 1, "{s}");
    let reports = cli.json(&["reports", "--json"]);
    reports[0]["id"].as_str().unwrap().to_owned()
}

/// `report show --json` carries the verification of the resolution (here resolved by the
/// simulated unit without an "after" photo: not verified, `no_photo`), `confirm` goes out
/// through the outbox, and a second answer is one clear error line.
#[test]
fn report_show_carries_the_verification_and_confirm_answers_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stub = start_stub(&rt);
    let cli = Cli {
        data: tempfile::tempdir().unwrap(),
        server: stub.base_url(),
    };
    login(&cli, &stub, "0912000601");
    let id = file_pothole(&cli);
    let deadline = Instant::now() + Duration::from_secs(30);
    let shown = loop {
        cli.json(&["sync", "--json", "--timeout", "10"]);
        let r = cli.json(&["report", "show", &id, "--json"]);
        if r["status"] == "resolved" {
            break r;
        }
        assert!(Instant::now() < deadline, "never resolved: {r}");
        std::thread::sleep(Duration::from_millis(300));
    };
    let v = &shown["verification"];
    assert_eq!(v["verified"], false, "{shown}");
    assert_eq!(v["reason"], "no_photo");
    assert!(v.get("distance_m").is_none_or(Value::is_null), "{v}");
    let text = String::from_utf8(cli.run(&["report", "show", &id]).stdout).unwrap();
    assert!(text.contains("not verified (no_photo)"), "{text}");

    // A dispute must say what is wrong.
    let out = cli.run(&["dispute", &id, "--text", " "]);
    assert_eq!(out.status.code(), Some(3));
    assert!(error_line(&out).contains("text"));
    let c = cli.json(&["confirm", &id, "--json"]);
    assert_eq!(c["state"]["state"], "submitted", "{c}");
    let shown = cli.json(&["report", "show", &id, "--json"]);
    assert_eq!(
        shown["verification"]["my_answer"]["verdict"], "confirmed",
        "{shown}"
    );
    let out = cli.run(&["confirm", &id]);
    assert_ne!(out.status.code(), Some(0));
    assert!(error_line(&out).contains("already answered"));
    rt.block_on(stub.shutdown());
}

/// `nearby --lat --lon --category --json` offers the open report 22 m away; `join` follows it
/// (delivered at once), after which it is among the second resident's reports, followed;
/// joining one's own report is one clear error line.
#[test]
fn nearby_then_join_follows_instead_of_filing_again() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stub = start_stub_with(&rt, None);
    let a = Cli {
        data: tempfile::tempdir().unwrap(),
        server: stub.base_url(),
    };
    login(&a, &stub, "0912000602");
    let id = file_pothole(&a);
    let b = Cli {
        data: tempfile::tempdir().unwrap(),
        server: stub.base_url(),
    };
    login(&b, &stub, "0912000603");
    let near = b.json(&[
        "nearby",
        "--lat",
        "18.3422",
        "--lon",
        "105.9057",
        "--category",
        "giao_thong",
        "--json",
    ]);
    let items = near["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{near}");
    assert_eq!(items[0]["report"]["id"], id.as_str());
    let d = items[0]["distance_m"].as_f64().unwrap();
    assert!((d - 22.2).abs() < 1.0, "{d}");
    assert_eq!(near["from_cache"], false);
    let other = b.json(&[
        "nearby",
        "--lat",
        "18.3422",
        "--lon",
        "105.9057",
        "--category",
        "moi_truong",
        "--json",
    ]);
    assert_eq!(other["items"].as_array().map(Vec::len), Some(0));

    let j = b.json(&["join", &id, "--json"]);
    assert_eq!(j["state"]["state"], "submitted", "{j}");
    b.json(&["sync", "--json", "--timeout", "10"]);
    let mine = b.json(&["reports", "--json"]);
    assert_eq!(mine[0]["id"], id.as_str());
    assert_eq!(mine[0]["following"], true);
    let seen = a.json(&["report", "show", &id, "--json"]);
    assert_eq!(seen["supporters"], 1);
    assert_eq!(seen["following"], false);

    let out = a.run(&["join", &id]);
    assert_ne!(out.status.code(), Some(0));
    assert!(error_line(&out).contains("own report"));
    rt.block_on(stub.shutdown());
}

/// `account export DIR` then `account delete --yes`: the export folder holds data.json and the
/// report's photo; deletion asks for confirmation, then signs out and leaves nothing queued.
#[test]
fn account_export_then_delete() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stub = start_stub(&rt);
    let cli = Cli {
        data: tempfile::tempdir().unwrap(),
        server: stub.base_url(),
    };
    login(&cli, &stub, "0912000190");
    let photo = shared("photos/synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
    cli.json(&[
        "report",
        "new",
        "--photo",
        photo.to_str().unwrap(),
        "--category",
        "giao_thong",
        "--text",
        "Ổ gà lớn giữa đường Trần Phú",
        "--json",
    ]);
    let out = cli.run(&["sync", "--timeout", "60"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let dest = tempfile::tempdir().unwrap();
    let e = cli.json(&["account", "export", dest.path().to_str().unwrap(), "--json"]);
    assert_eq!(
        (
            e["reports"].as_u64(),
            e["media_files"].as_u64(),
            e["media_missing"].as_u64()
        ),
        (Some(1), Some(1), Some(0)),
        "{e}"
    );
    let folder = PathBuf::from(e["path"].as_str().unwrap());
    let data: Value =
        serde_json::from_slice(&std::fs::read(folder.join("data.json")).unwrap()).unwrap();
    assert_eq!(data["server"]["reports"].as_array().map(Vec::len), Some(1));

    // Not confirmed: refused, nothing happens.
    let out = cli.run(&["account", "delete"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(error_line(&out).contains("--yes"));
    assert_eq!(
        cli.json(&["reports", "--json"]).as_array().map(Vec::len),
        Some(1)
    );
    let out = cli.run(&["account", "delete", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Signed out, and the old account's data is gone from this device.
    assert_eq!(
        cli.json(&["reports", "--json"]).as_array().map(Vec::len),
        Some(0)
    );
    let out = cli.run(&["account", "export", dest.path().to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    rt.block_on(stub.shutdown());
}

/// `notices --lat --lon --json`: a notice the IOC published for Phường Thành Sen is listed
/// there (placed by the offline boundaries) and not in another commune.
#[test]
fn notices_for_a_place() {
    use phananh_core::api::{Api, HttpOptions, MemorySecretStore, Session};
    use phananh_core::wire::{NewNotice, NoticeArea, NoticeSeverity, Role};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stub = start_stub(&rt);
    let t = stub.staff_login(phananh_stub::IOC, Role::Officer).unwrap();
    let ioc = Api::new(
        &stub.base_url(),
        std::sync::Arc::new(MemorySecretStore::default()),
        HttpOptions::default(),
    )
    .unwrap();
    ioc.auth()
        .set_session(&Session {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            user_id: Some(t.user.id),
        })
        .unwrap();
    let n = NewNotice {
        title: "Cấm đường Trần Phú".into(),
        body: "Sửa cầu, đi đường vòng".into(),
        severity: NoticeSeverity::Warning,
        area: NoticeArea::Wards {
            codes: vec!["18073".into()],
        },
        valid_from: None,
        valid_to: None,
    };
    let published = rt.block_on(ioc.publish_notice(&n)).unwrap();
    let mut cli = Cli {
        data: tempfile::tempdir().unwrap(),
        server: stub.base_url(),
    };
    let boundaries = shared("boundaries");
    let run = |cli: &mut Cli, lat: &str, lon: &str| {
        let out = cli
            .cmd(&["notices", "--lat", lat, "--lon", lon, "--json"])
            .env("PHANANH_BOUNDARIES", &boundaries)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let here = run(&mut cli, "18.3428", "105.9057");
    assert_eq!(here["ward"], "18073", "{here}");
    assert_eq!(here["notices"][0]["id"], published.id.as_str());
    // Hương Khê district's hills, far from Thành Sen.
    let there = run(&mut cli, "18.18", "105.72");
    assert_ne!(there["ward"], "18073", "{there}");
    assert_eq!(
        there["notices"].as_array().map(Vec::len),
        Some(0),
        "{there}"
    );
    let out = cli.run(&["notices", "--lat", "18.3"]);
    assert_eq!(out.status.code(), Some(2), "--lat needs --lon");
    rt.block_on(stub.shutdown());
}

#[test]
fn usage_errors_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_phananh"))
        .args(["report", "new", "--lat", "18.3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(feature = "demo")]
#[test]
fn demo_runs_and_reports_its_summary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = vec!["demo"];
    let have_ffmpeg = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_ffmpeg {
        args.push("--no-video");
    }
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_phananh"))
        .args(&args)
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{stdout}");
    for needle in [
        "== Summary ==",
        "Phường Thành Sen",
        "reports on server: 1 (exactly once)",
        "compression:",
        "retries survived:",
        "time to deliver:",
        "rating 3 delivered",
    ] {
        assert!(
            stdout.contains(needle),
            "summary lacks {needle:?}:\n{stdout}"
        );
    }
    if have_ffmpeg {
        assert!(stdout.contains("1 photo(s), 1 video(s)"), "{stdout}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the demo took {:?}",
        started.elapsed()
    );
}

#[cfg(feature = "demo")]
#[test]
fn demo_runs_through_a_link_profile_and_sets_the_delivery_beside_its_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bad = Command::new(env!("CARGO_BIN_EXE_phananh"))
        .args(["demo", "--link", "5g"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("3g-rural, 3g-rural-steady, 2g-edge, 4g-good"),
        "the profiles are listed"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_phananh"))
        .args(["demo", "--link", "4g-good", "--no-video"])
        .current_dir(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{stdout}");
    assert!(
        stdout.contains("link \"4g-good\" at http://127.0.0.1:")
            && stdout.contains("10000 kbit/s up, 30000 kbit/s down, 25 ms one way"),
        "{stdout}"
    );
    assert!(
        stdout.contains("reports on server: 1 (exactly once)"),
        "{stdout}"
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("link 4g-good: payload "))
        .unwrap_or_else(|| panic!("no link figures:\n{stdout}"));
    // "link 4g-good: payload P B, wire W B (..x), 0 cut(s) ..., limit L s (R x)": everything
    // uploaded crossed the link, so W >= P; the profile has no cuts.
    let num = |after: &str| -> u64 {
        line.split(after)
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{after:?} in {line}"))
    };
    let (payload, wire) = (num("payload "), num("wire "));
    assert!(payload > 0 && wire >= payload, "{line}");
    assert!(
        line.contains(" 0 cut(s)") && line.contains(" limit ") && line.ends_with("x)"),
        "{line}"
    );
}
