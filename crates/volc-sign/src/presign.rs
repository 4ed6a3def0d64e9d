//! Presigned URLs: the signature travels in the query string.

use std::fmt;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::canonical::{
    compute_signature, sorted_query, CanonicalParts, StringToSign, ALGORITHM, EMPTY_PAYLOAD_SHA256,
};
use crate::encode::hex_str;
use crate::scope::scope_pieces;
use crate::{canonical_query_string, Credentials, SignError, SignableRequest, Signer, SigningTime};

/// The longest lifetime of a presigned URL: seven days.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Query parameters the presigner writes itself; a caller's copies are dropped.
pub(crate) const PRESIGN_PARAMS: [&str; 9] = [
    "X-Algorithm",
    "X-Credential",
    "X-Date",
    "X-Expires",
    "X-NotSignBody",
    "X-Security-Token",
    "X-SignedHeaders",
    "X-SignedQueries",
    "X-Signature",
];

/// A presigned request: the query string to send instead of signing headers.
///
/// `Debug` redacts the query (it holds the signature and any session token).
#[derive(Clone)]
pub struct Presigned {
    query: Zeroizing<String>,
    time: SigningTime,
    expires: Duration,
}

impl Presigned {
    /// The whole query string (without `?`): the request's own parameters plus `X-Algorithm`,
    /// `X-Credential`, `X-Date`, `X-Expires`, `X-NotSignBody`, `X-SignedHeaders`,
    /// `X-SignedQueries`, `X-Security-Token` (with a session token) and `X-Signature`.
    /// Anyone holding it can make the request until it expires: treat it as a secret.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The signing time.
    pub fn time(&self) -> SigningTime {
        self.time
    }

    /// How long after [`Presigned::time`] the URL is valid.
    pub fn expires(&self) -> Duration {
        self.expires
    }
}

impl fmt::Debug for Presigned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presigned")
            .field("time", &self.time)
            .field("expires", &self.expires)
            .field("query", &"<redacted>")
            .finish()
    }
}

impl Signer {
    /// Presigns `request`: the signature and credential go into the query string, valid for
    /// `expires` (one second to [`MAX_PRESIGN_EXPIRY`]) after `time`.
    ///
    /// This follows the current official Go signer: no header is signed (`X-SignedHeaders` is
    /// empty), the body is not signed (`X-NotSignBody`, the empty-body hash), and
    /// `X-SignedQueries` lists every parameter name, sorted. Unlike it, repeated parameters keep
    /// all their values, and `X-Expires` is always written (and signed).
    ///
    /// ```
    /// use std::time::Duration;
    /// use volc_sign::{Credentials, Scope, SignableRequest, Signer, SigningTime};
    ///
    /// let signer = Signer::new(Scope::new("cn-north-1", "live")?);
    /// let creds = Credentials::new("AKLTexample", "c2VjcmV0")?;
    /// let query = [("Action", "GetPullRecordTask"), ("Version", "2023-01-01")];
    /// let req = SignableRequest::new("GET", "live.volcengineapi.com", "/").query(&query);
    /// let url = signer.presign(&creds, &req, SigningTime::parse("20240520T080910Z")?, Duration::from_secs(300))?;
    /// assert!(url.query().starts_with("Action=GetPullRecordTask&Version=2023-01-01&X-Algorithm=HMAC-SHA256&X-Credential=AKLTexample%2F20240520%2Fcn-north-1%2Flive%2Frequest&X-Date=20240520T080910Z&X-Expires=300&"));
    /// # Ok::<(), volc_sign::SignError>(())
    /// ```
    pub fn presign(
        &self,
        credentials: &Credentials,
        request: &SignableRequest<'_>,
        time: SigningTime,
        expires: Duration,
    ) -> Result<Presigned, SignError> {
        request.validate()?;
        if expires < Duration::from_secs(1) {
            return Err(SignError::InvalidExpiry {
                reason: "it is shorter than one second",
            });
        }
        if expires > MAX_PRESIGN_EXPIRY {
            return Err(SignError::InvalidExpiry {
                reason: "it is longer than seven days",
            });
        }
        let date = time.date();
        let credential = format!(
            "{}/{}",
            credentials.access_key_id(),
            self.scope().credential_scope(date)
        );
        let expires_text = expires.as_secs().to_string();

        let mut params: Vec<(&str, &str)> = request
            .query
            .iter()
            .filter(|(k, _)| !PRESIGN_PARAMS.contains(k))
            .copied()
            .collect();
        params.extend_from_slice(&[
            ("X-Algorithm", ALGORITHM),
            ("X-Credential", credential.as_str()),
            ("X-Date", time.as_str()),
            ("X-Expires", expires_text.as_str()),
            ("X-NotSignBody", ""),
            ("X-SignedHeaders", ""),
        ]);
        if let Some(token) = credentials.session_token() {
            params.push(("X-Security-Token", token));
        }
        let mut names: Vec<&str> = params.iter().map(|(k, _)| *k).collect();
        names.push("X-SignedQueries");
        names.sort_unstable();
        names.dedup();
        let signed_queries = names.join(";");
        params.push(("X-SignedQueries", signed_queries.as_str()));
        let params = sorted_query(&params);
        let params: Vec<(&str, &str)> = params.iter().collect();

        let signature = compute_signature(
            CanonicalParts {
                method: request.method.as_bytes(),
                path: request.path,
                query: params.iter().copied(),
                headers: &[],
                presign_layout: true,
                signed_headers: b"",
                payload_hash: EMPTY_PAYLOAD_SHA256.as_bytes(),
            },
            &StringToSign {
                x_date: time.as_str(),
                scope: scope_pieces(date, self.scope().region(), self.scope().service()),
            },
            self.signing_mac(credentials.secret_key(), date),
            None,
        );

        let mut query = canonical_query_string(&params);
        query.push_str("&X-Signature=");
        query.push_str(hex_str(&signature));
        Ok(Presigned {
            query: Zeroizing::new(query),
            time,
            expires,
        })
    }
}
