//! The tenant's administrative boundaries (province outline + communes/wards) and the offline
//! lookup "which ward and province contains this point".
//!
//! Lookup: an R-tree over the wards' bounding boxes finds the few wards that can contain the
//! point; each ward's [`PreparedArea`] grid then answers containment without scanning its
//! edges. Points within the fix's accuracy of a border also report the wards across it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::Serialize;

use super::address;
use super::geojson::{parse_areas, AreaFeature};
use super::outlines::{GeoBox, WardOutlines};
use super::prepared::PreparedArea;
use crate::error::Error;
use crate::model::WardRef;

/// Why boundaries could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{dir}: expected exactly one {what} GeoJSON file, found {found:?}")]
    MissingFile {
        dir: PathBuf,
        what: &'static str,
        found: Vec<String>,
    },
    #[error("{origin}{}: {detail}", .feature.map(|i| format!(" feature {i}")).unwrap_or_default())]
    Invalid {
        origin: String,
        feature: Option<usize>,
        detail: String,
    },
    #[error("{origin}: no ward features")]
    NoWards { origin: String },
    #[error("{origin}: expected one province feature, found {found}")]
    Province { origin: String, found: usize },
}

impl From<BoundaryError> for Error {
    fn from(e: BoundaryError) -> Self {
        match e {
            BoundaryError::Io { path, source } => Error::io(path, source),
            // Boundaries are tenant configuration; a bad one is a bad config, like bad JSON.
            other => Error::Protocol(format!("boundaries: {other}")),
        }
    }
}

/// Where a tenant's boundaries come from.
#[derive(Debug, Clone, PartialEq)]
pub enum BoundarySource {
    /// A directory with one `*province*.geojson` and one `*wards*.geojson` file (files whose
    /// name contains `raw` are ignored: they carry the source map's unprocessed properties).
    Dir(PathBuf),
    /// GeoJSON texts, e.g. from the tenant config served by the backend.
    GeoJson { province: String, wards: String },
}

/// Names of the province (for the address line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvinceRef {
    pub code: String,
    pub name: String,
    /// e.g. "Tỉnh Hà Tĩnh".
    pub full_name: String,
}

/// A ward near the point: containing it (`distance_m` 0) or within the fix's accuracy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WardCandidate {
    #[serde(flatten)]
    pub ward: WardRef,
    pub distance_m: f64,
}

/// How far from a point in a sliver (inside the province outline, in no ward) to look for
/// the ward it belongs to. The measured slivers are under ~300 m wide.
pub const SLIVER_SEARCH_M: f64 = 1000.0;

/// Answer for one point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lookup {
    pub inside_province: bool,
    /// The ward containing the point, if any.
    pub ward: Option<WardRef>,
    /// Every ward the true position may be in given the accuracy, nearest first; the
    /// containing ward first. A point inside the province outline but in no ward (the
    /// outline and the wards are drawn separately; slivers along the border are ~0.6 % of the
    /// area) lists the wards within [`SLIVER_SEARCH_M`] instead, so it still gets one.
    pub candidates: Vec<WardCandidate>,
    /// "Phường Thành Sen, tỉnh Hà Tĩnh"; `None` outside the province.
    pub address: Option<String>,
}

impl Lookup {
    /// The ward a report is filed under: the containing one, or, for a point inside the
    /// province that falls in a sliver between ward outlines, the nearest candidate.
    pub fn ward_for_report(&self) -> Option<WardRef> {
        self.ward.clone().or_else(|| {
            if self.inside_province {
                self.candidates.first().map(|c| c.ward.clone())
            } else {
                None
            }
        })
    }
}

struct Ward {
    info: WardRef,
    area: PreparedArea,
    /// The outline for drawing (the lookup's grid cannot give rings back).
    outline: Vec<geo::LineString<f64>>,
}

pub struct Boundaries {
    province: ProvinceRef,
    province_area: PreparedArea,
    wards: Vec<Ward>,
    index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl std::fmt::Debug for Boundaries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Boundaries")
            .field("province", &self.province)
            .field("wards", &self.wards.len())
            .finish()
    }
}

