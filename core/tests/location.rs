//! Offline ward lookup against the real Hà Tĩnh boundaries in ../shared/data/boundaries.

use std::path::PathBuf;
use std::sync::OnceLock;

use geo::{Contains, InteriorPoint, Point};
use phananh_core::config::LocationPolicy;
use phananh_core::location::geojson::parse_areas;
use phananh_core::location::{assess, Boundaries, BoundarySource, LocationWarning};
use phananh_core::model::{LocationFix, LocationSource};

fn boundaries_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/boundaries")
}

fn boundaries() -> &'static Boundaries {
    static B: OnceLock<Boundaries> = OnceLock::new();
    B.get_or_init(|| Boundaries::from_dir(&boundaries_dir()).expect("Hà Tĩnh boundaries load"))
}

fn wards_geojson() -> Vec<u8> {
    std::fs::read(boundaries_dir().join("ha_tinh_wards_2025.geojson")).unwrap()
}

#[test]
fn every_wards_interior_point_maps_to_that_ward() {
    let b = boundaries();
    assert_eq!(b.wards().len(), 69);
    assert_eq!(b.province().full_name, "Tỉnh Hà Tĩnh");
    let features = parse_areas(wards_geojson(), "wards").unwrap();
    assert_eq!(features.len(), 69);
    for f in &features {
        let code = f.text("code").unwrap();
        let p = f.area.interior_point().expect("ward has an interior point");
        assert!(f.area.contains(&p), "geo's interior point lies in {code}");
        let (lat, lon) = (p.y(), p.x());
        assert_eq!(
            b.ward_at(lat, lon).map(|w| w.code.as_str()),
            Some(code.as_str()),
            "{code} at {lat},{lon}"
        );
        let l = b.lookup(lat, lon, None);
        assert!(l.inside_province, "{code}");
        let ward = l.ward.unwrap();
        assert_eq!(ward.code, code);
        assert_eq!(ward.full_name, f.text("fullName").unwrap());
        assert_eq!(
            l.address.unwrap(),
            format!("{}, tỉnh Hà Tĩnh", ward.full_name)
        );
    }
}

#[test]
fn lookup_agrees_with_geo_contains_on_a_grid_over_the_province() {
    // Exact test by geo over every ward, on a 60 x 40 grid across the bounding box.
    let b = boundaries();
    let features = parse_areas(wards_geojson(), "wards").unwrap();
    let (mut inside, mut checked) = (0, 0);
    for i in 0..60 {
        for j in 0..40 {
            let lon = 105.10 + 1.41 * (i as f64 + 0.5) / 60.0;
            let lat = 17.91 + 0.90 * (j as f64 + 0.5) / 40.0;
            let expected: Vec<String> = features
                .iter()
                .filter(|f| f.area.contains(&Point::new(lon, lat)))
                .map(|f| f.text("code").unwrap())
                .collect();
            let got = b.ward_at(lat, lon).map(|w| w.code.clone());
            assert!(
                expected.len() <= 1,
                "overlapping wards at {lat},{lon}: {expected:?}"
            );
            assert_eq!(got, expected.first().cloned(), "{lat},{lon}");
            inside += got.is_some() as u32;
            checked += 1;
        }
    }
    assert!(
        inside > checked / 4,
        "grid must cover the province ({inside}/{checked})"
    );
}

#[test]
fn points_outside_hatinh_are_outside() {
    let b = boundaries();
    for (what, lat, lon) in [
        ("East Sea off Thạch Hà", 18.40, 106.10),
        ("East Sea off Kỳ Anh", 18.10, 106.60),
        ("Vinh, Nghệ An", 18.6796, 105.6813),
        ("Lak Sao, Laos", 18.19, 104.98),
        ("Quảng Bình", 17.70, 106.20),
    ] {
        let l = b.lookup(lat, lon, None);
        assert!(!l.inside_province, "{what}");
        assert_eq!(l.ward, None, "{what}");
        assert!(l.candidates.is_empty(), "{what}");
        assert_eq!(l.address, None, "{what}");
        assert_eq!(b.ward_at(lat, lon), None, "{what}");
    }
}

