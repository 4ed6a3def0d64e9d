//! Client-side pacing on a manual clock (no sleeping): permits per second over aligned and
//! sliding windows, sharing between clones, a permit before every attempt, the slowdown after
//! a throttling answer and its recovery, and the operation's deadline.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::Bytes;
use live_api::env::{Environment, ManualEnvironment};
use live_api::error::TimeoutScope;
use live_api::pacing::{Pacing, Rate, RateLimits};
use live_api::retry::StandardRetry;
use live_api::{Credentials, ErrorKind, LiveClient};
use live_transport::{BoxFuture, ErrorKind as TransportKind, HttpTransport, TransportError};

const MS: Duration = Duration::from_millis(1);
const SEC: Duration = Duration::from_secs(1);

fn manual() -> ManualEnvironment {
    ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_716_192_550))
}

/// An answer to send back.
enum Answer {
    Status(u16, &'static str, Option<&'static str>),
    Lost,
}

/// Records when each request was sent (on the manual clock) and for which action; answers from
/// a script, then successes.
struct Clocked {
    env: ManualEnvironment,
    origin: Instant,
    script: Mutex<VecDeque<Answer>>,
    sent: Mutex<Vec<(String, Duration)>>,
}

impl std::fmt::Debug for Clocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clocked")
    }
}

impl Clocked {
    fn new(env: &ManualEnvironment, script: Vec<Answer>) -> Arc<Self> {
        Arc::new(Self {
            env: env.clone(),
            origin: env.monotonic(),
            script: Mutex::new(script.into()),
            sent: Mutex::new(Vec::new()),
        })
    }

    /// When each request of `action` was sent, from the start.
    fn times(&self, action: &str) -> Vec<Duration> {
        let sent = self.sent.lock().unwrap();
        sent.iter()
            .filter(|(a, _)| a == action)
            .map(|(_, t)| *t)
            .collect()
    }
}

const GET_OK: &str = r#"{"ResponseMetadata":{"RequestId":"r-ok","Action":"GetPullRecordTask"},"Result":{"TaskId":"t","StartTime":"","EndTime":"","Vhost":"v","Domain":"d","App":"a","Stream":"s","Status":"停用"}}"#;
const LIST_OK: &str = r#"{"ResponseMetadata":{"RequestId":"r-ok"},"Result":{"List":[],"Pagination":{"PageCur":1,"PageSize":20,"PageTotal":0,"TotalCount":0}}}"#;
const CREATED: &str = r#"{"ResponseMetadata":{"RequestId":"r-ok"},"Result":{"TaskId":"new"}}"#;
const THROTTLED: &str = r#"{"ResponseMetadata":{"RequestId":"r-429","Error":{"Code":"FlowLimitExceeded","Message":"slow down"}}}"#;
const INTERNAL: &str =
    r#"{"ResponseMetadata":{"RequestId":"r-500","Error":{"Code":"InternalError","Message":"m"}}}"#;

impl HttpTransport for Clocked {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let query = request.uri().query().unwrap_or_default().to_owned();
        let action = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
            .unwrap_or_default()
            .to_owned();
        let at = self.env.monotonic() - self.origin;
        self.sent.lock().unwrap().push((action.clone(), at));
        let answer = self.script.lock().unwrap().pop_front();
        let result = match answer {
            Some(Answer::Lost) => Err(TransportError::new(TransportKind::Io, "connection reset")),
            Some(Answer::Status(status, body, retry_after)) => {
                let mut r = http::Response::new(Bytes::from_static(body.as_bytes()));
                *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
                if let Some(ra) = retry_after {
                    r.headers_mut()
                        .insert(http::header::RETRY_AFTER, ra.parse().unwrap());
                }
                Ok(r)
            }
            None => {
                let body = match action.as_str() {
                    "ListPullRecordTask" => LIST_OK,
                    "CreatePullRecordTask" => CREATED,
                    "StopPullRecordTask" => r#"{"ResponseMetadata":{"RequestId":"r-ok"}}"#,
                    _ => GET_OK,
                };
                Ok(http::Response::new(Bytes::from_static(body.as_bytes())))
            }
        };
        Box::pin(async move { result })
    }
}

fn client(transport: Arc<Clocked>, env: &ManualEnvironment, pacing: Pacing) -> LiveClient {
    LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTpacing", "secret").unwrap())
        .transport(transport)
        .environment(Arc::new(env.clone()))
        .pacing(pacing)
        .build()
        .unwrap()
}

