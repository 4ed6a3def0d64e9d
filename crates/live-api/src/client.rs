//! `LiveClient`: its settings, and the one path every operation takes (validate, build the
//! request once, sign it afresh for each attempt, send, decode, ask the retry policy, within
//! the deadlines).

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use live_model::{decode, Action, ActionFacts, Idempotency, Operation, Response};
use live_transport::HttpTransport;
use tracing::Instrument;
use volc_sign::{Scope, Signer, SigningTime};

use crate::credentials::{CachingCredentials, CredentialsChain, ProvideCredentials};
use crate::env::{within, Environment, LiveFuture, SystemEnvironment};
use crate::error::{ErrorKind, LiveError, TimeoutScope};
use crate::limit::{Feedback, LocalRateLimiter, Pacing, RateKey, RateLimiter, RateLimits};
use crate::retry::{FailureClass, RetryContext, RetryDecision, RetryPolicy, StandardRetry};

/// The client's settings, with stated defaults.
///
/// | setting | default |
/// |---|---|
/// | endpoint | `https://live.volcengineapi.com` (`http://` only for loopback unless allowed) |
/// | region / service | `cn-north-1` / `live` (each action's version comes from `live_model::Action`) |
/// | credentials | the environment, then `~/.volc/credentials`, then `~/.volc/config`, cached |
/// | transport | `live_transport::HyperTransport` |
/// | connect timeout | 5 s |
/// | per-attempt timeout | 10 s (the client's own timer, whatever the transport) |
/// | operation timeout (retries, checks and waits included) | 30 s |
/// | retries | [`StandardRetry::default`]: 3 attempts, exponential backoff with full jitter |
/// | environment (clocks, sleep, jitter, variables) | [`SystemEnvironment`] |
/// | pacing | [`Pacing::Local`] at the documented limits ([`RateLimits::documented`]) |
/// | user agent | `volc-live-rust/VERSION (live-api)` |
pub struct LiveClientBuilder {
    endpoint: String,
    region: String,
    service: String,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    profile: Option<String>,
    transport: Option<Arc<dyn HttpTransport>>,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    retry: Arc<dyn RetryPolicy>,
    env: Arc<dyn Environment>,
    user_agent: String,
    allow_insecure_http: bool,
    network: Network,
    pacing: Pacing,
}

/// Proxy and certificate settings of the default transport.
#[derive(Clone, Default)]
struct Network {
    proxy: Option<String>,
    no_proxy: Option<String>,
    ignore_env_proxy: bool,
    roots_pem: Vec<Vec<u8>>,
}

impl LiveClientBuilder {
    /// The default transport's proxy and trusted certificates, as the builder holds them.
    fn network_debug(&self) -> String {
        let n = &self.network;
        format!(
            "proxy: {}, no_proxy: {:?}, proxy from the environment: {}, extra root PEM files: {}",
            if n.proxy.is_some() { "set" } else { "none" },
            n.no_proxy,
            !n.ignore_env_proxy,
            n.roots_pem.len()
        )
    }
}

impl fmt::Debug for LiveClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("profile", &self.profile)
            .field("transport", &self.transport)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry", &self.retry)
            .field("env", &self.env)
            .field("network", &self.network_debug())
            .field("pacing", &self.pacing)
            .finish_non_exhaustive()
    }
}

