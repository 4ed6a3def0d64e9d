//! Every verification failure `volc-sign` can produce answers with the gateway code, HTTP
//! status and `CodeN` that `live-model`'s error-code table documents for that code. The two
//! crates do not depend on each other (the signer knows nothing of Live), so this test is
//! where they are held together. The list of kinds comes from the signer itself
//! ([`VerifyErrorKind::ALL`]), so a new kind is checked as soon as it exists.

use live_model::{ErrorCode, RetryClass};
use volc_sign::VerifyErrorKind;

#[test]
fn every_verify_error_kind_agrees_with_the_gateway_table() {
    assert_eq!(
        VerifyErrorKind::ALL.len(),
        12,
        "update the spot checks below"
    );
    for &kind in VerifyErrorKind::ALL {
        let code = ErrorCode::from_text(kind.code());
        assert!(
            ErrorCode::KNOWN.contains(&code),
            "{kind:?} answers {}, which live-model's table does not know",
            kind.code()
        );
        assert_eq!(code.as_str(), kind.code(), "{kind:?}");
        assert_eq!(
            code.documented_status(),
            Some(kind.http_status()),
            "{kind:?} ({}): HTTP status",
            kind.code()
        );
        assert_eq!(
            code.documented_code_n(),
            kind.code_n().map(i64::from),
            "{kind:?} ({}): CodeN",
            kind.code()
        );
        // Resending the same request cannot fix a verification failure: it must be signed
        // again (or the clock, key or token fixed), so the client must not retry it as is.
        assert_eq!(
            code.retry_class(),
            RetryClass::NotRetryable,
            "{kind:?} ({})",
            kind.code()
        );
    }
}

/// The mapping, value by value, for the kinds that exist today: the table above could agree
/// with live-model and both be wrong.
#[test]
fn spot_checks_of_the_mapping() {
    let row = |kind: VerifyErrorKind| (kind.code(), kind.http_status(), kind.code_n());
    assert_eq!(
        row(VerifyErrorKind::MissingAuthorization),
        ("MissingAuthenticationToken", 401, None)
    );
    assert_eq!(
        row(VerifyErrorKind::MalformedAuthorization),
        ("InvalidAuthorization", 400, None)
    );
    assert_eq!(
        row(VerifyErrorKind::MissingDate),
        ("MissingRequestInfo", 400, Some(100_004))
    );
    assert_eq!(
        row(VerifyErrorKind::MissingSignedHeader),
        ("MissingRequestInfo", 400, Some(100_004))
    );
    for stale in [
        VerifyErrorKind::MalformedDate,
        VerifyErrorKind::Expired,
        VerifyErrorKind::FromFuture,
    ] {
        assert_eq!(row(stale), ("InvalidTimestamp", 400, Some(100_006)));
    }
    assert_eq!(
        row(VerifyErrorKind::CredentialDateMismatch),
        ("InvalidCredential", 400, None)
    );
    assert_eq!(
        row(VerifyErrorKind::UnknownAccessKey),
        ("InvalidAccessKey", 401, Some(100_009))
    );
    assert_eq!(
        row(VerifyErrorKind::InvalidSessionToken),
        ("InvalidSecretToken", 401, None)
    );
    assert_eq!(
        row(VerifyErrorKind::SignatureMismatch),
        ("SignatureDoesNotMatch", 401, Some(100_010))
    );
    assert_eq!(
        row(VerifyErrorKind::ServiceMismatch),
        ("ServiceNotFound", 404, Some(100_007))
    );
}

#[test]
fn a_returned_error_carries_its_kinds_mapping() {
    let err = volc_sign::parse_authorization("HMAC-SHA256 Credential=AK").unwrap_err();
    assert_eq!(err.kind(), VerifyErrorKind::MalformedAuthorization);
    let code: ErrorCode = err.code().parse().unwrap();
    assert_eq!(code, ErrorCode::InvalidAuthorization);
    assert_eq!(code.documented_status(), Some(err.http_status()));
    assert_eq!(code.documented_code_n(), err.code_n().map(i64::from));
    assert!(err.to_string().starts_with("InvalidAuthorization: "));
}
