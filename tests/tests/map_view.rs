//! Issue 17, item 3: the map of reports. Its tiles and their credit come from the tenant config
//! the stub serves (a bad template is refused, the config in use kept); the ward outlines of a
//! viewport come from the real Hà Tĩnh boundaries the core holds (simplified within a point
//! budget, rings closed); its markers are the feed asked for the viewport, and offline the
//! reports inside it from the cached feed. Real stub on loopback, real core, real photos.

use std::sync::Arc;
use std::time::Duration;

use phananh_core::api::{MemorySecretStore, SecretStore};
use phananh_core::location::{BoundarySource, GeoBox, MAX_OUTLINE_POINTS};
use phananh_core::model::{DraftPatch, LocationFix, LocationSource};
use phananh_core::{Client, ClientOptions, Error};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;

/// A point in Phường Thành Sen (Hà Tĩnh city centre).
const THANH_SEN: (f64, f64) = (18.3428, 105.9057);
/// A point in Xã Kỳ Anh, ~60 km south-east.
const KY_ANH: (f64, f64) = (18.185, 106.226);

async fn open(base: String, dir: &std::path::Path, boundaries: bool) -> Client {
    let secrets: Arc<dyn SecretStore> = Arc::new(MemorySecretStore::default());
    Client::open(ClientOptions {
        base_url: Some(base),
        secret_store: Some(secrets),
        sync: fast_sync_options(),
        boundaries: boundaries
            .then(|| BoundarySource::Dir(phananh_tests::shared_data().join("boundaries"))),
        ..ClientOptions::new(dir)
    })
    .await
    .expect("client")
}

