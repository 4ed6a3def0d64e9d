//! Server-side verification of signed and presigned requests.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::cache::SigningKeyCache;
use crate::canonical::{
    compute_signature, CanonicalParts, HeaderEntry, StringToSign, ALGORITHM, EMPTY_PAYLOAD_SHA256,
};
use crate::credentials::validate_access_key_id;
use crate::encode::{canonical_host, hex32, is_token, trim_ows};
use crate::http_request::{request_host, DecodedUri};
use crate::presign::MAX_PRESIGN_EXPIRY;
use crate::scope::scope_part_problem;
use crate::signer::scope_pieces;
use crate::{Credentials, SigningTime};

/// The longest `Authorization` header accepted.
pub const MAX_AUTHORIZATION_LEN: usize = 4096;
/// The most headers `SignedHeaders` may list.
pub const MAX_SIGNED_HEADERS: usize = 64;
/// The longest header name `SignedHeaders` may list.
pub const MAX_SIGNED_HEADER_NAME_LEN: usize = 128;
/// The default tolerance between the request's `X-Date` and the server's clock: 15 minutes.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(15 * 60);
/// The lifetime of a presigned URL without `X-Expires`.
pub const DEFAULT_PRESIGN_EXPIRY: Duration = Duration::from_secs(900);

/// Why a request failed verification. Each kind maps to the error a Volcengine gateway
/// returns: [`VerifyErrorKind::code`], [`VerifyErrorKind::http_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VerifyErrorKind {
    /// No `Authorization` header and no presigned query: `MissingAuthenticationToken` (401).
    MissingAuthorization,
    /// `Authorization` (or the presigned query) does not follow the grammar, is too long, or
    /// leaves something that must be signed unsigned: `InvalidAuthorization` (400).
    MalformedAuthorization,
    /// No `X-Date`: `MissingRequestInfo` (400).
    MissingDate,
    /// `X-Date` is not `YYYYMMDD'T'HHMMSS'Z'`: `InvalidTimestamp` (400).
    MalformedDate,
    /// The credential's date is not the date of `X-Date`: `InvalidCredential` (400).
    CredentialDateMismatch,
    /// The signature is older than the skew window (or the presigned URL expired):
    /// `InvalidTimestamp` (400).
    Expired,
    /// The signature is dated too far in the future: `InvalidTimestamp` (400).
    FromFuture,
    /// The access key id is unknown: `InvalidAccessKey` (401).
    UnknownAccessKey,
    /// The session token is missing, unexpected or wrong: `InvalidSecretToken` (401).
    InvalidSessionToken,
    /// A header listed in `SignedHeaders` is absent: `MissingRequestInfo` (400).
    MissingSignedHeader,
    /// The signature does not match, or `X-Content-Sha256` is not the body's hash:
    /// `SignatureDoesNotMatch` (401).
    SignatureMismatch,
    /// The scope names another service: `ServiceNotFound` (404).
    ServiceMismatch,
}

impl VerifyErrorKind {
    /// The gateway error code, e.g. `SignatureDoesNotMatch`.
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingAuthorization => "MissingAuthenticationToken",
            Self::MalformedAuthorization => "InvalidAuthorization",
            Self::MissingDate | Self::MissingSignedHeader => "MissingRequestInfo",
            Self::MalformedDate | Self::Expired | Self::FromFuture => "InvalidTimestamp",
            Self::CredentialDateMismatch => "InvalidCredential",
            Self::UnknownAccessKey => "InvalidAccessKey",
            Self::InvalidSessionToken => "InvalidSecretToken",
            Self::SignatureMismatch => "SignatureDoesNotMatch",
            Self::ServiceMismatch => "ServiceNotFound",
        }
    }

    /// The numeric `CodeN`, where the documentation gives one.
    pub fn code_n(self) -> Option<u32> {
        match self.code() {
            "MissingRequestInfo" => Some(100_004),
            "InvalidTimestamp" => Some(100_006),
            "ServiceNotFound" => Some(100_007),
            "InvalidAccessKey" => Some(100_009),
            "SignatureDoesNotMatch" => Some(100_010),
            _ => None,
        }
    }

    /// The HTTP status the gateway answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::MissingAuthorization
            | Self::UnknownAccessKey
            | Self::InvalidSessionToken
            | Self::SignatureMismatch => 401,
            Self::ServiceMismatch => 404,
            _ => 400,
        }
    }
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

