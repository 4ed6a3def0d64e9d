//! Client-side pacing under the account's rate limits: the [`RateLimiter`] trait, the limits
//! ([`RateLimits`], [`Rate`]), the in-process [`LocalRateLimiter`] and, behind the feature
//! `redis`, the `RedisRateLimiter` that shares one budget between processes.
//!
//! The client asks its limiter for a permit for (access key id, action) before **every**
//! attempt (retries, and the GetPullRecordTask that checks a stop whose answer was lost,
//! included), and tells it what each attempt got back, so that a throttling answer slows every
//! caller of that key and action down.
//!
//! # The rule
//!
//! Pacing is a GCRA (generic cell rate algorithm) with a burst of one: a permit is a time slot,
//! and slots are at least one *interval* apart, the interval being `1 s / limit` stretched by
//! the headroom ([`RateLimits::with_headroom`], default 2 %). So no one-second window, aligned
//! to the second or sliding, ever holds more permits than the limit; the headroom absorbs up to
//! 20 ms of network jitter between the client's clock and the service's.
//!
//! A caller reserves the next free slot and sleeps until it (through the client's
//! [`Environment`](crate::env::Environment)), so waiters are served in order without polling. When
//! the slot comes after the operation's deadline, nothing is reserved and the call fails at once
//! with [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited) (nothing was sent).
//!
//! On a throttling answer (HTTP 429 or `FlowLimitExceeded`):
//!
//! 1. no slot is given before `Retry-After` has passed (1 s when the answer names none; at most
//!    60 s), for every caller of that key and action: a caller that was given a slot before
//!    the answer came, and is still waiting for it, takes a new one after the `Retry-After`
//!    (within its own deadline). With the local limiter, that is an answer this limiter
//!    learned of; with the Redis limiter, one that any process sharing the budget did (a
//!    caller that waited for its slot asks Redis, once its slot comes, whether a
//!    `Retry-After` holds the key now);
//! 2. the rate is halved (at most once per throttling episode: answers that arrive while an
//!    earlier `Retry-After`, or the second after it began, still holds count as the same
//!    episode, so `Retry-After: 0` cuts once too), down to 1/16 of the limit;
//! 3. from the end of that `Retry-After`, the rate grows back linearly by a tenth of the limit
//!    each second, up to the limit (so from half the limit it is back after 5 s).
//!
//! This is AIMD (additive increase, multiplicative decrease) on the clock rather than on
//! successes, so the recovery is the same however many callers there are.
//!
//! The service counts per account; the limiter paces per access key id. Two keys of one
//! account used at once each get the whole limit here: give them lower rates
//! ([`RateLimits::with_rate_for_all`]), or let the throttling answers slow them down.
//!
//! Why not `governor`: its GCRA does not reserve future slots (a caller polls until a slot is
//! free, so the wait is not known in advance and cannot be refused against a deadline), its
//! quota is fixed per limiter (no slowing down after a throttling answer), and the Redis
//! limiter needs the same arithmetic in Lua anyway. The arithmetic here is a few lines over the
//! [`Environment`](crate::env::Environment)'s monotonic clock, so tests run on
//! [`ManualEnvironment`](crate::env::ManualEnvironment) without sleeping.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use live_model::ActionFacts;

use crate::env::LiveFuture;

mod gcra;
mod local;
#[cfg(feature = "redis")]
mod redis;

pub use local::LocalRateLimiter;
#[cfg(feature = "redis")]
pub use redis::{RedisRateLimiter, RedisRateLimiterBuilder};

/// Who is paced: an access key id and an action of a service (each has its own budget at the
/// service), with the action's documented limit when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateKey<'a> {
    /// The access key id that signs the request (not secret; never the secret key).
    pub access_key_id: &'a str,
    /// The service (`live`, `sts`, `iam` …).
    pub service: &'a str,
    /// The action, as in `?Action=`.
    pub action: &'a str,
    /// The action's documented (or declared) limit; `None` when it has none.
    pub limit: Option<Rate>,
}

impl<'a> RateKey<'a> {
    /// The key of a Live `action` called with `access_key_id`, at its documented limit.
    pub fn new(access_key_id: &'a str, action: ActionFacts) -> Self {
        Self {
            access_key_id,
            service: live_model::SERVICE,
            action: action.name(),
            limit: action.rate_limit_per_sec().and_then(Rate::per_second),
        }
    }

    /// The key of any `service`'s `action`, with its `limit` (`None`: not paced unless
    /// [`RateLimits`] names it).
    pub fn of(
        access_key_id: &'a str,
        service: &'a str,
        action: &'a str,
        limit: Option<Rate>,
    ) -> Self {
        Self {
            access_key_id,
            service,
            action,
            limit,
        }
    }
}