#[test]
fn any_input_gets_an_answer_without_panicking() {
    let b = boundaries();
    for (lat, lon) in [
        (90.0, 0.0),
        (-90.0, 180.0),
        (0.0, -180.0),
        (f64::NAN, 105.9),
        (18.3, f64::INFINITY),
    ] {
        for acc in [
            None,
            Some(0.0),
            Some(-5.0),
            Some(f64::NAN),
            Some(50.0),
            Some(1e9),
        ] {
            let l = b.lookup(lat, lon, acc);
            assert!(
                !l.inside_province && l.ward.is_none(),
                "{lat},{lon} {acc:?}"
            );
        }
    }
    // A huge accuracy inside the province lists every ward, nearest first.
    let l = b.lookup(18.342, 105.9057, Some(1e7));
    assert_eq!(l.candidates.len(), 69);
    assert_eq!(l.ward.unwrap().code, "18073");
}

#[test]
fn thanh_sen_by_name_code_and_address() {
    let l = boundaries().lookup(18.342, 105.9057, Some(10.0));
    assert!(l.inside_province);
    let w = l.ward.clone().unwrap();
    assert_eq!(
        (w.code.as_str(), w.name.as_str(), w.full_name.as_str()),
        ("18073", "Thành Sen", "Phường Thành Sen")
    );
    assert_eq!(l.address.as_deref(), Some("Phường Thành Sen, tỉnh Hà Tĩnh"));
    assert_eq!(
        l.candidates.len(),
        1,
        "10 m from nothing: {:?}",
        l.candidates
    );
}

#[test]
fn a_point_near_a_border_reports_the_wards_on_both_sides() {
    // Walk east from inside Thành Sen until the ward changes: the last point before the
    // change is within a few metres of the border.
    let b = boundaries();
    let lat = 18.342;
    let mut lon = 105.9057;
    let start = b.ward_at(lat, lon).unwrap().code.clone();
    let step = 0.00002; // ~2 m
    while b.ward_at(lat, lon + step).map(|w| &w.code) == Some(&start) {
        lon += step;
        assert!(lon < 106.1, "no border found");
    }
    let other = b.ward_at(lat, lon + step).map(|w| w.code.clone());
    let l = b.lookup(lat, lon, Some(25.0));
    assert_eq!(l.ward.as_ref().map(|w| w.code.clone()), Some(start.clone()));
    let codes: Vec<_> = l.candidates.iter().map(|c| c.ward.code.clone()).collect();
    assert_eq!(codes[0], start);
    assert_eq!(l.candidates[0].distance_m, 0.0);
    if let Some(other) = other {
        assert!(codes.contains(&other), "{codes:?} lacks {other}");
        let c = l.candidates.iter().find(|c| c.ward.code == other).unwrap();
        assert!(c.distance_m <= 5.0, "{c:?}");
    }
    // With a tight accuracy only the containing ward remains.
    let tight = b.lookup(lat, lon - 0.001, Some(1.0));
    assert_eq!(tight.candidates.len(), 1);
}

#[test]
fn a_point_just_offshore_is_outside_but_near_its_coastal_ward() {
    // Walk east into the sea from Thạch Khê until no ward contains the point.
    let b = boundaries();
    let lat = 18.42;
    let mut lon = 105.93;
    assert!(b.ward_at(lat, lon).is_some());
    while b.ward_at(lat, lon).is_some() {
        lon += 0.0001;
    }
    lon += 0.002; // ~200 m offshore
    assert!(!b.in_province(lat, lon), "200 m offshore at {lat},{lon}");
    let l = b.lookup(lat, lon, Some(500.0));
    assert!(!l.inside_province);
    assert_eq!(l.ward, None);
    assert!(
        !l.candidates.is_empty(),
        "a 500 m fix 200 m offshore may be ashore"
    );
    assert!(
        l.candidates[0].distance_m > 100.0 && l.candidates[0].distance_m <= 500.0,
        "{:?}",
        l.candidates
    );
    assert_eq!(l.address, None);
}

