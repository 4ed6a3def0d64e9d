//! The fault matrix, against a real emulator on loopback: Get (Read), Create (NotIdempotent)
//! and Stop (ByOutcome) under every kind of failure, asserting the attempts, the outcome,
//! `may_have_been_applied`, and the task's real state in the emulator afterwards.
//!
//! Attempts are counted per action by a transport that wraps the hyper transport; the state is
//! read through a second, clean client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use live_api::error::TimeoutScope;
use live_api::retry::StandardRetry;
use live_api::{Credentials, ErrorKind, LiveClient, LiveError};
use live_emulator::{
    Emulator, EmulatorConfig, FaultKind, FaultRule, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY,
    EXAMPLE_TASK_ID,
};
use live_model::TaskStatus;
use live_transport::{BoxFuture, HttpTransport, HyperTransport, TransportError};

const GET: &str = "GetPullRecordTask";
const CREATE: &str = "CreatePullRecordTask";
const STOP: &str = "StopPullRecordTask";

/// The hyper transport, counting the requests it is given per action.
#[derive(Debug)]
struct Counting {
    inner: HyperTransport,
    sent: Mutex<HashMap<String, u32>>,
}

impl Counting {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            inner: HyperTransport::builder()
                .allow_plain_http(true)
                .build()
                .unwrap(),
            sent: Mutex::new(HashMap::new()),
        })
    }

    fn sent(&self, action: &str) -> u32 {
        self.sent.lock().unwrap().get(action).copied().unwrap_or(0)
    }
}

impl HttpTransport for Counting {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let action = request
            .uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or("?")
            .to_owned();
        *self.sent.lock().unwrap().entry(action).or_default() += 1;
        self.inner.send(request)
    }
}

async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap()
}

fn fast() -> StandardRetry {
    StandardRetry::default().initial_backoff(Duration::from_millis(1))
}

/// A client under test, counting its requests.
fn client_at(
    endpoint: &str,
    retry: StandardRetry,
    attempt_timeout: Duration,
) -> (LiveClient, Arc<Counting>) {
    let counting = Counting::new();
    let c = LiveClient::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .transport(counting.clone())
        .retry(retry)
        .attempt_timeout(attempt_timeout)
        .build()
        .unwrap();
    (c, counting)
}

fn client(e: &Emulator) -> (LiveClient, Arc<Counting>) {
    client_at(&e.base_url(), fast(), Duration::from_secs(5))
}

/// A clean client to look at the emulator's state.
fn clean(e: &Emulator) -> LiveClient {
    LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .build()
        .unwrap()
}

fn create(c: &LiveClient, stream: &str) -> live_api::ops::CreatePullRecordTask {
    c.create_pull_record_task()
        .domain("pull.example.com")
        .app("live")
        .stream(stream)
        .stream_url(format!("http://pull.example.com/live/{stream}.flv"))
}

/// The stream's tasks, as the emulator holds them.
async fn tasks_of(e: &Emulator, stream: &str) -> Vec<live_model::PullRecordTask> {
    clean(e)
        .list_pull_record_tasks()
        .stream(stream)
        .send()
        .await
        .unwrap()
        .tasks
}

async fn status(e: &Emulator, task_id: &str) -> TaskStatus {
    clean(e)
        .get_pull_record_task()
        .task_id(task_id)
        .send()
        .await
        .unwrap()
        .task
        .status
}

/// An active task to stop, created by a clean client.
async fn active_task(e: &Emulator, stream: &str) -> String {
    let id = create(&clean(e), stream).send().await.unwrap().task_id;
    assert_eq!(status(e, &id).await, TaskStatus::Recording);
    id
}

fn inject(e: &Emulator, action: &str, kind: FaultKind) {
    e.inject(FaultRule::next(1, kind).for_action(action));
}

fn internal_error() -> FaultKind {
    FaultKind::Error {
        code: "InternalError".into(),
        status: Some(500),
        message: None,
    }
}

fn is_io(err: &LiveError) -> bool {
    matches!(err.kind(), ErrorKind::Transport(t) if t.is_io())
}

// ---- the three operations, each after one fault of a kind --------------------------------

