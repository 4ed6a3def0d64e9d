//! The error returned when a request cannot be signed.

/// Why a request could not be signed or presigned.
///
/// Every variant names the offending part of the input but never carries a secret: header
/// values, the secret key and the session token are never part of the message.
///
/// ```
/// use volc_sign::{Credentials, SignError};
///
/// let err = Credentials::new("", "secret").unwrap_err();
/// assert!(matches!(err, SignError::InvalidAccessKey { .. }));
/// assert_eq!(err.to_string(), "invalid access key id: it is empty");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The access key id is empty or contains characters that cannot appear in a credential.
    #[error("invalid access key id: {reason}")]
    InvalidAccessKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The secret key is empty.
    #[error("invalid secret key: {reason}")]
    InvalidSecretKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The session token cannot be sent as an HTTP header value.
    #[error("invalid session token: {reason}")]
    InvalidSessionToken {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The region of the credential scope is invalid.
    #[error("invalid region {value:?}: {reason}")]
    InvalidRegion {
        /// The region as given (it is not secret).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The service of the credential scope is invalid.
    #[error("invalid service {value:?}: {reason}")]
    InvalidService {
        /// The service as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The HTTP method is empty or not an HTTP token.
    #[error("invalid HTTP method: {reason}")]
    InvalidMethod {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The host is empty or cannot be sent as a `Host` header.
    #[error("invalid host: {reason}")]
    InvalidHost {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header name is not a valid HTTP field name.
    #[error("invalid header name {name:?}")]
    InvalidHeaderName {
        /// The name as given.
        name: String,
    },
    /// A header value contains bytes HTTP does not allow (control characters, CR, LF).
    ///
    /// The value itself is not repeated: it may be a secret.
    #[error("invalid value for header {name:?}: it contains a control character")]
    InvalidHeaderValue {
        /// The header's name.
        name: String,
    },
    /// A header that is signed appears more than once; which value to sign would be ambiguous.
    #[error("header {name:?} is signed and appears more than once; send it once")]
    DuplicateHeader {
        /// The header's name, lower-cased.
        name: String,
    },
    /// A precomputed payload hash is not 64 hexadecimal digits.
    #[error("invalid precomputed payload hash: expected 64 lower-case hex digits")]
    InvalidPayloadHash,
    /// The signing time cannot be written as `YYYYMMDD'T'HHMMSS'Z'`.
    #[error("invalid signing time: {reason}")]
    InvalidTime {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The request's URI cannot be signed (for example it has no host).
    #[error("invalid request URI: {reason}")]
    InvalidUri {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A presigned URL's lifetime is out of range.
    #[error("invalid presign expiry: {reason}")]
    InvalidExpiry {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A signed header could not be written into an `http::HeaderMap`.
    #[error("cannot set header {name:?} on the request")]
    HeaderNotSettable {
        /// The header's name.
        name: &'static str,
    },
}
