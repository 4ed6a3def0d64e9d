//! `cargo xtask demo`: the SDK at work, offline.
//!
//! Signs the example request from Volcengine's documentation and checks it against the
//! published signature, signs a Live GetPullRecordTask call with temporary credentials, checks
//! it with the server-side verifier, and shows tampered, stale and presigned requests. (When
//! the local Live emulator lands, the demo will also call it over loopback.)

use std::process::ExitCode;
use std::time::Duration;

use volc_sign::{
    canonical_query_string, Credentials, Scope, SignableBody, SignableRequest, Signer, SigningTime,
    Verifier,
};

/// The documentation's public example key pair.
const DOC_AK: &str = "AKLTMjI2ODVlYzI3ZGY1NGU4ZjhjYWRjMTlmNTM5OTZkYzE";
const DOC_SK: &str = "TnpCak5XWXpZV1U0WkRaaE5ERmxaR0ZpTmpjeVkyUXlZek0wTWpJMU1qWQ==";
const DOC_SIGNATURE: &str = "28eeabbbd726b87002e0fe58ad8c1c768e619b06e2646f35b6ad7ed029a6d8a7";

fn step(n: u32, title: &str) {
    println!("\n[{n}] {title}");
}

/// What is shown of a secret value: its length only.
fn masked(s: &str) -> String {
    format!("<redacted, {} chars>", s.len())
}

pub fn run() -> ExitCode {
    match demo() {
        Ok(()) => {
            println!("\ndemo finished: every step behaved as expected");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\ndemo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> Result<(), Box<dyn std::error::Error>> {
    println!("volc-live demo: Volcengine request signing, offline");

    step(
        1,
        "Sign the documentation's IAM ListUsers example (service iam, not Live)",
    );
    let iam = Signer::new(Scope::new("cn-north-1", "iam")?);
    let doc_creds = Credentials::new(DOC_AK, DOC_SK)?;
    let query = [
        ("Action", "ListUsers"),
        ("Version", "2018-01-01"),
        ("Limit", "10"),
        ("Offset", "0"),
    ];
    let headers = [(
        "Content-Type",
        "application/x-www-form-urlencoded; charset=utf-8",
    )];
    let req = SignableRequest::new("GET", "iam.volcengineapi.com", "/")
        .query(&query)
        .headers(&headers);
    let (out, trace) =
        iam.sign_with_trace(&doc_creds, &req, SigningTime::parse("20201230T081805Z")?)?;
    println!("    canonical request:");
    for line in trace.redacted_canonical_request().lines() {
        println!("      | {line}");
    }
    println!("    string to sign:");
    for line in trace.string_to_sign().lines() {
        println!("      | {line}");
    }
    let matches = out.signature() == DOC_SIGNATURE;
    println!(
        "    the signature {} the documentation's published signature",
        if matches { "matches" } else { "DOES NOT match" }
    );
    if !matches {
        return Err("the documentation example did not reproduce".into());
    }

    step(
        2,
        "Sign a Live GetPullRecordTask call with temporary (STS) credentials",
    );
    let live = Signer::new(Scope::new("cn-north-1", "live")?);
    let sts = Credentials::new("AKTPdemoexample", "demo-secret")?
        .with_session_token("STS2demo-session-token")?;
    let now = SigningTime::parse("20240520T080910Z")?;
    let uri = format!(
        "/?{}",
        canonical_query_string(&[("Action", "GetPullRecordTask"), ("Version", "2023-01-01")])
    );
    let mut request = http::Request::post(uri.as_str())
        .header("host", "live.volcengineapi.com")
        .header("content-type", "application/json")
        .body(br#"{"TaskID":"5b903f78c7f5ae01f6fe2eea"}"#.to_vec())?;
    live.sign_http(&sts, &mut request, now)?;
    for (name, value) in request.headers() {
        let shown = if value.is_sensitive() {
            masked(value.to_str().unwrap_or_default())
        } else {
            value.to_str().unwrap_or_default().to_string()
        };
        println!("    {name}: {shown}");
    }
    println!("    (Authorization and X-Security-Token are marked sensitive and not shown)");

    step(3, "Verify it as a server would");
    let known = sts.clone();
    let verifier =
        Verifier::new(move |ak: &str| (ak == known.access_key_id()).then(|| known.clone()))
            .expect_service("live");
    let ok = verifier.verify(&request, now.to_system_time())?;
    println!(
        "    accepted: access key {}, service {}, signed headers {}",
        ok.access_key_id,
        ok.service,
        ok.signed_headers.join(";")
    );

    step(4, "Tamper with the body, and replay it 20 minutes later");
    let mut tampered =
        http::Request::post(uri.as_str()).body(br#"{"TaskID":"someone-else"}"#.to_vec())?;
    *tampered.headers_mut() = request.headers().clone();
    match verifier.verify(&tampered, now.to_system_time()) {
        Err(e) => println!("    tampered body refused: {e} (HTTP {})", e.http_status()),
        Ok(_) => return Err("a tampered request was accepted".into()),
    }
    match verifier.verify(
        &request,
        now.to_system_time() + Duration::from_secs(20 * 60),
    ) {
        Err(e) => println!("    replay refused: {e} (HTTP {})", e.http_status()),
        Ok(_) => return Err("a stale request was accepted".into()),
    }

    step(5, "Presign a URL valid for five minutes");
    let query = [("Action", "GetPullRecordTask"), ("Version", "2023-01-01")];
    let presigned = live.presign(
        &sts,
        &SignableRequest::new("GET", "live.volcengineapi.com", "/")
            .query(&query)
            .body(SignableBody::Bytes(b"")),
        now,
        Duration::from_secs(300),
    )?;
    let names: Vec<&str> = presigned
        .query()
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .collect();
    println!("    query parameters: {}", names.join(", "));
    let url_request = http::Request::get(format!("/?{}", presigned.query()))
        .header("host", "live.volcengineapi.com")
        .body(Vec::new())?;
    let ok = verifier.verify(&url_request, now.to_system_time() + Duration::from_secs(60))?;
    println!(
        "    accepted one minute later (presigned: {})",
        ok.presigned
    );
    match verifier.verify(
        &url_request,
        now.to_system_time() + Duration::from_secs(301),
    ) {
        Err(e) => println!("    refused after five minutes: {e}"),
        Ok(_) => return Err("an expired presigned URL was accepted".into()),
    }
    Ok(())
}
