//! The production transport: hyper 1 + hyper-util's pooled client + rustls.
//!
//! The connector chain: `TimeoutConnector` (the connect timeout, proxy included) over
//! hyper-rustls' `HttpsConnector` (TLS to the service, end to end) over `ProxyConnector`
//! (direct through the stale-checked `CheckedConnector`, or through the proxy the
//! environment or the settings choose: see `proxy.rs`).
//!
//! TLS uses rustls with the `ring` crypto provider. `ring` builds from a little C and
//! assembly in well under a minute on two cores, where `aws-lc-rs` (rustls' default) needs
//! CMake and several minutes; both are well kept, and the choice does not show in the API.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::error::{chain_text, BoxError, ErrorKind, TimeoutPhase, TransportError};
use crate::proxy::{
    DnsFailure, EnvLookup, ProxyConnector, ProxyFailure, ProxySettings, ProxyTarget, Routes,
};
use crate::stale::{CheckedConnector, StaleConnection};
use crate::transport::{BoxFuture, HttpTransport};

/// Where the trusted root certificates come from.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum RootCertificates {
    /// Mozilla's set, compiled in (`webpki-roots`): works the same everywhere. The default.
    #[default]
    Bundled,
    /// The platform's store (feature `native-roots`, through `rustls-native-certs`). When
    /// `SSL_CERT_FILE` (a PEM bundle) or `SSL_CERT_DIR` (`:`-separated directories) is set,
    /// the certificates come from there instead of the platform's store.
    #[cfg(feature = "native-roots")]
    Platform,
    /// Exactly these certificates (DER), e.g. a private CA or a test certificate.
    Only(Vec<Vec<u8>>),
}

impl fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootCertificates::Bundled => f.write_str("Bundled"),
            #[cfg(feature = "native-roots")]
            RootCertificates::Platform => f.write_str("Platform"),
            RootCertificates::Only(certs) => write!(f, "Only({} certificates)", certs.len()),
        }
    }
}

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

/// PEM text given to [`HyperTransportBuilder::add_root_certificates_pem`] (shown by size).
#[derive(Clone)]
struct Pem(Vec<u8>);

impl fmt::Debug for Pem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pem({} bytes)", self.0.len())
    }
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
        let invalid = |what: &str| TransportError::new(ErrorKind::InvalidRequest, what);
        let mut roots = rustls::RootCertStore::empty();
        match &self.roots {
            RootCertificates::Bundled => {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            #[cfg(feature = "native-roots")]
            RootCertificates::Platform => {
                let loaded = rustls_native_certs::load_native_certs();
                for cert in loaded.certs {
                    // Certificates the store holds but rustls cannot use are skipped.
                    let _ = roots.add(cert);
                }
                if roots.is_empty() {
                    return Err(invalid(
                        "the platform's certificate store has no usable root",
                    ));
                }
            }
            RootCertificates::Only(certs) => {
                for der in certs {
                    roots
                        .add(der.clone().into())
                        .map_err(|e| invalid("a root certificate cannot be read").with_source(e))?;
                }
            }
        }
        for der in &self.extra_roots {
            roots
                .add(der.clone().into())
                .map_err(|e| invalid("a root certificate cannot be read").with_source(e))?;
        }
        for Pem(pem) in &self.extra_pem {
            let mut found = 0usize;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert
                    .map_err(|e| invalid("a PEM root certificate cannot be read").with_source(e))?;
                roots
                    .add(cert)
                    .map_err(|e| invalid("a root certificate cannot be read").with_source(e))?;
                found += 1;
            }
            if found == 0 {
                return Err(invalid(
                    "the PEM text given as root certificates holds no certificate",
                ));
            }
        }
        let routes = Arc::new(Routes::new(&self.proxy)?);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("TLS settings are not usable").with_source(e))?
            .with_root_certificates(roots)
            .with_no_client_auth();

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(self.connect_timeout));
        let http = CheckedConnector { inner: http };
        // TLS to an `https://` proxy: HTTP/1.1, the same roots.
        let tls_hop = HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(http.clone());
        let http = ProxyConnector {
            direct: http,
            tls_hop,
            routes: routes.clone(),
        };
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1();
        let https = if self.http2 {
            https.enable_http2().wrap_connector(http)
        } else {
            https.wrap_connector(http)
        };
        let connector = TimeoutConnector {
            inner: https,
            timeout: self.connect_timeout,
        };
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
    client: Client<TimeoutConnector<HttpsConnector<ProxyConnector>>, Full<Bytes>>,
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

/// The connect phase ran out of time (marker in the source chain).
#[derive(Debug)]
struct ConnectTimeout(Duration);

