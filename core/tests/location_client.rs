//! `Client::set_draft_location`: the chosen fix and its ward are stored with the draft.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use phananh_core::location::{BoundarySource, LocationWarning};
use phananh_core::model::{LocationFix, LocationSource};
use phananh_core::{Client, ClientOptions, Error};

fn boundaries_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/boundaries")
}

async fn client(dir: &std::path::Path, boundaries: Option<BoundarySource>) -> Client {
    let mut opts = ClientOptions::new(dir);
    opts.boundaries = boundaries;
    Client::open(opts).await.unwrap()
}

fn fix(source: LocationSource, lat: f64, lon: f64, acc: Option<f64>, age_s: i64) -> LocationFix {
    LocationFix {
        lat,
        lon,
        accuracy_m: acc,
        altitude_m: None,
        time: Utc::now() - Duration::seconds(age_s),
        source,
    }
}

#[tokio::test]
async fn device_fix_and_ward_are_stored_and_a_manual_pin_sticks() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), Some(BoundarySource::Dir(boundaries_dir()))).await;
    let d = c.drafts().create().await.unwrap();

    let gps = fix(LocationSource::DeviceGps, 18.342, 105.9057, Some(8.0), 2);
    let a = c
        .drafts()
        .set_location(
            d.id,
            vec![
                fix(LocationSource::Network, 18.35, 105.90, Some(900.0), 1),
                gps.clone(),
            ],
        )
        .await
        .unwrap();
    assert_eq!(a.fix.as_ref(), Some(&gps));
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert_eq!(
        a.lookup.as_ref().unwrap().address.as_deref(),
        Some("Phường Thành Sen, tỉnh Hà Tĩnh")
    );
    let stored = c.drafts().get(d.id).await.unwrap();
    assert_eq!(stored.location, Some(gps.clone()));
    assert_eq!(stored.ward.unwrap().code, "18073");

    // The resident drags the pin to Phường Trần Phú; it is stored with that ward...
    let pin = fix(LocationSource::Manual, 18.3837, 105.8973, None, 0);
    c.drafts()
        .set_location(d.id, vec![gps.clone(), pin.clone()])
        .await
        .unwrap();
    let stored = c.drafts().get(d.id).await.unwrap();
    assert_eq!(stored.location, Some(pin.clone()));
    let ward = stored.ward.unwrap();
    assert_eq!(
        ward.code,
        c.tenant()
            .locate(pin.lat, pin.lon, None)
            .await
            .unwrap()
            .unwrap()
            .ward
            .unwrap()
            .code
    );
    assert_ne!(ward.code, "18073");
    // ...and a later device fix does not move it.
    let a = c
        .drafts()
        .set_location(
            d.id,
            vec![fix(
                LocationSource::DeviceGps,
                18.342,
                105.9057,
                Some(5.0),
                0,
            )],
        )
        .await
        .unwrap();
    assert_eq!(a.fix, Some(pin.clone()));
    assert_eq!(c.drafts().get(d.id).await.unwrap().location, Some(pin));
}

#[tokio::test]
async fn outside_the_province_is_stored_without_ward_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), Some(BoundarySource::Dir(boundaries_dir()))).await;
    let d = c.drafts().create().await.unwrap();
    let vinh = fix(LocationSource::DeviceGps, 18.6796, 105.6813, Some(10.0), 1);
    let a = c
        .drafts()
        .set_location(d.id, vec![vinh.clone()])
        .await
        .unwrap();
    assert_eq!(a.warnings, vec![LocationWarning::OutsideProvince]);
    let stored = c.drafts().get(d.id).await.unwrap();
    assert_eq!(stored.location, Some(vinh));
    assert_eq!(stored.ward, None);
}

