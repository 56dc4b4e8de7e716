//! Issue 14 over loopback HTTP: a refresh whose answer is lost can be retried; a spent
//! refresh token replayed by anyone else revokes the whole sign-in; logout revokes the
//! session's tokens and its push tokens. Each test plays the request sequence of the client
//! (or the attacker) and checks what the server then accepts.

mod common;

use std::time::{Duration, Instant};

use common::*;
use phananh_stub::StubOptions;
use phananh_wire::{problem_types as pt, Report, Role, TokenPair};
use serde_json::json;

async fn refresh(api: &Api, token: &str) -> reqwest::Response {
    api.post_json(
        "api/v1/auth/refresh",
        None,
        &json!({ "refresh_token": token }),
    )
    .await
}

async fn refreshed(api: &Api, token: &str) -> TokenPair {
    let r = refresh(api, token).await;
    assert_eq!(r.status(), 200, "refresh refused: {:?}", r.text().await);
    r.json().await.unwrap()
}

async fn status_of_me(api: &Api, access: &str) -> u16 {
    api.get("api/v1/me", Some(access)).await.status().as_u16()
}

#[tokio::test]
async fn a_refresh_whose_answer_was_lost_is_answered_again_with_the_same_pair() {
    let api = Api::start().await;
    let first = api.login("0912000101").await;
    // The answer to this refresh is "lost": the client still holds `first`.
    let lost = refreshed(&api, &first.refresh_token).await;
    // Retrying with the token it holds gets the very pair it missed, not a third one.
    let again = refreshed(&api, &first.refresh_token).await;
    assert_eq!(
        (again.access_token.as_str(), again.refresh_token.as_str()),
        (lost.access_token.as_str(), lost.refresh_token.as_str())
    );
    assert_eq!(again.access_expires_at, lost.access_expires_at);
    assert_eq!(status_of_me(&api, &again.access_token).await, 200);
    // The session goes on normally from there.
    let next = refreshed(&api, &again.refresh_token).await;
    assert_eq!(status_of_me(&api, &next.access_token).await, 200);
    api.stub.shutdown().await;
}

#[tokio::test]
async fn replaying_a_spent_refresh_token_after_its_successor_was_used_revokes_the_sign_in() {
    let api = Api::start().await;
    let stolen = api.login("0912000102").await;
    // The other device of the same person: a separate sign-in, which must survive.
    let other_device = api.login("0912000102").await;
    // The resident refreshes and goes on using the new pair.
    let mine = refreshed(&api, &stolen.refresh_token).await;
    assert_eq!(status_of_me(&api, &mine.access_token).await, 200);
    // An attacker who copied the old refresh token replays it, inside the grace period.
    let r = refresh(&api, &stolen.refresh_token).await;
    problem(r, 401, pt::UNAUTHORIZED).await;
    // Everything of that sign-in is dead: the resident's current pair as well (they sign in
    // again; the attacker gets nothing).
    assert_eq!(status_of_me(&api, &mine.access_token).await, 401);
    problem(
        refresh(&api, &mine.refresh_token).await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;
    assert_eq!(status_of_me(&api, &stolen.access_token).await, 401);
    // The other sign-in of the same person is untouched.
    assert_eq!(status_of_me(&api, &other_device.access_token).await, 200);
    let _ = refreshed(&api, &other_device.refresh_token).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn a_spent_refresh_token_presented_after_the_grace_period_revokes_the_sign_in() {
    let grace = Duration::from_millis(300);
    let api = Api::with(StubOptions {
        refresh_grace: grace,
        ..StubOptions::for_tests()
    })
    .await;
    let first = api.login("0912000103").await;
    let t0 = Instant::now();
    let successor = refreshed(&api, &first.refresh_token).await;
    // Wait until the grace period has certainly ended (measured from before the refresh).
    tokio::time::sleep(grace.saturating_sub(t0.elapsed()) + Duration::from_millis(50)).await;
    problem(
        refresh(&api, &first.refresh_token).await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;
    // The unused successor dies with the family: a late replay cannot be told from a theft.
    problem(
        refresh(&api, &successor.refresh_token).await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;
    assert_eq!(status_of_me(&api, &successor.access_token).await, 401);
    api.stub.shutdown().await;
}

#[tokio::test]
async fn logout_revokes_the_session_its_refresh_token_and_its_push_tokens() {
    let api = Api::start().await;
    let phone = "0912000104";
    let phone_a = api.login(phone).await; // the phone being signed out
    let tablet = api.login(phone).await; // another device of the same person
    for (t, push) in [
        (&phone_a.access_token, "push-of-phone"),
        (&tablet.access_token, "push-of-tablet"),
    ] {
        let r = api
            .post_json(
                "api/v1/push-tokens",
                Some(t),
                &json!({"platform": "fcm", "token": push}),
            )
            .await;
        assert_eq!(r.status(), 204);
    }
    // Without a token, or with a garbage one, nothing is revoked.
    problem(
        api.post_json("api/v1/auth/logout", None, &json!({})).await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;
    problem(
        api.post_json("api/v1/auth/logout", Some("forged"), &json!({}))
            .await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;
    assert_eq!(status_of_me(&api, &phone_a.access_token).await, 200);

    let r = api
        .post_json(
            "api/v1/auth/logout",
            Some(&phone_a.access_token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(status_of_me(&api, &phone_a.access_token).await, 401);
    problem(
        refresh(&api, &phone_a.refresh_token).await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;
    // Logging out twice is a 401, not a crash.
    problem(
        api.post_json(
            "api/v1/auth/logout",
            Some(&phone_a.access_token),
            &json!({}),
        )
        .await,
        401,
        pt::UNAUTHORIZED,
    )
    .await;

    // News of the resident's case now reaches the tablet only.
    let v: Report = api
        .create_report(
            &tablet.access_token,
            &new_report("Đèn đường hỏng trước ngõ", THANH_SEN),
        )
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
    let tokens: Vec<String> = api
        .stub
        .pushes(phone)
        .into_iter()
        .map(|p| p.token)
        .collect();
    assert_eq!(tokens, vec!["push-of-tablet".to_string()]);
    // The tablet's sign-in is untouched.
    assert_eq!(status_of_me(&api, &tablet.access_token).await, 200);
    api.stub.shutdown().await;
}
