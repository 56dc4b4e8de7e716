//! The tenant's communes/wards, read from GeoJSON at startup, and the point-in-polygon
//! lookup that routes a new report to the ward containing it. 69 polygons behind a bbox
//! test are cheap enough for a server that locates one point per report.

use std::path::Path;

use anyhow::{bail, Context};
use phananh_wire::WardInfo;
use serde_json::Value;

pub struct Ward {
    pub info: WardInfo,
    bbox: [f64; 4],
    /// Polygons, each a list of rings (first outer, then holes), each ring [lon, lat] points.
    polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

#[derive(Default)]
pub struct Wards {
    pub wards: Vec<Ward>,
    /// The file as read, served to clients for their offline lookup.
    pub geojson: Vec<u8>,
}

impl Wards {
    pub fn load(path: &Path) -> anyhow::Result<Wards> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading boundaries {}", path.display()))?;
        let t0 = std::time::Instant::now();
        // `Value::from_str` is compiled (optimised) inside serde_json; a generic `from_slice`
        // would be instantiated here, unoptimised in dev builds, and take ~5× longer.
        let text = std::str::from_utf8(&bytes).context("boundaries are not UTF-8")?;
        let doc: Value = text.parse().context("boundaries are not JSON")?;
        tracing::debug!(parse = ?t0.elapsed(), "boundaries parsed");
        let Some(features) = doc.get("features").and_then(Value::as_array) else {
            bail!("boundaries: not a FeatureCollection")
        };
        let mut wards = Vec::with_capacity(features.len());
        for (i, f) in features.iter().enumerate() {
            let props = &f["properties"];
            let s = |k: &str| props.get(k).and_then(Value::as_str).map(str::to_string);
            let code = s("code").with_context(|| format!("feature {i}: no code"))?;
            let name = s("name").unwrap_or_else(|| code.clone());
            let full_name = s("fullName").unwrap_or_else(|| name.clone());
            let geom = &f["geometry"];
            let polys: Vec<&Value> = match geom["type"].as_str() {
                Some("Polygon") => vec![&geom["coordinates"]],
                Some("MultiPolygon") => geom["coordinates"]
                    .as_array()
                    .map(|a| a.iter().collect())
                    .unwrap_or_default(),
                other => bail!("feature {code}: unsupported geometry {other:?}"),
            };
            let mut polygons = Vec::new();
            let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            for p in polys {
                let mut rings = Vec::new();
                for ring in p.as_array().into_iter().flatten() {
                    let pts: Vec<[f64; 2]> = ring
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|pt| Some([pt.get(0)?.as_f64()?, pt.get(1)?.as_f64()?]))
                        .collect();
                    for p in &pts {
                        bbox = [
                            bbox[0].min(p[0]),
                            bbox[1].min(p[1]),
                            bbox[2].max(p[0]),
                            bbox[3].max(p[1]),
                        ];
                    }
                    rings.push(pts);
                }
                polygons.push(rings);
            }
            wards.push(Ward {
                info: WardInfo {
                    code,
                    name,
                    full_name,
                },
                bbox,
                polygons,
            });
        }
        // Freeing the big JSON tree is slow in dev builds and nobody needs to wait for it.
        std::thread::spawn(move || drop(doc));
        Ok(Wards {
            wards,
            geojson: bytes,
        })
    }

    /// The ward containing (lat, lon), if any.
    pub fn locate(&self, lat: f64, lon: f64) -> Option<&WardInfo> {
        self.wards
            .iter()
            .filter(|w| {
                lon >= w.bbox[0] && lat >= w.bbox[1] && lon <= w.bbox[2] && lat <= w.bbox[3]
            })
            .find(|w| w.polygons.iter().any(|rings| in_polygon(rings, lon, lat)))
            .map(|w| &w.info)
    }

    pub fn get(&self, code: &str) -> Option<&WardInfo> {
        self.wards.iter().map(|w| &w.info).find(|w| w.code == code)
    }
}

/// Even-odd rule over all rings: inside the outer ring and outside every hole.
fn in_polygon(rings: &[Vec<[f64; 2]>], x: f64, y: f64) -> bool {
    let mut inside = false;
    for ring in rings {
        let n = ring.len();
        if n < 3 {
            continue;
        }
        let mut j = n - 1;
        for i in 0..n {
            let (xi, yi) = (ring[i][0], ring[i][1]);
            let (xj, yj) = (ring[j][0], ring[j][1]);
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_with_hole() {
        let outer = vec![
            [0.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [0.0, 0.0],
        ];
        let hole = vec![[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]];
        let rings = vec![outer, hole];
        assert!(in_polygon(&rings, 1.0, 1.0));
        assert!(!in_polygon(&rings, 5.0, 5.0));
        assert!(!in_polygon(&rings, 11.0, 5.0));
    }
}
