//! Where credentials come from: given, the environment, the files the official SDKs read, a
//! chain of those, or your own provider (e.g. STS), cached until shortly before expiry.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::bounded::{read_file_bounded, BoundedReadError};
use crate::env::{Environment, LiveFuture, SystemEnvironment};

use volc_sign::Credentials;

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
/// ```
/// use live_api::{CredentialsError, LiveFuture, ProvideCredentials, ProvidedCredentials};
///
/// #[derive(Debug)]
/// struct FromVault;
///
/// impl ProvideCredentials for FromVault {
///     fn provide(&self) -> LiveFuture<'_, Result<ProvidedCredentials, CredentialsError>> {
///         Box::pin(async {
///             let creds = volc_sign::Credentials::new("AKTPexample", "secret").unwrap()
///                 .with_session_token("STS2token").unwrap();
///             let expires = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
///             Ok(ProvidedCredentials::expiring(creds, expires))
///         })
///     }
/// }
/// ```
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with.
    fn provide(&self) -> LiveFuture<'_, Result<ProvidedCredentials, CredentialsError>>;
}

/// A provider's answer that is known at once.
fn ready(
    result: Result<ProvidedCredentials, CredentialsError>,
) -> LiveFuture<'static, Result<ProvidedCredentials, CredentialsError>> {
    Box::pin(std::future::ready(result))
}

impl ProvideCredentials for ProvidedCredentials {
    fn provide(&self) -> LiveFuture<'_, Result<ProvidedCredentials, CredentialsError>> {
        ready(Ok(self.clone()))
    }
}

impl ProvideCredentials for Credentials {
    fn provide(&self) -> LiveFuture<'_, Result<ProvidedCredentials, CredentialsError>> {
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

/// Credentials from environment variables: `VOLCENGINE_ACCESS_KEY`, `VOLCENGINE_SECRET_KEY`
/// and optional `VOLCENGINE_SESSION_TOKEN` (the new-generation SDKs), else `VOLC_ACCESSKEY`
/// and `VOLC_SECRETKEY` (the older SDKs). One of a pair without the other is an error.
#[derive(Clone)]
pub struct EnvCredentials {
    env: Arc<dyn Environment>,
}

impl fmt::Debug for EnvCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvCredentials")
    }
}

impl Default for EnvCredentials {
    fn default() -> Self {
        Self {
            env: Arc::new(SystemEnvironment),
        }
    }
}

impl EnvCredentials {
    /// Reads the process environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the variables of `env` (e.g. a [`crate::ManualEnvironment`] in tests).
    pub fn with_environment(env: Arc<dyn Environment>) -> Self {
        Self { env }
    }

