//! The header-read and idle timeouts of one connection, for HTTP/1.1 and HTTP/2 alike.
//!
//! A connection is in one of three phases:
//!
//! - **busy**: a request is being handled (its head has arrived). No timeout.
//! - **reading a head**: no request is being handled, and bytes of the next one have arrived
//!   (or the connection is new and has not sent its first request yet). The head must be
//!   complete within the header-read timeout, counted from its first byte (from the start, for
//!   the first request): a client that trickles its head is closed.
//! - **idle**: between requests, nothing arrived since the last answer. The connection is
//!   closed after the idle timeout, counted from that answer.
//!
//! On HTTP/2 the bytes that arrive between requests (pings, settings, window updates) do not
//! start a head; only the idle timeout applies there after the first request.
//!
//! hyper's own `header_read_timeout` is not used: hyper 1 keeps that timer running while an
//! idle keep-alive connection waits for its next request, so it would cap the idle timeout
//! too, and it covers neither HTTP/2 nor the protocol sniffing of hyper-util's auto builder.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Why a connection was closed by a timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// A request head did not arrive in full within the header-read timeout.
    HeaderRead,
    /// Nothing arrived within the idle timeout after the last answer.
    Idle,
}

impl Expiry {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::HeaderRead => "header read timeout",
            Self::Idle => "idle timeout",
        }
    }
}

/// The two timeouts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) header_read: Duration,
    pub(crate) idle: Duration,
}

/// What one connection is doing, shared by its I/O, its service and its watchdog.
#[derive(Debug)]
pub(crate) struct Activity {
    phase: Mutex<Phase>,
    changed: Notify,
}

#[derive(Debug)]
struct Phase {
    in_flight: usize,
    /// When the last answer left (or the connection started).
    idle_since: Instant,
    /// When the first byte of the head being read arrived.
    head_since: Option<Instant>,
    /// The connection speaks HTTP/2 (ALPN, or the prior-knowledge preface).
    h2: bool,
    /// Whether any byte was read yet (the first ones tell HTTP/2's preface).
    read_any: bool,
}

impl Activity {
    /// A new connection: its first request head is due within the header-read timeout.
    pub(crate) fn new(h2: bool) -> Arc<Self> {
        let now = Instant::now();
        Arc::new(Self {
            phase: Mutex::new(Phase {
                in_flight: 0,
                idle_since: now,
                head_since: Some(now),
                h2,
                read_any: false,
            }),
            changed: Notify::new(),
        })
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the connection speaks HTTP/2.
    pub(crate) fn is_h2(&self) -> bool {
        self.phase().h2
    }

    /// Bytes arrived.
    fn read(&self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut p = self.phase();
        if !p.read_any {
            p.read_any = true;
            p.h2 |= bytes.starts_with(b"PRI ");
        }
        if p.in_flight == 0 && p.head_since.is_none() && !p.h2 {
            p.head_since = Some(Instant::now());
            drop(p);
            self.changed.notify_waiters();
        }
    }

    /// A request's head arrived: the connection is busy until the guard is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> Busy {
        let mut p = self.phase();
        p.in_flight += 1;
        p.head_since = None;
        drop(p);
        self.changed.notify_waiters();
        Busy(self.clone())
    }

    /// When the connection expires if nothing changes, and why; none while it is busy.
    fn deadline(&self, t: Timeouts) -> Option<(Instant, Expiry)> {
        let p = self.phase();
        if p.in_flight > 0 {
            None
        } else if let Some(since) = p.head_since {
            Some((since + t.header_read, Expiry::HeaderRead))
        } else {
            Some((p.idle_since + t.idle, Expiry::Idle))
        }
    }

    /// Resolves when the connection has been too slow with a head, or idle too long.
    pub(crate) async fn expired(&self, t: Timeouts) -> Expiry {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match self.deadline(t) {
                None => changed.await,
                Some((at, why)) => {
                    if Instant::now() >= at {
                        return why;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = changed => {}
                    }
                }
            }
        }
    }
}

/// A request being handled; dropping it (its answer is ready) may make the connection idle.
pub(crate) struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut p = self.0.phase();
        p.in_flight = p.in_flight.saturating_sub(1);
        if p.in_flight == 0 {
            p.idle_since = Instant::now();
            p.head_since = None;
        }
        drop(p);
        self.0.changed.notify_waiters();
    }
}

/// A connection's I/O that reports the bytes it reads to its [`Activity`].
pub(crate) struct Tracked<I> {
    io: I,
    activity: Arc<Activity>,
}

impl<I> Tracked<I> {
    pub(crate) fn new(io: I, activity: Arc<Activity>) -> Self {
        Self { io, activity }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Tracked<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.activity.read(&buf.filled()[before..]);
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Tracked<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timeouts = Timeouts {
        header_read: Duration::from_secs(10),
        idle: Duration::from_secs(60),
    };

    #[tokio::test(start_paused = true)]
    async fn phases_and_their_deadlines() {
        let a = Activity::new(false);
        // New: the first head is due within the header-read timeout.
        assert_eq!(a.deadline(T).unwrap().1, Expiry::HeaderRead);
        let busy = a.begin();
        assert_eq!(a.deadline(T), None);
        // Bytes during a request (its body) change nothing.
        a.read(b"body");
        assert_eq!(a.deadline(T), None);
        drop(busy);
        let (at, why) = a.deadline(T).unwrap();
        assert_eq!(why, Expiry::Idle);
        assert_eq!(at, Instant::now() + T.idle);
        tokio::time::advance(Duration::from_secs(5)).await;
        a.read(b"G");
        let (at, why) = a.deadline(T).unwrap();
        assert_eq!(
            (at, why),
            (Instant::now() + T.header_read, Expiry::HeaderRead)
        );
        assert_eq!(a.expired(T).await, Expiry::HeaderRead);
    }

    #[tokio::test(start_paused = true)]
    async fn http2_between_requests_is_only_idle() {
        let a = Activity::new(false);
        a.read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert!(a.is_h2());
        drop(a.begin());
        a.read(b"a ping frame");
        assert_eq!(a.deadline(T).unwrap().1, Expiry::Idle);
        assert_eq!(a.expired(T).await, Expiry::Idle);
    }
}
