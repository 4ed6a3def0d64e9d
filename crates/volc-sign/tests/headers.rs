//! The signed headers as the signer reads them: any order and case gives one signature, and a
//! name given twice (in any case, sorted or not) is refused.

use volc_sign::{
    Credentials, Scope, SignError, SignableBody, SignableRequest, Signer, SigningTime,
};

fn sign(headers: &[(&str, &str)]) -> Result<volc_sign::SigningOutput, SignError> {
    let signer = Signer::new(Scope::new("cn-north-1", "live").unwrap());
    let creds = Credentials::new("AKLTexample", "c2VjcmV0").unwrap();
    let query = [("Action", "GetPullRecordTask"), ("Version", "2023-01-01")];
    let request = SignableRequest::new("POST", "live.volcengineapi.com", "/")
        .query(&query)
        .headers(headers)
        .body(SignableBody::Bytes(br#"{"TaskID":"t"}"#));
    signer.sign(
        &creds,
        &request,
        SigningTime::parse("20240520T080910Z").unwrap(),
    )
}

#[test]
fn order_and_case_of_names_do_not_change_the_signature() {
    let sorted = sign(&[
        ("content-type", "application/json"),
        ("x-top-a", "1"),
        ("x-top-b", "2"),
    ])
    .unwrap();
    for headers in [
        [
            ("X-Top-B", "2"),
            ("Content-Type", "application/json"),
            ("x-top-a", "1"),
        ],
        [
            ("x-top-a", "1"),
            ("X-TOP-B", "2"),
            ("CONTENT-TYPE", "application/json"),
        ],
    ] {
        let out = sign(&headers).unwrap();
        assert_eq!(out.signature(), sorted.signature(), "{headers:?}");
        assert_eq!(out.authorization(), sorted.authorization(), "{headers:?}");
    }
    assert!(sorted
        .authorization()
        .contains("SignedHeaders=content-type;host;x-content-sha256;x-date;x-top-a;x-top-b,"));
    let sig = sorted.signature();
    assert_eq!(sig.len(), 64);
    assert!(sig
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
}

#[test]
fn a_name_given_twice_is_refused_in_any_order_or_case() {
    for headers in [
        vec![("x-a", "1"), ("x-a", "2")],
        vec![("X-A", "1"), ("x-a", "2")],
        vec![("x-b", "1"), ("x-a", "1"), ("X-B", "2")],
        vec![("content-type", "a"), ("x-a", "1"), ("Content-Type", "b")],
    ] {
        match sign(&headers) {
            Err(SignError::DuplicateHeader { name }) => {
                assert_eq!(name, name.to_ascii_lowercase(), "{headers:?}");
            }
            other => panic!(
                "{headers:?}: {:?}",
                other.map(|o| o.content_sha256().to_owned())
            ),
        }
    }
    // A header the signer sets itself is replaced, not repeated.
    assert!(sign(&[("X-Date", "19700101T000000Z"), ("host", "other")]).is_ok());
}
