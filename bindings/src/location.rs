//! FFI mirrors of the core's location assessment: the chosen fix, its ward, and the reasons
//! to double-check it.

use phananh_core::location as cl;

use crate::types::{LocationFix, WardRef};

#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum LocationWarning {
    /// A photo was taken this far from where the report is.
    PhotoFar {
        distance_m: f64,
    },
    /// The oldest photo with a position was taken this many days ago.
    PhotoStale {
        age_days: u32,
    },
    /// No fresh fix: the position used is this old.
    StaleFix {
        age_s: u64,
    },
    PoorAccuracy {
        accuracy_m: f64,
    },
    OutsideProvince,
}

impl From<cl::LocationWarning> for LocationWarning {
    fn from(w: cl::LocationWarning) -> Self {
        match w {
            cl::LocationWarning::PhotoFar { distance_m } => Self::PhotoFar { distance_m },
            cl::LocationWarning::PhotoStale { age_days } => Self::PhotoStale { age_days },
            cl::LocationWarning::StaleFix { age_s } => Self::StaleFix { age_s },
            cl::LocationWarning::PoorAccuracy { accuracy_m } => Self::PoorAccuracy { accuracy_m },
            cl::LocationWarning::OutsideProvince => Self::OutsideProvince,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WardCandidate {
    pub ward: WardRef,
    /// 0 for the ward containing the point.
    pub distance_m: f64,
}

/// Where a point is, offline.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WardLookup {
    pub inside_province: bool,
    /// The ward containing the point, if any.
    pub ward: Option<WardRef>,
    /// The ward the report is filed under (the containing one, or the nearest for a point in
    /// a sliver between ward outlines).
    pub report_ward: Option<WardRef>,
    /// Wards the true position may be in given the accuracy, nearest first.
    pub candidates: Vec<WardCandidate>,
    /// "Phường Thành Sen, tỉnh Hà Tĩnh"; `None` outside the province.
    pub address: Option<String>,
}

impl From<cl::Lookup> for WardLookup {
    fn from(l: cl::Lookup) -> Self {
        Self {
            report_ward: l.ward_for_report().map(Into::into),
            inside_province: l.inside_province,
            ward: l.ward.map(Into::into),
            candidates: l
                .candidates
                .into_iter()
                .map(|c| WardCandidate {
                    ward: c.ward.into(),
                    distance_m: c.distance_m,
                })
                .collect(),
            address: l.address,
        }
    }
}

/// The position chosen for a draft among the candidates, with its ward and warnings.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LocationAssessment {
    pub fix: Option<LocationFix>,
    pub lookup: Option<WardLookup>,
    pub warnings: Vec<LocationWarning>,
    /// The device fix is not good yet and the policy allows waiting: keep listening and ask
    /// again.
    pub keep_waiting: bool,
}

impl From<cl::LocationAssessment> for LocationAssessment {
    fn from(a: cl::LocationAssessment) -> Self {
        Self {
            fix: a.fix.map(Into::into),
            lookup: a.lookup.map(Into::into),
            warnings: a.warnings.into_iter().map(Into::into).collect(),
            keep_waiting: a.keep_waiting,
        }
    }
}

/// A point of a ward outline.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct MapPoint {
    pub lat: f64,
    pub lon: f64,
}

/// A ward and its outline for the map: closed rings (first point repeated last).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WardOutline {
    pub ward: WardRef,
    pub rings: Vec<Vec<MapPoint>>,
}

/// The ward outlines of a map viewport, within the asked point budget.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WardOutlines {
    /// By ward code.
    pub outlines: Vec<WardOutline>,
    /// Wards in the viewport not drawn (beyond the budget, or smaller than its tolerance).
    pub omitted: u32,
}

impl From<cl::WardOutlines> for WardOutlines {
    fn from(o: cl::WardOutlines) -> Self {
        Self {
            outlines: o
                .outlines
                .into_iter()
                .map(|w| WardOutline {
                    ward: w.ward.into(),
                    rings: w
                        .rings
                        .into_iter()
                        .map(|r| {
                            r.into_iter()
                                .map(|p| MapPoint {
                                    lat: p.lat,
                                    lon: p.lon,
                                })
                                .collect()
                        })
                        .collect(),
                })
                .collect(),
            omitted: o.omitted,
        }
    }
}
