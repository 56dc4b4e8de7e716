//! The stub cannot depend on the core, so nothing at compile time keeps their seeds in step:
//! this test does. The config the stub serves must parse as the core's `TenantConfig` and
//! carry the same categories and rating scale as the core's compiled-in Hà Tĩnh default
//! (otherwise an app that has not fetched the config yet would file reports under codes the
//! server does not know).

use phananh_core::{Client, ClientOptions, TenantConfig};

#[tokio::test]
async fn stub_config_matches_the_core_default_tenant() {
    let stub = phananh_stub::start(phananh_stub::StubOptions::for_tests()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(ClientOptions { base_url: Some(stub.base_url()), ..ClientOptions::new(dir.path()) }).unwrap();
    assert!(client.refresh_config().await.unwrap(), "first fetch applies the served config");
    assert!(!client.refresh_config().await.unwrap(), "unchanged config is not applied twice (ETag)");

    let served = client.config();
    let default = TenantConfig::ha_tinh();
    let codes = |c: &TenantConfig| c.categories.iter().map(|c| (c.code.clone(), c.name_vi.clone())).collect::<Vec<_>>();
    assert_eq!(codes(&served), codes(&default));
    let levels = |c: &TenantConfig| c.rating_scale.iter().map(|r| (r.value, r.may_reopen)).collect::<Vec<_>>();
    assert_eq!(levels(&served), levels(&default));
    assert_eq!(served.api_base_url, stub.base_url(), "the base URL given to the client wins over the served one");
    stub.shutdown().await;
}
