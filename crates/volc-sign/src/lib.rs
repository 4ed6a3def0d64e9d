//! Volcengine OpenAPI request signing: the `HMAC-SHA256` scheme every `*.volcengineapi.com`
//! service uses, with presigned URLs and server-side verification.
//!
//! This crate knows nothing of any one service. It performs no I/O, never reads the clock
//! (the signing time is a parameter) and needs no async runtime. It reproduces the official
//! signing code byte for byte (see the vectors in its tests).
//!
//! # Signing a request
//!
//! Signing a call to IAM's `ListUsers` (the example from Volcengine's documentation):
//!
//! ```
//! use volc_sign::{Credentials, Scope, SignableRequest, Signer, SigningTime};
//!
//! let signer = Signer::new(Scope::new("cn-north-1", "iam")?);
//! let creds = Credentials::new(
//!     "AKLTMjI2ODVlYzI3ZGY1NGU4ZjhjYWRjMTlmNTM5OTZkYzE",
//!     "TnpCak5XWXpZV1U0WkRaaE5ERmxaR0ZpTmpjeVkyUXlZek0wTWpJMU1qWQ==",
//! )?;
//! let query = [("Action", "ListUsers"), ("Version", "2018-01-01"), ("Limit", "10"), ("Offset", "0")];
//! let headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")];
//! let request = SignableRequest::new("GET", "iam.volcengineapi.com", "/")
//!     .query(&query)
//!     .headers(&headers);
//!
//! let signed = signer.sign(&creds, &request, SigningTime::parse("20201230T081805Z")?)?;
//! assert_eq!(signed.signature(), "28eeabbbd726b87002e0fe58ad8c1c768e619b06e2646f35b6ad7ed029a6d8a7");
//! for (name, value) in signed.headers() {
//!     // add `name: value` to the request you send: X-Date, X-Content-Sha256, Authorization
//! #   let _ = (name, value);
//! }
//! # Ok::<(), volc_sign::SignError>(())
//! ```
//!
//! With the `http` crate, [`Signer::sign_http`] signs an `http::Request` in place.
//!
//! # Contracts
//!
//! - **Sign what you send.** The signature covers the method, the path, the query, the body
//!   (or its hash, [`SignableBody::PrecomputedSha256`]) and the headers `Host`,
//!   `Content-Type`, `Content-Md5` and every `X-*`. Send the query as
//!   [`canonical_query_string`] writes it and the headers exactly as given.
//! - **A fresh signature for every attempt.** `X-Date` is signed; servers reject a signature
//!   more than 15 minutes from their clock.
//! - **Secrets stay secret.** The secret key, the session token, the signature and the
//!   `Authorization` value never appear in `Debug`, `Display` or an error message.
//!   [`SigningTrace::redacted_canonical_request`] is the form to log.
//! - **Keys are derived once a day.** A [`Signer`] caches derived signing keys by (secret,
//!   date, region, service) in a [`SigningKeyCache`] that clones share across threads.
//! - **Bad input is a typed error, never a panic**: [`SignError`] for signing,
//!   [`VerifyError`] (with the gateway's error code) for verification.
//!
//! # Presigned URLs and verification
//!
//! [`Signer::presign`] writes the query-string form (`X-Algorithm`, `X-Credential`, `X-Date`,
//! `X-Expires`, `X-SignedHeaders`, `X-SignedQueries`, `X-Signature`). [`Verifier`] checks
//! either form on the server side, over exactly the headers a request lists in
//! `SignedHeaders`, and maps every failure to the code a Volcengine gateway returns.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]

mod cache;
mod canonical;
mod credentials;
mod encode;
mod error;
mod http_request;
mod presign;
mod request;
mod scope;
mod signer;
mod time;
mod uri;
#[cfg(feature = "vectors")]
pub mod vectors;
mod verify;

pub use cache::SigningKeyCache;
pub use canonical::{ALGORITHM, EMPTY_PAYLOAD_SHA256};
pub use credentials::{Credentials, MAX_ACCESS_KEY_LEN, MAX_SECRET_KEY_LEN, MAX_SESSION_TOKEN_LEN};
pub use error::SignError;
pub use presign::{Presigned, MAX_PRESIGN_EXPIRY};
pub use request::{is_signed_header, SignableBody, SignableRequest};
pub use scope::{Scope, MAX_SCOPE_PART_LEN};
pub use signer::{canonical_query_string, Signer, SigningOutput, SigningTrace};
pub use time::SigningTime;
pub use verify::{
    parse_authorization, CredentialLookup, ParsedAuthorization, Verified, Verifier, VerifyError,
    VerifyErrorKind, DEFAULT_MAX_SKEW, DEFAULT_PRESIGN_EXPIRY, MAX_AUTHORIZATION_LEN,
    MAX_SIGNED_HEADERS, MAX_SIGNED_HEADER_NAME_LEN,
};