impl Default for LiveClientBuilder {
    fn default() -> Self {
        Self {
            endpoint: live_model::DEFAULT_ENDPOINT.to_owned(),
            region: live_model::DEFAULT_REGION.to_owned(),
            service: live_model::SERVICE.to_owned(),
            credentials: None,
            profile: None,
            transport: None,
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(10),
            operation_timeout: Duration::from_secs(30),
            retry: Arc::new(StandardRetry::default()),
            env: Arc::new(SystemEnvironment),
            user_agent: concat!("volc-live-rust/", env!("CARGO_PKG_VERSION"), " (live-api)")
                .to_owned(),
            allow_insecure_http: false,
            network: Network::default(),
            pacing: Pacing::default(),
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

    /// Where credentials come from (any [`ProvideCredentials`], e.g. `volc_sign::Credentials`).
    pub fn credentials(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// The profile (section) the default credentials chain reads in `~/.volc/credentials`
    /// and an INI `~/.volc/config`, instead of `$VOLCENGINE_PROFILE` or `default`: a file
    /// without that section is passed over for the next; in neither, it is an error naming
    /// the profile and the files. Ignored when [`LiveClientBuilder::credentials`] is given.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
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

    /// Time allowed for one attempt: credentials, signing, sending and reading the answer.
    /// The client times it, whatever the transport; running out is
    /// [`LiveError::is_timeout`] with [`TimeoutScope::Attempt`].
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }

    /// Time allowed for the whole operation: attempts, waits between them, and the check
    /// after a stop whose answer was lost.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.operation_timeout = d;
        self
    }

    /// The retry policy: [`StandardRetry`] tuned, [`StandardRetry::none`] for no retry, or
    /// your own [`RetryPolicy`].
    pub fn retry(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.retry = Arc::new(policy);
        self
    }

    /// Shares a retry policy.
    pub fn retry_policy(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
        self.retry = policy;
        self
    }

    /// The clocks, sleep, jitter and environment variables (default: [`SystemEnvironment`]).
    /// Signing, credentials caching, the default credentials chain, retries and deadlines all
    /// use it; a [`crate::ManualEnvironment`] makes them testable without waiting.
    pub fn environment(mut self, env: Arc<dyn Environment>) -> Self {
        self.env = env;
        self
    }

    /// The `User-Agent`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Sends every request of the default transport through this proxy: `http://`,
    /// `https://`, `socks5://` or `socks5h://`, with basic auth in its user info. It overrides
    /// the environment's `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`. Never shown with
    /// its credentials.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.network.proxy = Some(url.into());
        self
    }

    /// Hosts that bypass the proxy (the `NO_PROXY` syntax: `localhost,127.0.0.1,.example.com`).
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.network.no_proxy = Some(list.into());
        self
    }

    /// Whether the default transport reads `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
    /// `NO_PROXY` (upper or lower case, curl's rules) through the client's [`Environment`].
    /// On by default. As with curl, a proxy applies to loopback too unless `NO_PROXY` names
    /// it: `NO_PROXY=localhost,127.0.0.1` keeps a local emulator direct.
    pub fn proxy_from_env(mut self, read: bool) -> Self {
        self.network.ignore_env_proxy = !read;
        self
    }

    /// Trusts more root certificates (PEM, one or more), besides the bundled ones: a
    /// TLS-inspecting proxy's CA, or the emulator's `--tls` certificate.
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.network.roots_pem.push(pem.into());
        self
    }

    /// How calls are paced under the account's rate limits (see [`crate::limit`]): by default
    /// [`Pacing::Local`] at the documented limits, one budget per access key id and action
    /// shared by all clones of the client; [`Pacing::Off`]; or any [`RateLimiter`] with
    /// [`Pacing::Limiter`] (e.g. a `RedisRateLimiter`, feature `redis`, for one budget across
    /// processes).
    ///
    /// A permit is taken before every attempt (retries and checks included); the wait for it
    /// counts against the operation's timeout, never against an attempt's, and a permit that
    /// would come after the deadline fails the call at once with [`ErrorKind::RateLimited`].
    ///
    /// ```
    /// use live_api::{LiveClient, Pacing, Rate, RateLimits};
    ///
    /// // GetPullRecordTask at 5/s, the other actions at their documented limits.
    /// let limits = RateLimits::documented().with_rate("GetPullRecordTask", Rate::per_second(5).unwrap());
    /// let builder = LiveClient::builder().pacing(Pacing::Local(limits));
    /// // No pacing at all.
    /// let unpaced = LiveClient::builder().pacing(Pacing::Off);
    /// ```
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Shorthand for [`pacing`](Self::pacing)`(Pacing::Local(limits))`.
    pub fn rate_limits(self, limits: RateLimits) -> Self {
        self.pacing(Pacing::Local(limits))
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
        let Endpoint {
            scheme,
            authority,
            host,
        } = Endpoint::parse(&self.endpoint).map_err(config)?;
        if scheme == "http" {
            let bare = host.trim_matches(['[', ']']);
            let loopback = bare == "localhost"
                || bare
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback && !self.allow_insecure_http {
                return Err(config(format!(
                    "plain http:// is allowed only for loopback endpoints; {host} is not (use https://, or allow_insecure_http)"
                )));
            }
        }
        let scope = Scope::new(&*self.region, &*self.service).map_err(|e| config(e.to_string()))?;
        let user_agent = http::HeaderValue::from_str(&self.user_agent)
            .map_err(|_| config("the user agent is not a valid header value".into()))?;
        let host_header = http::HeaderValue::from_str(&authority)
            .map_err(|_| config("the endpoint's host is not a valid header value".into()))?;
        // The client times each attempt; the default transport keeps its connect timeout and
        // a safety cap well past the client's own deadlines.
        let (transport, proxy) = match self.transport {
            Some(t) => (t, None),
            None => default_transport(
                &format!("{scheme}://{authority}/"),
                self.connect_timeout,
                self.operation_timeout
                    .max(self.attempt_timeout)
                    .saturating_add(Duration::from_secs(5)),
                &self.network,
                &self.env,
            )?,
        };
        let credentials = self.credentials.unwrap_or_else(|| {
            Arc::new(CachingCredentials::new(Arc::new(
                CredentialsChain::with_profile(self.profile),
            )))
        });
        let limiter: Option<Arc<dyn RateLimiter>> = match self.pacing {
            Pacing::Off => None,
            Pacing::Local(limits) => Some(Arc::new(LocalRateLimiter::with_env(
                limits,
                self.env.clone(),
            ))),
            Pacing::Limiter(limiter) => Some(limiter),
        };
        let base = format!("{scheme}://{authority}");
        let uris = Action::ALL
            .map(|action| action_uri(&base, action.facts()))
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LiveClient {
            inner: Arc::new(Inner {
                uris,
                base,
                proxy,
                host_header,
                signer: Signer::new(scope),
                credentials,
                transport,
                retry: self.retry,
                limiter,
                env: self.env,
                attempt_timeout: self.attempt_timeout,
                operation_timeout: self.operation_timeout,
                user_agent,
            }),
        })
    }
}

