//! [`Feed`]: the public feed of reports, fetched when online and cached for offline use.

use std::sync::Arc;

use chrono::Utc;

use crate::api::app::FeedQuery;
use crate::context::{Context, Fetched};
use crate::error::{Error, Result};
use phananh_wire as wire;

/// A feed page and whether it came from the offline cache.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedResult {
    pub page: wire::FeedPage,
    pub from_cache: bool,
    pub fetched_at: chrono::DateTime<Utc>,
}

/// Open reports near a point ("me too"), and whether they came from the offline cache.
#[derive(Debug, Clone, PartialEq)]
pub struct NearbyResult {
    /// Nearest first.
    pub items: Vec<wire::NearbyReport>,
    pub from_cache: bool,
    /// When the answer (or the oldest cached page used) was fetched.
    pub fetched_at: chrono::DateTime<Utc>,
}

#[derive(Clone)]
pub struct Feed {
    ctx: Arc<Context>,
}

impl Feed {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// One page of the feed: fetched and cached when online, the cached copy when not (or
    /// when the network fails on the way).
    pub async fn page(&self, query: &FeedQuery) -> Result<FeedResult> {
        let key =
            serde_json::to_string(&query.pairs()).map_err(|e| Error::Internal(e.to_string()))?;
        match self
            .ctx
            .fetch_online(|| async { self.ctx.api()?.feed(query).await })
            .await?
        {
            Fetched::Fresh(page) => {
                let now = Utc::now();
                let cached = page.clone();
                self.ctx
                    .blocking(move |c| c.store.cache_feed(&key, &cached, now))
                    .await?;
                Ok(FeedResult {
                    page,
                    from_cache: false,
                    fetched_at: now,
                })
            }
            Fetched::Unreachable(err) => {
                match self
                    .ctx
                    .blocking(move |c| c.store.cached_feed(&key))
                    .await?
                {
                    Some(c) => Ok(FeedResult {
                        page: c.page,
                        from_cache: true,
                        fetched_at: c.fetched_at,
                    }),
                    None => Err(err),
                }
            }
        }
    }

    /// [`Self::nearby`] for a draft being written: its category around its position, so the
    /// resident can say "me too" instead of sending it. A draft without either is a field
    /// error on what is missing.
    pub async fn nearby_for_draft(&self, draft_id: uuid::Uuid) -> Result<NearbyResult> {
        let d = self.ctx.blocking(move |c| c.store.draft(draft_id)).await?;
        let mut errors = Vec::new();
        if d.location.is_none() {
            errors.push(crate::FieldError::new(
                "location",
                crate::ValidationReason::Required,
            ));
        }
        if d.category.is_none() {
            errors.push(crate::FieldError::new(
                "category",
                crate::ValidationReason::Required,
            ));
        }
        match (d.location, d.category) {
            (Some(l), Some(c)) if errors.is_empty() => self.nearby(l.lat, l.lon, &c).await,
            _ => Err(Error::Validation(errors)),
        }
    }

    /// Open reports of `category` within [`NEARBY_RADIUS_M`](wire::closure::NEARBY_RADIUS_M)
    /// of (`lat`, `lon`), nearest first, to offer "me too" before filing: from the server
    /// when online, else from the feed pages cached on this device.
    pub async fn nearby(&self, lat: f64, lon: f64, category: &str) -> Result<NearbyResult> {
        let mut errors = Vec::new();
        if !lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0 || lon.abs() > 180.0 {
            errors.push(crate::FieldError::new(
                "location",
                crate::ValidationReason::OutOfRange,
            ));
        }
        let known = self
            .ctx
            .blocking(|c| Ok(c.config().categories.clone()))
            .await?
            .iter()
            .any(|c| c.code == category);
        if !known {
            errors.push(crate::FieldError::new(
                "category",
                crate::ValidationReason::UnknownCategory,
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let radius = wire::closure::NEARBY_RADIUS_M;
        let err = match self
            .ctx
            .fetch_online(|| async { self.ctx.api()?.nearby(lat, lon, category, radius).await })
            .await?
        {
            Fetched::Fresh(page) => {
                return Ok(NearbyResult {
                    items: page.items,
                    from_cache: false,
                    fetched_at: Utc::now(),
                })
            }
            Fetched::Unreachable(err) => err,
        };
        let category = category.to_owned();
        let cached = self
            .ctx
            .blocking(move |c| c.store.cached_feed_items())
            .await?;
        // No cached page at all: "nothing nearby" would be a guess, so say offline.
        if cached.is_empty() {
            return Err(err);
        }
        let open = [
            wire::ReportStatus::Received,
            wire::ReportStatus::Forwarded,
            wire::ReportStatus::InProgress,
            wire::ReportStatus::Reopened,
        ];
        let mut oldest: Option<chrono::DateTime<Utc>> = None;
        let mut items: Vec<wire::NearbyReport> = cached
            .into_iter()
            .filter(|(i, _)| i.category == category && open.contains(&i.status))
            .filter_map(|(i, at)| {
                let d = wire::closure::distance_m(lat, lon, i.lat, i.lon);
                (d <= radius as f64).then(|| {
                    oldest = Some(oldest.map_or(at, |o| o.min(at)));
                    wire::NearbyReport {
                        report: i,
                        distance_m: (d * 10.0).round() / 10.0,
                    }
                })
            })
            .collect();
        items.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        items.truncate(20);
        Ok(NearbyResult {
            items,
            from_cache: true,
            fetched_at: oldest.unwrap_or_else(Utc::now),
        })
    }
}
