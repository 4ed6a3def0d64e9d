//! `~/.volc/config` ([`ConfigFileCredentials`]), JSON as the SDKs read it or INI as the `volc`
//! CLI writes it.

use volc_sign::Credentials;

use super::profile::{
    file_text, ini_keys, key_of, no_section, parse_ini, profile_file_provider, ProfileFile,
};
use super::{CredentialsError, ProvidedCredentials, DEFAULT_PROFILE};

/// Parses the text of a `~/.volc/config` file read from `shown`, profile `[default]`. For the
/// fuzz target.
pub fn parse_config_file(
    shown: &str,
    bytes: &[u8],
) -> Result<ProvidedCredentials, CredentialsError> {
    parse_config_file_for(shown, bytes, DEFAULT_PROFILE)
}

/// Parses the text of a `~/.volc/config` file read from `shown`: JSON (it starts with `{`, or
/// is JSON at all) as the SDKs read it, for the default profile only (it has no others);
/// otherwise INI as the `volc` CLI writes it, whose `[profile]` may hold keys as
/// `~/.volc/credentials` does (no such section, or one with only `region` and the like, is
/// "not configured"). Errors name `shown`, the position, the line or the key, never the
/// file's text.
pub fn parse_config_file_for(
    shown: &str,
    bytes: &[u8],
    profile: &str,
) -> Result<ProvidedCredentials, CredentialsError> {
    let text = file_text(shown, bytes)?;
    // JSON when it opens an object, or when it is JSON at all (`["…"]`); INI otherwise.
    let parsed = serde_json::from_str::<serde_json::Value>(text);
    if parsed.is_err() && !text.trim_start().starts_with('{') {
        let ini = parse_ini(shown, text)?;
        if !ini.has_section(profile) {
            return Err(no_section(shown, profile));
        }
        return ini_keys(shown, &ini, profile)?.ok_or_else(|| {
            CredentialsError::not_configured(format!("{shown} ([{profile}] holds no credentials)"))
        });
    }
    // The SDKs' JSON form has no profiles: it holds the default profile's keys only, so a
    // chosen profile is not configured here (never the default account's keys instead).
    if profile != DEFAULT_PROFILE {
        return Err(CredentialsError::not_configured(format!(
            "{shown} (no [{profile}] section: the JSON form has no profiles)"
        )));
    }
    // serde_json's own messages are not shown (some quote what they met); only the position.
    let value: serde_json::Value = parsed.map_err(|e| {
        CredentialsError::invalid(
            shown,
            format!(
                "it is not JSON (error at line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })?;
    let field = |names: [&'static str; 2]| {
        names.into_iter().find_map(|n| {
            value
                .get(n)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(|v| (n, v))
        })
    };
    match (
        field(["ak", "VOLC_ACCESSKEY"]),
        field(["sk", "VOLC_SECRETKEY"]),
    ) {
        (Some((ak_name, ak)), Some((sk_name, sk))) => Credentials::new(ak, sk)
            .map(ProvidedCredentials::new)
            .map_err(|e| {
                let key = key_of(&e, ak_name, sk_name);
                CredentialsError::invalid(shown, format!("\"{key}\": {e}"))
            }),
        _ => Err(CredentialsError::invalid(
            shown,
            "it needs both \"ak\" and \"sk\" as strings",
        )),
    }
}

/// `~/.volc/config`, in either form the official tools use: JSON `{"ak": …, "sk": …}` (Go,
/// Java, Python, PHP SDKs) or `{"VOLC_ACCESSKEY": …, "VOLC_SECRETKEY": …}` (the Node SDK),
/// which has no profiles; or INI as the `volc` CLI writes it, read like
/// [`ProfileFileCredentials`]. An absent file, a profile without a section there (or any
/// profile but `default` in the JSON form), or a section holding only `region` and the like is
/// "not configured", and the chain goes on. The file and the variable are read through the
/// [`crate::env::Environment`] the provider is asked with, as [`ProfileFileCredentials`] reads them.
///
/// [`ProfileFileCredentials`]: super::ProfileFileCredentials
#[derive(Clone)]
pub struct ConfigFileCredentials {
    file: ProfileFile,
}

/// Where `~/.volc/config` is under a home directory.
pub(super) const CONFIG_IN_HOME: &[&str] = &[".volc", "config"];

profile_file_provider!(
    ConfigFileCredentials,
    parse_config_file_for,
    CONFIG_IN_HOME,
    "~/.volc/config",
    " (of the INI form)"
);
