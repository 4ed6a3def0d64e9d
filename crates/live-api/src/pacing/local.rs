//! The in-process limiter: one GCRA per (access key id, action), on the client's clock.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::gcra::{nanos, Gcra};
use super::{Feedback, NoPermit, RateKey, RateLimiter, RateLimits};
use crate::env::{Environment, LiveFuture, SystemEnvironment};

/// A key as the limiter stores it: access key id, service, action.
type OwnedKey = (String, String, String);

fn owned(key: RateKey<'_>) -> OwnedKey {
    (
        key.access_key_id.to_owned(),
        key.service.to_owned(),
        key.action.to_owned(),
    )
}

/// Above this many keys, keys back at rest are forgotten.
const MAX_KEYS: usize = 4096;

/// Paces calls in this process: per access key id and action, at [`RateLimits`], by the rule
/// in [the module docs](crate::pacing). The client's default ([`Pacing::Local`](crate::pacing::Pacing::Local));
/// all clones of a client share one.
///
/// Build one yourself to share it between clients of one process (with
/// [`Pacing::Limiter`](crate::pacing::Pacing::Limiter)), or to test the pacing:
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, SystemTime};
/// use live_api::env::{Environment, ManualEnvironment};
/// use live_api::pacing::{LocalRateLimiter, RateKey, RateLimiter, RateLimits};
/// use live_model::Action;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let env = ManualEnvironment::new(SystemTime::UNIX_EPOCH);
/// let limiter = LocalRateLimiter::new(RateLimits::documented().with_headroom(0.0))
///     .with_environment(Arc::new(env.clone()));
/// let key = RateKey::new("AKLTexample", Action::GetPullRecordTask.facts());
/// // 10/s: the first permit at once, then one every 100 ms (the wait is slept on the clock).
/// assert_eq!(limiter.acquire(key, Duration::from_secs(30)).await, Ok(Duration::ZERO));
/// assert_eq!(limiter.acquire(key, Duration::from_secs(30)).await, Ok(Duration::from_millis(100)));
/// assert_eq!(env.elapsed(), Duration::from_millis(100));
/// # });
/// ```
pub struct LocalRateLimiter {
    limits: RateLimits,
    env: Arc<dyn Environment>,
    origin: Instant,
    keys: Mutex<HashMap<OwnedKey, Gcra>>,
}

impl fmt::Debug for LocalRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRateLimiter")
            .field("limits", &self.limits)
            .field("keys", &self.lock().len())
            .finish_non_exhaustive()
    }
}

impl LocalRateLimiter {
    /// A limiter at `limits`, on the system's clock.
    pub fn new(limits: RateLimits) -> Self {
        Self::with_env(limits, Arc::new(SystemEnvironment))
    }

    pub(crate) fn with_env(limits: RateLimits, env: Arc<dyn Environment>) -> Self {
        Self {
            origin: env.monotonic(),
            limits,
            env,
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// Uses `env`'s monotonic clock and sleep (a client's own limiter uses the client's).
    pub fn with_environment(self, env: Arc<dyn Environment>) -> Self {
        Self::with_env(self.limits, env)
    }

    /// The limits.
    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// The rate `key` is paced at now, in permits a second (lower than the limit for a while
    /// after a throttling answer); `None` when its action is not paced.
    pub fn current_rate(&self, key: RateKey<'_>) -> Option<f64> {
        let base = self.limits.interval_nanos_for(key)?;
        let now = self.now();
        let keys = self.lock();
        let interval = keys
            .get(&owned(key))
            .map_or(base, |g| g.interval_at(base, now));
        Some(1e9 / interval as f64)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<OwnedKey, Gcra>> {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> u64 {
        nanos(self.env.monotonic().saturating_duration_since(self.origin))
    }

    /// Reserves a slot for `key` without waiting: `Ok(wait)` (the slot is `wait` away) or the
    /// refusal.
    pub(crate) fn reserve(
        &self,
        key: RateKey<'_>,
        max_wait: Duration,
    ) -> Result<Duration, NoPermit> {
        let Some(base) = self.limits.interval_nanos_for(key) else {
            return Ok(Duration::ZERO);
        };
        let now = self.now();
        let mut keys = self.lock();
        if keys.len() >= MAX_KEYS {
            keys.retain(|_, g| !g.idle_at(now));
        }
        let gcra = keys.entry(owned(key)).or_default();
        gcra.reserve(base, now, nanos(max_wait))
            .map(Duration::from_nanos)
            .map_err(|wait| NoPermit::new(Duration::from_nanos(wait)))
    }

    /// Records that a slot `wait` from now was given to `key` elsewhere (by Redis), so that
    /// pacing here, if it takes over, goes on from there instead of starting afresh.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn note_granted(&self, key: RateKey<'_>, wait: Duration) {
        let Some(base) = self.limits.interval_nanos_for(key) else {
            return;
        };
        let slot = self.now().saturating_add(nanos(wait));
        self.lock()
            .entry(owned(key))
            .or_default()
            .granted(base, slot);
    }

    /// Until when a throttling answer holds `key` (on this limiter's clock, in nanoseconds).
    fn blocked_until(&self, key: RateKey<'_>) -> u64 {
        self.lock().get(&owned(key)).map_or(0, Gcra::blocked_until)
    }

    /// After a caller waited for its slot: a throttling answer that came meanwhile holds it
    /// too, so it takes a slot after the `Retry-After`, within `left` (what is left of its
    /// wait). `Ok(how much longer it waited)` (zero when nothing holds it), or the refusal.
    pub(crate) async fn wait_out_throttling(
        &self,
        key: RateKey<'_>,
        left: Duration,
    ) -> Result<Duration, NoPermit> {
        let mut waited = Duration::ZERO;
        while self.blocked_until(key) > self.now() {
            let wait = self.reserve(key, left.saturating_sub(waited))?;
            self.env.sleep(wait).await;
            waited += wait;
        }
        Ok(waited)
    }

    /// Learns from `feedback` for `key`, at once.
    pub(crate) fn learn(&self, key: RateKey<'_>, feedback: Feedback) {
        let Feedback::Throttled { retry_after } = feedback else {
            return;
        };
        if self.limits.interval_nanos_for(key).is_none() {
            return;
        }
        let now = self.now();
        self.lock()
            .entry(owned(key))
            .or_default()
            .throttled(now, retry_after);
    }
}

impl RateLimiter for LocalRateLimiter {
    fn acquire<'a>(
        &'a self,
        key: RateKey<'a>,
        max_wait: Duration,
    ) -> LiveFuture<'a, Result<Duration, NoPermit>> {
        let reserved = self.reserve(key, max_wait);
        Box::pin(async move {
            let waited = reserved?;
            if !waited.is_zero() {
                self.env.sleep(waited).await;
            }
            let left = max_wait.saturating_sub(waited);
            Ok(waited + self.wait_out_throttling(key, left).await?)
        })
    }

    fn observe<'a>(&'a self, key: RateKey<'a>, feedback: Feedback) -> LiveFuture<'a, ()> {
        self.learn(key, feedback);
        Box::pin(std::future::ready(()))
    }
}
