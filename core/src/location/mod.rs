//! Location: choosing the best fix and naming the commune/ward it falls in (DESIGN §6).
//!
//! - [`fix`]: the selection policy among device fixes, photo EXIF positions and a manual pin,
//!   and the plausibility warnings.
//! - [`boundaries`]: the tenant's province and wards from GeoJSON, indexed for offline lookup.
//! - [`address`]: the display address line.
//! - [`outlines`]: ward outlines simplified for a map viewport.
//!
//! [`assess`] puts them together; `Client::set_draft_location` stores its result with a draft.

pub mod address;
pub mod boundaries;
pub mod fix;
pub mod geodesy;
pub mod geojson;
pub mod outlines;
mod prepared;

pub use boundaries::{
    Boundaries, BoundaryCache, BoundaryError, BoundarySource, Lookup, ProvinceRef, WardCandidate,
};
pub use fix::{choose_fix, stale_photo, FixChoice, LocationWarning};
pub use outlines::{GeoBox, MapPoint, WardOutline, WardOutlines, MAX_OUTLINE_POINTS};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::LocationPolicy;
use crate::model::LocationFix;

/// The position chosen for a report, where it is, and what the resident should check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationAssessment {
    pub fix: Option<LocationFix>,
    /// `None` when there is no fix or no boundaries to look it up in.
    pub lookup: Option<Lookup>,
    pub warnings: Vec<LocationWarning>,
    pub keep_waiting: bool,
}

pub fn assess(
    fixes: &[LocationFix],
    now: DateTime<Utc>,
    policy: &LocationPolicy,
    boundaries: Option<&Boundaries>,
) -> LocationAssessment {
    let FixChoice {
        fix,
        mut warnings,
        keep_waiting,
    } = choose_fix(fixes, now, policy);
    let lookup = fix
        .as_ref()
        .zip(boundaries)
        .map(|(f, b)| b.lookup(f.lat, f.lon, f.accuracy_m));
    if lookup.as_ref().is_some_and(|l| !l.inside_province) {
        warnings.push(LocationWarning::OutsideProvince);
    }
    LocationAssessment {
        fix,
        lookup,
        warnings,
        keep_waiting,
    }
}
