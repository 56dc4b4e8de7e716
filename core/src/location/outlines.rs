//! Ward outlines for drawing a map viewport: the wards whose outline meets the viewport, their
//! rings simplified to about a screen pixel of the viewport (coarser until they fit the caller's
//! point budget), each ring closed. They come from the boundaries the core holds, so the map
//! shows them offline, without tiles.

use geo::{LineString, MultiPolygon, Simplify};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::WardRef;
use crate::{FieldError, ValidationReason};

/// Tolerance of the outlines kept in memory, in degrees (~1 m): finer than any map shows them.
pub(crate) const STORED_TOLERANCE_DEG: f64 = 1e-5;

/// The viewport's longer side over this is the first simplification tolerance (about one
/// pixel of a phone screen showing it).
const PIXELS_PER_VIEW: f64 = 512.0;

/// The coarsest tolerance a budget may force, as a fraction of the viewport's longer side:
/// coarser outlines would no longer look like the wards.
const COARSEST_FRACTION: f64 = 1.0 / 16.0;

/// Most points one call returns, whatever the caller asks.
pub const MAX_OUTLINE_POINTS: u32 = 20_000;

/// A viewport in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl GeoBox {
    /// A field error unless the box is finite, within the globe and not inverted.
    pub fn check(&self) -> Result<()> {
        let finite = [self.min_lon, self.min_lat, self.max_lon, self.max_lat]
            .iter()
            .all(|v| v.is_finite());
        let ok = finite
            && self.min_lat >= -90.0
            && self.max_lat <= 90.0
            && self.min_lon >= -180.0
            && self.max_lon <= 180.0
            && self.min_lat <= self.max_lat
            && self.min_lon <= self.max_lon;
        if ok {
            Ok(())
        } else {
            Err(Error::Validation(vec![FieldError::new(
                "bbox",
                ValidationReason::OutOfRange,
            )]))
        }
    }

    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }
}

/// One position of an outline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MapPoint {
    pub lat: f64,
    pub lon: f64,
}

/// A ward and its outline: closed rings (first point repeated last), exteriors and holes alike.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WardOutline {
    pub ward: WardRef,
    pub rings: Vec<Vec<MapPoint>>,
}

/// The outlines of a viewport.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WardOutlines {
    /// By ward code.
    pub outlines: Vec<WardOutline>,
    /// Wards meeting the viewport that are not drawn: beyond the point budget, or smaller
    /// than the tolerance the budget forced (0: every one is drawn).
    pub omitted: u32,
}

/// A ward's rings as kept in memory: simplified to [`STORED_TOLERANCE_DEG`].
pub(crate) fn stored_rings(area: &MultiPolygon<f64>) -> Vec<LineString<f64>> {
    area.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| r.simplify(STORED_TOLERANCE_DEG))
        .filter(|r| r.0.len() >= 4)
        .collect()
}

/// Simplify `wards` (code order) for `view` until their points fit `max_points`. A ring that
/// simplification shrinks below a triangle is dropped (an islet smaller than a pixel); a ward
/// left without rings is not drawn. When even the coarsest tolerance ([`COARSEST_FRACTION`] of
/// the viewport) does not fit, whole wards are left out from the end. Both count in `omitted`.
pub(crate) fn outlines_for(
    view: &GeoBox,
    wards: &[(&WardRef, &[LineString<f64>])],
    max_points: u32,
) -> WardOutlines {
    let budget = max_points.min(MAX_OUTLINE_POINTS) as usize;
    let size = (view.max_lon - view.min_lon).max(view.max_lat - view.min_lat);
    let mut tolerance = (size / PIXELS_PER_VIEW).max(STORED_TOLERANCE_DEG);
    loop {
        let simplified: Vec<WardOutline> = wards
            .iter()
            .map(|(ward, rings)| WardOutline {
                ward: (*ward).clone(),
                rings: rings
                    .iter()
                    .map(|r| r.simplify(tolerance))
                    .filter(|r| r.0.len() >= 4)
                    .map(|r| {
                        r.0.iter()
                            .map(|c| MapPoint { lat: c.y, lon: c.x })
                            .collect()
                    })
                    .collect(),
            })
            .filter(|o| !o.rings.is_empty())
            .collect();
        let points = |o: &WardOutline| o.rings.iter().map(Vec::len).sum::<usize>();
        let total: usize = simplified.iter().map(points).sum();
        if total <= budget || tolerance >= size * COARSEST_FRACTION {
            let mut outlines = Vec::new();
            let mut used = 0;
            for o in simplified {
                let n = points(&o);
                if used + n > budget {
                    break;
                }
                used += n;
                outlines.push(o);
            }
            return WardOutlines {
                omitted: (wards.len() - outlines.len()) as u32,
                outlines,
            };
        }
        tolerance *= 2.0;
    }
}
