//! The Redis limiter against a real `redis-server` (started here on a free loopback port): a
//! permit given before a throttling answer that another limiter (another process, in real
//! use) observed is not used inside the `Retry-After`; the caller takes a new slot after it,
//! within its own time limit. Real time (about a second each): Redis paces on its own clock,
//! so the limiters sleep on the system's; the assertions are lower bounds only, or bounds far
//! from what a wrong answer would take.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use live_api::env::{Environment, LiveFuture, SystemEnvironment};
use live_api::pacing::{
    Feedback, NoPermit, Rate, RateKey, RateLimiter, RateLimits, RedisRateLimiter,
};
use live_model::Action;
use tokio::sync::Notify;
use volc_live_tests::RedisServer;

/// The system's clock and timers, telling `slept` each time the limiter starts a sleep (a
/// slot was given and the caller now waits for it).
#[derive(Debug, Clone, Default)]
struct TellsWhenSleeping {
    slept: Arc<Notify>,
}

impl Environment for TellsWhenSleeping {
    fn now(&self) -> SystemTime {
        SystemEnvironment.now()
    }
    fn monotonic(&self) -> Instant {
        SystemEnvironment.monotonic()
    }
    fn sleep(&self, d: Duration) -> LiveFuture<'static, ()> {
        self.slept.notify_one();
        SystemEnvironment.sleep(d)
    }
    fn timer(&self, d: Duration) -> LiveFuture<'static, ()> {
        SystemEnvironment.timer(d)
    }
    fn random_duration(&self, ceiling: Duration) -> Duration {
        SystemEnvironment.random_duration(ceiling)
    }
    fn var_os(&self, name: &str) -> Option<std::ffi::OsString> {
        SystemEnvironment.var_os(name)
    }
}

/// The pace of the key: A's second slot is this far ahead, time enough for B to answer first.
const SLOT: Duration = Duration::from_millis(600);

fn limits() -> RateLimits {
    RateLimits::documented()
        .with_rate("GetPullRecordTask", Rate::every(SLOT).unwrap())
        .with_headroom(0.0)
}

fn key() -> RateKey<'static> {
    RateKey::new("AKLTrecheck", Action::GetPullRecordTask.facts())
}

/// Clock differences (Redis's wall clock against this process's monotonic one) and rounding:
/// far below what the assertions tell apart (a permit used at once ends 600 ms in).
const SLACK: Duration = Duration::from_millis(50);

/// Limiter A (waiting for a slot, telling when it sleeps) and limiter B, each with its own
/// connection, sharing one budget through `redis`. A long timeout: a slow answer on a busy
/// machine must not turn either to local pacing. B is connected (on another key) already.
async fn two_limiters(
    redis: &RedisServer,
) -> (RedisRateLimiter, TellsWhenSleeping, RedisRateLimiter) {
    let env = TellsWhenSleeping::default();
    let a = RedisRateLimiter::builder(redis.url())
        .limits(limits())
        .environment(Arc::new(env.clone()))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let b = RedisRateLimiter::builder(redis.url())
        .limits(limits())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let other = RateKey::new("AKLTrecheck", Action::ListPullRecordTask.facts());
    assert_eq!(
        b.acquire(other, Duration::from_secs(3)).await,
        Ok(Duration::ZERO)
    );
    (a, env, b)
}

type Pending = tokio::task::JoinHandle<(Result<Duration, NoPermit>, Instant)>;

/// A takes the free slot, then asks for the next one (`SLOT` ahead) with `max_wait`; returns
/// once A sleeps for it, with A's pending call.
async fn a_waits_for_its_slot(
    a: &RedisRateLimiter,
    env: &TellsWhenSleeping,
    max_wait: Duration,
) -> Pending {
    assert_eq!(
        a.acquire(key(), Duration::from_secs(3)).await,
        Ok(Duration::ZERO)
    );
    let pending = {
        let a = a.clone();
        tokio::spawn(async move {
            let r = a.acquire(key(), max_wait).await;
            (r, Instant::now())
        })
    };
    env.slept.notified().await;
    pending
}

fn throttled(retry_after: Duration) -> Feedback {
    Feedback::Throttled {
        retry_after: Some(retry_after),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permit_given_before_another_limiter_was_throttled_waits_for_the_retry_after() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (a, env, b) = two_limiters(&redis).await;
    let pending = a_waits_for_its_slot(&a, &env, Duration::from_secs(3)).await;
    let observed = Instant::now();
    b.observe(key(), throttled(Duration::from_secs(1))).await;
    let (result, ended) = pending.await.unwrap();
    let waited = result.unwrap();
    // The `Retry-After` ends a second after Redis saw the answer, which was after `observed`.
    assert!(
        ended.duration_since(observed) + SLACK >= Duration::from_secs(1),
        "A's permit came {:?} after B's throttling answer",
        ended.duration_since(observed)
    );
    assert!(waited + SLACK >= Duration::from_secs(1), "{waited:?}");
    assert!(!a.is_degraded() && !b.is_degraded());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_slot_is_refused_when_the_retry_after_outlasts_the_time_left() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (a, env, b) = two_limiters(&redis).await;
    let started = Instant::now();
    let pending = a_waits_for_its_slot(&a, &env, Duration::from_secs(1)).await;
    b.observe(key(), throttled(Duration::from_secs(5))).await;
    let (result, ended) = pending.await.unwrap();
    let refused = result.unwrap_err();
    // Refused once A woke and asked, with the `Retry-After` still holding for seconds; not
    // after waiting it out.
    assert!(refused.next_in > Duration::from_secs(3), "{refused:?}");
    assert!(
        ended.duration_since(started) < Duration::from_secs(3),
        "{:?}",
        ended.duration_since(started)
    );
    // The refusal reserved nothing: the next slot is still the end of the `Retry-After`.
    let state = redis.array(&format!("HMGET {} tat bu", a.redis_key(key())));
    assert_eq!(state.len(), 2, "{state:?}");
    assert_eq!(state[0], state[1], "tat and the end of the Retry-After");
    assert!(!a.is_degraded());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_loads_a_flushed_script_again() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (a, env, b) = two_limiters(&redis).await;
    let pending = a_waits_for_its_slot(&a, &env, Duration::from_secs(3)).await;
    let observed = Instant::now();
    b.observe(key(), throttled(Duration::from_secs(1))).await;
    // A's next call to Redis is the check: its EVALSHA gets NOSCRIPT, the script is loaded
    // again and run. Were it not, A would pace locally and not know of B's answer.
    assert_eq!(redis.command("SCRIPT FLUSH").as_deref(), Some("+OK"));
    let (result, ended) = pending.await.unwrap();
    result.unwrap();
    assert!(
        ended.duration_since(observed) + SLACK >= Duration::from_secs(1),
        "{:?}",
        ended.duration_since(observed)
    );
    assert!(!a.is_degraded());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_lost_before_the_check_leaves_it_to_this_process_state() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let (a, env, _b) = two_limiters(&redis).await;
    let pending = a_waits_for_its_slot(&a, &env, Duration::from_secs(3)).await;
    let observed = Instant::now();
    // A itself saw this answer, so its local state holds it too.
    a.observe(key(), throttled(Duration::from_secs(1))).await;
    redis.kill();
    let (result, ended) = pending.await.unwrap();
    result.unwrap();
    assert!(
        ended.duration_since(observed) + SLACK >= Duration::from_secs(1),
        "{:?}",
        ended.duration_since(observed)
    );
    assert!(a.is_degraded(), "paced locally once Redis was gone");
}
