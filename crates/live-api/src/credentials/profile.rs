//! `~/.volc/credentials` ([`ProfileFileCredentials`]), and what the file sources share: the
//! bounded read, the text, the INI keys of a profile, and the choice of profile.

use std::fmt;
use std::path::{Path, PathBuf};

use volc_sign::Credentials;

use super::ini;
use super::{env_text, CredentialsError, ProvidedCredentials, DEFAULT_PROFILE, PROFILE_VARIABLE};
use crate::bounded::BoundedReadError;
use crate::env::Environment;

/// The largest credentials file read, in bytes.
const MAX_FILE_BYTES: usize = 64 * 1024;

/// A credentials file's shown name and bytes, read through `env` (by default the one bounded
/// reader); an absent file is "not configured", anything else that cannot be read is
/// "configured but broken".
fn read_file(env: &dyn Environment, path: &Path) -> Result<(String, Vec<u8>), CredentialsError> {
    let shown = path.display().to_string();
    match env.read_file(path, MAX_FILE_BYTES) {
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
pub(super) fn file_text<'a>(shown: &str, bytes: &'a [u8]) -> Result<&'a str, CredentialsError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        // Lines end as Python ends them (`\n`, `\r\n` or `\r`), as the INI reader counts them.
        let line = 1 + ini::line_endings(&bytes[..e.valid_up_to()]);
        CredentialsError::invalid(shown, format!("line {line} is not UTF-8 text"))
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Which of a file's keys a signer's complaint is about.
pub(super) fn key_of(
    e: &volc_sign::SignError,
    access: &'static str,
    secret: &'static str,
) -> &'static str {
    match e {
        volc_sign::SignError::InvalidAccessKey { .. } => access,
        volc_sign::SignError::InvalidSecretKey { .. } => secret,
        _ => "session_token",
    }
}

/// Why an INI value read for credentials is refused, said without showing it.
fn value_problem(e: ini::ValueError) -> &'static str {
    match e {
        ini::ValueError::MultiLine => {
            "it continues on an indented line below; credentials are one line each"
        }
        ini::ValueError::Interpolation => {
            "it holds a `%` that is not `%%` (write a literal `%` as `%%`, as Python's configparser reads it)"
        }
    }
}

/// What an INI section holds for credentials; `Ok(None)` when it has neither key.
pub(super) fn ini_keys(
    shown: &str,
    ini: &ini::Ini,
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
pub(super) fn no_section(shown: &str, profile: &str) -> CredentialsError {
    CredentialsError::not_configured(format!("{shown} (no [{profile}] section)"))
}

/// The text parsed as INI, errors named by line.
pub(super) fn parse_ini(shown: &str, text: &str) -> Result<ini::Ini, CredentialsError> {
    ini::Ini::parse(text).map_err(|e| CredentialsError::invalid(shown, e.to_string()))
}

/// Parses the text of a `~/.volc/credentials` file read from `shown`, profile `[default]`.
/// For the fuzz target.
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

/// Which profile a file provider reads: one given, else `$VOLCENGINE_PROFILE` of the
/// environment it is asked with, else `default`.
#[derive(Clone)]
pub(super) enum ProfileChoice {
    Given(String),
    FromEnvironment,
}

impl fmt::Debug for ProfileChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Given(p) => write!(f, "{p:?}"),
            Self::FromEnvironment => write!(f, "${PROFILE_VARIABLE} or {DEFAULT_PROFILE:?}"),
        }
    }
}

impl ProfileChoice {
    fn resolve(&self, env: &dyn Environment) -> Result<String, CredentialsError> {
        match self {
            Self::Given(p) => Ok(p.clone()),
            Self::FromEnvironment => {
                Ok(env_text(env, PROFILE_VARIABLE)?.unwrap_or_else(|| DEFAULT_PROFILE.to_owned()))
            }
        }
    }
}

/// Where `~/.volc/credentials` is under a home directory.
pub(super) const CREDENTIALS_IN_HOME: &[&str] = &[".volc", "credentials"];

/// Where a file provider's file is: a path given, or one under the home directory of the
/// environment it is asked with.
#[derive(Clone)]
pub(super) enum FileLocation {
    Given(PathBuf),
    InHome(&'static [&'static str]),
}

impl fmt::Debug for FileLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Given(path) => write!(f, "{path:?}"),
            Self::InHome(parts) => write!(f, "{:?}", format!("~/{}", parts.join("/"))),
        }
    }
}

impl FileLocation {
    /// The path, or "not configured" when it is under a home directory and there is none.
    fn resolve(&self, env: &dyn Environment) -> Result<PathBuf, CredentialsError> {
        match self {
            Self::Given(path) => Ok(path.clone()),
            Self::InHome(parts) => match env.home_dir() {
                Some(home) => Ok(parts.iter().fold(home, |path, part| path.join(part))),
                None => Err(CredentialsError::not_configured(format!(
                    "~/{} (no home directory: HOME is unset or empty)",
                    parts.join("/")
                ))),
            },
        }
    }
}

