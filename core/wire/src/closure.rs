//! Verified closure and "me too" (issue 13, items 1 and 2): whether a unit's "after" photo
//! was taken on site and after the report, the resident's answer to a resolution (fixed /
//! not fixed), and open reports nearby that a resident may join instead of filing a
//! duplicate. [`distance_m`] is the one distance rule, used by the server and the app.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Radius around the report's point within which an "after" photo counts as taken on site,
/// for a category that does not set its own (`Category::verify_radius_m`).
pub const DEFAULT_VERIFY_RADIUS_M: u32 = 100;
/// Days after a resolution during which the resident may confirm or dispute it.
pub const ANSWER_WINDOW_DAYS: i64 = 7;
/// Longest text of a dispute.
pub const MAX_DISPUTE_TEXT: usize = 1000;
/// Radius of the "me too" search.
pub const NEARBY_RADIUS_M: u32 = 150;

/// Great-circle distance in metres (haversine on the mean Earth radius; under 0.5 % off at
/// the distances compared here).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const R: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().min(1.0).asin()
}

/// Why a resolution is not verified on site. Unknown future reasons read as `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerificationReason {
    /// The unit resolved the case without an "after" photo.
    NoPhoto,
    /// The photo carries no GPS position.
    NoPositionInPhoto,
    /// The photo carries no capture time.
    NoCaptureTime,
    /// Taken farther than the category's radius from the report's point.
    TooFar,
    /// Taken before the report was made.
    TakenBeforeReport,
    #[serde(other)]
    Other,
}

impl VerificationReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoPhoto => "no_photo",
            Self::NoPositionInPhoto => "no_position_in_photo",
            Self::NoCaptureTime => "no_capture_time",
            Self::TooFar => "too_far",
            Self::TakenBeforeReport => "taken_before_report",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Self {
        serde_json::from_value(serde_json::Value::String(s.into())).unwrap_or(Self::Other)
    }
}

/// A resident's answer to a resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClosureVerdict {
    /// "Đã sửa": the problem is fixed.
    Confirmed,
    /// "Chưa sửa": not fixed; the case reopens and goes to the IOC.
    Disputed,
}

impl ClosureVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Disputed => "disputed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClosureAnswer {
    pub verdict: ClosureVerdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub at: DateTime<Utc>,
}

/// Body of `POST api/v1/reports/{id}/closure` (header `Idempotency-Key: <client id>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClosureRequest {
    pub verdict: ClosureVerdict,
    /// What is still wrong (a dispute needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub text: Option<String>,
}

/// How the latest resolution of a case was checked against its "after" photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    /// The photo was taken within `radius_m` of the report's point, after the report.
    pub verified: bool,
    /// Distance from the report's point to where the photo was taken, when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    /// Why not verified; absent when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<VerificationReason>,
    pub radius_m: u32,
    /// When the photo says it was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_taken_at: Option<DateTime<Utc>>,
    /// The "after" photo checked (an id of the resolution event's media).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_id: Option<String>,
    pub resolved_at: DateTime<Utc>,
    /// The resident may confirm or dispute until then.
    pub answer_until: DateTime<Utc>,
    /// The viewer's answer to this resolution, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_answer: Option<ClosureAnswer>,
}

/// One open report near a point, for "me too".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearbyReport {
    pub report: crate::FeedItem,
    pub distance_m: f64,
}

/// `GET api/v1/reports/nearby` answer: nearest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearbyPage {
    pub items: Vec<NearbyReport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_known_values() {
        // 0.001° of latitude is about 111 m anywhere.
        let d = distance_m(18.342, 105.9057, 18.343, 105.9057);
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert_eq!(distance_m(18.3, 105.9, 18.3, 105.9), 0.0);
        // Hà Tĩnh city to Vinh: about 43 km.
        let d = distance_m(18.342, 105.9057, 18.6796, 105.6813);
        assert!((d - 44_000.0).abs() < 2_000.0, "{d}");
    }

    #[test]
    fn reasons_round_trip_and_unknown_is_other() {
        for r in [
            VerificationReason::NoPhoto,
            VerificationReason::NoPositionInPhoto,
            VerificationReason::NoCaptureTime,
            VerificationReason::TooFar,
            VerificationReason::TakenBeforeReport,
        ] {
            assert_eq!(VerificationReason::parse(r.as_str()), r);
        }
        assert_eq!(
            VerificationReason::parse("blurry"),
            VerificationReason::Other
        );
    }
}
