//! Header signing: the `Signer`, what it returns, and its trace for debugging.

use std::fmt;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cache::{derive_signing_mac, SigningKeyCache, SigningMac};
use crate::canonical::{
    cmp_lower, compute_signature, sorted_query, CanonicalParts, HeaderEntry, StringToSign,
    TraceBuffers, ALGORITHM,
};
use crate::encode::{canonical_host, encode_into, hex32, hex_str, trim_ows};
use crate::request::{is_signed_header, is_signer_owned, SignableBody, SignableRequest};
use crate::scope::scope_pieces;
use crate::{Credentials, Scope, SignError, SigningTime};

/// Signs requests for one scope (region and service).
///
/// A `Signer` is cheap to clone and safe to share; clones share one [`SigningKeyCache`].
/// It never reads the clock and never performs I/O: the time is a parameter, and the result is
/// a [`SigningOutput`] listing the headers to add.
///
/// ```
/// use volc_sign::{Credentials, Scope, SignableBody, SignableRequest, Signer, SigningTime};
///
/// let signer = Signer::new(Scope::new("cn-north-1", "live")?);
/// let creds = Credentials::new("AKLTexample", "c2VjcmV0")?;
/// let query = [("Action", "GetPullRecordTask"), ("Version", "2023-01-01")];
/// let headers = [("Content-Type", "application/json")];
/// let body = br#"{"TaskID":"task-0001"}"#;
/// let req = SignableRequest::new("POST", "live.volcengineapi.com", "/")
///     .query(&query)
///     .headers(&headers)
///     .body(SignableBody::Bytes(body));
/// let out = signer.sign(&creds, &req, SigningTime::parse("20240520T080910Z")?)?;
/// let names: Vec<&str> = out.headers().map(|(name, _)| name).collect();
/// assert_eq!(names, ["X-Date", "X-Content-Sha256", "Authorization"]);
/// assert!(out.authorization().starts_with("HMAC-SHA256 Credential=AKLTexample/20240520/cn-north-1/live/request, SignedHeaders=content-type;host;x-content-sha256;x-date, Signature="));
/// # Ok::<(), volc_sign::SignError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Signer {
    scope: Scope,
    cache: Option<SigningKeyCache>,
}

impl Signer {
    /// A signer with its own key cache.
    pub fn new(scope: Scope) -> Self {
        Self::with_cache(scope, SigningKeyCache::new())
    }

    /// A signer using (and sharing) `cache`.
    pub fn with_cache(scope: Scope, cache: SigningKeyCache) -> Self {
        Self {
            scope,
            cache: Some(cache),
        }
    }

    /// A signer that derives the signing key on every call.
    pub fn without_cache(scope: Scope) -> Self {
        Self { scope, cache: None }
    }

    /// The scope this signer signs for.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Signs `request` at `time`. Returns the headers to add; `request` is not changed.
    pub fn sign(
        &self,
        credentials: &Credentials,
        request: &SignableRequest<'_>,
        time: SigningTime,
    ) -> Result<SigningOutput, SignError> {
        self.sign_inner(credentials, request, time, None)
    }

    /// Signs like [`Signer::sign`], and also returns the canonical request and the string to
    /// sign, for debugging. The trace is what was hashed, byte for byte.
    pub fn sign_with_trace(
        &self,
        credentials: &Credentials,
        request: &SignableRequest<'_>,
        time: SigningTime,
    ) -> Result<(SigningOutput, SigningTrace), SignError> {
        let mut trace = TraceBuffers::default();
        let out = self.sign_inner(credentials, request, time, Some(&mut trace))?;
        Ok((
            out,
            SigningTrace::new(trace, credentials.session_token().is_some()),
        ))
    }

    /// The signing MAC for this secret and date, from the cache when there is one.
    pub(crate) fn signing_mac(&self, secret: &str, date: &str) -> SigningMac {
        match &self.cache {
            Some(cache) => cache.get_or_derive(
                secret.as_bytes(),
                date.as_bytes(),
                self.scope.region(),
                self.scope.service(),
            ),
            None => derive_signing_mac(
                secret.as_bytes(),
                date.as_bytes(),
                self.scope.region().as_bytes(),
                self.scope.service().as_bytes(),
            ),
        }
    }

