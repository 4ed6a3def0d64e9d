//! One attempt: the credentials, a permit, a fresh signature, the exchange under the attempt's
//! deadline, the decoding; the permit takes the answer.

use std::time::Duration;

use live_model::Response;
use volc_sign::SigningTime;

use super::{Call, Deadline, Decode, Engine};
use crate::env::within;
use crate::error::{ErrorKind, LiveError, TimeoutScope};
use crate::pacing::{Feedback, Permit, RateKey};

/// A failed attempt.
pub(crate) struct Failed {
    pub(crate) error: LiveError,
    /// The service's `Retry-After`, when it sent one.
    pub(crate) retry_after: Option<Duration>,
    /// The request was written and no answer came before the attempt's deadline.
    pub(crate) unanswered: bool,
}

/// A failed attempt, boxed: failures are the uncommon path, and the box keeps results small.
pub(crate) type Failure = Box<Failed>;

impl From<LiveError> for Box<Failed> {
    fn from(error: LiveError) -> Self {
        Box::new(Failed {
            error,
            retry_after: None,
            unanswered: false,
        })
    }
}

impl From<ErrorKind> for Box<Failed> {
    fn from(kind: ErrorKind) -> Self {
        LiveError::from(kind).into()
    }
}

impl Engine {
    /// The bound of one step of an attempt: the attempt's timeout, or what is left of the
    /// operation when that is less.
    fn attempt_bound(&self, deadline: &Deadline<'_>) -> (Duration, TimeoutScope, Duration) {
        let left = deadline.remaining();
        if self.attempt_timeout < left {
            (
                self.attempt_timeout,
                TimeoutScope::Attempt,
                self.attempt_timeout,
            )
        } else {
            (left, TimeoutScope::Operation, self.operation_timeout)
        }
    }

    /// One attempt of `call`.
    pub(super) async fn attempt<R>(
        &self,
        call: &Call<'_>,
        decode: Decode<'_, R>,
        deadline: &Deadline<'_>,
        attempt: u32,
    ) -> Result<Response<R>, Failure> {
        let env = &*self.env;
        let timeout = |scope, after| Failure::from(ErrorKind::Timeout { scope, after });

        // The credentials, once per attempt (a cache answers at once; a refresh is bounded).
        let (bound, scope, after) = self.attempt_bound(deadline);
        let provided = within(self.credentials.provide(env), env.timer(bound))
            .await
            .ok_or_else(|| timeout(scope, after))?
            .map_err(ErrorKind::Credentials)?;

        // A permit: its wait counts against the operation, never against the attempt.
        let key = RateKey::of(
            provided.credentials.access_key_id(),
            call.service,
            &call.action,
            call.rate,
        );
        let permit = match &self.limiter {
            None => None,
            Some(limiter) => {
                let left = deadline.remaining();
                let permit =
                    limiter
                        .permit(key, left)
                        .await
                        .map_err(|no| ErrorKind::RateLimited {
                            action: call.action.clone(),
                            next_in: no.next_in,
                            left,
                        })?;
                if !permit.waited().is_zero() {
                    tracing::debug!(action = &*call.action, waited = ?permit.waited(), "paced");
                }
                Some(permit)
            }
        };

        // Sign, send and decode, under the attempt's deadline.
        let span = tracing::debug_span!("live.attempt", attempt, status = tracing::field::Empty);
        let (bound, scope, after) = self.attempt_bound(deadline);
        let mut sent = false;
        let outcome = within(
            tracing::Instrument::instrument(
                self.exchange(call, decode, &provided.credentials, &mut sent),
                span.clone(),
            ),
            env.timer(bound),
        )
        .await
        .unwrap_or_else(|| {
            let mut failed = timeout(scope, after);
            failed.unanswered = sent;
            Err(failed)
        });
        match &outcome {
            Ok(_) => span.record("status", 200),
            Err(f) => match f.error.http_status() {
                Some(status) => span.record("status", status),
                None => &span,
            },
        };
        report(permit, &outcome).await;
        outcome
    }

    /// Signs a copy of the call's request, sends it and decodes the answer. `sent` is set once
    /// the request is handed to the transport.
    async fn exchange<R>(
        &self,
        call: &Call<'_>,
        decode: Decode<'_, R>,
        credentials: &volc_sign::Credentials,
        sent: &mut bool,
    ) -> Result<Response<R>, Failure> {
        let template = &call.request;
        let mut request = http::Request::new(template.body().clone());
        *request.method_mut() = template.method().clone();
        *request.uri_mut() = template.uri().clone();
        *request.headers_mut() = template.headers().clone();
        if let Some(signer) = call.signer {
            sign(signer, credentials, &mut request, self.env.now())?;
        }
        *sent = true;
        let response = self
            .transport
            .send(request)
            .await
            .map_err(ErrorKind::Transport)?;
        *sent = false;
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        decode(response.status().as_u16(), response.body()).map_err(|error| {
            Box::new(Failed {
                error,
                retry_after,
                unanswered: false,
            })
        })
    }
}

/// Signs `request` with a fresh time; at debug level, logs the redacted canonical request and
/// the string to sign (never the signature or a secret).
fn sign(
    signer: &volc_sign::Signer,
    credentials: &volc_sign::Credentials,
    request: &mut http::Request<bytes::Bytes>,
    now: std::time::SystemTime,
) -> Result<(), ErrorKind> {
    let config = |e: &dyn std::fmt::Display| ErrorKind::Config(e.to_string());
    let time = SigningTime::from_system_time(now).map_err(|e| config(&e))?;
    if tracing::enabled!(tracing::Level::DEBUG) {
        let (_, trace) = signer
            .sign_http_with_trace(credentials, request, time)
            .map_err(|e| config(&e))?;
        tracing::debug!(
            canonical_request = %trace.redacted_canonical_request(),
            string_to_sign = %trace.string_to_sign(),
            "signed request"
        );
    } else {
        signer
            .sign_http(credentials, request, time)
            .map_err(|e| config(&e))?;
    }
    Ok(())
}

/// Tells the permit what the attempt got back: throttled, or answered (any answer of the
/// service's); nothing when no answer came.
async fn report<R>(permit: Option<Permit<'_>>, outcome: &Result<Response<R>, Failure>) {
    let Some(permit) = permit else {
        return;
    };
    let feedback = match outcome {
        Ok(_) => Feedback::Answered,
        Err(f) if f.error.is_throttling() => Feedback::Throttled {
            retry_after: f.retry_after,
        },
        Err(f) if f.error.http_status().is_some() => Feedback::Answered,
        Err(_) => return,
    };
    permit.report(feedback).await;
}
