//! The province's official notices (issue 13 item 3) for the shells: records and the one
//! call that lists those covering where the resident is.

use std::time::SystemTime;

use phananh_core::wire;

use crate::client::PhanAnhClient;
use crate::error::PhanAnhError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NoticeSeverity {
    Info,
    Warning,
    /// Disaster warnings: also pushed.
    Severe,
}

/// A notice as the resident sees it (where it applies is the server's business: the list
/// holds only those covering the place asked about).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Notice {
    pub id: String,
    pub title: String,
    pub body: String,
    pub severity: NoticeSeverity,
    /// Whole province (as opposed to some wards or an area drawn on the map).
    pub province_wide: bool,
    pub valid_from: SystemTime,
    /// `None`: until withdrawn.
    pub valid_to: Option<SystemTime>,
    pub published_at: SystemTime,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NoticesAt {
    /// Valid now and covering the place; most severe first, then newest.
    pub notices: Vec<Notice>,
    /// The ward the place is in (from the boundaries on the phone).
    pub ward: Option<String>,
    /// Shown from the phone's copy (offline); `fetched_at` says how old.
    pub from_cache: bool,
    pub fetched_at: SystemTime,
}

impl From<wire::Notice> for Notice {
    fn from(n: wire::Notice) -> Self {
        Self {
            id: n.id,
            title: n.title,
            body: n.body,
            severity: match n.severity {
                wire::NoticeSeverity::Info => NoticeSeverity::Info,
                wire::NoticeSeverity::Warning => NoticeSeverity::Warning,
                wire::NoticeSeverity::Severe => NoticeSeverity::Severe,
            },
            province_wide: matches!(n.area, wire::NoticeArea::Province),
            valid_from: n.valid_from.into(),
            valid_to: n.valid_to.map(Into::into),
            published_at: n.published_at.into(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl PhanAnhClient {
    /// Notices valid now covering the point (or, without one, the province-wide ones):
    /// fetched when online and kept, the phone's copy when offline.
    pub async fn notices_at(
        &self,
        lat: Option<f64>,
        lon: Option<f64>,
    ) -> Result<NoticesAt, PhanAnhError> {
        let point = lat.zip(lon);
        let r = self.core.notices().at(point).await?;
        Ok(NoticesAt {
            notices: r.notices.into_iter().map(Into::into).collect(),
            ward: r.ward,
            from_cache: r.from_cache,
            fetched_at: r.fetched_at.into(),
        })
    }
}