/// The default transport for `endpoint`, and the proxy it takes there (credentials redacted).
#[cfg(feature = "hyper")]
fn default_transport(
    endpoint: &str,
    connect: Duration,
    cap: Duration,
    network: &Network,
    env: &Arc<dyn Environment>,
) -> Result<(Arc<dyn HttpTransport>, Option<String>), LiveError> {
    let lookup_env = env.clone();
    let mut builder = live_transport::HyperTransport::builder()
        .allow_plain_http(endpoint.starts_with("http://"))
        .connect_timeout(connect)
        .timeout(cap)
        .proxy_from_env(!network.ignore_env_proxy)
        .env_lookup(Arc::new(move |name: &str| {
            lookup_env.var_os(name).and_then(|v| v.into_string().ok())
        }));
    if let Some(url) = &network.proxy {
        builder = builder.proxy(url.clone());
    }
    if let Some(list) = &network.no_proxy {
        builder = builder.no_proxy(list.clone());
    }
    for pem in &network.roots_pem {
        builder = builder.add_root_certificates_pem(pem.clone());
    }
    let transport = builder
        .build()
        .map_err(|e| LiveError::from(ErrorKind::Transport(e)))?;
    let uri: http::Uri = endpoint
        .parse()
        .map_err(|_| LiveError::from(ErrorKind::Config("the endpoint is not a URL".into())))?;
    let proxy = transport.proxy_for(&uri);
    Ok((Arc::new(transport), proxy))
}

#[cfg(not(feature = "hyper"))]
fn default_transport(
    _endpoint: &str,
    _connect: Duration,
    _cap: Duration,
    _network: &Network,
    _env: &Arc<dyn Environment>,
) -> Result<(Arc<dyn HttpTransport>, Option<String>), LiveError> {
    Err(ErrorKind::Config(
        "no transport: enable the `hyper` feature or give one with LiveClientBuilder::transport"
            .into(),
    )
    .into())
}

struct Inner {
    base: String,
    /// The proxy the default transport takes to the endpoint (credentials redacted).
    proxy: Option<String>,
    host_header: http::HeaderValue,
    /// The URI of each modelled action, in `Action::ALL` order, built once.
    uris: Vec<http::Uri>,
    signer: Signer,
    credentials: Arc<dyn ProvideCredentials>,
    transport: Arc<dyn HttpTransport>,
    retry: Arc<dyn RetryPolicy>,
    limiter: Option<Arc<dyn RateLimiter>>,
    env: Arc<dyn Environment>,
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
            .field("proxy", &i.proxy)
            .field("scope", i.signer.scope())
            .field("credentials", &i.credentials)
            .field("transport", &i.transport)
            .field("retry", &i.retry)
            .field("limiter", &i.limiter)
            .field("attempt_timeout", &i.attempt_timeout)
            .field("operation_timeout", &i.operation_timeout)
            .finish()
    }
}

