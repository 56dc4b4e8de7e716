//! Tenant (province) configuration. The types, defaults, checks and the Hà Tĩnh values are
//! defined once, in the contract crate ([`phananh_wire::config`]); this module adds what the
//! core needs around them: parsing a fetched document into the core's error type.

pub use phananh_wire::config::{
    is_acceptable_base_url, Category, LocationPolicy, MapConfig, MediaLimits, RatingLevel,
    TenantConfig,
};

use crate::error::{Error, Result};

/// Parse and check a config document (fetched from the server, bundled by a white-label
/// build, or stored). A config that would make the app unusable is refused whole.
pub fn parse(json: &str) -> Result<TenantConfig> {
    let cfg: TenantConfig =
        serde_json::from_str(json).map_err(|e| Error::Protocol(format!("tenant config: {e}")))?;
    check(&cfg)?;
    Ok(cfg)
}

/// [`TenantConfig::validate`] as a core error.
pub fn check(cfg: &TenantConfig) -> Result<()> {
    let errors = cfg.validate();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetched_config_replaces_and_is_checked() {
        let mut cfg = TenantConfig::ha_tinh();
        cfg.name_vi = "Huế".into();
        assert_eq!(parse(&serde_json::to_string(&cfg).unwrap()).unwrap(), cfg);
        cfg.categories.clear();
        match parse(&serde_json::to_string(&cfg).unwrap()) {
            Err(Error::Validation(errs)) => assert_eq!(errs[0].field, "categories"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("{\"tenant_id\": 3}"),
            Err(Error::Protocol(_))
        ));
    }
}
