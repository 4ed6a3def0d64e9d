//! Verification: every failure maps to its own kind and gateway code; the variants the
//! official SDKs send are accepted.

use std::collections::HashMap;
use std::time::Duration;

use volc_sign::{
    Credentials, Scope, SignableRequest, Signer, SigningTime, Verifier, VerifyErrorKind,
};

const AK: &str = "AKLTMjI2ODVlYzI3ZGY1NGU4ZjhjYWRjMTlmNTM5OTZkYzE";
const SK: &str = "TnpCak5XWXpZV1U0WkRaaE5ERmxaR0ZpTmpjeVkyUXlZek0wTWpJMU1qWQ==";
const STS_AK: &str = "AKTPstsexample";
const TOKEN: &str = "STS2eyJhbGciOiJIUzI1NiJ9.token";
const URI: &str = "/?Action=GetPullRecordTask&Version=2023-01-01";
const BODY: &[u8] = br#"{"TaskID":"task-0001"}"#;

fn time() -> SigningTime {
    SigningTime::parse("20240520T080910Z").unwrap()
}

fn creds() -> Credentials {
    Credentials::new(AK, SK).unwrap()
}

fn sts() -> Credentials {
    Credentials::new(STS_AK, "stssecret")
        .unwrap()
        .with_session_token(TOKEN)
        .unwrap()
}

fn verifier() -> Verifier<HashMap<String, Credentials>> {
    Verifier::new(HashMap::from([
        (AK.to_string(), creds()),
        (STS_AK.to_string(), sts()),
    ]))
    .expect_service("live")
}

fn live() -> Signer {
    Signer::new(Scope::new("cn-north-1", "live").unwrap())
}

fn request(body: &[u8]) -> http::Request<Vec<u8>> {
    http::Request::post(URI)
        .header("host", "live.volcengineapi.com")
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body.to_vec())
        .unwrap()
}

fn signed_with(signer: &Signer, c: &Credentials) -> http::Request<Vec<u8>> {
    let mut req = request(BODY);
    signer.sign_http(c, &mut req, time()).unwrap();
    req
}

fn signed() -> http::Request<Vec<u8>> {
    signed_with(&live(), &creds())
}

fn kind_of(req: &http::Request<Vec<u8>>) -> VerifyErrorKind {
    let err = verifier().verify(req, time().to_system_time()).unwrap_err();
    // Nothing secret in the message.
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SK) && !text.contains(TOKEN));
    err.kind()
}

#[test]
fn signed_request_is_accepted() {
    let ok = verifier()
        .verify(&signed(), time().to_system_time())
        .unwrap();
    assert_eq!(ok.access_key_id, AK);
    assert_eq!(ok.service, "live");
    assert_eq!(
        ok.signed_headers,
        ["content-type", "host", "x-content-sha256", "x-date"]
    );
    assert!(!ok.presigned);
}

#[test]
fn sts_request_is_accepted_and_token_is_checked() {
    let req = signed_with(&live(), &sts());
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.contains("SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token")
    );
    assert_eq!(req.headers()["x-security-token"], TOKEN);
    verifier().verify(&req, time().to_system_time()).unwrap();

    let mut wrong = signed_with(&live(), &sts());
    wrong
        .headers_mut()
        .insert("x-security-token", "STS2other".parse().unwrap());
    assert_eq!(kind_of(&wrong), VerifyErrorKind::InvalidSessionToken);

    let mut missing = signed_with(&live(), &sts());
    missing.headers_mut().remove("x-security-token");
    assert_eq!(kind_of(&missing), VerifyErrorKind::InvalidSessionToken);
}

