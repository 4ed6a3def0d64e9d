//! Caching a provider's credentials until shortly before they expire.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{CredentialsError, ProvideCredentials, ProvidedCredentials};
use crate::env::{Environment, LiveFuture};

/// Caches another provider's credentials until `refresh_before` ahead of their expiry
/// (default 5 minutes); long-term credentials are cached for good. Concurrent callers share
/// one refresh. Expiry is read on the wall clock ([`Environment::now`]) of the environment it
/// is asked with, which it hands on to `inner`.
pub struct CachingCredentials {
    inner: Arc<dyn ProvideCredentials>,
    refresh_before: Duration,
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
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Refreshes this long before expiry.
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }
}

impl ProvideCredentials for CachingCredentials {
    fn provide<'a>(
        &'a self,
        env: &'a dyn Environment,
    ) -> LiveFuture<'a, Result<ProvidedCredentials, CredentialsError>> {
        Box::pin(async move {
            let mut cached = self.cached.lock().await;
            let fresh = |c: &ProvidedCredentials| {
                c.expires_at.is_none_or(|at| {
                    env.now()
                        .checked_add(self.refresh_before)
                        .is_some_and(|refresh_at| refresh_at < at)
                })
            };
            if let Some(c) = cached.as_ref().filter(|c| fresh(c)) {
                return Ok(c.clone());
            }
            let c = self.inner.provide(env).await?;
            *cached = Some(c.clone());
            Ok(c)
        })
    }
}