/// A box of `half` degrees around a point.
fn around(p: (f64, f64), half: f64) -> GeoBox {
    GeoBox {
        min_lon: p.1 - half,
        min_lat: p.0 - half,
        max_lon: p.1 + half,
        max_lat: p.0 + half,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outlines_of_a_viewport_come_from_the_real_boundaries_within_the_point_budget() {
    let dir = tempfile::tempdir().unwrap();
    // No server: outlines are offline.
    let client = open("http://127.0.0.1:9/".into(), dir.path(), true).await;
    client.outbox().set_network(false, false);
    let view = around(THANH_SEN, 0.02);
    let set = client
        .tenant()
        .ward_outlines(view, 4000)
        .await
        .unwrap()
        .expect("boundaries configured");
    let codes: Vec<&str> = set.outlines.iter().map(|o| o.ward.code.as_str()).collect();
    assert!(codes.contains(&"18073"), "Thành Sen is in: {codes:?}");
    assert!(!codes.contains(&"18775"), "Kỳ Anh is far away: {codes:?}");
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "by code: {codes:?}");
    let points = |s: &phananh_core::location::WardOutlines| -> usize {
        s.outlines.iter().flat_map(|o| &o.rings).map(Vec::len).sum()
    };
    let fine = points(&set);
    assert!(fine <= 4000, "{fine} points");
    assert_eq!(set.omitted, 0, "a city viewport fits 4000 points");
    for o in &set.outlines {
        for r in &o.rings {
            assert!(
                r.len() >= 4,
                "{}: a ring of {} points",
                o.ward.name,
                r.len()
            );
            assert_eq!(r.first(), r.last(), "{}: ring not closed", o.ward.name);
        }
    }
    // Thành Sen's outline lies around the point, at its real extent (18.308–18.371 N).
    let ts = &set.outlines[codes.iter().position(|c| *c == "18073").unwrap()];
    let lats = ts.rings.iter().flatten().map(|p| p.lat);
    let (lo, hi) = lats.fold((f64::MAX, f64::MIN), |(a, b), l| (a.min(l), b.max(l)));
    assert!(
        (lo - 18.308).abs() < 0.002 && (hi - 18.371).abs() < 0.002,
        "{lo}..{hi}"
    );

    // A smaller budget: coarser rings, still within it, still closed.
    let coarse = client
        .tenant()
        .ward_outlines(view, 300)
        .await
        .unwrap()
        .unwrap();
    let n = points(&coarse);
    assert!(
        n <= 300 && n < fine,
        "{n} points for a budget of 300 ({fine} at 4000)"
    );
    assert!(coarse.outlines.iter().any(|o| o.ward.code == "18073"));
    assert!(coarse
        .outlines
        .iter()
        .flat_map(|o| &o.rings)
        .all(|r| r.first() == r.last() && r.len() >= 4));

    // The whole province in 2000 points; a budget too small for all 69 wards leaves some out
    // and says how many.
    let province = GeoBox {
        min_lon: 105.0,
        min_lat: 17.8,
        max_lon: 106.6,
        max_lat: 18.8,
    };
    let all = client
        .tenant()
        .ward_outlines(province, 2000)
        .await
        .unwrap()
        .unwrap();
    assert!(points(&all) <= 2000);
    assert_eq!(all.outlines.len() as u32 + all.omitted, 69);
    assert!(
        all.outlines.len() > 30,
        "{} wards drawn",
        all.outlines.len()
    );
    let tiny = client
        .tenant()
        .ward_outlines(province, 40)
        .await
        .unwrap()
        .unwrap();
    assert!(points(&tiny) <= 40);
    assert!(tiny.omitted > 0 && tiny.outlines.len() as u32 + tiny.omitted == 69);
    // Asking for more than the cap gets the cap.
    let capped = client
        .tenant()
        .ward_outlines(province, u32::MAX)
        .await
        .unwrap()
        .unwrap();
    assert!(points(&capped) <= MAX_OUTLINE_POINTS as usize);

    // A box that is not one is a field error.
    for bad in [
        GeoBox {
            min_lon: 106.0,
            max_lon: 105.0,
            ..view
        },
        GeoBox {
            min_lat: f64::NAN,
            ..view
        },
        GeoBox {
            max_lat: 91.0,
            ..view
        },
    ] {
        match client.tenant().ward_outlines(bad, 1000).await {
            Err(Error::Validation(e)) => assert_eq!(e[0].field, "bbox"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    // Without boundaries: nothing to draw, no error.
    let bare = open(
        "http://127.0.0.1:9/".into(),
        &dir.path().join("bare"),
        false,
    )
    .await;
    assert!(bare
        .tenant()
        .ward_outlines(view, 1000)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_config_is_served_and_a_bad_tile_template_is_refused() {
    let stub = phananh_stub::start(StubOptions::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = open(stub.base_url(), dir.path(), false).await;
    // Change the compiled-in map first, so the served one is seen to arrive.
    let mut cfg = client.tenant().config();
    cfg.map.tile_url_template = None;
    cfg.map.attribution = String::new();
    client
        .tenant()
        .set_config_json(serde_json::to_string(&cfg).unwrap())
        .await
        .unwrap();
    assert!(client.tenant().refresh().await.unwrap());
    let map = client.tenant().config().map;
    assert_eq!(
        map.tile_url_template.as_deref(),
        Some("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    );
    assert_eq!(map.attribution, "© OpenStreetMap contributors");
    assert!(map.min_zoom < map.max_zoom);

    // Round trip through JSON: the same map.
    let json = serde_json::to_string(&client.tenant().config()).unwrap();
    let back = client.tenant().set_config_json(json).await.unwrap();
    assert_eq!(back.map, map);

    // A template without {y}, plain HTTP to another host, or no credit: refused, kept.
    for (template, attribution, field) in [
        (
            "https://t.example/{z}/{x}.png",
            "© X",
            "map.tile_url_template",
        ),
        (
            "http://t.example/{z}/{x}/{y}.png",
            "© X",
            "map.tile_url_template",
        ),
        ("https://t.example/{z}/{x}/{y}.png", "", "map.attribution"),
    ] {
        let mut bad = client.tenant().config();
        bad.map.tile_url_template = Some(template.into());
        bad.map.attribution = attribution.into();
        match client
            .tenant()
            .set_config_json(serde_json::to_string(&bad).unwrap())
            .await
        {
            Err(Error::Validation(e)) => assert_eq!(e[0].field, field, "{template}"),
            other => panic!("{template}: {other:?}"),
        }
        assert_eq!(client.tenant().config().map, map, "the config in use stays");
    }
    stub.shutdown().await;
}

async fn file_report_at(client: &Client, n: usize, at: (f64, f64)) -> String {
    let draft = make_draft(client, n, &[small_photos()[0].clone()]).await;
    let patch = DraftPatch {
        location: Some(Some(LocationFix {
            lat: at.0,
            lon: at.1,
            accuracy_m: Some(8.0),
            altitude_m: None,
            time: chrono::Utc::now(),
            source: LocationSource::DeviceGps,
        })),
        ..Default::default()
    };
    client.drafts().update(draft, patch).await.unwrap();
    let item = client.drafts().submit(draft).await.unwrap();
    client
        .outbox()
        .run_pending(Duration::from_secs(60))
        .await
        .unwrap();
    client
        .store()
        .outbox_item(item.client_id)
        .unwrap()
        .server_id
        .expect("delivered")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markers_are_the_reports_in_the_viewport_online_and_from_the_cache_offline() {
    let stub = phananh_stub::start(StubOptions::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = open(stub.base_url(), dir.path(), true).await;
    sign_in(&client, &stub, "0912000701").await;
    let city = file_report_at(&client, 1, THANH_SEN).await;
    let south = file_report_at(&client, 2, KY_ANH).await;

    let ids = |r: &phananh_core::client::FeedResult| -> Vec<String> {
        r.page.items.iter().map(|i| i.id.clone()).collect()
    };
    let city_view = around(THANH_SEN, 0.01);
    let online = client.feed().in_view(city_view, None).await.unwrap();
    assert!(!online.from_cache);
    assert!(ids(&online).contains(&city), "{:?}", ids(&online));
    assert!(!ids(&online).contains(&south));
    assert!(online
        .page
        .items
        .iter()
        .all(|i| city_view.contains(i.lat, i.lon)));
    // Another category there: not marked.
    let other = client
        .feed()
        .in_view(city_view, Some("moi_truong".into()))
        .await
        .unwrap();
    assert!(!ids(&other).contains(&city));
    // The whole province once, so the south report is cached too.
    let province = around((18.3, 105.8), 0.8);
    let wide = client.feed().in_view(province, None).await.unwrap();
    assert!(ids(&wide).contains(&city) && ids(&wide).contains(&south));

    // Offline: a viewport never asked for is answered from the cached pages.
    client.outbox().set_network(false, false);
    let south_view = around(KY_ANH, 0.005);
    let cached = client.feed().in_view(south_view, None).await.unwrap();
    assert!(cached.from_cache);
    assert_eq!(ids(&cached), [south.clone()]);
    let cached_city = client
        .feed()
        .in_view(around(THANH_SEN, 0.002), None)
        .await
        .unwrap();
    assert!(cached_city.from_cache);
    assert_eq!(ids(&cached_city), [city.clone()]);
    // Offline, the outlines of the same viewport still come (from the boundaries).
    let outlines = client
        .tenant()
        .ward_outlines(around(THANH_SEN, 0.002), 1000)
        .await
        .unwrap()
        .unwrap();
    assert!(outlines.outlines.iter().any(|o| o.ward.name == "Thành Sen"));

    // Offline on a fresh phone with nothing cached: the offline error, not an empty map.
    let fresh = open(stub.base_url(), &dir.path().join("fresh"), true).await;
    fresh.outbox().set_network(false, false);
    match fresh.feed().in_view(city_view, None).await {
        Err(Error::Offline(_)) => {}
        other => panic!("{other:?}"),
    }
    stub.shutdown().await;
}
