//! Fleets against the emulator with its rate limits on: a fan-out of 300 Gets through one
//! paced client gets no throttling answer; the fan-out's bound and tags; the waiter over the
//! emulator's clock driven by the client's manual environment (no sleeping).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use live_api::env::{Environment, ManualEnvironment};
use live_api::error::TimeoutScope;
use live_api::pacing::Pacing;
use live_api::wait::WaitUntil;
use live_api::{Credentials, ErrorKind, LiveClient};
use live_emulator::{
    Clock, Emulator, EmulatorConfig, SeedTask, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, OK_CODE,
};
use live_model::TaskStatus;
use live_transport::{BoxFuture, HttpTransport, TransportError};

fn seed(id: &str, start: &str, end: &str) -> SeedTask {
    let mut t = SeedTask::documented_example();
    t.task_id = id.to_owned();
    t.stream = format!("s_{id}");
    t.start_time = start.to_owned();
    t.end_time = end.to_owned();
    t
}

fn builder(e: &Emulator) -> live_api::LiveClientBuilder {
    LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
}

/// The acceptance test of pacing: 300 Gets at concurrency 32 through one client, against the
/// emulator's documented 10/s. It runs in real time (about 30 s): the emulator counts per
/// second of the system clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_gets_at_concurrency_32_get_no_throttling_answer() {
    let tasks: Vec<SeedTask> = (0..300)
        .map(|i| seed(&format!("task-{i:03}"), "", ""))
        .collect();
    let e = Emulator::start(EmulatorConfig::new().seed(tasks))
        .await
        .unwrap();
    let client = builder(&e).build().unwrap();
    let ids: Vec<String> = (0..300).map(|i| format!("task-{i:03}")).collect();
    let mut results = client
        .get_pull_record_tasks(ids.clone())
        .concurrency(32)
        .stream();
    let mut seen = HashSet::new();
    while let Some(r) = results.next().await {
        let out = r.result.unwrap_or_else(|e| panic!("{}: {e}", r.task_id));
        assert_eq!(out.task.task_id, r.task_id, "tagged with its own id");
        assert_eq!(
            out.task.stream.as_deref(),
            Some(format!("s_{}", r.task_id).as_str())
        );
        assert!(seen.insert(r.task_id), "each id once");
    }
    assert_eq!(seen.len(), 300);
    let stats = e.stats();
    assert_eq!(stats.throttled, 0, "{stats:?}");
    assert_eq!(stats.count("GetPullRecordTask", OK_CODE), 300, "{stats:?}");
    assert_eq!(stats.requests, 300, "no retry was needed: {stats:?}");
    e.shutdown().await;
}

/// Forwards to a transport, counting the requests in flight at once; each takes 5 ms.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn HttpTransport>,
    now: AtomicUsize,
    most: AtomicUsize,
}