impl fmt::Display for ConnectTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no connection within {:?}", self.0)
    }
}

impl StdError for ConnectTimeout {}

/// Classifies hyper-util's error by walking its source chain; the message says what to check.
fn classify(
    e: hyper_util::client::legacy::Error,
    uri: &http::Uri,
    via: Option<&ProxyTarget>,
) -> TransportError {
    let mut connect_timeout = None;
    let mut tls = false;
    let mut tls_hint: Option<String> = None;
    let mut proxy: Option<(String, bool)> = None;
    let mut dns: Option<String> = None;
    let mut io_timeout = false;
    let mut canceled = false;
    let mut stale = false;
    let mut source: Option<&(dyn StdError + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(t) = s.downcast_ref::<ConnectTimeout>() {
            connect_timeout = Some(t.0);
        }
        if let Some(p) = s.downcast_ref::<ProxyFailure>() {
            proxy.get_or_insert_with(|| (p.message().to_string(), p.is_refusal()));
        }
        if let Some(d) = s.downcast_ref::<DnsFailure>() {
            dns.get_or_insert_with(|| d.source.to_string());
        } else if s.to_string() == "dns error" {
            // hyper-util's `ConnectError` (not public) for a failed name lookup; its source
            // is the resolver's error.
            dns.get_or_insert_with(|| s.source().map_or_else(String::new, |c| c.to_string()));
        }
        if let Some(r) = s.downcast_ref::<rustls::Error>() {
            tls = true;
            tls_hint = tls_hint.or_else(|| tls_message(r, uri));
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            canceled |= h.is_canceled();
        }
        stale |= s.is::<StaleConnection>();
        // An io::Error's `source()` skips the error it wraps, so step into it instead.
        let mut next = s.source();
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                io_timeout = true;
            }
            if let Some(inner) = io.get_ref() {
                next = Some(inner as &(dyn StdError + 'static));
            }
        }
        source = next;
    }
    let detail = chain_text(&e);
    if let Some(limit) = connect_timeout {
        let through = via.map_or_else(String::new, |p| {
            format!(" (through the proxy {})", p.address())
        });
        return TransportError::timeout(
            TimeoutPhase::Connect,
            format!("no connection within {limit:?}{through}"),
        )
        .with_source(e);
    }
    if e.is_connect() {
        if io_timeout {
            return TransportError::timeout(TimeoutPhase::Connect, detail).with_source(e);
        }
        if let Some((message, refusal)) = proxy {
            let err = TransportError::new(ErrorKind::Connect, message).with_source(e);
            return if refusal {
                err.with_proxy_refusal()
            } else {
                err.with_proxy()
            };
        }
        if let Some(why) = dns {
            let host = uri.host().unwrap_or_default();
            return TransportError::new(
                ErrorKind::Connect,
                format!("cannot resolve the host {host} ({why}); check the endpoint"),
            )
            .with_source(e);
        }
        let err =
            TransportError::new(ErrorKind::Connect, tls_hint.unwrap_or(detail)).with_source(e);
        return if tls { err.with_tls() } else { err };
    }
    if stale {
        return TransportError::new(ErrorKind::Io, detail)
            .with_stale_connection()
            .with_source(e);
    }
    // A request canceled before it was written (its pooled connection closed first) never
    // reached the server.
    TransportError::new(ErrorKind::Io, detail)
        .with_reached_server(!canceled)
        .with_source(e)
}

/// What a TLS failure means for the person who sees it, when we know.
fn tls_message(e: &rustls::Error, uri: &http::Uri) -> Option<String> {
    let authority = uri.authority().map_or("", |a| a.as_str());
    match e {
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => Some(format!(
            "the server did not answer TLS; is the endpoint http://? ({authority}: {e})"
        )),
        rustls::Error::InvalidCertificate(_) => Some(format!(
            "the certificate of {authority} is not trusted ({e}); to trust a private CA, add it \
             with add_root_certificates_pem (the CLI's --ca-cert FILE)"
        )),
        _ => None,
    }
}

/// Wraps a connector with a time limit on the whole connect (TCP and TLS handshake).
#[derive(Clone)]
struct TimeoutConnector<C> {
    inner: C,
    timeout: Duration,
}

impl<C> tower_service::Service<http::Uri> for TimeoutConnector<C>
where
    C: tower_service::Service<http::Uri> + Clone + Send + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
    C::Response: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let limit = self.timeout;
        let connecting = self.inner.call(uri);
        Box::pin(async move {
            match tokio::time::timeout(limit, connecting).await {
                Ok(result) => result.map_err(Into::into),
                Err(_) => Err(Box::new(ConnectTimeout(limit)) as BoxError),
            }
        })
    }
}
