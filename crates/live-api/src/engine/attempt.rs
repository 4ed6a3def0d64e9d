//! One attempt: the credentials, a permit, a fresh signature, the exchange under the attempt's
//! deadline, the decoding; the permit takes the answer.

use std::time::Duration;

use live_model::Response;
use volc_sign::{SignableBody, SignableRequest, SigningOutput, SigningTime};

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
        let provided = within(self.credentials.provide(env), || env.timer(bound))
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
            || env.timer(bound),
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
        let mut headers = http::HeaderMap::clone(&call.headers);
        if let Some(signer) = call.signer {
            sign(signer, credentials, call, self.env.now())?
                .apply_to(&mut headers)
                .map_err(|e| ErrorKind::Config(e.to_string()))?;
        }
        let mut request = http::Request::new(call.body.clone());
        *request.method_mut() = call.method.clone();
        *request.uri_mut() = call.uri.clone();
        *request.headers_mut() = headers;
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

/// Signs the call's request with a fresh time, from the parts the call holds (its query
/// pairs as they are, the path, `Host`, `Content-Type`, the body): nothing is parsed back
/// from the URI built from them. At debug level, logs the redacted canonical request and the
/// string to sign (never the signature or a secret).
fn sign(
    signer: &volc_sign::Signer,
    credentials: &volc_sign::Credentials,
    call: &Call<'_>,
    now: std::time::SystemTime,
) -> Result<SigningOutput, ErrorKind> {
    let config = |e: &dyn std::fmt::Display| ErrorKind::Config(e.to_string());
    let time = SigningTime::from_system_time(now).map_err(|e| config(&e))?;
    let text = |name: http::header::HeaderName| match call.headers.get(&name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| ErrorKind::Config(format!("the {name} header is not visible ASCII"))),
    };
    // The engine's requests carry two signed headers: `Host` (the signer's own) and, with a
    // body, `Content-Type`.
    let host = text(http::header::HOST)?.unwrap_or_default();
    let content_type = text(http::header::CONTENT_TYPE)?.map(|v| [("content-type", v)]);
    let signable = SignableRequest::new(call.method.as_str(), host, call.uri.path())
        .query(&call.query)
        .headers(content_type.as_ref().map_or(&[], |h| &h[..]))
        .body(SignableBody::Bytes(&call.body));
    if tracing::enabled!(tracing::Level::DEBUG) {
        let (out, trace) = signer
            .sign_with_trace(credentials, &signable, time)
            .map_err(|e| config(&e))?;
        tracing::debug!(
            canonical_request = %trace.redacted_canonical_request(),
            string_to_sign = %trace.string_to_sign(),
            "signed request"
        );
        Ok(out)
    } else {
        signer
            .sign(credentials, &signable, time)
            .map_err(|e| config(&e))
    }
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use std::borrow::Cow;

    use bytes::Bytes;
    use live_model::Idempotency;
    use volc_sign::{Credentials, Scope, Signer};

    use super::*;

    /// A call as the engine builds one: the URI from the pairs, `Host`, and the body's type.
    fn call<'a>(
        signer: &'a Signer,
        query: Vec<(&'a str, &'a str)>,
        body: Option<&'static str>,
        host: &'static str,
    ) -> Call<'a> {
        let uri = format!(
            "http://{host}/?{}",
            volc_sign::canonical_query_string(&query)
        );
        let mut headers = http::HeaderMap::new();
        headers.insert("host", host.parse().unwrap());
        headers.insert("accept", "application/json".parse().unwrap());
        headers.insert("user-agent", "volc-live-rust/test".parse().unwrap());
        if body.is_some() {
            headers.insert("content-type", "application/json".parse().unwrap());
        }
        Call {
            service: "live",
            action: "Any".into(),
            signer: Some(signer),
            method: if body.is_some() { "POST" } else { "GET" }.parse().unwrap(),
            uri: uri.parse().unwrap(),
            query: query.into(),
            headers: Cow::Owned(headers),
            body: Bytes::from(body.unwrap_or_default()),
            idempotency: Idempotency::Read,
            rate: None,
        }
    }

    /// The request the engine sends for `c`, unsigned.
    fn request(c: &Call<'_>) -> http::Request<Bytes> {
        let mut request = http::Request::new(c.body.clone());
        *request.method_mut() = c.method.clone();
        *request.uri_mut() = c.uri.clone();
        *request.headers_mut() = http::HeaderMap::clone(&c.headers);
        request
    }

    /// Signing from the call's parts gives what signing the request it sends gives: the query
    /// pairs as given are what the URI decodes to, for any text in them.
    #[test]
    fn signing_from_the_parts_matches_signing_the_request() {
        let signer = Signer::new(Scope::new("cn-north-1", "live").unwrap());
        let creds = Credentials::new("AKLTexample", "c2VjcmV0").unwrap();
        let sts = creds.clone().with_session_token("STS2token").unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_716_192_550);
        let calls = [
            call(
                &signer,
                vec![("Action", "GetPullRecordTask"), ("Version", "2023-01-01")],
                Some(r#"{"TaskId":"t"}"#),
                "live.volcengineapi.com",
            ),
            call(
                &signer,
                vec![
                    ("Version", "2018-01-01"),
                    ("Action", "ListUsers"),
                    ("Name", "a b+c/d=e&f"),
                    ("Tag", "中文~*"),
                    ("Tag", ""),
                    ("Empty", "%20"),
                ],
                None,
                "127.0.0.1:8443",
            ),
        ];
        for c in &calls {
            for credentials in [&creds, &sts] {
                let from_parts = sign(&signer, credentials, c, now).unwrap();
                let mut request = request(c);
                let time = SigningTime::from_system_time(now).unwrap();
                let whole = signer.sign_http(credentials, &mut request, time).unwrap();
                assert_eq!(from_parts.authorization(), whole.authorization());
                let mut headers = http::HeaderMap::clone(&c.headers);
                from_parts.apply_to(&mut headers).unwrap();
                assert_eq!(&headers, request.headers());
            }
        }
    }

    #[test]
    fn a_header_that_is_not_text_is_a_config_error_not_a_wrong_signature() {
        let signer = Signer::new(Scope::new("cn-north-1", "live").unwrap());
        let creds = Credentials::new("AKLTexample", "c2VjcmV0").unwrap();
        let mut c = call(&signer, vec![("Action", "A")], Some("{}"), "h.test");
        c.headers.to_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_bytes(b"application/json\xff").unwrap(),
        );
        let err = sign(&signer, &creds, &c, SystemTime::now()).unwrap_err();
        assert!(matches!(err, ErrorKind::Config(m) if m.contains("content-type")));
    }
}