/// Get: retried, succeeds at the second attempt.
async fn get_recovers(e: &Emulator, fault: FaultKind, attempt_timeout: Duration, what: &str) {
    let (c, n) = client_at(&e.base_url(), fast(), attempt_timeout);
    inject(e, GET, fault);
    let got = c
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await;
    let got = got.unwrap_or_else(|err| panic!("{what}: Get failed: {err}"));
    assert_eq!(got.task.task_id, EXAMPLE_TASK_ID, "{what}");
    assert_eq!(n.sent(GET), 2, "{what}: Get is sent twice");
}

/// Create: one attempt, `may_have_been_applied`, and `tasks` tasks in the emulator.
async fn create_gives_up(e: &Emulator, fault: FaultKind, stream: &str, tasks: usize) -> LiveError {
    let (c, n) = client(e);
    inject(e, CREATE, fault);
    let err = create(&c, stream).send().await.unwrap_err();
    assert_eq!(err.attempts(), 1, "{stream}: {err}");
    assert_eq!(n.sent(CREATE), 1, "{stream}: the create is not sent again");
    assert!(err.may_have_been_applied(), "{stream}: {err}");
    assert!(
        err.to_string().contains("ListPullRecordTask"),
        "{stream}: the message says how to check: {err}"
    );
    assert_eq!(tasks_of(e, stream).await.len(), tasks, "{stream}");
    err
}

/// Stop: Ok; `reconciled` when the check found the task stopped (one stop sent), else the
/// stop was sent again (two stops). Exactly one check (Get) either way.
async fn stop_succeeds(e: &Emulator, fault: FaultKind, stream: &str, reconciled: bool) {
    let id = active_task(e, stream).await;
    let (c, n) = client(e);
    inject(e, STOP, fault);
    let out = c.stop_pull_record_task().task_id(&id).send().await;
    let out = out.unwrap_or_else(|err| panic!("{stream}: Stop failed: {err}"));
    assert_eq!(out.reconciled, reconciled, "{stream}");
    assert_eq!(
        n.sent(STOP),
        if reconciled { 1 } else { 2 },
        "{stream}: stops sent"
    );
    assert_eq!(n.sent(GET), 1, "{stream}: one check");
    assert_eq!(status(e, &id).await, TaskStatus::Stopped, "{stream}");
}

// ---- (a) the answer is lost after the action ran ------------------------------------------

#[tokio::test]
async fn lost_answer_close() {
    let e = emulator().await;
    get_recovers(
        &e,
        FaultKind::LoseAnswerClose,
        Duration::from_secs(5),
        "close",
    )
    .await;
    let err = create_gives_up(&e, FaultKind::LoseAnswerClose, "fm_lost_close", 1).await;
    assert!(is_io(&err), "{err}");
    stop_succeeds(&e, FaultKind::LoseAnswerClose, "fm_lost_close_stop", true).await;
    e.shutdown().await;
}

#[tokio::test]
async fn lost_answer_truncate() {
    let e = emulator().await;
    get_recovers(
        &e,
        FaultKind::LoseAnswerTruncate,
        Duration::from_secs(5),
        "cut",
    )
    .await;
    let err = create_gives_up(&e, FaultKind::LoseAnswerTruncate, "fm_lost_cut", 1).await;
    assert!(is_io(&err), "{err}");
    stop_succeeds(&e, FaultKind::LoseAnswerTruncate, "fm_lost_cut_stop", true).await;
    e.shutdown().await;
}

#[tokio::test]
async fn lost_stop_answer_without_retries_is_still_checked() {
    let e = emulator().await;
    for kind in [FaultKind::LoseAnswerClose, FaultKind::LoseAnswerTruncate] {
        let id = active_task(&e, &format!("fm_none_{kind:?}").to_lowercase()).await;
        let (c, n) = client_at(&e.base_url(), StandardRetry::none(), Duration::from_secs(5));
        inject(&e, STOP, kind.clone());
        let out = c.stop_pull_record_task().task_id(&id).send().await.unwrap();
        assert!(out.reconciled, "{kind:?}");
        assert_eq!((n.sent(STOP), n.sent(GET)), (1, 1), "{kind:?}");
        assert_eq!(status(&e, &id).await, TaskStatus::Stopped);
    }
    e.shutdown().await;
}

// ---- (b) connection refused ---------------------------------------------------------------

