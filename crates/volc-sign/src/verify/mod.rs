//! Server-side verification of signed and presigned requests.
//!
//! - [`error`]: why a request fails and the gateway code, `CodeN` and status of each reason;
//! - [`authorization`]: the strict, bounded `Authorization` header parser;
//! - [`claims`]: what a request claims, read from either form into one struct;
//! - [`verifier`]: the [`Verifier`] and its one pipeline over those claims.

mod authorization;
mod claims;
mod error;
mod verifier;

pub use authorization::{
    parse_authorization, ParsedAuthorization, MAX_AUTHORIZATION_LEN, MAX_SIGNED_HEADERS,
    MAX_SIGNED_HEADER_NAME_LEN,
};
pub use claims::DEFAULT_PRESIGN_EXPIRY;
pub use error::{VerifyError, VerifyErrorKind};
pub use verifier::{CredentialLookup, Verified, Verifier, DEFAULT_MAX_SKEW};
