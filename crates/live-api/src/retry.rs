//! The retry policy: how many attempts, how long to wait between them, and what is worth
//! retrying. Jitter and sleeping are injectable, so tests run without waiting.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use live_transport::BoxFuture;

/// Draws the jittered delay for a ceiling: any duration from zero to `ceiling`.
pub type Jitter = Arc<dyn Fn(Duration) -> Duration + Send + Sync>;

/// Waits (injectable: tests can record delays instead of sleeping).
pub trait Sleep: Send + Sync + fmt::Debug {
    /// A future that completes after `d`.
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps on Tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// When and how to retry.
///
/// The default: up to 3 attempts; exponential backoff from 100 ms, doubling, with full jitter
/// (each wait is drawn uniformly between zero and the ceiling), each wait capped at 5 s; a
/// `Retry-After` from the service is honoured (waiting at least that long, up to 20 s); no
/// retry that would run past the operation's timeout.
///
/// What is retried: connection failures and timeouts, HTTP 429/500/502/503/504, and the
/// retryable codes of `live_model::ErrorCode` (`CommonErr` even with HTTP 200,
/// `InternalError`, `InternalServiceError*`, `InternalServiceTimeout`, throttling). Never
/// `InvalidParam*`, `RequestForbidden*`, signature or key errors. A create is retried only
/// when the request cannot have reached the server (it failed to connect, or the service
/// throttled it).
///
/// ```
/// use std::time::Duration;
/// use live_api::RetryPolicy;
///
/// let policy = RetryPolicy::default().max_attempts(5).initial_backoff(Duration::from_millis(50));
/// assert_eq!(policy.ceiling(1), Duration::from_millis(50));
/// assert_eq!(policy.ceiling(3), Duration::from_millis(200));
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    jitter: Jitter,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_retry_after", &self.max_retry_after)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(20),
            jitter: Arc::new(|ceiling: Duration| {
                let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
                Duration::from_nanos(fastrand::u64(0..=nanos))
            }),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first backoff ceiling; it doubles with every retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The cap on each wait.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` honoured; a longer one is not waited for (the error is
    /// returned).
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Replaces the jitter (for tests: e.g. always the ceiling, or zero).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff ceiling before retry number `retry` (1 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry`, given the service's `Retry-After`; `None` when
    /// the `Retry-After` is longer than this policy honours.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let jittered = (self.jitter)(self.ceiling(retry)).min(self.max_backoff);
        match retry_after {
            Some(ra) if ra > self.max_retry_after => None,
            Some(ra) => Some(jittered.max(ra)),
            None => Some(jittered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_honours_retry_after() {
        let p = RetryPolicy::default().jitter(Arc::new(|c| c));
        assert_eq!(p.delay(1, None), Some(Duration::from_millis(100)));
        assert_eq!(p.delay(2, None), Some(Duration::from_millis(200)));
        assert_eq!(p.delay(10, None), Some(Duration::from_secs(5)));
        assert_eq!(p.delay(40, None), Some(Duration::from_secs(5)));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(60))), None);
        let zero = RetryPolicy::default().jitter(Arc::new(|_| Duration::ZERO));
        assert_eq!(zero.delay(3, None), Some(Duration::ZERO));
        let real = RetryPolicy::default();
        for retry in 1..6 {
            let d = real.delay(retry, None).unwrap();
            assert!(d <= real.ceiling(retry));
        }
    }
}