/// After a failure that may have taken effect, finds out whether it did: `Some(answer)` when
/// it did (the operation succeeded), `None` when it did not (sending again is right).
pub(crate) trait OutcomeCheck<R>: Send + Sync {
    fn check(&self) -> LiveFuture<'_, Result<Option<Response<R>>, LiveError>>;
}

/// A successful operation, and whether its success was found by a check rather than by the
/// answer to a request.
pub(crate) struct Done<R> {
    pub(crate) response: Response<R>,
    pub(crate) reconciled: bool,
}

/// What the operation has done so far (read when its deadline runs out).
#[derive(Default)]
struct Progress {
    attempts: AtomicU32,
    in_flight: AtomicBool,
    unknown: AtomicBool,
}

/// A failed attempt.
struct Failed {
    error: LiveError,
    retry_after: Option<Duration>,
}

impl From<LiveError> for Failed {
    fn from(error: LiveError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
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

    /// The proxy the default transport takes to the endpoint, its credentials redacted
    /// (`http://***@proxy:3128`); `None` when it goes direct, or when the transport is
    /// your own.
    pub fn proxy(&self) -> Option<&str> {
        self.inner.proxy.as_deref()
    }

    /// Wall-clock time on the client's [`Environment`].
    pub(crate) fn now(&self) -> std::time::SystemTime {
        self.inner.env.now()
    }

    /// The client's environment (clocks and sleep).
    pub(crate) fn environment(&self) -> &Arc<dyn Environment> {
        &self.inner.env
    }

    /// The limiter that paces this client's calls; `None` with [`Pacing::Off`].
    pub fn rate_limiter(&self) -> Option<&Arc<dyn RateLimiter>> {
        self.inner.limiter.as_ref()
    }

    /// Waits for a permit for `facts` before an attempt, at most `left`: the access key id
    /// paced, or why no attempt can be made.
    async fn pace(&self, facts: ActionFacts, left: Duration) -> Result<Option<String>, LiveError> {
        let inner = &*self.inner;
        let Some(limiter) = &inner.limiter else {
            return Ok(None);
        };
        let began = inner.env.monotonic();
        let provided = match within(
            inner.credentials.provide(&*inner.env),
            inner.env.timer(left),
        )
        .await
        {
            Some(p) => p.map_err(|e| LiveError::from(ErrorKind::Credentials(e)))?,
            None => {
                return Err(ErrorKind::Timeout {
                    scope: TimeoutScope::Operation,
                    after: inner.operation_timeout,
                }
                .into())
            }
        };
        let access_key_id = provided.credentials.access_key_id().to_owned();
        let key = RateKey::new(&access_key_id, facts);
        // The time the credentials took is gone from the wait a permit may take.
        let left = left.saturating_sub(inner.env.monotonic().saturating_duration_since(began));
        match limiter.acquire(key, left).await {
            Ok(waited) => {
                if !waited.is_zero() {
                    tracing::debug!(action = facts.name(), ?waited, "paced");
                }
                Ok(Some(access_key_id))
            }
            Err(no) => Err(ErrorKind::RateLimited {
                action: facts.name(),
                next_in: no.next_in,
                left,
            }
            .into()),
        }
    }

    /// Tells the limiter what an attempt got back.
    async fn learn(&self, facts: ActionFacts, access_key_id: &str, error: Option<&Failed>) {
        let Some(limiter) = &self.inner.limiter else {
            return;
        };
        let feedback = match error {
            None => Feedback::Answered,
            Some(f) if f.error.is_throttling() => Feedback::Throttled {
                retry_after: f.retry_after,
            },
            Some(f) if f.error.http_status().is_some() => Feedback::Answered,
            Some(_) => return,
        };
        limiter
            .observe(RateKey::new(access_key_id, facts), feedback)
            .await;
    }

    /// Sends any operation: validates it, then signs and sends it, retrying what the policy
    /// says is safe, within the deadlines. The typed operations below are built on this.
    ///
    /// An operation that is not modelled here is sent the same way; unless its
    /// [`Operation::ACTION`] says otherwise it is treated as not idempotent.
    pub async fn call<O: Operation>(&self, op: &O) -> Result<Response<O::Result>, LiveError> {
        self.run(op, None).await.map(|done| done.response)
    }

    /// [`LiveClient::call`], with a check of the outcome after a failure that may have
    /// taken effect (for operations idempotent by outcome).
    pub(crate) async fn run<O: Operation>(
        &self,
        op: &O,
        check: Option<&dyn OutcomeCheck<O::Result>>,
    ) -> Result<Done<O::Result>, LiveError> {
        let facts = O::ACTION;
        let span = tracing::info_span!(
            "live.operation",
            action = facts.name(),
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
            outcome = tracing::field::Empty,
            reconciled = tracing::field::Empty,
        );
        let progress = Progress::default();
        let result = self
            .operation(op, facts, check, &progress)
            .instrument(span.clone())
            .await;
        span.record("attempts", progress.attempts.load(Ordering::Relaxed));
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

    async fn operation<O: Operation>(
        &self,
        op: &O,
        facts: ActionFacts,
        check: Option<&dyn OutcomeCheck<O::Result>>,
        progress: &Progress,
    ) -> Result<Done<O::Result>, LiveError> {
        op.validate()
            .map_err(|e| LiveError::from(ErrorKind::InvalidInput(e)))?;
        self.inner
            .env
            .check_timers()
            .map_err(|m| LiveError::from(ErrorKind::Runtime(m)))?;
        let body = Bytes::from(
            serde_json::to_vec(op)
                .map_err(|e| LiveError::from(ErrorKind::Config(e.to_string())))?,
        );
        let request = self.request(facts, body)?;
        let inner = &*self.inner;
        let env = &*inner.env;
        let started = env.monotonic();
        let limit = inner.operation_timeout;
        let remaining = || limit.saturating_sub(env.monotonic().saturating_duration_since(started));
        let idempotency = facts.idempotency();
        let mut unknown = false;
        let mut unanswered = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            progress.attempts.store(attempt, Ordering::Relaxed);
            let span =
                tracing::debug_span!("live.attempt", attempt, status = tracing::field::Empty);
            // A permit first: its wait counts against the operation, not the attempt.
            let outcome = match self.pace(facts, remaining()).await {
                Err(e) => Err(Failed::from(e)),
                Ok(paced) => {
                    let left = remaining();
                    let (bound, scope) = if inner.attempt_timeout < left {
                        (inner.attempt_timeout, TimeoutScope::Attempt)
                    } else {
                        (left, TimeoutScope::Operation)
                    };
                    let outcome = within(
                        self.attempt::<O::Result>(&request, progress)
                            .instrument(span.clone()),
                        env.timer(bound),
                    )
                    .await;
                    if let (Some(ak), Some(result)) = (paced.as_deref(), outcome.as_ref()) {
                        self.learn(facts, ak, result.as_ref().err()).await;
                    }
                    match outcome {
                        Some(result) => result,
                        None => Err(Failed::from(LiveError::from(ErrorKind::Timeout {
                            scope,
                            after: if scope == TimeoutScope::Attempt {
                                bound
                            } else {
                                limit
                            },
                        }))),
                    }
                }
            };
            let in_flight = progress.in_flight.swap(false, Ordering::Relaxed);
            let Failed { error, retry_after } = match outcome {
                Ok(response) => {
                    span.record("status", 200);
                    return Ok(Done {
                        response,
                        reconciled: false,
                    });
                }
                Err(failed) => failed,
            };
            if let Some(status) = error.http_status() {
                span.record("status", status);
            }
            let sent_unanswered = in_flight && error.timeout_scope().is_some();
            if idempotency != Idempotency::Read
                && (sent_unanswered || FailureClass::outcome_unknown(&error))
            {
                unknown = true;
                progress.unknown.store(true, Ordering::Relaxed);
                // No answer came at all (timed out, or the connection was lost): the request
                // may still be under way, so a check that finds nothing yet settles nothing.
                unanswered |= sent_unanswered
                    || matches!(error.kind(), ErrorKind::Transport(t) if t.may_have_reached_server());
            }
            let decision = if error.timeout_scope() == Some(TimeoutScope::Operation)
                || matches!(
                    error.kind(),
                    ErrorKind::Credentials(_)
                        | ErrorKind::Config(_)
                        | ErrorKind::InvalidInput(_)
                        | ErrorKind::RateLimited { .. }
                ) {
                RetryDecision::GiveUp
            } else {
                let ctx = RetryContext::new(&error, attempt, idempotency, env)
                    .with_times(
                        env.monotonic().saturating_duration_since(started),
                        remaining(),
                    )
                    .with_retry_after(retry_after);
                match inner.retry.decide(&ctx) {
                    // Whatever the policy says, no wait runs past the operation's deadline.
                    RetryDecision::RetryAfter(delay) if delay >= remaining() => {
                        RetryDecision::GiveUp
                    }
                    decision => decision,
                }
            };
            let error = error.with_attempts(attempt);
            if let RetryDecision::RetryAfter(delay) = decision {
                tracing::debug!(attempt, ?delay, error = %error, "retrying");
                env.sleep(delay).await;
            }
            if unknown {
                if let Some(check) = check {
                    match within(check.check(), env.timer(remaining())).await {
                        Some(Ok(Some(response))) => {
                            tracing::info!(
                                action = facts.name(),
                                attempts = attempt,
                                "the lost request took effect (found by a check); reconciled"
                            );
                            return Ok(Done {
                                response,
                                reconciled: true,
                            });
                        }
                        Some(Ok(None)) if !unanswered => {
                            unknown = false;
                            progress.unknown.store(false, Ordering::Relaxed);
                        }
                        Some(Ok(None)) => {}
                        Some(Err(e)) => {
                            tracing::debug!(error = %e, "the check after a lost answer failed")
                        }
                        None => {}
                    }
                }
            }
            if !matches!(decision, RetryDecision::RetryAfter(_)) {
                return Err(error.applied_unknown(facts.name(), unknown));
            }
        }
    }

    /// The request as it is sent, built once: the action's URI, `Host`, `Content-Type`,
    /// `Accept`, `User-Agent` and the JSON body. Each attempt signs a copy of exactly this.
    fn request(&self, facts: ActionFacts, body: Bytes) -> Result<http::Request<Bytes>, LiveError> {
        let inner = &*self.inner;
        let uri = match facts.action() {
            Some(action) if action.version() == facts.version() => {
                let i = Action::ALL.iter().position(|a| *a == action).unwrap_or(0);
                inner.uris[i].clone()
            }
            _ => action_uri(&inner.base, facts)?,
        };
        let mut request = http::Request::new(body);
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
        Ok(request)
    }

    /// One attempt: credentials, a fresh signature over a copy of the request, the exchange,
    /// the decoding.
    async fn attempt<R: live_model::ResultBody>(
        &self,
        template: &http::Request<Bytes>,
        progress: &Progress,
    ) -> Result<Response<R>, Failed> {
        let inner = &*self.inner;
        let provided = inner
            .credentials
            .provide(&*inner.env)
            .await
            .map_err(|e| LiveError::from(ErrorKind::Credentials(e)))?;
        let mut request = http::Request::new(template.body().clone());
        *request.method_mut() = template.method().clone();
        *request.uri_mut() = template.uri().clone();
        *request.headers_mut() = template.headers().clone();
        let time = SigningTime::from_system_time(inner.env.now())
            .map_err(|e| LiveError::from(ErrorKind::Config(e.to_string())))?;
        let signing_error =
            |e: volc_sign::SignError| LiveError::from(ErrorKind::Config(e.to_string()));
        if tracing::enabled!(tracing::Level::DEBUG) {
            let (_, trace) = inner
                .signer
                .sign_http_with_trace(&provided.credentials, &mut request, time)
                .map_err(signing_error)?;
            tracing::debug!(
                canonical_request = %trace.redacted_canonical_request(),
                string_to_sign = %trace.string_to_sign(),
                "signed request"
            );
        } else {
            inner
                .signer
                .sign_http(&provided.credentials, &mut request, time)
                .map_err(signing_error)?;
        }
        progress.in_flight.store(true, Ordering::Relaxed);
        let response = inner
            .transport
            .send(request)
            .await
            .map_err(|e| LiveError::from(ErrorKind::Transport(e)))?;
        progress.in_flight.store(false, Ordering::Relaxed);
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        decode::<R>(response.status().as_u16(), response.body()).map_err(|e| Failed {
            error: e.into(),
            retry_after,
        })
    }
}

/// An endpoint: `scheme://host[:port]` and nothing else.
struct Endpoint {
    scheme: &'static str,
    authority: String,
    host: String,
}

impl Endpoint {
    /// Parses `text`, saying what to remove or fix when it is more than
    /// `scheme://host[:port]`.
    fn parse(text: &str) -> Result<Endpoint, String> {
        // The text itself is not repeated: it may carry a password.
        let refuse = |what: &str| format!("the endpoint {what}");
        if text.contains('#') {
            return Err(refuse("has a fragment: remove the `#` and what follows"));
        }
        let uri: http::Uri = text
            .parse()
            .map_err(|_| refuse("is not a URL like https://live.volcengineapi.com"))?;
        let scheme = match uri.scheme_str() {
            Some("https") => "https",
            Some("http") => "http",
            _ => return Err(refuse("must start with https:// or http://")),
        };
        let authority = uri
            .authority()
            .filter(|a| !a.as_str().is_empty())
            .ok_or_else(|| refuse("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(refuse(
                "carries a user name or password: remove the `…@` part (calls are signed with the access key, not sent with a password)",
            ));
        }
        let host = authority.host();
        if host.is_empty() {
            return Err(refuse("has no host"));
        }
        let port_text = authority
            .as_str()
            .strip_prefix(host)
            .and_then(|rest| rest.strip_prefix(':'));
        if let Some(port) = port_text {
            if !port
                .parse::<u16>()
                .is_ok_and(|p| p != 0 && !port.starts_with('0'))
            {
                return Err(refuse(&format!(
                    "has the port {port:?}: give a number from 1 to 65535, or none"
                )));
            }
        }
        if !matches!(uri.path(), "" | "/") {
            return Err(refuse(&format!(
                "has the path {:?}: remove it (the endpoint is scheme://host[:port] only)",
                uri.path()
            )));
        }
        if let Some(q) = uri.query() {
            return Err(refuse(&format!(
                "has the query \"?{q}\": remove it (the endpoint is scheme://host[:port] only)"
            )));
        }
        Ok(Endpoint {
            scheme,
            authority: authority.as_str().to_owned(),
            host: host.to_owned(),
        })
    }
}

