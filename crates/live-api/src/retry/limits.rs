//! Attempt and time limits that wrap any [`RetryPolicy`] (the gax shape: decorators, so that
//! a policy says which failures to retry and the limits say how far).

use std::time::Duration;

use super::{RetryContext, RetryDecision, RetryPolicy};

/// Limits that wrap a policy.
///
/// ```
/// use std::time::Duration;
/// use live_api::retry::{RetryPolicyExt, StandardRetry};
///
/// // Retry what the standard policy retries, but at most 5 attempts in all and never
/// // start a wait that would end more than 2 s after the first attempt began.
/// let policy = StandardRetry::default()
///     .max_attempts(u32::MAX)
///     .with_attempt_limit(5)
///     .with_time_limit(Duration::from_secs(2));
/// let client = live_api::LiveClient::builder().retry(policy);
/// ```
pub trait RetryPolicyExt: RetryPolicy + Sized {
    /// Gives up once `attempts` attempts (the first included) have failed.
    fn with_attempt_limit(self, attempts: u32) -> AttemptLimit<Self> {
        AttemptLimit {
            inner: self,
            attempts: attempts.max(1),
        }
    }

    /// Gives up when the wait the policy asks for would end more than `limit` after the
    /// operation began.
    fn with_time_limit(self, limit: Duration) -> TimeLimit<Self> {
        TimeLimit { inner: self, limit }
    }
}

impl<P: RetryPolicy> RetryPolicyExt for P {}

/// A policy with an attempt limit ([`RetryPolicyExt::with_attempt_limit`]).
#[derive(Debug, Clone)]
pub struct AttemptLimit<P> {
    inner: P,
    attempts: u32,
}

impl<P: RetryPolicy> RetryPolicy for AttemptLimit<P> {
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision {
        if ctx.attempt >= self.attempts {
            return RetryDecision::GiveUp;
        }
        self.inner.decide(ctx)
    }
}

/// A policy with a time limit ([`RetryPolicyExt::with_time_limit`]).
#[derive(Debug, Clone)]
pub struct TimeLimit<P> {
    inner: P,
    limit: Duration,
}

impl<P: RetryPolicy> RetryPolicy for TimeLimit<P> {
    fn decide(&self, ctx: &RetryContext<'_>) -> RetryDecision {
        match self.inner.decide(ctx) {
            RetryDecision::RetryAfter(delay) if ctx.elapsed.saturating_add(delay) >= self.limit => {
                RetryDecision::GiveUp
            }
            decision => decision,
        }
    }
}
