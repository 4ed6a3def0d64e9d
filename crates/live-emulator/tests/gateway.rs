//! The gateway: signatures from volc-sign pass; every way of getting them wrong fails with the
//! documented code and status; the official SDKs' request styles pass.

mod common;

use std::time::{Duration, SystemTime};

use common::Client;
use live_emulator::{Emulator, EmulatorConfig, EmulatorCredential, EXAMPLE_TASK_ID};
use volc_sign::Credentials;

const GET_EXAMPLE: &str = r#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#;

async fn start() -> (Emulator, Client) {
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let c = Client::demo(&e.base_url());
    (e, c)
}

#[tokio::test]
async fn serves_the_documented_example_task_to_a_signed_request() {
    let (e, c) = start().await;
    let a = c.call("GetPullRecordTask", GET_EXAMPLE).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let r = a.result();
    assert_eq!(r["TaskId"], EXAMPLE_TASK_ID);
    assert_eq!(r["Vhost"], "example.com");
    assert_eq!(r["Domain"], "pull.example.com");
    assert_eq!(r["App"], "live");
    assert_eq!(r["Stream"], "example_stream");
    assert_eq!(r["StartTime"], "2023-10-09T15:16:15+08:00");
    assert_eq!(r["Status"], "已结束", "its end time has passed");
    assert_eq!(a.json["ResponseMetadata"]["Action"], "GetPullRecordTask");
    assert_eq!(a.json["ResponseMetadata"]["Service"], "live");
    assert!(!a.request_id().is_empty());
    e.shutdown().await;
}

#[tokio::test]
async fn wrongly_signed_requests_fail_with_the_right_code_and_status() {
    let (e, c) = start().await;

    let wrong = Client::new(
        &e.base_url(),
        Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, "wrong").unwrap(),
    );
    let a = wrong.call("GetPullRecordTask", GET_EXAMPLE).await;
    assert_eq!((a.status, a.code()), (401, "SignatureDoesNotMatch"));
    assert_eq!(a.json["ResponseMetadata"]["Error"]["CodeN"], 100010);

    let mut changed = c.signed("GetPullRecordTask", GET_EXAMPLE.as_bytes());
    *changed.body_mut() = bytes::Bytes::from_static(br#"{"TaskID":"other"}"#);
    let a = c.send(changed).await.unwrap();
    assert_eq!((a.status, a.code()), (401, "SignatureDoesNotMatch"));

    let stale = c
        .call_at(
            "GetPullRecordTask",
            GET_EXAMPLE,
            SystemTime::now() - Duration::from_secs(20 * 60),
        )
        .await;
    assert_eq!((stale.status, stale.code()), (400, "InvalidTimestamp"));

    let unknown = Client::new(&e.base_url(), Credentials::new("AKLTunknown", "s").unwrap());
    let a = unknown.call("GetPullRecordTask", GET_EXAMPLE).await;
    assert_eq!((a.status, a.code()), (401, "InvalidAccessKey"));

    let a = c
        .send(c.unsigned("GetPullRecordTask", GET_EXAMPLE.as_bytes()))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (401, "MissingAuthenticationToken"));

    let mut no_date = c.signed("GetPullRecordTask", GET_EXAMPLE.as_bytes());
    no_date.headers_mut().remove("x-date");
    let a = c.send(no_date).await.unwrap();
    assert_eq!((a.status, a.code()), (400, "MissingRequestInfo"));

    let mut garbled = c.signed("GetPullRecordTask", GET_EXAMPLE.as_bytes());
    garbled
        .headers_mut()
        .insert("authorization", "HMAC-SHA256 nonsense".parse().unwrap());
    let a = c.send(garbled).await.unwrap();
    assert_eq!((a.status, a.code()), (400, "InvalidAuthorization"));

    let iam = Client {
        signer: volc_sign::Signer::new(volc_sign::Scope::new("cn-north-1", "iam").unwrap()),
        ..Client::demo(&e.base_url())
    };
    let a = iam.call("GetPullRecordTask", GET_EXAMPLE).await;
    assert_eq!((a.status, a.code()), (404, "ServiceNotFound"));

    // Every error is an envelope with a fresh request id.
    let ids: std::collections::HashSet<String> = [
        c.call("GetPullRecordTask", r#"{"TaskID":"nope-1"}"#).await,
        c.call("GetPullRecordTask", r#"{"TaskID":"nope-2"}"#).await,
    ]
    .iter()
    .map(|a| a.request_id().to_owned())
    .collect();
    assert_eq!(ids.len(), 2);
    e.shutdown().await;
}

#[tokio::test]
async fn action_and_version_are_checked_first() {
    let (e, c) = start().await;
    let req = |q: &str| {
        http::Request::post(format!("{}/{q}", c.base))
            .body(bytes::Bytes::new())
            .unwrap()
    };
    let a = c.send(req("")).await.unwrap();
    assert_eq!((a.status, a.code()), (400, "MissingParameter"));
    let a = c.send(req("?Action=GetPullRecordTask")).await.unwrap();
    assert_eq!((a.status, a.code()), (400, "MissingParameter"));
    let a = c
        .send(req("?Action=DeletePullRecordTask&Version=2023-01-01"))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (404, "InvalidActionOrVersion"));
    let a = c
        .send(req("?Action=GetPullRecordTask&Version=2018-01-01"))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (404, "InvalidActionOrVersion"));
    e.shutdown().await;
}