#[tokio::test]
async fn without_boundaries_the_fix_is_still_stored() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), None).await;
    let d = c.drafts().create().await.unwrap();
    let gps = fix(LocationSource::DeviceGps, 18.342, 105.9057, Some(8.0), 2);
    let a = c
        .drafts()
        .set_location(d.id, vec![gps.clone()])
        .await
        .unwrap();
    assert_eq!(a.lookup, None);
    assert_eq!(c.drafts().get(d.id).await.unwrap().location, Some(gps));
    assert_eq!(
        c.tenant().locate(18.342, 105.9057, None).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn unreadable_boundaries_are_an_error_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(
        dir.path(),
        Some(BoundarySource::Dir(dir.path().join("missing"))),
    )
    .await;
    let d = c.drafts().create().await.unwrap();
    let gps = fix(LocationSource::DeviceGps, 18.342, 105.9057, Some(8.0), 2);
    let err = c.drafts().set_location(d.id, vec![gps]).await.unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(c.drafts().get(d.id).await.unwrap().location, None);
    // Boundaries handed over later (e.g. from a fetched tenant config) are used.
    let province = std::fs::read(boundaries_dir().join("ha_tinh_province_2025.geojson")).unwrap();
    let wards = std::fs::read(boundaries_dir().join("ha_tinh_wards_2025.geojson")).unwrap();
    c.tenant()
        .set_boundaries(phananh_core::location::Boundaries::from_geojson(province, wards).unwrap());
    let l = c
        .tenant()
        .locate(18.342, 105.9057, Some(5.0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.ward.unwrap().full_name, "Phường Thành Sen");
}

#[tokio::test]
async fn no_fix_leaves_the_draft_alone_and_a_missing_draft_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), Some(BoundarySource::Dir(boundaries_dir()))).await;
    let d = c.drafts().create().await.unwrap();
    let a = c
        .drafts()
        .set_location(
            d.id,
            vec![fix(LocationSource::DeviceGps, f64::NAN, 105.0, None, 0)],
        )
        .await
        .unwrap();
    assert_eq!(a.fix, None);
    assert_eq!(c.drafts().get(d.id).await.unwrap().location, None);
    assert!(matches!(
        c.drafts().set_location(uuid::Uuid::now_v7(), vec![]).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_photos_exif_position_names_the_ward_and_is_checked_against_the_pin() {
    let photos =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/photos/synthetic_gps");
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), Some(BoundarySource::Dir(boundaries_dir()))).await;

    let d = c.drafts().create().await.unwrap();
    c.drafts()
        .add_attachment(d.id, &photos.join("hatinh_thanh_sen_18073_orient6.jpg"))
        .await
        .unwrap();
    let a = c.drafts().set_location(d.id, vec![]).await.unwrap();
    assert_eq!(a.fix.as_ref().unwrap().source, LocationSource::PhotoExif);
    assert_eq!(
        c.drafts().get(d.id).await.unwrap().ward.unwrap().code,
        "18073"
    );
    assert!(!a.warnings.contains(&LocationWarning::OutsideProvince));
    // The resident pins the report in Vinh: the pin wins, the photo 44 km away is flagged.
    let pin = fix(LocationSource::Manual, 18.6796, 105.6813, None, 0);
    let a = c.drafts().set_location(d.id, vec![pin]).await.unwrap();
    assert!(
        a.warnings.iter().any(
            |w| matches!(w, LocationWarning::PhotoFar { distance_m } if *distance_m > 40_000.0)
        ),
        "{:?}",
        a.warnings
    );
    assert!(a.warnings.contains(&LocationWarning::OutsideProvince));
    assert_eq!(c.drafts().get(d.id).await.unwrap().ward, None);

    let d = c.drafts().create().await.unwrap();
    c.drafts()
        .add_attachment(d.id, &photos.join("outside_vinh_nghe_an_orient1.jpg"))
        .await
        .unwrap();
    let a = c.drafts().set_location(d.id, vec![]).await.unwrap();
    assert_eq!(a.fix.as_ref().unwrap().source, LocationSource::PhotoExif);
    assert!(
        a.warnings.contains(&LocationWarning::OutsideProvince),
        "{:?}",
        a.warnings
    );
    assert!(!a.lookup.unwrap().inside_province);
    assert_eq!(c.drafts().get(d.id).await.unwrap().ward, None);
}

#[tokio::test]
async fn an_old_photo_without_gps_still_flags_the_report_as_stale() {
    let photos = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/photos");
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), Some(BoundarySource::Dir(boundaries_dir()))).await;
    let d = c.drafts().create().await.unwrap();
    // iPhone 4S photo of 2012 without GPS: the device fix is used, the photo's age is flagged.
    c.drafts()
        .add_attachment(d.id, &photos.join("apple_iphone_4s_orient6.jpg"))
        .await
        .unwrap();
    let gps = fix(LocationSource::DeviceGps, 18.342, 105.9057, Some(8.0), 2);
    let a = c
        .drafts()
        .set_location(d.id, vec![gps.clone()])
        .await
        .unwrap();
    assert_eq!(a.fix, Some(gps));
    assert!(
        matches!(a.warnings.as_slice(), [LocationWarning::PhotoStale { age_days }] if *age_days > 365 * 10),
        "{:?}",
        a.warnings
    );
    assert_eq!(
        c.drafts().get(d.id).await.unwrap().ward.unwrap().code,
        "18073"
    );
}