impl Boundaries {
    pub fn load(source: &BoundarySource) -> Result<Self, BoundaryError> {
        match source {
            BoundarySource::Dir(dir) => Self::from_dir(dir),
            BoundarySource::GeoJson { province, wards } => Self::from_geojson(province, wards),
        }
    }

    /// The one `*{what}*.geojson` file of a boundaries directory (`raw` files ignored).
    fn source_file(dir: &Path, what: &'static str) -> Result<PathBuf, BoundaryError> {
        let io = |e| BoundaryError::Io {
            path: dir.to_owned(),
            source: e,
        };
        let mut found: Vec<String> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".geojson") && !n.contains("raw") && n.contains(what))
            .collect();
        found.sort();
        match found.as_slice() {
            [one] => Ok(dir.join(one)),
            _ => Err(BoundaryError::MissingFile {
                dir: dir.to_owned(),
                what,
                found,
            }),
        }
    }

    pub fn from_dir(dir: &Path) -> Result<Self, BoundaryError> {
        let (province, wards) = (
            Self::source_file(dir, "province")?,
            Self::source_file(dir, "wards")?,
        );
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| BoundaryError::Io {
                path: p.to_owned(),
                source: e,
            })
        };
        Self::build(
            parse_areas(read(&province)?, &province.display().to_string())?,
            &province.display().to_string(),
            parse_areas(read(&wards)?, &wards.display().to_string())?,
            &wards.display().to_string(),
        )
    }

    /// From GeoJSON text or bytes: a FeatureCollection with one province feature, and one
    /// with the wards. Properties: `code`, `name`, `fullName`.
    pub fn from_geojson(
        province: impl AsRef<[u8]>,
        wards: impl AsRef<[u8]>,
    ) -> Result<Self, BoundaryError> {
        Self::build(
            parse_areas(province, "province")?,
            "province",
            parse_areas(wards, "wards")?,
            "wards",
        )
    }

    fn build(
        province: Vec<AreaFeature>,
        province_src: &str,
        wards: Vec<AreaFeature>,
        wards_src: &str,
    ) -> Result<Self, BoundaryError> {
        let [province] =
            <[AreaFeature; 1]>::try_from(province).map_err(|v| BoundaryError::Province {
                origin: province_src.to_owned(),
                found: v.len(),
            })?;
        let (province, province_area) = {
            let (code, name, full_name) = names(&province, province_src, 0)?;
            let area = PreparedArea::new(&province.area).ok_or_else(|| BoundaryError::Invalid {
                origin: province_src.to_owned(),
                feature: Some(0),
                detail: "province outline has no area".into(),
            })?;
            (
                ProvinceRef {
                    code,
                    name,
                    full_name,
                },
                area,
            )
        };
        let wards = wards
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let (code, name, full_name) = names(f, wards_src, i)?;
                let area = PreparedArea::new(&f.area).ok_or_else(|| BoundaryError::Invalid {
                    origin: wards_src.to_owned(),
                    feature: Some(i),
                    detail: "ward outline has no area".into(),
                })?;
                Ok(Ward {
                    info: WardRef {
                        code,
                        name,
                        full_name,
                    },
                    area,
                    outline: super::outlines::stored_rings(&f.area),
                })
            })
            .collect::<Result<Vec<_>, BoundaryError>>()?;
        if wards.is_empty() {
            return Err(BoundaryError::NoWards {
                origin: wards_src.to_owned(),
            });
        }
        let index = RTree::bulk_load(
            wards
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let (x0, y0, x1, y1) = w.area.bbox();
                    GeomWithData::new(Rectangle::from_corners([x0, y0], [x1, y1]), i)
                })
                .collect(),
        );
        Ok(Boundaries {
            province,
            province_area,
            wards,
            index,
        })
    }

    pub fn province(&self) -> &ProvinceRef {
        &self.province
    }

    pub fn wards(&self) -> impl ExactSizeIterator<Item = &WardRef> {
        self.wards.iter().map(|w| &w.info)
    }

    /// The ward containing the point; the allocation-free hot path of [`Self::lookup`].
    pub fn ward_at(&self, lat: f64, lon: f64) -> Option<&WardRef> {
        self.index
            .locate_all_at_point(&[lon, lat])
            .find(|c| self.wards[c.data].area.contains(lon, lat))
            .map(|c| &self.wards[c.data].info)
    }

    /// Inside any ward or inside the province outline (the two are drawn separately and
    /// differ by slivers along the border; either counts).
    pub fn in_province(&self, lat: f64, lon: f64) -> bool {
        self.ward_at(lat, lon).is_some() || self.province_area.contains(lon, lat)
    }

    /// Full answer for a point whose true position lies within `accuracy_m` (68 %) of it.
    pub fn lookup(&self, lat: f64, lon: f64, accuracy_m: Option<f64>) -> Lookup {
        if !(lat.is_finite() && lon.is_finite()) {
            return Lookup {
                inside_province: false,
                ward: None,
                candidates: vec![],
                address: None,
            };
        }
        let radius = accuracy_m
            .filter(|a| a.is_finite() && *a > 0.0)
            .unwrap_or(0.0);
        let mut candidates = self.candidates(lat, lon, radius);
        let contained = candidates.first().is_some_and(|c| c.1 == 0.0);
        let inside_province = contained || self.province_area.contains(lon, lat);
        if inside_province && !contained && radius < SLIVER_SEARCH_M {
            candidates = self.candidates(lat, lon, SLIVER_SEARCH_M);
        }
        let ward = candidates
            .first()
            .filter(|c| c.1 == 0.0)
            .map(|c| self.wards[c.0].info.clone());
        let candidates: Vec<WardCandidate> = candidates
            .into_iter()
            .map(|(i, d)| WardCandidate {
                ward: self.wards[i].info.clone(),
                distance_m: (d * 10.0).round() / 10.0,
            })
            .collect();
        let shown = ward.as_ref().or(if inside_province {
            candidates.first().map(|c| &c.ward)
        } else {
            None
        });
        let address =
            inside_province.then(|| address::address_line(shown, &self.province.full_name));
        Lookup {
            inside_province,
            ward,
            candidates,
            address,
        }
    }

    /// Wards containing the point (distance 0) or within `radius` metres of it, nearest first.
    fn candidates(&self, lat: f64, lon: f64, radius: f64) -> Vec<(usize, f64)> {
        let mut candidates: Vec<(usize, f64)> = Vec::new();
        if radius > 0.0 {
            let scale = super::geodesy::MetricScale::at(lat);
            // Clamped: near a pole a degree of longitude is ~0 m.
            let (rx, ry) = (
                (radius / scale.m_per_deg_lon.max(1.0)).min(360.0),
                (radius / scale.m_per_deg_lat).min(180.0),
            );
            let query = AABB::from_corners([lon - rx, lat - ry], [lon + rx, lat + ry]);
            for c in self.index.locate_in_envelope_intersecting(&query) {
                let area = &self.wards[c.data].area;
                if area.contains(lon, lat) {
                    candidates.push((c.data, 0.0));
                } else if let Some(d) = area.border_distance_m(lon, lat, radius) {
                    candidates.push((c.data, d));
                }
            }
        } else {
            candidates.extend(
                self.index
                    .locate_all_at_point(&[lon, lat])
                    .filter(|c| self.wards[c.data].area.contains(lon, lat))
                    .map(|c| (c.data, 0.0)),
            );
        }
        // Nearest first; among equals (overlapping outlines) the lower code, for stable output.
        candidates.sort_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then_with(|| self.wards[a.0].info.code.cmp(&self.wards[b.0].info.code))
        });
        candidates
    }

    /// The outlines of the wards meeting `view`, simplified for it to at most `max_points`
    /// points in all (see [`super::outlines`]).
    pub fn outlines(&self, view: &GeoBox, max_points: u32) -> WardOutlines {
        let query = AABB::from_corners([view.min_lon, view.min_lat], [view.max_lon, view.max_lat]);
        let mut hits: Vec<usize> = self
            .index
            .locate_in_envelope_intersecting(&query)
            .map(|c| c.data)
            .collect();
        hits.sort_by(|a, b| self.wards[*a].info.code.cmp(&self.wards[*b].info.code));
        let wards: Vec<_> = hits
            .iter()
            .map(|&i| (&self.wards[i].info, self.wards[i].outline.as_slice()))
            .collect();
        super::outlines::outlines_for(view, &wards, max_points)
    }

    /// Heap bytes of the prepared outlines and the index (approximate, for the benchmark).
    pub fn heap_bytes(&self) -> usize {
        let names = |w: &WardRef| w.code.capacity() + w.name.capacity() + w.full_name.capacity();
        self.province_area.heap_bytes()
            + self
                .wards
                .iter()
                .map(|w| {
                    w.area.heap_bytes()
                        + names(&w.info)
                        + w.outline
                            .iter()
                            .map(|r| r.0.capacity() * std::mem::size_of::<geo::Coord<f64>>())
                            .sum::<usize>()
                })
                .sum::<usize>()
            + self.wards.capacity() * std::mem::size_of::<Ward>()
            + self.index.size()
                * std::mem::size_of::<GeomWithData<Rectangle<[f64; 2]>, usize>>()
                * 2
    }
}

