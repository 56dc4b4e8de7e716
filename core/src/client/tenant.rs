//! [`Tenant`]: the province's configuration (categories, limits, rating scale, location
//! policy) and its commune/ward boundaries for naming a report's ward offline.

use std::sync::Arc;

use crate::api::app::ConfigFetch;
use crate::config::TenantConfig;
use crate::context::Context;
use crate::error::Result;
use crate::location::{Boundaries, Lookup};

const CONFIG_ETAG_KEY: &str = "sync.config_etag";

#[derive(Clone)]
pub struct Tenant {
    ctx: Arc<Context>,
}

impl Tenant {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// The config in use (memory only).
    pub fn config(&self) -> TenantConfig {
        self.ctx.config()
    }

    /// Replace the config with a JSON document (a white-label build's, or one from support);
    /// checked whole, kept for the next start. A config the app cannot use is refused and the
    /// current one kept.
    pub async fn set_config_json(&self, json: String) -> Result<TenantConfig> {
        self.ctx
            .blocking(move |c| {
                c.set_config(crate::config::parse(&json)?)?;
                Ok(c.config())
            })
            .await
    }

    /// Conditional fetch of the tenant config (ETag). Returns true when a new config was
    /// applied. A config the app cannot use is refused and the current one kept.
    pub async fn refresh(&self) -> Result<bool> {
        let etag = self
            .ctx
            .blocking(|c| c.store.kv_get(CONFIG_ETAG_KEY))
            .await?;
        match self.ctx.api()?.config(etag.as_deref()).await? {
            ConfigFetch::NotModified => Ok(false),
            ConfigFetch::Fresh { json, etag } => {
                self.ctx
                    .blocking(move |c| {
                        c.set_config(crate::config::parse(&json)?)?;
                        match etag {
                            Some(e) => c.store.kv_set(CONFIG_ETAG_KEY, &e)?,
                            None => c.store.kv_delete(CONFIG_ETAG_KEY)?,
                        }
                        Ok(true)
                    })
                    .await
            }
        }
    }

    /// The tenant's boundaries, if configured; loaded (from files) on first use.
    pub async fn boundaries(&self) -> Result<Option<Arc<Boundaries>>> {
        self.ctx.blocking(|c| c.boundaries()).await
    }

    /// Replace the boundaries, e.g. with those a newly fetched tenant config carries.
    pub fn set_boundaries(&self, boundaries: Boundaries) {
        self.ctx.set_boundaries(boundaries)
    }

    /// Ward and province of a point, offline. `None` when no boundaries are configured.
    pub async fn locate(
        &self,
        lat: f64,
        lon: f64,
        accuracy_m: Option<f64>,
    ) -> Result<Option<Lookup>> {
        self.ctx
            .blocking(move |c| Ok(c.boundaries()?.map(|b| b.lookup(lat, lon, accuracy_m))))
            .await
    }
}
