//! Official notices of the province (issue 13, item 3): weather, disaster warnings, traffic.
//! The IOC publishes them for the whole province, a list of wards, or a polygon; a resident
//! sees those that cover their ward or position while they are valid, most severe first.
//! [`NoticeArea::covers`] is the one rule, used by the server to filter and by the app to
//! filter its offline cache.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationReason};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeSeverity {
    Info,
    Warning,
    /// Danger to life or property (storm, flood): also sent as a push.
    Severe,
}

/// Where a notice applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeArea {
    /// The whole province.
    Province,
    /// These communes/wards (2025 codes).
    Wards { codes: Vec<String> },
    /// A closed ring of `[lon, lat]` points (GeoJSON order), first point repeated last.
    Polygon { ring: Vec<[f64; 2]> },
}

/// Most points a polygon may have (a hand-drawn area, not a coastline).
pub const MAX_RING_POINTS: usize = 2000;

impl NoticeArea {
    /// Whether the notice applies to someone in `ward` (code) or at `point` (`lat`, `lon`).
    /// A ward list needs the ward; a polygon needs the point (falls back to nothing: with no
    /// position a polygon notice is not claimed to be "here").
    pub fn covers(&self, ward: Option<&str>, point: Option<(f64, f64)>) -> bool {
        match self {
            NoticeArea::Province => true,
            NoticeArea::Wards { codes } => ward.is_some_and(|w| codes.iter().any(|c| c == w)),
            NoticeArea::Polygon { ring } => {
                point.is_some_and(|(lat, lon)| ring_contains(ring, lon, lat))
            }
        }
    }

    /// Field problems of an area (under `area`); `known_ward` tells a real ward code.
    pub fn problems(&self, known_ward: impl Fn(&str) -> bool) -> Vec<FieldError> {
        let bad = |detail: &str| {
            vec![FieldError::new(
                "area",
                ValidationReason::Invalid {
                    detail: detail.into(),
                },
            )]
        };
        match self {
            NoticeArea::Province => vec![],
            NoticeArea::Wards { codes } if codes.is_empty() => bad("no ward listed"),
            NoticeArea::Wards { codes } if codes.len() > 200 => bad("more than 200 wards"),
            NoticeArea::Wards { codes } => match codes.iter().find(|c| !known_ward(c)) {
                Some(c) => bad(&format!(
                    "unknown ward code {}",
                    c.chars().take(20).collect::<String>()
                )),
                None => vec![],
            },
            NoticeArea::Polygon { ring } => {
                if ring.len() < 4 {
                    bad("a polygon needs at least 3 distinct points and the first repeated last")
                } else if ring.len() > MAX_RING_POINTS {
                    bad("polygon has too many points")
                } else if ring.iter().any(|[lon, lat]| {
                    !lon.is_finite() || !lat.is_finite() || lon.abs() > 180.0 || lat.abs() > 90.0
                }) {
                    bad("polygon point out of range")
                } else if ring.first() != ring.last() {
                    bad("polygon does not close: the last point must repeat the first")
                } else {
                    vec![]
                }
            }
        }
    }
}

/// Even-odd ray casting on a ring of `[lon, lat]` (planar: areas of a few km, far from the
/// poles and the antimeridian).
fn ring_contains(ring: &[[f64; 2]], lon: f64, lat: f64) -> bool {
    if !lon.is_finite() || !lat.is_finite() || ring.len() < 4 {
        return false;
    }
    let mut inside = false;
    for w in ring.windows(2) {
        let ([x1, y1], [x2, y2]) = (w[0], w[1]);
        if (y1 > lat) != (y2 > lat) {
            let x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1);
            if lon < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// A notice as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub id: String,
    pub title: String,
    pub body: String,
    pub severity: NoticeSeverity,
    pub area: NoticeArea,
    pub valid_from: DateTime<Utc>,
    /// Absent: until withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<DateTime<Utc>>,
    pub published_at: DateTime<Utc>,
}

impl Notice {
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_from <= now && self.valid_to.is_none_or(|t| now < t)
    }
}

/// What the IOC sends to publish a notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewNotice {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 5000))]
    pub body: String,
    pub severity: NoticeSeverity,
    pub area: NoticeArea,
    /// Absent: from now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<DateTime<Utc>>,
}

/// Notices valid now, most severe first, then newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticesPage {
    pub notices: Vec<Notice>,
}

/// Most severe first, then the most recently published.
pub fn sort_notices(v: &mut [Notice]) {
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.published_at.cmp(&a.published_at))
            .then(a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> NoticeArea {
        NoticeArea::Polygon {
            ring: vec![
                [105.0, 18.0],
                [106.0, 18.0],
                [106.0, 19.0],
                [105.0, 19.0],
                [105.0, 18.0],
            ],
        }
    }

    #[test]
    fn areas_cover_what_they_say() {
        assert!(NoticeArea::Province.covers(None, None));
        let w = NoticeArea::Wards {
            codes: vec!["18073".into()],
        };
        assert!(w.covers(Some("18073"), None));
        assert!(!w.covers(Some("18652"), Some((18.3, 105.9))));
        assert!(
            !w.covers(None, Some((18.3, 105.9))),
            "a ward list needs the ward"
        );
        let p = square();
        assert!(p.covers(None, Some((18.5, 105.5))));
        assert!(!p.covers(None, Some((19.5, 105.5))));
        assert!(!p.covers(Some("18073"), None), "a polygon needs the point");
        assert!(!p.covers(None, Some((f64::NAN, 105.5))));
    }

    #[test]
    fn bad_areas_are_field_problems() {
        let open = NoticeArea::Polygon {
            ring: vec![[105.0, 18.0], [106.0, 18.0], [106.0, 19.0], [105.0, 19.0]],
        };
        let p = open.problems(|_| true);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].field, "area");
        assert!(format!("{:?}", p[0]).contains("does not close"));
        assert!(!NoticeArea::Polygon {
            ring: vec![[105.0, 18.0], [106.0, 18.0], [105.0, 18.0]]
        }
        .problems(|_| true)
        .is_empty());
        assert!(!NoticeArea::Polygon {
            ring: vec![[f64::INFINITY, 18.0]; 5]
        }
        .problems(|_| true)
        .is_empty());
        assert!(!NoticeArea::Wards { codes: vec![] }
            .problems(|_| true)
            .is_empty());
        assert!(!NoticeArea::Wards {
            codes: vec!["nope".into()]
        }
        .problems(|c| c == "18073")
        .is_empty());
        assert!(square().problems(|_| false).is_empty());
    }

    #[test]
    fn most_severe_first_then_newest() {
        let n = |id: &str, s, minutes| Notice {
            id: id.into(),
            title: id.into(),
            body: String::new(),
            severity: s,
            area: NoticeArea::Province,
            valid_from: DateTime::<Utc>::UNIX_EPOCH,
            valid_to: None,
            published_at: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(minutes),
        };
        let mut v = vec![
            n("a", NoticeSeverity::Info, 3),
            n("b", NoticeSeverity::Severe, 1),
            n("c", NoticeSeverity::Info, 5),
            n("d", NoticeSeverity::Severe, 2),
        ];
        sort_notices(&mut v);
        assert_eq!(
            v.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            ["d", "b", "c", "a"]
        );
    }
}
