//! Status sync: pull "my reports" changed since the stored cursor, merge each (timeline
//! included) into the cache, and publish only what really changed.

use std::sync::Arc;

use crate::context::Context;
use crate::error::Result;
use crate::store::Merge;

/// Per account (`sync.my_reports_cursor.<user id>`): each account pulls its own changes.
const MY_REPORTS_CURSOR_KEY: &str = "sync.my_reports_cursor";
const MY_REPORTS_PAGE: u32 = 100;

/// Returns the ids that changed.
pub(crate) async fn sync_my_reports(ctx: &Arc<Context>) -> Result<Vec<String>> {
    let api = ctx.api()?;
    let mut changed = Vec::new();
    let Some(account) = ctx.blocking(|c| Ok(c.engine.account())).await? else {
        return Err(crate::error::Error::Unauthorized);
    };
    let key = format!("{MY_REPORTS_CURSOR_KEY}.{account}");
    let k = key.clone();
    let mut cursor = ctx.blocking(move |c| c.store.kv_get(&k)).await?;
    for _ in 0..1000 {
        let page = api.my_reports(cursor.as_deref(), MY_REPORTS_PAGE).await?;
        let next = page.next_cursor.clone();
        let more = page.has_more;
        // The cursor is stored after the page is merged: a crash in between re-reads the
        // page, which merges as "unchanged".
        let (key, account) = (key.clone(), account.clone());
        let page_changed = ctx
            .blocking(move |c| {
                let mut ids = Vec::new();
                for r in &page.items {
                    if let Merge::Changed { .. } = c.store.merge_report(r, true, Some(&account))? {
                        ids.push(r.id.clone());
                    }
                }
                c.store.kv_set(&key, &page.next_cursor)?;
                Ok(ids)
            })
            .await?;
        for id in page_changed {
            if !changed.contains(&id) {
                changed.push(id);
            }
        }
        cursor = Some(next);
        if !more {
            break;
        }
    }
    let ids = changed.clone();
    ctx.blocking(move |c| c.publish_reports(ids)).await?;
    Ok(changed)
}