fn malformed(message: impl Into<String>) -> VerifyError {
    VerifyError::new(VerifyErrorKind::MalformedAuthorization, message)
}

/// An `Authorization` header, parsed. Borrowed from the header text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// The credential's date, `YYYYMMDD`.
    pub date: &'a str,
    /// The credential's region.
    pub region: &'a str,
    /// The credential's service.
    pub service: &'a str,
    /// The `SignedHeaders` value, exactly as written.
    pub signed_headers: &'a str,
    signature: &'a str,
}

impl ParsedAuthorization<'_> {
    /// The names listed in `SignedHeaders`, in their order.
    pub fn signed_header_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.signed_headers.split(';')
    }
}

/// Parses `HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/request, SignedHeaders=a;b,
/// Signature=HEX`, strictly: the algorithm and the three parts in this order, separated by `", "`
/// (or `","`), lengths bounded ([`MAX_AUTHORIZATION_LEN`], [`MAX_SIGNED_HEADERS`] names of
/// lower-case HTTP tokens, no repeats), a 64-digit lower-case hex signature.
///
/// ```
/// let auth = volc_sign::parse_authorization(
///     "HMAC-SHA256 Credential=AKLT1/20240520/cn-north-1/live/request, SignedHeaders=host;x-date, Signature=530ad9c13a7a5d2f67b6f27f7f457717e1a585e4ad555c96b1b58364667a396d",
/// )?;
/// assert_eq!(auth.access_key_id, "AKLT1");
/// assert_eq!(auth.signed_header_names().collect::<Vec<_>>(), ["host", "x-date"]);
/// # Ok::<(), volc_sign::VerifyError>(())
/// ```
pub fn parse_authorization(header: &str) -> Result<ParsedAuthorization<'_>, VerifyError> {
    if header.len() > MAX_AUTHORIZATION_LEN {
        return Err(malformed(
            "the Authorization header is longer than 4096 bytes",
        ));
    }
    let rest = header
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| malformed("the Authorization header must start with 'HMAC-SHA256 '"))?;
    let rest = rest
        .strip_prefix("Credential=")
        .ok_or_else(|| malformed("expected 'Credential=' after the algorithm"))?;
    let (credential, rest) = split_part(rest, "SignedHeaders=")?;
    let (signed_headers, rest) = split_part(rest, "Signature=")?;
    let signature = rest;
    check_signed_headers(signed_headers)?;
    ParsedAuthorization::new(parse_credential(credential)?, signed_headers, signature)
}

impl<'a> ParsedAuthorization<'a> {
    /// Assembles the parts, checking the signature is 64 lower-case hex digits.
    fn new(
        (access_key_id, date, region, service): (&'a str, &'a str, &'a str, &'a str),
        signed_headers: &'a str,
        signature: &'a str,
    ) -> Result<Self, VerifyError> {
        if signature.len() != 64
            || !signature
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(malformed("the signature must be 64 lower-case hex digits"));
        }
        Ok(Self {
            access_key_id,
            date,
            region,
            service,
            signed_headers,
            signature,
        })
    }
}

/// Splits `value, NEXT=rest` into `value` and `rest`.
fn split_part<'a>(s: &'a str, next: &str) -> Result<(&'a str, &'a str), VerifyError> {
    let comma = s
        .find(',')
        .ok_or_else(|| malformed(format!("expected ', {next}' in the Authorization header")))?;
    let (value, after) = s.split_at(comma);
    let after = &after[1..];
    let after = after.strip_prefix(' ').unwrap_or(after);
    let rest = after
        .strip_prefix(next)
        .ok_or_else(|| malformed(format!("expected '{next}' in the Authorization header")))?;
    Ok((value, rest))
}

/// `AK/YYYYMMDD/region/service/request`.
fn parse_credential(c: &str) -> Result<(&str, &str, &str, &str), VerifyError> {
    let mut parts = c.split('/');
    let (Some(ak), Some(date), Some(region), Some(service), Some(term), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(malformed(
            "the credential must be AccessKeyId/YYYYMMDD/region/service/request",
        ));
    };
    if validate_access_key_id(ak).is_err() {
        return Err(malformed("the credential's access key id is malformed"));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("the credential's date must be YYYYMMDD"));
    }
    if scope_part_problem(region).is_some() || scope_part_problem(service).is_some() {
        return Err(malformed("the credential's region or service is malformed"));
    }
    if term != "request" {
        return Err(malformed("the credential must end with '/request'"));
    }
    Ok((ak, date, region, service))
}

