//! Issue 13, item 3: official notices. The IOC publishes for a ward, a polygon or the whole
//! province; a resident sees the valid ones covering where they are, most severe first, also
//! offline from the cache; a severe one is pushed to registered devices. Only the IOC may
//! publish, and a malformed area is a field error. Real stub on loopback, real boundaries.

use std::sync::Arc;

use phananh_core::api::{Api, HttpOptions, MemorySecretStore, SecretStore};
use phananh_core::location::BoundarySource;
use phananh_core::wire::{self, NewNotice, NoticeArea, NoticeSeverity, Role};
use phananh_core::{Client, ClientOptions, Error};
use phananh_stub::StubOptions;
use phananh_tests::sync_support::*;

const THANH_SEN: &str = "18073";
const VU_QUANG: &str = "18313";

fn notice(title: &str, severity: NoticeSeverity, area: NoticeArea) -> NewNotice {
    NewNotice {
        title: title.into(),
        body: format!("{title}: chi tiết"),
        severity,
        area,
        valid_from: None,
        valid_to: None,
    }
}

/// A point inside ward `code`: the centre of the grid cell (over the ward's bounding box, read
/// from the boundaries file) that the client's own lookup places in it.
async fn point_in(client: &Client, code: &str) -> (f64, f64) {
    let raw: serde_json::Value = serde_json::from_slice(
        &std::fs::read(phananh_tests::shared_data().join("boundaries/ha_tinh_wards_2025.geojson"))
            .unwrap(),
    )
    .unwrap();
    let f = raw["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == code)
        .expect("ward in file");
    let mut pts = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_f64() => {
                out.push((a[1].as_f64().unwrap(), a[0].as_f64().unwrap()))
            }
            Some(a) => a.iter().for_each(|x| walk(x, out)),
            None => {}
        }
    }
    walk(&f["geometry"]["coordinates"], &mut pts);
    let (lat0, lat1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (lon0, lon1) = pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    for i in 1..20 {
        for j in 1..20 {
            let (lat, lon) = (
                lat0 + (lat1 - lat0) * i as f64 / 20.0,
                lon0 + (lon1 - lon0) * j as f64 / 20.0,
            );
            let hit = client
                .tenant()
                .locate(lat, lon, None)
                .await
                .unwrap()
                .and_then(|l| l.ward)
                .map(|w| w.code);
            if hit.as_deref() == Some(code) {
                return (lat, lon);
            }
        }
    }
    panic!("no grid point inside {code}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn residents_see_the_notices_covering_where_they_are_also_offline() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions {
        base_url: Some(stub.base_url()),
        secret_store: Some(Arc::new(MemorySecretStore::default()) as Arc<dyn SecretStore>),
        sync: fast_sync_options(),
        boundaries: Some(BoundarySource::Dir(
            phananh_tests::shared_data().join("boundaries"),
        )),
        ..ClientOptions::new(dir.path())
    })
    .await
    .unwrap();
    let thanh_sen = point_in(&client, THANH_SEN).await;
    let vu_quang = point_in(&client, VU_QUANG).await;

    // A resident with a registered device, for the severe notice's push.
    const PHONE: &str = "0912000300";
    let resident = api_as(&stub, stub.login(PHONE).unwrap());
    resident
        .register_push_token(&wire::PushTokenRegistration {
            platform: wire::PushPlatform::Fcm,
            token: "fcm-token-300".into(),
            device_id: None,
        })
        .await
        .unwrap();

    let ioc = api_as(
        &stub,
        stub.staff_login(phananh_stub::IOC, Role::Officer).unwrap(),
    );
    let (lat, lon) = thanh_sen;
    let square = vec![
        [lon - 0.01, lat - 0.01],
        [lon + 0.01, lat - 0.01],
        [lon + 0.01, lat + 0.01],
        [lon - 0.01, lat + 0.01],
        [lon - 0.01, lat - 0.01],
    ];
    let flood = ioc
        .publish_notice(&notice(
            "Ngập sâu khu vực chợ",
            NoticeSeverity::Severe,
            NoticeArea::Polygon { ring: square },
        ))
        .await
        .unwrap();
    let road = ioc
        .publish_notice(&notice(
            "Cấm đường Trần Phú",
            NoticeSeverity::Warning,
            NoticeArea::Wards {
                codes: vec![THANH_SEN.into()],
            },
        ))
        .await
        .unwrap();
    let storm = ioc
        .publish_notice(&notice(
            "Bão số 5 sắp đổ bộ",
            NoticeSeverity::Info,
            NoticeArea::Province,
        ))
        .await
        .unwrap();
    // Not valid yet: published for tomorrow, seen by nobody today.
    let later = NewNotice {
        valid_from: Some(chrono::Utc::now() + chrono::Duration::days(1)),
        ..notice(
            "Mất điện ngày mai",
            NoticeSeverity::Warning,
            NoticeArea::Province,
        )
    };
    ioc.publish_notice(&later).await.unwrap();

    let ids = |r: &phananh_core::client::NoticesResult| {
        r.notices.iter().map(|n| n.id.clone()).collect::<Vec<_>>()
    };
    let here = client.notices().at(Some(thanh_sen)).await.unwrap();
    assert_eq!(here.ward.as_deref(), Some(THANH_SEN));
    assert!(!here.from_cache);
    assert_eq!(
        ids(&here),
        [flood.id.clone(), road.id.clone(), storm.id.clone()],
        "most severe first"
    );
    let there = client.notices().at(Some(vu_quang)).await.unwrap();
    assert_eq!(there.ward.as_deref(), Some(VU_QUANG));
    assert_eq!(
        ids(&there),
        [storm.id.clone()],
        "Vũ Quang sees only the province-wide notice"
    );
    let nowhere = client.notices().at(None).await.unwrap();
    assert_eq!(
        ids(&nowhere),
        [storm.id.clone()],
        "no position: only the province-wide notice is claimed"
    );
    // The server filters the same way for other clients.
    let page: wire::NoticesPage = reqwest::get(format!(
        "{}api/v1/notices?lat={}&lon={}",
        stub.base_url(),
        vu_quang.0,
        vu_quang.1
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        page.notices
            .iter()
            .map(|n| n.id.clone())
            .collect::<Vec<_>>(),
        [storm.id.clone()]
    );

    // Offline: the same answers from the cache.
    client.outbox().set_network(false, false);
    let cached = client.notices().at(Some(thanh_sen)).await.unwrap();
    assert!(cached.from_cache);
    assert_eq!(ids(&cached), ids(&here));
    assert_eq!(
        ids(&client.notices().at(Some(vu_quang)).await.unwrap()),
        [storm.id.clone()]
    );
    client.outbox().set_network(true, false);

    // Only the severe notice was pushed to the resident's device.
    assert_eq!(
        stub.notice_pushes(PHONE),
        [(flood.id.clone(), "fcm".to_owned())]
    );
    stub.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_ioc_publishes_and_bad_areas_are_field_errors() {
    let stub = phananh_stub::start(StubOptions::for_tests())
        .await
        .expect("stub");
    let ok = notice("Thông báo", NoticeSeverity::Info, NoticeArea::Province);
    // A resident, a ward's officer: refused.
    let resident = api_as(&stub, stub.login("0912000301").unwrap());
    assert!(matches!(
        resident.publish_notice(&ok).await,
        Err(Error::Forbidden(_))
    ));
    let ward_unit = stub.ward_unit_at(18.3428, 105.9057).expect("ward unit");
    let ward_officer = api_as(&stub, stub.staff_login(&ward_unit, Role::Officer).unwrap());
    assert!(matches!(
        ward_officer.publish_notice(&ok).await,
        Err(Error::Forbidden(_))
    ));
    // No token at all: refused.
    let anon = Api::new(
        &stub.base_url(),
        Arc::new(MemorySecretStore::default()),
        HttpOptions::default(),
    )
    .unwrap();
    assert!(matches!(
        anon.publish_notice(&ok).await,
        Err(Error::Unauthorized)
    ));

    let ioc = api_as(
        &stub,
        stub.staff_login(phananh_stub::IOC, Role::Leader).unwrap(),
    );
    let field_of = |r: Result<wire::Notice, Error>| match r {
        Err(Error::Validation(f)) => f.into_iter().map(|f| f.field).collect::<Vec<_>>(),
        other => panic!("expected a field error, got {other:?}"),
    };
    let open_ring = NoticeArea::Polygon {
        ring: vec![
            [105.9, 18.3],
            [105.91, 18.3],
            [105.91, 18.31],
            [105.9, 18.31],
        ],
    };
    assert_eq!(
        field_of(
            ioc.publish_notice(&notice("Vùng hở", NoticeSeverity::Info, open_ring))
                .await
        ),
        ["area"]
    );
    let unknown = NoticeArea::Wards {
        codes: vec!["99999".into()],
    };
    assert_eq!(
        field_of(
            ioc.publish_notice(&notice("Xã lạ", NoticeSeverity::Info, unknown))
                .await
        ),
        ["area"]
    );
    assert_eq!(
        field_of(
            ioc.publish_notice(&notice("   ", NoticeSeverity::Info, NoticeArea::Province))
                .await
        ),
        ["title"]
    );
    let past = NewNotice {
        valid_to: Some(chrono::Utc::now() - chrono::Duration::hours(1)),
        ..ok.clone()
    };
    assert_eq!(field_of(ioc.publish_notice(&past).await), ["valid_to"]);
    // Nothing of the refused ones was stored.
    let all: wire::NoticesPage = reqwest::get(format!("{}api/v1/notices", stub.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(all.notices.is_empty(), "{all:?}");
    // A forged body (not JSON of the shape) is a 4xx, not a crash.
    let resp = reqwest::Client::new()
        .post(format!("{}api/v1/officer/notices", stub.base_url()))
        .bearer_auth(
            stub.staff_login(phananh_stub::IOC, Role::Leader)
                .unwrap()
                .access_token,
        )
        .header("content-type", "application/json")
        .body(r#"{"title":"x","body":"y","severity":"apocalyptic","area":{"kind":"province"}}"#)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    stub.shutdown().await;
}
