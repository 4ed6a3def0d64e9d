//! The connector chain: `TimeoutConnector` (the connect timeout, proxy included) over
//! hyper-rustls' `HttpsConnector` (TLS to the service, end to end) over `ProxyConnector`
//! (direct through the stale-checked `CheckedConnector`, or through the proxy the
//! environment or the settings choose: see the `proxy` module).

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::error::BoxError;
use crate::proxy::{ProxyConnector, Routes};
use crate::stale::CheckedConnector;

/// What the pooled client connects with.
pub(crate) type Connector = TimeoutConnector<HttpsConnector<ProxyConnector>>;

/// The chain, from the TLS configuration (for the service and for an `https://` proxy), the
/// connect timeout, whether HTTP/2 is offered, and the proxy routes.
pub(crate) fn connector(
    tls: rustls::ClientConfig,
    connect_timeout: Duration,
    http2: bool,
    routes: Arc<Routes>,
) -> Connector {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
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
        routes,
    };
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1();
    let https = if http2 {
        https.enable_http2().wrap_connector(http)
    } else {
        https.wrap_connector(http)
    };
    TimeoutConnector {
        inner: https,
        timeout: connect_timeout,
    }
}

/// The connect phase ran out of time (marker in the source chain).
#[derive(Debug)]
pub(crate) struct ConnectTimeout(pub(crate) Duration);

impl fmt::Display for ConnectTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no connection within {:?}", self.0)
    }
}

impl StdError for ConnectTimeout {}

/// Wraps a connector with a time limit on the whole connect (TCP and TLS handshake).
#[derive(Clone)]
pub(crate) struct TimeoutConnector<C> {
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
