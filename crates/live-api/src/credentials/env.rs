//! Credentials from environment variables.

use std::fmt;

use volc_sign::Credentials;

use super::{env_text, ready, CredentialsError, ProvideCredentials, ProvidedCredentials};
use crate::env::{Environment, LiveFuture};

/// Credentials from environment variables: `VOLCENGINE_ACCESS_KEY`, `VOLCENGINE_SECRET_KEY`
/// and optional `VOLCENGINE_SESSION_TOKEN` (the new-generation SDKs), else `VOLC_ACCESSKEY`
/// and `VOLC_SECRETKEY` (the older SDKs), read through the [`Environment`] it is asked with
/// (the process's variables with [`crate::env::SystemEnvironment`]). One of a pair without the
/// other is an error.
#[derive(Clone, Default)]
pub struct EnvCredentials {
    _private: (),
}

impl fmt::Debug for EnvCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvCredentials")
    }
}

impl EnvCredentials {
    /// Reads the variables of the environment it is asked with.
    pub fn new() -> Self {
        Self::default()
    }

    fn pair(
        env: &dyn Environment,
        ak_name: &str,
        sk_name: &str,
        token_name: Option<&str>,
    ) -> Result<ProvidedCredentials, CredentialsError> {
        let source = format!("${ak_name}/${sk_name}");
        let (ak, sk) = match (env_text(env, ak_name)?, env_text(env, sk_name)?) {
            (None, None) => return Err(CredentialsError::not_configured(source)),
            (Some(_), None) => {
                return Err(CredentialsError::invalid(
                    source,
                    format!("{ak_name} is set but {sk_name} is not"),
                ))
            }
            (None, Some(_)) => {
                return Err(CredentialsError::invalid(
                    source,
                    format!("{sk_name} is set but {ak_name} is not"),
                ))
            }
            (Some(ak), Some(sk)) => (ak, sk),
        };
        let token = match token_name {
            Some(t) => env_text(env, t)?,
            None => None,
        };
        keys(&source, ak, sk, token)
    }

    fn read(env: &dyn Environment) -> Result<ProvidedCredentials, CredentialsError> {
        match Self::pair(
            env,
            "VOLCENGINE_ACCESS_KEY",
            "VOLCENGINE_SECRET_KEY",
            Some("VOLCENGINE_SESSION_TOKEN"),
        ) {
            Err(CredentialsError::NotConfigured { mut looked_at }) => {
                match Self::pair(env, "VOLC_ACCESSKEY", "VOLC_SECRETKEY", None) {
                    Err(CredentialsError::NotConfigured { looked_at: more }) => {
                        looked_at.extend(more);
                        Err(CredentialsError::NotConfigured { looked_at })
                    }
                    other => other,
                }
            }
            other => other,
        }
    }
}

impl ProvideCredentials for EnvCredentials {
    fn provide<'a>(
        &'a self,
        env: &'a dyn Environment,
    ) -> LiveFuture<'a, Result<ProvidedCredentials, CredentialsError>> {
        ready(Self::read(env))
    }
}

/// Long-term keys (with a session token when there is one) found in `source`.
fn keys(
    source: &str,
    ak: String,
    sk: String,
    token: Option<String>,
) -> Result<ProvidedCredentials, CredentialsError> {
    let invalid = |e: volc_sign::SignError| CredentialsError::invalid(source, e.to_string());
    let mut creds = Credentials::new(ak, sk).map_err(invalid)?;
    if let Some(token) = token {
        creds = creds.with_session_token(token).map_err(invalid)?;
    }
    Ok(ProvidedCredentials::new(creds))
}
