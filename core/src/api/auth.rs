//! Session tokens. They live in the platform's secure store (Keychain / Keystore) behind
//! [`SecretStore`]; the core keeps no copy on disk. A 401 triggers one refresh, shared by
//! every request that saw the same expired token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Secure key-value storage the platform provides. Implementations must be quick (called
/// on request paths) and must not call back into the core.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<String>>;
    fn set(&self, key: &str, value: &str) -> Result<()>;
    fn delete(&self, key: &str) -> Result<()>;
}

impl std::fmt::Debug for dyn SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretStore")
    }
}

/// Process-lifetime store: tests, and platforms without a secure store (tokens are lost on exit).
#[derive(Default)]
pub struct MemorySecretStore {
    map: Mutex<HashMap<String, String>>,
}

impl SecretStore for MemorySecretStore {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        Ok(())
    }
}

/// Key under which the session is kept in the [`SecretStore`].
pub const SESSION_KEY: &str = "phananh.session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Server's id of the signed-in user, when it says.
    #[serde(default)]
    pub user_id: Option<String>,
}

pub struct Auth {
    secrets: Arc<dyn SecretStore>,
    /// Serialises refreshes so a burst of 401s costs one refresh call. Holds the outcome of
    /// the last refresh, keyed by the access token it replaced (`None`: refused). The
    /// secret store (a foreign callback) is never called while this is held.
    refreshing: tokio::sync::Mutex<Option<(String, Option<Session>)>>,
}

impl Auth {
    pub(crate) fn new(secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            secrets,
            refreshing: tokio::sync::Mutex::new(None),
        }
    }

    /// The stored session. Blocking (the secret store is a platform call): only from the
    /// blocking pool; async code uses [`Auth::load`].
    pub fn session(&self) -> Result<Option<Session>> {
        read_session(&*self.secrets)
    }

    /// Blocking; async code uses [`Auth::save`].
    pub fn set_session(&self, s: &Session) -> Result<()> {
        self.secrets.set(
            SESSION_KEY,
            &serde_json::to_string(s).map_err(|e| Error::Internal(e.to_string()))?,
        )
    }

    /// Blocking; async code uses [`Auth::forget`].
    pub fn clear(&self) -> Result<()> {
        self.secrets.delete(SESSION_KEY)
    }

    /// Run a secret-store call on the blocking pool: Keychain/Keystore calls may take long,
    /// and never run on the thread that polls the client's futures (a UI thread).
    async fn off_thread<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let secrets = self.secrets.clone();
        tokio::task::spawn_blocking(move || f(&*secrets))
            .await
            .map_err(|e| Error::Internal(format!("secret store task: {e}")))?
    }

    pub async fn load(&self) -> Result<Option<Session>> {
        self.off_thread(read_session).await
    }

    pub async fn save(&self, s: Session) -> Result<()> {
        let json = serde_json::to_string(&s).map_err(|e| Error::Internal(e.to_string()))?;
        self.off_thread(move |st| st.set(SESSION_KEY, &json)).await
    }

    pub async fn forget(&self) -> Result<()> {
        self.off_thread(|st| st.delete(SESSION_KEY)).await
    }

    pub(crate) async fn access_token(&self) -> Result<Option<String>> {
        Ok(self.load().await?.map(|s| s.access_token))
    }

    /// After a 401 on a request sent with `failed` (the token it carried): refresh once and
    /// return the new access token, or `None` when signed out / the refresh was refused.
    pub(crate) async fn refresh_after_401(
        &self,
        api: &super::Api,
        failed: Option<&str>,
    ) -> Result<Option<String>> {
        let Some(current) = self.load().await? else {
            return Ok(None);
        };
        if failed.is_some_and(|f| f != current.access_token) {
            // Someone refreshed since this request was sent.
            return Ok(Some(current.access_token));
        }
        let outcome = {
            let mut last = self.refreshing.lock().await;
            match last.as_ref() {
                Some((replaced, outcome)) if *replaced == current.access_token => outcome.clone(),
                _ => {
                    let outcome = match refresh(api, &current.refresh_token).await {
                        Ok(new) => Some(new),
                        Err(Error::Unauthorized)
                        | Err(Error::Forbidden(_))
                        | Err(Error::NotFound { .. }) => None,
                        Err(Error::Server { status, .. }) if (400..500).contains(&status) => None,
                        Err(e) => return Err(e),
                    };
                    *last = Some((current.access_token.clone(), outcome.clone()));
                    outcome
                }
            }
        };
        match outcome {
            Some(new) => {
                let token = new.access_token.clone();
                self.save(new).await?;
                Ok(Some(token))
            }
            None => {
                tracing::info!("session refresh refused; signed out");
                self.forget().await?;
                Ok(None)
            }
        }
    }
}

fn read_session(secrets: &dyn SecretStore) -> Result<Option<Session>> {
    match secrets.get(SESSION_KEY)? {
        None => Ok(None),
        Some(json) => match serde_json::from_str(&json) {
            Ok(s) => Ok(Some(s)),
            Err(e) => {
                tracing::warn!(error = %e, "stored session unreadable; signing out");
                secrets.delete(SESSION_KEY)?;
                Ok(None)
            }
        },
    }
}

// ----- the refresh call itself (not `Api::send`: a refresh must never trigger a refresh) -----

use phananh_wire as wire;

pub(crate) fn session_from(t: wire::TokenPair) -> Session {
    Session {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        user_id: Some(t.user.id),
    }
}

/// Exchange a refresh token for a new pair (the old one stops working).
pub(crate) async fn refresh(api: &super::Api, refresh_token: &str) -> Result<Session> {
    let url = api.url(wire::paths::REFRESH)?;
    let body = wire::RefreshRequest {
        refresh_token: refresh_token.to_owned(),
    };
    let t = api.request_timeout();
    // Not `send`: a refresh must never itself trigger a refresh.
    let resp = api
        .send_once(
            &|h: &reqwest::Client| h.post(url.clone()).json(&body).timeout(t),
            None,
        )
        .await?;
    Ok(session_from(super::json::<wire::TokenPair>(resp).await?))
}
