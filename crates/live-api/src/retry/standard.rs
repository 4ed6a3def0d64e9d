//! The default retry policy.

use std::sync::Arc;
use std::time::Duration;

use live_model::Idempotency;

use super::{Backoff, ExponentialBackoff, FailureClass, RetryContext, RetryDecision, RetryPolicy};

/// The default policy, tunable.
///
/// - Up to 3 attempts; exponential backoff from 100 ms, doubling, with full jitter (each wait
///   drawn uniformly between zero and the ceiling), each wait capped at 5 s.
/// - A `Retry-After` from the service is honoured: the wait is at least that long; one longer
///   than 20 s is not waited for (the error is returned).
/// - No retry whose wait would run past the operation's deadline; no retry of a failure that
///   is not the service's or the network's (input, credentials, configuration, a permit that
///   would come after the deadline, the deadline itself): they are all
///   [`FailureClass::Permanent`].
///
/// What is sent again, by [`FailureClass`] and the operation's [`Idempotency`]:
///
/// | failure | `Read` (get, list) | `ByOutcome` (stop) | `NotIdempotent` (create) |
/// |---|---|---|---|
/// | `NotSent`: no connection, stale pooled connection, throttling | retry | retry | retry |
/// | `Transient`: lost connection, attempt timeout, 5xx, `CommonErr` | retry | check, then retry | give up |
/// | `Permanent`: input, keys, signature, certificate, a proxy's refusal, permission | give up | give up | give up |
///
/// "Check, then retry": after a stop whose answer was lost, the client asks
/// GetPullRecordTask; a task already stopped means the stop succeeded.
///
/// ```
/// use std::time::Duration;
/// use live_api::retry::StandardRetry;
///
/// let policy = StandardRetry::default().max_attempts(5).initial_backoff(Duration::from_millis(50));
/// assert_eq!(policy.ceiling(1), Duration::from_millis(50));
/// assert_eq!(policy.ceiling(3), Duration::from_millis(200));
/// assert_eq!(StandardRetry::none().attempts(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct StandardRetry {
    max_attempts: u32,
    exponential: ExponentialBackoff,
    backoff: Option<Arc<dyn Backoff>>,
    max_retry_after: Duration,
}

impl Default for StandardRetry {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            exponential: ExponentialBackoff::default(),
            backoff: None,
            max_retry_after: Duration::from_secs(20),
        }
    }
}

impl StandardRetry {
    /// One attempt, no retry.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first backoff ceiling of the default [`ExponentialBackoff`]; it doubles with
    /// every retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.exponential = self.exponential.initial(d);
        self
    }

    /// The cap on each wait of the default [`ExponentialBackoff`].
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.exponential = self.exponential.max(d);
        self
    }

    /// Another backoff policy instead of the default [`ExponentialBackoff`].
    pub fn backoff(mut self, backoff: impl Backoff + 'static) -> Self {
        self.backoff = Some(Arc::new(backoff));
        self
    }

    /// The longest `Retry-After` honoured; a longer one is not waited for.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff ceiling before retry number `retry` (1 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        self.exponential.ceiling(retry)
    }

    fn delay(&self, ctx: &RetryContext<'_>) -> Duration {
        match &self.backoff {
            Some(b) => b.delay_for(ctx),
            None => (&self.exponential as &dyn Backoff).delay_for(ctx),
        }
    }
}

impl RetryPolicy for StandardRetry {
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision {
        if ctx.attempt >= self.max_attempts {
            return RetryDecision::GiveUp;
        }
        let worth = match (ctx.class(), ctx.idempotency) {
            (FailureClass::Permanent, _) => false,
            (FailureClass::NotSent, _) => true,
            (FailureClass::Transient, Idempotency::NotIdempotent) => false,
            (FailureClass::Transient, Idempotency::Read | Idempotency::ByOutcome) => true,
        };
        if !worth {
            return RetryDecision::GiveUp;
        }
        let mut delay = self.delay(ctx);
        if let Some(ra) = ctx.retry_after {
            if ra > self.max_retry_after {
                return RetryDecision::GiveUp;
            }
            delay = delay.max(ra);
        }
        if delay >= ctx.remaining {
            return RetryDecision::GiveUp;
        }
        RetryDecision::RetryAfter(delay)
    }
}
