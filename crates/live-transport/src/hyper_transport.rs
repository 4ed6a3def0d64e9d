//! The production transport: hyper 1 + hyper-util's pooled client + rustls.
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

use crate::stale::{CheckedConnector, StaleConnection};
use crate::{BoxError, BoxFuture, ErrorKind, HttpTransport, TimeoutPhase, TransportError};

/// Where the trusted root certificates come from.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum RootCertificates {
    /// Mozilla's set, compiled in (`webpki-roots`): works the same everywhere. The default.
    #[default]
    Bundled,
    /// The platform's store (feature `native-roots`).
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

    /// Builds the transport. Fails only when a given certificate cannot be read or the
    /// platform's store cannot be loaded.
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
            settings: Arc::new(self),
        })
    }
}

/// The production [`HttpTransport`]: hyper 1 with hyper-util's pooled client; HTTPS through
/// rustls (HTTP/1.1 and HTTP/2 by ALPN); keep-alive pooling; `TCP_NODELAY`; a connect timeout
/// and a whole-exchange timeout; a cap on the response body enforced while reading.
///
/// Cheap to clone (clones share the pool). Needs a Tokio runtime (with timers) to send.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<TimeoutConnector<HttpsConnector<CheckedConnector>>, Full<Bytes>>,
    settings: Arc<HyperTransportBuilder>,
}

impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("settings", &self.settings)
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
        let mut stale = 0;
        loop {
            let mut again = http::Request::new(Full::new(body.clone()));
            *again.method_mut() = parts.method.clone();
            *again.uri_mut() = parts.uri.clone();
            *again.version_mut() = parts.version;
            *again.headers_mut() = parts.headers.clone();
            match self.client.request(again).await {
                Ok(response) => {
                    return read_capped(response, self.settings.max_response_bytes).await
                }
                Err(e) => {
                    let e = classify(e);
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

/// Classifies hyper-util's error by walking its source chain.
fn classify(e: hyper_util::client::legacy::Error) -> TransportError {
    let mut connect_timeout = None;
    let mut tls = false;
    let mut io_timeout = false;
    let mut canceled = false;
    let mut stale = false;
    let mut source: Option<&(dyn StdError + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(t) = s.downcast_ref::<ConnectTimeout>() {
            connect_timeout = Some(t.0);
        }
        if s.is::<rustls::Error>() {
            tls = true;
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
        return TransportError::timeout(
            TimeoutPhase::Connect,
            format!("no connection within {limit:?}"),
        )
        .with_source(e);
    }
    if e.is_connect() {
        if io_timeout {
            return TransportError::timeout(TimeoutPhase::Connect, detail).with_source(e);
        }
        let err = TransportError::new(ErrorKind::Connect, detail).with_source(e);
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

/// The messages of an error and its sources, joined.
fn chain_text(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
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