/// The tenant's boundaries, loaded on first use (parsing megabytes of GeoJSON is not worth
/// paying at app start) and replaceable when a new tenant config brings new ones.
#[derive(Debug, Default)]
pub struct BoundaryCache {
    source: Option<BoundarySource>,
    loaded: Mutex<Option<Arc<Boundaries>>>,
}

impl BoundaryCache {
    pub fn new(source: Option<BoundarySource>) -> Self {
        Self {
            source,
            loaded: Mutex::new(None),
        }
    }

    /// `None` when no source was configured. A failed load is not remembered: the next call
    /// tries again (the file may have been missing for a moment).
    pub fn get(&self) -> Result<Option<Arc<Boundaries>>, BoundaryError> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if loaded.is_none() {
            if let Some(source) = &self.source {
                *loaded = Some(Arc::new(Boundaries::load(source)?));
            }
        }
        Ok(loaded.clone())
    }

    pub fn set(&self, boundaries: Boundaries) {
        *self.loaded.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(boundaries));
    }

    /// SHA-256 (hex) of the wards GeoJSON of the configured source, as bytes on disk: what a
    /// server's `boundaries_sha256` is compared with before anything is downloaded.
    pub fn wards_sha256(&self) -> Result<Option<String>, BoundaryError> {
        use sha2::Digest;
        let bytes = match &self.source {
            None => return Ok(None),
            Some(BoundarySource::GeoJson { wards, .. }) => wards.as_bytes().to_vec(),
            Some(BoundarySource::Dir(dir)) => {
                let path = Boundaries::source_file(dir, "wards")?;
                std::fs::read(&path).map_err(|e| BoundaryError::Io { path, source: e })?
            }
        };
        Ok(Some(hex::encode(sha2::Sha256::digest(&bytes))))
    }

    /// The province outline's GeoJSON text of the configured source (the server serves the
    /// wards only; a refreshed set pairs them with this outline).
    pub fn province_geojson(&self) -> Result<Option<String>, BoundaryError> {
        match &self.source {
            None => Ok(None),
            Some(BoundarySource::GeoJson { province, .. }) => Ok(Some(province.clone())),
            Some(BoundarySource::Dir(dir)) => {
                let path = Boundaries::source_file(dir, "province")?;
                std::fs::read_to_string(&path)
                    .map(Some)
                    .map_err(|e| BoundaryError::Io { path, source: e })
            }
        }
    }
}

fn names(
    f: &AreaFeature,
    source: &str,
    i: usize,
) -> Result<(String, String, String), BoundaryError> {
    let get = |key: &str| {
        f.text(key).ok_or_else(|| BoundaryError::Invalid {
            origin: source.to_owned(),
            feature: Some(i),
            detail: format!("missing property {key:?}"),
        })
    };
    Ok((get("code")?, get("name")?, get("fullName")?))
}
