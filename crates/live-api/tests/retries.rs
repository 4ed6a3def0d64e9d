//! Retries, timeouts and failure shapes: with the test doubles (no network) and against the
//! emulator's faults.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use live_api::env::ManualEnvironment;
use live_api::error::TimeoutScope;
use live_api::retry::StandardRetry;
use live_api::{Credentials, ErrorKind, LiveClient, LiveClientBuilder};
use live_emulator::{
    Emulator, EmulatorConfig, FaultKind, FaultRule, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY,
    EXAMPLE_TASK_ID,
};
use live_transport::test_util::{CannedTransport, FailingTransport, NeverTransport};
use live_transport::{ErrorKind as TransportKind, HttpTransport};

/// A test environment: waits are recorded and move its clock; jitter is the ceiling.
fn manual() -> ManualEnvironment {
    ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_716_192_550))
}

const OK: &str = r#"{"ResponseMetadata":{"RequestId":"r-ok","Action":"GetPullRecordTask"},"Result":{"TaskId":"t","StartTime":"","EndTime":"","Vhost":"v","Domain":"d","App":"a","Stream":"s","Status":"生效中"}}"#;
const CREATED: &str = r#"{"ResponseMetadata":{"RequestId":"r-ok"},"Result":{"TaskId":"new"}}"#;

fn error_body(code: &str) -> String {
    format!(
        r#"{{"ResponseMetadata":{{"RequestId":"r-{code}","Error":{{"Code":"{code}","Message":"m"}}}}}}"#
    )
}

fn builder(transport: Arc<dyn HttpTransport>, env: &ManualEnvironment) -> LiveClientBuilder {
    LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTtest", "secret").unwrap())
        .transport(transport)
        .environment(Arc::new(env.clone()))
        // The waits asserted here are the retry policy's alone (pacing: tests/pacing.rs).
        .pacing(live_api::pacing::Pacing::Off)
}

fn get(c: &LiveClient) -> live_api::ops::GetPullRecordTask {
    c.get_pull_record_task().task_id("t")
}