    fn sign_inner(
        &self,
        credentials: &Credentials,
        request: &SignableRequest<'_>,
        time: SigningTime,
        trace: Option<&mut TraceBuffers>,
    ) -> Result<SigningOutput, SignError> {
        request.validate()?;

        let content_sha256 = match request.body {
            SignableBody::Bytes(b) => hex32(&Sha256::digest(b)),
            SignableBody::PrecomputedSha256(h) => {
                let mut out = [0u8; 64];
                out.copy_from_slice(h.as_bytes());
                out.make_ascii_lowercase();
                out
            }
        };
        let x_date = time.as_str();
        let date = &x_date[..8];
        let token = credentials.session_token();

        // The usual handful of signed headers stays on the stack.
        let mut headers: smallvec::SmallVec<[HeaderEntry<'_>; 8]> = smallvec::SmallVec::new();
        for (name, value) in request.headers {
            if is_signed_header(name) && !is_signer_owned(name) {
                headers.push(HeaderEntry {
                    name,
                    value: trim_ows(value.as_bytes()),
                });
            }
        }
        headers.push(HeaderEntry {
            name: "host",
            value: canonical_host(trim_ows(request.host.as_bytes())),
        });
        headers.push(HeaderEntry {
            name: "x-content-sha256",
            value: &content_sha256,
        });
        headers.push(HeaderEntry {
            name: "x-date",
            value: x_date.as_bytes(),
        });
        if let Some(token) = token {
            headers.push(HeaderEntry {
                name: "x-security-token",
                value: token.as_bytes(),
            });
        }
        let order = |w: &[HeaderEntry<'_>]| cmp_lower(w[0].name.as_bytes(), w[1].name.as_bytes());
        // Usually already in order (the signer's own headers sort last): one pass checks that
        // and finds a repeated name at the same time.
        if !headers.windows(2).all(|w| order(w).is_lt()) {
            headers.sort_unstable_by(|a, b| cmp_lower(a.name.as_bytes(), b.name.as_bytes()));
            if let Some(w) = headers.windows(2).find(|w| order(w).is_eq()) {
                return Err(SignError::DuplicateHeader {
                    name: w[0].name.to_ascii_lowercase(),
                });
            }
        }

        // Authorization: everything but the signature, with SignedHeaders written once and
        // reused for the canonical request.
        let ak = credentials.access_key_id();
        let scope = scope_pieces(date, self.scope.region(), self.scope.service());
        let mut authorization = String::with_capacity(
            ALGORITHM.len()
                + ak.len()
                + scope.iter().map(|p| p.len()).sum::<usize>()
                + headers.iter().map(|h| h.name.len() + 1).sum::<usize>()
                + 128,
        );
        authorization.push_str(ALGORITHM);
        authorization.push_str(" Credential=");
        authorization.push_str(ak);
        authorization.push('/');
        for p in &scope {
            authorization.push_str(p);
        }
        authorization.push_str(", SignedHeaders=");
        let signed_start = authorization.len();
        for (i, h) in headers.iter().enumerate() {
            if i > 0 {
                authorization.push(';');
            }
            let start = authorization.len();
            authorization.push_str(h.name);
            // Header names are ASCII (validated): lower-casing them in place keeps UTF-8.
            authorization[start..].make_ascii_lowercase();
        }
        let signed_end = authorization.len();

        let query = sorted_query(request.query);
        let signature = compute_signature(
            CanonicalParts {
                method: request.method.as_bytes(),
                path: request.path,
                query: query.iter(),
                headers: &headers,
                presign_layout: false,
                signed_headers: &authorization.as_bytes()[signed_start..signed_end],
                payload_hash: &content_sha256,
            },
            &StringToSign { x_date, scope },
            self.signing_mac(credentials.secret_key(), date),
            trace,
        );
        authorization.push_str(", Signature=");
        authorization.push_str(hex_str(&signature));

        Ok(SigningOutput {
            time,
            content_sha256,
            signature,
            authorization,
            // Credentials share their keys: keeping them costs no copy of the token.
            with_token: token.map(|_| credentials.clone()),
        })
    }
}

/// What signing produced: the headers to add to the request, and the signature.
///
/// `Debug` shows the time and the payload hash; the signature, the `Authorization` value and
/// the session token are redacted.
#[derive(Clone)]
pub struct SigningOutput {
    time: SigningTime,
    content_sha256: [u8; 64],
    signature: [u8; 64],
    authorization: String,
    /// The credentials, when they carry a session token (its header is added).
    with_token: Option<Credentials>,
}

impl SigningOutput {
    /// The headers to add, in this order: `X-Date`, `X-Content-Sha256`, `X-Security-Token`
    /// (only with a session token) and `Authorization`. Each replaces any header of that name.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        [
            Some(("X-Date", self.time.as_str())),
            Some(("X-Content-Sha256", self.content_sha256())),
            self.with_token
                .as_ref()
                .and_then(Credentials::session_token)
                .map(|t| ("X-Security-Token", t)),
            Some(("Authorization", self.authorization())),
        ]
        .into_iter()
        .flatten()
    }

    /// The signing time; its text is the `X-Date` header.
    pub fn time(&self) -> SigningTime {
        self.time
    }