fn check_signed_headers(list: &str) -> Result<(), VerifyError> {
    if list.is_empty() {
        return Err(malformed("SignedHeaders is empty"));
    }
    let mut seen: Vec<&str> = Vec::new();
    for name in list.split(';') {
        if seen.len() == MAX_SIGNED_HEADERS {
            return Err(malformed("SignedHeaders lists more than 64 headers"));
        }
        if name.len() > MAX_SIGNED_HEADER_NAME_LEN
            || !is_token(name.as_bytes())
            || name.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Err(malformed(
                "SignedHeaders must list lower-case header names separated by ';'",
            ));
        }
        if seen.contains(&name) {
            return Err(malformed("SignedHeaders lists a header twice"));
        }
        seen.push(name);
    }
    Ok(())
}

/// Looks up the credentials of an access key id, for [`Verifier`].
///
/// Return the credentials with their session token for temporary (STS) keys: the request must
/// then carry that token in `X-Security-Token`. Implemented for `HashMap<String,
/// Credentials>` and for closures.
pub trait CredentialLookup {
    /// The credentials for `access_key_id`, or `None` when the key is unknown.
    fn lookup(&self, access_key_id: &str) -> Option<Credentials>;
}

impl<F> CredentialLookup for F
where
    F: Fn(&str) -> Option<Credentials>,
{
    fn lookup(&self, access_key_id: &str) -> Option<Credentials> {
        self(access_key_id)
    }
}

impl<S: std::hash::BuildHasher> CredentialLookup for HashMap<String, Credentials, S> {
    fn lookup(&self, access_key_id: &str) -> Option<Credentials> {
        self.get(access_key_id).cloned()
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The access key id that signed the request.
    pub access_key_id: String,
    /// The credential's region.
    pub region: String,
    /// The credential's service.
    pub service: String,
    /// When the request was signed.
    pub time: SigningTime,
    /// The signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// Whether the signature came in the query string.
    pub presigned: bool,
}

/// Verifies signed requests on the server side.
///
/// Checks, in this order, as a Volcengine gateway does: the `Authorization` header (or the
/// presigned query) is present and well-formed and signs `x-date`; `X-Date` is present, well
/// formed and within the skew window ([`DEFAULT_MAX_SKEW`] by default); the access key is
/// known; the session token matches; the signature, recomputed over exactly the headers listed
/// in `SignedHeaders` (in the listed order) and the received body, matches (compared in
/// constant time); and, when set, the scope names the expected service.
///
/// ```
/// use std::collections::HashMap;
/// use volc_sign::{Credentials, Scope, Signer, SigningTime, Verifier};
///
/// let creds = Credentials::new("AKLTexample", "c2VjcmV0")?;
/// let time = SigningTime::parse("20240520T080910Z")?;
/// let mut req = http::Request::post("http://127.0.0.1:8080/?Action=GetPullRecordTask&Version=2023-01-01")
///     .header("content-type", "application/json")
///     .body(br#"{"TaskID":"t"}"#.to_vec())
///     .unwrap();
/// Signer::new(Scope::new("cn-north-1", "live")?).sign_http(&creds, &mut req, time)?;
///
/// let keys = HashMap::from([("AKLTexample".to_string(), creds)]);
/// let verifier = Verifier::new(keys).expect_service("live");
/// let ok = verifier.verify(&req, time.to_system_time()).unwrap();
/// assert_eq!(ok.access_key_id, "AKLTexample");
///
/// *req.body_mut() = br#"{"TaskID":"u"}"#.to_vec();
/// let err = verifier.verify(&req, time.to_system_time()).unwrap_err();
/// assert_eq!(err.code(), "SignatureDoesNotMatch");
/// # Ok::<(), volc_sign::SignError>(())
/// ```
pub struct Verifier<L> {
    lookup: L,
    max_skew: Duration,
    service: Option<String>,
    cache: SigningKeyCache,
}

impl<L> fmt::Debug for Verifier<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("max_skew", &self.max_skew)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl<L: CredentialLookup> Verifier<L> {
    /// A verifier that finds secrets through `lookup`, with the default skew window.
    pub fn new(lookup: L) -> Self {
        Self {
            lookup,
            max_skew: DEFAULT_MAX_SKEW,
            service: None,
            cache: SigningKeyCache::new(),
        }
    }

