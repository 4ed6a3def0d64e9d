//! Signing vectors: the file format of the official vectors, and checks that sign (and
//! verify) each one. Enabled by the `vectors` feature.
//!
//! A vector file holds one JSON object per line (blank lines are skipped), with the fields
//! `name`, `method`, `host`, `path` (decoded), `query` (decoded `[key, value]` pairs in
//! request order), `headers` (`[name, value]` pairs set before signing), `body`, `ak`, `sk`,
//! `session_token` (`""` for none), `region`, `service`, `x_date`, and `expected` with
//! `x_content_sha256`, `canonical_request`, `string_to_sign`, `signature` and `authorization`.
//!
//! ```
//! use volc_sign::vectors::{check_sign, check_verify, parse_lines};
//!
//! let line = r#"{"name":"doc","method":"GET","host":"iam.volcengineapi.com","path":"/","query":[["Action","ListUsers"],["Version","2018-01-01"],["Limit","10"],["Offset","0"]],"headers":[["Content-Type","application/x-www-form-urlencoded; charset=utf-8"]],"body":"","ak":"AKLTMjI2ODVlYzI3ZGY1NGU4ZjhjYWRjMTlmNTM5OTZkYzE","sk":"TnpCak5XWXpZV1U0WkRaaE5ERmxaR0ZpTmpjeVkyUXlZek0wTWpJMU1qWQ==","session_token":"","region":"cn-north-1","service":"iam","x_date":"20201230T081805Z","expected":{"x_content_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","canonical_request":"GET\n/\nAction=ListUsers&Limit=10&Offset=0&Version=2018-01-01\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.volcengineapi.com\nx-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-date:20201230T081805Z\n\ncontent-type;host;x-content-sha256;x-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","string_to_sign":"HMAC-SHA256\n20201230T081805Z\n20201230/cn-north-1/iam/request\n3a4d4dee07c3308a52da01bc12d7a83c3705bfa543f51648f46de880bb2a7447","signature":"28eeabbbd726b87002e0fe58ad8c1c768e619b06e2646f35b6ad7ed029a6d8a7","authorization":"HMAC-SHA256 Credential=AKLTMjI2ODVlYzI3ZGY1NGU4ZjhjYWRjMTlmNTM5OTZkYzE/20201230/cn-north-1/iam/request, SignedHeaders=content-type;host;x-content-sha256;x-date, Signature=28eeabbbd726b87002e0fe58ad8c1c768e619b06e2646f35b6ad7ed029a6d8a7"}}"#;
//! let vector = parse_lines(line).remove(0).unwrap();
//! assert_eq!(check_sign(&vector), Ok(()));
//! assert_eq!(check_verify(&vector), Ok(()));
//! ```

use std::fmt;

use serde::Deserialize;

use crate::encode::encode_path_into;
use crate::{
    canonical_query_string, Credentials, Scope, SignableBody, SignableRequest, Signer, SigningTime,
    Verifier, VerifyErrorKind,
};

/// One signing vector.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct Vector {
    /// Unique case name.
    pub name: String,
    /// Where the expected values come from.
    #[serde(default)]
    pub source: String,
    /// HTTP method.
    pub method: String,
    /// The `Host` as sent.
    pub host: String,
    /// The decoded path.
    pub path: String,
    /// Decoded query pairs, in request order.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// Headers set before signing.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body, as UTF-8 text.
    #[serde(default)]
    pub body: String,
    /// Access key id.
    pub ak: String,
    /// Secret key.
    pub sk: String,
    /// Session token, empty for none.
    #[serde(default)]
    pub session_token: String,
    /// Scope region.
    pub region: String,
    /// Scope service.
    pub service: String,
    /// Signing time.
    pub x_date: String,
    /// The expected results.
    pub expected: Expected,
}

impl fmt::Debug for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vector")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// What a conforming signer produces for a vector.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct Expected {
    /// Hex SHA-256 of the body.
    pub x_content_sha256: String,
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The hex signature.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Parses a vector file: one result per non-blank line, an error naming the line number.
pub fn parse_lines(text: &str) -> Vec<Result<Vector, String>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str::<Vector>(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// How a vector failed: the first field that differs (or the step that failed) and what was
/// expected and found. Signatures and `Authorization` values are not repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The field or step, e.g. `canonical_request` or `verify: altered body accepted`.
    pub field: String,
    /// What was expected (empty where it would be a secret).
    pub expected: String,
    /// What was found (empty where it would be a secret).
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.expected.is_empty() && self.actual.is_empty() {
            write!(f, "{}", self.field)
        } else {
            write!(
                f,
                "{}: expected {:?}, got {:?}",
                self.field, self.expected, self.actual
            )
        }
    }
}

