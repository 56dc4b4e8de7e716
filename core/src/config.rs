//! Tenant (province) configuration. The app is white-label: one build, one config per
//! province. Hà Tĩnh is compiled in as the default so the app works before its first fetch;
//! a config fetched from the server later replaces it whole (see [`TenantConfig::from_json`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError, Result, ValidationReason};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// Stable code used on the wire (Open311 `service_code`).
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingLevel {
    /// Value sent to the server; higher is more satisfied.
    pub value: u8,
    pub label_vi: String,
    pub label_en: String,
    /// A rating at this level may ask the province to reopen the case.
    pub may_reopen: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub description_min_chars: u32,
    pub description_max_chars: u32,
    pub rating_comment_max_chars: u32,
    /// Province code (national administrative code) used to name the province in addresses.
    pub province_code: String,
    pub province_name: String,
}

fn cat(code: &str, vi: &str, en: &str) -> Category {
    Category { code: code.into(), name_vi: vi.into(), name_en: en.into() }
}

impl TenantConfig {
    /// Hà Tĩnh (i-HaTinh), the default tenant.
    pub fn ha_tinh() -> Self {
        Self {
            tenant_id: "ha-tinh".into(),
            name_vi: "Hà Tĩnh".into(),
            name_en: "Ha Tinh".into(),
            api_base_url: "https://ihatinh.hatinh.gov.vn/phananh/api/".into(),
            categories: vec![
                cat("giao_thong", "Giao thông", "Traffic and roads"),
                cat("moi_truong", "Môi trường", "Environment"),
                cat("trat_tu_do_thi", "Trật tự đô thị", "Urban order"),
                cat("xay_dung", "Xây dựng", "Construction"),
                cat("dien_chieu_sang", "Điện chiếu sáng", "Street lighting"),
                cat("cap_thoat_nuoc", "Cấp thoát nước", "Water supply and drainage"),
                cat("an_ninh_trat_tu", "An ninh trật tự", "Public security"),
                cat("an_sinh_xa_hoi", "An sinh xã hội", "Social welfare"),
                cat("y_te", "Y tế", "Health"),
                cat("giao_duc", "Giáo dục", "Education"),
                cat("thu_tuc_hanh_chinh", "Thủ tục hành chính", "Administrative procedures"),
                cat("khac", "Khác", "Other"),
            ],
            rating_scale: vec![
                RatingLevel { value: 3, label_vi: "Hài lòng".into(), label_en: "Satisfied".into(), may_reopen: false },
                RatingLevel { value: 2, label_vi: "Chấp nhận được".into(), label_en: "Acceptable".into(), may_reopen: false },
                RatingLevel { value: 1, label_vi: "Không hài lòng".into(), label_en: "Not satisfied".into(), may_reopen: true },
            ],
            media: MediaLimits::default(),
            location: LocationPolicy::default(),
            description_min_chars: 10,
            description_max_chars: 2000,
            rating_comment_max_chars: 1000,
            province_code: "42".into(),
            province_name: "tỉnh Hà Tĩnh".into(),
        }
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn rating_level(&self, value: u8) -> Option<&RatingLevel> {
        self.rating_scale.iter().find(|r| r.value == value)
    }

    /// Parse and check a config fetched from the server. A config that would make the app
    /// unusable (no categories, no rating levels, bad URL) is refused and the old one kept.
    pub fn from_json(json: &str) -> Result<Self> {
        let cfg: TenantConfig = serde_json::from_str(json)
            .map_err(|e| Error::Protocol(format!("tenant config: {e}")))?;
        cfg.check()?;
        Ok(cfg)
    }

    pub fn check(&self) -> Result<()> {
        let mut errors = Vec::new();
        if self.categories.is_empty() {
            errors.push(FieldError::new("categories", ValidationReason::Required));
        }
        if self.rating_scale.is_empty() {
            errors.push(FieldError::new("rating_scale", ValidationReason::Required));
        }
        if !is_acceptable_base_url(&self.api_base_url) {
            errors.push(FieldError::new(
                "api_base_url",
                ValidationReason::Invalid { detail: "must be https (http only for loopback)".into() },
            ));
        }
        if self.description_min_chars > self.description_max_chars {
            errors.push(FieldError::new("description_min_chars", ValidationReason::OutOfRange));
        }
        if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
    }
}

/// HTTPS everywhere; plain HTTP only to this machine (tests, the embedded stub).
pub fn is_acceptable_base_url(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let host = rest.split('/').next().unwrap_or("");
    let host = if let Some(h) = host.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ha_tinh_has_the_required_categories_in_both_languages() {
        let cfg = TenantConfig::ha_tinh();
        for vi in [
            "Giao thông", "Môi trường", "Trật tự đô thị", "Xây dựng", "Điện chiếu sáng",
            "Cấp thoát nước", "An ninh trật tự", "An sinh xã hội", "Y tế", "Giáo dục",
            "Thủ tục hành chính", "Khác",
        ] {
            let c = cfg.categories.iter().find(|c| c.name_vi == vi).unwrap_or_else(|| panic!("{vi}"));
            assert!(!c.name_en.is_empty());
        }
        cfg.check().unwrap();
    }

    #[test]
    fn fetched_config_replaces_and_is_checked() {
        let mut cfg = TenantConfig::ha_tinh();
        cfg.name_vi = "Huế".into();
        let parsed = TenantConfig::from_json(&serde_json::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(parsed.name_vi, "Huế");
        cfg.categories.clear();
        cfg.api_base_url = "http://example.com/".into();
        match TenantConfig::from_json(&serde_json::to_string(&cfg).unwrap()) {
            Err(Error::Validation(errs)) => {
                let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["categories", "api_base_url"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(TenantConfig::from_json("{\"tenant_id\": 3}"), Err(Error::Protocol(_))));
    }

    #[test]
    fn only_loopback_may_use_plain_http() {
        assert!(is_acceptable_base_url("https://x.gov.vn/api/"));
        assert!(is_acceptable_base_url("http://127.0.0.1:8080/"));
        assert!(is_acceptable_base_url("http://[::1]:8080/"));
        assert!(is_acceptable_base_url("http://localhost:1/"));
        assert!(!is_acceptable_base_url("http://10.0.0.1/"));
        assert!(!is_acceptable_base_url("http://127.0.0.1.evil.com/"));
        assert!(!is_acceptable_base_url("ftp://127.0.0.1/"));
    }
}
