//! Point-in-polygon for one area in near-constant time, and distance to its border.
//!
//! A ward outline has ~1,500 vertices; testing every edge per lookup costs microseconds. A
//! uniform grid over the area's bounding box classifies each cell once as inside, outside or
//! crossed by the border. A point in an inside/outside cell is answered by one array read;
//! only a point in a crossed cell runs the crossing-number test, and then only against the
//! edges whose latitude span meets the point's grid row (a few dozen).
//!
//! Coordinates are stored as `f32` offsets from the bounding box corner (≈3 mm resolution at
//! this size), which halves the memory. Every decision (row, column, crossing) is computed from
//! those same stored values, so the cell classification and the exact test never disagree.

use geo::{CoordsIter, MultiPolygon};

use super::geodesy::MetricScale;

const OUTSIDE: u8 = 0;
const INSIDE: u8 = 1;
const BORDER: u8 = 2;

/// Grid cells per edge: more cells make crossed cells rarer and rows shorter, at one byte each.
const CELLS_PER_EDGE: usize = 4;

pub(crate) struct PreparedArea {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
    nx: usize,
    ny: usize,
    cell_w: f64,
    cell_h: f64,
    /// `nx * ny` cell states, row-major.
    cells: Vec<u8>,
    /// Edges meeting row `r` are `edges[row_start[r]..row_start[r + 1]]`.
    row_start: Vec<u32>,
    /// `[x1, y1, x2, y2]` offsets from (`min_x`, `min_y`), in degrees.
    edges: Vec<[f32; 4]>,
}

impl PreparedArea {
    /// `None` for an area without any edge (nothing can be inside it).
    pub fn new(area: &MultiPolygon<f64>) -> Option<Self> {
        let mut min_x = f64::INFINITY;
        let mut min_y = f64::INFINITY;
        let mut max_x = f64::NEG_INFINITY;
        let mut max_y = f64::NEG_INFINITY;
        for c in area.coords_iter() {
            min_x = min_x.min(c.x);
            min_y = min_y.min(c.y);
            max_x = max_x.max(c.x);
            max_y = max_y.max(c.y);
        }
        // Every ring (exterior or hole, of every part) contributes its edges: the even-odd
        // crossing rule then handles holes and multi-part areas alike.
        let mut raw = Vec::new();
        for poly in area {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for line in ring.lines() {
                    if line.start != line.end {
                        raw.push([
                            (line.start.x - min_x) as f32,
                            (line.start.y - min_y) as f32,
                            (line.end.x - min_x) as f32,
                            (line.end.y - min_y) as f32,
                        ]);
                    }
                }
            }
        }
        if raw.is_empty() || !(max_x > min_x && max_y > min_y) {
            return None;
        }

        let (w, h) = (max_x - min_x, max_y - min_y);
        // Square cells in metres, not degrees (a degree of longitude is shorter here).
        let aspect = w * ((min_y + max_y) / 2.0).to_radians().cos() / h;
        let target = (raw.len() * CELLS_PER_EDGE).clamp(64, 1 << 20) as f64;
        let nx = ((target * aspect).sqrt().round() as usize).clamp(1, 4096);
        let ny = ((target / nx as f64).round() as usize).clamp(1, 4096);
        let mut area = PreparedArea {
            min_x,
            min_y,
            max_x,
            max_y,
            nx,
            ny,
            cell_w: w / nx as f64,
            cell_h: h / ny as f64,
            cells: vec![OUTSIDE; nx * ny],
            row_start: Vec::new(),
            edges: Vec::new(),
        };

        // Rows: counting sort of edges by every row their latitude span meets.
        let mut counts = vec![0u32; ny + 1];
        for e in &raw {
            let (r0, r1) = area.row_span(e[1].min(e[3]), e[1].max(e[3]));
            for r in r0..=r1 {
                counts[r + 1] += 1;
            }
        }
        for r in 0..ny {
            counts[r + 1] += counts[r];
        }
        let mut fill = counts.clone();
        let mut edges = vec![[0f32; 4]; counts[ny] as usize];
        for e in &raw {
            let (r0, r1) = area.row_span(e[1].min(e[3]), e[1].max(e[3]));
            for r in r0..=r1 {
                edges[fill[r] as usize] = *e;
                fill[r] += 1;
            }
        }
        area.row_start = counts;
        area.edges = edges;