#[test]
fn python_sdk_request_with_spaced_json_is_accepted() {
    // The Python SDK sends json.dumps output: a space after the colon.
    let mut req = request(br#"{"TaskID": "task-0001"}"#);
    live().sign_http(&creds(), &mut req, time()).unwrap();
    verifier().verify(&req, time().to_system_time()).unwrap();
}

/// Signs by hand (an independent implementation) over only the listed headers, in the listed
/// order, as other SDKs and demos do.
fn sign_subset(signed_headers: &[&str]) -> http::Request<Vec<u8>> {
    use sha2::{Digest, Sha256};
    let mut req = request(BODY);
    live().sign_http(&creds(), &mut req, time()).unwrap();
    let mut canonical = String::from("POST\n/\nAction=GetPullRecordTask&Version=2023-01-01\n");
    for name in signed_headers {
        let value = req.headers()[*name].to_str().unwrap();
        canonical.push_str(&format!("{name}:{value}\n"));
    }
    let list = signed_headers.join(";");
    canonical.push_str(&format!("\n{list}\n{}", hex::encode(Sha256::digest(BODY))));
    let signature = hand_signature(&canonical);
    let auth = format!(
        "HMAC-SHA256 Credential={AK}/20240520/cn-north-1/live/request, SignedHeaders={list}, Signature={signature}"
    );
    req.headers_mut()
        .insert("authorization", auth.parse().unwrap());
    req
}

fn hand_signature(canonical: &str) -> String {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    let h = |k: &[u8], m: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(k).unwrap();
        mac.update(m);
        mac.finalize().into_bytes().to_vec()
    };
    let k = h(SK.as_bytes(), b"20240520");
    let k = h(&k, b"cn-north-1");
    let k = h(&k, b"live");
    let k = h(&k, b"request");
    let sts = format!(
        "HMAC-SHA256\n20240520T080910Z\n20240520/cn-north-1/live/request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    hex::encode(h(&k, sts.as_bytes()))
}

#[test]
fn node_sdk_subset_of_signed_headers_is_accepted() {
    let req = sign_subset(&["x-content-sha256", "x-date"]);
    verifier().verify(&req, time().to_system_time()).unwrap();
    let only_date = sign_subset(&["x-date"]);
    verifier()
        .verify(&only_date, time().to_system_time())
        .unwrap();
}

#[test]
fn unsorted_signed_headers_are_verified_in_listed_order() {
    // The official Go demo lists headers unsorted; the server recomputes in the given order.
    let req = sign_subset(&["host", "x-date", "x-content-sha256", "content-type"]);
    verifier().verify(&req, time().to_system_time()).unwrap();
}

#[test]
fn subset_without_x_date_is_refused() {
    let req = sign_subset(&["host", "x-content-sha256"]);
    assert_eq!(kind_of(&req), VerifyErrorKind::MalformedAuthorization);
}

#[test]
fn each_failure_has_its_kind_code_and_status() {
    // Missing Authorization.
    let mut r = signed();
    r.headers_mut().remove("authorization");
    assert_eq!(kind_of(&r), VerifyErrorKind::MissingAuthorization);
    assert_eq!(
        VerifyErrorKind::MissingAuthorization.code(),
        "MissingAuthenticationToken"
    );
    assert_eq!(VerifyErrorKind::MissingAuthorization.http_status(), 401);

    // Malformed Authorization.
    for bad in [
        "HMAC-SHA1 Credential=a/20240520/cn-north-1/live/request, SignedHeaders=x-date, Signature=00",
        "garbage",
        "",
    ] {
        let mut r = signed();
        r.headers_mut().insert("authorization", bad.parse().unwrap());
        assert_eq!(kind_of(&r), VerifyErrorKind::MalformedAuthorization, "{bad}");
    }

    // Missing X-Date.
    let mut r = signed();
    r.headers_mut().remove("x-date");
    assert_eq!(kind_of(&r), VerifyErrorKind::MissingDate);
    assert_eq!(VerifyErrorKind::MissingDate.code(), "MissingRequestInfo");

    // Malformed X-Date.
    let mut r = signed();
    r.headers_mut()
        .insert("x-date", "20240520T080910+08:00".parse().unwrap());
    assert_eq!(kind_of(&r), VerifyErrorKind::MalformedDate);

    // Stale and future X-Date (signed correctly, just at the wrong time).
    let v = verifier();
    let req = signed();
    let signed_at = time().to_system_time();
    let stale = v
        .verify(&req, signed_at + Duration::from_secs(15 * 60 + 1))
        .unwrap_err();
    assert_eq!(stale.kind(), VerifyErrorKind::Expired);
    assert_eq!(
        (stale.code(), stale.http_status()),
        ("InvalidTimestamp", 400)
    );
    let future = v
        .verify(&req, signed_at - Duration::from_secs(15 * 60 + 1))
        .unwrap_err();
    assert_eq!(future.kind(), VerifyErrorKind::FromFuture);
    v.verify(&req, signed_at + Duration::from_secs(15 * 60))
        .unwrap();
    let strict = verifier().max_skew(Duration::from_secs(60));
    assert!(strict
        .verify(&req, signed_at + Duration::from_secs(61))
        .is_err());

    // Unknown key.
    let other = Credentials::new("AKLTunknown", SK).unwrap();
    let r = signed_with(&live(), &other);
    assert_eq!(kind_of(&r), VerifyErrorKind::UnknownAccessKey);
    assert_eq!(VerifyErrorKind::UnknownAccessKey.code(), "InvalidAccessKey");

    // Wrong secret.
    let wrong = Credentials::new(AK, "not-the-secret").unwrap();
    let r = signed_with(&live(), &wrong);
    assert_eq!(kind_of(&r), VerifyErrorKind::SignatureMismatch);
    assert_eq!(VerifyErrorKind::SignatureMismatch.code_n(), Some(100_010));

    // Changed body, changed signed header, changed query.
    let mut r = signed();
    *r.body_mut() = br#"{"TaskID":"task-0002"}"#.to_vec();
    assert_eq!(kind_of(&r), VerifyErrorKind::SignatureMismatch);
    let mut r = signed();
    r.headers_mut()
        .insert("content-type", "text/plain".parse().unwrap());
    assert_eq!(kind_of(&r), VerifyErrorKind::SignatureMismatch);
    let mut r = signed();
    *r.uri_mut() = "/?Action=StopPullRecordTask&Version=2023-01-01"
        .parse()
        .unwrap();
    assert_eq!(kind_of(&r), VerifyErrorKind::SignatureMismatch);

    // An unsigned header may change freely.
    let mut r = signed();
    r.headers_mut().insert("accept", "*/*".parse().unwrap());
    verifier().verify(&r, time().to_system_time()).unwrap();

    // A listed header that is not sent.
    let mut r = signed();
    r.headers_mut().remove("content-type");
    assert_eq!(kind_of(&r), VerifyErrorKind::MissingSignedHeader);

    // A signed header sent twice.
    let mut r = signed();
    r.headers_mut()
        .append("content-type", "application/json".parse().unwrap());
    assert_eq!(kind_of(&r), VerifyErrorKind::MalformedAuthorization);

    // Another service's scope.
    let iam = Signer::new(Scope::new("cn-north-1", "iam").unwrap());
    let r = signed_with(&iam, &creds());
    assert_eq!(kind_of(&r), VerifyErrorKind::ServiceMismatch);
    assert_eq!(VerifyErrorKind::ServiceMismatch.http_status(), 404);
}

#[test]
fn credential_date_must_match_x_date() {
    let mut r = signed();
    r.headers_mut()
        .insert("x-date", "20240521T080910Z".parse().unwrap());
    let err = verifier()
        .verify(
            &r,
            SigningTime::parse("20240521T080910Z")
                .unwrap()
                .to_system_time(),
        )
        .unwrap_err();
    assert_eq!(err.kind(), VerifyErrorKind::CredentialDateMismatch);
    assert_eq!(err.code(), "InvalidCredential");
}

#[test]
fn resigning_replaces_headers_for_a_retry() {
    let signer = live();
    let mut req = request(BODY);
    signer.sign_http(&sts(), &mut req, time()).unwrap();
    let later = SigningTime::parse("20240520T081010Z").unwrap();
    signer.sign_http(&creds(), &mut req, later).unwrap();
    assert_eq!(req.headers().get_all("x-date").iter().count(), 1);
    assert_eq!(req.headers()["x-date"], "20240520T081010Z");
    assert!(
        !req.headers().contains_key("x-security-token"),
        "stale token removed"
    );
    verifier().verify(&req, later.to_system_time()).unwrap();
}

#[test]
fn presigned_url_round_trips_and_expires() {
    let signer = live();
    let query = [("Action", "GetPullRecordTask"), ("Version", "2023-01-01")];
    for c in [creds(), sts()] {
        let signable = SignableRequest::new("GET", "live.volcengineapi.com", "/").query(&query);
        let p = signer
            .presign(&c, &signable, time(), Duration::from_secs(300))
            .unwrap();
        assert!(p.query().contains("X-SignedQueries="));
        assert!(!format!("{p:?}").contains(p.query()));
        let req = http::Request::get(format!("/?{}", p.query()))
            .header("host", "live.volcengineapi.com")
            .body(Vec::new())
            .unwrap();
        let ok = verifier().verify(&req, time().to_system_time()).unwrap();
        assert!(ok.presigned);
        verifier()
            .verify(&req, time().to_system_time() + Duration::from_secs(300))
            .unwrap();
        let late = verifier()
            .verify(&req, time().to_system_time() + Duration::from_secs(301))
            .unwrap_err();
        assert_eq!(late.kind(), VerifyErrorKind::Expired);

        // Tampering with any signed parameter is refused.
        let tampered = p.query().replace("GetPullRecordTask", "StopPullRecordTask");
        let req = http::Request::get(format!("/?{tampered}"))
            .body(Vec::new())
            .unwrap();
        assert_eq!(kind_of(&req), VerifyErrorKind::SignatureMismatch);
        // An extended lifetime is refused.
        let extended = p.query().replace("X-Expires=300", "X-Expires=3000");
        let req = http::Request::get(format!("/?{extended}"))
            .body(Vec::new())
            .unwrap();
        assert_eq!(kind_of(&req), VerifyErrorKind::SignatureMismatch);
        // An unsigned extra parameter is refused as unsigned.
        let req = http::Request::get(format!("/?{}&X-Expires=10", p.query()))
            .body(Vec::new())
            .unwrap();
        assert_eq!(kind_of(&req), VerifyErrorKind::MalformedAuthorization);
    }
}

#[test]
fn presign_rejects_bad_expiry() {
    let signable = SignableRequest::new("GET", "h", "/");
    for bad in [Duration::ZERO, Duration::from_secs(7 * 24 * 3600 + 1)] {
        assert!(matches!(
            live().presign(&creds(), &signable, time(), bad),
            Err(volc_sign::SignError::InvalidExpiry { .. })
        ));
    }
}
