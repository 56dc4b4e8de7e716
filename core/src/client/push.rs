//! [`Push`]: the platform's push token (FCM on Android, APNs on iOS) registered with the
//! server for the signed-in account, and a received push turned into the change a sync
//! would make.
//!
//! The token is remembered on the phone, so one handed over while offline or signed out is
//! registered at the next sign-in (the server drops an account's tokens when it signs out,
//! with the rest of that sign-in). A push is only a hint: the report it names is fetched and
//! merged exactly as the status sync does, so a forged or stale push cannot set a status.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::error::{Error, Result};
use crate::{FieldError, ValidationReason};
use phananh_wire as wire;

const TOKEN_KEY: &str = "push.token";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredToken {
    platform: wire::PushPlatform,
    token: String,
    /// The account the server has this token for (`None`: not registered yet).
    registered_for: Option<String>,
}

/// What a push changed.
#[derive(Debug, Clone, PartialEq)]
pub enum PushEffect {
    /// One of my reports, fetched and merged (subscribers of "my reports" heard of it).
    Report(wire::Report),
    /// A notice was published for where the resident is: show the notices again.
    Notice { notice_id: String },
}

#[derive(Clone)]
pub struct Push {
    ctx: Arc<Context>,
}

impl Push {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// The platform handed over a (new) token: remember it and register it for the
    /// signed-in account. `Ok(true)`: the server has it; `Ok(false)`: kept for later (signed
    /// out or offline, registered at the next sign-in or [`Push::register_pending`]).
    pub async fn set_token(&self, platform: wire::PushPlatform, token: &str) -> Result<bool> {
        let token = token.trim();
        if token.is_empty() || token.len() > 4096 || token.chars().any(char::is_control) {
            return Err(Error::Validation(vec![FieldError::new(
                "token",
                ValidationReason::Invalid {
                    detail: "a push token is 1 to 4096 printable characters".into(),
                },
            )]));
        }
        let stored = StoredToken {
            platform,
            token: token.to_owned(),
            registered_for: None,
        };
        self.ctx.blocking(move |c| save(c, &stored)).await?;
        self.register_pending().await
    }

    /// Register the remembered token when the server does not have it for the account
    /// signed in now. `Ok(false)` when there is nothing to do that can be done now.
    pub async fn register_pending(&self) -> Result<bool> {
        let Some(account) = self.ctx.signed_in_account().await? else {
            return Ok(false);
        };
        let Some(mut stored) = self.ctx.blocking(|c| load(c)).await? else {
            return Ok(false);
        };
        if stored.registered_for.as_deref() == Some(account.as_str()) {
            return Ok(true);
        }
        if !self.ctx.engine.network().online {
            return Ok(false);
        }
        self.ctx
            .api()?
            .register_push_token(&wire::PushTokenRegistration {
                platform: stored.platform,
                token: stored.token.clone(),
                device_id: None,
            })
            .await?;
        stored.registered_for = Some(account);
        self.ctx.blocking(move |c| save(c, &stored)).await?;
        Ok(true)
    }

    /// A push arrived with this data (FCM's `data` map, APNs' custom keys). A report status
    /// change fetches that report and merges it as a sync would; a push for a report that
    /// is not one of this account's is refused (`NotFound`) and changes nothing.
    pub async fn handle(&self, data: &BTreeMap<String, String>) -> Result<PushEffect> {
        let parsed =
            wire::PushData::from_map(data).map_err(|e| Error::Protocol(format!("push: {e}")))?;
        match parsed {
            wire::PushData::Notice { notice_id } => Ok(PushEffect::Notice { notice_id }),
            wire::PushData::ReportStatus { report_id, .. } => {
                let id = report_id.clone();
                let known = self
                    .ctx
                    .blocking(move |c| Ok(c.store.cached_report(&id, c.account().as_deref())?))
                    .await?;
                if known.is_none() {
                    return Err(Error::not_found(format!("report {report_id}")));
                }
                let report = super::Reports::new(self.ctx.clone())
                    .refresh(&report_id)
                    .await?;
                Ok(PushEffect::Report(report))
            }
        }
    }

    /// The server forgot this sign-in's tokens (sign-out): register again at the next one.
    pub(crate) fn forget_registration(ctx: &Context) -> Result<()> {
        if let Some(mut s) = load(ctx)? {
            s.registered_for = None;
            save(ctx, &s)?;
        }
        Ok(())
    }
}

fn load(c: &Context) -> Result<Option<StoredToken>> {
    Ok(c.store
        .kv_get(TOKEN_KEY)?
        .and_then(|j| serde_json::from_str(&j).ok()))
}

fn save(c: &Context, s: &StoredToken) -> Result<()> {
    c.store.kv_set(
        TOKEN_KEY,
        &serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?,
    )
}
