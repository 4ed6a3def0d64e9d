//! The production transport: hyper 1 + hyper-util's pooled client + rustls. Here: the
//! builder, the transport (sending, resending on stale pooled connections, the timeouts),
//! and reading the body under its cap. The connector chain is in `connector.rs`, TLS in
//! `tls.rs`, the classification of failures in `classify.rs`, proxies in `proxy/`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::classify::classify;
use crate::connector::{connector, Connector};
use crate::error::{ErrorKind, TimeoutPhase, TransportError};
use crate::proxy::{EnvLookup, ProxyFailure, ProxySettings, ProxyTarget, Routes};
use crate::tls::{self, Pem, RootCertificates};
use crate::transport::{BoxFuture, HttpTransport};

/// Settings of a [`HyperTransport`]. Every setting has a stated default.
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Duration,
    timeout: Duration,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
    max_response_bytes: usize,
    allow_plain_http: bool,
    http2: bool,
    roots: RootCertificates,
    extra_roots: Vec<Vec<u8>>,
    extra_pem: Vec<Pem>,
    proxy: ProxySettings,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: HyperTransport::DEFAULT_CONNECT_TIMEOUT,
            timeout: HyperTransport::DEFAULT_TIMEOUT,
            pool_idle_timeout: HyperTransport::DEFAULT_POOL_IDLE_TIMEOUT,
            pool_max_idle_per_host: HyperTransport::DEFAULT_POOL_MAX_IDLE_PER_HOST,
            max_response_bytes: HyperTransport::DEFAULT_MAX_RESPONSE_BYTES,
            allow_plain_http: false,
            http2: true,
            roots: RootCertificates::Bundled,
            extra_roots: Vec::new(),
            extra_pem: Vec::new(),
            proxy: ProxySettings::default(),
        }
    }
}

impl HyperTransportBuilder {
    /// Time allowed to connect, TCP and TLS handshake together. Default 5 s.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// A safety cap on the whole exchange: connecting, sending and reading the whole
    /// response. Default 10 s. A client that times its own attempts (as `live-api` does)
    /// sets it past its own deadlines, so that its own timer is the one that fires.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// How long an idle pooled connection is kept. Default 90 s.
    pub fn pool_idle_timeout(mut self, d: Duration) -> Self {
        self.pool_idle_timeout = d;
        self
    }

