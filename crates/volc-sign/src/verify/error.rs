//! Why a request failed verification, and what a Volcengine gateway answers for each reason:
//! its error code, `CodeN` and HTTP status, written once in one table.

use std::fmt;

/// Declares [`VerifyErrorKind`] from its table, so the list of kinds, their codes, statuses
/// and [`VerifyErrorKind::ALL`] cannot drift apart.
macro_rules! kinds {
    ($( $(#[$doc:meta])* $kind:ident => $code:literal, $status:literal, $code_n:expr; )*) => {
        /// Why a request failed verification. Each kind maps to the error a Volcengine gateway
        /// returns: [`VerifyErrorKind::code`], [`VerifyErrorKind::http_status`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum VerifyErrorKind {
            $( $(#[$doc])* $kind, )*
        }

        impl VerifyErrorKind {
            /// Every kind the verifier can produce, in declaration order: the list to check
            /// against a table of gateway codes, or to enumerate in a test. It is generated
            /// with the enum, so a new kind is in it.
            ///
            /// ```
            /// use volc_sign::VerifyErrorKind;
            ///
            /// assert!(VerifyErrorKind::ALL.contains(&VerifyErrorKind::SignatureMismatch));
            /// for kind in VerifyErrorKind::ALL {
            ///     assert!(matches!(kind.http_status(), 400 | 401 | 404), "{kind:?}");
            /// }
            /// ```
            pub const ALL: &'static [VerifyErrorKind] = &[ $( VerifyErrorKind::$kind, )* ];

            /// The gateway error code, e.g. `SignatureDoesNotMatch`.
            pub fn code(self) -> &'static str {
                match self {
                    $( VerifyErrorKind::$kind => $code, )*
                }
            }

            /// The numeric `CodeN`, where the documentation gives one.
            pub fn code_n(self) -> Option<u32> {
                match self {
                    $( VerifyErrorKind::$kind => $code_n, )*
                }
            }

            /// The HTTP status the gateway answers with.
            pub fn http_status(self) -> u16 {
                match self {
                    $( VerifyErrorKind::$kind => $status, )*
                }
            }
        }
    };
}

kinds! {
    /// No `Authorization` header and no presigned query: `MissingAuthenticationToken` (401).
    MissingAuthorization => "MissingAuthenticationToken", 401, None;
    /// `Authorization` (or the presigned query) does not follow the grammar, is too long, or
    /// leaves something that must be signed unsigned: `InvalidAuthorization` (400).
    MalformedAuthorization => "InvalidAuthorization", 400, None;
    /// No `X-Date`: `MissingRequestInfo` (400).
    MissingDate => "MissingRequestInfo", 400, Some(100_004);
    /// `X-Date` is not `YYYYMMDD'T'HHMMSS'Z'`: `InvalidTimestamp` (400).
    MalformedDate => "InvalidTimestamp", 400, Some(100_006);
    /// The credential's date is not the date of `X-Date`: `InvalidCredential` (400).
    CredentialDateMismatch => "InvalidCredential", 400, None;
    /// The signature is older than the skew window (or the presigned URL expired):
    /// `InvalidTimestamp` (400).
    Expired => "InvalidTimestamp", 400, Some(100_006);
    /// The signature is dated too far in the future: `InvalidTimestamp` (400).
    FromFuture => "InvalidTimestamp", 400, Some(100_006);
    /// The access key id is unknown: `InvalidAccessKey` (401).
    UnknownAccessKey => "InvalidAccessKey", 401, Some(100_009);
    /// The session token is missing, unexpected or wrong: `InvalidSecretToken` (401).
    InvalidSessionToken => "InvalidSecretToken", 401, None;
    /// A header listed in `SignedHeaders` is absent: `MissingRequestInfo` (400).
    MissingSignedHeader => "MissingRequestInfo", 400, Some(100_004);
    /// The signature does not match, or `X-Content-Sha256` is not the body's hash:
    /// `SignatureDoesNotMatch` (401).
    SignatureMismatch => "SignatureDoesNotMatch", 401, Some(100_010);
    /// The scope names another service: `ServiceNotFound` (404).
    ServiceMismatch => "ServiceNotFound", 404, Some(100_007);
}

/// A failed verification: its kind (and so its gateway code and status) and a message that
/// says what was wrong. Never holds a secret, a signature or a header value.
///
/// ```
/// use volc_sign::{parse_authorization, VerifyErrorKind};
///
/// let err = parse_authorization("HMAC-SHA256 Credential=AK").unwrap_err();
/// assert_eq!(err.kind(), VerifyErrorKind::MalformedAuthorization);
/// assert_eq!(err.code(), "InvalidAuthorization");
/// assert_eq!(err.http_status(), 400);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    kind: VerifyErrorKind,
    message: String,
}

impl VerifyError {
    pub(crate) fn new(kind: VerifyErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> VerifyErrorKind {
        self.kind
    }

    /// The gateway error code, e.g. `SignatureDoesNotMatch`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The numeric `CodeN`, where the documentation gives one.
    pub fn code_n(&self) -> Option<u32> {
        self.kind.code_n()
    }

    /// The HTTP status to answer with.
    pub fn http_status(&self) -> u16 {
        self.kind.http_status()
    }

    /// The explanation, without the code.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for VerifyError {}

/// A [`VerifyErrorKind::MalformedAuthorization`] error.
pub(crate) fn malformed(message: impl Into<String>) -> VerifyError {
    VerifyError::new(VerifyErrorKind::MalformedAuthorization, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_each_kind_once() {
        assert!(VerifyErrorKind::ALL.contains(&VerifyErrorKind::MissingAuthorization));
        assert!(VerifyErrorKind::ALL.contains(&VerifyErrorKind::ServiceMismatch));
        for (i, a) in VerifyErrorKind::ALL.iter().enumerate() {
            assert!(!VerifyErrorKind::ALL[i + 1..].contains(a), "{a:?} twice");
        }
    }

    #[test]
    fn kinds_sharing_a_code_share_its_status_and_code_n() {
        for a in VerifyErrorKind::ALL {
            for b in VerifyErrorKind::ALL.iter().filter(|b| b.code() == a.code()) {
                assert_eq!(a.http_status(), b.http_status(), "{a:?} {b:?}");
                assert_eq!(a.code_n(), b.code_n(), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn display_is_code_then_message() {
        let e = VerifyError::new(VerifyErrorKind::Expired, "too old");
        assert_eq!(e.to_string(), "InvalidTimestamp: too old");
        assert_eq!(
            (e.code(), e.code_n(), e.http_status(), e.message()),
            ("InvalidTimestamp", Some(100_006), 400, "too old")
        );
    }
}
