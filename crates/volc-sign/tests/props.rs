//! Property tests: signing never panics on any input; sign then verify round-trips; any
//! one-byte change to what is signed is refused; the parsers never panic on foreign input.

use std::collections::HashMap;

use proptest::prelude::*;
use volc_sign::{
    canonical_query_string, parse_authorization, Credentials, Scope, SignableBody, SignableRequest,
    Signer, SigningTime, Verifier, VerifyErrorKind,
};

fn any_string() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,24}",
        "[ -~]{0,24}",
        proptest::collection::vec(any::<char>(), 0..12).prop_map(|v| v.into_iter().collect()),
    ]
}

/// Visible ASCII without leading or trailing space: what survives HTTP unchanged.
fn header_value() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,20}[!-~])?"
}

fn time() -> impl Strategy<Value = SigningTime> {
    (0i64..253_402_300_799).prop_map(|t| SigningTime::from_unix(t).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn signing_never_panics(
        method in any_string(),
        host in any_string(),
        path in any_string(),
        query in proptest::collection::vec((any_string(), any_string()), 0..5),
        headers in proptest::collection::vec((any_string(), any_string()), 0..5),
        body in proptest::collection::vec(any::<u8>(), 0..64),
        t in time(),
    ) {
        let signer = Signer::new(Scope::new("cn-north-1", "live").unwrap());
        let creds = Credentials::new("AK", "SK").unwrap();
        let q: Vec<(&str, &str)> = query.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let h: Vec<(&str, &str)> = headers.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let req = SignableRequest::new(&method, &host, &path)
            .query(&q)
            .headers(&h)
            .body(SignableBody::Bytes(&body));
        let _ = signer.sign(&creds, &req, t);
        let _ = signer.sign_with_trace(&creds, &req, t);
        let _ = signer.presign(&creds, &req, t, std::time::Duration::from_secs(60));
        let _ = canonical_query_string(&q);
    }

    #[test]
    fn authorization_parser_never_panics(s in any_string(), tail in any_string()) {
        let _ = parse_authorization(&s);
        let _ = parse_authorization(&format!("HMAC-SHA256 Credential={s}, SignedHeaders={tail}, Signature={s}"));
    }

    #[test]
    fn verifier_never_panics_on_foreign_requests(
        auth in any_string(),
        x_date in any_string(),
        uri_query in "[ -~]{0,40}",
        body in proptest::collection::vec(any::<u8>(), 0..32),
    ) {
        let verifier = Verifier::new(|_: &str| Credentials::new("AK", "SK").ok());
        let uri = format!("/?{}", uri_query.replace(['#', ' ', '"', '<', '>', '\\', '^', '`', '{', '|', '}'], ""));
        let mut builder = http::Request::post(uri.as_str());
        if let Ok(v) = http::HeaderValue::from_str(&auth) {
            builder = builder.header("authorization", v);
        }
        if let Ok(v) = http::HeaderValue::from_str(&x_date) {
            builder = builder.header("x-date", v);
        }
        if let Ok(req) = builder.body(body) {
            let _ = verifier.verify(&req, std::time::SystemTime::now());
        }
    }

    #[test]
    fn sign_then_verify_round_trips_and_one_byte_changes_are_refused(
        method in "(GET|POST|PUT|DELETE|PATCH)",
        segments in proptest::collection::vec(any_string(), 0..3),
        query in proptest::collection::vec((any_string(), any_string()), 0..4),
        headers in proptest::collection::vec(("[Xx]-[A-Za-z0-9-]{1,10}", header_value()), 0..3),
        body in proptest::collection::vec(any::<u8>(), 0..64),
        with_token in any::<bool>(),
        t in time(),
        which in any::<prop::sample::Index>(),
    ) {
        let mut creds = Credentials::new("AKLTprop", "secret").unwrap();
        if with_token {
            creds = creds.with_session_token("STS2token").unwrap();
        }
        // Signed header names must be unique (case-insensitively) to be signable.
        let mut seen = std::collections::HashSet::new();
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .filter(|(n, _)| seen.insert(n.to_ascii_lowercase()))
            .filter(|(n, _)| !["x-date", "x-content-sha256", "x-security-token"].contains(&n.to_ascii_lowercase().as_str()))
            .collect();
        let path: String = segments.iter().map(|s| format!("/{s}")).collect();
        let encoded_path: String = path
            .split('/')
            .map(|s| percent_encode(s.as_bytes()))
            .collect::<Vec<_>>()
            .join("/");
        let q: Vec<(&str, &str)> = query.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let query_string = canonical_query_string(&q);
        let uri = if query_string.is_empty() {
            if encoded_path.is_empty() { "/".to_string() } else { encoded_path.clone() }
        } else {
            format!("{}?{query_string}", if encoded_path.is_empty() { "/" } else { &encoded_path })
        };
        let mut builder = http::Request::builder()
            .method(method.as_str())
            .uri(uri.as_str())
            .header("host", "live.volcengineapi.com");
        for (n, v) in &headers {
            builder = builder.header(n.as_str(), v.as_str());
        }
        let mut req = builder.body(body.clone()).unwrap();
        let signer = Signer::new(Scope::new("cn-north-1", "live").unwrap());
        signer.sign_http(&creds, &mut req, t).unwrap();

        let lookup = HashMap::from([(creds.access_key_id().to_string(), creds.clone())]);
        let verifier = Verifier::new(lookup);
        let now = t.to_system_time();
        prop_assert!(verifier.verify(&req, now).is_ok());

        // One byte of the body.
        let mut changed = clone(&req);
        if changed.body().is_empty() {
            changed.body_mut().push(0);
        } else {
            let i = which.index(changed.body().len());
            changed.body_mut()[i] ^= 0x20;
        }
        prop_assert_eq!(verifier.verify(&changed, now).unwrap_err().kind(), VerifyErrorKind::SignatureMismatch);

        // One byte of a signed header the caller set.
        if let Some((name, value)) = headers.first() {
            let mut bytes = value.clone().into_bytes();
            let i = which.index(bytes.len());
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let mut changed = clone(&req);
            changed.headers_mut().insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_bytes(&bytes).unwrap(),
            );
            prop_assert!(verifier.verify(&changed, now).is_err());
        }

        // One byte of the signature.
        let auth = req.headers()["authorization"].to_str().unwrap().to_string();
        let mut bytes = auth.into_bytes();
        let i = bytes.len() - 1 - which.index(64);
        bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
        let mut changed = clone(&req);
        changed.headers_mut().insert("authorization", http::HeaderValue::from_bytes(&bytes).unwrap());
        prop_assert_eq!(verifier.verify(&changed, now).unwrap_err().kind(), VerifyErrorKind::SignatureMismatch);

        // A different method.
        let mut changed = clone(&req);
        *changed.method_mut() = if method == "GET" { http::Method::HEAD } else { http::Method::GET };
        prop_assert_eq!(verifier.verify(&changed, now).unwrap_err().kind(), VerifyErrorKind::SignatureMismatch);
    }
}

fn percent_encode(b: &[u8]) -> String {
    b.iter()
        .map(|&c| {
            if c.is_ascii_alphanumeric() || b"-_.~".contains(&c) {
                (c as char).to_string()
            } else {
                format!("%{c:02X}")
            }
        })
        .collect()
}

fn clone(r: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut out = http::Request::new(r.body().clone());
    *out.method_mut() = r.method().clone();
    *out.uri_mut() = r.uri().clone();
    *out.headers_mut() = r.headers().clone();
    out
}
