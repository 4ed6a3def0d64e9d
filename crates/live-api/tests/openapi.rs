//! The generic call ([`live_api::openapi`]): against the emulator, against a server of another
//! service that verifies the signature with volc-sign, and with the test doubles.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use live_api::env::ManualEnvironment;
use live_api::openapi::OpenApiRequest;
use live_api::{Credentials, ErrorKind, LiveClient};
use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use live_transport::test_util::CannedTransport;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn emulator_client(e: &Emulator) -> LiveClient {
    LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn get_pull_record_task_called_generically_is_the_typed_call() {
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let client = emulator_client(&e);
    let typed = client
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap();
    let request = OpenApiRequest::new("live", "2023-01-01", "GetPullRecordTask")
        .post_json(serde_json::json!({ "TaskID": EXAMPLE_TASK_ID }))
        .idempotent();
    let generic = client.call_api(&request).await.unwrap();
    assert!(!generic.request_id().is_empty());
    let t = &typed.task;
    let r = &generic.result;
    assert_eq!(r["TaskId"], t.task_id.as_str());
    assert_eq!(r["Vhost"], t.vhost.as_str());
    assert_eq!(r["Domain"], t.domain.as_str());
    assert_eq!(r["App"], t.app.as_str());
    assert_eq!(r["StartTime"], t.start_time.as_str());
    assert_eq!(r["EndTime"], t.end_time.as_str());
    assert_eq!(r["Status"], t.status.text());

    // Decoded into a type the caller names.
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Task {
        task_id: String,
        app: String,
    }
    let named = client.call_api_as::<Task>(&request).await.unwrap();
    assert_eq!(named.result.task_id, EXAMPLE_TASK_ID);
    assert_eq!(named.result.app, t.app);
    // A Result of the wrong shape is a decode error, not a panic.
    let wrong = client.call_api_as::<Vec<u8>>(&request).await.unwrap_err();
    assert!(matches!(wrong.kind(), ErrorKind::Decode(_)), "{wrong:?}");
    e.shutdown().await;
}

#[tokio::test]
async fn an_unknown_action_gets_the_gateways_error() {
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let client = emulator_client(&e);
    for (version, action) in [
        ("2023-01-01", "NoSuchAction"),
        ("2099-01-01", "GetPullRecordTask"),
    ] {
        let err = client
            .call_api(&OpenApiRequest::new("live", version, action).idempotent())
            .await
            .unwrap_err();
        assert_eq!(
            err.code().map(|c| c.as_str()),
            Some("InvalidActionOrVersion"),
            "{err}"
        );
        assert_eq!(err.http_status(), Some(404));
        assert!(err.request_id().is_some());
        assert!(!err.is_retryable());
        assert_eq!(err.attempts(), 1, "a permanent error is not sent again");
        assert!(err.to_string().contains(action), "{err}");
    }
    e.shutdown().await;
}

/// What the test server of another service saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    query: String,
    content_type: Option<String>,
    body: String,
    signed: bool,
}

/// A loopback server of the service `iam`: it verifies each signed request with volc-sign,
/// requiring the scope to name `iam`, and answers with what it saw; an unsigned request is
/// answered too (the answer says so). A bad signature gets the gateway's error.
async fn iam_server(creds: Credentials) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let verifier = Arc::new(
        volc_sign::Verifier::new(HashMap::from([(creds.access_key_id().to_owned(), creds)]))
            .expect_service("iam"),
    );
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (log, verifier) = (log.clone(), verifier.clone());
            tokio::spawn(async move {
                let Some(request) = read_request(&mut socket).await else {
                    return;
                };
                let signed = request.headers().contains_key("authorization");
                let verdict = if signed {
                    verifier.verify(&request, SystemTime::now()).map(drop)
                } else {
                    Ok(())
                };
                let header = |n: &str| {
                    request
                        .headers()
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let s = Seen {
                    method: request.method().to_string(),
                    query: request.uri().query().unwrap_or("").to_owned(),
                    content_type: header("content-type"),
                    body: String::from_utf8_lossy(request.body()).into_owned(),
                    signed,
                };
                log.lock().unwrap().push(s.clone());
                let (status, body) = match verdict {
                    Ok(()) => (
                        200,
                        serde_json::json!({
                            "ResponseMetadata": {"RequestId": "iam-req-1", "Action": "X", "Version": "2018-01-01", "Service": "iam", "Region": "cn-north-1"},
                            "Result": {"Method": s.method, "Query": s.query, "Body": s.body, "Signed": signed}
                        }),
                    ),
                    Err(e) => (
                        e.http_status(),
                        serde_json::json!({
                            "ResponseMetadata": {"RequestId": "iam-req-2", "Error": {"Code": e.code(), "Message": "refused"}}
                        }),
                    ),
                };
                let body = body.to_string();
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body, at most 64 KiB).
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<http::Request<Vec<u8>>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 65536 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?, first.next()?);
    let mut builder = http::Request::builder().method(method).uri(target);
    let mut length = 0usize;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        }
        builder = builder.header(name, value);
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    builder.body(body).ok()
}

