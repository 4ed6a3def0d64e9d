//! The one retry decision: given the error, the attempt, the elapsed time and the operation's
//! idempotency, retry after a delay or give up. Every classification of failures lives here.

use std::fmt;
use std::time::Duration;

use live_model::Idempotency;

use crate::env::Environment;
use crate::error::{ErrorKind, LiveError, TimeoutScope};

/// How a failure bears on sending the request again.
///
/// ```
/// use live_api::{ErrorKind, FailureClass, LiveError};
/// use live_transport::{ErrorKind as TransportKind, TransportError};
///
/// let refused = LiveError::from(ErrorKind::Transport(TransportError::new(TransportKind::Connect, "refused")));
/// assert_eq!(FailureClass::of(&refused), FailureClass::NotSent);
/// let reset = LiveError::from(ErrorKind::Transport(TransportError::new(TransportKind::Io, "reset")));
/// assert_eq!(FailureClass::of(&reset), FailureClass::Transient);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureClass {
    /// The request certainly did not take effect: it never reached the service (no
    /// connection, a pooled connection found closed before writing), or the service refused
    /// it before acting (throttling). Safe to send again, whatever the operation.
    NotSent,
    /// Transient, and the request may have reached the service: a connection lost during the
    /// exchange, an attempt that ran out of time, a 5xx, `CommonErr`, `InternalError`, a
    /// success status whose body was cut off.
    /// Safe to send again only when the operation is idempotent.
    Transient,
    /// Sending the same request again cannot help: the input, the credentials, the
    /// signature, a permission, an untrusted certificate, a proxy that refused (407, a
    /// refused tunnel), an answer too large or of an unexpected shape.
    Permanent,
}

impl FailureClass {
    /// The class of `error`.
    pub fn of(error: &LiveError) -> FailureClass {
        match error.kind() {
            ErrorKind::Transport(t) => {
                if t.is_tls()
                    || t.is_proxy_refusal()
                    || t.is_invalid_request()
                    || t.is_response_too_large()
                {
                    FailureClass::Permanent
                } else if !t.may_have_reached_server() {
                    FailureClass::NotSent
                } else {
                    FailureClass::Transient
                }
            }
            ErrorKind::Timeout {
                scope: TimeoutScope::Attempt,
                ..
            } => FailureClass::Transient,
            ErrorKind::Service(_) | ErrorKind::UnexpectedResponse(_) if error.is_throttling() => {
                FailureClass::NotSent
            }
            ErrorKind::Service(e) if e.is_retryable() => FailureClass::Transient,
            // A 2xx whose body is cut or unreadable: the answer was lost on the way.
            ErrorKind::UnexpectedResponse(e)
                if matches!(e.http_status, 500 | 502 | 503 | 504 | 200..=299) =>
            {
                FailureClass::Transient
            }
            _ => FailureClass::Permanent,
        }
    }

    /// Whether `error` leaves it unknown if a request that reached the service took effect:
    /// a transient failure after sending, or a success status whose answer could not be read.
    pub(crate) fn outcome_unknown(error: &LiveError) -> bool {
        match error.kind() {
            ErrorKind::Decode(d) => (200..300).contains(&d.http_status),
            ErrorKind::UnexpectedResponse(u) if (200..300).contains(&u.http_status) => true,
            _ => FailureClass::of(error) == FailureClass::Transient,
        }
    }
}

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
/// use live_api::{LiveError, RetryContext, RetryDecision, RetryPolicy};
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

/// The default policy, tunable.
///
/// - Up to 3 attempts; exponential backoff from 100 ms, doubling, with full jitter (each wait
///   drawn uniformly between zero and the ceiling), each wait capped at 5 s.
/// - A `Retry-After` from the service is honoured: the wait is at least that long; one longer
///   than 20 s is not waited for (the error is returned).
/// - No retry whose wait would run past the operation's deadline.
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
/// use live_api::StandardRetry;
///
/// let policy = StandardRetry::default().max_attempts(5).initial_backoff(Duration::from_millis(50));
/// assert_eq!(policy.ceiling(1), Duration::from_millis(50));
/// assert_eq!(policy.ceiling(3), Duration::from_millis(200));
/// assert_eq!(StandardRetry::none().attempts(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct StandardRetry {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for StandardRetry {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
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
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
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
        let mut delay = ctx.jitter(self.ceiling(ctx.attempt)).min(self.max_backoff);
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