#[test]
fn boundaries_load_from_geojson_text_and_bad_text_is_a_typed_error() {
    let province =
        std::fs::read_to_string(boundaries_dir().join("ha_tinh_province_2025.geojson")).unwrap();
    let wards = String::from_utf8(wards_geojson()).unwrap();
    let b = Boundaries::load(&BoundarySource::GeoJson {
        province: province.clone(),
        wards: wards.clone(),
    })
    .unwrap();
    assert_eq!(b.ward_at(18.342, 105.9057).unwrap().code, "18073");
    let err = Boundaries::from_geojson(&province, &wards[..wards.len() / 2]).unwrap_err();
    assert!(err.to_string().starts_with("wards"), "{err}");
    let err = Boundaries::from_geojson(&wards, &wards).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected one province feature, found 69"),
        "{err}"
    );
    let missing = Boundaries::from_dir(&boundaries_dir().join("nope")).unwrap_err();
    assert!(matches!(
        missing,
        phananh_core::location::BoundaryError::Io { .. }
    ));
    let core_err: phananh_core::Error = missing.into();
    assert!(matches!(
        core_err.public(),
        phananh_core::PublicError::Storage { .. }
    ));
}

/// GPS position from a JPEG's EXIF, read directly with kamadak-exif: an oracle independent
/// of `media::inspect_photo`.
fn exif_position(path: &std::path::Path) -> (f64, f64) {
    use exif::{In, Tag, Value};
    let file = std::fs::File::open(path).unwrap();
    let data = exif::Reader::new()
        .read_from_container(&mut std::io::BufReader::new(file))
        .unwrap();
    let coord = |tag, reference, negative: &str| {
        let f = data.get_field(tag, In::PRIMARY).unwrap();
        let Value::Rational(r) = &f.value else {
            panic!("{tag} not rational")
        };
        let v = r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0;
        let sign = data
            .get_field(reference, In::PRIMARY)
            .unwrap()
            .display_value()
            .to_string();
        if sign == negative {
            -v
        } else {
            v
        }
    };
    (
        coord(Tag::GPSLatitude, Tag::GPSLatitudeRef, "S"),
        coord(Tag::GPSLongitude, Tag::GPSLongitudeRef, "W"),
    )
}

#[test]
fn synthetic_gps_photos_are_in_thanh_sen_and_outside_the_province() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/photos/synthetic_gps");
    let now = chrono::Utc::now();
    let photo_fix = |name: &str| {
        let path = dir.join(name);
        let gps = phananh_core::media::inspect_photo(&path, None)
            .unwrap()
            .gps
            .expect("photo has GPS");
        let (lat, lon) = exif_position(&path);
        assert!(
            (gps.lat - lat).abs() < 1e-7 && (gps.lon - lon).abs() < 1e-7,
            "{name}: {gps:?} vs {lat},{lon}"
        );
        LocationFix {
            lat: gps.lat,
            lon: gps.lon,
            accuracy_m: gps.accuracy,
            altitude_m: gps.alt,
            time: now,
            source: LocationSource::PhotoExif,
        }
    };
    let inside = assess(
        &[photo_fix("hatinh_thanh_sen_18073_orient6.jpg")],
        now,
        &LocationPolicy::default(),
        Some(boundaries()),
    );
    let l = inside.lookup.unwrap();
    assert_eq!(l.ward.unwrap().code, "18073");
    assert_eq!(l.address.as_deref(), Some("Phường Thành Sen, tỉnh Hà Tĩnh"));
    assert!(inside.warnings.is_empty(), "{:?}", inside.warnings);

    let outside = assess(
        &[photo_fix("outside_vinh_nghe_an_orient1.jpg")],
        now,
        &LocationPolicy::default(),
        Some(boundaries()),
    );
    let l = outside.lookup.unwrap();
    assert!(!l.inside_province);
    assert_eq!(l.ward, None);
    assert_eq!(outside.warnings, vec![LocationWarning::OutsideProvince]);
}