fn iam_client() -> (LiveClient, Credentials) {
    let creds = Credentials::new("AKLTiamtest", "c2VjcmV0LWlhbQ==").unwrap();
    let client = LiveClient::builder()
        .credentials(creds.clone())
        .build()
        .unwrap();
    (client, creds)
}

#[tokio::test]
async fn a_get_with_query_parameters_and_a_post_with_json_verify_at_another_service() {
    let (client, creds) = iam_client();
    let (url, seen) = iam_server(creds).await;

    let get = OpenApiRequest::new("iam", "2018-01-01", "ListUsers")
        .query("Limit", "10")
        .query("Query", "a b/é")
        .endpoint(&url)
        .idempotent();
    let got = client.call_api(&get).await.unwrap();
    assert_eq!(got.request_id(), "iam-req-1");
    assert_eq!(got.result["Method"], "GET");
    assert_eq!(got.result["Signed"], true);
    let query = got.result["Query"].as_str().unwrap();
    assert!(query.contains("Action=ListUsers"), "{query}");
    assert!(query.contains("Version=2018-01-01"), "{query}");
    assert!(query.contains("Limit=10"), "{query}");
    assert!(query.contains("Query=a%20b%2F%C3%A9"), "{query}");

    let post = OpenApiRequest::new("iam", "2018-01-01", "CreateUser")
        .post_json(serde_json::json!({"UserName": "u1", "DisplayName": "用户"}))
        .endpoint(&url);
    let got = client.call_api(&post).await.unwrap();
    assert_eq!(got.result["Method"], "POST");
    let body: serde_json::Value =
        serde_json::from_str(got.result["Body"].as_str().unwrap()).unwrap();
    assert_eq!(body["DisplayName"], "用户");

    let form = OpenApiRequest::new("iam", "2018-01-01", "UpdateUser")
        .form("UserName", "u1")
        .form("NewUserName", "u 2")
        .endpoint(&url);
    let got = client.call_api(&form).await.unwrap();
    assert_eq!(got.result["Body"], "UserName=u1&NewUserName=u+2");

    let unsigned = OpenApiRequest::new("iam", "2018-01-01", "Ping")
        .endpoint(&url)
        .unsigned();
    let got = client.call_api(&unsigned).await.unwrap();
    assert_eq!(got.result["Signed"], false);

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[0].content_type, None, "a GET has no body");
    assert_eq!(seen[1].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        seen[2].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert!(seen[..3].iter().all(|s| s.signed) && !seen[3].signed);
}

#[tokio::test]
async fn a_signature_for_another_service_is_refused_there() {
    let (client, creds) = iam_client();
    let (url, _) = iam_server(creds).await;
    // Signed for `vod` but sent to the iam server: its verifier refuses the scope.
    let err = client
        .call_api(&OpenApiRequest::new("vod", "2020-08-01", "ListUsers").endpoint(&url))
        .await
        .unwrap_err();
    assert_eq!(
        err.code().map(|c| c.as_str()),
        Some("ServiceNotFound"),
        "{err}"
    );
    assert_eq!(err.attempts(), 1);
}

fn canned_client(canned: &Arc<CannedTransport>, env: &ManualEnvironment) -> LiveClient {
    LiveClient::builder()
        .credentials(Credentials::new("AKLTtest", "secret").unwrap())
        .transport(canned.clone())
        .environment(Arc::new(env.clone()))
        .build()
        .unwrap()
}

