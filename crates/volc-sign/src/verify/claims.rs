//! What a signed request claims (who signed it, for which scope, when, over which headers and
//! query parameters, with which signature), read from either form: the `Authorization` header
//! or a presigned query string. Everything after this point is one pipeline for both forms
//! (see the verifier).

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::authorization::{
    check_signed_headers, parse_authorization, ParsedAuthorization, MAX_AUTHORIZATION_LEN,
    MAX_SIGNED_HEADERS,
};
use super::error::{malformed, VerifyError, VerifyErrorKind};
use crate::canonical::{HeaderEntry, ALGORITHM, EMPTY_PAYLOAD_SHA256};
use crate::encode::{canonical_host, hex32, trim_ows};
use crate::presign::MAX_PRESIGN_EXPIRY;
use crate::scope::parse_credential;
use crate::uri::{request_host, DecodedUri};
use crate::SigningTime;

/// The lifetime of a presigned URL without `X-Expires`.
pub const DEFAULT_PRESIGN_EXPIRY: Duration = Duration::from_secs(900);

/// Query parameters a presigned URL must sign whenever it sends them.
const MUST_SIGN: [&str; 7] = [
    "X-Algorithm",
    "X-Credential",
    "X-Date",
    "X-Expires",
    "X-Security-Token",
    "X-SignedHeaders",
    "X-SignedQueries",
];

/// A received request, as verification reads it.
pub(super) struct Received<'a> {
    pub(super) method: &'a http::Method,
    pub(super) uri: &'a http::Uri,
    pub(super) headers: &'a http::HeaderMap,
    pub(super) body: &'a [u8],
    pub(super) decoded: DecodedUri<'a>,
}

impl<'a> Received<'a> {
    pub(super) fn new(
        method: &'a http::Method,
        uri: &'a http::Uri,
        headers: &'a http::HeaderMap,
        body: &'a [u8],
    ) -> Self {
        Self {
            method,
            uri,
            headers,
            body,
            decoded: DecodedUri::new(uri),
        }
    }

    /// The one value of a header, `None` when absent; two or more is an error.
    fn single_header(&self, name: &str) -> Result<Option<&'a http::HeaderValue>, VerifyError> {
        let mut values = self.headers.get_all(name).iter();
        let first = values.next();
        if values.next().is_some() {
            return Err(malformed(format!("header {name:?} is sent more than once")));
        }
        Ok(first)
    }

    /// The one value of a query parameter, `None` when absent; two or more is an error.
    fn query_once<'s>(&'s self, key: &'s str) -> Result<Option<&'s str>, VerifyError> {
        let mut values = self.decoded.values(key);
        let first = values.next();
        if values.next().is_some() {
            return Err(malformed(format!("the query repeats {key}")));
        }
        Ok(first)
    }
}

/// Where the signature travelled.
pub(super) enum Form<'a> {
    /// In the `Authorization` header; the signed headers carry `X-Date` and the token.
    Header,
    /// In the query string; `signed_queries` is the `X-SignedQueries` list.
    Presigned { signed_queries: Vec<&'a str> },
}

/// The claims of a signed request, read from either form and checked for shape (grammar,
/// bounds, what must be signed, the credential's date against `X-Date`); not yet for time,
/// key, token or signature.
pub(super) struct Claims<'a> {
    pub(super) form: Form<'a>,
    /// The access key id, credential scope, signed header list and signature.
    pub(super) auth: ParsedAuthorization<'a>,
    /// The `X-Date` text, as signed.
    pub(super) x_date: &'a str,
    /// `X-Date`, parsed.
    pub(super) time: SigningTime,
    /// A presigned URL's lifetime; `None` for a header-signed request, whose age is bounded
    /// by the skew window.
    pub(super) expires: Option<Duration>,
}

impl<'a> Claims<'a> {
    /// Reads the claims of either form: the `Authorization` header when sent, else a
    /// presigned query (one with `X-Signature`).
    pub(super) fn read(req: &'a Received<'a>) -> Result<Self, VerifyError> {
        let mut auth_values = req.headers.get_all(http::header::AUTHORIZATION).iter();
        let Some(auth) = auth_values.next() else {
            if req.decoded.has_key("X-Signature") {
                return Self::from_query(req);
            }
            return Err(VerifyError::new(
                VerifyErrorKind::MissingAuthorization,
                "the request has no Authorization header",
            ));
        };
        if auth_values.next().is_some() {
            return Err(malformed(
                "the request has more than one Authorization header",
            ));
        }
        Self::from_header(req, auth)
    }

