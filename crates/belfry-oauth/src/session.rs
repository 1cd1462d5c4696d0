//! Access tokens on demand: cached in memory, refreshed single-flight (many callers, one
//! refresh), rotated refresh tokens saved before the old one is let go.

use std::sync::{Arc, Mutex};

use belfry_secrets::{SecretStore, Sensitive};

use crate::{AccessToken, OAuthError, ProviderConfig};

/// One account's tokens.
pub struct TokenSession {
    cfg: ProviderConfig,
    secrets: Arc<dyn SecretStore>,
    /// The keyring key of the refresh token.
    key: String,
    cache: Mutex<Option<AccessToken>>,
    refreshing: Mutex<()>,
}

impl std::fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSession")
            .field("provider", &self.cfg.kind)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl TokenSession {
    /// A session whose refresh token is in `secrets` under `key`.
    pub fn new(cfg: ProviderConfig, secrets: Arc<dyn SecretStore>, key: String) -> TokenSession {
        TokenSession {
            cfg,
            secrets,
            key,
            cache: Mutex::new(None),
            refreshing: Mutex::new(()),
        }
    }

    /// Seeds the cache (right after sign-in).
    pub fn with_access(self, access: AccessToken) -> TokenSession {
        if let Ok(mut c) = self.cache.lock() {
            *c = Some(access);
        }
        self
    }

    fn cached(&self) -> Option<Sensitive<String>> {
        let c = self.cache.lock().ok()?;
        c.as_ref().filter(|t| t.is_fresh()).map(|t| t.token.clone())
    }

    /// A usable access token, refreshing it when needed. Concurrent callers share one refresh.
    pub fn access_token(&self) -> Result<Sensitive<String>, OAuthError> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        let _one_at_a_time = self
            .refreshing
            .lock()
            .map_err(|_| OAuthError::Server("a refresh failed midway".into()))?;
        // Another caller may have refreshed while this one waited.
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        let refresh_token = self
            .secrets
            .get(&self.key)
            .map_err(|e| OAuthError::Keyring(e.to_string()))?
            .ok_or(OAuthError::SignInAgain)?;
        let (access, rotated) = crate::refresh(&self.cfg, &refresh_token)?;
        if let Some(new) = rotated {
            // Saved before anything else: the old token is already dead at the server.
            self.secrets
                .set(&self.key, &new)
                .map_err(|e| OAuthError::Keyring(e.to_string()))?;
        }
        let token = access.token.clone();
        if let Ok(mut c) = self.cache.lock() {
            *c = Some(access);
        }
        Ok(token)
    }

    /// Forgets the cached access token (after a 401), so the next call refreshes once.
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cache.lock() {
            *c = None;
        }
    }
}
