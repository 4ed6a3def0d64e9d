//! The order in which sources are asked.

use std::path::PathBuf;
use std::sync::Arc;

use super::config::ConfigFileCredentials;
use super::env::EnvCredentials;
use super::profile::ProfileFileCredentials;
use super::{CredentialsError, ProvideCredentials, ProvidedCredentials};
use crate::env::{Environment, LiveFuture, SystemEnvironment};

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
    /// `$HOME/.volc/credentials`, then `$HOME/.volc/config` (JSON or INI); in the files, the
    /// profile named by `$VOLCENGINE_PROFILE`, else `[default]`. A file without that profile's
    /// section is passed over for the next one (never another profile's keys instead); when no
    /// source has it, the error names the profile and each file looked at.
    pub fn default_chain() -> Self {
        Self::from_environment(Arc::new(SystemEnvironment))
    }

    /// The default order, reading variables (and `HOME`) from `env`.
    pub fn from_environment(env: Arc<dyn Environment>) -> Self {
        Self::from_environment_with_profile(env, None)
    }

    /// The default order, reading variables from `env` and files under `home`; the files'
    /// profile is `$VOLCENGINE_PROFILE` of `env`, else `default`.
    pub fn for_env_and_home(env: Arc<dyn Environment>, home: Option<PathBuf>) -> Self {
        Self::for_env_home_and_profile(env, home, None)
    }

    /// The default order, reading variables (and `HOME`) from `env`, the files' profile being
    /// `profile` when given (else `$VOLCENGINE_PROFILE`, else `default`).
    pub fn from_environment_with_profile(
        env: Arc<dyn Environment>,
        profile: Option<String>,
    ) -> Self {
        let home = env
            .var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Self::for_env_home_and_profile(env, home, profile)
    }

    /// The default order, reading variables from `env` and files under `home`, the files'
    /// profile being `profile` when given (else `$VOLCENGINE_PROFILE`, else `default`).
    pub fn for_env_home_and_profile(
        env: Arc<dyn Environment>,
        home: Option<PathBuf>,
        profile: Option<String>,
    ) -> Self {
        let mut providers: Vec<Arc<dyn ProvideCredentials>> =
            vec![Arc::new(EnvCredentials::with_environment(env.clone()))];
        if let Some(home) = home {
            let mut file = ProfileFileCredentials::new(home.join(".volc").join("credentials"))
                .with_environment(env.clone());
            let mut config =
                ConfigFileCredentials::new(home.join(".volc").join("config")).with_environment(env);
            if let Some(p) = profile {
                file = file.profile(p.clone());
                config = config.profile(p);
            }
            providers.push(Arc::new(file));
            providers.push(Arc::new(config));
        }
        Self::new(providers)
    }
}

impl ProvideCredentials for CredentialsChain {
    fn provide(&self) -> LiveFuture<'_, Result<ProvidedCredentials, CredentialsError>> {
        Box::pin(async move {
            let mut looked_at = Vec::new();
            for p in &self.providers {
                match p.provide().await {
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
