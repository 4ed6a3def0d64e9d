//! Test doubles (feature `test-util`): transports for tests that need no network.
//!
//! - [`CannedTransport`] answers with canned responses (or errors) in order and records every
//!   request it saw;
//! - [`NeverTransport`] never answers, for timeout tests;
//! - [`FailingTransport`] fails the first N calls with a chosen error kind, then delegates.
//!
//! ```
//! use bytes::Bytes;
//! use live_transport::test_util::{CannedTransport, FailingTransport};
//! use live_transport::{ErrorKind, HttpTransport};
//!
//! let canned = CannedTransport::new();
//! canned.push_response(http::Response::new(Bytes::from_static(b"{}")));
//! let flaky = FailingTransport::new(canned, 1, ErrorKind::Connect);
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! let first = rt.block_on(flaky.send(http::Request::new(Bytes::new())));
//! assert!(first.unwrap_err().is_connect());
//! let second = rt.block_on(flaky.send(http::Request::new(Bytes::new()))).unwrap();
//! assert_eq!(second.body(), "{}");
//! assert_eq!(flaky.inner().requests().len(), 1, "the failed call never reached it");
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;

use crate::{BoxFuture, ErrorKind, HttpTransport, TimeoutPhase, TransportError};

type Outcome = Result<http::Response<Bytes>, TransportError>;

/// Answers with queued responses (or errors) in order, and records the requests.
///
/// When the queue is empty it fails with [`ErrorKind::Other`].
#[derive(Default)]
pub struct CannedTransport {
    queue: Mutex<VecDeque<Outcome>>,
    seen: Mutex<Vec<http::Request<Bytes>>>,
}

impl CannedTransport {
    /// An empty transport.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues a response.
    pub fn push_response(&self, response: http::Response<Bytes>) -> &Self {
        self.push(Ok(response))
    }

    /// Queues a response with this status and body.
    pub fn push_status(&self, status: u16, body: impl Into<Bytes>) -> &Self {
        let mut response = http::Response::new(body.into());
        *response.status_mut() =
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        self.push(Ok(response))
    }

    /// Queues an error.
    pub fn push_error(&self, error: TransportError) -> &Self {
        self.push(Err(error))
    }

    fn push(&self, outcome: Outcome) -> &Self {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(outcome);
        self
    }

    /// The requests seen so far, in order.
    pub fn requests(&self) -> Vec<http::Request<Bytes>> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(clone_request)
            .collect()
    }

    /// How many answers are still queued.
    pub fn remaining(&self) -> usize {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

fn clone_request(r: &http::Request<Bytes>) -> http::Request<Bytes> {
    let mut out = http::Request::new(r.body().clone());
    *out.method_mut() = r.method().clone();
    *out.uri_mut() = r.uri().clone();
    *out.version_mut() = r.version();
    *out.headers_mut() = r.headers().clone();
    out
}

impl fmt::Debug for CannedTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CannedTransport")
            .field("remaining", &self.remaining())
            .finish_non_exhaustive()
    }
}

impl HttpTransport for CannedTransport {
    fn send(&self, request: http::Request<Bytes>) -> BoxFuture<'_, Outcome> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
        let next = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        Box::pin(async move {
            next.unwrap_or_else(|| {
                Err(TransportError::new(
                    ErrorKind::Other,
                    "CannedTransport has no response left",
                ))
            })
        })
    }
}

/// Never answers: every call stays pending until the caller gives up.
#[derive(Debug, Default)]
pub struct NeverTransport {
    calls: AtomicUsize,
}

impl NeverTransport {
    /// A transport that never answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many calls were made.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl HttpTransport for NeverTransport {
    fn send(&self, _request: http::Request<Bytes>) -> BoxFuture<'_, Outcome> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::pending())
    }
}

/// Fails the first `n` calls with an error of `kind`, then delegates to `inner`.
#[derive(Debug)]
pub struct FailingTransport<T> {
    inner: T,
    failures_left: AtomicUsize,
    kind: ErrorKind,
}

impl<T: HttpTransport> FailingTransport<T> {
    /// Fails `n` calls with `kind`, then delegates to `inner`.
    pub fn new(inner: T, n: usize, kind: ErrorKind) -> Self {
        Self {
            inner,
            failures_left: AtomicUsize::new(n),
            kind,
        }
    }

    /// The transport calls are delegated to.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// How many failures are still to come.
    pub fn failures_left(&self) -> usize {
        self.failures_left.load(Ordering::SeqCst)
    }
}

impl<T: HttpTransport> HttpTransport for FailingTransport<T> {
    fn send(&self, request: http::Request<Bytes>) -> BoxFuture<'_, Outcome> {
        let fail = self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if !fail {
            return self.inner.send(request);
        }
        let error = match self.kind {
            ErrorKind::Timeout => {
                TransportError::timeout(TimeoutPhase::Exchange, "injected timeout")
            }
            kind => TransportError::new(kind, "injected failure"),
        };
        Box::pin(async move { Err(error) })
    }
}
