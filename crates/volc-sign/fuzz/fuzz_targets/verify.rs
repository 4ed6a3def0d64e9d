//! Fuzzes the verifier with foreign requests: the input is split into a query string, an
//! `Authorization`, an `X-Date`, an `X-Security-Token`, a `Content-Type` and a body. Never a
//! panic, and nothing forged is accepted.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use volc_sign::{Credentials, Verifier};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(6, |&b| b == 0);
    let mut next = || parts.next().unwrap_or_default();
    let (query, auth, x_date, token, content_type, body) =
        (next(), next(), next(), next(), next(), next());

    let mut builder = http::Request::post("/");
    if let Ok(q) = std::str::from_utf8(query) {
        if let Ok(uri) = format!("/?{q}").parse::<http::Uri>() {
            builder = http::Request::post(uri);
        }
    }
    builder = builder.header("host", "live.volcengineapi.com");
    for (name, value) in [
        ("authorization", auth),
        ("x-date", x_date),
        ("x-security-token", token),
        ("content-type", content_type),
    ] {
        if let Ok(v) = http::HeaderValue::from_bytes(value) {
            builder = builder.header(name, v);
        }
    }
    let Ok(request) = builder.body(body.to_vec()) else {
        return;
    };
    let verifier = Verifier::new(|ak: &str| {
        (ak == "AKLTfuzz").then(|| Credentials::new("AKLTfuzz", "fuzz-secret").ok()).flatten()
    });
    let now = UNIX_EPOCH + Duration::from_secs(1_716_192_550);
    // A forged signature would have to guess HMAC output: acceptance means a bug.
    assert!(verifier.verify(&request, now).is_err());
});
