//! Issue 15 over loopback HTTP: each test plays the request sequence that showed a hole and
//! checks that it now fails safely (rate limits that forged headers do not escape, OTP
//! guessing budgets, anonymity until an audited reveal, upload quota and lease order, tus
//! number overflow, the expiry sweep, routing of complaints about officials).

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use common::*;
use phananh_stub::{DbLocation, OtpLimits, RateLimit, StubOptions, IOC};
use phananh_wire::{problem_types as pt, Report, Role};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A client whose connections come from this loopback address (127.0.0.x).
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

fn phone(i: usize) -> String {
    format!("09170{i:05}")
}

#[tokio::test]
async fn forged_headers_do_not_escape_the_rate_limit() {
    let (per_second, burst) = (2.0, 20u32);
    let opts = StubOptions {
        rate_limit: Some(RateLimit { per_second, burst }),
        otp_limits: OtpLimits {
            sends_per_addr: 10_000,
            ..OtpLimits::default()
        },
        ..StubOptions::for_tests()
    };
    let api = Api::with(opts).await;
    // One client, 150 OTP requests, each with a made-up bearer token and forwarding header
    // (the old limiter keyed on the raw Authorization header and never limited this).
    const N: usize = 150;
    let t0 = Instant::now();
    let mut limited = 0;
    for i in 0..N {
        let r = api
            .http
            .post(api.url("api/v1/auth/otp/request"))
            .header(
                "Authorization",
                format!("Bearer forged-{i}-{}", uuid::Uuid::new_v4()),
            )
            .header(
                "X-Forwarded-For",
                format!("10.{}.{}.{}", i % 250, (i * 7) % 250, (i * 13) % 250),
            )
            .json(&json!({ "phone": phone(i) }))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            429 => {
                assert!(r.headers().contains_key("retry-after"));
                limited += 1;
            }
            200 => {}
            s => panic!("unexpected {s}"),
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    // What one peer may get through: the burst plus what refilled meanwhile.
    let allowed = burst as f64 + per_second * elapsed + 1.0;
    let passed = N - limited;
    println!("FIGURES forged-header load: {N} requests in {elapsed:.2} s from one peer, {passed} passed (bound {allowed:.1}), {limited} answered 429");
    assert!((passed as f64) <= allowed, "{passed} passed > {allowed}");

    // Signed-in users have their own buckets (many residents share a carrier NAT address):
    // two real tokens from the same peer are limited separately, a forged one is the peer's.
    let a = api.stub.login("0917100001").unwrap().access_token;
    let b = api.stub.login("0917100002").unwrap().access_token;
    let mut a_ok = 0;
    for _ in 0..burst + 5 {
        if api.get("api/v1/me", Some(&a)).await.status() == 200 {
            a_ok += 1;
        }
    }
    assert!(
        a_ok >= burst as usize
            && a_ok as f64 <= burst as f64 + per_second * t0.elapsed().as_secs_f64() + 1.0,
        "{a_ok}"
    );
    assert_eq!(
        api.get("api/v1/me", Some(&b)).await.status(),
        200,
        "b has its own bucket"
    );
    api.stub.shutdown().await;
}

#[tokio::test]
async fn otp_guessing_is_bounded_per_phone_per_address_and_overall() {
    let dir = tempfile::tempdir().unwrap();
    let lim = OtpLimits {
        sends_per_phone: 5,
        sends_per_addr: 50,
        fails_per_phone: 4,
        fails_per_addr: 6,
        fails_global: 9,
    };
    let opts = StubOptions {
        db: DbLocation::File(dir.path().join("s.sqlite")),
        otp_limits: lim,
        ..StubOptions::for_tests()
    };
    let api = Api::with(opts).await;
    let send = |c: &reqwest::Client, p: &str| {
        c.post(api.url("api/v1/auth/otp/request"))
            .json(&json!({ "phone": p }))
            .send()
    };
    let verify = |c: &reqwest::Client, p: &str, code: &str| {
        c.post(api.url("api/v1/auth/otp/verify"))
            .json(&json!({ "phone": p, "code": code }))
            .send()
    };
    let wrong = |right: &str| {
        if right == "000000" {
            "111111".to_string()
        } else {
            "000000".to_string()
        }
    };
    let (c1, c2, c3) = (client_from(1), client_from(2), client_from(3));

    // Per phone: 4 wrong codes, then even the right one is refused until the window ends.
    let p1 = "0917200001";
    assert_eq!(send(&c1, p1).await.unwrap().status(), 200);
    let code = api.stub.last_otp(p1).unwrap();
    // Stored hashed: the database never holds the code.
    let stored: String = rusqlite::Connection::open(dir.path().join("s.sqlite"))
        .unwrap()
        .query_row(
            "SELECT code FROM otps WHERE phone = '+84917200001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        stored.len() == 64
            && stored.bytes().all(|b| b.is_ascii_hexdigit())
            && !stored.contains(&code),
        "{stored}"
    );
    for _ in 0..4 {
        problem(
            verify(&c1, p1, &wrong(&code)).await.unwrap(),
            401,
            pt::OTP_INVALID,
        )
        .await;
    }
    let r = verify(&c2, p1, &code).await.unwrap();
    assert_eq!(r.headers()["x-otp-limit"], "per-phone");
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        wait > 3000 && wait <= 3600,
        "locked for the rest of the hour: {wait}"
    );
    problem(r, 429, pt::RATE_LIMITED).await;
    // A new code does not reopen the phone either.
    assert_eq!(send(&c1, p1).await.unwrap().status(), 200);
    let fresh = api.stub.last_otp(p1).unwrap();
    problem(
        verify(&c3, p1, &fresh).await.unwrap(),
        429,
        pt::RATE_LIMITED,
    )
    .await;

    // Per address: spreading guesses over other phones from the same peer stops at 6
    // (4 already spent above from 127.0.0.1).
    let p2 = "0917200002";
    assert_eq!(send(&c1, p2).await.unwrap().status(), 200);
    let code2 = api.stub.last_otp(p2).unwrap();
    for _ in 0..2 {
        problem(
            verify(&c1, p2, &wrong(&code2)).await.unwrap(),
            401,
            pt::OTP_INVALID,
        )
        .await;
    }
    let r = verify(&c1, p2, &code2).await.unwrap();
    assert_eq!(r.headers()["x-otp-limit"], "per-address");
    problem(r, 429, pt::RATE_LIMITED).await;
    // The same phone from another address still works with the right code.
    assert_eq!(verify(&c2, p2, &code2).await.unwrap().status(), 200);

    // Overall: 6 failures so far; 3 more from a third address reach the global budget,
    // after which nobody can verify, right code or not.
    let p3 = "0917200003";
    assert_eq!(send(&c3, p3).await.unwrap().status(), 200);
    let code3 = api.stub.last_otp(p3).unwrap();
    for _ in 0..3 {
        problem(
            verify(&c3, p3, &wrong(&code3)).await.unwrap(),
            401,
            pt::OTP_INVALID,
        )
        .await;
    }
    let p4 = "0917200004";
    assert_eq!(send(&c2, p4).await.unwrap().status(), 200);
    let code4 = api.stub.last_otp(p4).unwrap();
    let r = verify(&c2, p4, &code4).await.unwrap();
    assert_eq!(r.headers()["x-otp-limit"], "global");
    problem(r, 429, pt::RATE_LIMITED).await;

    // The figures of the deployed defaults.
    let d = OtpLimits::default();
    let space = 1_000_000f64;
    println!(
        "FIGURES otp: at most {} wrong codes per phone per hour (P(hit) <= {:.4}%/h), {} per address, {} overall per hour (P(any hit) <= {:.3}%/h); {} codes sent per phone, {} per address per hour",
        d.fails_per_phone,
        d.fails_per_phone as f64 / space * 100.0,
        d.fails_per_addr,
        d.fails_global,
        d.fails_global as f64 / space * 100.0,
        d.sends_per_phone,
        d.sends_per_addr
    );
    api.stub.shutdown().await;
}

