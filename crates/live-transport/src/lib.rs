//! A pluggable HTTP transport for Volcengine API clients.
//!
//! It knows HTTP, not Volcengine: no signing, no JSON, no retries. A transport sends one
//! `http::Request<Bytes>` and returns the `http::Response<Bytes>` with its body fully read, or
//! a classified [`TransportError`].
//!
//! - [`HttpTransport`] is the trait; it is dyn-compatible (`Arc<dyn HttpTransport>`) without
//!   `async-trait`: `send` returns a boxed future.
//! - [`HyperTransport`] (feature `hyper`, on by default) is the production implementation:
//!   hyper 1 with hyper-util's pooled client, HTTPS through rustls, HTTP/1.1 and HTTP/2 by ALPN.
//! - The `test_util` module (feature `test-util`) has doubles for tests: canned responses,
//!   a transport that never answers, one that fails the first calls, and `Tinyproxy`, a real
//!   tinyproxy started on a free loopback port for proxy tests.
//!
//! # A custom transport
//!
//! One that adds a header and delegates to another transport:
//!
//! ```
//! use std::sync::Arc;
//! use bytes::Bytes;
//! use live_transport::{BoxFuture, HttpTransport, TransportError};
//!
//! #[derive(Debug)]
//! struct WithTraceHeader {
//!     inner: Arc<dyn HttpTransport>,
//! }
//!
//! impl HttpTransport for WithTraceHeader {
//!     fn send(&self, mut request: http::Request<Bytes>)
//!         -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>
//!     {
//!         request.headers_mut().insert("x-trace-id", http::HeaderValue::from_static("demo-1"));
//!         self.inner.send(request)
//!     }
//! }
//! # #[derive(Debug)]
//! # struct Echo;
//! # impl HttpTransport for Echo {
//! #     fn send(&self, request: http::Request<Bytes>) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
//! #         let header = request.headers()["x-trace-id"].as_bytes().to_vec();
//! #         Box::pin(async move { Ok(http::Response::new(Bytes::from(header))) })
//! #     }
//! # }
//! let transport = WithTraceHeader { inner: Arc::new(Echo) };
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let response = rt.block_on(transport.send(http::Request::new(Bytes::new()))).unwrap();
//! assert_eq!(response.body(), "demo-1");
//! ```
//!
//! # Choosing the hyper transport
//!
//! ```no_run
//! # #[cfg(feature = "hyper")]
//! # fn main() -> Result<(), live_transport::TransportError> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use live_transport::{HttpTransport, HyperTransport};
//!
//! let transport: Arc<dyn HttpTransport> = Arc::new(HyperTransport::new()?);
//! let tuned = HyperTransport::builder()
//!     .connect_timeout(Duration::from_secs(3))
//!     .timeout(Duration::from_secs(8))
//!     .max_response_bytes(1 << 20)
//!     .build()?;
//! # let _ = (transport, tuned);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "hyper"))]
//! # fn main() {}
//! ```
//!
//! # Proxies
//!
//! [`HyperTransport`] reads the proxy variables by default, with curl's rules:
//!
//! - `https_proxy` / `HTTPS_PROXY` for `https://` endpoints, `http_proxy` / `HTTP_PROXY` for
//!   `http://` ones, `all_proxy` / `ALL_PROXY` for either when its own variable is unset.
//!   The lower-case name wins when both are set; an empty variable counts as unset. Under
//!   CGI (`REQUEST_METHOD` set) `HTTP_PROXY` is ignored ("httpoxy"), as curl does.
//! - `no_proxy` / `NO_PROXY`: comma-separated hosts that go direct; a name matches itself and
//!   its subdomains (`.example.com` and `example.com` alike), IP addresses and CIDR ranges
//!   (`10.0.0.0/8`) match addresses, `*` matches everything (hyper-util's matcher).
//! - A proxy URL is `http://`, `https://` (TLS to the proxy), `socks5://` (the service's name
//!   resolved by this client) or `socks5h://` (resolved by the proxy); without a scheme it is
//!   `http://`; without a port 1080 (443 for `https://`), as with curl. A userinfo
//!   (`http://user:password@host:port`, percent-encoded) is the proxy's basic auth. A value
//!   that cannot be used fails `build()`, naming the variable, never its credentials.
//! - **A proxy applies to every host `NO_PROXY` does not exclude, loopback included**, as with
//!   curl. To keep a local emulator direct while a proxy is set, add
//!   `NO_PROXY=localhost,127.0.0.1` (or [`HyperTransportBuilder::no_proxy`]).
//!
//! `https://` endpoints go through an HTTP `CONNECT` tunnel (hyper-util's `Tunnel`) with TLS
//! end to end to the service: the proxy sees the host and port, never the request.
//! `http://` endpoints are sent to an HTTP proxy in absolute form (`GET http://host/path`),
//! with `Proxy-Authorization` when credentials are set. SOCKS5 uses hyper-util's `SocksV5`.
//! The connect timeout covers reaching the proxy, the tunnel or SOCKS handshake and TLS.
//!
//! In code: [`HyperTransportBuilder::proxy`] (overrides the environment),
//! [`no_proxy`](HyperTransportBuilder::no_proxy),
//! [`proxy_basic_auth`](HyperTransportBuilder::proxy_basic_auth),
//! [`proxy_from_env`](HyperTransportBuilder::proxy_from_env)`(false)` to read nothing, and
//! [`env_lookup`](HyperTransportBuilder::env_lookup) to read a map instead of the process
//! environment. [`HyperTransport::proxy_for`] says which proxy a URI would take. Proxy
//! credentials never appear in `Debug`, errors or `proxy_for` (`http://***@host:port`: neither the user name nor the password).
//!
//! A failing proxy is a connect error with [`TransportError::is_proxy`]: one that cannot be
//! reached is named by `host:port` (not the service); a 407 reads "the proxy requires
//! authentication (407)…"; a refused tunnel gives the proxy's status ("the proxy refused the
//! tunnel: 403 Forbidden").
//!
//! # Trusted certificates
//!
//! Mozilla's roots are bundled ([`RootCertificates::Bundled`], the default). Besides them,
//! [`HyperTransportBuilder::add_root_certificates_pem`] trusts a PEM bundle (a private CA;
//! the CLI's `--ca-cert FILE`) and [`HyperTransportBuilder::add_root_certificate`] one DER
//! certificate. Environment variables about certificates:
//!
//! - with the bundled roots (default features): none; `SSL_CERT_FILE` and `SSL_CERT_DIR` are
//!   **not** read;
//! - with feature `native-roots` and `RootCertificates::Platform`: `rustls-native-certs`
//!   reads `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR` (`:`-separated directories);
//!   when either is set, the certificates come from there **instead of** the platform's
//!   store.
//!
//! # Errors that say what to check
//!
//! A name that does not resolve: "cannot resolve the host … ; check the endpoint". TLS to a
//! server that speaks plain HTTP: "the server did not answer TLS; is the endpoint http://?".
//! An untrusted certificate names `add_root_certificates_pem` (and the CLI's `--ca-cert`).
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "hyper")]
mod classify;
#[cfg(feature = "hyper")]
mod connector;
mod error;
#[cfg(feature = "hyper")]
mod hyper_transport;
#[cfg(feature = "hyper")]
mod proxy;
#[cfg(feature = "hyper")]
mod stale;
#[cfg(feature = "test-util")]
pub mod test_util;
#[cfg(feature = "hyper")]
mod tls;
mod transport;

pub use error::{BoxError, ErrorKind, TimeoutPhase, TransportError};
#[cfg(feature = "hyper")]
pub use hyper_transport::{HyperTransport, HyperTransportBuilder};
#[cfg(feature = "hyper")]
pub use tls::RootCertificates;
pub use transport::{BoxFuture, HttpTransport};