    /// How many idle connections are kept per host. Default 128.
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }

    /// The largest response body read; a larger one fails with
    /// [`ErrorKind::ResponseTooLarge`] as soon as it is known to be larger (from
    /// `Content-Length`, or while reading), without buffering the rest. Default 4 MiB.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Allows `http://` URIs. Off by default: only `https://` is sent.
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.allow_plain_http = allow;
        self
    }

    /// Offers HTTP/2 by ALPN on HTTPS connections. On by default.
    pub fn http2(mut self, enable: bool) -> Self {
        self.http2 = enable;
        self
    }

    /// Chooses where trusted root certificates come from. Default: [`RootCertificates::Bundled`].
    pub fn root_certificates(mut self, roots: RootCertificates) -> Self {
        self.roots = roots;
        self
    }

    /// Trusts one more root certificate (DER), besides the chosen set.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(der.into());
        self
    }

    /// Trusts the certificates of a PEM text (one or more `BEGIN CERTIFICATE` blocks, e.g. a
    /// private CA bundle), besides the chosen set. A text without any certificate, or one that
    /// cannot be read, fails [`build`](Self::build). The CLI's `--ca-cert FILE` ends here.
    pub fn add_root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_pem.push(Pem(pem.into()));
        self
    }

    /// Sends every request through this proxy: `http://`, `https://` (TLS to the proxy),
    /// `socks5://` (the service's name resolved here) or `socks5h://` (resolved by the
    /// proxy). A userinfo (`http://user:password@host:port`, percent-encoded) is the proxy's
    /// basic auth (the SOCKS5 user name and password for SOCKS). Without a port: 1080, or 443
    /// for `https://` (curl's defaults). Overrides the environment: with a proxy set here,
    /// no proxy variable is read (not even `NO_PROXY`; see [`no_proxy`](Self::no_proxy)).
    /// A URL that cannot be used fails [`build`](Self::build).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy.proxy = Some(url.into());
        self
    }

    /// Hosts that bypass the proxy, in `NO_PROXY` syntax: comma-separated host names (each
    /// also matching its subdomains; a leading `.` is allowed), IP addresses, CIDR ranges
    /// (`10.0.0.0/8`), or `*` for all. Applies with [`proxy`](Self::proxy), or replaces
    /// the environment's `NO_PROXY`.
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.proxy.no_proxy = Some(list.into());
        self
    }

    /// Whether `https_proxy`/`HTTPS_PROXY`, `http_proxy`/`HTTP_PROXY`, `all_proxy`/`ALL_PROXY`
    /// and `no_proxy`/`NO_PROXY` are read when no [`proxy`](Self::proxy) is set. Default
    /// `true`. See the [crate docs](crate#proxies) for the rules.
    pub fn proxy_from_env(mut self, read: bool) -> Self {
        self.proxy.from_env = read;
        self
    }

    /// How environment variables are read, at [`build`](Self::build). Default: the process
    /// environment. Tests pass a map:
    ///
    /// ```
    /// use std::sync::Arc;
    /// use live_transport::HyperTransport;
    ///
    /// let t = HyperTransport::builder()
    ///     .env_lookup(Arc::new(|name: &str| {
    ///         (name == "HTTPS_PROXY").then(|| "http://proxy.internal:3128".to_string())
    ///     }))
    ///     .build()
    ///     .unwrap();
    /// let uri = http::Uri::from_static("https://live.volcengineapi.com/");
    /// assert_eq!(t.proxy_for(&uri).as_deref(), Some("http://proxy.internal:3128"));
    /// ```
    // The type is spelled out in the signature on purpose (no alias to learn).
    #[allow(clippy::type_complexity)]
    pub fn env_lookup(
        mut self,
        lookup: std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>,
    ) -> Self {
        let lookup: EnvLookup = lookup;
        self.proxy.env = Some(lookup);
        self
    }

    /// Basic auth for the proxy, instead of the proxy URL's userinfo (for SOCKS5: its user
    /// name and password). Applies to the proxy from [`proxy`](Self::proxy) or from the
    /// environment.
    pub fn proxy_basic_auth(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.proxy.basic_auth = Some((user.into(), password.into()));
        self
    }

    /// Builds the transport. Fails when a given certificate cannot be read, the platform's
    /// store cannot be loaded, or a proxy (given or from the environment) cannot be used.
    pub fn build(self) -> Result<HyperTransport, TransportError> {
        let roots = tls::root_store(&self.roots, &self.extra_roots, &self.extra_pem)?;
        let routes = Arc::new(Routes::new(&self.proxy)?);
        let tls = tls::client_config(roots)?;
        let connector = connector(tls, self.connect_timeout, self.http2, routes.clone());
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(connector);
        Ok(HyperTransport {
            client,
            routes,
            settings: Arc::new(self),
        })
    }
}

