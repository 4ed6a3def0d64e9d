//! How long to wait before a retry: its own policy, so that [`StandardRetry`](super::StandardRetry)
//! (or your policy) can take any.

use std::fmt;
use std::time::Duration;

use super::RetryContext;

/// The wait before retry number `retry` (1 for the first retry).
///
/// ```
/// use std::time::Duration;
/// use live_api::retry::{Backoff, ExponentialBackoff, StandardRetry};
///
/// /// Always one second.
/// #[derive(Debug)]
/// struct Fixed;
///
/// impl Backoff for Fixed {
///     fn delay(&self, _retry: u32, _jitter: &dyn Fn(Duration) -> Duration) -> Duration {
///         Duration::from_secs(1)
///     }
/// }
/// let policy = StandardRetry::default().backoff(Fixed);
/// ```
pub trait Backoff: Send + Sync + fmt::Debug {
    /// The delay before retry number `retry`; `jitter(ceiling)` draws a random duration from
    /// zero to `ceiling` from the client's environment (so tests are deterministic).
    fn delay(&self, retry: u32, jitter: &dyn Fn(Duration) -> Duration) -> Duration;
}

impl dyn Backoff + '_ {
    /// The delay before the retry that follows `ctx`'s failed attempt.
    pub fn delay_for(&self, ctx: &RetryContext<'_>) -> Duration {
        self.delay(ctx.attempt, &|ceiling| ctx.jitter(ceiling))
    }
}

/// Exponential backoff with full jitter (the default): before retry `n` the ceiling is
/// `initial × 2^(n-1)`, capped at `max`, and the wait is drawn uniformly from zero to the
/// ceiling. Full jitter spreads the retries of many callers that failed together.
///
/// ```
/// use std::time::Duration;
/// use live_api::retry::ExponentialBackoff;
///
/// let b = ExponentialBackoff::default();
/// assert_eq!(b.ceiling(1), Duration::from_millis(100));
/// assert_eq!(b.ceiling(3), Duration::from_millis(400));
/// assert_eq!(b.ceiling(30), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExponentialBackoff {
    initial: Duration,
    max: Duration,
    jitter: bool,
}

impl Default for ExponentialBackoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
            jitter: true,
        }
    }
}

impl ExponentialBackoff {
    /// The first ceiling; it doubles with every retry.
    pub fn initial(mut self, d: Duration) -> Self {
        self.initial = d;
        self
    }

    /// The cap on each wait.
    pub fn max(mut self, d: Duration) -> Self {
        self.max = d;
        self
    }

    /// Without jitter: every wait is its ceiling (for tests and for callers that add their own).
    pub fn without_jitter(mut self) -> Self {
        self.jitter = false;
        self
    }

    /// The cap on each wait.
    pub fn max_delay(&self) -> Duration {
        self.max
    }

    /// The ceiling before retry number `retry` (1 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

impl Backoff for ExponentialBackoff {
    fn delay(&self, retry: u32, jitter: &dyn Fn(Duration) -> Duration) -> Duration {
        let ceiling = self.ceiling(retry);
        if self.jitter {
            jitter(ceiling).min(ceiling)
        } else {
            ceiling
        }
    }
}