    fn pair(
        &self,
        ak_name: &str,
        sk_name: &str,
        token_name: Option<&str>,
    ) -> Result<ProvidedCredentials, CredentialsError> {
        let source = format!("${ak_name}/${sk_name}");
        let env = &*self.env;
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

    fn read(&self) -> Result<ProvidedCredentials, CredentialsError> {
        match self.pair(
            "VOLCENGINE_ACCESS_KEY",
            "VOLCENGINE_SECRET_KEY",
            Some("VOLCENGINE_SESSION_TOKEN"),
        ) {
            Err(CredentialsError::NotConfigured { mut looked_at }) => {
                match self.pair("VOLC_ACCESSKEY", "VOLC_SECRETKEY", None) {
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
    fn provide(&self) -> LiveFuture<'_, Result<ProvidedCredentials, CredentialsError>> {
        ready(self.read())
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

/// The largest credentials file read, in bytes.
const MAX_FILE_BYTES: usize = 64 * 1024;

/// A credentials file's shown name and bytes, read through the one bounded reader; an absent
/// file is "not configured", anything else that cannot be read is "configured but broken".
fn read_file(path: &Path) -> Result<(String, Vec<u8>), CredentialsError> {
    let shown = path.display().to_string();
    match read_file_bounded(path, MAX_FILE_BYTES) {
        Ok(Some(bytes)) => Ok((shown, bytes)),
        Ok(None) => Err(CredentialsError::not_configured(format!(
            "{shown} (no such file)"
        ))),
        Err(e) => {
            let reason = match &e {
                BoundedReadError::NotRegularFile { kind, .. } => {
                    format!("it is {kind}, not a regular file; point it at a regular file")
                }
                BoundedReadError::TooLarge { max, .. } => format!(
                    "it is larger than {} KiB, the most read from a credentials file",
                    max / 1024
                ),
                BoundedReadError::Io { source, .. } => format!("it cannot be read: {source}"),
            };
            Err(CredentialsError::invalid(shown, reason))
        }
    }
}

/// The text of a credentials file (a leading byte-order mark dropped); bytes that are not
/// UTF-8 are reported by line number, never shown.
fn file_text<'a>(shown: &str, bytes: &'a [u8]) -> Result<&'a str, CredentialsError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        // Lines end as Python ends them (`\n`, `\r\n` or `\r`), as the INI reader counts them.
        let line = 1 + crate::ini::line_endings(&bytes[..e.valid_up_to()]);
        CredentialsError::invalid(shown, format!("line {line} is not UTF-8 text"))
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Which of a file's keys a signer's complaint is about.
fn key_of(e: &volc_sign::SignError, access: &'static str, secret: &'static str) -> &'static str {
    match e {
        volc_sign::SignError::InvalidAccessKey { .. } => access,
        volc_sign::SignError::InvalidSecretKey { .. } => secret,
        _ => "session_token",
    }
}

/// The profile read when none is chosen: the `[default]` section.
pub const DEFAULT_PROFILE: &str = "default";

/// The environment variable that chooses a profile, as the official SDKs and `volcengine-cli`
/// name it.
pub const PROFILE_VARIABLE: &str = "VOLCENGINE_PROFILE";

/// Why an INI value read for credentials is refused, said without showing it.
fn value_problem(e: crate::ini::ValueError) -> &'static str {
    match e {
        crate::ini::ValueError::MultiLine => {
            "it continues on an indented line below; credentials are one line each"
        }
        crate::ini::ValueError::Interpolation => {
            "it holds a `%` that is not `%%` (write a literal `%` as `%%`, as Python's configparser reads it)"
        }
    }
}

/// What an INI section holds for credentials; `Ok(None)` when it has neither key.
fn ini_keys(
    shown: &str,
    ini: &crate::ini::Ini,
    profile: &str,
) -> Result<Option<ProvidedCredentials>, CredentialsError> {
    const AK: &str = "access_key_id";
    const SK: &str = "secret_access_key";
    const TOKEN: &str = "session_token";
    let get = |key: &'static str| -> Result<Option<(usize, String)>, CredentialsError> {
        match ini.get(profile, key) {
            None => Ok(None),
            Some(entry) => match entry.value() {
                Ok(v) if v.is_empty() => Ok(None),
                Ok(v) => Ok(Some((entry.line, v))),
                Err(e) => Err(CredentialsError::invalid(
                    shown,
                    format!("line {}, {key}: {}", entry.line, value_problem(e)),
                )),
            },
        }
    };
    let (ak, sk) = match (get(AK)?, get(SK)?) {
        (Some(ak), Some(sk)) => (ak, sk),
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(CredentialsError::invalid(
                shown,
                format!("[{profile}] has {AK} but no {SK}"),
            ))
        }
        (None, Some(_)) => {
            return Err(CredentialsError::invalid(
                shown,
                format!("[{profile}] has {SK} but no {AK}"),
            ))
        }
    };
    let token = get(TOKEN)?;
    let token_line = token.as_ref().map_or(0, |t| t.0);
    let (ak_line, sk_line) = (ak.0, sk.0);
    let invalid = |e: volc_sign::SignError| {
        let key = key_of(&e, AK, SK);
        let line = match key {
            AK => ak_line,
            SK => sk_line,
            _ => token_line,
        };
        // The signer's reasons are fixed texts; they never quote the value.
        CredentialsError::invalid(shown, format!("line {line}, {key}: {e}"))
    };
    let mut creds = Credentials::new(ak.1, sk.1).map_err(invalid)?;
    if let Some((_, token)) = token {
        creds = creds.with_session_token(token).map_err(invalid)?;
    }
    Ok(Some(ProvidedCredentials::new(creds)))
}

/// "Not configured": `shown` has no `[profile]` section (the chain goes on to the next file).
fn no_section(shown: &str, profile: &str) -> CredentialsError {
    CredentialsError::not_configured(format!("{shown} (no [{profile}] section)"))
}

/// The text parsed as INI, errors named by line.
fn parse_ini(shown: &str, text: &str) -> Result<crate::ini::Ini, CredentialsError> {
    crate::ini::Ini::parse(text).map_err(|e| CredentialsError::invalid(shown, e.to_string()))
}

/// Parses the text of a `~/.volc/credentials` file read from `shown`, profile `[default]`.
/// For the fuzz target.
#[doc(hidden)]
pub fn parse_profile_file(
    shown: &str,
    bytes: &[u8],
) -> Result<ProvidedCredentials, CredentialsError> {
    parse_profile_file_for(shown, bytes, DEFAULT_PROFILE)
}

/// Parses the text of a `~/.volc/credentials` file (INI, read as Python's configparser reads
/// it) read from `shown`: section `[profile]` holds `access_key_id`, `secret_access_key` and
/// optionally `session_token`. A file without that section is "not configured" (so a chain
/// goes on to `~/.volc/config`); a section that is there but holds no keys, half of them or
/// bad ones is an error. Errors name `shown`, the line number and the key, never a line's
/// text.
#[doc(hidden)]
pub fn parse_profile_file_for(
    shown: &str,
    bytes: &[u8],
    profile: &str,
) -> Result<ProvidedCredentials, CredentialsError> {
    let text = file_text(shown, bytes)?;
    let ini = parse_ini(shown, text)?;
    if !ini.has_section(profile) {
        return Err(no_section(shown, profile));
    }
    ini_keys(shown, &ini, profile)?.ok_or_else(|| {
        CredentialsError::invalid(
            shown,
            format!("[{profile}] has no access_key_id and no secret_access_key"),
        )
    })
}

/// Parses the text of a `~/.volc/config` file read from `shown`, profile `[default]`. For the
/// fuzz target.
#[doc(hidden)]
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
#[doc(hidden)]
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

/// Which profile a file provider reads: one given, else `$VOLCENGINE_PROFILE` of an
/// environment, else `default`.
#[derive(Clone)]
enum ProfileChoice {
    Given(String),
    FromEnvironment(Arc<dyn Environment>),
}

impl fmt::Debug for ProfileChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Given(p) => write!(f, "{p:?}"),
            Self::FromEnvironment(_) => write!(f, "${PROFILE_VARIABLE} or {DEFAULT_PROFILE:?}"),
        }
    }
}