#[tokio::test]
async fn connection_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let refused = |err: &LiveError, n: &Counting, action: &str| {
        assert!(
            matches!(err.kind(), ErrorKind::Transport(t) if t.is_connect() && !t.is_tls()),
            "{action}: {err}"
        );
        assert!(!err.may_have_been_applied(), "{action}: {err}");
        assert_eq!(err.attempts(), 3, "{action}: {err}");
        assert_eq!(n.sent(action), 3, "{action}");
    };

    let (c, n) = client_at(&endpoint, fast(), Duration::from_secs(5));
    let err = c
        .get_pull_record_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    refused(&err, &n, GET);

    let (c, n) = client_at(&endpoint, fast(), Duration::from_secs(5));
    let err = create(&c, "s").send().await.unwrap_err();
    refused(&err, &n, CREATE);

    let (c, n) = client_at(&endpoint, fast(), Duration::from_secs(5));
    let err = c
        .stop_pull_record_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    refused(&err, &n, STOP);
    assert_eq!(n.sent(GET), 0, "nothing was sent, so nothing is checked");
}

// ---- (c) the connection closes before any byte of the answer, before the action -----------

#[tokio::test]
async fn reset_before_any_byte() {
    let e = emulator().await;
    get_recovers(
        &e,
        FaultKind::CloseConnection,
        Duration::from_secs(5),
        "reset",
    )
    .await;
    let err = create_gives_up(&e, FaultKind::CloseConnection, "fm_reset", 0).await;
    assert!(is_io(&err), "{err}");
    stop_succeeds(&e, FaultKind::CloseConnection, "fm_reset_stop", false).await;
    e.shutdown().await;
}

// ---- (d) the attempt times out ------------------------------------------------------------

const SLOW: FaultKind = FaultKind::Delay { delay_ms: 800 };
const ATTEMPT: Duration = Duration::from_millis(200);

#[tokio::test]
async fn attempt_timeout_get() {
    let e = emulator().await;
    // Two Gets: the first timed out (the client did not wait the 800 ms), the second answered.
    get_recovers(&e, SLOW, ATTEMPT, "slow").await;
    e.shutdown().await;
}

#[tokio::test]
async fn attempt_timeout_create() {
    let e = emulator().await;
    let (c, n) = client_at(&e.base_url(), fast(), ATTEMPT);
    inject(&e, CREATE, SLOW);
    let err = create(&c, "fm_slow").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.timeout_scope(), Some(TimeoutScope::Attempt), "{err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!(n.sent(CREATE), 1);
    assert!(err.may_have_been_applied(), "{err}");
    // What really happens to the abandoned request: the client drops its connection when the
    // attempt times out, and the emulator (hyper's server) drops the request's handler when
    // its connection closes, so the delayed create never runs. Nothing is created, later
    // either, and never two tasks.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        tasks_of(&e, "fm_slow").await.len(),
        0,
        "the abandoned create was cancelled with its connection"
    );
    assert_eq!(n.sent(CREATE), 1);
    e.shutdown().await;
}

#[tokio::test]
async fn attempt_timeout_stop() {
    let e = emulator().await;
    let id = active_task(&e, "fm_slow_stop").await;
    let (c, n) = client_at(&e.base_url(), fast(), ATTEMPT);
    inject(&e, STOP, SLOW);
    let out = c.stop_pull_record_task().task_id(&id).send().await.unwrap();
    // At the check (~200 ms) the delayed stop has not run yet: not stopped, so it is resent.
    assert!(!out.reconciled);
    assert_eq!((n.sent(STOP), n.sent(GET)), (2, 1));
    assert_eq!(status(&e, &id).await, TaskStatus::Stopped);
    e.shutdown().await;
}

// ---- (e) 429 with Retry-After -------------------------------------------------------------

