//! [`Feed`]: the public feed of reports, fetched when online and cached for offline use.

use std::sync::Arc;

use chrono::Utc;

use crate::api::app::FeedQuery;
use crate::context::{Context, Fetched};
use crate::error::{Error, Result};
use crate::location::GeoBox;

/// Most reports one map view marks (the server's largest feed page).
pub const MAP_MARKERS_MAX: u32 = 100;
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
        match self.fetch(query).await? {
            Fetched::Fresh(r) => Ok(r),
            Fetched::Unreachable(err) => {
                let key = cache_key(query)?;
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

    /// The page from the server, cached under its query; `Unreachable` offline.
    async fn fetch(&self, query: &FeedQuery) -> Result<Fetched<FeedResult>> {
        let key = cache_key(query)?;
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
                Ok(Fetched::Fresh(FeedResult {
                    page,
                    from_cache: false,
                    fetched_at: now,
                }))
            }
            Fetched::Unreachable(err) => Ok(Fetched::Unreachable(err)),
        }
    }

    /// The reports to mark on a map showing `view` (of `category`, or all): the public feed
    /// asked for that box when online (and cached), else the reports inside the box from every
    /// feed page cached on this device, newest first. At most [`MAP_MARKERS_MAX`]. Offline
    /// without any cached page: the offline error (an empty map would say "nothing here").
    pub async fn in_view(&self, view: GeoBox, category: Option<String>) -> Result<FeedResult> {
        view.check()?;
        let query = FeedQuery {
            bbox: Some((view.min_lon, view.min_lat, view.max_lon, view.max_lat)),
            category,
            limit: Some(MAP_MARKERS_MAX),
            ..FeedQuery::default()
        };
        let err = match self.fetch(&query).await? {
            Fetched::Fresh(r) => return Ok(r),
            Fetched::Unreachable(err) => err,
        };
        let cached = self
            .ctx
            .blocking(move |c| c.store.cached_feed_items())
            .await?;
        if cached.is_empty() {
            return Err(err);
        }
        let mut oldest: Option<chrono::DateTime<Utc>> = None;
        let mut items: Vec<wire::FeedItem> = cached
            .into_iter()
            .filter(|(i, _)| view.contains(i.lat, i.lon))
            .filter(|(i, _)| query.category.as_ref().is_none_or(|c| *c == i.category))
            .map(|(i, at)| {
                oldest = Some(oldest.map_or(at, |o| o.min(at)));
                i
            })
            .collect();
        items.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        items.truncate(MAP_MARKERS_MAX as usize);
        Ok(FeedResult {
            page: wire::FeedPage {
                items,
                next_cursor: None,
            },
            from_cache: true,
            fetched_at: oldest.unwrap_or_else(Utc::now),
        })
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

/// A feed page is cached under its query string.
fn cache_key(query: &FeedQuery) -> Result<String> {
    serde_json::to_string(&query.pairs()).map_err(|e| Error::Internal(e.to_string()))
}
