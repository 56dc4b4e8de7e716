//! One tenant config: the contract crate's Hà Tĩnh fixture is what the app has compiled in
//! and what the stub serves. This test fetches the served document over HTTP through the
//! core (so it also goes through the core's parser and checks) and compares the whole value
//! with the compiled-in default; only the server's own URLs and version may differ.

use phananh_core::{Client, ClientOptions, TenantConfig};

#[tokio::test]
async fn stub_serves_exactly_the_compiled_in_tenant_config() {
    let stub = phananh_stub::start(phananh_stub::StubOptions::for_tests())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions {
        base_url: Some(stub.base_url()),
        ..ClientOptions::new(dir.path())
    })
    .await
    .unwrap();
    assert!(
        client.tenant().refresh().await.unwrap(),
        "first fetch applies the served config"
    );
    assert!(
        !client.tenant().refresh().await.unwrap(),
        "unchanged config is not applied twice (ETag)"
    );

    let mut served = client.tenant().config();
    assert_eq!(
        served.api_base_url,
        stub.base_url(),
        "the base URL given to the client wins over the served one"
    );
    assert!(
        !served.version.is_empty(),
        "the served config carries its version"
    );
    let mut default = TenantConfig::ha_tinh();
    served.version.clear();
    served.boundaries_url = None;
    served.boundaries_sha256 = None;
    default.api_base_url = served.api_base_url.clone();
    assert_eq!(served, default);

    // The stub's routing table (category → department, deadline) names the same categories
    // with the same deadlines as the config residents see.
    let routing: Vec<_> = phananh_stub::CATEGORIES
        .iter()
        .map(|c| (c.0.to_string(), c.1.to_string(), Some(c.4)))
        .collect();
    let config: Vec<_> = default
        .categories
        .iter()
        .map(|c| (c.code.clone(), c.name_vi.clone(), c.deadline_hours))
        .collect();
    assert_eq!(routing, config);
    stub.shutdown().await;
}
