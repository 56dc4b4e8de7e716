//! Contract tests of the app API over real HTTP on loopback: every endpoint, its
//! authorization failures and its answers to malformed input.

mod common;

use common::*;
use phananh_stub::{RateLimit, StubOptions, IOC};
use phananh_wire::{
    problem_types as pt, FeedPage, MyReportsPage, Report, ReportStatus, Role, TokenPair,
};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn otp_login_refresh_and_expiry() {
    let api = Api::start().await;
    // Not a Vietnamese mobile number.
    let r = api
        .post_json("api/v1/auth/otp/request", None, &json!({"phone": "12345"}))
        .await;
    let p = problem(r, 422, pt::VALIDATION).await;
    assert_eq!(p.errors[0].field, "phone");

    // Wrong codes are counted, then the code is burnt.
    let r = api
        .post_json(
            "api/v1/auth/otp/request",
            None,
            &json!({"phone": "0912 345 678"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let sent: Value = r.json().await.unwrap();
    assert_eq!(sent["phone"], "+84912345678");
    let code = api.stub.last_otp("+84912345678").unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        let r = api
            .post_json(
                "api/v1/auth/otp/verify",
                None,
                &json!({"phone": "0912345678", "code": wrong}),
            )
            .await;
        problem(r, 401, pt::OTP_INVALID).await;
    }
    let r = api
        .post_json(
            "api/v1/auth/otp/verify",
            None,
            &json!({"phone": "0912345678", "code": wrong}),
        )
        .await;
    problem(r, 429, pt::OTP_ATTEMPTS_EXCEEDED).await;
    // Even the right code is refused once burnt.
    let r = api
        .post_json(
            "api/v1/auth/otp/verify",
            None,
            &json!({"phone": "0912345678", "code": code}),
        )
        .await;
    problem(r, 401, pt::OTP_INVALID).await;

    let tokens = api.login("0912345678").await;
    assert_eq!(tokens.user.role, Role::Resident);
    let me: Value = api
        .get("api/v1/me", Some(&tokens.access_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["phone"], "+84912345678");

    // No token, garbage token.
    problem(api.get("api/v1/me", None).await, 401, pt::UNAUTHORIZED).await;
    problem(
        api.get("api/v1/me", Some("nope")).await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;

    // Token expiry mid-session: 401 token-expired, then refresh rotates the pair.
    assert!(api.stub.expire_access_tokens(Some("+84912345678")) >= 1);
    problem(
        api.get("api/v1/me", Some(&tokens.access_token)).await,
        401,
        pt::TOKEN_EXPIRED,
    )
    .await;
    let r = api
        .post_json(
            "api/v1/auth/refresh",
            None,
            &json!({"refresh_token": tokens.refresh_token}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let fresh: TokenPair = r.json().await.unwrap();
    assert_eq!(
        api.get("api/v1/me", Some(&fresh.access_token))
            .await
            .status(),
        200
    );
    // The old refresh token was used up.
    let r = api
        .post_json(
            "api/v1/auth/refresh",
            None,
            &json!({"refresh_token": tokens.refresh_token}),
        )
        .await;
    problem(r, 401, pt::UNAUTHORIZED).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn otp_requests_are_limited_per_phone() {
    let api = Api::start().await;
    for _ in 0..5 {
        assert_eq!(
            api.post_json(
                "api/v1/auth/otp/request",
                None,
                &json!({"phone": "0987000001"})
            )
            .await
            .status(),
            200
        );
    }
    let r = api
        .post_json(
            "api/v1/auth/otp/request",
            None,
            &json!({"phone": "0987000001"}),
        )
        .await;
    assert!(r.headers().contains_key("retry-after"));
    problem(r, 429, pt::RATE_LIMITED).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn create_report_is_idempotent_and_routed_to_its_ward() {
    let api = Api::start().await;
    let t = api.login("0912000001").await.access_token;
    let (id, sent) = api
        .report_with_photo(&t, "Ổ gà lớn giữa đường Trần Phú", THANH_SEN)
        .await;
    let r: Report = api
        .get(&format!("api/v1/reports/{id}"), Some(&t))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::Received);
    assert_eq!(r.ward.as_ref().unwrap().code, "18073");
    assert_eq!(r.unit.as_ref().unwrap().code, "ubnd-18073");
    assert_eq!(r.client_id, Some(sent.client_id));
    assert_eq!(r.media.len(), 1);
    assert!(r.deadline.unwrap() > r.created_at);
    assert_eq!(r.timeline.len(), 1);

    // The same request again (a retry after a lost answer): same report, 200.
    let again = api.create_report(&t, &sent).await;
    assert_eq!(again.status(), 200);
    let again: Report = again.json().await.unwrap();
    assert_eq!(again.id, id);
    assert_eq!(api.stub.report_count(), 1);

    // Another body under the same key.
    let mut other = sent.clone();
    other.description = "Một nội dung khác hẳn".into();
    problem(
        api.create_report(&t, &other).await,
        409,
        pt::IDEMPOTENCY_CONFLICT,
    )
    .await;

    // Header and body disagree.
    let mut r2 = new_report("Đèn đường hỏng cả tuần nay", VINH_OUTSIDE);
    let resp = api
        .req(Method::POST, "api/v1/reports", Some(&t))
        .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
        .json(&r2)
        .send()
        .await
        .unwrap();
    problem(resp, 422, pt::VALIDATION).await;
    // No header at all.
    let resp = api
        .req(Method::POST, "api/v1/reports", Some(&t))
        .json(&r2)
        .send()
        .await
        .unwrap();
    problem(resp, 400, pt::BAD_REQUEST).await;

    // Outside every ward: the IOC handles it, no ward.
    r2.category = "dien_chieu_sang".into();
    let resp = api.create_report(&t, &r2).await;
    assert_eq!(resp.status(), 201);
    let out: Report = resp.json().await.unwrap();
    assert!(out.ward.is_none());
    assert_eq!(out.unit.unwrap().code, IOC);
    api.stub.shutdown().await;
}

#[tokio::test]
async fn malformed_and_oversized_input_is_refused_with_problems() {
    let api = Api::start().await;
    let t = api.login("0912000002").await.access_token;
    let post = |body: Vec<u8>, ct: &'static str| {
        let key = uuid::Uuid::now_v7().to_string();
        api.req(Method::POST, "api/v1/reports", Some(&t))
            .header("Idempotency-Key", key)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    problem(
        post(b"{not json".to_vec(), "application/json")
            .await
            .unwrap(),
        400,
        pt::BAD_REQUEST,
    )
    .await;
    problem(
        post(br#"{"client_id": 5}"#.to_vec(), "application/json")
            .await
            .unwrap(),
        422,
        pt::VALIDATION,
    )
    .await;
    problem(
        post(b"a=b".to_vec(), "text/plain").await.unwrap(),
        415,
        pt::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    problem(
        post(vec![b' '; 70 * 1024], "application/json")
            .await
            .unwrap(),
        413,
        pt::PAYLOAD_TOO_LARGE,
    )
    .await;

    let mut r = new_report("x", (91.0, 105.0));
    r.category = "khong_co".into();
    r.attributes.insert("muc_do".into(), "rat_nang".into());
    r.address = Some("đ".repeat(301));
    let p = problem(api.create_report(&t, &r).await, 422, pt::VALIDATION).await;
    let fields: Vec<_> = p
        .errors
        .iter()
        .map(|e| (e.field.as_str(), e.reason.as_str()))
        .collect();
    for want in [
        ("category", "unknown"),
        ("description", "too_short"),
        ("lat", "out_of_range"),
        ("address", "too_long"),
        ("attributes.muc_do", "invalid"),
    ] {
        assert!(fields.contains(&want), "{want:?} in {fields:?}");
    }
    let mut long = new_report(&"ư".repeat(2001), THANH_SEN);
    long.attributes
        .insert("muc_do".into(), "nghiem_trong".into());
    let p = problem(api.create_report(&t, &long).await, 422, pt::VALIDATION).await;
    assert_eq!(p.errors[0].reason, "too_long");
    assert_eq!(api.stub.report_count(), 0);

    // Media: someone else's upload, a wrong checksum, an unfinished upload.
    let other = api.login("0912000003").await.access_token;
    let bytes = photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg");
    let theirs = api.upload(&other, &bytes, "image/jpeg").await;
    let mine = api.upload(&t, &bytes, "image/jpeg").await;
    let mut r = new_report("Rác thải đổ trộm ven đường", THANH_SEN);
    r.media.push(phananh_wire::NewMedia {
        poster: None,
        upload_url: theirs,
        sha256: sha256_hex(&bytes),
        kind: phananh_wire::MediaKind::Photo,
        mime: "image/jpeg".into(),
        captured_at: None,
    });
    r.media.push(phananh_wire::NewMedia {
        poster: None,
        upload_url: mine,
        sha256: "00".repeat(32),
        kind: phananh_wire::MediaKind::Photo,
        mime: "image/jpeg".into(),
        captured_at: None,
    });
    let p = problem(api.create_report(&t, &r).await, 422, pt::VALIDATION).await;
    assert_eq!(p.errors.len(), 2, "{p:?}");
    assert!(p.errors[1].detail.as_deref().unwrap().contains("sha256"));

    // Unknown routes and methods are problems too.
    problem(api.get("api/v1/nothing", None).await, 404, pt::NOT_FOUND).await;
    problem(
        api.req(Method::DELETE, "api/v1/feed", None)
            .send()
            .await
            .unwrap(),
        405,
        pt::METHOD_NOT_ALLOWED,
    )
    .await;
    problem(
        api.get("api/v1/reports/abc", None).await,
        404,
        pt::NOT_FOUND,
    )
    .await;
    problem(
        api.get("api/v1/feed?limit=-1", None).await,
        400,
        pt::BAD_REQUEST,
    )
    .await;
    problem(
        api.get("api/v1/feed?bbox=1,2,3", None).await,
        422,
        pt::VALIDATION,
    )
    .await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn residents_see_only_public_form_of_others_reports() {
    let api = Api::start().await;
    let alice = api.login("0912000010").await.access_token;
    let bob = api.login("0912000011").await.access_token;
    let (id, _) = api
        .report_with_photo(&alice, "Cây đổ chắn ngang đường", THANH_SEN)
        .await;
    let mut anon = new_report("Có người đổ phế thải xây dựng ban đêm", THANH_SEN);
    anon.anonymous = true;
    let anon: Report = api.create_report(&alice, &anon).await.json().await.unwrap();

    for (who, token) in [("bob", Some(bob.as_str())), ("nobody", None)] {
        let v: Value = api
            .get(&format!("api/v1/reports/{id}"), token)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            v.get("reporter").is_none() && v.get("client_id").is_none(),
            "{who}: {v}"
        );
        let text = v.to_string();
        assert!(
            !text.contains("0912000010") && !text.contains("+84912000010"),
            "{who}"
        );
    }
    // Only the reporter rates.
    let r = api
        .req(
            Method::PUT,
            &format!("api/v1/reports/{id}/rating"),
            Some(&bob),
        )
        .json(&json!({"level": 3}))
        .send()
        .await
        .unwrap();
    problem(r, 403, pt::FORBIDDEN).await;
    // The owner sees herself; the ward's officer sees the reporter of a named report but
    // not of the anonymous one (tests/security.rs plays the whole anonymity sequence).
    let mine: Report = api
        .get(&format!("api/v1/reports/{id}"), Some(&alice))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.reporter.unwrap().phone, "+84912000010");
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    let named: Report = api
        .get(&format!("api/v1/reports/{id}"), Some(&officer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(named.reporter.unwrap().phone, "+84912000010");
    let seen: Value = api
        .get(&format!("api/v1/reports/{}", anon.id), Some(&officer))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        seen.get("reporter").is_none() && !seen.to_string().contains("912000010"),
        "{seen}"
    );
    // The public feed never names anyone.
    let feed = api.get("api/v1/feed", None).await.text().await.unwrap();
    assert!(!feed.contains("912000010") && !feed.contains("reporter"));
    api.stub.shutdown().await;
}

#[tokio::test]
async fn officer_workflow_with_authorization() {
    let api = Api::start().await;
    let resident = api.login("0912000020").await.access_token;
    let (id, _) = api
        .report_with_photo(&resident, "Nắp cống bị vỡ trên vỉa hè", THANH_SEN)
        .await;
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    let leader = api
        .stub
        .staff_login("ubnd-18073", Role::Leader)
        .unwrap()
        .access_token;
    let elsewhere = api
        .stub
        .staff_login("so-y-te", Role::Officer)
        .unwrap()
        .access_token;

    // Residents have no officer endpoints; other units cannot touch the case.
    problem(
        api.get("api/v1/officer/cases", Some(&resident)).await,
        403,
        pt::FORBIDDEN,
    )
    .await;
    problem(
        api.act(&resident, &id, json!({"action": "accept"})).await,
        403,
        pt::FORBIDDEN,
    )
    .await;
    problem(
        api.act(&elsewhere, &id, json!({"action": "accept"})).await,
        403,
        pt::FORBIDDEN,
    )
    .await;
    let theirs: Value = api
        .get("api/v1/officer/cases", Some(&elsewhere))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    let ours: Value = api
        .get("api/v1/officer/cases", Some(&officer))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ours["items"][0]["id"], id.as_str());

    // Out of order: cannot resolve a case nobody started.
    problem(
        api.act(
            &officer,
            &id,
            json!({"action": "resolve", "message": "xong"}),
        )
        .await,
        409,
        pt::INVALID_TRANSITION,
    )
    .await;
    problem(
        api.act(&officer, &id, json!({"action": "fly"})).await,
        422,
        pt::VALIDATION,
    )
    .await;
    for a in [
        json!({"action": "accept"}),
        json!({"action": "start", "message": "Đã cử cán bộ"}),
    ] {
        assert_eq!(api.act(&officer, &id, a).await.status(), 200);
    }
    // Leader-only steps.
    let later = chrono::Utc::now() + chrono::Duration::days(10);
    let ext = json!({"action": "extend_deadline", "deadline": later, "reason": "Chờ vật tư"});
    problem(
        api.act(&officer, &id, ext.clone()).await,
        403,
        pt::FORBIDDEN,
    )
    .await;
    assert_eq!(api.act(&leader, &id, ext).await.status(), 200);

    // Answer with a photo, then resolve.
    let bytes = photo("synthetic_gps/outside_vinh_nghe_an_orient1.jpg");
    let url = api.upload(&officer, &bytes, "image/jpeg").await;
    let media = json!([{"upload_url": url, "sha256": sha256_hex(&bytes), "kind": "photo", "mime": "image/jpeg"}]);
    let r = api
        .act(
            &officer,
            &id,
            json!({"action": "resolve", "message": "Đã thay nắp cống mới", "media": media}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let done: Report = r.json().await.unwrap();
    assert_eq!(done.status, ReportStatus::Resolved);
    let kinds: Vec<_> = done
        .timeline
        .iter()
        .map(|e| serde_json::to_value(e.kind).unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            json!("received"),
            json!("forwarded"),
            json!("started"),
            json!("deadline_extended"),
            json!("resolved")
        ]
    );
    let answer = done.timeline.last().unwrap();
    assert_eq!(answer.media.len(), 1);
    // The answer photo is served without its metadata (its EXIF GPS is gone), as recorded.
    let got = api
        .get(&answer.media[0].url, None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha256_hex(&got), answer.media[0].sha256);
    assert_eq!(got.len() as u64, answer.media[0].size_bytes);
    assert!(got.len() < bytes.len());
    // Players seek with ranges; caches revalidate with the ETag.
    let r = api
        .req(Method::GET, &answer.media[0].url, None)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{}", got.len()).as_str()
    );
    assert_eq!(&r.bytes().await.unwrap()[..], &got[100..200]);
    let r = api
        .req(Method::GET, &answer.media[0].url, None)
        .header("Range", format!("bytes={}-", got.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{}", got.len()).as_str()
    );
    problem(r, 416, pt::BAD_REQUEST).await;
    let etag = format!("\"{}\"", answer.media[0].sha256);
    let r = api
        .req(Method::GET, &answer.media[0].url, None)
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    problem(api.get("media/nope", None).await, 404, pt::NOT_FOUND).await;
    assert!(done.deadline.unwrap() > chrono::Utc::now() + chrono::Duration::days(9));

    // Forward, reject and duplicate on a second case, by the IOC.
    let (id2, _) = api
        .report_with_photo(&resident, "Đường bị sạt lở sau mưa lớn", THANH_SEN)
        .await;
    let ioc = api
        .stub
        .staff_login(IOC, Role::Officer)
        .unwrap()
        .access_token;
    problem(
        api.act(&ioc, &id2, json!({"action": "forward", "unit": "khong-co"}))
            .await,
        422,
        pt::VALIDATION,
    )
    .await;
    assert_eq!(
        api.act(
            &ioc,
            &id2,
            json!({"action": "forward", "unit": "so-xay-dung"})
        )
        .await
        .status(),
        200
    );
    // The ward lost it to the department.
    problem(
        api.act(&officer, &id2, json!({"action": "start"})).await,
        403,
        pt::FORBIDDEN,
    )
    .await;
    let r: Report = api
        .act(&ioc, &id2, json!({"action": "duplicate", "of": id}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.duplicate_of.as_deref()),
        (ReportStatus::Duplicate, Some(id.as_str()))
    );
    problem(
        api.act(&ioc, &id2, json!({"action": "reject", "reason": "trùng"}))
            .await,
        409,
        pt::INVALID_TRANSITION,
    )
    .await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn rating_rules_and_reopen() {
    let api = Api::start().await;
    let t = api.login("0912000030").await.access_token;
    let (id, _) = api
        .report_with_photo(&t, "Bãi rác tự phát bốc mùi", THANH_SEN)
        .await;
    let rate = |body: Value| {
        api.req(
            Method::PUT,
            &format!("api/v1/reports/{id}/rating"),
            Some(&t),
        )
        .json(&body)
        .send()
    };
    problem(
        rate(json!({"level": 3})).await.unwrap(),
        409,
        pt::INVALID_TRANSITION,
    )
    .await;
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    for a in [
        json!({"action": "accept"}),
        json!({"action": "start"}),
        json!({"action": "resolve", "message": "Đã dọn"}),
    ] {
        assert_eq!(api.act(&officer, &id, a).await.status(), 200);
    }
    problem(
        rate(json!({"level": 7})).await.unwrap(),
        422,
        pt::VALIDATION,
    )
    .await;
    problem(
        rate(json!({"level": 3, "reopen": true})).await.unwrap(),
        422,
        pt::VALIDATION,
    )
    .await;
    problem(
        rate(json!({"level": 2, "comment": "x".repeat(1001)}))
            .await
            .unwrap(),
        422,
        pt::VALIDATION,
    )
    .await;
    let r: Report = rate(json!({"level": 2, "comment": "Tạm được"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r.my_rating.as_ref().unwrap().level, 2);
    // Editable while resolved.
    let r: Report = rate(json!({"level": 1, "comment": "Vẫn còn rác", "reopen": true}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r.status, ReportStatus::Reopened);
    assert_eq!(r.my_rating.unwrap().level, 1);
    // The feed shows the level, not the comment.
    let feed = api.get("api/v1/feed", None).await.text().await.unwrap();
    assert!(!feed.contains("Vẫn còn rác"));
    // Closed cases cannot be rated any more.
    let leader = api
        .stub
        .staff_login("ubnd-18073", Role::Leader)
        .unwrap()
        .access_token;
    for a in [
        json!({"action": "accept"}),
        json!({"action": "start"}),
        json!({"action": "resolve", "message": "Đã dọn lại"}),
        json!({"action": "close"}),
    ] {
        assert_eq!(api.act(&leader, &id, a).await.status(), 200);
    }
    problem(
        rate(json!({"level": 3})).await.unwrap(),
        409,
        pt::INVALID_TRANSITION,
    )
    .await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn my_reports_since_cursor_returns_each_change_once() {
    let api = Api::start().await;
    let t = api.login("0912000040").await.access_token;
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = new_report(&format!("Phản ánh số {i} về vỉa hè"), THANH_SEN);
        let v: Report = api.create_report(&t, &r).await.json().await.unwrap();
        ids.push(v.id);
    }
    let other = api.login("0912000041").await.access_token;
    api.create_report(&other, &new_report("Không phải của tôi đâu nhé", THANH_SEN))
        .await;

    let p1: MyReportsPage = api
        .get("api/v1/me/reports?limit=2", Some(&t))
        .await
        .json()
        .await
        .unwrap();
    assert!(p1.has_more);
    let p2: MyReportsPage = api
        .get(
            &format!("api/v1/me/reports?since={}", p1.next_cursor),
            Some(&t),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(!p2.has_more);
    let all: Vec<_> = p1
        .items
        .iter()
        .chain(&p2.items)
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(all, ids);
    // Nothing new: empty page, same cursor.
    let p3: MyReportsPage = api
        .get(
            &format!("api/v1/me/reports?since={}", p2.next_cursor),
            Some(&t),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(p3.items.is_empty() && p3.next_cursor == p2.next_cursor);
    // An officer's step makes exactly that report show up again, with the new event.
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    api.act(&officer, &ids[1], json!({"action": "accept"}))
        .await;
    let p4: MyReportsPage = api
        .get(
            &format!("api/v1/me/reports?since={}", p3.next_cursor),
            Some(&t),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p4.items.len(), 1);
    assert_eq!(p4.items[0].id, ids[1]);
    assert_eq!(p4.items[0].timeline.len(), 2);
    problem(
        api.get("api/v1/me/reports?since=xyz", Some(&t)).await,
        422,
        pt::VALIDATION,
    )
    .await;
    problem(
        api.get("api/v1/me/reports?limit=0", Some(&t)).await,
        422,
        pt::VALIDATION,
    )
    .await;
    problem(
        api.get("api/v1/me/reports", None).await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn feed_filters_and_vietnamese_search() {
    let api = Api::start().await;
    let t = api.login("0912000050").await.access_token;
    let mut a = new_report("Đường Nguyễn Du ngập sâu sau mưa", THANH_SEN);
    a.category = "cap_thoat_nuoc".into();
    api.create_report(&t, &a).await;
    api.create_report(
        &t,
        &new_report("Đèn chiếu sáng công cộng không hoạt động", VINH_OUTSIDE),
    )
    .await;
    let ids = |p: FeedPage| {
        p.items
            .iter()
            .map(|i| i.description.clone())
            .collect::<Vec<_>>()
    };
    let q = |s: &str| {
        let path = format!("api/v1/feed?{s}");
        let api = &api;
        async move { api.get(&path, None).await }
    };
    for query in [
        "q=duong",
        "q=%C4%90%C6%AF%E1%BB%9CNG",
        "q=nguyen%20du",
        "q=NGAP",
    ] {
        let got = ids(q(query).await.json().await.unwrap());
        assert_eq!(got, ["Đường Nguyễn Du ngập sâu sau mưa"], "{query}");
    }
    assert_eq!(ids(q("q=den").await.json().await.unwrap()).len(), 1);
    assert_eq!(
        ids(q("q=khong%20xyzw").await.json().await.unwrap()).len(),
        0
    );
    // bbox around Thành Sen only.
    assert_eq!(
        ids(q("bbox=105.86,18.30,105.94,18.38")
            .await
            .json()
            .await
            .unwrap())
        .len(),
        1
    );
    assert_eq!(
        ids(q("category=cap_thoat_nuoc").await.json().await.unwrap()).len(),
        1
    );
    assert_eq!(
        ids(q("status=received,forwarded").await.json().await.unwrap()).len(),
        2
    );
    assert_eq!(
        ids(q("status=resolved").await.json().await.unwrap()).len(),
        0
    );
    problem(q("status=lost").await, 422, pt::VALIDATION).await;
    problem(q("category=nope").await, 422, pt::VALIDATION).await;
    // Paging, newest first.
    let p: FeedPage = q("limit=1").await.json().await.unwrap();
    assert_eq!(
        p.items[0].description,
        "Đèn chiếu sáng công cộng không hoạt động"
    );
    let p2: FeedPage = q(&format!("limit=1&cursor={}", p.next_cursor.unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p2.items[0].description, "Đường Nguyễn Du ngập sâu sau mưa");
    assert!(p2.next_cursor.is_none());
    api.stub.shutdown().await;
}

#[tokio::test]
async fn config_units_boundaries_push_tokens() {
    let api = Api::start().await;
    let r = api.get("api/v1/config", None).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let cfg: Value = r.json().await.unwrap();
    let codes: Vec<_> = cfg["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 12);
    assert!(codes.contains(&"giao_thong".to_string()) && codes.contains(&"khac".to_string()));
    assert_eq!(cfg["api_base_url"], api.base.as_str());
    assert_eq!(cfg["rating_scale"].as_array().unwrap().len(), 3);
    let r = api
        .req(Method::GET, "api/v1/config", None)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = api
        .req(Method::GET, "api/v1/config", None)
        .header("If-None-Match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let b = api.get(cfg["boundaries_url"].as_str().unwrap(), None).await;
    assert_eq!(b.headers()["content-type"], "application/geo+json");
    let geo: Value = b.json().await.unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), 69);

    let units: Vec<phananh_wire::UnitInfo> =
        api.get("api/v1/units", None).await.json().await.unwrap();
    assert_eq!(
        units
            .iter()
            .filter(|u| u.kind == phananh_wire::UnitKind::Ward)
            .count(),
        69
    );
    assert!(units
        .iter()
        .any(|u| u.code == "ubnd-18073" && u.name == "UBND Phường Thành Sen"));

    let t = api.login("0912000060").await.access_token;
    let r = api
        .post_json(
            "api/v1/push-tokens",
            Some(&t),
            &json!({"platform": "fcm", "token": "abc"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    problem(
        api.post_json(
            "api/v1/push-tokens",
            Some(&t),
            &json!({"platform": "fcm", "token": ""}),
        )
        .await,
        422,
        pt::VALIDATION,
    )
    .await;
    problem(
        api.post_json(
            "api/v1/push-tokens",
            Some(&t),
            &json!({"platform": "sms", "token": "a"}),
        )
        .await,
        422,
        pt::VALIDATION,
    )
    .await;
    problem(
        api.post_json(
            "api/v1/push-tokens",
            None,
            &json!({"platform": "fcm", "token": "a"}),
        )
        .await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;
    // Status changes reach the registered device (recorded: the stub has no FCM/APNs keys).
    let v: Report = api
        .create_report(&t, &new_report("Cống thoát nước bị tắc nghẽn", THANH_SEN))
        .await
        .json()
        .await
        .unwrap();
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    assert_eq!(
        api.act(&officer, &v.id, json!({"action": "accept"}))
            .await
            .status(),
        200
    );
    let pushes = api.stub.pushes("0912000060");
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    assert_eq!(
        (
            pushes[0].token.as_str(),
            pushes[0].report_id.as_str(),
            pushes[0].status
        ),
        ("abc", v.id.as_str(), ReportStatus::Forwarded)
    );
    assert!(api.stub.pushes("0912000061").is_empty());
    api.stub.shutdown().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let api = Api::with(StubOptions {
        rate_limit: Some(RateLimit {
            per_second: 1.0,
            burst: 3,
        }),
        ..StubOptions::for_tests()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(api.get("api/v1/units", None).await.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    let r = api.get("api/v1/units", None).await;
    assert_eq!(r.headers()["retry-after"], "1");
    problem(r, 429, pt::RATE_LIMITED).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn openapi_document_lists_the_endpoints() {
    let api = Api::start().await;
    let doc: Value = api.get("openapi.json", None).await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/reports",
        "/api/v1/reports/{id}",
        "/api/v1/me/reports",
        "/api/v1/feed",
        "/api/v1/config",
        "/api/v1/officer/cases/{id}/actions",
        "/open311/v2/services.json",
        "/open311/v2/requests.json",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p}");
    }
    assert!(doc["components"]["schemas"].get("NewReport").is_some());
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    api.stub.shutdown().await;
}

#[tokio::test]
async fn simulate_moves_cases_to_resolved() {
    let api = Api::with(StubOptions {
        simulate: Some(std::time::Duration::from_millis(100)),
        ..StubOptions::for_tests()
    })
    .await;
    let t = api.login("0912000070").await.access_token;
    let v: Report = api
        .create_report(&t, &new_report("Cột điện nghiêng sắp đổ", THANH_SEN))
        .await
        .json()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r: Report = api
            .get(&format!("api/v1/reports/{}", v.id), Some(&t))
            .await
            .json()
            .await
            .unwrap();
        if r.status == ReportStatus::Resolved {
            assert_eq!(r.timeline.len(), 4);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "stuck at {:?}",
            r.status
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    api.stub.shutdown().await;
}

#[tokio::test]
async fn injected_faults_after_work_are_safe_to_retry() {
    let api = Api::with(StubOptions {
        faults: phananh_stub::Faults {
            before: 0.0,
            after: 1.0,
        },
        ..StubOptions::for_tests()
    })
    .await;
    let tokens = api.stub.login("0912000080").unwrap();
    let r = new_report("Vỉa hè bị lấn chiếm bán hàng", THANH_SEN);
    for _ in 0..3 {
        let resp = api.create_report(&tokens.access_token, &r).await;
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.headers()["retry-after"], "1");
    }
    assert_eq!(api.stub.report_count(), 1);
    api.stub.shutdown().await;
}

#[tokio::test]
async fn concurrent_retries_of_one_report_create_it_once() {
    let api = std::sync::Arc::new(Api::start().await);
    let t = api.stub.login("0912000090").unwrap().access_token;
    let r = new_report("Gửi lại nhiều lần cùng lúc khi mạng chập chờn", THANH_SEN);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (api, t, r) = (api.clone(), t.clone(), r.clone());
        tasks.push(tokio::spawn(async move {
            let resp = api.create_report(&t, &r).await;
            let status = resp.status().as_u16();
            (status, resp.json::<Report>().await.unwrap().id)
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert_eq!(
        results.iter().filter(|(s, _)| *s == 201).count(),
        1,
        "{results:?}"
    );
    assert!(results
        .iter()
        .all(|(s, id)| (*s == 201 || *s == 200) && *id == results[0].1));
    assert_eq!(api.stub.report_count(), 1);
}
