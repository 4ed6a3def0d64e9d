//! Caching a provider's credentials until shortly before they expire.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{CredentialsError, ProvideCredentials, ProvidedCredentials};
use crate::env::{Environment, LiveFuture, SystemEnvironment};

/// Caches another provider's credentials until `refresh_before` ahead of their expiry
/// (default 5 minutes); long-term credentials are cached for good. Concurrent callers share
/// one refresh.
pub struct CachingCredentials {
    inner: Arc<dyn ProvideCredentials>,
    refresh_before: Duration,
    env: Arc<dyn Environment>,
    cached: tokio::sync::Mutex<Option<ProvidedCredentials>>,
}

impl fmt::Debug for CachingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingCredentials")
            .field("inner", &self.inner)
            .field("refresh_before", &self.refresh_before)
            .finish_non_exhaustive()
    }
}

impl CachingCredentials {
    /// Caches `inner`'s credentials.
    pub fn new(inner: Arc<dyn ProvideCredentials>) -> Self {
        Self {
            inner,
            refresh_before: Duration::from_secs(300),
            env: Arc::new(SystemEnvironment),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Refreshes this long before expiry.
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// Reads expiry against `env`'s wall clock (the client hands its own environment).
    pub fn with_environment(mut self, env: Arc<dyn Environment>) -> Self {
        self.env = env;
        self
    }
}

impl ProvideCredentials for CachingCredentials {
    fn provide(&self) -> LiveFuture<'_, Result<ProvidedCredentials, CredentialsError>> {
        Box::pin(async move {
            let mut cached = self.cached.lock().await;
            let fresh = |c: &ProvidedCredentials| {
                c.expires_at
                    .is_none_or(|at| self.env.now() + self.refresh_before < at)
            };
            if let Some(c) = cached.as_ref().filter(|c| fresh(c)) {
                return Ok(c.clone());
            }
            let c = self.inner.provide().await?;
            *cached = Some(c.clone());
            Ok(c)
        })
    }
}