fn fail(
    field: impl Into<String>,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Mismatch {
    Mismatch {
        field: field.into(),
        expected: expected.into(),
        actual: actual.into(),
    }
}

struct Prepared {
    signer: Signer,
    creds: Credentials,
    time: SigningTime,
}

fn prepare(v: &Vector) -> Result<Prepared, Mismatch> {
    let scope =
        Scope::new(&*v.region, &*v.service).map_err(|e| fail(format!("input: {e}"), "", ""))?;
    let mut creds =
        Credentials::new(&*v.ak, &*v.sk).map_err(|e| fail(format!("input: {e}"), "", ""))?;
    if !v.session_token.is_empty() {
        creds = creds
            .with_session_token(&*v.session_token)
            .map_err(|e| fail(format!("input: {e}"), "", ""))?;
    }
    let time = SigningTime::parse(&v.x_date).map_err(|e| fail(format!("input: {e}"), "", ""))?;
    Ok(Prepared {
        signer: Signer::without_cache(scope),
        creds,
        time,
    })
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// Signs the vector and compares, in order, `x_content_sha256`, `canonical_request`,
/// `string_to_sign`, `signature` and `authorization`; returns the first that differs.
pub fn check_sign(v: &Vector) -> Result<(), Mismatch> {
    let p = prepare(v)?;
    let query = pairs(&v.query);
    let headers = pairs(&v.headers);
    let req = SignableRequest::new(&v.method, &v.host, &v.path)
        .query(&query)
        .headers(&headers)
        .body(SignableBody::Bytes(v.body.as_bytes()));
    let (out, trace) = p
        .signer
        .sign_with_trace(&p.creds, &req, p.time)
        .map_err(|e| fail(format!("sign: {e}"), "", ""))?;
    let e = &v.expected;
    if out.content_sha256() != e.x_content_sha256 {
        return Err(fail(
            "x_content_sha256",
            &*e.x_content_sha256,
            out.content_sha256(),
        ));
    }
    if trace.canonical_request() != e.canonical_request {
        return Err(fail(
            "canonical_request",
            &*e.canonical_request,
            trace.canonical_request(),
        ));
    }
    if trace.string_to_sign() != e.string_to_sign {
        return Err(fail(
            "string_to_sign",
            &*e.string_to_sign,
            trace.string_to_sign(),
        ));
    }
    if out.signature() != e.signature {
        return Err(fail("signature", "", ""));
    }
    if out.authorization() != e.authorization {
        return Err(fail("authorization", "", ""));
    }
    Ok(())
}

/// The vector's request as a server receives it, signed: origin-form URI with the canonical
/// query, the vector's headers plus `Host` and the signer's headers, and the body.
pub fn signed_http_request(v: &Vector) -> Result<http::Request<Vec<u8>>, Mismatch> {
    let p = prepare(v)?;
    let mut uri = String::new();
    encode_path_into(v.path.as_bytes(), |b| {
        uri.push_str(std::str::from_utf8(b).unwrap_or_default())
    });
    if !v.query.is_empty() {
        uri.push('?');
        uri.push_str(&canonical_query_string(&pairs(&v.query)));
    }
    let mut builder = http::Request::builder()
        .method(v.method.as_str())
        .uri(uri)
        .header(http::header::HOST, v.host.as_str());
    for (name, value) in &v.headers {
        if !crate::request::is_signer_owned(name) {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    let mut req = builder
        .body(v.body.as_bytes().to_vec())
        .map_err(|e| fail(format!("input: cannot build the HTTP request: {e}"), "", ""))?;
    p.signer
        .sign_http(&p.creds, &mut req, p.time)
        .map_err(|e| fail(format!("sign: {e}"), "", ""))?;
    Ok(req)
}

/// Sends the vector's signed request through a [`Verifier`] at the vector's time and expects
/// acceptance; then alters the body, one signed header and the signature by one byte each and
/// expects three `SignatureDoesNotMatch` rejections.
pub fn check_verify(v: &Vector) -> Result<(), Mismatch> {
    let p = prepare(v)?;
    let req = signed_http_request(v)?;
    let creds = p.creds.clone();
    let verifier =
        Verifier::new(move |ak: &str| (ak == creds.access_key_id()).then(|| creds.clone()));
    let now = p.time.to_system_time();
    verifier
        .verify(&req, now)
        .map_err(|e| fail(format!("verify: signed request refused: {e}"), "", ""))?;

    let rejected = |what: &str, r: &http::Request<Vec<u8>>| -> Result<(), Mismatch> {
        match verifier.verify(r, now) {
            Err(e) if e.kind() == VerifyErrorKind::SignatureMismatch => Ok(()),
            Err(e) => Err(fail(
                format!(
                    "verify: altered {what} refused with {} instead of SignatureDoesNotMatch",
                    e.code()
                ),
                "",
                "",
            )),
            Ok(_) => Err(fail(format!("verify: altered {what} accepted"), "", "")),
        }
    };

    let mut body = clone_request(&req);
    match body.body_mut().last_mut() {
        Some(b) => *b ^= 0x01,
        None => body.body_mut().push(b'x'),
    }
    rejected("body", &body)?;

    let auth = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|a| a.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let parsed = crate::parse_authorization(&auth)
        .map_err(|e| fail(format!("verify: own Authorization unparsable: {e}"), "", ""))?;
    let name = parsed
        .signed_header_names()
        .next()
        .unwrap_or("host")
        .to_owned();
    let mut header = clone_request(&req);
    let mut value = header
        .headers()
        .get(name.as_str())
        .map(|h| h.as_bytes().to_vec())
        .unwrap_or_default();
    match value.last_mut() {
        Some(b) => *b = if *b == b'a' { b'b' } else { b'a' },
        None => value.push(b'a'),
    }
    let value = http::HeaderValue::from_bytes(&value)
        .map_err(|_| fail("verify: cannot alter a header", "", ""))?;
    let header_name = http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| fail("verify: cannot alter a header", "", ""))?;
    header.headers_mut().insert(header_name, value);
    rejected(&format!("header {name}"), &header)?;

    let mut sig = clone_request(&req);
    let mut auth_bytes = auth.into_bytes();
    if let Some(b) = auth_bytes.last_mut() {
        *b = if *b == b'0' { b'1' } else { b'0' };
    }
    let auth_value = http::HeaderValue::from_bytes(&auth_bytes)
        .map_err(|_| fail("verify: cannot alter the signature", "", ""))?;
    sig.headers_mut()
        .insert(http::header::AUTHORIZATION, auth_value);
    rejected("signature", &sig)
}

fn clone_request(r: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut out = http::Request::new(r.body().clone());
    *out.method_mut() = r.method().clone();
    *out.uri_mut() = r.uri().clone();
    *out.headers_mut() = r.headers().clone();
    out
}
