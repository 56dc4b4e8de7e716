//! Drafts through the public Client API, on a real SQLite file and real photos.

use std::path::PathBuf;

use phananh_core::model::{DraftPatch, LocalState, LocationFix, LocationSource, MediaKind, OutboxKind};
use phananh_core::{Client, ClientOptions, Error, ValidationReason};

fn photo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/photos").join(name)
}

fn fix() -> LocationFix {
    LocationFix { lat: 18.342, lon: 105.9057, accuracy_m: Some(6.0), altitude_m: None, time: chrono::Utc::now(), source: LocationSource::DeviceGps }
}

fn complete(client: &Client) -> uuid::Uuid {
    let d = client.create_draft().unwrap();
    client
        .update_draft(
            d.id,
            &DraftPatch {
                category: Some(Some("moi_truong".into())),
                description: Some("Rác thải đổ trộm ven đường".into()),
                location: Some(Some(fix())),
                ..Default::default()
            },
        )
        .unwrap();
    d.id
}

#[test]
fn autosave_applies_only_the_fields_given_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let client = Client::open(ClientOptions::new(dir.path())).unwrap();
        let d = client.create_draft().unwrap();
        client.update_draft(d.id, &DraftPatch { description: Some("Đèn đường hỏng".into()), ..Default::default() }).unwrap();
        let after = client.update_draft(d.id, &DraftPatch { anonymous: Some(true), ..Default::default() }).unwrap();
        assert_eq!(after.description, "Đèn đường hỏng", "a patch without description keeps it");
        assert!(after.updated_at >= d.updated_at);
        d.id
    };
    let client = Client::open(ClientOptions::new(dir.path())).unwrap();
    let d = client.draft(id).unwrap();
    assert_eq!((d.description.as_str(), d.anonymous), ("Đèn đường hỏng", true));
    let cleared = client.update_draft(id, &DraftPatch { category: Some(None), location: Some(None), ..Default::default() }).unwrap();
    assert_eq!((cleared.category, cleared.location), (None, None));
    assert_eq!(client.drafts().unwrap().len(), 1);
}

#[test]
fn attachments_are_copied_so_the_original_may_vanish() {
    let dir = tempfile::tempdir().unwrap();
    let gallery = tempfile::tempdir().unwrap();
    let original = gallery.path().join("IMG_0001.jpg");
    std::fs::copy(photo("orientation/portrait_3.jpg"), &original).unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).unwrap();
    let id = complete(&client);
    let a = client.add_attachment(id, &original).unwrap();
    std::fs::remove_file(&original).unwrap();
    assert_eq!(a.kind, MediaKind::Photo);
    assert_eq!(a.original_name, "IMG_0001.jpg");
    assert!(a.stored_path.starts_with(dir.path().to_str().unwrap()));
    assert_eq!(std::fs::read(&a.stored_path).unwrap(), std::fs::read(photo("orientation/portrait_3.jpg")).unwrap());
    // Recorded relative to the storage dir: the app container may move (iOS updates).
    let moved = tempfile::tempdir().unwrap();
    let new_home = moved.path().join("home");
    drop(client);
    std::fs::rename(dir.path(), &new_home).unwrap();
    let client = Client::open(ClientOptions::new(&new_home)).unwrap();
    let again = &client.draft(id).unwrap().attachments[0];
    assert!(std::path::Path::new(&again.stored_path).exists(), "{}", again.stored_path);
    client.remove_attachment(again.id).unwrap();
    assert!(!std::path::Path::new(&again.stored_path).exists());
    assert!(client.draft(id).unwrap().attachments.is_empty());
}

#[test]
fn files_that_are_not_media_are_refused_with_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).unwrap();
    let id = complete(&client);
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "không phải ảnh").unwrap();
    assert!(matches!(client.add_attachment(id, &junk), Err(Error::Media(_))));
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(client.add_attachment(id, &empty), Err(Error::Media(_))));
    assert!(matches!(client.add_attachment(id, &dir.path().join("missing.jpg")), Err(Error::Io { .. })));
    assert!(client.draft(id).unwrap().attachments.is_empty());
}

#[test]
fn oversized_input_is_refused_before_it_fills_storage() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = ClientOptions::new(dir.path());
    opts.default_config.media.max_photo_input_bytes = 100_000;
    let client = Client::open(opts).unwrap();
    let id = complete(&client);
    match client.add_attachment(id, &photo("samsung_galaxy_s7_edge_SM-G935L.jpg")) {
        Err(Error::Validation(errs)) => assert_eq!(errs[0].reason, ValidationReason::TooLarge { max_bytes: 100_000 }),
        other => panic!("{other:?}"),
    }
    let leftovers: Vec<_> = walk(dir.path()).into_iter().filter(|p| p.extension().is_some_and(|e| e == "jpg" || e == "part")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(p: &std::path::Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(p).unwrap().flatten() {
        if e.path().is_dir() { out.extend(walk(&e.path())) } else { out.push(e.path()) }
    }
    out
}

#[test]
fn submitting_moves_a_valid_draft_into_the_outbox_once() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).unwrap();
    let invalid = client.create_draft().unwrap();
    match client.submit_draft(invalid.id) {
        Err(Error::Validation(errs)) => {
            let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["category", "description", "location"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(client.outbox().unwrap().is_empty());

    let id = complete(&client);
    client.add_attachment(id, &photo("orientation/landscape_1.jpg")).unwrap();
    let item = client.submit_draft(id).unwrap();
    assert_eq!(item.kind, OutboxKind::Report { draft_id: id });
    assert_eq!(item.state, LocalState::Queued);
    assert_eq!(item.client_id.get_version_num(), 7);
    assert_eq!(client.draft(id).unwrap().state, LocalState::Queued);
    // Not editable, not deletable, not submittable twice; gone from the drafts list.
    assert!(matches!(client.submit_draft(id), Err(Error::InvalidState { .. })));
    assert!(matches!(client.update_draft(id, &DraftPatch { anonymous: Some(true), ..Default::default() }), Err(Error::InvalidState { .. })));
    assert!(matches!(client.add_attachment(id, &photo("orientation/landscape_2.jpg")), Err(Error::InvalidState { .. })));
    assert!(matches!(client.delete_draft(id), Err(Error::InvalidState { .. })));
    assert!(client.drafts().unwrap().iter().all(|d| d.id != id));
    assert_eq!(client.outbox().unwrap(), vec![item]);
}

#[test]
fn deleting_a_draft_removes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).unwrap();
    let id = complete(&client);
    let a = client.add_attachment(id, &photo("orientation/landscape_1.jpg")).unwrap();
    client.delete_draft(id).unwrap();
    assert!(!std::path::Path::new(&a.stored_path).exists());
    assert!(matches!(client.draft(id), Err(Error::NotFound { .. })));
    assert!(matches!(client.delete_draft(id), Err(Error::NotFound { .. })));
}
