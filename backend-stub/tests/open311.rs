//! Open311 GeoReport v2 surface over loopback.

mod common;

use common::*;
use phananh_wire::{problem_types as pt, Role};
use serde_json::{json, Value};

async fn post_form(api: &Api, form: &[(&str, &str)]) -> reqwest::Response {
    api.http.post(api.url("open311/v2/requests.json")).form(form).send().await.unwrap()
}

#[tokio::test]
async fn services_and_definitions() {
    let api = Api::start().await;
    let s: Value = api.get("open311/v2/services.json", None).await.json().await.unwrap();
    let s = s.as_array().unwrap();
    assert_eq!(s.len(), 12);
    assert_eq!(s[0]["service_code"], "giao_thong");
    assert_eq!(s[0]["service_name"], "Giao thông");
    assert_eq!(s[0]["type"], "realtime");
    let d: Value = api.get("open311/v2/services/moi_truong.json", None).await.json().await.unwrap();
    assert_eq!(d["service_code"], "moi_truong");
    assert_eq!(d["attributes"][0]["code"], "muc_do");
    assert_eq!(d["attributes"][0]["values"].as_array().unwrap().len(), 3);
    problem(api.get("open311/v2/services/nope.json", None).await, 404, pt::NOT_FOUND).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn post_get_and_updates() {
    let api = Api::start().await;
    let base = [
        ("service_code", "moi_truong"),
        ("lat", "18.342"),
        ("long", "105.9057"),
        ("description", "Nước thải chảy tràn ra đường"),
        ("phone", "0914000001"),
        ("attribute[muc_do]", "nghiem_trong"),
    ];
    problem(post_form(&api, &base).await, 401, pt::UNAUTHORIZED).await;
    let mut bad_key = base.to_vec();
    bad_key.push(("api_key", "wrong"));
    problem(post_form(&api, &bad_key).await, 403, pt::FORBIDDEN).await;
    let mut bad = base.to_vec();
    bad.extend([("api_key", "dev-open311-key"), ("lat", "x")]);
    bad.retain(|(k, v)| *k != "lat" || *v == "x");
    bad.push(("attribute[mau]", "do"));
    let p = problem(post_form(&api, &bad).await, 422, pt::VALIDATION).await;
    let fields: Vec<_> = p.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["lat", "attributes.mau"]);

    // "NaN" parses as a float; it must still be refused, not stored.
    let mut nan = base.to_vec();
    nan.retain(|(k, _)| *k != "long");
    nan.extend([("api_key", "dev-open311-key"), ("long", "NaN")]);
    let p = problem(post_form(&api, &nan).await, 422, pt::VALIDATION).await;
    assert_eq!(p.errors[0].field, "long");

    let mut ok = base.to_vec();
    ok.push(("api_key", "dev-open311-key"));
    let r = post_form(&api, &ok).await;
    assert_eq!(r.status(), 200);
    let created: Value = r.json().await.unwrap();
    let id = created[0]["service_request_id"].as_str().unwrap().to_string();

    let one: Value = api.get(&format!("open311/v2/requests/{id}.json"), None).await.json().await.unwrap();
    let one = &one[0];
    assert_eq!(one["status"], "open");
    assert_eq!(one["extended_attributes"]["status"], "received");
    assert_eq!(one["extended_attributes"]["ward_code"], "18073");
    assert_eq!(one["agency_responsible"], "UBND Phường Thành Sen");
    assert_eq!(one["long"], 105.9057);
    assert!(one["expected_datetime"].is_string());
    assert!(!one.to_string().contains("914000001"), "no reporter data in Open311");
    problem(api.get("open311/v2/requests/999.json", None).await, 404, pt::NOT_FOUND).await;

    // The same case through the workflow: status maps to closed, updates list each step.
    let officer = api.stub.staff_login("ubnd-18073", Role::Officer).unwrap().access_token;
    for a in [json!({"action": "accept"}), json!({"action": "start"}), json!({"action": "resolve", "message": "Đã nạo vét cống"})] {
        assert_eq!(api.act(&officer, &id, a).await.status(), 200);
    }
    let open: Value = api.get("open311/v2/requests.json?status=open", None).await.json().await.unwrap();
    assert_eq!(open.as_array().unwrap().len(), 0);
    let closed: Value = api.get("open311/v2/requests.json?status=closed&service_code=moi_truong", None).await.json().await.unwrap();
    assert_eq!(closed[0]["service_request_id"], id.as_str());
    assert_eq!(closed[0]["status_notes"], "Đã nạo vét cống");
    let none: Value = api.get("open311/v2/requests.json?service_code=y_te", None).await.json().await.unwrap();
    assert_eq!(none.as_array().unwrap().len(), 0);
    let u: Value = api.get("open311/v2/servicerequestupdates.json", None).await.json().await.unwrap();
    let ups = u["service_request_updates"].as_array().unwrap();
    let codes: Vec<_> = ups.iter().map(|x| x["external_status_code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["received", "forwarded", "in_progress", "resolved"]);
    assert_eq!(ups[3]["status"], "closed");
    problem(api.get("open311/v2/servicerequestupdates.json?start_date=yesterday", None).await, 422, pt::VALIDATION).await;
    let future: Value = api.get("open311/v2/servicerequestupdates.json?start_date=2099-01-01T00:00:00Z", None).await.json().await.unwrap();
    assert_eq!(future["service_request_updates"].as_array().unwrap().len(), 0);
    // The reporter, identified by phone, sees it as theirs in the app API.
    let t = api.login("0914000001").await.access_token;
    let mine: Value = api.get("api/v1/me/reports", Some(&t)).await.json().await.unwrap();
    assert_eq!(mine["items"][0]["id"], id.as_str());
    api.stub.shutdown().await;
}