#[tokio::test]
async fn throttled_with_retry_after() {
    let e = emulator().await;
    let throttle = FaultKind::Throttle {
        retry_after_secs: 1,
    };
    let id = active_task(&e, "fm_429_stop").await;
    let (get_c, get_n) = client(&e);
    let (create_c, create_n) = client(&e);
    let (stop_c, stop_n) = client(&e);
    for action in [GET, CREATE, STOP] {
        inject(&e, action, throttle.clone());
    }
    let started = Instant::now();
    let (got, created, stopped) = tokio::join!(
        get_c.get_pull_record_task().task_id(EXAMPLE_TASK_ID).send(),
        create(&create_c, "fm_429").send(),
        stop_c.stop_pull_record_task().task_id(&id).send(),
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1),
        "Retry-After honoured: {waited:?}"
    );
    got.unwrap();
    assert_eq!(get_n.sent(GET), 2);
    let created = created.unwrap();
    assert_eq!(create_n.sent(CREATE), 2, "a throttled create is sent again");
    let tasks = tasks_of(&e, "fm_429").await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].task_id, created.task_id);
    let stopped = stopped.unwrap();
    assert!(!stopped.reconciled);
    assert_eq!((stop_n.sent(STOP), stop_n.sent(GET)), (2, 0), "no check");
    assert_eq!(status(&e, &id).await, TaskStatus::Stopped);

    // Retries off: the throttling error, which proves nothing happened.
    let (c, n) = client_at(&e.base_url(), StandardRetry::none(), Duration::from_secs(5));
    inject(&e, CREATE, throttle);
    let err = create(&c, "fm_429_none").send().await.unwrap_err();
    assert!(err.is_throttling(), "{err}");
    assert_eq!(err.code().map(|c| c.as_str()), Some("FlowLimitExceeded"));
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(err.attempts(), 1);
    assert_eq!(n.sent(CREATE), 1);
    assert!(!err.may_have_been_applied(), "{err}");
    assert!(tasks_of(&e, "fm_429_none").await.is_empty());
    e.shutdown().await;
}

// ---- (f) 5xx, (g) CommonErr with HTTP 200 (all before the action) -------------------------

async fn server_error(fault: FaultKind, tag: &str, check: fn(&LiveError) -> bool) {
    let e = emulator().await;
    get_recovers(&e, fault.clone(), Duration::from_secs(5), tag).await;
    let err = create_gives_up(&e, fault.clone(), &format!("fm_{tag}"), 0).await;
    assert!(check(&err), "{tag}: {err}");
    stop_succeeds(&e, fault.clone(), &format!("fm_{tag}_stop"), false).await;

    // Retries off: the stop is checked, found not stopped, and the error says it was not
    // applied (the check proved it).
    let id = active_task(&e, &format!("fm_{tag}_none")).await;
    let (c, n) = client_at(&e.base_url(), StandardRetry::none(), Duration::from_secs(5));
    inject(&e, STOP, fault);
    let err = c
        .stop_pull_record_task()
        .task_id(&id)
        .send()
        .await
        .unwrap_err();
    assert!(check(&err), "{tag}: {err}");
    assert_eq!(err.attempts(), 1);
    assert_eq!((n.sent(STOP), n.sent(GET)), (1, 1), "{tag}: checked once");
    assert!(!err.may_have_been_applied(), "{tag}: {err}");
    assert_eq!(status(&e, &id).await, TaskStatus::Recording);
    e.shutdown().await;
}

#[tokio::test]
async fn internal_error_500() {
    server_error(internal_error(), "500", |err| {
        err.code().map(|c| c.as_str()) == Some("InternalError") && err.http_status() == Some(500)
    })
    .await;
}

#[tokio::test]
async fn html_502() {
    server_error(FaultKind::Html502, "502", |err| {
        matches!(err.kind(), ErrorKind::UnexpectedResponse(_)) && err.http_status() == Some(502)
    })
    .await;
}

#[tokio::test]
async fn common_err_200() {
    server_error(FaultKind::CommonErr, "commonerr", |err| {
        err.code().map(|c| c.as_str()) == Some("CommonErr") && err.http_status() == Some(200)
    })
    .await;
}

// ---- 3. the same slow attempt, the same error, whatever the transport --------------------

/// A transport of its own type, delegating to the hyper transport.
#[derive(Debug)]
struct Custom(HyperTransport);

impl HttpTransport for Custom {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        self.0.send(request)
    }
}

