//! Every public signing vector (`vectors/sign.jsonl`, copied from the official signing code's
//! output) as its own test, each stage asserted separately, then verified and tampered with.

use volc_sign::vectors::{check_verify, parse_lines, Vector};
use volc_sign::{Credentials, Scope, SignableBody, SignableRequest, Signer, SigningTime};

const VECTORS: &str = include_str!("../vectors/sign.jsonl");

fn vector(name: &str) -> Vector {
    parse_lines(VECTORS)
        .into_iter()
        .map(|v| v.expect("vector file parses"))
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vector named {name}"))
}

fn assert_vector(name: &str) {
    let v = vector(name);
    let signer = Signer::new(Scope::new(&*v.region, &*v.service).unwrap());
    let mut creds = Credentials::new(&*v.ak, &*v.sk).unwrap();
    if !v.session_token.is_empty() {
        creds = creds.with_session_token(&*v.session_token).unwrap();
    }
    let query: Vec<(&str, &str)> = v
        .query
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let headers: Vec<(&str, &str)> = v
        .headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let req = SignableRequest::new(&v.method, &v.host, &v.path)
        .query(&query)
        .headers(&headers)
        .body(SignableBody::Bytes(v.body.as_bytes()));
    let time = SigningTime::parse(&v.x_date).unwrap();
    let (out, trace) = signer.sign_with_trace(&creds, &req, time).unwrap();

    assert_eq!(
        out.content_sha256(),
        v.expected.x_content_sha256,
        "x_content_sha256"
    );
    assert_eq!(
        trace.canonical_request(),
        v.expected.canonical_request,
        "canonical request"
    );
    assert_eq!(
        trace.string_to_sign(),
        v.expected.string_to_sign,
        "string to sign"
    );
    assert_eq!(out.signature(), v.expected.signature, "signature");
    assert_eq!(
        out.authorization(),
        v.expected.authorization,
        "authorization"
    );

    // The cached path gives the same signature as the traced one, twice over.
    let again = signer.sign(&creds, &req, time).unwrap();
    assert_eq!(
        again.signature(),
        v.expected.signature,
        "signature with cached key"
    );

    // A precomputed body hash signs identically.
    let hashed = req.body(SignableBody::PrecomputedSha256(
        &v.expected.x_content_sha256,
    ));
    assert_eq!(
        signer.sign(&creds, &hashed, time).unwrap().signature(),
        v.expected.signature
    );

    // The verifier accepts it, and refuses the one-byte alterations.
    assert_eq!(check_verify(&v), Ok(()));
}

macro_rules! vector_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { assert_vector(stringify!($name)); })*

        #[test]
        fn every_vector_in_the_file_has_a_test() {
            let mut named = vec![$(stringify!($name)),*];
            let mut in_file: Vec<String> =
                parse_lines(VECTORS).into_iter().map(|v| v.unwrap().name).collect();
            named.sort_unstable();
            in_file.sort_unstable();
            assert_eq!(named, in_file);
        }
    };
}

vector_tests!(
    doc_iam_listusers_get,
    live_get_pull_record_task_post_json,
    live_list_pull_record_task_post_json,
    live_get_pull_record_task_sts_token,
    query_encoding_edge_cases_get,
    host_with_port_443,
);
