//! `LiveClient`: its settings, and the one path every operation takes (validate, sign each
//! attempt afresh, send, decode, retry what is safe, within the timeouts).

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use live_model::{decode, Operation, Response};
use live_transport::HttpTransport;
use tracing::Instrument;
use volc_sign::{Scope, SignableBody, SignableRequest, Signer, SigningTime};

use crate::credentials::{CachingCredentials, CredentialsChain, ProvideCredentials};
use crate::error::{ErrorKind, LiveError, TimeoutScope};
use crate::retry::{RetryPolicy, Sleep, TokioSleep};

/// A clock for signing times (injectable for tests against an emulator's clock).
pub type SigningClock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The client's settings, with stated defaults.
///
/// | setting | default |
/// |---|---|
/// | endpoint | `https://live.volcengineapi.com` (`http://` only for loopback unless allowed) |
/// | region / service / version | `cn-north-1` / `live` / `2023-01-01` |
/// | credentials | the environment, then `~/.volc/credentials`, then `~/.volc/config`, cached |
/// | transport | `live_transport::HyperTransport` |
/// | connect timeout | 5 s |
/// | per-attempt timeout | 10 s |
/// | operation timeout (retries included) | 30 s |
/// | retries | [`RetryPolicy::default`]: 3 attempts, exponential backoff with full jitter |
/// | user agent | `volc-live-rust/VERSION (live-api)` |
pub struct LiveClientBuilder {
    endpoint: String,
    region: String,
    service: String,
    version: String,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    transport: Option<Arc<dyn HttpTransport>>,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    retry: RetryPolicy,
    sleep: Arc<dyn Sleep>,
    clock: SigningClock,
    user_agent: String,
    allow_insecure_http: bool,
}

impl fmt::Debug for LiveClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("transport", &self.transport)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Default for LiveClientBuilder {
    fn default() -> Self {
        Self {
            endpoint: live_model::DEFAULT_ENDPOINT.to_owned(),
            region: live_model::DEFAULT_REGION.to_owned(),
            service: live_model::SERVICE.to_owned(),
            version: live_model::API_VERSION.to_owned(),
            credentials: None,
            transport: None,
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(10),
            operation_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            sleep: Arc::new(TokioSleep),
            clock: Arc::new(SystemTime::now),
            user_agent: concat!("volc-live-rust/", env!("CARGO_PKG_VERSION"), " (live-api)")
                .to_owned(),
            allow_insecure_http: false,
        }
    }
}

