//! [`Tenant`]: the province's configuration (categories, limits, rating scale, location
//! policy) and its commune/ward boundaries for naming a report's ward offline.

use std::sync::Arc;

use crate::api::app::ConfigFetch;
use crate::config::TenantConfig;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::location::{Boundaries, GeoBox, Lookup, WardOutlines};

const CONFIG_ETAG_KEY: &str = "sync.config_etag";
const BOUNDARIES_ETAG_KEY: &str = "sync.boundaries_etag";
const CHECKED_AT_KEY: &str = "tenant.checked_at";

/// How often [`Tenant::refresh_if_due`] asks the server.
pub const TENANT_REFRESH_EVERY: chrono::Duration = chrono::Duration::hours(24);

/// What [`Tenant::refresh_if_due`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantRefresh {
    /// The server was asked (it was due and the phone was online).
    pub checked: bool,
    pub config_changed: bool,
    pub boundaries_changed: bool,
}

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

    /// The shells call this at start and whenever they like (a daily job, coming to the
    /// foreground); the core asks the server at most once every [`TENANT_REFRESH_EVERY`]
    /// (ETags: an unchanged config or boundaries file costs one small answer each). Offline
    /// or not due: nothing happens. A config or boundaries file that fails validation is
    /// refused (typed error) and the ones in use are kept.
    pub async fn refresh_if_due(&self) -> Result<TenantRefresh> {
        // Concurrent callers: one asks the server, the others then find it not due.
        let _one = self.ctx.tenant_refresh.lock().await;
        let now = chrono::Utc::now();
        let last = self
            .ctx
            .blocking(|c| c.store.kv_get(CHECKED_AT_KEY))
            .await?
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&chrono::Utc));
        // A time in the future (the clock was wrong) counts as due.
        let due = last.is_none_or(|t| t > now || now - t >= TENANT_REFRESH_EVERY);
        if !due || !self.ctx.engine.network().online {
            return Ok(TenantRefresh {
                checked: false,
                config_changed: false,
                boundaries_changed: false,
            });
        }
        let config_changed = self.refresh().await?;
        let boundaries_changed = self.refresh_boundaries().await?;
        self.ctx
            .blocking(move |c| c.store.kv_set(CHECKED_AT_KEY, &now.to_rfc3339()))
            .await?;
        Ok(TenantRefresh {
            checked: true,
            config_changed,
            boundaries_changed,
        })
    }

    /// Conditional fetch of the ward boundaries the config names (`boundaries_url`). New
    /// ones are checked by building the lookup from them (with the province outline the app
    /// has) before they replace the ones in use and are kept for the next start.
    pub async fn refresh_boundaries(&self) -> Result<bool> {
        let Some(url) = self.ctx.config().boundaries_url else {
            return Ok(false);
        };
        let Some(province) = self.ctx.blocking(|c| c.province_geojson()).await? else {
            return Ok(false);
        };
        // The server says which file it serves: the one held already (bundled with the app,
        // or fetched before) costs no request at all, not even a 304.
        if let Some(announced) = self.ctx.config().boundaries_sha256 {
            let held = self.ctx.blocking(|c| c.wards_sha256()).await?;
            if held.as_deref() == Some(announced.as_str()) {
                return Ok(false);
            }
        }
        let etag = self
            .ctx
            .blocking(|c| c.store.kv_get(BOUNDARIES_ETAG_KEY))
            .await?;
        match self.ctx.api()?.boundaries(&url, etag.as_deref()).await? {
            ConfigFetch::NotModified => Ok(false),
            ConfigFetch::Fresh { json, etag } => {
                self.ctx
                    .blocking(move |c| {
                        let b = Boundaries::from_geojson(&province, &json)?;
                        let dir = c.storage_dir.join(crate::context::BOUNDARIES_DIR);
                        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                        for (name, text) in [("province", &province), ("wards", &json)] {
                            let path = dir.join(format!("{name}.geojson"));
                            let tmp = dir.join(format!("{name}.geojson.part"));
                            std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
                            std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
                        }
                        c.set_boundaries(b);
                        match etag {
                            Some(e) => c.store.kv_set(BOUNDARIES_ETAG_KEY, &e)?,
                            None => c.store.kv_delete(BOUNDARIES_ETAG_KEY)?,
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

    /// The ward outlines to draw over a map viewport, from the boundaries the core holds
    /// (offline): the wards meeting `view`, simplified for it, `max_points` points at most in
    /// all (capped at [`crate::location::MAX_OUTLINE_POINTS`]). `None` without boundaries; a
    /// box that is not one is a field error (`bbox`).
    pub async fn ward_outlines(
        &self,
        view: GeoBox,
        max_points: u32,
    ) -> Result<Option<WardOutlines>> {
        view.check()?;
        self.ctx
            .blocking(move |c| Ok(c.boundaries()?.map(|b| b.outlines(&view, max_points))))
            .await
    }
}
