//! [`Feed`]: the public feed of reports, fetched when online and cached for offline use.

use std::sync::Arc;

use chrono::Utc;

use crate::api::app::FeedQuery;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::sync::machine;
use phananh_wire as wire;

/// A feed page and whether it came from the offline cache.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedResult {
    pub page: wire::FeedPage,
    pub from_cache: bool,
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
        let fetched = match self.ctx.engine.network().online {
            true => Some(self.ctx.api()?.feed(query).await),
            false => None,
        };
        match fetched {
            Some(Ok(page)) => {
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
            other => {
                let err = match other {
                    Some(Err(e)) => e,
                    _ => Error::Offline("network unavailable".into()),
                };
                if !matches!(machine::classify(&err), machine::Outcome::Transient { .. }) {
                    return Err(err);
                }
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
}