#[tokio::test]
async fn the_python_sdk_request_passes() {
    // json.dumps writes a space after the colon; the SDK signs content-type;host;x-content-sha256;x-date.
    let (e, c) = start().await;
    let req = c.signed(
        "GetPullRecordTask",
        br#"{"TaskID": "5b903f78c7f5ae*******01f6fe2eea"}"#,
    );
    let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
    assert!(auth.contains("SignedHeaders=content-type;host;x-content-sha256;x-date,"));
    let a = c.send(req).await.unwrap();
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    e.shutdown().await;
}

#[tokio::test]
async fn the_node_sdk_request_passes() {
    // The Node SDK signs only x-content-sha256;x-date (and sends no signed host).
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    let (e, c) = start().await;
    let body = GET_EXAMPLE.as_bytes();
    let now = volc_sign::SigningTime::from_system_time(SystemTime::now()).unwrap();
    let hash = hex::encode(Sha256::digest(body));
    let canonical = format!(
        "POST\n/\nAction=GetPullRecordTask&Version=2023-01-01\nx-content-sha256:{hash}\nx-date:{}\n\nx-content-sha256;x-date\n{hash}",
        now.as_str()
    );
    let mac = |k: &[u8], m: &[u8]| {
        let mut h = Hmac::<Sha256>::new_from_slice(k).unwrap();
        h.update(m);
        h.finalize().into_bytes().to_vec()
    };
    let mut key = live_emulator::DEMO_SECRET_KEY.as_bytes().to_vec();
    for part in [now.date(), "cn-north-1", "live", "request"] {
        key = mac(&key, part.as_bytes());
    }
    let sts = format!(
        "HMAC-SHA256\n{}\n{}/cn-north-1/live/request\n{}",
        now.as_str(),
        now.date(),
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let signature = hex::encode(mac(&key, sts.as_bytes()));
    let mut req = c.unsigned("GetPullRecordTask", body);
    req.headers_mut()
        .insert("x-date", now.as_str().parse().unwrap());
    req.headers_mut()
        .insert("x-content-sha256", hash.parse().unwrap());
    req.headers_mut().insert(
        "authorization",
        format!(
            "HMAC-SHA256 Credential={}/{}/cn-north-1/live/request, SignedHeaders=x-content-sha256;x-date, Signature={signature}",
            live_emulator::DEMO_ACCESS_KEY_ID,
            now.date()
        )
        .parse()
        .unwrap(),
    );
    let a = c.send(req).await.unwrap();
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    e.shutdown().await;
}

#[tokio::test]
async fn sts_credentials_need_their_token() {
    let sts = EmulatorCredential::new("AKTPsts", "sts-secret", "2100000001")
        .with_session_token("STS2token");
    let e = Emulator::start(EmulatorConfig::new().credential(sts))
        .await
        .unwrap();
    let good = Client::new(
        &e.base_url(),
        Credentials::new("AKTPsts", "sts-secret")
            .unwrap()
            .with_session_token("STS2token")
            .unwrap(),
    );
    assert_eq!(
        good.call("GetPullRecordTask", GET_EXAMPLE).await.status,
        200
    );
    let bad = Client::new(
        &e.base_url(),
        Credentials::new("AKTPsts", "sts-secret")
            .unwrap()
            .with_session_token("STS2other")
            .unwrap(),
    );
    let a = bad.call("GetPullRecordTask", GET_EXAMPLE).await;
    assert_eq!((a.status, a.code()), (401, "InvalidSecretToken"));
    let none = Client::new(
        &e.base_url(),
        Credentials::new("AKTPsts", "sts-secret").unwrap(),
    );
    assert_eq!(
        none.call("GetPullRecordTask", GET_EXAMPLE).await.code(),
        "InvalidSecretToken"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn https_with_the_generated_certificate() {
    let e = Emulator::start(EmulatorConfig::new().tls(live_emulator::TlsConfig::default()))
        .await
        .unwrap();
    assert!(e.base_url().starts_with("https://127.0.0.1:"));
    let mut c = Client::demo(&e.base_url());
    c.transport = live_transport::HyperTransport::builder()
        .root_certificates(live_transport::RootCertificates::Only(vec![e
            .certificate_der()
            .unwrap()
            .to_vec()]))
        .build()
        .unwrap();
    assert_eq!(c.call("GetPullRecordTask", GET_EXAMPLE).await.status, 200);
    e.shutdown().await;
}
