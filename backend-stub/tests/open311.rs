//! Open311 GeoReport v2 surface over loopback, in XML (the spec's required format) and
//! JSON: element names of every XML answer checked against the spec's, error lists and
//! statuses as the spec says, jurisdiction_id, media_url, discovery. An independent client
//! (the `georeport` package from PyPI) runs in scripts/ci/33-stub-open311.sh.

mod common;

use std::collections::BTreeSet;

use common::*;
use phananh_stub::StubOptions;
use phananh_wire::Role;
use serde_json::{json, Value};

async fn post_form(api: &Api, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    api.http
        .post(api.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Element names the spec (and FixMyStreet's updates extension) define, per document root.
fn allowed(root: &str) -> BTreeSet<&'static str> {
    let v: &[&str] = match root {
        "services" => &[
            "services",
            "service",
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ],
        "service_definition" => &[
            "service_definition",
            "service_code",
            "attributes",
            "attribute",
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
            "value",
            "key",
            "name",
        ],
        "service_requests" => &[
            "service_requests",
            "request",
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "lat",
            "long",
            "media_url",
            "token",
            "account_id",
            // Our one extension element (issue 13, "me too"), after the spec's fields.
            "supporters",
        ],
        "service_request_updates" => &[
            "service_request_updates",
            "request_update",
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url",
            "external_status_code",
        ],
        "errors" => &["errors", "error", "code", "description"],
        "discovery" => &[
            "discovery",
            "changeset",
            "contact",
            "key_service",
            "endpoints",
            "endpoint",
            "specification",
            "url",
            "type",
            "formats",
            "format",
        ],
        _ => &[],
    };
    v.iter().copied().collect()
}

/// A parsed XML element: name, text, children.
#[derive(Debug)]
struct El {
    name: String,
    text: String,
    kids: Vec<El>,
}

impl El {
    fn get(&self, name: &str) -> Option<&El> {
        self.kids.iter().find(|k| k.name == name)
    }
    fn all(&self, name: &str) -> Vec<&El> {
        self.kids.iter().filter(|k| k.name == name).collect()
    }
    fn text_of(&self, name: &str) -> String {
        self.get(name).map(|e| e.text.clone()).unwrap_or_default()
    }
    fn names(&self, out: &mut BTreeSet<String>) {
        out.insert(self.name.clone());
        for k in &self.kids {
            k.names(out);
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A small strict parser for the documents the stub writes (no attributes, no mixed content):
/// every tag closed in order, one root, nothing after it.
fn parse_xml(doc: &str) -> El {
    let body = doc
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .expect("XML declaration with UTF-8")
        .trim_start();
    let mut stack: Vec<El> = vec![];
    let mut root = None;
    let mut i = 0;
    let b = body.as_bytes();
    while i < b.len() {
        if b[i] == b'<' {
            let end = body[i..].find('>').expect("tag end") + i;
            let tag = &body[i + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                let el = stack.pop().expect("close without open");
                assert_eq!(el.name, name, "mismatched close tag");
                match stack.last_mut() {
                    Some(p) => p.kids.push(el),
                    None => root = Some(el),
                }
            } else if let Some(name) = tag.strip_suffix('/') {
                let el = El {
                    name: name.to_string(),
                    text: String::new(),
                    kids: vec![],
                };
                match stack.last_mut() {
                    Some(p) => p.kids.push(el),
                    None => root = Some(el),
                }
            } else {
                assert!(
                    tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "bad tag {tag:?}"
                );
                stack.push(El {
                    name: tag.to_string(),
                    text: String::new(),
                    kids: vec![],
                });
            }
            i = end + 1;
        } else {
            let end = body[i..].find('<').map(|e| e + i).unwrap_or(b.len());
            let text = &body[i..end];
            match stack.last_mut() {
                Some(p) => p.text += &unescape(text),
                None => assert!(text.trim().is_empty(), "text outside the root"),
            }
            i = end;
        }
    }
    assert!(stack.is_empty(), "unclosed elements");
    root.expect("a root element")
}

/// GET/POST answer as XML: content type, declaration, and only the spec's element names
/// (plus the `supporters` extension of requests).
async fn xml(r: reqwest::Response, status: u16) -> El {
    assert_eq!(r.status().as_u16(), status, "{}", r.url());
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/xml") && ct.contains("utf-8"), "{ct}");
    let doc = parse_xml(&r.text().await.unwrap());
    let mut names = BTreeSet::new();
    doc.names(&mut names);
    let ok = allowed(&doc.name);
    assert!(!ok.is_empty(), "unknown root {}", doc.name);
    let extra: Vec<_> = names.iter().filter(|n| !ok.contains(n.as_str())).collect();
    assert!(
        extra.is_empty(),
        "elements outside the spec in <{}>: {extra:?}",
        doc.name
    );
    doc
}

/// An error answer as the spec's JSON list.
async fn json_errors(r: reqwest::Response, status: u16) -> Vec<Value> {
    assert_eq!(r.status().as_u16(), status, "{}", r.url());
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let v: Value = r.json().await.unwrap();
    let list = v.as_array().expect("a list of errors").clone();
    assert!(!list.is_empty());
    for e in &list {
        assert_eq!(e["code"], status);
        assert!(e["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
    list
}

async fn xml_errors(r: reqwest::Response, status: u16) -> Vec<String> {
    let doc = xml(r, status).await;
    assert_eq!(doc.name, "errors");
    doc.all("error")
        .iter()
        .map(|e| {
            assert_eq!(e.text_of("code"), status.to_string());
            e.text_of("description")
        })
        .collect()
}

#[tokio::test]
async fn discovery_services_and_definitions_in_xml_and_json() {
    let api = Api::start().await;
    for path in ["open311/discovery.json", "open311/v2/discovery.json"] {
        let d: Value = api.get(path, None).await.json().await.unwrap();
        let e = &d["endpoints"][0];
        assert_eq!(e["specification"], "http://wiki.open311.org/GeoReport_v2");
        assert_eq!(e["url"].as_str().unwrap(), api.url("open311/v2"));
        assert_eq!(e["formats"], json!(["text/xml", "application/json"]));
    }
    let d = xml(api.get("open311/discovery.xml", None).await, 200).await;
    let formats: Vec<_> = d
        .get("endpoints")
        .unwrap()
        .get("endpoint")
        .unwrap()
        .get("formats")
        .unwrap()
        .all("format")
        .iter()
        .map(|f| f.text.clone())
        .collect();
    assert_eq!(formats, ["text/xml", "application/json"]);

    let s: Value = api
        .get("open311/v2/services.json", None)
        .await
        .json()
        .await
        .unwrap();
    let s = s.as_array().unwrap();
    assert_eq!(s.len(), 12);
    assert_eq!(
        (
            s[0]["service_code"].as_str(),
            s[0]["service_name"].as_str(),
            s[0]["type"].as_str()
        ),
        (Some("giao_thong"), Some("Giao thông"), Some("realtime"))
    );
    let x = xml(api.get("open311/v2/services.xml", None).await, 200).await;
    assert_eq!(x.name, "services");
    let xs = x.all("service");
    assert_eq!(xs.len(), 12);
    assert_eq!(
        (
            xs[0].text_of("service_code"),
            xs[0].text_of("service_name"),
            xs[0].text_of("metadata")
        ),
        ("giao_thong".into(), "Giao thông".into(), "true".into())
    );

    let d: Value = api
        .get("open311/v2/services/moi_truong.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["attributes"][0]["code"], "muc_do");
    assert_eq!(d["attributes"][0]["values"].as_array().unwrap().len(), 3);
    for path in [
        "open311/v2/services/moi_truong.xml",
        "open311/v2/services/moi_truong",
    ] {
        let x = xml(api.get(path, None).await, 200).await;
        assert_eq!(x.name, "service_definition");
        let a = x.get("attributes").unwrap().get("attribute").unwrap();
        assert_eq!(a.text_of("code"), "muc_do");
        assert_eq!(a.get("values").unwrap().all("value").len(), 3);
    }
    // Errors: the spec's list, in the path's format.
    json_errors(api.get("open311/v2/services/nope.json", None).await, 404).await;
    xml_errors(api.get("open311/v2/services/nope.xml", None).await, 404).await;
    xml_errors(api.get("open311/v2/nothing.xml", None).await, 404).await;
    // jurisdiction_id: ours (any case) is fine, another is 404.
    assert_eq!(
        api.get(
            "open311/v2/services.json?jurisdiction_id=HATINH.gov.vn",
            None
        )
        .await
        .status(),
        200
    );
    let e = json_errors(
        api.get("open311/v2/services.json?jurisdiction_id=hue.gov.vn", None)
            .await,
        404,
    )
    .await;
    assert!(e[0]["description"]
        .as_str()
        .unwrap()
        .contains("jurisdiction_id"));
    xml_errors(
        api.get("open311/v2/requests.xml?jurisdiction_id=hue.gov.vn", None)
            .await,
        404,
    )
    .await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn post_get_and_updates_in_xml_and_json() {
    let api = Api::start().await;
    let base = [
        ("service_code", "moi_truong"),
        ("lat", "18.342"),
        ("long", "105.9057"),
        ("description", "Nước thải chảy tràn ra đường"),
        ("attribute[muc_do]", "nghiem_trong"),
        ("media_url", "https://example.org/anh/nuoc-thai.jpg"),
    ];
    // Keys: missing or unknown is 403.
    json_errors(
        post_form(&api, "open311/v2/requests.json", &base).await,
        403,
    )
    .await;
    let mut bad_key = base.to_vec();
    bad_key.push(("api_key", "wrong"));
    xml_errors(
        post_form(&api, "open311/v2/requests.xml", &bad_key).await,
        403,
    )
    .await;
    // Bad fields: 400 with one error per field.
    let mut bad = base.to_vec();
    bad.extend([("api_key", "dev-open311-key"), ("lat", "x")]);
    bad.retain(|(k, v)| *k != "lat" || *v == "x");
    bad.push(("attribute[mau]", "do"));
    let e = json_errors(post_form(&api, "open311/v2/requests.json", &bad).await, 400).await;
    let fields: Vec<_> = e
        .iter()
        .map(|x| {
            x["description"]
                .as_str()
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(fields, ["lat", "attributes.mau"]);
    // No location at all: 400 (the spec's status), saying what is missing.
    let mut nowhere = base.to_vec();
    nowhere.retain(|(k, _)| *k != "lat" && *k != "long");
    nowhere.extend([
        ("api_key", "dev-open311-key"),
        ("address_string", "12 Trần Phú"),
    ]);
    let d = xml_errors(
        post_form(&api, "open311/v2/requests.xml", &nowhere).await,
        400,
    )
    .await;
    assert!(
        d.iter().any(|x| x.starts_with("lat:")) && d.iter().any(|x| x.starts_with("long:")),
        "{d:?}"
    );
    // "NaN" parses as a float; it must still be refused, not stored.
    let mut nan = base.to_vec();
    nan.retain(|(k, _)| *k != "long");
    nan.extend([("api_key", "dev-open311-key"), ("long", "NaN")]);
    json_errors(post_form(&api, "open311/v2/requests.json", &nan).await, 400).await;
    // A media_url that is not an http(s) URL.
    let mut js = base.to_vec();
    js.retain(|(k, _)| *k != "media_url");
    js.extend([
        ("api_key", "dev-open311-key"),
        ("media_url", "javascript:alert(1)"),
    ]);
    json_errors(post_form(&api, "open311/v2/requests.json", &js).await, 400).await;
    // Another jurisdiction.
    let mut other = base.to_vec();
    other.extend([
        ("api_key", "dev-open311-key"),
        ("jurisdiction_id", "hue.gov.vn"),
    ]);
    json_errors(
        post_form(&api, "open311/v2/requests.json", &other).await,
        404,
    )
    .await;
    assert_eq!(api.stub.report_count(), 0);

    let mut ok = base.to_vec();
    ok.extend([
        ("api_key", "dev-open311-key"),
        ("jurisdiction_id", "hatinh.gov.vn"),
    ]);
    let r = post_form(&api, "open311/v2/requests.json", &ok).await;
    assert_eq!(r.status(), 200);
    let created: Value = r.json().await.unwrap();
    let id = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let x = xml(post_form(&api, "open311/v2/requests.xml", &ok).await, 200).await;
    assert_eq!(x.name, "service_requests");
    let id2 = x.get("request").unwrap().text_of("service_request_id");
    assert_ne!(id2, id);

    let one: Value = api
        .get(&format!("open311/v2/requests/{id}.json"), None)
        .await
        .json()
        .await
        .unwrap();
    let one = &one[0];
    assert_eq!(one["status"], "open");
    assert_eq!(one["extended_attributes"]["status"], "received");
    assert_eq!(one["extended_attributes"]["ward_code"], "18073");
    assert_eq!(one["agency_responsible"], "UBND Phường Thành Sen");
    assert_eq!(one["long"], 105.9057);
    assert_eq!(
        one["media_url"], "https://example.org/anh/nuoc-thai.jpg",
        "media_url kept and shown"
    );
    let dt = one["requested_datetime"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(dt).is_ok() && dt.ends_with('Z'),
        "{dt}"
    );
    for path in [
        format!("open311/v2/requests/{id}.xml"),
        format!("open311/v2/requests/{id}"),
    ] {
        let x = xml(api.get(&path, None).await, 200).await;
        let req = x.get("request").unwrap();
        assert_eq!(req.text_of("service_request_id"), id);
        assert_eq!(req.text_of("status"), "open");
        assert_eq!(req.text_of("long"), "105.9057");
        assert_eq!(
            req.text_of("media_url"),
            "https://example.org/anh/nuoc-thai.jpg"
        );
    }
    json_errors(api.get("open311/v2/requests/999.json", None).await, 404).await;
    xml_errors(api.get("open311/v2/requests/999.xml", None).await, 404).await;

    // The same case through the workflow: status maps to closed, updates list each step.
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    for a in [
        json!({"action": "accept"}),
        json!({"action": "start"}),
        json!({"action": "resolve", "message": "Đã nạo vét cống"}),
    ] {
        assert_eq!(api.act(&officer, &id, a).await.status(), 200);
    }
    let open: Value = api
        .get("open311/v2/requests.json?status=open", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        open.as_array().unwrap().len(),
        1,
        "only the second request is open"
    );
    let closed: Value = api
        .get(
            "open311/v2/requests.json?status=closed&service_code=moi_truong",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed[0]["service_request_id"], id.as_str());
    assert_eq!(closed[0]["status_notes"], "Đã nạo vét cống");
    let x = xml(
        api.get("open311/v2/requests.xml?status=closed", None).await,
        200,
    )
    .await;
    assert_eq!(x.all("request").len(), 1);
    let none: Value = api
        .get("open311/v2/requests.json?service_code=y_te", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none.as_array().unwrap().len(), 0);
    let both: Value = api
        .get(
            &format!("open311/v2/requests.json?service_request_id={id},{id2}"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(both.as_array().unwrap().len(), 2);
    json_errors(
        api.get("open311/v2/requests.json?status=lost", None).await,
        400,
    )
    .await;

    let u: Value = api
        .get("open311/v2/servicerequestupdates.json", None)
        .await
        .json()
        .await
        .unwrap();
    let ups: Vec<_> = u["service_request_updates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["service_request_id"] == id.as_str())
        .cloned()
        .collect();
    let codes: Vec<_> = ups
        .iter()
        .map(|x| x["external_status_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["received", "forwarded", "in_progress", "resolved"]);
    assert_eq!(ups[3]["status"], "closed");
    let x = xml(
        api.get("open311/v2/servicerequestupdates.xml", None).await,
        200,
    )
    .await;
    assert_eq!(x.name, "service_request_updates");
    let last = x
        .all("request_update")
        .into_iter()
        .filter(|u| u.text_of("service_request_id") == id)
        .last()
        .unwrap();
    assert_eq!(
        (last.text_of("status"), last.text_of("external_status_code")),
        ("closed".into(), "resolved".into())
    );
    json_errors(
        api.get(
            "open311/v2/servicerequestupdates.json?start_date=yesterday",
            None,
        )
        .await,
        400,
    )
    .await;
    xml_errors(
        api.get(
            "open311/v2/servicerequestupdates.xml?start_date=yesterday",
            None,
        )
        .await,
        400,
    )
    .await;
    let future: Value = api
        .get(
            "open311/v2/servicerequestupdates.json?start_date=2099-01-01T00:00:00Z",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        future["service_request_updates"].as_array().unwrap().len(),
        0
    );
    // A wrong method is an Open311 error too.
    let r = api
        .http
        .delete(api.url("open311/v2/services.xml"))
        .send()
        .await
        .unwrap();
    xml_errors(r, 405).await;
    api.stub.shutdown().await;
}

#[tokio::test]
async fn open311_keys_exist_only_when_configured() {
    // Not dev, no key configured: the published dev key opens nothing.
    let api = Api::with(StubOptions {
        dev: false,
        ..StubOptions::for_tests()
    })
    .await;
    let form = [
        ("api_key", "dev-open311-key"),
        ("service_code", "moi_truong"),
        ("lat", "18.342"),
        ("long", "105.9057"),
        ("description", "Nước thải chảy tràn ra đường"),
    ];
    json_errors(
        post_form(&api, "open311/v2/requests.json", &form).await,
        403,
    )
    .await;
    assert_eq!(api.stub.report_count(), 0);
    api.stub.shutdown().await;

    // A configured key works; the dev key still does not.
    let key = "city-integration-7f3a9c1d2e";
    let api = Api::with(StubOptions {
        dev: false,
        open311_api_keys: vec![("city".into(), key.into())],
        ..StubOptions::for_tests()
    })
    .await;
    json_errors(
        post_form(&api, "open311/v2/requests.json", &form).await,
        403,
    )
    .await;
    let mut good = form.to_vec();
    good[0] = ("api_key", key);
    assert_eq!(
        post_form(&api, "open311/v2/requests.json", &good)
            .await
            .status(),
        200
    );
    assert_eq!(api.stub.report_count(), 1);
    api.stub.shutdown().await;
}

#[tokio::test]
async fn an_open311_phone_never_files_into_a_resident_account() {
    let api = Api::start().await;
    // The resident whose number an integrator (or an attacker) names.
    let victim = api.login("0914000001").await.access_token;
    let r = api
        .post_json(
            "api/v1/push-tokens",
            Some(&victim),
            &json!({"platform": "fcm", "token": "victim-device"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    let form = [
        ("api_key", "dev-open311-key"),
        ("service_code", "moi_truong"),
        ("lat", "18.342"),
        ("long", "105.9057"),
        ("description", "Nước thải chảy tràn ra đường"),
        ("phone", "0914000001"),
        ("first_name", "Nguyễn"),
        ("last_name", "Văn A"),
    ];
    let created: Value = post_form(&api, "open311/v2/requests.json", &form)
        .await
        .json()
        .await
        .unwrap();
    let id = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Not in their reports, no pushes to their device as the case moves.
    let mine: Value = api
        .get("api/v1/me/reports", Some(&victim))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 0);
    let officer = api
        .stub
        .staff_login("ubnd-18073", Role::Officer)
        .unwrap()
        .access_token;
    assert_eq!(
        api.act(&officer, &id, json!({"action": "accept"}))
            .await
            .status(),
        200
    );
    assert!(api.stub.pushes("0914000001").is_empty());
    // The resident cannot rate it as theirs.
    let r = api
        .req(
            reqwest::Method::PUT,
            &format!("api/v1/reports/{id}/rating"),
            Some(&victim),
        )
        .json(&json!({"level": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The handling ward does not see the contact; the IOC does, marked as from Open311.
    let seen: Value = api
        .get(&format!("api/v1/reports/{id}"), Some(&officer))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        seen.get("reporter").is_none() && !seen.to_string().contains("914000001"),
        "{seen}"
    );
    let ioc = api
        .stub
        .staff_login(phananh_stub::IOC, Role::Officer)
        .unwrap()
        .access_token;
    let seen: phananh_wire::Report = api
        .get(&format!("api/v1/reports/{id}"), Some(&ioc))
        .await
        .json()
        .await
        .unwrap();
    let who = seen.reporter.expect("IOC sees the Open311 contact");
    assert_eq!(who.phone, "+84914000001");
    assert_eq!(
        who.display_name.as_deref(),
        Some("Nguyễn Văn A (Open311: dev)")
    );
    // Public views and Open311 itself: no contact details.
    for path in [
        format!("open311/v2/requests/{id}.json"),
        format!("open311/v2/requests/{id}.xml"),
        format!("api/v1/reports/{id}"),
        "api/v1/feed".into(),
    ] {
        let text = api.get(&path, None).await.text().await.unwrap();
        assert!(
            !text.contains("914000001") && !text.contains("Văn A"),
            "{path}: {text}"
        );
    }
    api.stub.shutdown().await;
}