fn exact() -> Pacing {
    Pacing::Local(RateLimits::documented().with_headroom(0.0))
}

/// The most permits in any one-second window `[t, t + 1 s)`: the busiest window starts at a
/// permit, so those are the windows checked.
fn busiest_sliding_second(times: &[Duration]) -> usize {
    times
        .iter()
        .map(|&start| {
            times
                .iter()
                .filter(|&&t| t >= start && t < start + SEC)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Permits per aligned second `[k s, (k + 1) s)`, by `k`, offset by `phase`.
fn per_aligned_second(times: &[Duration], phase: Duration) -> Vec<usize> {
    let mut counts = Vec::new();
    for t in times {
        let k = ((*t + phase).as_nanos() / SEC.as_nanos()) as usize;
        if counts.len() <= k {
            counts.resize(k + 1, 0);
        }
        counts[k] += 1;
    }
    counts
}

#[tokio::test]
async fn permits_per_second_are_exact_over_aligned_and_sliding_windows() {
    let env = manual();
    let t = Clocked::new(&env, vec![]);
    let c = client(t.clone(), &env, exact());
    for _ in 0..100 {
        c.get_pull_record_task().task_id("t").send().await.unwrap();
    }
    let times = t.times("GetPullRecordTask");
    let expected: Vec<Duration> = (0..100).map(|i| 100 * MS * i).collect();
    assert_eq!(times, expected, "one permit every 100 ms from the first");
    assert_eq!(busiest_sliding_second(&times), 10);
    assert_eq!(per_aligned_second(&times, Duration::ZERO), vec![10; 10]);
    // Any alignment of the service's seconds to ours: never more than 10.
    for phase_ms in [1, 50, 99, 333, 999] {
        let counts = per_aligned_second(&times, phase_ms * MS);
        assert!(counts.iter().all(|&n| n <= 10), "{phase_ms}: {counts:?}");
    }

    // The 50/s actions: one every 20 ms.
    for _ in 0..60 {
        c.create_pull_record_task()
            .domain("d")
            .app("a")
            .stream("s")
            .stream_url("http://x/a/s")
            .send()
            .await
            .unwrap();
    }
    let creates = t.times("CreatePullRecordTask");
    assert!(
        creates.windows(2).all(|w| w[1] - w[0] == 20 * MS),
        "{creates:?}"
    );
    assert_eq!(busiest_sliding_second(&creates), 50);
}

#[tokio::test]
async fn the_default_headroom_paces_at_98_percent_and_never_more_than_the_limit() {
    let env = manual();
    let t = Clocked::new(&env, vec![]);
    let c = client(t.clone(), &env, Pacing::default());
    for _ in 0..100 {
        c.get_pull_record_task().task_id("t").send().await.unwrap();
    }
    let times = t.times("GetPullRecordTask");
    assert!(times.windows(2).all(|w| w[1] - w[0] == 102 * MS));
    assert_eq!(busiest_sliding_second(&times), 10);
    // 100 permits span 99 intervals: 10.098 s.
    assert_eq!(*times.last().unwrap(), 102 * MS * 99);
}

#[tokio::test]
async fn clones_share_one_budget_per_key_and_action() {
    let env = manual();
    let t = Clocked::new(&env, vec![]);
    let a = client(t.clone(), &env, exact());
    let b = a.clone();
    for i in 0..10 {
        let c = if i % 2 == 0 { &a } else { &b };
        c.get_pull_record_task().task_id("t").send().await.unwrap();
        // Another action has its own budget: not delayed by the Gets.
        let before = env.elapsed();
        c.list_pull_record_tasks().send().await.unwrap();
        assert!(env.elapsed() - before <= 20 * MS);
    }
    let gets = t.times("GetPullRecordTask");
    assert!(gets.windows(2).all(|w| w[1] - w[0] == 100 * MS), "{gets:?}");
    assert_eq!(busiest_sliding_second(&gets), 10);

    // Another client (its own limiter) does not share the budget.
    let other = client(t.clone(), &env, exact());
    let before = env.elapsed();
    other
        .get_pull_record_task()
        .task_id("t")
        .send()
        .await
        .unwrap();
    assert_eq!(env.elapsed(), before, "sent at once");
}

#[tokio::test]
async fn every_attempt_takes_a_permit_retries_included() {
    let env = manual().with_jitter(Arc::new(|_| Duration::ZERO));
    let t = Clocked::new(
        &env,
        vec![
            Answer::Status(500, INTERNAL, None),
            Answer::Status(500, INTERNAL, None),
        ],
    );
    let c = client(t.clone(), &env, exact());
    c.get_pull_record_task().task_id("t").send().await.unwrap();
    // The retries' backoff is zero: only the pacing spaces them.
    assert_eq!(
        t.times("GetPullRecordTask"),
        vec![Duration::ZERO, 100 * MS, 200 * MS]
    );
    let waits: Vec<Duration> = env.sleeps().into_iter().filter(|d| !d.is_zero()).collect();
    assert_eq!(waits, vec![100 * MS, 100 * MS]);
}

#[tokio::test]
async fn the_check_after_a_lost_stop_is_paced_too() {
    let env = manual().with_jitter(Arc::new(|_| Duration::ZERO));
    // The stop's answer is lost; the check (a Get) finds the task stopped.
    let t = Clocked::new(&env, vec![]);
    let c = client(t.clone(), &env, exact());
    c.get_pull_record_task().task_id("t").send().await.unwrap();
    t.script.lock().unwrap().push_back(Answer::Lost);
    let out = c.stop_pull_record_task().task_id("t").send().await.unwrap();
    assert!(out.reconciled, "{:?}", t.sent.lock().unwrap());
    assert_eq!(
        t.times("GetPullRecordTask"),
        vec![Duration::ZERO, 100 * MS],
        "the check waited for a Get permit"
    );
}

#[tokio::test]
async fn throttling_holds_every_caller_until_retry_after_then_the_rate_recovers() {
    let env = manual();
    let t = Clocked::new(&env, vec![]);
    let c = client(t.clone(), &env, exact());
    let no_retry = LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTpacing", "secret").unwrap())
        .transport(t.clone())
        .environment(Arc::new(env.clone()))
        .retry(StandardRetry::none())
        .pacing(Pacing::Limiter(c.rate_limiter().unwrap().clone()))
        .build()
        .unwrap();
    c.get_pull_record_task().task_id("t").send().await.unwrap();
    t.script
        .lock()
        .unwrap()
        .push_back(Answer::Status(429, THROTTLED, Some("2")));
    let err = no_retry
        .get_pull_record_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_throttling());
    // Another caller of the same key and action waits out the Retry-After (2 s from 100 ms).
    c.get_pull_record_task().task_id("t").send().await.unwrap();
    for _ in 0..60 {
        c.get_pull_record_task().task_id("t").send().await.unwrap();
    }
    let times = t.times("GetPullRecordTask");
    assert_eq!(&times[..3], &[Duration::ZERO, 100 * MS, 2_100 * MS]);
    // Halved: 200 ms after the block, then 10 % of the limit back each second.
    assert_eq!(times[3] - times[2], 200 * MS);
    let gaps: Vec<Duration> = times[2..].windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.windows(2).all(|g| g[1] <= g[0]), "{gaps:?}");
    // Back to the limit 5 s after the block ended (2.1 s + 5 s).
    for w in times.windows(2).filter(|w| w[0] >= 7_100 * MS) {
        assert_eq!(w[1] - w[0], 100 * MS);
    }
    assert!(times.last().unwrap() > &(7_500 * MS));
    // Never more than the limit in any second.
    assert!(busiest_sliding_second(&times) <= 10);
}

#[tokio::test]
async fn a_throttled_call_retried_waits_retry_after_once_not_twice() {
    let env = manual();
    let t = Clocked::new(&env, vec![Answer::Status(429, THROTTLED, Some("2"))]);
    let c = client(t.clone(), &env, exact());
    c.get_pull_record_task().task_id("t").send().await.unwrap();
    assert_eq!(
        t.times("GetPullRecordTask"),
        vec![Duration::ZERO, 2 * SEC],
        "the retry is sent as Retry-After ends"
    );
}

#[tokio::test]
async fn a_permit_after_the_deadline_fails_at_once_and_nothing_is_sent() {
    let env = manual();
    let t = Clocked::new(&env, vec![]);
    let limits = RateLimits::documented()
        .with_headroom(0.0)
        .with_rate("GetPullRecordTask", Rate::every(5 * SEC).unwrap());
    let c = LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTpacing", "secret").unwrap())
        .transport(t.clone())
        .environment(Arc::new(env.clone()))
        .operation_timeout(SEC)
        .rate_limits(limits)
        .build()
        .unwrap();
    c.get_pull_record_task().task_id("t").send().await.unwrap();
    let err = c
        .get_pull_record_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::RateLimited { action, next_in, left }
                if action == "GetPullRecordTask" && *next_in == 5 * SEC && *left == SEC
        ),
        "{err:?}"
    );
    assert!(err.is_timeout());
    assert_eq!(err.timeout_scope(), Some(TimeoutScope::Operation));
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    assert!(env.sleeps().is_empty(), "it did not wait");
    assert_eq!(t.times("GetPullRecordTask").len(), 1);
    // The refused call reserved nothing: 5 s later a permit is there at once.
    env.advance(5 * SEC);
    c.get_pull_record_task().task_id("t").send().await.unwrap();
    assert_eq!(t.times("GetPullRecordTask"), vec![Duration::ZERO, 5 * SEC]);
}