/// What an attempt got back, for the limiter to learn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feedback {
    /// The service throttled the call (HTTP 429 or `FlowLimitExceeded`), with its
    /// `Retry-After` when it sent one.
    Throttled {
        /// The service's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// The service answered otherwise (success or another error).
    Answered,
}

/// No permit could be given within the time allowed: the next one is `next_in` away. Nothing
/// was reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NoPermit {
    /// How long until the next permit, from the request.
    pub next_in: Duration,
}

impl NoPermit {
    /// The next permit is `next_in` away.
    pub fn new(next_in: Duration) -> Self {
        Self { next_in }
    }
}

/// A permit for one attempt, taken from a [`RateLimiter`] by
/// [`permit`](trait.RateLimiter.html#method.permit): it says how long the caller waited for it, and takes what the
/// attempt got back ([`Permit::report`]), so that a throttling answer slows every caller of the
/// same key down. A permit dropped without a report (the attempt never got an answer) teaches
/// the limiter nothing.
#[must_use = "report the answer to the permit, so the limiter learns of throttling"]
pub struct Permit<'a> {
    limiter: &'a dyn RateLimiter,
    key: RateKey<'a>,
    waited: Duration,
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("key", &self.key)
            .field("waited", &self.waited)
            .finish()
    }
}

impl<'a> Permit<'a> {
    /// A permit of `limiter` for `key`, given after `waited`.
    pub fn new(limiter: &'a dyn RateLimiter, key: RateKey<'a>, waited: Duration) -> Self {
        Self {
            limiter,
            key,
            waited,
        }
    }

    /// How long the caller waited for it.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// The key it was given for.
    pub fn key(&self) -> RateKey<'a> {
        self.key
    }

    /// Tells the limiter what the attempt got back.
    pub async fn report(self, feedback: Feedback) {
        self.limiter.observe(self.key, feedback).await;
    }
}

/// Paces calls per (access key id, action). Dyn-compatible: the client holds an
/// `Arc<dyn RateLimiter>`.
///
/// Before every attempt the client takes a [`Permit`] (`limiter.permit(key, max_wait)`,
/// which calls [`acquire`](RateLimiter::acquire)), and reports to it what the attempt got back
/// (which calls [`observe`](RateLimiter::observe)). An implementation
/// must be cheap to call concurrently, must never wait past `max_wait`, and should not reserve
/// anything when it refuses.
///
/// ```
/// use std::time::Duration;
/// use live_api::pacing::{Feedback, NoPermit, RateKey, RateLimiter};
/// use live_api::env::LiveFuture;
///
/// /// Lets everything through, counting permits.
/// #[derive(Debug, Default)]
/// struct Counting(std::sync::atomic::AtomicU64);
///
/// impl RateLimiter for Counting {
///     fn acquire<'a>(&'a self, _key: RateKey<'a>, _max_wait: Duration)
///         -> LiveFuture<'a, Result<Duration, NoPermit>> {
///         self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         Box::pin(async { Ok(Duration::ZERO) })
///     }
///     fn observe<'a>(&'a self, _key: RateKey<'a>, _feedback: Feedback) -> LiveFuture<'a, ()> {
///         Box::pin(async {})
///     }
/// }
/// let client = live_api::LiveClient::builder()
///     .pacing(live_api::pacing::Pacing::Limiter(std::sync::Arc::new(Counting::default())));
/// ```
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits for a permit for `key`, at most `max_wait`. `Ok(waited)` when the permit is
    /// given; [`NoPermit`] at once when it would come later than `max_wait`.
    fn acquire<'a>(
        &'a self,
        key: RateKey<'a>,
        max_wait: Duration,
    ) -> LiveFuture<'a, Result<Duration, NoPermit>>;

    /// Learns from what an attempt got back (see [`Feedback`]): what [`Permit::report`]
    /// calls, and what a limiter shared with other processes is told of their answers.
    fn observe<'a>(&'a self, key: RateKey<'a>, feedback: Feedback) -> LiveFuture<'a, ()>;
}

impl dyn RateLimiter + '_ {
    /// Waits for a permit for `key`, at most `max_wait` ([`RateLimiter::acquire`]), and hands
    /// it over as a [`Permit`] that takes the attempt's answer. This is what the client calls
    /// before every attempt.
    pub async fn permit<'a>(
        &'a self,
        key: RateKey<'a>,
        max_wait: Duration,
    ) -> Result<Permit<'a>, NoPermit> {
        let waited = self.acquire(key, max_wait).await?;
        Ok(Permit::new(self, key, waited))
    }
}

