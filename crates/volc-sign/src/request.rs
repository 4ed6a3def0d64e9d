//! The borrowed description of a request to sign.

use crate::encode::{is_hex64, is_token, is_valid_header_value};
use crate::SignError;

/// The body, or its hash when the caller already has it (large or streamed bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignableBody<'a> {
    /// The exact bytes that will be sent.
    Bytes(&'a [u8]),
    /// The hex SHA-256 of the bytes that will be sent (64 hex digits; upper case is accepted and
    /// signed lower-cased).
    PrecomputedSha256(&'a str),
}

/// A request to sign, borrowed from the caller: nothing is copied and nothing is changed.
///
/// - `path` is the **decoded** path (`/a b/中文`); the signer percent-encodes it per segment.
///   An empty path is signed as `/`.
/// - `query` holds **decoded** `(key, value)` pairs in request order; repeated keys are
///   allowed and keep their order. Send the query as [`crate::canonical_query_string`] writes
///   it so the server sees what was signed.
/// - `headers` are the headers the caller will send. `Content-Type`, `Content-Md5` and every
///   `X-*` header are signed (names compared without regard to case); the rest are sent
///   unsigned. `Host`, `X-Date`, `X-Content-Sha256` and `X-Security-Token` in this list are
///   ignored: the signer sets those itself from `host`, the time, the body and the credentials.
///
/// ```
/// use volc_sign::{SignableBody, SignableRequest};
///
/// let query = [("Action", "ListUsers"), ("Version", "2018-01-01")];
/// let headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")];
/// let req = SignableRequest::new("GET", "iam.volcengineapi.com", "/")
///     .query(&query)
///     .headers(&headers)
///     .body(SignableBody::Bytes(b""));
/// # let _ = req;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    pub(crate) method: &'a str,
    pub(crate) host: &'a str,
    pub(crate) path: &'a [u8],
    pub(crate) query: &'a [(&'a str, &'a str)],
    pub(crate) headers: &'a [(&'a str, &'a str)],
    pub(crate) body: SignableBody<'a>,
}

impl<'a> SignableRequest<'a> {
    /// A request with no query, no headers and an empty body.
    ///
    /// `host` is the `Host` header as sent (a `:80` or `:443` port is dropped when signing).
    pub fn new(method: &'a str, host: &'a str, path: &'a str) -> Self {
        Self {
            method,
            host,
            path: path.as_bytes(),
            query: &[],
            headers: &[],
            body: SignableBody::Bytes(&[]),
        }
    }

    /// Replaces the decoded path with raw bytes (a percent-decoded path need not be UTF-8).
    pub fn path_bytes(mut self, path: &'a [u8]) -> Self {
        self.path = path;
        self
    }

    /// Sets the decoded query pairs.
    pub fn query(mut self, query: &'a [(&'a str, &'a str)]) -> Self {
        self.query = query;
        self
    }

    /// Sets the headers the caller sends.
    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the body (or its precomputed hash).
    pub fn body(mut self, body: SignableBody<'a>) -> Self {
        self.body = body;
        self
    }

    /// Checks method, host and every header against HTTP's grammar.
    pub(crate) fn validate(&self) -> Result<(), SignError> {
        if self.method.is_empty() {
            return Err(SignError::InvalidMethod {
                reason: "it is empty",
            });
        }
        if !is_token(self.method.as_bytes()) {
            return Err(SignError::InvalidMethod {
                reason: "it is not an HTTP token",
            });
        }
        if self.host.is_empty() {
            return Err(SignError::InvalidHost {
                reason: "it is empty",
            });
        }
        if !self
            .host
            .bytes()
            .fold(true, |ok, b| ok & ((b > b' ') & (b != 0x7f)))
        {
            return Err(SignError::InvalidHost {
                reason: "it contains white space or a control character",
            });
        }
        for (name, value) in self.headers {
            if !is_token(name.as_bytes()) {
                return Err(SignError::InvalidHeaderName {
                    name: (*name).to_owned(),
                });
            }
            if !is_valid_header_value(value.as_bytes()) {
                return Err(SignError::InvalidHeaderValue {
                    name: (*name).to_owned(),
                });
            }
        }
        if let SignableBody::PrecomputedSha256(h) = self.body {
            if !is_hex64(h.as_bytes()) {
                return Err(SignError::InvalidPayloadHash);
            }
        }
        Ok(())
    }
}

/// Whether a header (by name, any case) is signed: `Content-Type`, `Content-Md5`, `Host` and
/// every name starting with `X-`.
pub fn is_signed_header(name: &str) -> bool {
    let b = name.as_bytes();
    (b.len() >= 2 && b[..2].eq_ignore_ascii_case(b"x-"))
        || name.eq_ignore_ascii_case("content-type")
        || name.eq_ignore_ascii_case("content-md5")
        || name.eq_ignore_ascii_case("host")
}

/// Headers the signer sets itself; caller-provided copies are not signed.
pub(crate) fn is_signer_owned(name: &str) -> bool {
    name.eq_ignore_ascii_case("host")
        || name.eq_ignore_ascii_case("x-date")
        || name.eq_ignore_ascii_case("x-content-sha256")
        || name.eq_ignore_ascii_case("x-security-token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_header_rule() {
        for n in [
            "Content-Type",
            "content-md5",
            "HOST",
            "X-Date",
            "x-anything",
        ] {
            assert!(is_signed_header(n), "{n}");
        }
        for n in [
            "Accept",
            "User-Agent",
            "Authorization",
            "Content-Length",
            "X",
            "xa",
        ] {
            assert!(!is_signed_header(n), "{n}");
        }
    }

    #[test]
    fn validation_errors_are_typed() {
        let base = SignableRequest::new("POST", "h", "/");
        assert!(matches!(
            SignableRequest::new("", "h", "/").validate(),
            Err(SignError::InvalidMethod { .. })
        ));
        assert!(matches!(
            SignableRequest::new("PO ST", "h", "/").validate(),
            Err(SignError::InvalidMethod { .. })
        ));
        assert!(matches!(
            SignableRequest::new("GET", "", "/").validate(),
            Err(SignError::InvalidHost { .. })
        ));
        assert!(matches!(
            SignableRequest::new("GET", "a b", "/").validate(),
            Err(SignError::InvalidHost { .. })
        ));
        let bad_name = [("X Bad", "v")];
        assert!(matches!(
            base.headers(&bad_name).validate(),
            Err(SignError::InvalidHeaderName { .. })
        ));
        let bad_value = [("X-Ok", "a\r\nX-Injected: 1")];
        let err = base.headers(&bad_value).validate().unwrap_err();
        assert!(matches!(err, SignError::InvalidHeaderValue { .. }));
        assert!(!err.to_string().contains("Injected"));
        assert!(matches!(
            base.body(SignableBody::PrecomputedSha256("abc")).validate(),
            Err(SignError::InvalidPayloadHash)
        ));
    }
}