/// What [`ProfileFileCredentials`] and [`super::ConfigFileCredentials`] share: where the file
/// is, which profile to read, and reading that profile with the file's parser.
#[derive(Clone)]
pub(super) struct ProfileFile {
    location: FileLocation,
    pub(super) profile: ProfileChoice,
}

/// A file's parser: its shown name, its bytes, the profile.
pub(super) type ParseProfile =
    fn(&str, &[u8], &str) -> Result<ProvidedCredentials, CredentialsError>;

impl ProfileFile {
    pub(super) fn new(location: FileLocation) -> Self {
        Self {
            location,
            profile: ProfileChoice::FromEnvironment,
        }
    }

    /// Reads the profile from the file, both found through `env`.
    pub(super) fn read(
        &self,
        env: &dyn Environment,
        parse: ParseProfile,
    ) -> Result<ProvidedCredentials, CredentialsError> {
        let profile = self.profile.resolve(env)?;
        let path = self.location.resolve(env)?;
        let (shown, bytes) = read_file(env, &path)?;
        parse(&shown, &bytes, &profile)
    }

    pub(super) fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("path", &self.location)
            .field("profile", &self.profile)
            .finish()
    }
}

/// The public face of a [`ProfileFile`] provider: `new`, `in_home`, `profile`, `Debug` and
/// [`ProvideCredentials`](super::ProvideCredentials), reading with `$parse`; `$in_home` is
/// where the file is under a home directory, `$shown` its name there, and `$form` says which
/// form of the file has profiles.
macro_rules! profile_file_provider {
    ($name:ident, $parse:path, $in_home:expr, $shown:literal, $form:literal) => {
        impl $name {
            #[doc = concat!("Reads `path`, profile `$VOLCENGINE_PROFILE` or `default`", $form, ".")]
            pub fn new(path: impl Into<::std::path::PathBuf>) -> Self {
                Self {
                    file: $crate::credentials::profile::ProfileFile::new(
                        $crate::credentials::profile::FileLocation::Given(path.into()),
                    ),
                }
            }

            #[doc = concat!(
                "Reads `", $shown, "`, under the home directory of the environment it is asked with ",
                "([`Environment::home_dir`](crate::env::Environment::home_dir)), as the default chain does; ",
                "profile `$VOLCENGINE_PROFILE` or `default`", $form, ". Without a home directory, ",
                "it is not configured."
            )]
            pub fn in_home() -> Self {
                Self {
                    file: $crate::credentials::profile::ProfileFile::new(
                        $crate::credentials::profile::FileLocation::InHome($in_home),
                    ),
                }
            }

            #[doc = concat!("Reads this profile (section)", $form, ", whatever `$VOLCENGINE_PROFILE` says.")]
            pub fn profile(mut self, name: impl Into<String>) -> Self {
                self.file.profile = $crate::credentials::profile::ProfileChoice::Given(name.into());
                self
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.file.debug(stringify!($name), f)
            }
        }

        impl $crate::credentials::ProvideCredentials for $name {
            fn provide<'a>(
                &'a self,
                env: &'a dyn $crate::env::Environment,
            ) -> $crate::env::LiveFuture<'a, Result<$crate::credentials::ProvidedCredentials, $crate::credentials::CredentialsError>> {
                $crate::credentials::ready(self.file.read(env, $parse))
            }
        }
    };
}

pub(super) use profile_file_provider;

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
///
/// The file (at most 64 KiB; a directory, FIFO or device is refused) and the variable are
/// read through the [`Environment`] the provider is asked with, so a
/// [`crate::env::ManualEnvironment`]'s in-memory files and variables serve in tests.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use live_api::env::ManualEnvironment;
/// use live_api::credentials::{ProfileFileCredentials, ProvideCredentials};
///
/// let env = ManualEnvironment::starting_now();
/// env.set_var("HOME", "/home/user");
/// env.set_var("VOLCENGINE_PROFILE", "prod");
/// env.set_file(
///     "/home/user/.volc/credentials",
///     "[prod]\naccess_key_id = AKLTprod\nsecret_access_key = c2VjcmV0\n",
/// );
/// let provided = ProfileFileCredentials::in_home().provide(&env).await?;
/// assert_eq!(provided.credentials.access_key_id(), "AKLTprod");
/// # Ok::<(), live_api::credentials::CredentialsError>(())
/// # }).unwrap();
/// ```
///
/// [`CredentialsChain`]: super::CredentialsChain
#[derive(Clone)]
pub struct ProfileFileCredentials {
    file: ProfileFile,
}

profile_file_provider!(
    ProfileFileCredentials,
    parse_profile_file_for,
    CREDENTIALS_IN_HOME,
    "~/.volc/credentials",
    ""
);
