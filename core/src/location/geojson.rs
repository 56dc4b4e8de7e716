//! Reading administrative areas from GeoJSON (RFC 7946, WGS84 lon/lat): a FeatureCollection
//! whose features are Polygons or MultiPolygons with string-ish properties. The text may come
//! from a file or from the tenant config the server sends, so it is checked, not trusted.

use geo::{LineString, MultiPolygon, Polygon};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::BoundaryError;

/// One feature: its properties and its area.
#[derive(Debug, Clone)]
pub struct AreaFeature {
    pub properties: Map<String, Value>,
    pub area: MultiPolygon<f64>,
}

impl AreaFeature {
    /// A property as text; national codes appear both as `"18073"` and as `18073`.
    pub fn text(&self, key: &str) -> Option<String> {
        match self.properties.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct Collection {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    #[serde(default)]
    properties: Option<Map<String, Value>>,
    geometry: Option<Geometry>,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    coordinates: Value,
}

type Ring = Vec<Vec<f64>>;

/// Parse every feature of a FeatureCollection. `source` names the input in errors.
pub fn parse_areas(geojson: impl AsRef<[u8]>, source: &str) -> Result<Vec<AreaFeature>, BoundaryError> {
    let bad = |feature: Option<usize>, detail: String| BoundaryError::Invalid { origin: source.to_owned(), feature, detail };
    let fc: Collection = serde_json::from_slice(geojson.as_ref()).map_err(|e| bad(None, e.to_string()))?;
    if fc.kind != "FeatureCollection" {
        return Err(bad(None, format!("expected a FeatureCollection, found {:?}", fc.kind)));
    }
    fc.features
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let g = f.geometry.ok_or_else(|| bad(Some(i), "feature has no geometry".into()))?;
            let polygons: Vec<Vec<Ring>> = match g.kind.as_str() {
                "Polygon" => vec![serde_json::from_value(g.coordinates).map_err(|e| bad(Some(i), e.to_string()))?],
                "MultiPolygon" => serde_json::from_value(g.coordinates).map_err(|e| bad(Some(i), e.to_string()))?,
                other => return Err(bad(Some(i), format!("geometry {other:?} is not an area"))),
            };
            let area = polygons
                .into_iter()
                .map(|rings| polygon(rings).map_err(|d| bad(Some(i), d)))
                .collect::<Result<Vec<_>, _>>()?;
            if area.is_empty() {
                return Err(bad(Some(i), "empty MultiPolygon".into()));
            }
            Ok(AreaFeature { properties: f.properties.unwrap_or_default(), area: MultiPolygon(area) })
        })
        .collect()
}

fn polygon(rings: Vec<Ring>) -> Result<Polygon<f64>, String> {
    let mut rings = rings.into_iter().map(ring);
    let exterior = rings.next().ok_or("polygon without rings")??;
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

fn ring(positions: Ring) -> Result<LineString<f64>, String> {
    if positions.len() < 4 {
        return Err(format!("a ring needs at least 4 positions, found {}", positions.len()));
    }
    positions
        .into_iter()
        .map(|p| match p.as_slice() {
            [lon, lat, ..] if lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0 => {
                Ok((*lon, *lat).into())
            }
            _ => Err(format!("position {p:?} is not a WGS84 [lon, lat]")),
        })
        .collect::<Result<Vec<geo::Coord<f64>>, _>>()
        .map(LineString::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_and_multipolygons_with_numeric_codes() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"code":18073,"name":"A"},
             "geometry":{"type":"Polygon","coordinates":[[[105,18],[106,18],[106,19],[105,18]]]}},
            {"type":"Feature","properties":{"code":"42"},
             "geometry":{"type":"MultiPolygon","coordinates":[[[[1,1,5],[2,1,5],[2,2,5],[1,1,5]]],[[[3,3],[4,3],[4,4],[3,3]]]]}}
        ]}"#;
        let areas = parse_areas(text, "t").unwrap();
        assert_eq!(areas.len(), 2);
        assert_eq!(areas[0].text("code").as_deref(), Some("18073"));
        assert_eq!(areas[1].text("code").as_deref(), Some("42"));
        assert_eq!(areas[1].area.0.len(), 2);
        assert_eq!(areas[0].text("missing"), None);
    }

    #[test]
    fn bad_input_is_a_typed_error_naming_the_feature() {
        let cases = [
            ("not json", None),
            (r#"{"type":"Feature"}"#, None),
            (r#"{"type":"FeatureCollection","features":[{"geometry":null}]}"#, Some(0)),
            (r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Point","coordinates":[1,2]}}]}"#, Some(0)),
            (r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4],[1,2]]]}}]}"#, Some(0)),
            (r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[[[1,2],[300,4],[3,3],[1,2]]]}}]}"#, Some(0)),
            (r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":"x"}}]}"#, Some(0)),
        ];
        for (text, feature) in cases {
            match parse_areas(text, "src.geojson") {
                Err(BoundaryError::Invalid { origin, feature: f, .. }) => {
                    assert_eq!(origin, "src.geojson");
                    assert_eq!(f, feature, "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