#[tokio::test]
async fn anonymous_reporters_are_hidden_from_every_unit_until_an_ioc_leader_reveals() {
    let api = Api::start().await;
    let alice = api.login("0917300001").await.access_token;
    api.post_json(
        "api/v1/push-tokens",
        Some(&alice),
        &json!({"platform": "fcm", "token": "alice-phone"}),
    )
    .await;
    let mut r = new_report("Có người đổ phế thải xây dựng ban đêm", THANH_SEN);
    r.anonymous = true;
    let anon: Report = api.create_report(&alice, &r).await.json().await.unwrap();
    let id = anon.id.clone();
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    let ward_leader = api
        .stub
        .staff_login("ubnd-18073", Role::Leader)
        .unwrap()
        .access_token;
    let ioc_officer = api
        .stub
        .staff_login(IOC, Role::Officer)
        .unwrap()
        .access_token;
    let ioc_leader = api
        .stub
        .staff_login(IOC, Role::Leader)
        .unwrap()
        .access_token;
    assert_eq!(
        api.act(&officer, &id, json!({"action": "accept"}))
            .await
            .status(),
        200
    );
    // Forwarded to a department: its staff handle it now.
    assert_eq!(
        api.act(
            &ioc_officer,
            &id,
            json!({"action": "forward", "unit": "so-xay-dung"})
        )
        .await
        .status(),
        200
    );
    let dept = api
        .stub
        .staff_login("so-xay-dung", Role::Officer)
        .unwrap()
        .access_token;
    let dept_act = api
        .act(
            &dept,
            &id,
            json!({"action": "start", "message": "Đã cử cán bộ"}),
        )
        .await;
    assert!(
        !dept_act.text().await.unwrap().contains("917300001"),
        "officer action answer"
    );

    let leaks = |text: &str| text.contains("917300001") || text.contains("\"reporter\"");
    for (who, token) in [
        ("ward officer", &officer),
        ("ward leader", &ward_leader),
        ("IOC officer", &ioc_officer),
        ("IOC leader", &ioc_leader),
        ("department", &dept),
    ] {
        let v = api
            .get(&format!("api/v1/reports/{id}"), Some(token))
            .await
            .text()
            .await
            .unwrap();
        assert!(!leaks(&v), "{who} sees the reporter: {v}");
        let cases = api
            .get("api/v1/officer/cases", Some(token))
            .await
            .text()
            .await
            .unwrap();
        assert!(!cases.contains("917300001"), "{who}'s case list");
    }
    for path in [
        format!("open311/v2/requests/{id}.json"),
        format!("open311/v2/requests/{id}.xml"),
        "open311/v2/servicerequestupdates.xml".into(),
        "api/v1/feed".into(),
        format!("api/v1/reports/{id}"),
    ] {
        assert!(
            !leaks(&api.get(&path, None).await.text().await.unwrap()),
            "{path}"
        );
    }

    // Only an IOC leader may reveal, and only with a reason.
    let why = "Người phản ánh là nhân chứng duy nhất; cần liên hệ xác minh";
    for t in [&officer, &ward_leader, &ioc_officer, &dept, &alice] {
        problem(reveal(&api, &id, t, why).await, 403, pt::FORBIDDEN).await;
    }
    problem(
        reveal(&api, &id, &ioc_leader, "vì sao").await,
        422,
        pt::VALIDATION,
    )
    .await;
    let pushes_before = api.stub.pushes("0917300001").len();
    let r = reveal(&api, &id, &ioc_leader, why).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["reporter"]["phone"], "+84917300001");
    assert!(v["audit_id"].as_i64().unwrap() >= 1);

    // The reporter sees it in the timeline (with the reason) and gets a push.
    let mine: Report = api
        .get(&format!("api/v1/reports/{id}"), Some(&alice))
        .await
        .json()
        .await
        .unwrap();
    let ev = mine.timeline.last().unwrap();
    assert!(ev.message.as_deref().unwrap().contains(why), "{ev:?}");
    assert_eq!(api.stub.pushes("0917300001").len(), pushes_before + 1);
    // The handling units still do not see who it was, nor that the IOC looked.
    for (who, token) in [("ward officer", &officer), ("department", &dept)] {
        let v = api
            .get(&format!("api/v1/reports/{id}"), Some(token))
            .await
            .text()
            .await
            .unwrap();
        assert!(!leaks(&v) && !v.contains(why), "{who}: {v}");
    }
    let public = api
        .get(&format!("api/v1/reports/{id}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!public.contains(why));
    let updates = api
        .get("open311/v2/servicerequestupdates.json", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!updates.contains(why));
    // A named report cannot be "revealed".
    let named: Report = api
        .create_report(&alice, &new_report("Biển báo giao thông bị đổ", THANH_SEN))
        .await
        .json()
        .await
        .unwrap();
    let r = api
        .post_json(
            &format!("api/v1/officer/cases/{}/reveal", named.id),
            Some(&ioc_leader),
            &json!({ "reason": why }),
        )
        .await;
    problem(r, 409, pt::INVALID_TRANSITION).await;
    api.stub.shutdown().await;
}

async fn reveal(api: &Api, id: &str, token: &str, reason: &str) -> reqwest::Response {
    api.post_json(
        &format!("api/v1/officer/cases/{id}/reveal"),
        Some(token),
        &json!({ "reason": reason }),
    )
    .await
}

#[tokio::test]
async fn a_complaint_about_officials_does_not_go_to_the_ward_it_is_about() {
    let api = Api::start().await;
    let t = api.login("0917400001").await.access_token;
    let mut r = new_report("Cán bộ phường gây khó dễ khi làm thủ tục", THANH_SEN);
    r.category = "thu_tuc_hanh_chinh".into();
    r.anonymous = true;
    let v: Report = api.create_report(&t, &r).await.json().await.unwrap();
    assert_eq!(v.unit.unwrap().code, "so-noi-vu");
    assert_eq!(v.ward.unwrap().code, "18073", "still located in its ward");
    let ward = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    let cases: Value = api
        .get("api/v1/officer/cases", Some(&ward))
        .await
        .json()
        .await
        .unwrap();
    assert!(cases["items"].as_array().unwrap().is_empty());
    problem(
        api.act(&ward, &v.id, json!({"action": "accept"})).await,
        403,
        pt::FORBIDDEN,
    )
    .await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn unfinished_uploads_have_a_per_user_quota() {
    let api = Api::with(StubOptions {
        max_unfinished_uploads: 3,
        max_unfinished_bytes: 1 << 20,
        ..StubOptions::for_tests()
    })
    .await;
    let t = api.login("0917500001").await.access_token;
    let other = api.login("0917500002").await.access_token;
    let create = |token: &str, len: u64| {
        api.req(Method::POST, "files/", Some(token))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", len.to_string())
            .header("Upload-Metadata", tus_meta(&[("filetype", "image/jpeg")]))
            .send()
    };
    let mut urls = vec![];
    for _ in 0..3 {
        let r = create(&t, 1000).await.unwrap();
        assert_eq!(r.status(), 201);
        urls.push(r.headers()["location"].to_str().unwrap().to_string());
    }
    let r = create(&t, 1000).await.unwrap();
    assert_eq!(r.headers()["x-upload-quota"], "count");
    assert!(r.headers().contains_key("retry-after"));
    problem(r, 429, pt::RATE_LIMITED).await;
    // Bytes too: another user may not reserve more than the byte budget.
    let r = create(&other, (1 << 20) + 1).await.unwrap();
    assert_eq!(r.headers()["x-upload-quota"], "bytes");
    problem(r, 429, pt::RATE_LIMITED).await;
    // Deleting one frees a place.
    let r = api
        .req(Method::DELETE, &urls[0], Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(create(&t, 1000).await.unwrap().status(), 201);
    api.stub.shutdown().await;
}

/// Raw HTTP/1.1 request on a fresh connection; returns the status line's code.
async fn raw(api: &Api, head: String, body: &[u8]) -> (u16, tokio::net::TcpStream) {
    let mut s = tokio::net::TcpStream::connect(api.stub.addr())
        .await
        .unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    if body.is_empty() {
        return (0, s);
    }
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).to_string();
    (
        text.split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0),
        s,
    )
}

#[tokio::test]
async fn tus_numbers_are_checked_and_strangers_cannot_disturb_an_upload() {
    let api = Api::start().await;
    let t = api.login("0917600001").await.access_token;
    let mallory = api.login("0917600002").await.access_token;
    let bytes = photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg");
    let r = api
        .req(Method::POST, "files/", Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", tus_meta(&[("filetype", "image/jpeg")]))
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes[..1000].to_vec())
        .send()
        .await
        .unwrap();
    let url = r.headers()["location"].to_str().unwrap().to_string();
    let path = url
        .trim_start_matches(api.base.trim_end_matches('/'))
        .to_string();
    // offset + Content-Length past u64: refused (it used to overflow).
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 1000\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        u64::MAX - 10
    );
    let (status, _) = raw(&api, head, b"x").await;
    assert_eq!(status, 413);

    // The owner's PATCH is streaming (client slow): a stranger's HEAD/PATCH/DELETE on the URL
    // is 404 and does not preempt it (the lease used to be taken before the owner check).
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 1000\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        bytes.len() - 1000
    );
    let (_, mut stream) = raw(&api, head, &[]).await;
    stream.write_all(&bytes[1000..5000]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    for m in [Method::HEAD, Method::PATCH, Method::DELETE] {
        let r = api
            .req(m.clone(), &url, Some(&mallory))
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "1000")
            .header("Content-Type", "application/offset+octet-stream")
            .body(if m == Method::PATCH {
                vec![0u8; 10]
            } else {
                vec![]
            })
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{m}");
    }
    stream.write_all(&bytes[5000..]).await.unwrap();
    let mut buf = vec![0u8; 2048];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(
        answer.starts_with("HTTP/1.1 204"),
        "the owner's upload finished undisturbed: {answer}"
    );
    api.stub.shutdown().await;
}

