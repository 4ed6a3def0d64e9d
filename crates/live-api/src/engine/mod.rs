//! The engine: one loop that runs any call to any Volcengine API, described by data
//! ([`Call`]). It knows nothing of Live: the Live operations, the generic call
//! ([`crate::openapi`]) and the fetches of temporary credentials are all descriptions it runs.
//!
//! ```text
//!   credentials ─► permit ─► sign ─► send (attempt deadline) ─► classify ─► policy ─┬─► done
//!        ▲                                                                           │
//!        └──────────────── backoff (budget permitting) ◄─────────────────────────────┘
//! ```
//!
//! One attempt ([`attempt.rs`](attempt)): the credentials, a permit from the limiter for
//! (access key id, service, action), a fresh signature over a copy of the request, the
//! exchange under the attempt's deadline, the decoding; the permit takes the answer. Then the
//! loop below asks the retry policy, and the budget, whether to go again.

mod attempt;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use live_model::{Idempotency, Response};
use live_transport::HttpTransport;
use tracing::Instrument;
use volc_sign::Signer;

use crate::credentials::ProvideCredentials;
use crate::env::{within, Environment, LiveFuture};
use crate::error::{ErrorKind, LiveError};
use crate::pacing::{Rate, RateLimiter};
use crate::retry::{FailureClass, RetryBudget, RetryContext, RetryDecision, RetryPolicy};

pub(crate) use attempt::Failed;

/// Turns an answer (HTTP status, body) into the call's result or its error.
pub(crate) type Decode<'a, R> = &'a (dyn Fn(u16, &[u8]) -> Result<Response<R>, LiveError> + Sync);

/// A call, described by data: what the loop needs to know to run it.
pub(crate) struct Call<'a> {
    /// The service (`live`, `sts` …): the pacing key's, and the tracing's.
    pub(crate) service: &'a str,
    /// The action, as in `?Action=`.
    pub(crate) action: Cow<'static, str>,
    /// The signer of the call's scope (region, service); `None` for an unsigned call.
    pub(crate) signer: Option<&'a Signer>,
    /// The method.
    pub(crate) method: http::Method,
    /// The URI, with the query as it is signed.
    pub(crate) uri: http::Uri,
    /// The query pairs the URI was built from (with `volc_sign::canonical_query_string`),
    /// undecoded: what is signed.
    pub(crate) query: Cow<'a, [(&'a str, &'a str)]>,
    /// The headers as they are sent, but for the signature's ([`Engine::headers`]): a client
    /// lends the same ones to every call of its service.
    pub(crate) headers: Cow<'a, http::HeaderMap>,
    /// The body.
    pub(crate) body: Bytes,
    /// How safe sending it again is.
    pub(crate) idempotency: Idempotency,
    /// The action's documented or declared rate limit, for pacing.
    pub(crate) rate: Option<Rate>,
}

/// After a failure that may have taken effect, finds out whether it did: `Some(answer)` when
/// it did (the call succeeded), `None` when it did not (sending again is right). A call's own
/// hook: a Live stop's is a GetPullRecordTask.
pub(crate) trait OutcomeCheck<R>: Send + Sync {
    fn check(&self) -> LiveFuture<'_, Result<Option<Response<R>>, LiveError>>;
}

/// A call that succeeded, and whether its success was found by its [`OutcomeCheck`] rather than
/// by the answer to a request.
pub(crate) struct Done<R> {
    pub(crate) response: Response<R>,
    pub(crate) reconciled: bool,
}

/// What the engine holds: shared by a client and its clones.
pub(crate) struct Engine {
    pub(crate) transport: Arc<dyn HttpTransport>,
    pub(crate) credentials: Arc<dyn ProvideCredentials>,
    pub(crate) retry: Arc<dyn RetryPolicy>,
    pub(crate) budget: RetryBudget,
    pub(crate) limiter: Option<Arc<dyn RateLimiter>>,
    pub(crate) env: Arc<dyn Environment>,
    pub(crate) attempt_timeout: Duration,
    pub(crate) operation_timeout: Duration,
    pub(crate) user_agent: http::HeaderValue,
}

/// The time an operation has: its start and its limit, on the environment's monotonic clock.
pub(crate) struct Deadline<'a> {
    env: &'a dyn Environment,
    started: std::time::Instant,
    limit: Duration,
}

impl Deadline<'_> {
    fn elapsed(&self) -> Duration {
        self.env.monotonic().saturating_duration_since(self.started)
    }

    fn remaining(&self) -> Duration {
        self.limit.saturating_sub(self.elapsed())
    }
}

