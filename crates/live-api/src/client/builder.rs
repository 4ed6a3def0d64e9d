//! [`LiveClientBuilder`]: the client's settings, with stated defaults, and how they become
//! an engine.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use live_model::Action;
use live_transport::HttpTransport;
use volc_sign::{Scope, Signer};

use super::endpoint::{action_query, action_uri, Endpoint};
use super::transport::{default_transport, Network};
use super::{Inner, LiveClient, LiveService};
use crate::credentials::{CachingCredentials, CredentialsChain, ProvideCredentials};
use crate::engine::Engine;
use crate::env::{Environment, SystemEnvironment};
use crate::error::{ErrorKind, LiveError};
use crate::pacing::{LocalRateLimiter, Pacing, RateLimiter, RateLimits};
use crate::retry::{RetryBudget, RetryPolicy, RetryPolicyExt, StandardRetry};

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
/// | retry budget | [`RetryBudget::default`]: 500 tokens, 5 a retry, 10 after a timeout, shared by clones |
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
    budget: RetryBudget,
    env: Arc<dyn Environment>,
    user_agent: String,
    allow_insecure_http: bool,
    network: Network,
    pacing: Pacing,
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
            .field("budget", &self.budget)
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
            budget: RetryBudget::default(),
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
    /// [`LiveError::is_timeout`] with [`TimeoutScope::Attempt`](crate::error::TimeoutScope::Attempt).
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

    /// The retry budget (see [`RetryBudget`]): by default 500 tokens shared by this client and
    /// its clones; [`RetryBudget::disabled`] turns it off. Hand two builders clones of one
    /// budget to share it between clients.
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// The clocks, sleep, jitter and environment variables (default: [`SystemEnvironment`]).
    /// Signing, credentials caching, the default credentials chain, retries and deadlines all
    /// use it; a [`crate::env::ManualEnvironment`] makes them testable without waiting.
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

    /// How calls are paced under the account's rate limits (see [`crate::pacing`]): by default
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
    /// use live_api::LiveClient;
    /// use live_api::pacing::{Pacing, Rate, RateLimits};
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
        let endpoint = Endpoint::parse(&self.endpoint).map_err(config)?;
        endpoint
            .check_plain_http(self.allow_insecure_http)
            .map_err(config)?;
        let scope = Scope::new(&*self.region, &*self.service).map_err(|e| config(e.to_string()))?;
        let user_agent = http::HeaderValue::from_str(&self.user_agent)
            .map_err(|_| config("the user agent is not a valid header value".into()))?;
        let host_header = endpoint.host_header().map_err(config)?;
        // The client times each attempt; the default transport keeps its connect timeout and
        // a safety cap well past the client's own deadlines.
        let (transport, proxy) = match self.transport {
            Some(t) => (t, None),
            None => default_transport(
                &format!("{}/", endpoint.base()),
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
        let base = endpoint.base();
        let uris = Action::ALL
            .map(|action| action_uri(&base, action.facts()))
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let queries = Action::ALL.map(|a| action_query(a.facts())).to_vec();
        let engine = Engine {
            transport,
            credentials,
            // The operation's deadline bounds every policy: no wait runs past it.
            retry: Arc::new(self.retry.with_time_limit(self.operation_timeout)),
            budget: self.budget,
            limiter,
            env: self.env,
            attempt_timeout: self.attempt_timeout,
            operation_timeout: self.operation_timeout,
            user_agent,
        };
        // Every Live action is a POST of a JSON body: one set of headers for all of them.
        let headers = engine.headers(host_header, Some("application/json"));
        Ok(LiveClient {
            inner: Arc::new(Inner {
                live: LiveService {
                    uris,
                    queries,
                    headers,
                    base,
                    signer: Signer::new(scope),
                },
                region: self.region,
                allow_insecure_http: self.allow_insecure_http,
                proxy,
                engine,
            }),
        })
    }
}
