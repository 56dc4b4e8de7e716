//! [`Session`]: OTP sign-in and sign-out. Tokens live in the platform's secret store
//! (Keychain/Keystore), which is only ever called from the blocking pool.

use std::sync::Arc;

use crate::context::Context;
use crate::error::Result;
use phananh_wire as wire;

#[derive(Clone)]
pub struct Session {
    ctx: Arc<Context>,
}

impl Session {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    pub async fn request_otp(&self, phone: &str) -> Result<wire::OtpRequested> {
        self.ctx.api()?.request_otp(phone).await
    }

    /// Verify the OTP; the session goes to the platform's secret store. Queued items that
    /// waited for sign-in start moving.
    ///
    /// Accounts on one device: what was written while signed out becomes this account's;
    /// another account's drafts, outbox and reports stay on the device for their owner, and
    /// this account never sees, sends or syncs them. A running worker is stopped first, so
    /// no step of the previous account's item runs under the new session.
    pub async fn sign_in(&self, phone: &str, code: &str) -> Result<wire::UserInfo> {
        let api = self.ctx.api()?;
        let paused = self.ctx.engine.pause_worker().await;
        let user = api.verify_otp(phone, code, None).await?;
        let account = user.id.clone();
        self.ctx
            .blocking(move |c| {
                let claimed = c.store.claim_unowned(&account)?;
                if claimed > 0 {
                    tracing::info!(
                        claimed,
                        "rows written signed out now belong to the signed-in account"
                    );
                }
                Ok(())
            })
            .await?;
        drop(paused);
        self.ctx.republish_for_account().await?;
        // The phone's push token now belongs to this account (best effort: a failure leaves
        // it for `Push::register_pending`, the sign-in stands).
        if let Err(e) = super::Push::new(self.ctx.clone()).register_pending().await {
            tracing::warn!(error = %e, "push token not registered yet");
        }
        Ok(user)
    }

    /// Drafts and outbox items of the signed-in account not delivered yet: what a sign-out
    /// keeps on the device for this account (shown before the resident confirms).
    pub async fn unsent_count(&self) -> Result<u32> {
        self.ctx
            .blocking(|c| c.store.unsent_count(c.account().as_deref()))
            .await
    }

    /// Sign out: the server revokes this sign-in (refresh token and push tokens) when it can
    /// be reached within a few seconds; the local session is forgotten in any case. Offline,
    /// the server's refresh token simply expires unused (nothing on the device can use it).
    /// Unsent drafts and items stay for this account (see [`Session::unsent_count`]).
    pub async fn sign_out(&self) -> Result<()> {
        let api = self.ctx.api()?;
        let paused = self.ctx.engine.pause_worker().await;
        match tokio::time::timeout(std::time::Duration::from_secs(10), api.logout()).await {
            Ok(Ok(())) => tracing::info!("signed out; the server revoked the session"),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "signed out locally; the server could not revoke the session")
            }
            Err(_) => {
                tracing::warn!("signed out locally; the server did not answer the logout in time")
            }
        }
        self.ctx
            .blocking(|c| {
                c.api()?.auth().clear()?;
                super::push::Push::forget_registration(c)?;
                Ok(())
            })
            .await?;
        drop(paused);
        self.ctx.republish_for_account().await
    }

    /// "Download my data": the server's record of this account (reports with timelines and
    /// ratings, consents, push registrations) and this phone's unsent drafts, as
    /// `data.json` plus the media, in a new folder under `dir`.
    pub async fn export_data(&self, dir: std::path::PathBuf) -> Result<super::ExportSummary> {
        super::account::export(&self.ctx, dir).await
    }

    /// "Delete my account": on the server first, then everything of this account on the
    /// phone. Nothing is deleted when the server cannot be reached or refuses.
    pub async fn delete_account(&self) -> Result<()> {
        super::account::delete(&self.ctx).await
    }

    pub async fn is_signed_in(&self) -> Result<bool> {
        self.ctx.blocking(|c| Ok(c.engine.signed_in())).await
    }
}