impl LiveClientBuilder {
    /// The endpoint, e.g. `https://live.volcengineapi.com` or an emulator's
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }

    /// The region of the credential scope.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The service of the credential scope (`live`).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// The API version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Where credentials come from (any [`ProvideCredentials`], e.g. `volc_sign::Credentials`).
    pub fn credentials(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Shares a provider.
    pub fn credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// The HTTP transport (default: the hyper transport).
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Time to connect (TCP and TLS), for the default transport.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time allowed for one attempt.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }

    /// Time allowed for the whole operation, retries and waits included.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.operation_timeout = d;
        self
    }

    /// The retry policy ([`RetryPolicy::none`] turns retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How to wait between attempts (default: Tokio's timer).
    pub fn sleep(mut self, sleep: Arc<dyn Sleep>) -> Self {
        self.sleep = sleep;
        self
    }

    /// The clock signing times are read from (default: the system clock).
    pub fn signing_clock(mut self, clock: SigningClock) -> Self {
        self.clock = clock;
        self
    }

    /// The `User-Agent`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Allows a plain `http://` endpoint that is not on loopback. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Builds the client. Fails when the endpoint, region, service or user agent is unusable,
    /// or when no transport can be made.
    pub fn build(self) -> Result<LiveClient, LiveError> {
        let config = |m: String| LiveError::from(ErrorKind::Config(m));
        let uri: http::Uri = self
            .endpoint
            .parse()
            .map_err(|_| config(format!("the endpoint {:?} is not a URL", self.endpoint)))?;
        let scheme = uri.scheme_str().unwrap_or_default().to_owned();
        let authority = uri
            .authority()
            .map(|a| a.to_string())
            .filter(|a| !a.is_empty())
            .ok_or_else(|| config(format!("the endpoint {:?} has no host", self.endpoint)))?;
        if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
            return Err(config(
                "the endpoint must be scheme://host[:port] only".into(),
            ));
        }
        match scheme.as_str() {
            "https" => {}
            "http" => {
                let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
                let loopback = host == "localhost"
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if !loopback && !self.allow_insecure_http {
                    return Err(config(format!(
                        "plain http:// is allowed only for loopback endpoints; {host} is not (use https://, or allow_insecure_http)"
                    )));
                }
            }
            _ => {
                return Err(config(
                    "the endpoint must start with https:// or http://".into(),
                ))
            }
        }
        let scope = Scope::new(&*self.region, &*self.service).map_err(|e| config(e.to_string()))?;
        if self.version.is_empty()
            || !self
                .version
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(config(format!(
                "the version {:?} is not like 2023-01-01",
                self.version
            )));
        }
        let user_agent = http::HeaderValue::from_str(&self.user_agent)
            .map_err(|_| config("the user agent is not a valid header value".into()))?;
        let transport_bounds_attempts = self.transport.is_none();
        let transport = match self.transport {
            Some(t) => t,
            None => {
                default_transport(scheme == "http", self.connect_timeout, self.attempt_timeout)?
            }
        };
        let credentials = self.credentials.unwrap_or_else(|| {
            Arc::new(CachingCredentials::new(Arc::new(
                CredentialsChain::default_chain(),
            )))
        });
        let base = format!("{scheme}://{authority}");
        let uris = [
            live_model::GetPullRecordTaskRequest::ACTION,
            live_model::CreatePullRecordTaskRequest::ACTION,
            live_model::ListPullRecordTaskRequest::ACTION,
            live_model::StopPullRecordTaskRequest::ACTION,
        ]
        .into_iter()
        .map(|action| action_uri(&base, action, &self.version).map(|uri| (action, uri)))
        .collect::<Result<Vec<_>, _>>()?;
        Ok(LiveClient {
            inner: Arc::new(Inner {
                uris,
                base,
                host_header: http::HeaderValue::from_str(&authority).map_err(|_| {
                    config("the endpoint's host is not a valid header value".into())
                })?,
                host: authority,
                version: self.version,
                signer: Signer::new(scope),
                credentials,
                transport,
                transport_bounds_attempts,
                retry: self.retry,
                sleep: self.sleep,
                clock: self.clock,
                attempt_timeout: self.attempt_timeout,
                operation_timeout: self.operation_timeout,
                user_agent,
            }),
        })
    }
}

#[cfg(feature = "hyper")]
fn default_transport(
    plain: bool,
    connect: Duration,
    attempt: Duration,
) -> Result<Arc<dyn HttpTransport>, LiveError> {
    live_transport::HyperTransport::builder()
        .allow_plain_http(plain)
        .connect_timeout(connect)
        .timeout(attempt)
        .build()
        .map(|t| Arc::new(t) as Arc<dyn HttpTransport>)
        .map_err(|e| ErrorKind::Transport(e).into())
}

#[cfg(not(feature = "hyper"))]
fn default_transport(
    _plain: bool,
    _connect: Duration,
    _attempt: Duration,
) -> Result<Arc<dyn HttpTransport>, LiveError> {
    Err(ErrorKind::Config(
        "no transport: enable the `hyper` feature or give one with LiveClientBuilder::transport"
            .into(),
    )
    .into())
}

struct Inner {
    base: String,
    host: String,
    host_header: http::HeaderValue,
    version: String,
    /// The URI of each known action, built once.
    uris: Vec<(&'static str, http::Uri)>,
    signer: Signer,
    credentials: Arc<dyn ProvideCredentials>,
    transport: Arc<dyn HttpTransport>,
    /// The default transport already bounds each exchange by the attempt timeout.
    transport_bounds_attempts: bool,
    retry: RetryPolicy,
    sleep: Arc<dyn Sleep>,
    clock: SigningClock,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    user_agent: http::HeaderValue,
}

/// The Live API client. Cheap to clone (clones share the connection pool, the key cache and
/// the credentials cache) and safe to share across tasks.
#[derive(Clone)]
pub struct LiveClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for LiveClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("LiveClient")
            .field("endpoint", &i.base)
            .field("scope", i.signer.scope())
            .field("credentials", &i.credentials)
            .field("transport", &i.transport)
            .field("retry", &i.retry)
            .field("attempt_timeout", &i.attempt_timeout)
            .field("operation_timeout", &i.operation_timeout)
            .finish()
    }
}