#[test]
fn points_in_slivers_between_outline_and_wards_still_get_the_nearest_ward() {
    // The province outline is drawn apart from the wards; along the border they differ by
    // slivers. A point in one is in the province and is filed under the nearest ward.
    let b = boundaries();
    let (mut slivers, mut far) = (0, 0);
    for i in 0..400 {
        for j in 0..300 {
            let lon = 105.10 + 1.41 * (i as f64 + 0.5) / 400.0;
            let lat = 17.91 + 0.90 * (j as f64 + 0.5) / 300.0;
            if b.ward_at(lat, lon).is_some() || !b.in_province(lat, lon) {
                continue;
            }
            slivers += 1;
            let l = b.lookup(lat, lon, None);
            assert!(l.inside_province);
            assert_eq!(l.ward, None);
            match l.ward_for_report() {
                Some(filed) => {
                    assert_eq!(filed, l.candidates[0].ward);
                    assert!(
                        l.candidates[0].distance_m > 0.0 && l.candidates[0].distance_m <= 1000.0
                    );
                    assert_eq!(
                        l.address.unwrap(),
                        format!("{}, tỉnh Hà Tĩnh", filed.full_name)
                    );
                }
                None => {
                    // The outline has an islet ~19 km off Đan Hải that no ward covers.
                    assert!(lat > 18.78 && lon > 105.94, "no ward near {lat},{lon}");
                    assert!(l.candidates.is_empty());
                    assert_eq!(l.address.as_deref(), Some("Tỉnh Hà Tĩnh"));
                    far += 1;
                }
            }
        }
    }
    assert!(
        slivers > 100 && far < 10,
        "slivers along the border: {slivers}, far: {far}"
    );
}

mod properties {
    use super::*;
    use geo::{Closest, ClosestPoint};
    use phananh_core::location::geodesy::distance_m;
    use proptest::prelude::*;

    fn wards() -> &'static Vec<(String, geo::MultiPolygon<f64>)> {
        static W: OnceLock<Vec<(String, geo::MultiPolygon<f64>)>> = OnceLock::new();
        W.get_or_init(|| {
            parse_areas(wards_geojson(), "wards")
                .unwrap()
                .into_iter()
                .map(|f| (f.text("code").unwrap(), f.area))
                .collect()
        })
    }

    /// Metres from a point to a ward's outline, by geo (closest point, then great circle).
    fn geo_distance_m(area: &geo::MultiPolygon<f64>, lat: f64, lon: f64) -> f64 {
        match area.closest_point(&Point::new(lon, lat)) {
            Closest::Intersection(p) | Closest::SinglePoint(p) => {
                distance_m(lat, lon, p.y(), p.x())
            }
            Closest::Indeterminate => f64::INFINITY,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]

        /// Containment agrees with geo; candidates are exactly the wards within the accuracy
        /// (up to the few per cent by which geo's closest point in degrees differs from the
        /// closest in metres), containing ward first.
        #[test]
        fn lookup_matches_geo(lat in 17.91f64..18.81, lon in 105.10f64..106.51, accuracy in 1.0f64..3000.0) {
            let b = boundaries();
            let l = b.lookup(lat, lon, Some(accuracy));
            let containing: Vec<&String> =
                wards().iter().filter(|(_, a)| a.contains(&Point::new(lon, lat))).map(|(c, _)| c).collect();
            prop_assert_eq!(l.ward.as_ref().map(|w| &w.code), containing.first().copied());
            if l.ward.is_some() {
                prop_assert_eq!(&l.candidates[0].ward.code, containing[0]);
                prop_assert!(l.inside_province);
            }
            for (code, area) in wards() {
                if containing.contains(&code) {
                    continue;
                }
                let d = geo_distance_m(area, lat, lon);
                let listed = l.candidates.iter().find(|c| &c.ward.code == code);
                if d <= accuracy * 0.95 {
                    prop_assert!(listed.is_some(), "{} at {:.1} m not listed for accuracy {:.1}", code, d, accuracy);
                }
                if let Some(c) = listed {
                    prop_assert!(c.distance_m <= accuracy.max(1000.0) + 0.1);
                    prop_assert!((c.distance_m - d).abs() <= 0.06 * d + 1.0, "{}: ours {} geo {}", code, c.distance_m, d);
                }
            }
            let mut sorted = l.candidates.clone();
            sorted.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
            prop_assert_eq!(&sorted, &l.candidates);
        }
    }
}
