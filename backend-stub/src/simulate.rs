//! `--simulate`: the unit's officer moves every open case one step forward after each
//! `step` of quiet, so a demo sees received → forwarded → in progress → resolved.

use std::time::Duration;

use phananh_wire::{CaseAction, ReportStatus, Role};

use crate::auth::AuthUser;
use crate::{now_ms, AppState};

fn next_action(s: ReportStatus) -> Option<CaseAction> {
    match s {
        ReportStatus::Received | ReportStatus::Reopened => {
            Some(CaseAction::Accept { message: None })
        }
        ReportStatus::Forwarded => Some(CaseAction::Start {
            message: Some("Cán bộ đang kiểm tra hiện trường".into()),
        }),
        ReportStatus::InProgress => Some(CaseAction::Resolve {
            message: "Đơn vị đã xử lý xong nội dung phản ánh. Cảm ơn bạn đã phản ánh.".into(),
            media: vec![],
        }),
        _ => None,
    }
}

pub async fn run(st: AppState, step: Duration) {
    let tick = (step / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        tokio::time::sleep(tick).await;
        let due = now_ms() - step.as_millis() as i64;
        let conn = st.conn();
        let cases: Vec<(i64, String, String)> = conn
            .prepare("SELECT n, status, unit_code FROM reports WHERE status IN ('received','forwarded','in_progress','reopened') AND updated_at <= ?1 ORDER BY n LIMIT 50")
            .and_then(|mut s| s.query_map([due], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
            .unwrap_or_default();
        for (n, status, unit) in cases {
            let Some(action) = ReportStatus::parse(&status).and_then(next_action) else {
                continue;
            };
            let officer = AuthUser {
                id: format!("officer-{unit}"),
                phone: String::new(),
                display_name: None,
                role: Role::Officer,
                unit_code: Some(unit),
            };
            if let Err(e) = crate::officer::apply(&st, &conn, n, &officer, &action) {
                tracing::warn!(case = n, error = ?e.detail, "simulated step failed");
            }
        }
    }
}