fn manual() -> ManualEnvironment {
    ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_716_192_550))
}

const OK: &str = r#"{"ResponseMetadata":{"RequestId":"r-ok"},"Result":{"A":1}}"#;
const DOWN: &str =
    r#"{"ResponseMetadata":{"RequestId":"r-5xx","Error":{"Code":"InternalError","Message":"m"}}}"#;

#[tokio::test]
async fn input_that_cannot_be_sent_is_refused_with_nothing_sent() {
    let canned = Arc::new(CannedTransport::new());
    let client = canned_client(&canned, &manual());
    let base = || OpenApiRequest::new("iam", "2018-01-01", "ListUsers");
    let bad = [
        (OpenApiRequest::new("", "2018-01-01", "A"), "Service"),
        (OpenApiRequest::new("iam", "2018-01-01", ""), "Action"),
        (OpenApiRequest::new("iam", "v 1", "A"), "Version"),
        (OpenApiRequest::new("i/am", "2018-01-01", "A"), "Service"),
        (base().region("cn north"), "Region"),
        (base().method(http::Method::PUT), "Method"),
        (base().query("Action", "Other"), "Action"),
        (base().post_json_text("{not json"), "JSON"),
        (
            base().post_json_text("{}").method(http::Method::GET),
            "GET has no body",
        ),
        (base().endpoint("http://example.com"), "loopback"),
        (base().endpoint("example.com"), "https://"),
        (base().endpoint("https://user:pw@example.com"), "password"),
    ];
    for (request, says) in bad {
        let err = client.call_api(&request).await.unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::InvalidInput(_) | ErrorKind::Config(_)
            ),
            "{request:?}: {err:?}"
        );
        assert!(err.to_string().contains(says), "{request:?}: {err}");
        assert!(!format!("{err:?}").contains("pw@"), "{err:?}");
    }
    assert!(canned.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn generic_calls_take_the_engines_retries_by_idempotency() {
    let env = manual();
    let canned = Arc::new(CannedTransport::new());
    let client = canned_client(&canned, &env);
    // A read is sent again after a 5xx.
    canned.push_status(500, DOWN);
    canned.push_status(200, OK);
    let read = OpenApiRequest::new("iam", "2018-01-01", "GetUser").idempotent();
    let got = client.call_api(&read).await.unwrap();
    assert_eq!(got.result["A"], 1);
    assert_eq!(canned.requests().len(), 2);
    // The default, not idempotent: not sent again after a 5xx, and said to maybe have applied.
    canned.push_status(500, DOWN);
    let write = OpenApiRequest::new("iam", "2018-01-01", "CreateUser").post_json_text("{}");
    let err = client.call_api(&write).await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert!(err.may_have_been_applied(), "{err}");
    assert!(err.to_string().contains("CreateUser"), "{err}");
    assert_eq!(canned.requests().len(), 3);
    // Every request went to the generic endpoint, signed for its service.
    for r in canned.requests() {
        assert_eq!(r.uri().host(), Some("open.volcengineapi.com"));
        let auth = r.headers()["authorization"].to_str().unwrap().to_owned();
        assert!(auth.contains("/cn-north-1/iam/request"), "{auth}");
    }
}

#[tokio::test]
async fn a_declared_rate_limit_paces_generic_calls() {
    let env = manual();
    let canned = Arc::new(CannedTransport::new());
    let client = canned_client(&canned, &env);
    let paced = OpenApiRequest::new("iam", "2018-01-01", "ListUsers")
        .idempotent()
        .rate_limit("5".parse().unwrap());
    for _ in 0..3 {
        canned.push_status(200, OK);
        client.call_api(&paced).await.unwrap();
    }
    // 5/s with the default 2 % headroom: a permit every 204 ms.
    assert_eq!(
        env.sleeps(),
        [Duration::from_millis(204), Duration::from_millis(204)]
    );
    // Without a limit, not paced.
    let unpaced = OpenApiRequest::new("iam", "2018-01-01", "ListUsers");
    canned.push_status(200, OK);
    client.call_api(&unpaced).await.unwrap();
    assert_eq!(env.sleeps().len(), 2);
}
