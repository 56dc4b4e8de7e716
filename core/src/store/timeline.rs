//! Merging a report from the server into the local copy (pure). The server bumps
//! `version` on every change and numbers timeline events increasingly within a report, so
//! "did anything change?" is answered exactly, and pages fetched twice (a cursor replayed
//! after a crash) change nothing and notify nobody.

use std::collections::BTreeSet;

use phananh_wire as wire;

/// What the store holds about a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    pub version: u64,
    pub status: String,
    pub event_ids: BTreeSet<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    Unchanged,
    Changed {
        /// Status before, when the report was known.
        old_status: Option<String>,
        /// Timeline events not stored yet (all of them for a new report).
        new_events: Vec<wire::TimelineEvent>,
    },
}

impl Merge {
    pub fn is_changed(&self) -> bool {
        matches!(self, Merge::Changed { .. })
    }
}

/// Verdict for `incoming` against `stored`. Events are only ever added (union by id): a page
/// that carries a shorter timeline (a public view) does not erase what we know. An older
/// version than the stored one (a stale page arriving late) is ignored.
pub fn merge(stored: Option<&StoredReport>, incoming: &wire::Report) -> Merge {
    let new_events: Vec<wire::TimelineEvent> = incoming
        .timeline
        .iter()
        .filter(|e| stored.is_none_or(|s| !s.event_ids.contains(&e.id)))
        .cloned()
        .collect();
    match stored {
        None => Merge::Changed {
            old_status: None,
            new_events,
        },
        Some(s) if incoming.version < s.version => Merge::Unchanged,
        Some(s) if incoming.version == s.version && new_events.is_empty() => Merge::Unchanged,
        Some(s) => Merge::Changed {
            old_status: Some(s.status.clone()),
            new_events,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_000_000 + s, 0).unwrap()
    }

    fn event(id: u64, status: wire::ReportStatus) -> wire::TimelineEvent {
        wire::TimelineEvent {
            id,
            at: at(id as i64),
            kind: wire::EventKind::Other,
            status,
            unit: None,
            message: None,
            media: vec![],
        }
    }

    fn report(version: u64, events: &[u64]) -> wire::Report {
        let status = if events.len() > 2 {
            wire::ReportStatus::InProgress
        } else {
            wire::ReportStatus::Received
        };
        wire::Report {
            id: "HT-1".into(),
            client_id: None,
            category: "giao_thong".into(),
            description: "Ổ gà".into(),
            lat: 18.3,
            lon: 105.9,
            accuracy_m: None,
            ward: None,
            address: None,
            status,
            unit: None,
            created_at: at(0),
            updated_at: at(version as i64),
            deadline: None,
            captured_at: None,
            anonymous: false,
            attributes: Default::default(),
            media: vec![],
            timeline: events.iter().map(|&i| event(i, status)).collect(),
            duplicate_of: None,
            reporter: None,
            my_rating: None,
            verification: None,
            supporters: 0,
            following: false,
            version,
        }
    }

    fn stored_of(r: &wire::Report, extra: &[u64]) -> StoredReport {
        StoredReport {
            version: r.version,
            status: r.status.as_str().into(),
            event_ids: r
                .timeline
                .iter()
                .map(|e| e.id)
                .chain(extra.iter().copied())
                .collect(),
        }
    }

    #[test]
    fn new_report_brings_all_its_events() {
        let r = report(1, &[1, 2]);
        assert_eq!(
            merge(None, &r),
            Merge::Changed {
                old_status: None,
                new_events: r.timeline.clone()
            }
        );
    }

    #[test]
    fn replayed_page_changes_nothing_and_stale_pages_are_ignored() {
        let r = report(3, &[1, 2, 3]);
        assert_eq!(merge(Some(&stored_of(&r, &[])), &r), Merge::Unchanged);
        let old = report(2, &[1, 2]);
        assert_eq!(merge(Some(&stored_of(&r, &[])), &old), Merge::Unchanged);
    }

    #[test]
    fn only_unseen_events_are_new() {
        let before = report(2, &[1, 2]);
        let after = report(3, &[1, 2, 3]);
        match merge(Some(&stored_of(&before, &[])), &after) {
            Merge::Changed {
                old_status,
                new_events,
            } => {
                assert_eq!(old_status.as_deref(), Some("received"));
                assert_eq!(new_events.iter().map(|e| e.id).collect::<Vec<_>>(), [3]);
            }
            other => panic!("{other:?}"),
        }
    }

    proptest! {
        /// Applying pages in any order, with repeats, ends with the union of their events,
        /// and a page already applied is always `Unchanged`.
        #[test]
        fn merge_is_idempotent_and_order_insensitive(pages in proptest::collection::vec((1u64..6, proptest::collection::btree_set(1u64..10, 0..6)), 1..12)) {
            let mut st: Option<StoredReport> = None;
            for (v, evs) in &pages {
                let r = report(*v, &evs.iter().copied().collect::<Vec<_>>());
                if let Merge::Changed { new_events, .. } = merge(st.as_ref(), &r) {
                    let mut s = st.take().unwrap_or(StoredReport { version: 0, status: String::new(), event_ids: BTreeSet::new() });
                    s.version = s.version.max(r.version);
                    s.event_ids.extend(new_events.iter().map(|e| e.id));
                    st = Some(s);
                }
                prop_assert_eq!(merge(st.as_ref(), &r), Merge::Unchanged);
            }
            let want_version = pages.iter().map(|p| p.0).max().unwrap();
            prop_assert_eq!(st.as_ref().unwrap().version, want_version);
        }
    }
}