/// The production [`HttpTransport`]: hyper 1 with hyper-util's pooled client; HTTPS through
/// rustls (HTTP/1.1 and HTTP/2 by ALPN); keep-alive pooling; `TCP_NODELAY`; a connect timeout
/// and a whole-exchange timeout; a cap on the response body enforced while reading; proxies
/// from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` (curl's rules) or
/// [`HyperTransportBuilder::proxy`], HTTPS through a `CONNECT` tunnel with TLS end to end,
/// SOCKS5 (see the [crate docs](crate#proxies)).
///
/// Cheap to clone (clones share the pool). Needs a Tokio runtime (with timers) to send.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<Connector, Full<Bytes>>,
    routes: Arc<Routes>,
    settings: Arc<HyperTransportBuilder>,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("settings", &self.settings)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// Default connect timeout (TCP and TLS): 5 s.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default whole-exchange timeout: 10 s (the official SDKs use 5 to 10 s).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default idle time of a pooled connection: 90 s.
    pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
    /// Default number of idle connections kept per host: 128.
    pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = 128;
    /// Default cap on a response body: 4 MiB.
    pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
    /// How many dead pooled connections one request may meet before it is given up: each is
    /// found closed before the request is written, so it is sent again on another.
    const MAX_STALE_RESENDS: u32 = 8;

    /// A transport with the default settings: HTTPS only, bundled roots.
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// The settings, to adjust before [`HyperTransportBuilder::build`].
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }

    /// The proxy a request to `uri` would take, its credentials redacted
    /// (`http://***@host:port`), or `None` when it goes direct.
    ///
    /// ```
    /// use live_transport::HyperTransport;
    ///
    /// let t = HyperTransport::builder()
    ///     .proxy("http://me:secret@proxy.internal:3128")
    ///     .no_proxy("localhost,127.0.0.1")
    ///     .build()
    ///     .unwrap();
    /// let api = http::Uri::from_static("https://live.volcengineapi.com/");
    /// assert_eq!(t.proxy_for(&api).as_deref(), Some("http://***@proxy.internal:3128"));
    /// let local = http::Uri::from_static("http://127.0.0.1:8787/");
    /// assert_eq!(t.proxy_for(&local), None);
    /// ```
    pub fn proxy_for(&self, uri: &http::Uri) -> Option<String> {
        self.routes.route(uri).map(ProxyTarget::redacted)
    }

    fn check(&self, request: &http::Request<Bytes>) -> Result<(), TransportError> {
        let uri = request.uri();
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if self.settings.allow_plain_http => {}
            Some("http") => {
                return Err(TransportError::new(
                    ErrorKind::InvalidRequest,
                    "plain http:// is not allowed by this transport's settings (allow_plain_http)",
                ))
            }
            _ => {
                return Err(TransportError::new(
                    ErrorKind::InvalidRequest,
                    "the URI must be absolute, http:// or https://",
                ))
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(TransportError::new(
                ErrorKind::InvalidRequest,
                "the URI has no host",
            ));
        }
        Ok(())
    }

    async fn exchange(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let (parts, body) = request.into_parts();
        // An http:// endpoint behind an HTTP proxy: the proxy reads the request itself, so its
        // credentials go in `Proxy-Authorization` on each request.
        let forward = self.routes.forward(&parts.uri);
        let proxy_auth = forward.and_then(ProxyTarget::basic_auth);
        let mut stale = 0;
        loop {
            let mut again = http::Request::new(Full::new(body.clone()));
            *again.method_mut() = parts.method.clone();
            *again.uri_mut() = parts.uri.clone();
            *again.version_mut() = parts.version;
            *again.headers_mut() = parts.headers.clone();
            if let Some(auth) = &proxy_auth {
                again
                    .headers_mut()
                    .insert(http::header::PROXY_AUTHORIZATION, auth.clone());
            }
            match self.client.request(again).await {
                Ok(response) => {
                    if let Some(target) = forward {
                        // Only a proxy answers 407; the request did not go further.
                        if response.status() == http::StatusCode::PROXY_AUTHENTICATION_REQUIRED {
                            return Err(TransportError::new(
                                ErrorKind::Connect,
                                ProxyFailure::auth_required(target, 407).message(),
                            )
                            .with_proxy_refusal());
                        }
                    }
                    return read_capped(response, self.settings.max_response_bytes).await;
                }
                Err(e) => {
                    let via = self.routes.route(&parts.uri);
                    let e = classify(e, &parts.uri, via);
                    // The request was not written: its pooled connection was already closed.
                    // Send it on another (the pool has dropped the dead one).
                    if e.is_stale_connection() && stale < Self::MAX_STALE_RESENDS {
                        stale += 1;
                        continue;
                    }
                    return Err(e);
                }
            }
        }
    }
}

impl HttpTransport for HyperTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(async move {
            self.check(&request)?;
            let limit = self.settings.timeout;
            match tokio::time::timeout(limit, self.exchange(request)).await {
                Ok(result) => result,
                Err(_) => Err(TransportError::timeout(
                    TimeoutPhase::Exchange,
                    format!("no complete response within {limit:?}"),
                )),
            }
        })
    }
}

/// Reads the body, failing as soon as it is known to exceed `max`.
async fn read_capped(
    response: http::Response<hyper::body::Incoming>,
    max: usize,
) -> Result<http::Response<Bytes>, TransportError> {
    let too_large = || {
        TransportError::new(
            ErrorKind::ResponseTooLarge,
            format!("the response body is larger than {max} bytes"),
        )
    };
    let declared = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let (parts, mut body) = response.into_parts();
    // A body that arrives in one frame (the usual small JSON answer) is kept without copying.
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut len = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            TransportError::new(
                ErrorKind::Io,
                "the connection failed while reading the body",
            )
            .with_source(e)
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        len += data.len();
        if len > max {
            return Err(too_large());
        }
        match (&mut first, &mut rest) {
            (None, _) => first = Some(data),
            (Some(f), None) => {
                let mut buf = BytesMut::with_capacity(declared.map_or(len, |n| n as usize));
                buf.extend_from_slice(f);
                buf.extend_from_slice(&data);
                rest = Some(buf);
            }
            (Some(_), Some(buf)) => buf.extend_from_slice(&data),
        }
    }
    let body = match (rest, first) {
        (Some(buf), _) => buf.freeze(),
        (None, Some(f)) => f,
        (None, None) => Bytes::new(),
    };
    Ok(http::Response::from_parts(parts, body))
}