        // Cells: any cell an edge's bounding box touches is a border cell (conservative: a
        // border cell only costs a slower exact test). The rest are uniform; classify each by
        // its centre.
        for e in &raw {
            let (c0, c1) = area.col_span(e[0].min(e[2]), e[0].max(e[2]));
            let (r0, r1) = area.row_span(e[1].min(e[3]), e[1].max(e[3]));
            for r in r0..=r1 {
                area.cells[r * nx + c0..=r * nx + c1].fill(BORDER);
            }
        }
        for r in 0..ny {
            let cy = ((r as f64 + 0.5) * area.cell_h) as f32;
            for c in 0..nx {
                if area.cells[r * nx + c] == OUTSIDE {
                    let cx = ((c as f64 + 0.5) * area.cell_w) as f32;
                    if area.crossings_odd(area.row_of(cy), cx, cy) {
                        area.cells[r * nx + c] = INSIDE;
                    }
                }
            }
        }
        Some(area)
    }

    /// Bounding box as `(min_lon, min_lat, max_lon, max_lat)`.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        (self.min_x, self.min_y, self.max_x, self.max_y)
    }

    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        if !(lon >= self.min_x && lon <= self.max_x && lat >= self.min_y && lat <= self.max_y) {
            return false;
        }
        let ox = (lon - self.min_x) as f32;
        let oy = (lat - self.min_y) as f32;
        let row = self.row_of(oy);
        match self.cells[row * self.nx + self.col_of(ox)] {
            INSIDE => true,
            OUTSIDE => false,
            _ => self.crossings_odd(row, ox, oy),
        }
    }

    /// Distance in metres from the point to the nearest border edge, if within `radius_m`.
    pub fn border_distance_m(&self, lon: f64, lat: f64, radius_m: f64) -> Option<f64> {
        let scale = MetricScale::at(lat);
        let rx = (radius_m / scale.m_per_deg_lon.max(1.0)).min(360.0);
        let ry = (radius_m / scale.m_per_deg_lat).min(180.0);
        if lon < self.min_x - rx
            || lon > self.max_x + rx
            || lat < self.min_y - ry
            || lat > self.max_y + ry
        {
            return None;
        }
        let ox = (lon - self.min_x) as f32;
        let oy = (lat - self.min_y) as f32;
        let (rxf, ryf) = (rx as f32, ry as f32);
        let (r0, r1) = self.row_span(oy - ryf, oy + ryf);
        let (kx, ky) = (scale.m_per_deg_lon, scale.m_per_deg_lat);
        let mut best = f64::INFINITY;
        for e in &self.edges[self.row_start[r0] as usize..self.row_start[r1 + 1] as usize] {
            if e[0].min(e[2]) > ox + rxf
                || e[0].max(e[2]) < ox - rxf
                || e[1].min(e[3]) > oy + ryf
                || e[1].max(e[3]) < oy - ryf
            {
                continue;
            }
            // Point-to-segment distance in a local metric plane around the point.
            let ax = (e[0] - ox) as f64 * kx;
            let ay = (e[1] - oy) as f64 * ky;
            let bx = (e[2] - ox) as f64 * kx;
            let by = (e[3] - oy) as f64 * ky;
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (cx, cy) = (ax + t * dx, ay + t * dy);
            best = best.min((cx * cx + cy * cy).sqrt());
        }
        (best <= radius_m).then_some(best)
    }

    /// Bytes held on the heap (for the benchmark's memory figure).
    pub fn heap_bytes(&self) -> usize {
        self.cells.capacity() + self.row_start.capacity() * 4 + self.edges.capacity() * 16
    }

    /// Even-odd rule with a ray towards +longitude; the half-open test `(y1 > y) != (y2 > y)`
    /// counts a vertex on the ray exactly once.
    fn crossings_odd(&self, row: usize, ox: f32, oy: f32) -> bool {
        let mut inside = false;
        for e in &self.edges[self.row_start[row] as usize..self.row_start[row + 1] as usize] {
            if (e[1] > oy) != (e[3] > oy) {
                let x = e[0] + (oy - e[1]) * (e[2] - e[0]) / (e[3] - e[1]);
                if ox < x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    fn row_of(&self, oy: f32) -> usize {
        ((oy as f64 / self.cell_h).floor().max(0.0) as usize).min(self.ny - 1)
    }

    fn col_of(&self, ox: f32) -> usize {
        ((ox as f64 / self.cell_w).floor().max(0.0) as usize).min(self.nx - 1)
    }

    fn row_span(&self, lo: f32, hi: f32) -> (usize, usize) {
        (self.row_of(lo), self.row_of(hi))
    }

    fn col_span(&self, lo: f32, hi: f32) -> (usize, usize) {
        (self.col_of(lo), self.col_of(hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Contains, Point};

    fn square_with_hole() -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon!(
                exterior: [(x: 105.0, y: 18.0), (x: 105.2, y: 18.0), (x: 105.2, y: 18.2), (x: 105.0, y: 18.2)],
                interiors: [[(x: 105.05, y: 18.05), (x: 105.15, y: 18.05), (x: 105.15, y: 18.15), (x: 105.05, y: 18.15)]],
            ),
            // A separate island.
            polygon![(x: 105.5, y: 18.5), (x: 105.6, y: 18.5), (x: 105.55, y: 18.6)],
        ])
    }

    #[test]
    fn agrees_with_geo_on_a_dense_sample_including_holes_and_parts() {
        let mp = square_with_hole();
        let prepared = PreparedArea::new(&mp).unwrap();
        let mut disagreements = 0;
        let mut inside = 0;
        for i in 0..400 {
            for j in 0..400 {
                let lon = 104.95 + i as f64 * 0.0017;
                let lat = 17.95 + j as f64 * 0.0017;
                let expected = mp.contains(&Point::new(lon, lat));
                inside += expected as u32;
                if prepared.contains(lon, lat) != expected {
                    disagreements += 1;
                }
            }
        }
        assert!(inside > 1000, "sample must hit the area ({inside})");
        assert_eq!(disagreements, 0);
    }

    #[test]
    fn border_distance_is_metric_and_bounded_by_radius() {
        let prepared = PreparedArea::new(&square_with_hole()).unwrap();
        // 0.001° of latitude south of the southern edge ≈ 110.7 m at 18°N.
        let d = prepared.border_distance_m(105.1, 17.999, 200.0).unwrap();
        assert!((d - 110.7).abs() < 1.0, "{d}");
        assert_eq!(prepared.border_distance_m(105.1, 17.999, 100.0), None);
        // Inside the hole, 0.05° from its edges is ~5 km: far.
        assert_eq!(prepared.border_distance_m(105.1, 18.1, 1000.0), None);
    }

    #[test]
    fn degenerate_areas_are_refused() {
        assert!(PreparedArea::new(&MultiPolygon::<f64>(vec![])).is_none());
        let flat = MultiPolygon(vec![
            polygon![(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 3.0, y: 1.0)],
        ]);
        assert!(PreparedArea::new(&flat).is_none());
    }
}
