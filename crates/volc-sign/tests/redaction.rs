//! No secret (secret key, session token, signature, Authorization) appears in any `Debug` or
//! `Display` output, nor in an error.

use std::time::Duration;

use volc_sign::{
    Credentials, Scope, SignableBody, SignableRequest, Signer, SigningKeyCache, SigningTime,
    Verifier,
};

const SECRET: &str = "SECRET-KEY-must-not-leak";
const TOKEN: &str = "SESSION-TOKEN-must-not-leak";

#[test]
fn nothing_secret_in_debug_display_or_errors() {
    let creds = Credentials::new("AKLTvisible", SECRET)
        .unwrap()
        .with_session_token(TOKEN)
        .unwrap();
    let cache = SigningKeyCache::new();
    let signer = Signer::with_cache(Scope::new("cn-north-1", "live").unwrap(), cache.clone());
    let time = SigningTime::parse("20240520T080910Z").unwrap();
    let query = [("Action", "GetPullRecordTask"), ("Version", "2023-01-01")];
    let headers = [("Content-Type", "application/json")];
    let req = SignableRequest::new("POST", "live.volcengineapi.com", "/")
        .query(&query)
        .headers(&headers)
        .body(SignableBody::Bytes(b"{}"));
    let (out, trace) = signer.sign_with_trace(&creds, &req, time).unwrap();
    let presigned = signer
        .presign(&creds, &req, time, Duration::from_secs(60))
        .unwrap();
    let signature = out.signature().to_string();
    let authorization = out.authorization().to_string();
    assert!(
        trace.canonical_request().contains(TOKEN),
        "the raw trace is exact"
    );

    let mut http_req = http::Request::post("/?Action=GetPullRecordTask&Version=2023-01-01")
        .header("host", "live.volcengineapi.com")
        .body(b"{}".to_vec())
        .unwrap();
    signer.sign_http(&creds, &mut http_req, time).unwrap();
    let wrong = Credentials::new("AKLTvisible", "other")
        .unwrap()
        .with_session_token(TOKEN)
        .unwrap();
    let verifier = Verifier::new(move |_: &str| Some(wrong.clone()));
    let err = verifier
        .verify(&http_req, time.to_system_time())
        .unwrap_err();
    let sign_err = Credentials::new("AKLTvisible", SECRET)
        .unwrap()
        .with_session_token(format!("{TOKEN}\n"))
        .unwrap_err();

    let shown = [
        format!("{creds:?}"),
        format!("{creds:#?}"),
        format!("{signer:?}"),
        format!("{cache:?}"),
        format!("{out:?}"),
        format!("{out:#?}"),
        format!("{trace:?}"),
        trace.redacted_canonical_request(),
        format!("{presigned:?}"),
        format!("{verifier:?}"),
        format!("{err}"),
        format!("{err:?}"),
        format!("{sign_err}"),
        format!("{sign_err:?}"),
    ];
    for s in &shown {
        for secret in [SECRET, TOKEN, &signature, &authorization] {
            assert!(!s.contains(secret), "{s:?} shows a secret");
        }
    }
    assert!(trace
        .redacted_canonical_request()
        .contains("x-security-token:<redacted>"));
    assert!(format!("{out:?}").contains("20240520T080910Z"));

    // The sensitive headers are marked so HTTP/2 will not index them.
    assert!(http_req.headers()["authorization"].is_sensitive());
    assert!(http_req.headers()["x-security-token"].is_sensitive());
}