impl HttpTransport for Counting {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(n, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
            let r = self.inner.send(request).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
            r
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fan_out_bounds_concurrency_and_tags_every_result() {
    let e = Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap();
    let counting = Arc::new(Counting {
        inner: Arc::new(
            live_transport::HyperTransport::builder()
                .allow_plain_http(true)
                .build()
                .unwrap(),
        ),
        now: AtomicUsize::new(0),
        most: AtomicUsize::new(0),
    });
    let client = builder(&e)
        .transport(counting.clone())
        .pacing(Pacing::Off)
        .build()
        .unwrap();
    let ids = (0..40).map(|i| {
        if i % 10 == 3 {
            format!("missing-{i}")
        } else {
            live_emulator::EXAMPLE_TASK_ID.to_owned()
        }
    });
    let mut results = client.get_pull_record_tasks(ids).concurrency(4).stream();
    let (mut ok, mut missing) = (0, Vec::new());
    while let Some(r) = results.next().await {
        match r.result {
            Ok(out) => {
                assert_eq!(out.task.task_id, r.task_id);
                ok += 1;
            }
            Err(err) => {
                assert_eq!(err.code().unwrap().as_str(), "ResourceNotFound");
                missing.push(r.task_id);
            }
        }
    }
    missing.sort();
    assert_eq!(ok, 36);
    assert_eq!(
        missing,
        ["missing-13", "missing-23", "missing-3", "missing-33"]
    );
    assert_eq!(counting.most.load(Ordering::SeqCst), 4);
    assert!(results.next().await.is_none(), "the stream stays ended");
    e.shutdown().await;
}

/// The emulator's clock is the client's manual one: when the waiter sleeps, task time moves.
struct EnvClock(ManualEnvironment);

impl Clock for EnvClock {
    fn now(&self) -> SystemTime {
        self.0.now()
    }
}

/// 2024-05-20T08:09:10Z.
const T0: u64 = 1_716_192_550;

/// An emulator whose task `wait-1` starts 10 s and ends 30 s after `T0`, on the clock of the
/// returned manual environment, and a client on the same environment.
async fn waiting_setup() -> (Emulator, LiveClient, ManualEnvironment) {
    let env = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(T0));
    let config = EmulatorConfig::new()
        .clock(Arc::new(EnvClock(env.clone())))
        .seed(vec![seed(
            "wait-1",
            "2024-05-20T08:09:20Z",
            "2024-05-20T08:09:40Z",
        )]);
    let e = Emulator::start(config).await.unwrap();
    let client = builder(&e)
        .environment(Arc::new(env.clone()))
        .build()
        .unwrap();
    (e, client, env)
}

#[tokio::test]
async fn the_waiter_returns_at_the_status_awaited() {
    let (e, client, env) = waiting_setup().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let recording = client
        .wait_for_pull_record_task("wait-1")
        .until(WaitUntil::Recording)
        .on_poll(move |p| {
            log.lock()
                .unwrap()
                .push((p.status.cloned(), p.elapsed, p.next_poll_in));
        })
        .send()
        .await
        .unwrap();
    // Polls at 0, 1, 3, 7 and 15 s: the task records from 10 s.
    assert_eq!(recording.output.task.status, TaskStatus::Recording);
    assert_eq!(recording.polls, 5);
    assert_eq!(recording.waited, Duration::from_secs(15));
    let s = |n| Duration::from_secs(n);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (Some(TaskStatus::NotStarted), s(0), Some(s(1))),
            (Some(TaskStatus::NotStarted), s(1), Some(s(2))),
            (Some(TaskStatus::NotStarted), s(3), Some(s(4))),
            (Some(TaskStatus::NotStarted), s(7), Some(s(8))),
            (Some(TaskStatus::Recording), s(15), None),
        ]
    );
    // Then, by default, until it ends (at 30 s). The first poll waits for its permit: the
    // last Get was at 15 s, and Gets are paced 102 ms apart. Polls at 15.102, 16.102, 18.102,
    // 22.102 and 30.102 s.
    let ended = client
        .wait_for_pull_record_task("wait-1")
        .send()
        .await
        .unwrap();
    assert_eq!(ended.output.task.status, TaskStatus::Finished);
    assert_eq!(ended.polls, 5);
    assert_eq!(ended.waited, Duration::from_millis(15_102));
    assert_eq!(env.elapsed(), Duration::from_millis(30_102));
    let ms = Duration::from_millis;
    assert_eq!(
        env.sleeps(),
        vec![s(1), s(2), s(4), s(8), ms(102), s(1), s(2), s(4), s(8)],
        "the waiter's backoff, and one wait for a permit"
    );
    assert_eq!(e.stats().throttled, 0);
    e.shutdown().await;
}