/// What one attempt produced.
enum Attempt<T> {
    Done(Response<T>),
    Failed {
        error: LiveError,
        retry_after: Option<Duration>,
    },
}

impl LiveClient {
    /// The settings, to adjust before [`LiveClientBuilder::build`].
    pub fn builder() -> LiveClientBuilder {
        LiveClientBuilder::default()
    }

    /// A client for the real endpoint with credentials from the environment or the usual files
    /// (see [`CredentialsChain::default_chain`]), read at the first call.
    pub fn from_env() -> Result<Self, LiveError> {
        Self::builder().build()
    }

    /// The endpoint, `scheme://host[:port]`.
    pub fn endpoint(&self) -> &str {
        &self.inner.base
    }

    /// Sends any operation: validates it, then signs and sends it, retrying what is safe, within
    /// the timeouts. The typed operations below are built on this.
    pub async fn call<O: Operation>(&self, op: &O) -> Result<Response<O::Result>, LiveError> {
        let span = tracing::info_span!(
            "live.operation",
            action = O::ACTION,
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let attempts = AtomicU32::new(0);
        let result = async {
            op.validate()
                .map_err(|e| LiveError::from(ErrorKind::InvalidInput(e)))?;
            let body = Bytes::from(
                serde_json::to_vec(op)
                    .map_err(|e| LiveError::from(ErrorKind::Config(e.to_string())))?,
            );
            let limit = self.inner.operation_timeout;
            // A single attempt is bounded by its own, shorter timeout: no second timer needed.
            if self.inner.retry.attempts() == 1 && self.inner.attempt_timeout <= limit {
                return self.attempts::<O>(body, &attempts).await;
            }
            match tokio::time::timeout(limit, self.attempts::<O>(body, &attempts)).await {
                Ok(result) => result,
                Err(_) => Err(LiveError::from(ErrorKind::Timeout {
                    scope: TimeoutScope::Operation,
                    after: limit,
                })
                .with_attempts(attempts.load(Ordering::SeqCst))),
            }
        }
        .instrument(span.clone())
        .await;
        span.record("attempts", attempts.load(Ordering::SeqCst));
        match &result {
            Ok(r) => {
                span.record("request_id", r.request_id());
                span.record("outcome", "ok");
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

    async fn attempts<O: Operation>(
        &self,
        body: Bytes,
        counter: &AtomicU32,
    ) -> Result<Response<O::Result>, LiveError> {
        let started = tokio::time::Instant::now();
        let policy = &self.inner.retry;
        let is_create = O::ACTION == live_model::CreatePullRecordTaskRequest::ACTION;
        let mut attempt = 0;
        loop {
            attempt += 1;
            counter.store(attempt, Ordering::SeqCst);
            let span =
                tracing::debug_span!("live.attempt", attempt, status = tracing::field::Empty);
            let outcome = self.attempt::<O>(&body).instrument(span.clone()).await?;
            let (error, retry_after) = match outcome {
                Attempt::Done(r) => {
                    span.record("status", 200);
                    return Ok(r);
                }
                Attempt::Failed { error, retry_after } => (error, retry_after),
            };
            if let Some(status) = error.http_status() {
                span.record("status", status);
            }
            let error = error.with_attempts(attempt);
            if attempt >= policy.attempts() || !worth_retrying(&error, is_create) {
                return Err(error);
            }
            let Some(delay) = policy.delay(attempt, retry_after) else {
                return Err(error);
            };
            if started.elapsed() + delay >= self.inner.operation_timeout {
                return Err(error);
            }
            tracing::debug!(attempt, ?delay, error = %error, "retrying");
            self.inner.sleep.sleep(delay).await;
        }
    }

    /// One attempt: credentials, a fresh signature, the exchange, the decoding.
    async fn attempt<O: Operation>(&self, body: &Bytes) -> Result<Attempt<O::Result>, LiveError> {
        let inner = &self.inner;
        let provided = inner
            .credentials
            .provide()
            .await
            .map_err(|e| LiveError::from(ErrorKind::Credentials(e)))?;
        let uri = match inner.uris.iter().find(|(action, _)| *action == O::ACTION) {
            Some((_, uri)) => uri.clone(),
            None => action_uri(&inner.base, O::ACTION, &inner.version)?,
        };
        let mut request = http::Request::new(body.clone());
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.insert(http::header::HOST, inner.host_header.clone());
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert(http::header::USER_AGENT, inner.user_agent.clone());
        let time = SigningTime::from_system_time((inner.clock)())
            .map_err(|e| LiveError::from(ErrorKind::Config(e.to_string())))?;
        // Exactly what is sent: the query as written above, the signed Content-Type, the body.
        let query = [("Action", O::ACTION), ("Version", inner.version.as_str())];
        let headers = [("Content-Type", "application/json")];
        let signable = SignableRequest::new("POST", &inner.host, "/")
            .query(&query)
            .headers(&headers)
            .body(SignableBody::Bytes(body));
        let signing_error =
            |e: volc_sign::SignError| LiveError::from(ErrorKind::Config(e.to_string()));
        let signed = if tracing::enabled!(tracing::Level::DEBUG) {
            let (signed, trace) = inner
                .signer
                .sign_with_trace(&provided.credentials, &signable, time)
                .map_err(signing_error)?;
            tracing::debug!(
                canonical_request = %trace.redacted_canonical_request(),
                string_to_sign = %trace.string_to_sign(),
                "signed request"
            );
            signed
        } else {
            inner
                .signer
                .sign(&provided.credentials, &signable, time)
                .map_err(signing_error)?
        };
        signed
            .apply_to(request.headers_mut())
            .map_err(signing_error)?;
        // The default transport times the exchange itself (as a transport timeout); any other
        // is bounded here.
        let sent = if inner.transport_bounds_attempts {
            Ok(inner.transport.send(request).await)
        } else {
            tokio::time::timeout(inner.attempt_timeout, inner.transport.send(request)).await
        };
        let response = match sent {
            Err(_) => {
                return Ok(Attempt::Failed {
                    error: ErrorKind::Timeout {
                        scope: TimeoutScope::Attempt,
                        after: inner.attempt_timeout,
                    }
                    .into(),
                    retry_after: None,
                })
            }
            Ok(Err(e)) => {
                return Ok(Attempt::Failed {
                    error: ErrorKind::Transport(e).into(),
                    retry_after: None,
                })
            }
            Ok(Ok(r)) => r,
        };
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        match decode::<O::Result>(response.status().as_u16(), response.body()) {
            Ok(r) => Ok(Attempt::Done(r)),
            Err(e) => Ok(Attempt::Failed {
                error: e.into(),
                retry_after,
            }),
        }
    }
}

/// `{base}/?Action={action}&Version={version}`: the query exactly as it is signed.
fn action_uri(base: &str, action: &str, version: &str) -> Result<http::Uri, LiveError> {
    http::Uri::try_from(format!("{base}/?Action={action}&Version={version}"))
        .map_err(|e| LiveError::from(ErrorKind::Config(e.to_string())))
}

/// Whether a failed attempt is worth another: see [`RetryPolicy`].
fn worth_retrying(e: &LiveError, is_create: bool) -> bool {
    if e.is_throttling() {
        return true;
    }
    match e.kind() {
        ErrorKind::Transport(t) if is_create => !t.may_have_reached_server(),
        ErrorKind::Transport(t) => t.is_connect() || t.is_timeout() || t.is_io(),
        ErrorKind::Timeout { .. } => !is_create,
        ErrorKind::Service(_) | ErrorKind::UnexpectedResponse(_) => !is_create && e.is_retryable(),
        _ => false,
    }
}