impl Engine {
    /// The headers a call sends, but for its signature: `Host`, `Accept`, `User-Agent`, and
    /// `Content-Type` when it has a body.
    pub(crate) fn headers(
        &self,
        host: http::HeaderValue,
        content_type: Option<&'static str>,
    ) -> http::HeaderMap {
        let mut headers = http::HeaderMap::with_capacity(8);
        headers.insert(http::header::HOST, host);
        if let Some(ct) = content_type {
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(ct),
            );
        }
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert(http::header::USER_AGENT, self.user_agent.clone());
        headers
    }

    /// Runs `call` to its end: the loop of attempts, in a `live.operation` span.
    pub(crate) async fn run<R>(
        &self,
        call: &Call<'_>,
        decode: Decode<'_, R>,
        check: Option<&dyn OutcomeCheck<R>>,
    ) -> Result<Done<R>, LiveError> {
        let span = tracing::info_span!(
            "live.operation",
            service = call.service,
            action = &*call.action,
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
            outcome = tracing::field::Empty,
            reconciled = tracing::field::Empty,
        );
        let result = self
            .run_loop(call, decode, check, &span)
            .instrument(span.clone())
            .await;
        match &result {
            Ok(done) => {
                span.record("request_id", done.response.request_id());
                span.record("outcome", "ok");
                if done.reconciled {
                    span.record("reconciled", true);
                }
            }
            Err(e) => {
                if let Some(id) = e.request_id() {
                    span.record("request_id", id);
                }
                span.record("outcome", tracing::field::display(e));
            }
        }
        result
    }

    /// The loop, top to bottom: attempt, classify, ask the policy, the budget, back off, and
    /// for a call whose outcome is unknown, its own check.
    async fn run_loop<R>(
        &self,
        call: &Call<'_>,
        decode: Decode<'_, R>,
        check: Option<&dyn OutcomeCheck<R>>,
        span: &tracing::Span,
    ) -> Result<Done<R>, LiveError> {
        let env = &*self.env;
        env.check_timers()
            .map_err(|m| LiveError::from(ErrorKind::Runtime(m)))?;
        let deadline = Deadline {
            env,
            started: env.monotonic(),
            limit: self.operation_timeout,
        };
        // Whether a request that changes something may have taken effect unseen, and whether
        // no answer came at all (then a check that finds nothing yet settles nothing).
        let (mut unknown, mut unanswered) = (false, false);
        let mut taken = 0u32;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            span.record("attempts", attempt);
            let Failed {
                error,
                retry_after,
                unanswered: no_answer,
            } = *match self.attempt(call, decode, &deadline, attempt).await {
                Ok(response) => {
                    self.budget.refill(taken);
                    return Ok(Done {
                        response,
                        reconciled: false,
                    });
                }
                Err(failed) => failed,
            };
            if call.idempotency != Idempotency::Read
                && (no_answer || FailureClass::outcome_unknown(&error))
            {
                unknown = true;
                unanswered |= no_answer
                    || matches!(error.kind(), ErrorKind::Transport(t) if t.may_have_reached_server());
            }
            // The one decision: the client's policy, bounded by the operation's deadline (the
            // builder wraps it in `with_time_limit`, so no wait runs past the deadline).
            let ctx = RetryContext::new(&error, attempt, call.idempotency, env)
                .with_times(deadline.elapsed(), deadline.remaining())
                .with_retry_after(retry_after);
            let mut decision = self.retry.decide(&ctx);
            // The budget: a fleet in an outage does not multiply its load.
            if let RetryDecision::RetryAfter(_) = decision {
                match self.budget.withdraw(error.is_timeout()) {
                    Some(cost) => taken += cost,
                    None => {
                        tracing::debug!(attempt, "the retry budget is empty: not retrying");
                        decision = RetryDecision::GiveUp;
                    }
                }
            }
            let error = error.with_attempts(attempt);
            if let RetryDecision::RetryAfter(delay) = decision {
                tracing::debug!(attempt, ?delay, error = %error, "retrying");
                env.sleep(delay).await;
            }
            if let (true, Some(check)) = (unknown, check) {
                match within(check.check(), || env.timer(deadline.remaining())).await {
                    Some(Ok(Some(response))) => {
                        tracing::info!(
                            action = &*call.action,
                            attempts = attempt,
                            "the lost request took effect (found by a check); reconciled"
                        );
                        self.budget.refill(taken);
                        return Ok(Done {
                            response,
                            reconciled: true,
                        });
                    }
                    Some(Ok(None)) if !unanswered => unknown = false,
                    Some(Ok(None)) => {}
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "the check after a lost answer failed")
                    }
                    None => {}
                }
            }
            if !matches!(decision, RetryDecision::RetryAfter(_)) {
                return Err(error.applied_unknown(&call.action, unknown));
            }
        }
    }
}