#[tokio::test]
async fn a_slow_attempt_is_the_same_timeout_with_any_transport() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket); // accepted, never answered
        }
    });
    let base = || {
        LiveClient::builder()
            .endpoint(endpoint.clone())
            .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
            .attempt_timeout(Duration::from_millis(200))
            .retry(StandardRetry::none())
    };
    let hyper = base().build().unwrap();
    let custom = base()
        .transport(Arc::new(Custom(
            HyperTransport::builder()
                .allow_plain_http(true)
                .build()
                .unwrap(),
        )))
        .build()
        .unwrap();
    let (a, b) = tokio::join!(
        hyper.get_pull_record_task().task_id("t").send(),
        custom.get_pull_record_task().task_id("t").send(),
    );
    let (a, b) = (a.unwrap_err(), b.unwrap_err());
    for (name, err) in [("hyper", &a), ("custom", &b)] {
        assert!(err.is_timeout(), "{name}: {err}");
        assert_eq!(
            err.timeout_scope(),
            Some(TimeoutScope::Attempt),
            "{name}: {err}"
        );
        assert_eq!(err.attempts(), 1, "{name}");
        assert!(!err.may_have_been_applied(), "{name}: a read");
    }
    assert_eq!(
        std::mem::discriminant(a.kind()),
        std::mem::discriminant(b.kind()),
        "{a} vs {b}"
    );
    assert_eq!(a.to_string(), b.to_string());
    server.abort();
}

// ---- reads never "may have been applied"; a cut 200 body ---------------------------------

#[tokio::test]
async fn a_failed_read_was_never_applied() {
    let e = emulator().await;
    for fault in [
        FaultKind::LoseAnswerClose,
        FaultKind::LoseAnswerTruncate,
        FaultKind::CloseConnection,
        internal_error(),
        FaultKind::Html502,
        FaultKind::CommonErr,
    ] {
        let (c, n) = client_at(&e.base_url(), StandardRetry::none(), Duration::from_secs(5));
        inject(&e, GET, fault.clone());
        let err = c
            .get_pull_record_task()
            .task_id(EXAMPLE_TASK_ID)
            .send()
            .await
            .unwrap_err();
        assert!(err.is_retryable(), "{fault:?}: {err}");
        assert_eq!((err.attempts(), n.sent(GET)), (1, 1), "{fault:?}");
        assert!(!err.may_have_been_applied(), "{fault:?}: {err}");
    }
    e.shutdown().await;
}

/// `TruncatedBody` (before the action): a 200 whose JSON is cut. The answer was lost on the
/// way (transient): a read is sent again; a create gives up with its outcome unknown (a 2xx
/// came back); a stop is checked, found not stopped, and sent again.
#[tokio::test]
async fn truncated_200_body() {
    let e = emulator().await;
    let (c, n) = client(&e);
    inject(&e, GET, FaultKind::TruncatedBody);
    let out = c
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(out.task.task_id, EXAMPLE_TASK_ID);
    assert_eq!(n.sent(GET), 2);

    let err = create_gives_up(&e, FaultKind::TruncatedBody, "fm_cut200", 0).await;
    assert!(err.is_retryable(), "{err}");
    assert!(err.may_have_been_applied(), "{err}");

    let id = active_task(&e, "fm_cut200_stop").await;
    let (c, n) = client(&e);
    inject(&e, STOP, FaultKind::TruncatedBody);
    let out = c.stop_pull_record_task().task_id(&id).send().await.unwrap();
    assert!(!out.reconciled);
    assert_eq!((n.sent(STOP), n.sent(GET)), (2, 1), "checked, then resent");
    assert_eq!(status(&e, &id).await, TaskStatus::Stopped);
    e.shutdown().await;
}

/// A stop whose answer is lost, and whose check fails too (the check's Gets answer 500, three
/// times): the client cannot know, so it sends the stop again; the task is already stopped,
/// so the service refuses the second stop (`InvalidParam`, "not active"). The outcome is
/// still unknown, so the client checks again, finds the task stopped, and succeeds,
/// reconciled. The output's metadata is the check's (a GetPullRecordTask answer).
#[tokio::test]
async fn lost_stop_answer_with_a_failing_check() {
    let e = emulator().await;
    let id = active_task(&e, "fm_lost_nocheck").await;
    let (c, n) = client(&e);
    inject(&e, STOP, FaultKind::LoseAnswerClose);
    e.inject(FaultRule::next(3, internal_error()).for_action(GET));
    let out = c.stop_pull_record_task().task_id(&id).send().await.unwrap();
    assert!(out.reconciled);
    assert_eq!(out.metadata.action, GET);
    assert_eq!(n.sent(STOP), 2, "resent after the failed check");
    assert_eq!(
        n.sent(GET),
        4,
        "a failed check (3 Gets), then a second check"
    );
    assert_eq!(status(&e, &id).await, TaskStatus::Stopped);
    e.shutdown().await;
}
