//! The GetPullRecordTask signing workload, shared by the criterion bench and `cargo xtask bench
//! sign` (included by path) so both measure the same thing.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::SystemTime;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use volc_sign::{
    Credentials, Scope, SignableBody, SignableRequest, Signer, SigningOutput, SigningTime, Verifier,
};

const AK: &str = "AKLTMjI2ODVlYzI3ZGY1NGU4ZjhjYWRjMTlmNTM5OTZkYzE";
const SK: &str = "TnpCak5XWXpZV1U0WkRaaE5ERmxaR0ZpTmpjeVkyUXlZek0wTWpJMU1qWQ==";
const HOST: &str = "live.volcengineapi.com";
const QUERY: [(&str, &str); 2] = [("Action", "GetPullRecordTask"), ("Version", "2023-01-01")];
const HEADERS: [(&str, &str); 2] = [
    ("Accept", "application/json"),
    ("Content-Type", "application/json"),
];
const BODY: &[u8] = br#"{"TaskID":"task-0001"}"#;

/// Everything the four measured operations need, prepared once.
pub struct Fixture {
    creds: Credentials,
    cold: Signer,
    cached: Signer,
    verifier: Verifier<HashMap<String, Credentials>>,
    time: SigningTime,
    now: SystemTime,
    signed: http::Request<Vec<u8>>,
    canonical_request: Vec<u8>,
    string_to_sign: Vec<u8>,
    k_signing: [u8; 32],
}

impl Fixture {
    /// Prepares the workload; the cached signer's key is derived here.
    pub fn prepare() -> Self {
        let creds = Credentials::new(AK, SK).expect("valid keys");
        let scope = Scope::new("cn-north-1", "live").expect("valid scope");
        let time = SigningTime::parse("20240520T080910Z").expect("valid time");
        let cold = Signer::without_cache(scope.clone());
        let cached = Signer::new(scope);
        let (_, trace) = cached
            .sign_with_trace(&creds, &request(), time)
            .expect("signs");
        let mut signed =
            http::Request::post(format!("/?{}", volc_sign::canonical_query_string(&QUERY)))
                .header("host", HOST)
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .body(BODY.to_vec())
                .expect("valid request");
        cached.sign_http(&creds, &mut signed, time).expect("signs");
        let verifier = Verifier::new(HashMap::from([(AK.to_string(), creds.clone())]));
        let k_signing = ["20240520", "cn-north-1", "live", "request"]
            .iter()
            .fold(SK.as_bytes().to_vec(), |k, part| {
                hmac(&k, part.as_bytes()).to_vec()
            })
            .try_into()
            .expect("32 bytes");
        Self {
            creds,
            cold,
            cached,
            verifier,
            time,
            now: time.to_system_time(),
            signed,
            canonical_request: trace.canonical_request().as_bytes().to_vec(),
            string_to_sign: trace.string_to_sign().as_bytes().to_vec(),
            k_signing,
        }
    }

    /// Signs with a key derived for this call.
    pub fn sign_cold(&self) -> SigningOutput {
        self.cold
            .sign(&self.creds, &request(), black_box(self.time))
            .expect("signs")
    }

    /// Signs with the cached key.
    pub fn sign_cached(&self) -> SigningOutput {
        self.cached
            .sign(&self.creds, &request(), black_box(self.time))
            .expect("signs")
    }

    /// Verifies the signed request.
    pub fn verify(&self) {
        self.verifier
            .verify(black_box(&self.signed), self.now)
            .expect("verifies");
    }

    /// The crypto floor: SHA-256 of the body, SHA-256 of the canonical request, and the final
    /// HMAC with the signing key already derived.
    pub fn floor(&self) -> [u8; 32] {
        let body = Sha256::digest(black_box(BODY));
        let canonical = Sha256::digest(black_box(&self.canonical_request));
        black_box((body, canonical));
        hmac(&self.k_signing, black_box(&self.string_to_sign))
    }
}

fn request() -> SignableRequest<'static> {
    SignableRequest::new("POST", HOST, "/")
        .query(&QUERY)
        .headers(&HEADERS)
        .body(SignableBody::Bytes(BODY))
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}
