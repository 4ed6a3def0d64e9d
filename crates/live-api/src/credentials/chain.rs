//! The order in which sources are asked.

use std::sync::Arc;

use super::config::ConfigFileCredentials;
use super::env::EnvCredentials;
use super::profile::ProfileFileCredentials;
use super::{CredentialsError, ProvideCredentials, ProvidedCredentials};
use crate::env::{Environment, LiveFuture};

/// Tries providers in order: the first that has credentials wins; one that is configured but
/// broken stops the chain with its error (it is never skipped silently); when none is
/// configured, the error lists everything looked at.
#[derive(Debug, Clone)]
pub struct CredentialsChain {
    providers: Vec<Arc<dyn ProvideCredentials>>,
}

impl CredentialsChain {
    /// A chain of `providers`, tried in order.
    pub fn new(providers: Vec<Arc<dyn ProvideCredentials>>) -> Self {
        Self { providers }
    }

    /// The default order: the environment (`VOLCENGINE_*`, then `VOLC_*`), then
    /// `~/.volc/credentials`, then `~/.volc/config` (JSON or INI); in the files, the profile
    /// named by `$VOLCENGINE_PROFILE`, else `[default]`. A file without that profile's section
    /// is passed over for the next one (never another profile's keys instead); when no source
    /// has it, the error names the profile and each file looked at.
    ///
    /// Variables, the home directory (`~`) and the files are those of the [`Environment`]
    /// the chain is asked with, read at each ask: the client's, or a
    /// [`crate::env::ManualEnvironment`] in tests.
    ///
    /// [`Environment`]: crate::env::Environment
    pub fn default_chain() -> Self {
        Self::with_profile(None)
    }

    /// The default order, the files' profile being `profile` when given (else
    /// `$VOLCENGINE_PROFILE`, else `default`).
    pub fn with_profile(profile: Option<String>) -> Self {
        let mut file = ProfileFileCredentials::in_home();
        let mut config = ConfigFileCredentials::in_home();
        if let Some(p) = profile {
            file = file.profile(p.clone());
            config = config.profile(p);
        }
        Self::new(vec![
            Arc::new(EnvCredentials::new()),
            Arc::new(file),
            Arc::new(config),
        ])
    }
}

impl ProvideCredentials for CredentialsChain {
    fn provide<'a>(
        &'a self,
        env: &'a dyn Environment,
    ) -> LiveFuture<'a, Result<ProvidedCredentials, CredentialsError>> {
        Box::pin(async move {
            let mut looked_at = Vec::new();
            for p in &self.providers {
                match p.provide(env).await {
                    Ok(c) => return Ok(c),
                    Err(CredentialsError::NotConfigured { looked_at: more }) => {
                        looked_at.extend(more)
                    }
                    Err(broken) => return Err(broken),
                }
            }
            Err(CredentialsError::NotConfigured { looked_at })
        })
    }
}