#[tokio::test]
async fn succeeds_after_retryable_failures_with_backoff() {
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(502, "<html>bad gateway</html>");
    canned.push_status(200, error_body("CommonErr"));
    canned.push_status(200, OK);
    let sleep = manual();
    let c = builder(canned.clone(), &sleep).build().unwrap();
    let out = get(&c).send().await.unwrap();
    assert_eq!(out.request_id(), "r-ok");
    assert_eq!(canned.requests().len(), 3);
    assert_eq!(
        sleep.sleeps(),
        [Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn never_retries_what_cannot_succeed() {
    for code in [
        "InvalidParam",
        "InvalidParam.BindError",
        "RequestForbidden",
        "RequestForbidden.AccountIDNotAllow",
        "SignatureDoesNotMatch",
        "InvalidAccessKey",
        "AccessDenied",
        "ResourceNotFound",
    ] {
        let canned = Arc::new(CannedTransport::new());
        canned.push_status(400, error_body(code));
        let c = builder(canned.clone(), &manual()).build().unwrap();
        let err = get(&c).send().await.unwrap_err();
        assert_eq!(err.code().unwrap().as_str(), code);
        assert_eq!(canned.requests().len(), 1, "{code} is not retried");
        assert_eq!(err.attempts(), 1);
    }
}

#[tokio::test]
async fn attempts_are_bounded_and_counted() {
    let canned = Arc::new(CannedTransport::new());
    for _ in 0..10 {
        canned.push_status(503, error_body("InternalError"));
    }
    let sleep = manual();
    let c = builder(canned.clone(), &sleep).build().unwrap();
    let err = get(&c).send().await.unwrap_err();
    assert_eq!(canned.requests().len(), 3);
    assert_eq!(err.attempts(), 3);
    assert!(
        err.to_string().ends_with("; gave up after 3 attempts"),
        "{err}"
    );
    assert_eq!(sleep.sleeps().len(), 2);

    let none = builder(canned.clone(), &manual())
        .retry(StandardRetry::none())
        .build()
        .unwrap();
    let before = canned.requests().len();
    get(&none).send().await.unwrap_err();
    assert_eq!(canned.requests().len(), before + 1);
}

#[tokio::test]
async fn retry_after_is_honoured_and_too_long_is_not_waited_for() {
    let canned = Arc::new(CannedTransport::new());
    let mut throttled = http::Response::new(Bytes::from(error_body("FlowLimitExceeded")));
    *throttled.status_mut() = http::StatusCode::TOO_MANY_REQUESTS;
    throttled
        .headers_mut()
        .insert("retry-after", "3".parse().unwrap());
    canned.push_response(throttled);
    canned.push_status(200, OK);
    let sleep = manual();
    let c = builder(canned.clone(), &sleep).build().unwrap();
    get(&c).send().await.unwrap();
    assert_eq!(sleep.sleeps(), [Duration::from_secs(3)]);

    let mut long = http::Response::new(Bytes::from(error_body("FlowLimitExceeded")));
    *long.status_mut() = http::StatusCode::TOO_MANY_REQUESTS;
    long.headers_mut()
        .insert("retry-after", "3600".parse().unwrap());
    canned.push_response(long);
    let err = get(&c).send().await.unwrap_err();
    assert!(err.is_throttling());
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn create_is_retried_only_when_it_cannot_have_reached_the_server() {
    // Connect failure: nothing was sent, so it is retried.
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(200, CREATED);
    let flaky = Arc::new(FailingTransport::new(
        canned.clone(),
        1,
        TransportKind::Connect,
    ));
    let c = builder(flaky, &manual()).build().unwrap();
    let create = |c: &LiveClient| {
        c.create_pull_record_task()
            .domain("d.com")
            .app("live")
            .stream("s")
            .stream_url("http://d.com/live/s.flv")
    };
    assert_eq!(create(&c).send().await.unwrap().task_id, "new");

    // An I/O error or a 502 may have reached it: not retried.
    for outcome in [0, 1] {
        let canned = Arc::new(CannedTransport::new());
        if outcome == 0 {
            canned.push_error(live_transport::TransportError::new(
                TransportKind::Io,
                "reset",
            ));
        } else {
            canned.push_status(502, "<html></html>");
        }
        canned.push_status(200, CREATED);
        let c = builder(canned.clone(), &manual()).build().unwrap();
        assert!(create(&c).send().await.is_err());
        assert_eq!(canned.requests().len(), 1);
    }
}

#[tokio::test]
async fn each_attempt_is_signed_afresh() {
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(500, error_body("InternalError"));
    canned.push_status(200, OK);
    let env = manual();
    env.advance(Duration::from_secs(1));
    let c = builder(canned.clone(), &env)
        .retry(StandardRetry::default().initial_backoff(Duration::from_secs(1)))
        .build()
        .unwrap();
    get(&c).send().await.unwrap();
    let requests = canned.requests();
    let (a, b) = (&requests[0], &requests[1]);
    assert_ne!(a.headers()["x-date"], b.headers()["x-date"]);
    assert_ne!(a.headers()["authorization"], b.headers()["authorization"]);
    assert_eq!(a.headers()["x-date"], "20240520T080911Z");
    assert_eq!(b.headers()["x-date"], "20240520T080912Z");
}

#[tokio::test(start_paused = true)]
async fn a_call_never_waits_forever() {
    let never = Arc::new(NeverTransport::new());
    let c = builder(never.clone(), &manual())
        .environment(Arc::new(live_api::env::SystemEnvironment))
        .attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let err = get(&c).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(
        started.elapsed() <= Duration::from_secs(5),
        "bounded by the operation timeout"
    );
    assert!(
        never.calls() >= 2,
        "timed-out attempts of a get are retried"
    );

    // With room for every attempt, the last one's timeout is reported, with the count.
    let roomy = builder(never.clone(), &manual())
        .environment(Arc::new(live_api::env::SystemEnvironment))
        .attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let err = get(&roomy).send().await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Timeout {
                scope: TimeoutScope::Attempt,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.attempts(), 3);

    let one = builder(never.clone(), &manual())
        .environment(Arc::new(live_api::env::SystemEnvironment))
        .attempt_timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let err = get(&one).send().await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Timeout {
                scope: TimeoutScope::Operation,
                ..
            }
        ),
        "{err}"
    );
}

fn emulator_client(e: &Emulator) -> LiveClient {
    LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .retry(StandardRetry::default().initial_backoff(Duration::ZERO))
        .build()
        .unwrap()
}

#[tokio::test]
async fn survives_emulator_faults_and_types_the_rest() {
    let e = Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap();
    let c = emulator_client(&e);
    e.inject(FaultRule::next(1, FaultKind::Html502));
    e.inject(FaultRule::next(1, FaultKind::CloseConnection));
    let out = c
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(out.task.app, "live");

    let once = LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .retry(StandardRetry::none())
        .build()
        .unwrap();
    e.inject(FaultRule::next(1, FaultKind::TruncatedBody));
    let err = once
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnexpectedResponse(_)),
        "{err}"
    );
    e.inject(FaultRule::next(1, FaultKind::Html502));
    let err = once
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(502));
    assert!(err.is_retryable());
    e.inject(FaultRule::next(1, FaultKind::CloseConnection));
    let err = once
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err}");
    e.inject(FaultRule::next(
        1,
        FaultKind::Throttle {
            retry_after_secs: 1,
        },
    ));
    let err = once
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_throttling());
    e.shutdown().await;
}

