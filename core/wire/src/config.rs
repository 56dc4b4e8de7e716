//! Tenant (province) configuration: the one definition of its types, defaults and checks.
//! The app is white-label: one build, one config per province. Hà Tĩnh's is the JSON
//! fixture `fixtures/ha_tinh.json`, compiled into the app (so it works before its first
//! fetch) and served by the stub at `GET api/v1/config` (plus `boundaries_url`, `version`).
//! A config fetched later replaces the compiled-in one whole, once it passes [`TenantConfig::validate`].

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationReason};

/// The Hà Tĩnh tenant config as JSON: the single source of its values.
pub const HA_TINH_JSON: &str = include_str!("../fixtures/ha_tinh.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    /// Stable code used on the wire (Open311 `service_code`).
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// Handling deadline in hours from receipt, set by the province's regulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_hours: Option<u32>,
    /// Metres around the report's point within which a unit's "after" photo counts as taken
    /// on site; absent: [`crate::closure::DEFAULT_VERIFY_RADIUS_M`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_radius_m: Option<u32>,
}

impl Category {
    pub fn verify_radius_m(&self) -> u32 {
        self.verify_radius_m
            .unwrap_or(crate::closure::DEFAULT_VERIFY_RADIUS_M)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingLevel {
    /// Value sent to the server; higher is more satisfied.
    pub value: u8,
    pub label_vi: String,
    pub label_en: String,
    /// A rating at this level may ask the province to reopen the case.
    pub may_reopen: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MediaLimits {
    /// Fewest attachments a report needs (0: a report about a rude official may have none).
    pub min_attachments: u32,
    pub max_photos: u32,
    pub max_videos: u32,
    /// Largest photo file accepted from the camera/gallery, before compression.
    pub max_photo_input_bytes: u64,
    /// Largest video file accepted, before transcoding.
    pub max_video_input_bytes: u64,
    pub max_video_seconds: u32,
    /// Long edge of an uploaded photo, in pixels.
    pub photo_max_edge: u32,
    /// Byte budget of an uploaded photo.
    pub photo_max_bytes: u64,
    /// Decoded pixel count above which a photo is refused as a decompression bomb.
    pub max_decode_pixels: u64,
    pub video_max_height: u32,
    pub video_bitrate_kbps: u32,
    pub audio_bitrate_kbps: u32,
}

impl Default for MediaLimits {
    fn default() -> Self {
        Self {
            min_attachments: 0,
            max_photos: 6,
            max_videos: 1,
            max_photo_input_bytes: 40 * 1024 * 1024,
            max_video_input_bytes: 100 * 1024 * 1024,
            max_video_seconds: 60,
            photo_max_edge: 1920,
            photo_max_bytes: 500 * 1000,
            max_decode_pixels: 100_000_000,
            video_max_height: 720,
            video_bitrate_kbps: 1500,
            audio_bitrate_kbps: 96,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LocationPolicy {
    /// A photo taken farther than this from the device fix is flagged.
    pub far_photo_m: f64,
    /// A photo older than this is flagged.
    pub stale_photo_days: u32,
    /// A device fix older than this is never used silently.
    pub max_fix_age_s: u32,
    /// Accuracy we wait for when possible.
    pub good_accuracy_m: f64,
    /// Accuracy worse than this is flagged.
    pub poor_accuracy_m: f64,
    /// How long the shell keeps listening for a fix of `good_accuracy_m` before the best
    /// worse one is accepted.
    pub good_fix_wait_s: u32,
}

impl Default for LocationPolicy {
    fn default() -> Self {
        Self {
            far_photo_m: 500.0,
            stale_photo_days: 3,
            max_fix_age_s: 300,
            good_accuracy_m: 30.0,
            poor_accuracy_m: 150.0,
            good_fix_wait_s: 20,
        }
    }
}

/// The map of reports: where its background tiles come from and the credit they must show.
/// Without a tile template the map draws markers and ward outlines on a plain background
/// (as it does offline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MapConfig {
    /// Raster tiles in Web-Mercator (XYZ) order, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`;
    /// HTTPS except for loopback.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tile_url_template: Option<String>,
    /// The credit the tile provider requires, shown on the map whenever its tiles are.
    pub attribution: String,
    pub min_zoom: u8,
    pub max_zoom: u8,
}

/// Highest zoom a tile template may claim (street level; XYZ servers stop around here).
pub const MAX_MAP_ZOOM: u8 = 22;

impl Default for MapConfig {
    fn default() -> Self {
        Self {
            tile_url_template: None,
            attribution: String::new(),
            min_zoom: 5,
            max_zoom: 19,
        }
    }
}

impl MapConfig {
    /// The URL of one tile, from the template.
    pub fn tile_url(&self, z: u8, x: u32, y: u32) -> Option<String> {
        self.tile_url_template.as_ref().map(|t| {
            t.replace("{z}", &z.to_string())
                .replace("{x}", &x.to_string())
                .replace("{y}", &y.to_string())
        })
    }

    fn validate(&self, errors: &mut Vec<FieldError>) {
        if self.min_zoom > self.max_zoom || self.max_zoom > MAX_MAP_ZOOM {
            errors.push(FieldError::new(
                "map.max_zoom",
                ValidationReason::OutOfRange,
            ));
        }
        let Some(t) = &self.tile_url_template else {
            return;
        };
        let placeholders = ["{z}", "{x}", "{y}"].iter().all(|p| t.contains(p));
        // The template with a tile's numbers filled in must be a URL the app may fetch.
        let sample = self.tile_url(1, 1, 1).unwrap_or_default();
        if !placeholders || !is_acceptable_tile_url(&sample) {
            errors.push(FieldError::new(
                "map.tile_url_template",
                ValidationReason::Invalid {
                    detail: "needs {z}, {x} and {y}; https (http only for loopback)".into(),
                },
            ));
        }
        if self.attribution.trim().is_empty() {
            errors.push(FieldError::new(
                "map.attribution",
                ValidationReason::Required,
            ));
        }
    }
}

/// A tile URL: like [`is_acceptable_base_url`], but a query (an API key) is allowed.
fn is_acceptable_tile_url(text: &str) -> bool {
    let Ok(mut url) = url::Url::parse(text) else {
        return false;
    };
    url.set_query(None);
    is_acceptable_base_url(url.as_str())
}

/// `GET api/v1/config`, and the config the app runs with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantConfig {
    pub tenant_id: String,
    pub name_vi: String,
    pub name_en: String,
    /// Base of the app API, Open311 and tus endpoints. HTTPS except for loopback.
    pub api_base_url: String,
    pub categories: Vec<Category>,
    pub rating_scale: Vec<RatingLevel>,
    #[serde(default)]
    pub media: MediaLimits,
    #[serde(default)]
    pub location: LocationPolicy,
    /// The map of reports (tiles and their attribution).
    #[serde(default)]
    pub map: MapConfig,
    pub description_min_chars: u32,
    pub description_max_chars: u32,
    pub rating_comment_max_chars: u32,
    /// Province code (national administrative code) used to name the province in addresses.
    pub province_code: String,
    pub province_name: String,
    /// Absolute URL of the wards GeoJSON, when the server publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundaries_url: Option<String>,
    /// SHA-256 (64 lowercase hex digits) of the file at `boundaries_url`: a client that already
    /// holds that file (the copy bundled with the app, or one fetched earlier) asks nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundaries_sha256: Option<String>,
    /// Changes whenever any field does (the server also sends it as `ETag`); empty in the
    /// compiled-in copy.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

impl TenantConfig {
    /// Hà Tĩnh (i-HaTinh), the default tenant, from [`HA_TINH_JSON`].
    pub fn ha_tinh() -> Self {
        serde_json::from_str(HA_TINH_JSON).expect("the compiled-in Hà Tĩnh fixture parses (tested)")
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn rating_level(&self, value: u8) -> Option<&RatingLevel> {
        self.rating_scale.iter().find(|r| r.value == value)
    }

    /// Every problem that would make the app unusable with this config (no categories, no
    /// rating levels, a base URL tokens must not go to, contradictory limits). Empty: usable.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut push = |field: &str, reason| errors.push(FieldError::new(field, reason));
        if self.categories.is_empty() {
            push("categories", ValidationReason::Required);
        }
        let mut codes = std::collections::HashSet::new();
        for (i, c) in self.categories.iter().enumerate() {
            if c.code.trim().is_empty() || !codes.insert(c.code.as_str()) {
                push(
                    &format!("categories[{i}].code"),
                    ValidationReason::Invalid {
                        detail: "empty or repeated".into(),
                    },
                );
            }
        }
        for (i, c) in self.categories.iter().enumerate() {
            if c.verify_radius_m.is_some_and(|r| !(10..=5000).contains(&r)) {
                push(
                    &format!("categories[{i}].verify_radius_m"),
                    ValidationReason::OutOfRange,
                );
            }
        }
        if self.rating_scale.is_empty() {
            push("rating_scale", ValidationReason::Required);
        }
        let mut values = std::collections::HashSet::new();
        for (i, r) in self.rating_scale.iter().enumerate() {
            if !values.insert(r.value) {
                push(
                    &format!("rating_scale[{i}].value"),
                    ValidationReason::Invalid {
                        detail: "repeated".into(),
                    },
                );
            }
        }
        if !is_acceptable_base_url(&self.api_base_url) {
            push(
                "api_base_url",
                ValidationReason::Invalid {
                    detail: "must be https (http only for loopback)".into(),
                },
            );
        }
        if let Some(u) = &self.boundaries_url {
            if !is_acceptable_base_url(u) {
                push(
                    "boundaries_url",
                    ValidationReason::Invalid {
                        detail: "must be https (http only for loopback)".into(),
                    },
                );
            }
        }
        if let Some(h) = &self.boundaries_sha256 {
            let hex = h.len() == 64
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex || self.boundaries_url.is_none() {
                push(
                    "boundaries_sha256",
                    ValidationReason::Invalid {
                        detail: "64 lowercase hex digits, with boundaries_url".into(),
                    },
                );
            }
        }
        if self.description_min_chars > self.description_max_chars {
            push("description_min_chars", ValidationReason::OutOfRange);
        }
        let m = &self.media;
        if m.max_photos + m.max_videos == 0 && m.min_attachments > 0
            || m.min_attachments > m.max_photos + m.max_videos
        {
            push("media.min_attachments", ValidationReason::OutOfRange);
        }
        if m.photo_max_edge == 0 || m.photo_max_bytes == 0 || m.max_decode_pixels == 0 {
            push("media", ValidationReason::OutOfRange);
        }
        let l = &self.location;
        let finite = [l.far_photo_m, l.good_accuracy_m, l.poor_accuracy_m]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0);
        if !finite || l.good_accuracy_m > l.poor_accuracy_m {
            push("location", ValidationReason::OutOfRange);
        }
        self.map.validate(&mut errors);
        errors
    }
}

/// Where the app may send its tokens: HTTPS anywhere; plain HTTP only to this machine (tests,
/// the embedded stub). Parsed with a real URL parser, so `http://127.0.0.1:1@evil.example/`
/// (user info `127.0.0.1:1`, host `evil.example`) is refused, and so is anything with user
/// info, a query or a fragment.
pub fn is_acceptable_base_url(text: &str) -> bool {
    let Ok(url) = url::Url::parse(text) else {
        return false;
    };
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return false;
    }
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Host names are ASCII: the URL parser runs without a Unicode (IDNA) back end, which
    /// keeps the Unicode tables out of the phone library (129 KB of the stripped x86_64 library) (`idna_adapter` 1.0 pinned
    /// in Cargo.lock). A province's server with a Vietnamese domain name is entered in its
    /// ASCII (punycode) form; the Unicode form is refused, not misread.
    #[test]
    fn host_names_are_ascii_and_a_unicode_host_is_refused() {
        assert!(is_acceptable_base_url("https://api.hatinh.gov.vn/"));
        assert!(!is_acceptable_base_url("https://phảnánh.hatinh.vn/"));
        assert!(is_acceptable_base_url(
            "https://xn--phnnh-ira7fua.hatinh.vn/"
        ));
        assert!(
            url::Url::parse("https://HATINH.gov.vn/")
                .unwrap()
                .host_str()
                == Some("hatinh.gov.vn")
        );
    }

    #[test]
    fn the_verify_radius_defaults_to_100_m_and_is_checked() {
        let mut cfg = TenantConfig::ha_tinh();
        assert!(cfg.categories.iter().all(|c| c.verify_radius_m() == 100));
        cfg.categories[0].verify_radius_m = Some(250);
        assert_eq!(cfg.categories[0].verify_radius_m(), 250);
        assert!(cfg.validate().is_empty());
        cfg.categories[1].verify_radius_m = Some(5);
        let errs = cfg.validate();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "categories[1].verify_radius_m");
    }

    #[test]
    fn ha_tinh_fixture_parses_validates_and_names_every_category_in_both_languages() {
        let cfg = TenantConfig::ha_tinh();
        assert_eq!(cfg.validate(), vec![]);
        for vi in [
            "Giao thông",
            "Môi trường",
            "Trật tự đô thị",
            "Xây dựng",
            "Điện chiếu sáng",
            "Cấp thoát nước",
            "An ninh trật tự",
            "An sinh xã hội",
            "Y tế",
            "Giáo dục",
            "Thủ tục hành chính",
            "Khác",
        ] {
            let c = cfg
                .categories
                .iter()
                .find(|c| c.name_vi == vi)
                .unwrap_or_else(|| panic!("{vi}"));
            assert!(!c.name_en.is_empty() && c.deadline_hours.is_some());
        }
        // The fixture spells out every field: nothing silently falls back to a default.
        let raw: serde_json::Value = serde_json::from_str(HA_TINH_JSON).unwrap();
        let media = serde_json::to_value(MediaLimits::default()).unwrap();
        let location = serde_json::to_value(LocationPolicy::default()).unwrap();
        for (k, _) in media.as_object().unwrap() {
            assert!(
                raw["media"].get(k).is_some(),
                "media.{k} missing from the fixture"
            );
        }
        for (k, _) in location.as_object().unwrap() {
            assert!(
                raw["location"].get(k).is_some(),
                "location.{k} missing from the fixture"
            );
        }
        for k in ["tile_url_template", "attribution", "min_zoom", "max_zoom"] {
            assert!(
                raw["map"].get(k).is_some(),
                "map.{k} missing from the fixture"
            );
        }
    }

    #[test]
    fn a_config_that_would_break_the_app_is_refused_field_by_field() {
        let mut cfg = TenantConfig::ha_tinh();
        cfg.categories.clear();
        cfg.api_base_url = "http://example.com/".into();
        cfg.rating_scale.push(cfg.rating_scale[0].clone());
        cfg.location.good_accuracy_m = f64::NAN;
        let fields: Vec<_> = cfg.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "categories",
                "rating_scale[3].value",
                "api_base_url",
                "location"
            ]
        );
    }

