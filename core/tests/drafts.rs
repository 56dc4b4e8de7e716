//! Drafts through the public Client API, on a real SQLite file and real photos.

use std::path::PathBuf;

use phananh_core::model::{
    DraftPatch, LocalState, LocationFix, LocationSource, MediaKind, OutboxKind,
};
use phananh_core::{Client, ClientOptions, Error, ValidationReason};

fn photo(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/photos")
        .join(name)
}

fn fix() -> LocationFix {
    LocationFix {
        lat: 18.342,
        lon: 105.9057,
        accuracy_m: Some(6.0),
        altitude_m: None,
        time: chrono::Utc::now(),
        source: LocationSource::DeviceGps,
    }
}

async fn complete(client: &Client) -> uuid::Uuid {
    let d = client.drafts().create().await.unwrap();
    client
        .drafts()
        .update(
            d.id,
            DraftPatch {
                category: Some(Some("moi_truong".into())),
                description: Some("Rác thải đổ trộm ven đường".into()),
                location: Some(Some(fix())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    d.id
}

#[tokio::test]
async fn autosave_applies_only_the_fields_given_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
        let d = client.drafts().create().await.unwrap();
        client
            .drafts()
            .update(
                d.id,
                DraftPatch {
                    description: Some("Đèn đường hỏng".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let after = client
            .drafts()
            .update(
                d.id,
                DraftPatch {
                    anonymous: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            after.description, "Đèn đường hỏng",
            "a patch without description keeps it"
        );
        assert!(after.updated_at >= d.updated_at);
        d.id
    };
    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    let d = client.drafts().get(id).await.unwrap();
    assert_eq!(
        (d.description.as_str(), d.anonymous),
        ("Đèn đường hỏng", true)
    );
    let cleared = client
        .drafts()
        .update(
            id,
            DraftPatch {
                category: Some(None),
                location: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((cleared.category, cleared.location), (None, None));
    assert_eq!(client.drafts().list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn attachments_are_copied_so_the_original_may_vanish() {
    let dir = tempfile::tempdir().unwrap();
    let gallery = tempfile::tempdir().unwrap();
    let original = gallery.path().join("IMG_0001.jpg");
    std::fs::copy(photo("orientation/portrait_3.jpg"), &original).unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    let id = complete(&client).await;
    let a = client.drafts().add_attachment(id, &original).await.unwrap();
    std::fs::remove_file(&original).unwrap();
    assert_eq!(a.kind, MediaKind::Photo);
    assert_eq!(a.original_name, "IMG_0001.jpg");
    assert!(a.stored_path.starts_with(dir.path().to_str().unwrap()));
    assert_eq!(
        std::fs::read(&a.stored_path).unwrap(),
        std::fs::read(photo("orientation/portrait_3.jpg")).unwrap()
    );
    // Recorded relative to the storage dir: the app container may move (iOS updates).
    let moved = tempfile::tempdir().unwrap();
    let new_home = moved.path().join("home");
    drop(client);
    std::fs::rename(dir.path(), &new_home).unwrap();
    let client = Client::open(ClientOptions::new(&new_home)).await.unwrap();
    let again = &client.drafts().get(id).await.unwrap().attachments[0];
    assert!(
        std::path::Path::new(&again.stored_path).exists(),
        "{}",
        again.stored_path
    );
    client.drafts().remove_attachment(again.id).await.unwrap();
    assert!(!std::path::Path::new(&again.stored_path).exists());
    assert!(client
        .drafts()
        .get(id)
        .await
        .unwrap()
        .attachments
        .is_empty());
}

#[tokio::test]
async fn files_that_are_not_media_are_refused_with_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    let id = complete(&client).await;
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "không phải ảnh").unwrap();
    assert!(matches!(
        client.drafts().add_attachment(id, &junk).await,
        Err(Error::Media(_))
    ));
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        client.drafts().add_attachment(id, &empty).await,
        Err(Error::Media(_))
    ));
    assert!(matches!(
        client
            .drafts()
            .add_attachment(id, &dir.path().join("missing.jpg"))
            .await,
        Err(Error::Io { .. })
    ));
    assert!(client
        .drafts()
        .get(id)
        .await
        .unwrap()
        .attachments
        .is_empty());
}

#[tokio::test]
async fn oversized_input_is_refused_before_it_fills_storage() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = ClientOptions::new(dir.path());
    opts.default_config.media.max_photo_input_bytes = 100_000;
    let client = Client::open(opts).await.unwrap();
    let id = complete(&client).await;
    match client
        .drafts()
        .add_attachment(id, &photo("samsung_galaxy_s7_edge_SM-G935L.jpg"))
        .await
    {
        Err(Error::Validation(errs)) => assert_eq!(
            errs[0].reason,
            ValidationReason::TooLarge { max_bytes: 100_000 }
        ),
        other => panic!("{other:?}"),
    }
    let leftovers: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jpg" || e == "part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(p: &std::path::Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(p).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()))
        } else {
            out.push(e.path())
        }
    }
    out
}

#[tokio::test]
async fn submitting_moves_a_valid_draft_into_the_outbox_once() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    let invalid = client.drafts().create().await.unwrap();
    match client.drafts().submit(invalid.id).await {
        Err(Error::Validation(errs)) => {
            let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["category", "description", "location"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(client.outbox().items().await.unwrap().is_empty());

    let id = complete(&client).await;
    client
        .drafts()
        .add_attachment(id, &photo("orientation/landscape_1.jpg"))
        .await
        .unwrap();
    let item = client.drafts().submit(id).await.unwrap();
    assert_eq!(item.kind, OutboxKind::Report { draft_id: id });
    assert_eq!(item.state, LocalState::Queued);
    assert_eq!(item.client_id.get_version_num(), 7);
    assert_eq!(
        client.drafts().get(id).await.unwrap().state,
        LocalState::Queued
    );
    // Not editable, not deletable, not submittable twice; gone from the drafts list.
    assert!(matches!(
        client.drafts().submit(id).await,
        Err(Error::InvalidState { .. })
    ));
    assert!(matches!(
        client
            .drafts()
            .update(
                id,
                DraftPatch {
                    anonymous: Some(true),
                    ..Default::default()
                }
            )
            .await,
        Err(Error::InvalidState { .. })
    ));
    assert!(matches!(
        client
            .drafts()
            .add_attachment(id, &photo("orientation/landscape_2.jpg"))
            .await,
        Err(Error::InvalidState { .. })
    ));
    assert!(matches!(
        client.drafts().delete(id).await,
        Err(Error::InvalidState { .. })
    ));
    assert!(client
        .drafts()
        .list()
        .await
        .unwrap()
        .iter()
        .all(|d| d.id != id));
    assert_eq!(client.outbox().items().await.unwrap(), vec![item]);
}

#[tokio::test]
async fn deleting_a_draft_removes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    let id = complete(&client).await;
    let a = client
        .drafts()
        .add_attachment(id, &photo("orientation/landscape_1.jpg"))
        .await
        .unwrap();
    client.drafts().delete(id).await.unwrap();
    assert!(!std::path::Path::new(&a.stored_path).exists());
    assert!(matches!(
        client.drafts().get(id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        client.drafts().delete(id).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_non_finite_position_is_refused_at_the_api_and_the_drafts_stay_readable() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions::new(dir.path())).await.unwrap();
    let d = client.drafts().create().await.unwrap();
    for (lat, lon) in [
        (f64::NAN, 105.9),
        (18.3, f64::INFINITY),
        (91.0, 105.9),
        (18.3, -181.0),
    ] {
        let bad = LocationFix { lat, lon, ..fix() };
        let patch = DraftPatch {
            location: Some(Some(bad)),
            ..Default::default()
        };
        match client.drafts().update(d.id, patch).await {
            Err(Error::Validation(errs)) => assert_eq!(errs[0].field, "location"),
            other => panic!("({lat}, {lon}) accepted: {other:?}"),
        }
    }
    let mut bad_accuracy = fix();
    bad_accuracy.accuracy_m = Some(f64::NAN);
    let patch = DraftPatch {
        location: Some(Some(bad_accuracy)),
        ..Default::default()
    };
    assert!(matches!(
        client.drafts().update(d.id, patch).await,
        Err(Error::Validation(_))
    ));
    // Nothing was stored: every draft still reads back.
    let drafts = client.drafts().list().await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].location, None);
}