#[tokio::test]
async fn the_expiry_sweep_spares_uploads_being_written_and_removes_rows_with_files() {
    let api = Api::with(StubOptions {
        upload_expiry: Duration::from_millis(300),
        ..StubOptions::for_tests()
    })
    .await;
    let t = api.login("0917700001").await.access_token;
    let bytes = photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg");
    let r = api
        .req(Method::POST, "files/", Some(&t))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", tus_meta(&[("filetype", "image/jpeg")]))
        .send()
        .await
        .unwrap();
    let url = r.headers()["location"].to_str().unwrap().to_string();
    let id = url.rsplit('/').next().unwrap().to_string();
    let file = api.stub.data_dir().join("uploads").join(&id);
    let path = url
        .trim_start_matches(api.base.trim_end_matches('/'))
        .to_string();
    // A PATCH in progress (before expiry) that outlives the expiry.
    let head = format!(
        "PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {t}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n\
         Content-Type: application/offset+octet-stream\r\nContent-Length: {}\r\n\r\n",
        bytes.len()
    );
    let (_, mut stream) = raw(&api, head, &[]).await;
    stream.write_all(&bytes[..3000]).await.unwrap();
    // Several sweeps run meanwhile (every 150 ms); the busy upload's file is written on.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(file.exists(), "busy upload's file kept");
    stream.write_all(&bytes[3000..6000]).await.unwrap();
    drop(stream); // the client vanishes: 6000 bytes kept, the lease released
                  // Now expired and idle: row and file go together.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = api
            .req(Method::HEAD, &url, Some(&t))
            .header("Tus-Resumable", "1.0.0")
            .send()
            .await
            .unwrap();
        if r.status() == 404 {
            break;
        }
        assert_eq!(r.status(), 410);
        assert!(Instant::now() < deadline, "expired upload never swept");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!file.exists(), "the file went with its row");

    // Files without a row (a crash between creating the file and its row) go once old;
    // a fresh one (a creation in progress) stays.
    let uploads = api.stub.data_dir().join("uploads");
    let (stray, fresh) = (
        uploads.join("0123456789abcdef0123456789abcdef"),
        uploads.join("fedcba9876543210fedcba9876543210"),
    );
    std::fs::write(&stray, b"x").unwrap();
    std::fs::write(&fresh, b"y").unwrap();
    let old = std::time::SystemTime::now() - phananh_stub::STRAY_AGE - Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&stray)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while stray.exists() {
        assert!(Instant::now() < deadline, "stray file never removed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(fresh.exists());
    api.stub.shutdown().await;
}