    #[test]
    fn the_map_section_needs_a_tile_template_the_app_may_fetch_and_its_credit() {
        let cfg = TenantConfig::ha_tinh();
        assert_eq!(
            cfg.map.tile_url(12, 3245, 1821).as_deref(),
            Some("https://tile.openstreetmap.org/12/3245/1821.png")
        );
        assert_eq!(cfg.map.attribution, "© OpenStreetMap contributors");
        let fields = |m: MapConfig| {
            let mut c = TenantConfig::ha_tinh();
            c.map = m;
            c.validate()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        let with = |t: &str, a: &str| MapConfig {
            tile_url_template: Some(t.into()),
            attribution: a.into(),
            ..MapConfig::default()
        };
        assert!(fields(with("https://t.example/{z}/{x}/{y}.png?key=k", "© X")).is_empty());
        assert!(fields(with("http://127.0.0.1:9/{z}/{x}/{y}.png", "© X")).is_empty());
        assert!(
            fields(MapConfig::default()).is_empty(),
            "no tiles is a valid map"
        );
        for bad in [
            "http://tiles.example/{z}/{x}/{y}.png",
            "https://t.example/{z}/{x}.png",
            "https://u:p@t.example/{z}/{x}/{y}.png",
            "ftp://127.0.0.1/{z}/{x}/{y}.png",
            "{z}/{x}/{y}",
        ] {
            assert_eq!(fields(with(bad, "© X")), ["map.tile_url_template"], "{bad}");
        }
        assert_eq!(
            fields(with("https://t.example/{z}/{x}/{y}.png", " ")),
            ["map.attribution"]
        );
        let zooms = MapConfig {
            min_zoom: 12,
            max_zoom: 8,
            ..MapConfig::default()
        };
        assert_eq!(fields(zooms), ["map.max_zoom"]);
        // A config without the section still parses: no tiles, markers and outlines only.
        let mut raw: serde_json::Value = serde_json::from_str(HA_TINH_JSON).unwrap();
        raw.as_object_mut().unwrap().remove("map");
        let cfg: TenantConfig = serde_json::from_value(raw).unwrap();
        assert_eq!(cfg.map, MapConfig::default());
    }

    #[test]
    fn only_loopback_may_use_plain_http() {
        for ok in [
            "https://x.gov.vn/api/",
            "http://127.0.0.1:8080/",
            "http://[::1]:8080/",
            "http://localhost:1/",
            "http://127.0.0.2/",
        ] {
            assert!(is_acceptable_base_url(ok), "{ok}");
        }
        for bad in [
            "http://10.0.0.1/",
            "http://127.0.0.1.evil.com/",
            "ftp://127.0.0.1/",
            "http://127.0.0.1:1@evil.example/",
            "https://user:pw@x.gov.vn/",
            "http://localhost.evil.example/",
            "http://[::ffff:8.8.8.8]/",
            "https://x.gov.vn/api/?next=http://evil/",
            "not a url",
            "",
        ] {
            assert!(!is_acceptable_base_url(bad), "{bad}");
        }
    }
}
