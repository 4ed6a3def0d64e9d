//! Access keys: the access key id, the secret key and an optional STS session token.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::encode::is_valid_header_value;
use crate::SignError;

/// Longest access key id accepted (real ones are about 50 characters).
pub const MAX_ACCESS_KEY_LEN: usize = 128;
/// Longest secret key accepted.
pub const MAX_SECRET_KEY_LEN: usize = 1024;
/// Longest session token accepted (STS tokens are a few hundred bytes).
pub const MAX_SESSION_TOKEN_LEN: usize = 8192;

/// An access key: the access key id, the secret key and, for temporary (STS) credentials, a
/// session token.
///
/// `Debug` shows the access key id only; the secret key and the token are redacted, and both
/// are wiped from memory when the value is dropped.
///
/// ```
/// use volc_sign::Credentials;
///
/// let creds = Credentials::new("AKLTexample", "c2VjcmV0")?
///     .with_session_token("STS2example")?;
/// let shown = format!("{creds:?}");
/// assert!(shown.contains("AKLTexample"));
/// assert!(!shown.contains("c2VjcmV0") && !shown.contains("STS2example"));
/// # Ok::<(), volc_sign::SignError>(())
/// ```
///
/// Cloning is cheap (the keys are shared, not copied).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    inner: Arc<Keys>,
}

#[derive(PartialEq, Eq)]
struct Keys {
    access_key_id: String,
    secret_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
}

impl Credentials {
    /// Long-term credentials from an access key id and a secret key.
    ///
    /// The access key id must be non-empty, at most [`MAX_ACCESS_KEY_LEN`] bytes of visible
    /// ASCII other than `/` and `,` (they would break the `Credential=` grammar); the secret key
    /// must be non-empty and at most [`MAX_SECRET_KEY_LEN`] bytes. The secret is used as given:
    /// a base64-looking secret is **not** decoded.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Result<Self, SignError> {
        let access_key_id = access_key_id.into();
        let secret_key = Zeroizing::new(secret_key.into());
        validate_access_key_id(&access_key_id)?;
        if secret_key.is_empty() {
            return Err(SignError::InvalidSecretKey {
                reason: "it is empty",
            });
        }
        if secret_key.len() > MAX_SECRET_KEY_LEN {
            return Err(SignError::InvalidSecretKey {
                reason: "it is longer than 1024 bytes",
            });
        }
        Ok(Self {
            inner: Arc::new(Keys {
                access_key_id,
                secret_key,
                session_token: None,
            }),
        })
    }

    /// Adds an STS session token; it is sent as `X-Security-Token` and signed.
    ///
    /// The token must be non-empty, at most [`MAX_SESSION_TOKEN_LEN`] bytes, a valid HTTP
    /// header value without leading or trailing white space.
    pub fn with_session_token(self, token: impl Into<String>) -> Result<Self, SignError> {
        let token = Zeroizing::new(token.into());
        let reason = if token.is_empty() {
            Some("it is empty")
        } else if token.len() > MAX_SESSION_TOKEN_LEN {
            Some("it is longer than 8192 bytes")
        } else if !is_valid_header_value(token.as_bytes()) {
            Some("it contains a control character")
        } else if token.trim() != token.as_str() {
            Some("it has leading or trailing white space")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(SignError::InvalidSessionToken { reason });
        }
        Ok(Self {
            inner: Arc::new(Keys {
                access_key_id: self.inner.access_key_id.clone(),
                secret_key: self.inner.secret_key.clone(),
                session_token: Some(token),
            }),
        })
    }

    /// The access key id (not secret).
    pub fn access_key_id(&self) -> &str {
        &self.inner.access_key_id
    }

    /// The secret key. Handle with care: never log it.
    pub fn secret_key(&self) -> &str {
        &self.inner.secret_key
    }

    /// The STS session token, if these are temporary credentials. Never log it.
    pub fn session_token(&self) -> Option<&str> {
        self.inner.session_token.as_deref().map(String::as_str)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.inner.access_key_id)
            .field("secret_key", &"<redacted>")
            .field(
                "session_token",
                &self.inner.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

pub(crate) fn validate_access_key_id(ak: &str) -> Result<(), SignError> {
    let reason = if ak.is_empty() {
        "it is empty"
    } else if ak.len() > MAX_ACCESS_KEY_LEN {
        "it is longer than 128 bytes"
    } else if !ak
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'/' && b != b',')
    {
        "only visible ASCII other than '/' and ',' is allowed"
    } else {
        return Ok(());
    };
    Err(SignError::InvalidAccessKey { reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_keys_with_typed_errors() {
        assert!(matches!(
            Credentials::new("", "s"),
            Err(SignError::InvalidAccessKey { .. })
        ));
        assert!(matches!(
            Credentials::new("AK LT", "s"),
            Err(SignError::InvalidAccessKey { .. })
        ));
        assert!(matches!(
            Credentials::new("AK/1", "s"),
            Err(SignError::InvalidAccessKey { .. })
        ));
        assert!(matches!(
            Credentials::new("AK", ""),
            Err(SignError::InvalidSecretKey { .. })
        ));
        let ok = Credentials::new("AK", "s").unwrap();
        assert!(matches!(
            ok.clone().with_session_token(""),
            Err(SignError::InvalidSessionToken { .. })
        ));
        assert!(matches!(
            ok.clone().with_session_token("a\r\nb"),
            Err(SignError::InvalidSessionToken { .. })
        ));
        assert!(matches!(
            ok.with_session_token(" t"),
            Err(SignError::InvalidSessionToken { .. })
        ));
    }

    #[test]
    fn debug_redacts_secret_and_token() {
        let c = Credentials::new("AKID", "TOPSECRETKEY")
            .unwrap()
            .with_session_token("SESSIONTOKENVALUE")
            .unwrap();
        let d = format!("{c:?} {c:#?}");
        assert!(d.contains("AKID"));
        assert!(!d.contains("TOPSECRETKEY"));
        assert!(!d.contains("SESSIONTOKENVALUE"));
    }
}