/// A rate: the time between two permits.
///
/// ```
/// use std::time::Duration;
/// use live_api::pacing::Rate;
///
/// assert_eq!(Rate::per_second(10).unwrap().interval(), Duration::from_millis(100));
/// assert_eq!("2.5".parse::<Rate>().unwrap().interval(), Duration::from_millis(400));
/// assert!(Rate::per_second(0).is_none());
/// assert!("0".parse::<Rate>().is_err() && "-1".parse::<Rate>().is_err() && "NaN".parse::<Rate>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    interval_nanos: u64,
}

impl Rate {
    /// The slowest rate accepted: one permit a day.
    const MAX_INTERVAL_NANOS: u64 = 86_400 * 1_000_000_000;

    /// `n` permits a second; `None` for zero.
    pub fn per_second(n: u32) -> Option<Rate> {
        (n > 0).then(|| Rate {
            interval_nanos: 1_000_000_000u64.div_ceil(u64::from(n)),
        })
    }

    /// `per_sec` permits a second (fractions allowed: `2.5`); `None` unless it is finite,
    /// positive, at most 1,000,000 and at least one a day.
    pub fn per_second_f64(per_sec: f64) -> Option<Rate> {
        if !per_sec.is_finite() || per_sec <= 0.0 || per_sec > 1_000_000.0 {
            return None;
        }
        let nanos = (1e9 / per_sec).ceil();
        (nanos >= 1.0 && nanos <= Self::MAX_INTERVAL_NANOS as f64).then_some(Rate {
            interval_nanos: nanos as u64,
        })
    }

    /// One permit every `interval`; `None` for zero or more than a day.
    pub fn every(interval: Duration) -> Option<Rate> {
        let nanos = u64::try_from(interval.as_nanos()).ok()?;
        (nanos > 0 && nanos <= Self::MAX_INTERVAL_NANOS).then_some(Rate {
            interval_nanos: nanos,
        })
    }

    /// The time between two permits.
    pub fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_nanos)
    }

    /// Permits a second.
    pub fn per_sec(&self) -> f64 {
        1e9 / self.interval_nanos as f64
    }

    pub(crate) fn interval_nanos(&self) -> u64 {
        self.interval_nanos
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.per_sec())
    }
}

/// A rate that could not be read (see [`Rate`]'s `FromStr`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a rate is a number of requests per second, more than 0 and at most 1000000 (e.g. 10 or 2.5); got {0:?}")]
pub struct RateParseError(String);

impl FromStr for Rate {
    type Err = RateParseError;

    /// Requests per second: `10`, `2.5`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shown: String = s.chars().take(32).collect();
        s.trim()
            .parse::<f64>()
            .ok()
            .and_then(Rate::per_second_f64)
            .ok_or(RateParseError(shown))
    }
}

/// The limits a limiter paces at: by default each action's documented limit (read from
/// [`ActionFacts::rate_limit_per_sec`]), with overrides per action or for all, and a headroom.
///
/// An action with no documented limit and no override is not paced.
///
/// ```
/// use live_api::pacing::{Rate, RateLimits};
/// use live_model::Action;
///
/// let limits = RateLimits::documented()
///     .with_rate("ListPullRecordTask", Rate::per_second(20).unwrap())
///     .with_headroom(0.0);
/// assert_eq!(limits.rate_for(Action::GetPullRecordTask.facts()), Rate::per_second(10));
/// assert_eq!(limits.rate_for(Action::ListPullRecordTask.facts()), Rate::per_second(20));
/// // Every action at 2.5/s (what `volc-live --rate 2.5` means).
/// let slow = RateLimits::documented().with_rate_for_all("2.5".parse().unwrap());
/// assert_eq!(slow.rate_for(Action::CreatePullRecordTask.facts()).unwrap().per_sec(), 2.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    overrides: Vec<(String, Rate)>,
    all: Option<Rate>,
    headroom: f64,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            overrides: Vec::new(),
            all: None,
            headroom: Self::DEFAULT_HEADROOM,
        }
    }
}

impl RateLimits {
    /// The default headroom: 2 % (10/s is paced at one permit every 102 ms).
    pub const DEFAULT_HEADROOM: f64 = 0.02;

    /// Each action's documented limit, with the default headroom.
    pub fn documented() -> Self {
        Self::default()
    }

    /// Paces `action` (its name, as in `?Action=`) at `rate` instead of its documented limit.
    pub fn with_rate(mut self, action: &str, rate: Rate) -> Self {
        self.overrides.retain(|(name, _)| name != action);
        self.overrides.push((action.to_owned(), rate));
        self
    }

    /// Paces every action at `rate` (per-action overrides still win).
    pub fn with_rate_for_all(mut self, rate: Rate) -> Self {
        self.all = Some(rate);
        self
    }

