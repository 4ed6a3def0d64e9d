//! Pooled connections that the server closed while they were idle.
//!
//! A server may close a keep-alive connection right after its last answer, without
//! `Connection: close`. The close then sits in the socket until the connection's task reads
//! it, and the pool may hand the dead connection to the next request. Writing that request
//! and then reading the close leaves the client unable to tell whether the server received
//! it, and RFC 9112 (9.3.1) forbids sending a non-idempotent request again blindly.
//!
//! So before the first write after a read (the start of the next request on a reused
//! connection) on a connection that has sat idle for [`IDLE_BEFORE_CHECK`] or more since
//! its last answer began, the socket is peeked without blocking. A close (or a reset) already
//! there means the server is gone and the request was not written: the write fails with
//! [`StaleConnection`], which [`crate::error::TransportError`] reports as not having
//! reached the server, and the transport sends the request again on a fresh connection. One
//! `recv` with `MSG_PEEK` per request after an idle spell; nothing when the connection is
//! fresh or busy.
//!
//! Why only after an idle spell: a server closes a kept-alive connection when it has sat idle
//! for its own keep-alive timeout (seconds, for the servers in use), so the connections that
//! are stale are idle ones. A connection taken again within a millisecond of its last answer
//! (every request, under load) is one whose close, if any, the runtime's reactor has had no
//! time to report either way; the peek there cost one system call per request and found
//! nothing.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::error::BoxError;

/// The server closed the pooled connection before the request was written (a marker in the
/// source chain of the write error).
#[derive(Debug)]
pub(crate) struct StaleConnection;

impl fmt::Display for StaleConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the server closed the pooled connection before the request was written")
    }
}

impl StdError for StaleConnection {}

/// How long a connection must have sat idle since its last answer began before a new
/// request on it checks for a close.
pub(crate) const IDLE_BEFORE_CHECK: Duration = Duration::from_millis(1);

/// Whether the write about to start a new request checks for a close first: when the last
/// answer began `IDLE_BEFORE_CHECK` or more ago.
fn worth_checking(answer_began: Instant, now: Instant) -> bool {
    now.saturating_duration_since(answer_began) >= IDLE_BEFORE_CHECK
}

/// A TCP stream that checks for a close already received before it starts a new request.
pub(crate) struct CheckedStream {
    io: TokioIo<TcpStream>,
    /// When the first read since the last write completed (the answer began): the next
    /// write starts a new request.
    read_since_write: Option<Instant>,
}

impl CheckedStream {
    /// Whether the peer has already closed (or reset) the connection. It asks the socket
    /// itself (a non-blocking `recv` with `MSG_PEEK`), not the runtime's cached readiness,
    /// which has not seen a close that arrived while the runtime was busy.
    fn closed_by_peer(&self) -> bool {
        let mut byte = [std::mem::MaybeUninit::<u8>::uninit(); 1];
        match socket2::SockRef::from(self.io.inner()).peek(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ),
        }
    }

    fn check_before_write(&mut self) -> io::Result<()> {
        let Some(answer_began) = self.read_since_write.take() else {
            return Ok(());
        };
        if worth_checking(answer_began, Instant::now()) && self.closed_by_peer() {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                StaleConnection,
            ));
        }
        Ok(())
    }
}

impl Read for CheckedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if polled.is_ready() && this.read_since_write.is_none() {
            this.read_since_write = Some(Instant::now());
        }
        polled
    }
}

impl Write for CheckedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check_before_write()?;
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check_before_write()?;
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

impl Connection for CheckedStream {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

/// `HttpConnector` whose connections are [`CheckedStream`]s.
#[derive(Clone)]
pub(crate) struct CheckedConnector {
    pub(crate) inner: HttpConnector,
}

impl tower_service::Service<http::Uri> for CheckedConnector {
    type Response = CheckedStream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<CheckedStream, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let connecting = self.inner.call(uri);
        Box::pin(async move {
            let io = connecting.await?;
            Ok(CheckedStream {
                io,
                read_since_write: None,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_connection_idle_since_its_answer_is_checked() {
        let began = Instant::now();
        assert!(!worth_checking(began, began));
        assert!(!worth_checking(began, began + Duration::from_micros(999)));
        assert!(worth_checking(began, began + IDLE_BEFORE_CHECK));
        assert!(worth_checking(began, began + Duration::from_secs(90)));
        // A clock read before the answer's (it cannot be, but) is not idle.
        assert!(!worth_checking(began + Duration::from_secs(1), began));
    }
}