/// A policy that always asks for a long wait.
#[derive(Debug)]
struct Patient;

impl live_api::retry::RetryPolicy for Patient {
    fn decide(&self, _: &live_api::retry::RetryContext<'_>) -> live_api::retry::RetryDecision {
        live_api::retry::RetryDecision::RetryAfter(Duration::from_secs(3600))
    }
}

#[tokio::test]
async fn no_policy_can_wait_past_the_operation_deadline() {
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(503, error_body("InternalError"));
    canned.push_status(200, OK);
    let env = manual();
    let c = builder(canned.clone(), &env)
        .retry(Patient)
        .operation_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let err = get(&c).send().await.unwrap_err();
    assert_eq!(err.code().unwrap().as_str(), "InternalError");
    assert_eq!(canned.requests().len(), 1);
    assert!(env.sleeps().is_empty(), "{:?}", env.sleeps());
}

/// A stop that is applied late: its first attempt gets no answer, the check finds the task
/// still recording, and only then does the lost stop take effect, so the second stop is
/// refused ("task is stopped"). A check that found nothing while a request was unanswered
/// settles nothing: the client checks again before giving up, and succeeds, reconciled.
#[derive(Debug, Default)]
struct LateStop {
    calls: std::sync::Mutex<Vec<String>>,
    stopped: std::sync::atomic::AtomicBool,
}

impl HttpTransport for LateStop {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> live_transport::BoxFuture<'_, Result<http::Response<Bytes>, live_transport::TransportError>>
    {
        use std::sync::atomic::Ordering;
        let query = request.uri().query().unwrap_or_default().to_owned();
        let n = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(query.clone());
            calls.len()
        };
        let body = |status: u16, text: String| {
            let mut r = http::Response::new(Bytes::from(text));
            *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
            Ok(r)
        };
        let task = |status: &str| {
            format!(
                r#"{{"ResponseMetadata":{{"RequestId":"r{n}"}},"Result":{{"TaskId":"t","StartTime":"","EndTime":"","Vhost":"v","Domain":"d","App":"a","Stream":"s","Status":"{status}"}}}}"#
            )
        };
        if query.contains("StopPullRecordTask") {
            if n == 1 {
                return Box::pin(std::future::pending());
            }
            let refused = r#"{"ResponseMetadata":{"RequestId":"r-stop","Error":{"Code":"InvalidParam","Message":"task t is stopped"}}}"#;
            return Box::pin(std::future::ready(body(400, refused.to_owned())));
        }
        // GetPullRecordTask: not yet stopped at the first look; the lost stop lands after it.
        let stopped = self.stopped.swap(true, Ordering::SeqCst);
        let status = if stopped { "停用" } else { "生效中" };
        Box::pin(std::future::ready(body(200, task(status))))
    }
}

#[tokio::test]
async fn a_stop_applied_after_the_check_is_found_by_a_second_check() {
    let late = Arc::new(LateStop::default());
    let c = LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTtest", "secret").unwrap())
        .transport(late.clone())
        .attempt_timeout(Duration::from_millis(100))
        .retry(StandardRetry::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let out = c.stop_pull_record_task().task_id("t").send().await.unwrap();
    assert!(out.reconciled);
    let calls = late.calls.lock().unwrap().clone();
    let kinds: Vec<&str> = calls
        .iter()
        .map(|q| if q.contains("Stop") { "stop" } else { "get" })
        .collect();
    assert_eq!(kinds, ["stop", "get", "stop", "get"], "{calls:?}");
}