    /// Stretches every interval by this fraction (0 to 0.5; default
    /// [`DEFAULT_HEADROOM`](Self::DEFAULT_HEADROOM)), so that network jitter of up to
    /// `headroom × 1 s` cannot push more than the limit into a second at the service.
    pub fn with_headroom(mut self, fraction: f64) -> Self {
        self.headroom = if fraction.is_finite() {
            fraction.clamp(0.0, 0.5)
        } else {
            0.0
        };
        self
    }

    /// The headroom.
    pub fn headroom(&self) -> f64 {
        self.headroom
    }

    /// The rate `action` is limited to (before headroom): an override, else the documented
    /// limit; `None` when it is not paced.
    pub fn rate_for(&self, action: ActionFacts) -> Option<Rate> {
        self.rate_named(action.name())
            .or_else(|| action.rate_limit_per_sec().and_then(Rate::per_second))
    }

    /// The paced interval of `action`, headroom included; `None` when it is not paced.
    pub fn interval_for(&self, action: ActionFacts) -> Option<Duration> {
        self.rate_for(action)
            .map(|rate| Duration::from_nanos(self.stretched(rate)))
    }

    /// The paced interval of `key`, headroom included: an override of its action's name,
    /// else the rate for all, else its own limit; `None` when it is not paced.
    pub(crate) fn interval_nanos_for(&self, key: RateKey<'_>) -> Option<u64> {
        let rate = self.rate_named(key.action).or(key.limit)?;
        Some(self.stretched(rate))
    }

    fn rate_named(&self, action: &str) -> Option<Rate> {
        self.overrides
            .iter()
            .find(|(name, _)| name == action)
            .map(|(_, rate)| *rate)
            .or(self.all)
    }

    fn stretched(&self, rate: Rate) -> u64 {
        (rate.interval_nanos() as f64 * (1.0 + self.headroom)).ceil() as u64
    }
}

/// How a client paces its calls ([`LiveClientBuilder::pacing`](crate::LiveClientBuilder::pacing)).
#[derive(Clone)]
#[non_exhaustive]
pub enum Pacing {
    /// No pacing: every call is sent at once (and learns of the limit from the service).
    Off,
    /// The default: a [`LocalRateLimiter`] at these limits, shared by all clones of the client.
    Local(RateLimits),
    /// Your limiter, e.g. a `RedisRateLimiter` (feature `redis`), possibly shared by
    /// several clients.
    Limiter(std::sync::Arc<dyn RateLimiter>),
}

impl Pacing {
    /// Reads the pacing a user chose, as `volc-live --rate-limit` and `VOLCENGINE_RATE_LIMIT`
    /// take it: `off`, `local` (the default), or a Redis URL `redis://HOST[:PORT][/DB]`
    /// (feature `redis`; nothing is connected yet). `limits` apply to `local` and Redis.
    ///
    /// ```
    /// use live_api::pacing::{Pacing, RateLimits};
    ///
    /// assert!(matches!(Pacing::parse("off", RateLimits::documented()), Ok(Pacing::Off)));
    /// assert!(matches!(Pacing::parse("local", RateLimits::documented()), Ok(Pacing::Local(_))));
    /// assert!(Pacing::parse("sometimes", RateLimits::documented()).is_err());
    /// ```
    pub fn parse(spec: &str, limits: RateLimits) -> Result<Pacing, crate::LiveError> {
        let spec = spec.trim();
        match spec {
            "off" => Ok(Pacing::Off),
            "local" | "" => Ok(Pacing::Local(limits)),
            _ if spec.starts_with("redis://")
                || spec.starts_with("rediss://")
                || spec.starts_with("redis+unix://") =>
            {
                Self::redis(spec, limits)
            }
            _ => Err(crate::ErrorKind::Config(
                "pacing is off, local or a Redis URL redis://HOST[:PORT][/DB]".into(),
            )
            .into()),
        }
    }

    #[cfg(feature = "redis")]
    fn redis(url: &str, limits: RateLimits) -> Result<Pacing, crate::LiveError> {
        let limiter = RedisRateLimiter::builder(url).limits(limits).build()?;
        Ok(Pacing::Limiter(std::sync::Arc::new(limiter)))
    }

    #[cfg(not(feature = "redis"))]
    fn redis(_url: &str, _limits: RateLimits) -> Result<Pacing, crate::LiveError> {
        Err(crate::ErrorKind::Config(
            "pacing through Redis needs live-api's `redis` feature".into(),
        )
        .into())
    }
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing::Local(RateLimits::documented())
    }
}

impl fmt::Debug for Pacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pacing::Off => f.write_str("Off"),
            Pacing::Local(limits) => f.debug_tuple("Local").field(limits).finish(),
            Pacing::Limiter(l) => f.debug_tuple("Limiter").field(l).finish(),
        }
    }
}
