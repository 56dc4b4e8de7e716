//! Distances on the ground. Two tools, each where it fits: great-circle distance between two
//! fixes (photo vs. device, any range), and a local metric scale for the many short
//! point-to-edge distances of a border check (sub-metre error over a few kilometres).

use geo::{Distance, Haversine, Point};

use crate::model::LocationFix;

/// Great-circle distance in metres.
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    Haversine.distance(Point::new(lon1, lat1), Point::new(lon2, lat2))
}

pub fn fix_distance_m(a: &LocationFix, b: &LocationFix) -> f64 {
    distance_m(a.lat, a.lon, b.lat, b.lon)
}

/// Metres per degree of latitude and longitude at a latitude (WGS84 series expansion).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MetricScale {
    pub m_per_deg_lat: f64,
    pub m_per_deg_lon: f64,
}

impl MetricScale {
    pub fn at(lat: f64) -> Self {
        let p = lat.to_radians();
        Self {
            m_per_deg_lat: 111_132.954 - 559.822 * (2.0 * p).cos() + 1.175 * (4.0 * p).cos(),
            m_per_deg_lon: 111_412.84 * p.cos() - 93.5 * (3.0 * p).cos() + 0.118 * (5.0 * p).cos(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_scale_matches_great_circle_for_short_distances() {
        let s = MetricScale::at(18.34);
        let d_lat = distance_m(18.34, 105.9, 18.35, 105.9);
        let d_lon = distance_m(18.34, 105.9, 18.34, 105.91);
        // Haversine uses a sphere; the ellipsoidal scale differs by well under 1 %.
        assert!(
            (s.m_per_deg_lat * 0.01 - d_lat).abs() / d_lat < 0.01,
            "{d_lat}"
        );
        assert!(
            (s.m_per_deg_lon * 0.01 - d_lon).abs() / d_lon < 0.01,
            "{d_lon}"
        );
        // Thành Sen to Vinh: about 44 km as the crow flies.
        let vinh = distance_m(18.342, 105.9057, 18.6796, 105.6813);
        assert!((40_000.0..60_000.0).contains(&vinh), "{vinh}");
    }
}