    /// The `X-Content-Sha256` header: lower-case hex SHA-256 of the body.
    pub fn content_sha256(&self) -> &str {
        hex_str(&self.content_sha256)
    }

    /// The lower-case hex signature. Secret: never log it.
    pub fn signature(&self) -> &str {
        hex_str(&self.signature)
    }

    /// The `Authorization` header value. Secret: never log it.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// Sets these headers on `headers`, replacing any of the same names and removing a stale
    /// `X-Security-Token` when there is no session token. `Authorization` and
    /// `X-Security-Token` are marked sensitive (HTTP/2 will not index them). Either every
    /// header is set or, on error, none is.
    pub fn apply_to(&self, headers: &mut http::HeaderMap) -> Result<(), SignError> {
        // Every value is made first, so a failure leaves `headers` untouched.
        let mut values: [Option<(http::HeaderName, http::HeaderValue)>; 4] = Default::default();
        for (slot, (name, value)) in values.iter_mut().zip(self.headers()) {
            let mut v = http::HeaderValue::from_str(value)
                .map_err(|_| SignError::HeaderNotSettable { name })?;
            if name == "Authorization" || name == "X-Security-Token" {
                v.set_sensitive(true);
            }
            *slot = Some((header_name(name), v));
        }
        if self.with_token.is_none() {
            headers.remove(X_SECURITY_TOKEN);
        }
        for (name, value) in values.into_iter().flatten() {
            headers.insert(name, value);
        }
        Ok(())
    }
}

const X_DATE: http::HeaderName = http::HeaderName::from_static("x-date");
const X_CONTENT_SHA256: http::HeaderName = http::HeaderName::from_static("x-content-sha256");
const X_SECURITY_TOKEN: http::HeaderName = http::HeaderName::from_static("x-security-token");

/// The header name of one of [`SigningOutput::headers`]' names, made at compile time.
fn header_name(name: &'static str) -> http::HeaderName {
    match name {
        "X-Date" => X_DATE,
        "X-Content-Sha256" => X_CONTENT_SHA256,
        "X-Security-Token" => X_SECURITY_TOKEN,
        _ => http::header::AUTHORIZATION,
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("x_date", &self.time.as_str())
            .field("x_content_sha256", &self.content_sha256())
            .field("signature", &"<redacted>")
            .field("authorization", &"<redacted>")
            .field(
                "session_token",
                &self.with_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The canonical request and string to sign of one signature, for debugging a
/// `SignatureDoesNotMatch`.
///
/// The canonical request holds the session token when there is one, so log only
/// [`SigningTrace::redacted_canonical_request`]; `Debug` shows that redacted form.
#[derive(Clone)]
pub struct SigningTrace {
    canonical_request: Zeroizing<String>,
    string_to_sign: String,
    has_token: bool,
}

impl SigningTrace {
    fn new(buffers: TraceBuffers, has_token: bool) -> Self {
        Self {
            canonical_request: Zeroizing::new(
                String::from_utf8_lossy(&buffers.canonical).into_owned(),
            ),
            string_to_sign: String::from_utf8_lossy(&buffers.string_to_sign).into_owned(),
            has_token,
        }
    }

    /// The canonical request, exactly as hashed. May contain the session token.
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// The string to sign, exactly as signed (it holds no secret).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The canonical request with the `x-security-token` value replaced by `<redacted>`: safe
    /// to log.
    pub fn redacted_canonical_request(&self) -> String {
        redact_canonical(&self.canonical_request, self.has_token)
    }
}

pub(crate) fn redact_canonical(canonical: &str, has_token: bool) -> String {
    if !has_token {
        return canonical.to_owned();
    }
    let mut out = String::with_capacity(canonical.len());
    for (i, line) in canonical.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.starts_with("x-security-token:") {
            out.push_str("x-security-token:<redacted>");
        } else {
            out.push_str(line);
        }
    }
    out
}

impl fmt::Debug for SigningTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningTrace")
            .field("canonical_request", &self.redacted_canonical_request())
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
}

/// The canonical query string for decoded `(key, value)` pairs: sorted by key (repeated keys
/// in request order), RFC 3986-encoded, `%20` for space. Sending exactly this as the URL query
/// guarantees the server sees what was signed.
///
/// ```
/// let q = volc_sign::canonical_query_string(&[("Version", "2023-01-01"), ("Action", "Get Task")]);
/// assert_eq!(q, "Action=Get%20Task&Version=2023-01-01");
/// ```
pub fn canonical_query_string(query: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in sorted_query(query).iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(k.as_bytes(), |p| {
            out.push_str(std::str::from_utf8(p).unwrap_or_default())
        });
        out.push('=');
        encode_into(v.as_bytes(), |p| {
            out.push_str(std::str::from_utf8(p).unwrap_or_default())
        });
    }
    out
}