    /// Sets how far `X-Date` may be from `now`, either way.
    pub fn max_skew(mut self, max_skew: Duration) -> Self {
        self.max_skew = max_skew;
        self
    }

    /// Requires the credential scope to name `service` (else `ServiceNotFound`).
    pub fn expect_service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// The credential lookup.
    pub fn lookup(&self) -> &L {
        &self.lookup
    }

    /// Verifies a received request with its whole body, at the server's time `now`.
    pub fn verify<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        self.verify_raw(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
            now,
        )
    }

    /// Verifies a received request given as parts and body bytes.
    pub fn verify_parts(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        self.verify_raw(&parts.method, &parts.uri, &parts.headers, body, now)
    }

    fn verify_raw(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        headers: &http::HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let mut auth_values = headers.get_all(http::header::AUTHORIZATION).iter();
        let Some(auth) = auth_values.next() else {
            let decoded = DecodedUri::new(uri);
            if decoded.query.iter().any(|(k, _)| k == "X-Signature") {
                return self.verify_presigned(method, uri, &decoded, headers, now);
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
        let auth = auth
            .to_str()
            .map_err(|_| malformed("the Authorization header is not visible ASCII"))?;
        let parsed = parse_authorization(auth)?;
        if !parsed.signed_header_names().any(|n| n == "x-date") {
            return Err(malformed("SignedHeaders must include x-date"));
        }
        if headers.contains_key("x-security-token")
            && !parsed
                .signed_header_names()
                .any(|n| n == "x-security-token")
        {
            return Err(malformed(
                "X-Security-Token is sent but not listed in SignedHeaders",
            ));
        }
        let x_date = single_header(headers, "x-date")?.ok_or_else(|| {
            VerifyError::new(
                VerifyErrorKind::MissingDate,
                "the request has no X-Date header",
            )
        })?;
        let time = parse_x_date(x_date)?;
        check_credential_date(parsed.date, &time)?;
        check_window(&time, now, self.max_skew, self.max_skew)?;
        let creds = self.find_credentials(parsed.access_key_id)?;
        check_session_token(
            &creds,
            single_header(headers, "x-security-token")?.map(|v| v.as_bytes()),
        )?;

        let body_hash = hex32(&Sha256::digest(body));
        if let Some(claimed) = single_header(headers, "x-content-sha256")? {
            if !claimed.as_bytes().eq_ignore_ascii_case(&body_hash) {
                return Err(VerifyError::new(
                    VerifyErrorKind::SignatureMismatch,
                    "X-Content-Sha256 is not the SHA-256 of the body",
                ));
            }
        }
        let mut entries = Vec::with_capacity(8);
        for name in parsed.signed_header_names() {
            let value = if name == "host" {
                match single_header(headers, "host")? {
                    Some(h) => h.as_bytes(),
                    None => request_host(headers, uri).unwrap_or_default(),
                }
            } else {
                single_header(headers, name)?
                    .map(|v| v.as_bytes())
                    .ok_or_else(|| {
                        VerifyError::new(
                            VerifyErrorKind::MissingSignedHeader,
                            format!("header {name:?} is listed in SignedHeaders but not sent"),
                        )
                    })?
            };
            let value = trim_ows(value);
            let value = if name == "host" {
                canonical_host(value)
            } else {
                value
            };
            entries.push(HeaderEntry { name, value });
        }
        let decoded = DecodedUri::new(uri);
        let mut query = decoded.query_refs();
        query.sort_by(|a, b| a.0.cmp(b.0));
        self.check_signature(
            &creds,
            &parsed,
            x_date.to_str().unwrap_or_default(),
            CanonicalParts {
                method: method.as_str().as_bytes(),
                path: &decoded.path,
                query: query.iter().copied(),
                headers: &entries,
                presign_layout: false,
                signed_headers: parsed.signed_headers.as_bytes(),
                payload_hash: &body_hash,
            },
        )?;
        self.check_service(parsed.service)?;
        Ok(Verified {
            access_key_id: parsed.access_key_id.to_owned(),
            region: parsed.region.to_owned(),
            service: parsed.service.to_owned(),
            time,
            signed_headers: parsed.signed_header_names().map(str::to_owned).collect(),
            presigned: false,
        })
    }

    fn verify_presigned(
        &self,
        method: &http::Method,
        uri: &http::Uri,
        decoded: &DecodedUri<'_>,
        headers: &http::HeaderMap,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let raw_query_len = uri.query().map_or(0, str::len);
        if raw_query_len > 4 * MAX_AUTHORIZATION_LEN {
            return Err(malformed("the presigned query is longer than 16384 bytes"));
        }
        let one = |key: &str| -> Result<Option<&str>, VerifyError> {
            let mut it = decoded.query.iter().filter(|(k, _)| k == key);
            let first = it.next().map(|(_, v)| v.as_ref());
            if it.next().is_some() {
                return Err(malformed(format!("the query repeats {key}")));
            }
            Ok(first)
        };
        let required = |key: &'static str| -> Result<&str, VerifyError> {
            one(key)?.ok_or_else(|| malformed(format!("the presigned query has no {key}")))
        };
        if required("X-Algorithm")? != ALGORITHM {
            return Err(malformed("X-Algorithm must be HMAC-SHA256"));
        }
        let credential = parse_credential(required("X-Credential")?)?;
        let signed_queries = required("X-SignedQueries")?;
        let signed_headers = one("X-SignedHeaders")?.unwrap_or_default();
        let parsed =
            ParsedAuthorization::new(credential, signed_headers, required("X-Signature")?)?;
        let (access_key_id, date, region, service) = credential;
        let x_date = one("X-Date")?.ok_or_else(|| {
            VerifyError::new(
                VerifyErrorKind::MissingDate,
                "the presigned query has no X-Date",
            )
        })?;
        let signed: Vec<&str> = signed_queries.split(';').collect();
        if signed.len() > 4 * MAX_SIGNED_HEADERS {
            return Err(malformed("X-SignedQueries lists too many parameters"));
        }
        for must in [
            "X-Algorithm",
            "X-Credential",
            "X-Date",
            "X-Expires",
            "X-Security-Token",
            "X-SignedHeaders",
            "X-SignedQueries",
        ] {
            let present = decoded.query.iter().any(|(k, _)| k == must);
            if present && !signed.contains(&must) {
                return Err(malformed(format!("{must} is sent but not signed")));
            }
        }
        for name in &signed {
            if *name == "X-Signature" || !decoded.query.iter().any(|(k, _)| k == name) {
                return Err(malformed(format!(
                    "X-SignedQueries lists {name:?}, which is not a signed parameter of the query"
                )));
            }
        }
        let signed_header_names: Vec<&str> = if signed_headers.is_empty() {
            Vec::new()
        } else {
            check_signed_headers(signed_headers)?;
            signed_headers.split(';').collect()
        };
        let time = parse_x_date_str(x_date)?;
        check_credential_date(date, &time)?;
        let expires = match one("X-Expires")? {
            None => DEFAULT_PRESIGN_EXPIRY,
            Some(e) => e
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs)
                .filter(|d| *d <= MAX_PRESIGN_EXPIRY && !d.is_zero())
                .ok_or_else(|| malformed("X-Expires must be 1 to 604800 seconds"))?,
        };
        check_window(&time, now, expires, self.max_skew)?;
        let creds = self.find_credentials(access_key_id)?;
        check_session_token(&creds, one("X-Security-Token")?.map(str::as_bytes))?;

        let mut entries = Vec::with_capacity(signed_header_names.len());
        for name in &signed_header_names {
            let value = if *name == "host" {
                request_host(headers, uri).map(|h| canonical_host(trim_ows(h)))
            } else {
                single_header(headers, name)?.map(|v| trim_ows(v.as_bytes()))
            }
            .ok_or_else(|| {
                VerifyError::new(
                    VerifyErrorKind::MissingSignedHeader,
                    format!("header {name:?} is listed in X-SignedHeaders but not sent"),
                )
            })?;
            entries.push(HeaderEntry { name, value });
        }
        let mut query: Vec<(&str, &str)> = decoded
            .query
            .iter()
            .filter(|(k, _)| signed.contains(&k.as_ref()))
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        query.sort_by(|a, b| a.0.cmp(b.0));
        self.check_signature(
            &creds,
            &parsed,
            x_date,
            CanonicalParts {
                method: method.as_str().as_bytes(),
                path: &decoded.path,
                query: query.iter().copied(),
                headers: &entries,
                presign_layout: true,
                signed_headers: signed_headers.as_bytes(),
                payload_hash: EMPTY_PAYLOAD_SHA256.as_bytes(),
            },
        )?;
        self.check_service(service)?;
        Ok(Verified {
            access_key_id: access_key_id.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            time,
            signed_headers: signed_header_names
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            presigned: true,
        })
    }

