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
//!   a transport that never answers, one that fails the first calls.
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

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;

mod error;
#[cfg(feature = "hyper")]
mod hyper_transport;
#[cfg(feature = "hyper")]
mod stale;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use error::{BoxError, ErrorKind, TimeoutPhase, TransportError};
#[cfg(feature = "hyper")]
pub use hyper_transport::{HyperTransport, HyperTransportBuilder, RootCertificates};

/// A boxed, `Send` future: what [`HttpTransport::send`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one HTTP request and returns the response with its body fully read.
///
/// Implementations must be cheap to share (`Send + Sync`), print no secret in `Debug` (the
/// requests they see carry `Authorization`), classify their failures as [`TransportError`]s
/// and say, when they fail, whether the request may have reached the server.
pub trait HttpTransport: Send + Sync + std::fmt::Debug {
    /// Sends `request` (an absolute URI) and reads the whole response.
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;
}

impl<T: HttpTransport + ?Sized> HttpTransport for Arc<T> {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        (**self).send(request)
    }
}

impl<T: HttpTransport + ?Sized> HttpTransport for Box<T> {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        (**self).send(request)
    }
}
