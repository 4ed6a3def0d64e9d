//! The one retry decision, and the policies around it.
//!
//! After a failed attempt the engine asks one [`RetryPolicy`], with the error, the attempt,
//! the elapsed and remaining time and the call's idempotency ([`RetryContext`]); nothing else
//! decides whether to send again. The pieces, one per file:
//!
//! - [`FailureClass`]: how a failure bears on sending again (every classification lives there,
//!   beside the error it classifies);
//! - [`StandardRetry`]: the default policy (which failures, how many attempts, `Retry-After`);
//! - [`Backoff`] / [`ExponentialBackoff`]: how long to wait (exponential, full jitter);
//! - [`RetryPolicyExt::with_attempt_limit`] and [`RetryPolicyExt::with_time_limit`]: limits
//!   that wrap any policy;
//! - [`RetryBudget`]: a token bucket shared by a client and its clones, so that in an outage a
//!   fleet does not multiply its load by retrying (asked after the policy said "retry").
//!
//! The operation's deadline bounds everything: no wait runs past it, and once it has passed
//! the engine stops, whatever a policy says.

mod backoff;
mod budget;
mod limits;
mod standard;

pub use backoff::{Backoff, ExponentialBackoff};
pub use budget::RetryBudget;
pub use limits::{AttemptLimit, RetryPolicyExt, TimeLimit};
pub use standard::StandardRetry;

/// How a failure bears on sending again: it lives beside the error it classifies.
pub use crate::error::FailureClass;

use std::fmt;
use std::time::Duration;

use live_model::Idempotency;

use crate::env::Environment;
use crate::error::LiveError;

/// What a [`RetryPolicy`] is told about a failed attempt.
#[non_exhaustive]
pub struct RetryContext<'a> {
    /// The failure.
    pub error: &'a LiveError,
    /// The attempt that failed, from 1.
    pub attempt: u32,
    /// Time since the operation started.
    pub elapsed: Duration,
    /// Time left before the operation's deadline.
    pub remaining: Duration,
    /// How safe sending the operation again is.
    pub idempotency: Idempotency,
    /// The service's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
    env: &'a dyn Environment,
}

impl fmt::Debug for RetryContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryContext")
            .field("error", &self.error.to_string())
            .field("attempt", &self.attempt)
            .field("elapsed", &self.elapsed)
            .field("remaining", &self.remaining)
            .field("idempotency", &self.idempotency)
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl<'a> RetryContext<'a> {
    /// A context, e.g. to test a policy.
    pub fn new(
        error: &'a LiveError,
        attempt: u32,
        idempotency: Idempotency,
        env: &'a dyn Environment,
    ) -> Self {
        Self {
            error,
            attempt,
            elapsed: Duration::ZERO,
            remaining: Duration::MAX,
            idempotency,
            retry_after: None,
            env,
        }
    }

    /// Sets the elapsed and remaining time.
    pub fn with_times(mut self, elapsed: Duration, remaining: Duration) -> Self {
        self.elapsed = elapsed;
        self.remaining = remaining;
        self
    }

    /// Sets the service's `Retry-After`.
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The class of the failure ([`FailureClass::of`]).
    pub fn class(&self) -> FailureClass {
        FailureClass::of(self.error)
    }

    /// A random duration from zero to `ceiling`, from the client's environment.
    pub fn jitter(&self, ceiling: Duration) -> Duration {
        self.env.random_duration(ceiling)
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Send again after this delay. For an operation that is idempotent by outcome (a stop)
    /// after a failure that may have taken effect, the client first checks whether it did.
    RetryAfter(Duration),
    /// Return the error.
    GiveUp,
}

/// Decides whether a failed attempt is sent again. The client asks nothing else.
///
/// ```
/// use std::time::Duration;
/// use live_api::LiveError;
/// use live_api::retry::{RetryContext, RetryDecision, RetryPolicy};
///
/// /// Retries reads only, once, after a second.
/// #[derive(Debug)]
/// struct ReadsOnce;
///
/// impl RetryPolicy for ReadsOnce {
///     fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision {
///         let read = ctx.idempotency == live_model::Idempotency::Read;
///         if read && ctx.attempt == 1 && ctx.error.is_retryable() {
///             RetryDecision::RetryAfter(Duration::from_secs(1))
///         } else {
///             RetryDecision::GiveUp
///         }
///     }
/// }
/// let client = live_api::LiveClient::builder().retry(ReadsOnce);
/// ```
pub trait RetryPolicy: Send + Sync + fmt::Debug {
    /// The decision after the failed attempt `ctx.attempt`.
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision;
}

impl<P: RetryPolicy + ?Sized> RetryPolicy for std::sync::Arc<P> {
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision {
        (**self).decide(ctx)
    }
}