    fn find_credentials(&self, access_key_id: &str) -> Result<Credentials, VerifyError> {
        self.lookup.lookup(access_key_id).ok_or_else(|| {
            VerifyError::new(
                VerifyErrorKind::UnknownAccessKey,
                format!("the access key id {access_key_id:?} is not known"),
            )
        })
    }

    fn check_signature<'q, Q>(
        &self,
        creds: &Credentials,
        parsed: &ParsedAuthorization<'_>,
        x_date: &str,
        parts: CanonicalParts<'_, Q>,
    ) -> Result<(), VerifyError>
    where
        Q: IntoIterator<Item = (&'q str, &'q str)>,
    {
        let mac = self.cache.get_or_derive(
            creds.secret_key().as_bytes(),
            parsed.date.as_bytes(),
            parsed.region,
            parsed.service,
        );
        let sts = StringToSign {
            x_date,
            scope: scope_pieces(parsed.date, parsed.region, parsed.service),
        };
        let expected = compute_signature(parts, &sts, mac, None);
        if bool::from(expected.ct_eq(parsed.signature.as_bytes())) {
            Ok(())
        } else {
            Err(VerifyError::new(
                VerifyErrorKind::SignatureMismatch,
                "the request signature does not match the one computed; sign exactly the \
                 method, path, query, listed headers and body that are sent",
            ))
        }
    }

    fn check_service(&self, service: &str) -> Result<(), VerifyError> {
        match &self.service {
            Some(expected) if expected != service => Err(VerifyError::new(
                VerifyErrorKind::ServiceMismatch,
                format!("the credential scope names service {service:?}, not {expected:?}"),
            )),
            _ => Ok(()),
        }
    }
}