#[tokio::test]
async fn the_waiter_gives_up_at_the_maximum_wait() {
    let (e, client, env) = waiting_setup().await;
    let err = client
        .wait_for_pull_record_task("wait-1")
        .max_wait(Duration::from_secs(5))
        .send()
        .await
        .unwrap_err();
    // Polls at 0, 1, 3 and, the last, at 5 s.
    let ErrorKind::WaitTimeout {
        task_id,
        last_status,
        waited,
    } = err.kind()
    else {
        panic!("{err:?}")
    };
    assert_eq!(task_id, "wait-1");
    assert_eq!(last_status.as_ref(), Some(&TaskStatus::NotStarted));
    assert_eq!(*waited, Duration::from_secs(5));
    assert!(err.is_timeout());
    assert_eq!(err.timeout_scope(), Some(TimeoutScope::Wait));
    assert_eq!(
        err.to_string(),
        "timeout: task wait-1 was still not_started (未开始) after waiting 5s"
    );
    assert_eq!(env.elapsed(), Duration::from_secs(5));
    assert_eq!(e.stats().count("GetPullRecordTask", OK_CODE), 4);

    // An error that cannot pass ends the wait at once.
    let err = client
        .wait_for_pull_record_task("no-such-task")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code().unwrap().as_str(), "ResourceNotFound");
    assert_eq!(
        env.elapsed(),
        Duration::from_millis(5_102),
        "one poll, after its permit"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn a_stopped_task_ends_the_default_wait_but_never_finishes() {
    let (e, client, env) = waiting_setup().await;
    env.advance(Duration::from_secs(12));
    client
        .stop_pull_record_task()
        .task_id("wait-1")
        .send()
        .await
        .unwrap();
    let ended = client
        .wait_for_pull_record_task("wait-1")
        .send()
        .await
        .unwrap();
    assert_eq!(ended.output.task.status, TaskStatus::Stopped);
    assert_eq!(ended.polls, 1);
    let stopped = client
        .wait_for_pull_record_task("wait-1")
        .until_task(|t| t.status == TaskStatus::Stopped)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.polls, 1);
    // Waiting for `finished` (or `recording`) on a stopped task cannot succeed: it ends at
    // the first poll, not at the maximum wait.
    for until in [WaitUntil::Finished, WaitUntil::Recording] {
        let polls = e.stats().requests_of("GetPullRecordTask");
        let before = env.elapsed();
        let announced = Arc::new(Mutex::new(Vec::new()));
        let seen = announced.clone();
        let err = client
            .wait_for_pull_record_task("wait-1")
            .until(until)
            .on_poll(move |p| seen.lock().unwrap().push(p.next_poll_in))
            .max_wait(Duration::from_secs(600))
            .send()
            .await
            .unwrap_err();
        let ErrorKind::WaitUnreachable {
            task_id,
            status,
            until: awaited,
        } = err.kind()
        else {
            panic!("{err:?}")
        };
        assert_eq!(
            (task_id.as_str(), status, *awaited),
            ("wait-1", &TaskStatus::Stopped, until)
        );
        assert!(!err.is_timeout() && !err.is_retryable(), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "task wait-1 is stopped (停用), a final status: it can no longer be {until}; the wait ended"
            )
        );
        assert_eq!(e.stats().requests_of("GetPullRecordTask"), polls + 1);
        assert!(
            env.elapsed() - before < Duration::from_secs(1),
            "no backoff"
        );
        assert_eq!(*announced.lock().unwrap(), [None], "no next poll announced");
    }
    // A predicate of the caller's own is not second-guessed: it waits to the maximum.
    let err = client
        .wait_for_pull_record_task("wait-1")
        .until_task(|t| t.status == TaskStatus::Finished)
        .max_wait(Duration::from_secs(2))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::WaitTimeout {
                last_status: Some(TaskStatus::Stopped),
                ..
            }
        ),
        "{err:?}"
    );
    e.shutdown().await;
}

#[test]
fn fan_out_and_waiter_can_be_spawned() {
    fn send<T: Send + 'static>(_: &T) {}
    let client = LiveClient::builder()
        .credentials(Credentials::new("AKLTx", "c2VjcmV0").unwrap())
        .build()
        .unwrap();
    let results = client.get_pull_record_tasks(vec!["a", "b"]).stream();
    send(&results);
    let wait = client.wait_for_pull_record_task("a").send();
    send(&wait);
    assert_eq!(
        format!("{results:?}"),
        "FanOutResults { in_flight: 0, more_ids: true, .. }"
    );
}

/// A throttling answer with a `Retry-After` longer than a call's deadline holds the key for
/// every caller; the ids behind it wait for their permit instead of all failing at once.
#[tokio::test]
async fn a_long_retry_after_holds_a_fan_out_back_without_failing_it() {
    let env = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(T0));
    let tasks: Vec<SeedTask> = (0..6).map(|i| seed(&format!("held-{i}"), "", "")).collect();
    let e = Emulator::start(
        EmulatorConfig::new()
            .rate_limit(false)
            .clock(Arc::new(EnvClock(env.clone())))
            .seed(tasks),
    )
    .await
    .unwrap();
    e.inject(
        live_emulator::FaultRule::next(
            1,
            live_emulator::FaultKind::Throttle {
                retry_after_secs: 45,
            },
        )
        .for_action("GetPullRecordTask"),
    );
    let client = builder(&e)
        .environment(Arc::new(env.clone()))
        .operation_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let ids: Vec<String> = (0..6).map(|i| format!("held-{i}")).collect();
    let mut results = client.get_pull_record_tasks(ids).concurrency(3).stream();
    let mut ok = 0;
    while let Some(r) = results.next().await {
        match r.result {
            Ok(out) => {
                assert_eq!(out.task.task_id, r.task_id);
                ok += 1;
            }
            Err(err) => panic!("{}: {err}", r.task_id),
        }
    }
    assert_eq!(ok, 6);
    // The whole fan-out waited out the 45 s on the manual clock.
    assert!(
        env.elapsed() >= Duration::from_secs(45),
        "{:?}",
        env.elapsed()
    );
    e.shutdown().await;
}