#[tokio::test]
async fn a_permit_within_the_deadline_is_waited_for() {
    let env = manual();
    let t = Clocked::new(&env, vec![]);
    let c = LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTpacing", "secret").unwrap())
        .transport(t.clone())
        .environment(Arc::new(env.clone()))
        .operation_timeout(SEC)
        .rate_limits(
            RateLimits::documented()
                .with_headroom(0.0)
                .with_rate_for_all(Rate::per_second(2).unwrap()),
        )
        .build()
        .unwrap();
    for _ in 0..3 {
        c.get_pull_record_task().task_id("t").send().await.unwrap();
    }
    assert_eq!(
        t.times("GetPullRecordTask"),
        vec![Duration::ZERO, 500 * MS, SEC]
    );
}

#[tokio::test]
async fn pacing_off_sends_at_once() {
    let env = manual();
    let t = Clocked::new(&env, vec![]);
    let c = client(t.clone(), &env, Pacing::Off);
    assert!(c.rate_limiter().is_none());
    for _ in 0..30 {
        c.get_pull_record_task().task_id("t").send().await.unwrap();
    }
    assert_eq!(t.times("GetPullRecordTask"), vec![Duration::ZERO; 30]);
    assert!(env.sleeps().is_empty());
}

#[tokio::test]
async fn a_permit_given_before_a_throttling_answer_waits_for_its_retry_after_too() {
    use live_api::pacing::{Feedback, LocalRateLimiter, RateKey, RateLimiter};
    let env = manual();
    let limiter = LocalRateLimiter::new(RateLimits::documented().with_headroom(0.0))
        .with_environment(Arc::new(env.clone()));
    let key = RateKey::new("AKLTpacing", live_model::Action::GetPullRecordTask.facts());
    limiter.acquire(key, 30 * SEC).await.unwrap();
    // A second caller is given the slot 100 ms ahead; before it is used, a 429 with
    // Retry-After: 5 comes back for an earlier request.
    let second = limiter.acquire(key, 30 * SEC);
    limiter
        .observe(
            key,
            Feedback::Throttled {
                retry_after: Some(5 * SEC),
            },
        )
        .await;
    let waited = second.await.unwrap();
    assert!(waited >= 5 * SEC, "{waited:?}");
    assert!(env.elapsed() >= 5 * SEC, "{:?}", env.elapsed());
    // A caller whose wait cannot reach past the Retry-After gets no permit.
    limiter
        .observe(
            key,
            Feedback::Throttled {
                retry_after: Some(5 * SEC),
            },
        )
        .await;
    assert!(limiter.acquire(key, SEC).await.is_err());
}

#[tokio::test]
async fn answers_to_requests_already_under_way_cut_the_rate_once() {
    use live_api::pacing::{Feedback, LocalRateLimiter, RateKey, RateLimiter};
    let env = manual();
    let limiter = LocalRateLimiter::new(RateLimits::documented().with_headroom(0.0))
        .with_environment(Arc::new(env.clone()));
    let key = RateKey::new("AKLTpacing", live_model::Action::GetPullRecordTask.facts());
    // Eight throttling answers with Retry-After: 0 arrive together: one episode, one cut.
    for _ in 0..8 {
        limiter
            .observe(
                key,
                Feedback::Throttled {
                    retry_after: Some(Duration::ZERO),
                },
            )
            .await;
    }
    assert_eq!(limiter.current_rate(key), Some(5.0));
}