/// The one value of a header, `None` when absent; two or more is an error.
fn single_header<'h>(
    headers: &'h http::HeaderMap,
    name: &str,
) -> Result<Option<&'h http::HeaderValue>, VerifyError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(malformed(format!("header {name:?} is sent more than once")));
    }
    Ok(first)
}

fn parse_x_date(v: &http::HeaderValue) -> Result<SigningTime, VerifyError> {
    parse_x_date_str(v.to_str().unwrap_or_default())
}

fn parse_x_date_str(v: &str) -> Result<SigningTime, VerifyError> {
    SigningTime::parse(v).map_err(|_| {
        VerifyError::new(
            VerifyErrorKind::MalformedDate,
            "X-Date must be YYYYMMDD'T'HHMMSS'Z' (UTC)",
        )
    })
}

fn check_credential_date(date: &str, time: &SigningTime) -> Result<(), VerifyError> {
    if date == time.date() {
        Ok(())
    } else {
        Err(VerifyError::new(
            VerifyErrorKind::CredentialDateMismatch,
            format!(
                "the credential's date {date} is not the date of X-Date {}",
                time.as_str()
            ),
        ))
    }
}

/// Accepts `time` when `time - future <= now <= time + past`.
fn check_window(
    time: &SigningTime,
    now: SystemTime,
    past: Duration,
    future: Duration,
) -> Result<(), VerifyError> {
    let signed = time.to_system_time();
    match now.duration_since(signed) {
        Ok(age) if age > past => Err(VerifyError::new(
            VerifyErrorKind::Expired,
            format!(
                "the signature of the request is expired: X-Date {} is {}s before the server's time (limit {}s)",
                time.as_str(),
                age.as_secs(),
                past.as_secs()
            ),
        )),
        Ok(_) => Ok(()),
        Err(e) if e.duration() > future => Err(VerifyError::new(
            VerifyErrorKind::FromFuture,
            format!(
                "the signature of the request is from the future: X-Date {} is {}s after the server's time (limit {}s)",
                time.as_str(),
                e.duration().as_secs(),
                future.as_secs()
            ),
        )),
        Err(_) => Ok(()),
    }
}

fn check_session_token(creds: &Credentials, sent: Option<&[u8]>) -> Result<(), VerifyError> {
    let ok = match (creds.session_token(), sent) {
        (None, None) => true,
        (Some(expected), Some(sent)) => bool::from(expected.as_bytes().ct_eq(sent)),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(VerifyError::new(
            VerifyErrorKind::InvalidSessionToken,
            "the session token (X-Security-Token) is missing, unexpected or not valid for this access key",
        ))
    }
}
