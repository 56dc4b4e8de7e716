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
    coordinates: Coords,
}

/// Coordinates read straight into positions while parsing. A `serde_json::Value` tree of the
/// same numbers costs several times the memory (the wards file peaked at ~19 MiB that way).
/// Whatever is not an array of numbers is kept as `Bad`, to be reported with its feature.
#[derive(Debug, Default)]
enum Coords {
    #[default]
    Missing,
    Num(f64),
    Pos([f64; 2]),
    List(Vec<Coords>),
    Bad(&'static str),
}

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CoordsVisitor)
    }
}

struct CoordsVisitor;

impl<'de> serde::de::Visitor<'de> for CoordsVisitor {
    type Value = Coords;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("GeoJSON coordinates")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        match seq.next_element::<Coords>()? {
            None => Ok(Coords::List(Vec::new())),
            Some(Coords::Num(x)) => {
                let y = match seq.next_element::<Coords>()? {
                    Some(Coords::Num(y)) => Some(y),
                    _ => None,
                };
                // Altitude and beyond are allowed and ignored; they must still be numbers.
                let mut numbers = true;
                while let Some(c) = seq.next_element::<Coords>()? {
                    numbers &= matches!(c, Coords::Num(_));
                }
                Ok(match y {
                    Some(y) if numbers => Coords::Pos([x, y]),
                    _ => Coords::Bad("a position must be [lon, lat] numbers"),
                })
            }
            Some(first) => {
                let mut items = vec![first];
                while let Some(c) = seq.next_element::<Coords>()? {
                    items.push(c);
                }
                Ok(Coords::List(items))
            }
        }
    }

    fn visit_f64<E>(self, v: f64) -> Result<Coords, E> {
        Ok(Coords::Num(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_str<E>(self, _: &str) -> Result<Coords, E> {
        Ok(Coords::Bad("coordinates must be arrays of numbers"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Coords, E> {
        Ok(Coords::Bad("coordinates must be arrays of numbers"))
    }
    fn visit_unit<E>(self) -> Result<Coords, E> {
        Ok(Coords::Missing)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Coords, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Coords::Bad("coordinates must be arrays of numbers"))
    }
}

impl Coords {
    fn list(self, what: &str) -> Result<Vec<Coords>, String> {
        match self {
            Coords::List(items) => Ok(items),
            Coords::Bad(why) => Err(why.into()),
            Coords::Missing => Err(format!("missing {what}")),
            _ => Err(format!("expected an array of {what}")),
        }
    }
}

/// Parse every feature of a FeatureCollection. `source` names the input in errors.
pub fn parse_areas(
    geojson: impl AsRef<[u8]>,
    source: &str,
) -> Result<Vec<AreaFeature>, BoundaryError> {
    let bad = |feature: Option<usize>, detail: String| BoundaryError::Invalid {
        origin: source.to_owned(),
        feature,
        detail,
    };
    let fc: Collection =
        serde_json::from_slice(geojson.as_ref()).map_err(|e| bad(None, e.to_string()))?;
    if fc.kind != "FeatureCollection" {
        return Err(bad(
            None,
            format!("expected a FeatureCollection, found {:?}", fc.kind),
        ));
    }
    fc.features
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let g = f
                .geometry
                .ok_or_else(|| bad(Some(i), "feature has no geometry".into()))?;
            let area = match g.kind.as_str() {
                "Polygon" => vec![polygon(g.coordinates)],
                "MultiPolygon" => match g.coordinates.list("polygons") {
                    Ok(polys) => polys.into_iter().map(polygon).collect(),
                    Err(e) => vec![Err(e)],
                },
                other => return Err(bad(Some(i), format!("geometry {other:?} is not an area"))),
            };
            let area = area
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(|d| bad(Some(i), d))?;
            if area.is_empty() {
                return Err(bad(Some(i), "empty MultiPolygon".into()));
            }
            Ok(AreaFeature {
                properties: f.properties.unwrap_or_default(),
                area: MultiPolygon(area),
            })
        })
        .collect()
}

fn polygon(rings: Coords) -> Result<Polygon<f64>, String> {
    let mut rings = rings.list("rings")?.into_iter().map(ring);
    let exterior = rings.next().ok_or("polygon without rings")??;
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

fn ring(positions: Coords) -> Result<LineString<f64>, String> {
    let positions = positions.list("positions")?;
    if positions.len() < 4 {
        return Err(format!(
            "a ring needs at least 4 positions, found {}",
            positions.len()
        ));
    }
    positions
        .into_iter()
        .map(|p| match p {
            Coords::Pos([lon, lat])
                if lon.is_finite()
                    && lat.is_finite()
                    && lon.abs() <= 180.0
                    && lat.abs() <= 90.0 =>
            {
                Ok(geo::Coord { x: lon, y: lat })
            }
            Coords::Bad(why) => Err(why.to_owned()),
            other => Err(format!("position {other:?} is not a WGS84 [lon, lat]")),
        })
        .collect::<Result<Vec<_>, _>>()
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
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":null}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Point","coordinates":[1,2]}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4],[1,2]]]}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[[[1,2],[300,4],[3,3],[1,2]]]}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":"x"}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":{"a":[1]}}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon"}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,"a"],[3,3],[1,2]]]}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[[[1,2],[3],[3,3],[1,2]]]}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4,[5]],[3,3],[1,2]]]}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"MultiPolygon","coordinates":[[[1,2],[3,4],[3,3],[1,2]]]}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"MultiPolygon","coordinates":[]}}]}"#,
                Some(0),
            ),
            (
                r#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Polygon","coordinates":[]}}]}"#,
                Some(0),
            ),
        ];
        for (text, feature) in cases {
            match parse_areas(text, "src.geojson") {
                Err(BoundaryError::Invalid {
                    origin, feature: f, ..
                }) => {
                    assert_eq!(origin, "src.geojson");
                    assert_eq!(f, feature, "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
