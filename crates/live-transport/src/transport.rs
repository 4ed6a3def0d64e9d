//! The transport trait and the future it returns.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::TransportError;

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