impl ProfileChoice {
    fn resolve(&self) -> Result<String, CredentialsError> {
        match self {
            Self::Given(p) => Ok(p.clone()),
            Self::FromEnvironment(env) => {
                Ok(env_text(&**env, PROFILE_VARIABLE)?
                    .unwrap_or_else(|| DEFAULT_PROFILE.to_owned()))
            }
        }
    }
}

/// What [`ProfileFileCredentials`] and [`ConfigFileCredentials`] share: the file, which
/// profile to read, and reading that profile with the file's parser.
#[derive(Clone)]
struct ProfileFile {
    path: PathBuf,
    profile: ProfileChoice,
}

/// A file's parser: its shown name, its bytes, the profile.
type ParseProfile = fn(&str, &[u8], &str) -> Result<ProvidedCredentials, CredentialsError>;

impl ProfileFile {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            profile: ProfileChoice::FromEnvironment(Arc::new(SystemEnvironment)),
        }
    }

    fn read(&self, parse: ParseProfile) -> Result<ProvidedCredentials, CredentialsError> {
        let profile = self.profile.resolve()?;
        let (shown, bytes) = read_file(&self.path)?;
        parse(&shown, &bytes, &profile)
    }

    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("path", &self.path)
            .field("profile", &self.profile)
            .finish()
    }
}

/// The public face of a [`ProfileFile`] provider: `new`, `profile`, `with_environment`,
/// `Debug` and [`ProvideCredentials`], reading with `$parse`; `$form` says which form of the
/// file has profiles.
macro_rules! profile_file_provider {
    ($name:ident, $parse:path, $form:literal) => {
        impl $name {
            #[doc = concat!("Reads `path`, profile `$VOLCENGINE_PROFILE` or `default`", $form, ".")]
            pub fn new(path: impl Into<PathBuf>) -> Self {
                Self {
                    file: ProfileFile::new(path.into()),
                }
            }

            #[doc = concat!("Reads this profile (section)", $form, ", whatever `$VOLCENGINE_PROFILE` says.")]
            pub fn profile(mut self, name: impl Into<String>) -> Self {
                self.file.profile = ProfileChoice::Given(name.into());
                self
            }

            /// Reads `$VOLCENGINE_PROFILE` through `env` (e.g. a [`crate::ManualEnvironment`]).
            pub fn with_environment(mut self, env: Arc<dyn Environment>) -> Self {
                self.file.profile = ProfileChoice::FromEnvironment(env);
                self
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.file.debug(stringify!($name), f)
            }
        }

        impl ProvideCredentials for $name {
            fn provide(&self) -> LiveFuture<'_, Result<ProvidedCredentials, CredentialsError>> {
                ready(self.file.read($parse))
            }
        }
    };
}

/// `~/.volc/credentials`: INI, read as Python's configparser reads it (the Python SDK's file).
/// The profile's section holds `access_key_id`, `secret_access_key` and optionally
/// `session_token`; `key: value` works as `key = value`, keys are case-insensitive, `#` and
/// `;` start comment lines, and `[DEFAULT]` is inherited. The profile is the one given with
/// [`ProfileFileCredentials::profile`], else `$VOLCENGINE_PROFILE`, else `default`.
///
/// An absent file, or one without the profile's section, is "not configured": in a
/// [`CredentialsChain`] the next provider (by default `~/.volc/config`) is asked for the same
/// profile. A section that is there but unusable (no keys, one without the other, a bad value)
/// is an error that stops the chain.
#[derive(Clone)]
pub struct ProfileFileCredentials {
    file: ProfileFile,
}

profile_file_provider!(ProfileFileCredentials, parse_profile_file_for, "");

/// `~/.volc/config`, in either form the official tools use: JSON `{"ak": …, "sk": …}` (Go,
/// Java, Python, PHP SDKs) or `{"VOLC_ACCESSKEY": …, "VOLC_SECRETKEY": …}` (the Node SDK),
/// which has no profiles; or INI as the `volc` CLI writes it, read like
/// [`ProfileFileCredentials`]. An absent file, a profile without a section there (or any
/// profile but `default` in the JSON form), or a section holding only `region` and the like is
/// "not configured", and the chain goes on.
#[derive(Clone)]
pub struct ConfigFileCredentials {
    file: ProfileFile,
}

profile_file_provider!(
    ConfigFileCredentials,
    parse_config_file_for,
    " (of the INI form)"
);

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
