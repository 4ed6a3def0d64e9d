//! The verifier: one pipeline that checks the claims of a signed request, whichever form they
//! came in, against the server's clock, its keys and the request received.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use subtle::ConstantTimeEq;

use super::claims::{Claims, Received};
use super::error::{VerifyError, VerifyErrorKind};
use crate::cache::SigningKeyCache;
use crate::canonical::{compute_signature, CanonicalParts, StringToSign};
use crate::scope::scope_pieces;
use crate::{Credentials, SigningTime};

/// The default tolerance between the request's `X-Date` and the server's clock: 15 minutes.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(15 * 60);

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
        let req = Received::new(method, uri, headers, body);
        let claims = Claims::read(&req)?;
        self.verify_claims(&req, &claims, now)
    }

    /// The one pipeline for both forms: the time window, the key, the session token, the
    /// signature recomputed over what was received and compared in constant time, the service.
    fn verify_claims<'a>(
        &self,
        req: &'a Received<'a>,
        claims: &Claims<'a>,
        now: SystemTime,
    ) -> Result<Verified, VerifyError> {
        let max_age = claims.expires.unwrap_or(self.max_skew);
        check_window(&claims.time, now, max_age, self.max_skew)?;
        let auth = &claims.auth;
        let creds = self.find_credentials(auth.access_key_id)?;
        check_session_token(&creds, claims.session_token(req)?)?;

        let payload_hash = claims.payload_hash(req)?;
        let headers = claims.header_entries(req)?;
        let query = claims.canonical_query(req);
        let parts = CanonicalParts {
            method: req.method.as_str().as_bytes(),
            path: &req.decoded.path,
            query: query.iter().copied(),
            headers: &headers,
            presign_layout: claims.is_presigned(),
            signed_headers: auth.signed_headers.as_bytes(),
            payload_hash: &payload_hash,
        };
        let mac = self.cache.get_or_derive(
            creds.secret_key().as_bytes(),
            auth.date.as_bytes(),
            auth.region,
            auth.service,
        );
        let sts = StringToSign {
            x_date: claims.x_date,
            scope: scope_pieces(auth.date, auth.region, auth.service),
        };
        let expected = compute_signature(parts, &sts, mac, None);
        if !bool::from(expected.ct_eq(auth.signature().as_bytes())) {
            return Err(VerifyError::new(
                VerifyErrorKind::SignatureMismatch,
                "the request signature does not match the one computed; sign exactly the \
                 method, path, query, listed headers and body that are sent",
            ));
        }
        self.check_service(auth.service)?;
        Ok(Verified {
            access_key_id: auth.access_key_id.to_owned(),
            region: auth.region.to_owned(),
            service: auth.service.to_owned(),
            time: claims.time,
            signed_headers: claims.signed_header_names().map(str::to_owned).collect(),
            presigned: claims.is_presigned(),
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

/// Compares the sent session token with the key's, in constant time; both absent is a match.
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