/// `{base}/?Action={name}&Version={version}`: the query exactly as it is signed.
fn action_uri(base: &str, facts: ActionFacts) -> Result<http::Uri, LiveError> {
    let query = volc_sign::canonical_query_string(&[
        ("Action", facts.name()),
        ("Version", facts.version()),
    ]);
    http::Uri::try_from(format!("{base}/?{query}"))
        .map_err(|e| LiveError::from(ErrorKind::Config(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_scheme_host_and_port_only() {
        for ok in [
            "https://live.volcengineapi.com",
            "https://live.volcengineapi.com/",
            "http://127.0.0.1:8787",
            "http://[::1]:8787",
            "http://localhost:1",
            "https://example.com:65535",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://user:pw@127.0.0.1:8787", "user name or password"),
            ("http://user@127.0.0.1:8787", "user name or password"),
            ("http://127.0.0.1:99999", "from 1 to 65535"),
            ("http://127.0.0.1:0", "from 1 to 65535"),
            ("http://127.0.0.1:", "from 1 to 65535"),
            ("http://127.0.0.1:08787", "from 1 to 65535"),
            ("http://127.0.0.1:87a", "from 1 to 65535"),
            ("http://127.0.0.1:8787#top", "fragment"),
            ("http://127.0.0.1:8787/live", "path"),
            ("http://127.0.0.1:8787?x=1", "query"),
            ("ftp://127.0.0.1", "https:// or http://"),
            ("127.0.0.1:8787", "https:// or http://"),
            ("http://", "not a URL"),
        ] {
            let err = Endpoint::parse(bad).err().unwrap_or_default();
            assert!(err.contains(says), "{bad}: {err}");
        }
        let secret = "http://user:hunter2@127.0.0.1:8787";
        let err = LiveClient::builder().endpoint(secret).build().unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err}");
        assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
    }
}