    fn from_header(
        req: &'a Received<'a>,
        auth: &'a http::HeaderValue,
    ) -> Result<Self, VerifyError> {
        let auth = auth
            .to_str()
            .map_err(|_| malformed("the Authorization header is not visible ASCII"))?;
        let parsed = parse_authorization(auth)?;
        if !parsed.signed_header_names().any(|n| n == "x-date") {
            return Err(malformed("SignedHeaders must include x-date"));
        }
        if req.headers.contains_key("x-security-token")
            && !parsed
                .signed_header_names()
                .any(|n| n == "x-security-token")
        {
            return Err(malformed(
                "X-Security-Token is sent but not listed in SignedHeaders",
            ));
        }
        let x_date = req.single_header("x-date")?.ok_or_else(|| {
            VerifyError::new(
                VerifyErrorKind::MissingDate,
                "the request has no X-Date header",
            )
        })?;
        let x_date = x_date.to_str().unwrap_or_default();
        let time = dated(&parsed, x_date)?;
        Ok(Self {
            form: Form::Header,
            auth: parsed,
            x_date,
            time,
            expires: None,
        })
    }

    fn from_query(req: &'a Received<'a>) -> Result<Self, VerifyError> {
        let raw_query_len = req.uri.query().map_or(0, str::len);
        if raw_query_len > 4 * MAX_AUTHORIZATION_LEN {
            return Err(malformed("the presigned query is longer than 16384 bytes"));
        }
        let required = |key: &'static str| -> Result<&'a str, VerifyError> {
            req.query_once(key)?
                .ok_or_else(|| malformed(format!("the presigned query has no {key}")))
        };
        if required("X-Algorithm")? != ALGORITHM {
            return Err(malformed("X-Algorithm must be HMAC-SHA256"));
        }
        let credential = parse_credential(required("X-Credential")?).map_err(malformed)?;
        let signed_queries = required("X-SignedQueries")?;
        let signed_headers = req.query_once("X-SignedHeaders")?.unwrap_or_default();
        let parsed =
            ParsedAuthorization::new(credential, signed_headers, required("X-Signature")?)?;
        let x_date = req.query_once("X-Date")?.ok_or_else(|| {
            VerifyError::new(
                VerifyErrorKind::MissingDate,
                "the presigned query has no X-Date",
            )
        })?;
        let signed: Vec<&str> = signed_queries.split(';').collect();
        if signed.len() > 4 * MAX_SIGNED_HEADERS {
            return Err(malformed("X-SignedQueries lists too many parameters"));
        }
        for must in MUST_SIGN {
            if req.decoded.has_key(must) && !signed.contains(&must) {
                return Err(malformed(format!("{must} is sent but not signed")));
            }
        }
        for name in &signed {
            if *name == "X-Signature" || !req.decoded.has_key(name) {
                return Err(malformed(format!(
                    "X-SignedQueries lists {name:?}, which is not a signed parameter of the query"
                )));
            }
        }
        if !signed_headers.is_empty() {
            check_signed_headers(signed_headers)?;
        }
        let time = dated(&parsed, x_date)?;
        let expires = match req.query_once("X-Expires")? {
            None => DEFAULT_PRESIGN_EXPIRY,
            Some(e) => e
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs)
                .filter(|d| *d <= MAX_PRESIGN_EXPIRY && !d.is_zero())
                .ok_or_else(|| malformed("X-Expires must be 1 to 604800 seconds"))?,
        };
        Ok(Self {
            form: Form::Presigned {
                signed_queries: signed,
            },
            auth: parsed,
            x_date,
            time,
            expires: Some(expires),
        })
    }

    /// Whether the signature came in the query string.
    pub(super) fn is_presigned(&self) -> bool {
        matches!(self.form, Form::Presigned { .. })
    }

    /// The signed header names, in their listed order (none for a presigned URL that signs
    /// no header).
    pub(super) fn signed_header_names(&self) -> impl Iterator<Item = &'a str> + '_ {
        let list = self.auth.signed_headers;
        list.split(';').filter(move |_| !list.is_empty())
    }

    /// The session token sent with the request: the `X-Security-Token` header or query
    /// parameter.
    pub(super) fn session_token(
        &self,
        req: &'a Received<'a>,
    ) -> Result<Option<&'a [u8]>, VerifyError> {
        Ok(match self.form {
            Form::Header => req.single_header("x-security-token")?.map(|v| v.as_bytes()),
            Form::Presigned { .. } => req.query_once("X-Security-Token")?.map(str::as_bytes),
        })
    }

    /// The payload hash the signature covers: the received body's for a header-signed
    /// request (which must equal `X-Content-Sha256` when that is sent), the empty body's for
    /// a presigned URL.
    pub(super) fn payload_hash(&self, req: &Received<'_>) -> Result<[u8; 64], VerifyError> {
        match self.form {
            Form::Header => {
                let body_hash = hex32(&Sha256::digest(req.body));
                if let Some(claimed) = req.single_header("x-content-sha256")? {
                    if !claimed.as_bytes().eq_ignore_ascii_case(&body_hash) {
                        return Err(VerifyError::new(
                            VerifyErrorKind::SignatureMismatch,
                            "X-Content-Sha256 is not the SHA-256 of the body",
                        ));
                    }
                }
                Ok(body_hash)
            }
            Form::Presigned { .. } => {
                let mut empty = [0; 64];
                empty.copy_from_slice(EMPTY_PAYLOAD_SHA256.as_bytes());
                Ok(empty)
            }
        }
    }

    /// The canonical request's headers: each listed name with the value received, trimmed
    /// (and, for `host`, without a default port), in the listed order.
    ///
    /// A header-signed request must send each listed header once; an absent `Host` is taken
    /// from the URI's authority, else signed empty. A presigned URL takes `Host` as
    /// [`request_host`] finds it.
    pub(super) fn header_entries(
        &self,
        req: &'a Received<'a>,
    ) -> Result<Vec<HeaderEntry<'a>>, VerifyError> {
        let mut entries = Vec::with_capacity(8);
        for name in self.signed_header_names() {
            let value = if name == "host" {
                match self.form {
                    Form::Header => Some(match req.single_header("host")? {
                        Some(h) => h.as_bytes(),
                        None => request_host(req.headers, req.uri).unwrap_or_default(),
                    }),
                    Form::Presigned { .. } => request_host(req.headers, req.uri),
                }
            } else {
                req.single_header(name)?.map(|v| v.as_bytes())
            };
            let value = value.ok_or_else(|| {
                let list = match self.form {
                    Form::Header => "SignedHeaders",
                    Form::Presigned { .. } => "X-SignedHeaders",
                };
                VerifyError::new(
                    VerifyErrorKind::MissingSignedHeader,
                    format!("header {name:?} is listed in {list} but not sent"),
                )
            })?;
            let value = trim_ows(value);
            let value = if name == "host" {
                canonical_host(value)
            } else {
                value
            };
            entries.push(HeaderEntry { name, value });
        }
        Ok(entries)
    }

    /// The canonical request's query, sorted: every parameter of a header-signed request;
    /// the parameters `X-SignedQueries` lists of a presigned URL.
    pub(super) fn canonical_query(&self, req: &'a Received<'a>) -> Vec<(&'a str, &'a str)> {
        match &self.form {
            Form::Header => req.decoded.sorted_pairs(|_| true),
            Form::Presigned { signed_queries } => {
                req.decoded.sorted_pairs(|k| signed_queries.contains(&k))
            }
        }
    }
}

/// Parses `X-Date` and checks the credential is of its date.
fn dated(auth: &ParsedAuthorization<'_>, x_date: &str) -> Result<SigningTime, VerifyError> {
    let time = SigningTime::parse(x_date).map_err(|_| {
        VerifyError::new(
            VerifyErrorKind::MalformedDate,
            "X-Date must be YYYYMMDD'T'HHMMSS'Z' (UTC)",
        )
    })?;
    if auth.date != time.date() {
        return Err(VerifyError::new(
            VerifyErrorKind::CredentialDateMismatch,
            format!(
                "the credential's date {} is not the date of X-Date {}",
                auth.date,
                time.as_str()
            ),
        ));
    }
    Ok(time)
}
