//! `phananh where` end to end: the real binary, the real boundaries.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn phananh(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_phananh"))
        .args(args)
        .current_dir(root())
        .env_remove("PHANANH_BOUNDARIES")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn thanh_sen_as_json_with_the_default_boundaries_path() {
    let (ok, out, err) = phananh(&["where", "18.342", "105.9057", "--accuracy", "10", "--json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["inside_province"], true);
    assert_eq!(v["ward"]["code"], "18073");
    assert_eq!(v["ward"]["name"], "Thành Sen");
    assert_eq!(v["ward"]["full_name"], "Phường Thành Sen");
    assert_eq!(v["address"], "Phường Thành Sen, tỉnh Hà Tĩnh");
    let candidates = v["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1);
    assert_eq!(candidates[0]["code"], "18073");
    assert_eq!(candidates[0]["distance_m"], 0.0);
}

#[test]
fn vinh_is_outside() {
    let dir = root().join("../shared/data/boundaries");
    let (ok, out, err) = phananh(&[
        "where",
        "18.6796",
        "105.6813",
        "--boundaries",
        dir.to_str().unwrap(),
        "--json",
    ]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["inside_province"], false);
    assert_eq!(v["ward"], Value::Null);
    assert_eq!(v["candidates"], serde_json::json!([]));
    assert_eq!(v["address"], Value::Null);
    let (ok, out, _) = phananh(&["where", "18.6796", "105.6813"]);
    assert!(ok);
    assert_eq!(out.trim(), "Ngoài tỉnh Hà Tĩnh");
}

#[test]
fn bad_input_fails_with_a_message() {
    let (ok, _, err) = phananh(&["where", "118.3", "105.9"]);
    assert!(!ok);
    assert!(err.contains("not a WGS84"), "{err}");
    let (ok, _, err) = phananh(&["where", "18.3", "105.9", "--accuracy", "-5"]);
    assert!(!ok);
    assert!(err.contains("accuracy"), "{err}");
    let (ok, _, err) = phananh(&["where", "18.3", "105.9", "--boundaries", "/nonexistent"]);
    assert!(!ok);
    assert!(
        err.contains("loading boundaries from /nonexistent"),
        "{err}"
    );
}
