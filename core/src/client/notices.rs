//! [`Notices`]: the province's official notices (weather, disaster warnings, traffic) that
//! cover where the resident is. All notices valid now are fetched (a province has few) and
//! cached, so the filter by place runs the same online and offline.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::context::{Context, Fetched};
use crate::error::{Error, Result};
use phananh_wire as wire;

const CACHE_KEY: &str = "notices.cache";

/// Notices for a place, and whether they came from the offline cache.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticesResult {
    /// Valid now and covering the place; most severe first, then newest.
    pub notices: Vec<wire::Notice>,
    /// The ward the place was found in (from the boundaries this device holds).
    pub ward: Option<String>,
    pub from_cache: bool,
    pub fetched_at: DateTime<Utc>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cached {
    fetched_at: DateTime<Utc>,
    notices: Vec<wire::Notice>,
}

#[derive(Clone)]
pub struct Notices {
    ctx: Arc<Context>,
}

impl Notices {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// Notices valid now that cover the point (`lat`, `lon`) or its ward; with no point, only
    /// province-wide ones. Fetched when online (and cached); the cache when offline or the
    /// network fails on the way. A notice whose validity ended is never shown, even cached.
    pub async fn at(&self, point: Option<(f64, f64)>) -> Result<NoticesResult> {
        if let Some((lat, lon)) = point {
            if !lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0 || lon.abs() > 180.0 {
                return Err(Error::Validation(vec![crate::FieldError::new(
                    "location",
                    crate::ValidationReason::OutOfRange,
                )]));
            }
        }
        let fetched = self
            .ctx
            .fetch_online(|| async { self.ctx.api()?.notices().await })
            .await?;
        let (all, from_cache, fetched_at) = match fetched {
            Fetched::Fresh(page) => {
                let now = Utc::now();
                let json = serde_json::to_string(&Cached {
                    fetched_at: now,
                    notices: page.notices.clone(),
                })
                .map_err(|e| Error::Internal(e.to_string()))?;
                self.ctx
                    .blocking(move |c| c.store.kv_set(CACHE_KEY, &json))
                    .await?;
                (page.notices, false, now)
            }
            Fetched::Unreachable(err) => {
                let cached = self.ctx.blocking(|c| c.store.kv_get(CACHE_KEY)).await?;
                // A cache that does not parse (written by another version) is no cache.
                match cached.and_then(|s| serde_json::from_str::<Cached>(&s).ok()) {
                    Some(c) => (c.notices, true, c.fetched_at),
                    None => return Err(err),
                }
            }
        };
        let ward = match point {
            Some((lat, lon)) => {
                self.ctx
                    .blocking(move |c| {
                        Ok(c.boundaries()?
                            .and_then(|b| b.ward_at(lat, lon).map(|w| w.code.clone())))
                    })
                    .await?
            }
            None => None,
        };
        let now = Utc::now();
        let mut notices: Vec<wire::Notice> = all
            .into_iter()
            .filter(|n| n.is_valid_at(now) && n.area.covers(ward.as_deref(), point))
            .collect();
        wire::notices::sort_notices(&mut notices);
        Ok(NoticesResult {
            notices,
            ward,
            from_cache,
            fetched_at,
        })
    }
}
