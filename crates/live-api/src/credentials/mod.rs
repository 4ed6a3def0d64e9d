//! Where credentials come from: given, the environment, the files the official SDKs read, a
//! chain of those, or your own provider (e.g. STS), cached until shortly before expiry.
//!
//! This file holds what every source shares: the [`ProvideCredentials`] trait, its answer and
//! its error. Each source lives in a file of its own: `env` (variables), `profile`
//! (`~/.volc/credentials`, and what the file sources share), `config` (`~/.volc/config`),
//! `chain` (the order), `cache` (expiry); `ini` reads INI as Python does.

use std::fmt;
use std::time::SystemTime;

use crate::env::{Environment, LiveFuture};

use volc_sign::Credentials;

mod cache;
mod chain;
mod config;
mod env;
mod ini;
mod profile;

pub use cache::CachingCredentials;
pub use chain::CredentialsChain;
pub use config::{parse_config_file, parse_config_file_for, ConfigFileCredentials};
pub use env::EnvCredentials;
pub use profile::{parse_profile_file, parse_profile_file_for, ProfileFileCredentials};

/// Credentials and, for temporary ones, when they expire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvidedCredentials {
    /// The keys (their `Debug` redacts the secret and token).
    pub credentials: Credentials,
    /// When they stop working; `None` for long-term keys.
    pub expires_at: Option<SystemTime>,
}

impl ProvidedCredentials {
    /// Long-term credentials.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            expires_at: None,
        }
    }

    /// Temporary credentials that expire at `at`.
    pub fn expiring(credentials: Credentials, at: SystemTime) -> Self {
        Self {
            credentials,
            expires_at: Some(at),
        }
    }
}

/// Why no credentials could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Nothing was configured where the provider looked.
    #[error("no credentials found; looked at {}", .looked_at.join(", "))]
    NotConfigured {
        /// What was looked at, in order.
        looked_at: Vec<String>,
    },
    /// Something is configured but unusable (half set, unreadable, malformed).
    #[error("credentials in {source_name} are unusable: {reason}")]
    Invalid {
        /// Where they were found.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
}

impl CredentialsError {
    fn not_configured(what: impl Into<String>) -> Self {
        Self::NotConfigured {
            looked_at: vec![what.into()],
        }
    }

    fn invalid(source_name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            source_name: source_name.into(),
            reason: reason.into(),
        }
    }

    /// Whether nothing was configured (as opposed to configured but broken).
    pub fn is_not_configured(&self) -> bool {
        matches!(self, Self::NotConfigured { .. })
    }
}

/// Provides credentials, possibly asynchronously (e.g. from STS). Dyn-compatible; the future
/// type is this crate's [`LiveFuture`], so a provider needs no transport crate.
///
/// A provider is handed an [`Environment`] each time it is asked (the client hands its own,
/// set once on the builder), and reads the clock, variables, home directory and files through
/// it, never from the process directly. It keeps no environment of its own: one provider
/// serves clients on different environments, and a [`crate::env::ManualEnvironment`] decides all
/// it sees in a test.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use live_api::credentials::{CredentialsError, ProvideCredentials, ProvidedCredentials};
/// use live_api::env::{Environment, LiveFuture, ManualEnvironment};
///
/// #[derive(Debug)]
/// struct FromVault;
///
/// impl ProvideCredentials for FromVault {
///     fn provide<'a>(
///         &'a self,
///         env: &'a dyn Environment,
///     ) -> LiveFuture<'a, Result<ProvidedCredentials, CredentialsError>> {
///         Box::pin(async move {
///             let creds = volc_sign::Credentials::new("AKTPexample", "secret").unwrap()
///                 .with_session_token("STS2token").unwrap();
///             // An hour on the clock of the environment it is asked with.
///             let expires = env.now() + Duration::from_secs(3600);
///             Ok(ProvidedCredentials::expiring(creds, expires))
///         })
///     }
/// }
///
/// let env = ManualEnvironment::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let provided = FromVault.provide(&env).await?;
/// assert_eq!(provided.expires_at, Some(env.now() + Duration::from_secs(3600)));
/// # Ok::<(), CredentialsError>(())
/// # }).unwrap();
/// ```
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with, read through `env`.
    fn provide<'a>(
        &'a self,
        env: &'a dyn Environment,
    ) -> LiveFuture<'a, Result<ProvidedCredentials, CredentialsError>>;
}

/// A provider's answer that is known at once.
fn ready(
    result: Result<ProvidedCredentials, CredentialsError>,
) -> LiveFuture<'static, Result<ProvidedCredentials, CredentialsError>> {
    Box::pin(std::future::ready(result))
}

impl ProvideCredentials for ProvidedCredentials {
    fn provide<'a>(
        &'a self,
        _env: &'a dyn Environment,
    ) -> LiveFuture<'a, Result<ProvidedCredentials, CredentialsError>> {
        ready(Ok(self.clone()))
    }
}

impl ProvideCredentials for Credentials {
    fn provide<'a>(
        &'a self,
        _env: &'a dyn Environment,
    ) -> LiveFuture<'a, Result<ProvidedCredentials, CredentialsError>> {
        ready(Ok(ProvidedCredentials::new(self.clone())))
    }
}

/// Reads `name` through `env`: `None` when unset or empty; an error naming the variable
/// when it is set but not UTF-8 (a broken source is never skipped silently).
fn env_text(env: &dyn Environment, name: &str) -> Result<Option<String>, CredentialsError> {
    match env.var_os(name) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => v.into_string().map(Some).map_err(|_| {
            CredentialsError::invalid(
                format!("${name}"),
                format!("{name} is set but is not UTF-8"),
            )
        }),
    }
}

/// The profile read when none is chosen: the `[default]` section.
pub const DEFAULT_PROFILE: &str = "default";

/// The environment variable that chooses a profile, as the official SDKs and `volcengine-cli`
/// name it.
pub const PROFILE_VARIABLE: &str = "VOLCENGINE_PROFILE";
