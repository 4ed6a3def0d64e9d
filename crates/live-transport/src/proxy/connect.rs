//! The connector: directly, or through the proxy that [`Routes`] chooses, by an HTTP
//! CONNECT tunnel (hyper-util's [`Tunnel`]), a SOCKS5 handshake ([`SocksV5`]) or a plain
//! connection to an HTTP proxy (for `http://` endpoints, which hyper then sends in absolute
//! form). The hop to the proxy records what the proxy answered, for the error.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection};
use tower_service::Service;

use super::error::{DnsFailure, ProxyFailure};
use super::routes::Routes;
use super::settings::{ProxyScheme, ProxyTarget};
use crate::error::{chain_text, BoxError};
use crate::stale::{CheckedConnector, CheckedStream};

/// A connection of any kind, boxed.
pub(crate) trait Io: Read + Write + Connection + Unpin + Send {}
impl<T: Read + Write + Connection + Unpin + Send> Io for T {}

/// What [`ProxyConnector`] connects: directly (the stale-checked TCP stream) or through a
/// proxy.
pub(crate) enum ProxyStream {
    Direct(CheckedStream),
    Proxied {
        io: Box<dyn Io>,
        /// An `http://` endpoint through an HTTP proxy: requests go in absolute form.
        forward: bool,
    },
}

impl Connection for ProxyStream {
    fn connected(&self) -> Connected {
        match self {
            ProxyStream::Direct(io) => io.connected(),
            // Nothing of the hop (e.g. ALPN with a TLS proxy) carries over to the service.
            ProxyStream::Proxied { forward, .. } => Connected::new().proxy(*forward),
        }
    }
}

impl Read for ProxyStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_read(cx, buf),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_read(cx, buf),
        }
    }
}

impl Write for ProxyStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_write(cx, buf),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            ProxyStream::Direct(io) => io.is_write_vectored(),
            ProxyStream::Proxied { io, .. } => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_flush(cx),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ProxyStream::Direct(io) => Pin::new(io).poll_shutdown(cx),
            ProxyStream::Proxied { io, .. } => Pin::new(&mut **io).poll_shutdown(cx),
        }
    }
}

/// What happened on the hop to the proxy, for the error of a failed handshake (hyper-util's
/// tunnel and SOCKS errors do not say whether the proxy answered, nor with what status).
#[derive(Default)]
struct Record {
    connected: AtomicBool,
    /// The first line the proxy answered (the CONNECT status line), up to 1 KiB.
    head: Mutex<Vec<u8>>,
    /// Why the hop failed.
    error: Mutex<Option<String>>,
}

const RECORD_MAX: usize = 1024;

/// A stream that copies what is read into its [`Record`] until the first line is complete.
struct Recorded {
    io: Box<dyn Io>,
    record: Option<Arc<Record>>,
}

impl Read for Recorded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(record) = &this.record else {
            return Pin::new(&mut *this.io).poll_read(cx, buf);
        };
        let mut tmp = [0u8; 512];
        let n = tmp.len().min(buf.remaining());
        let mut rb = ReadBuf::new(&mut tmp[..n]);
        let polled = Pin::new(&mut *this.io).poll_read(cx, rb.unfilled());
        if let Poll::Ready(Ok(())) = polled {
            let filled = rb.filled();
            buf.put_slice(filled);
            let mut head = record.head.lock().unwrap_or_else(|e| e.into_inner());
            let room = RECORD_MAX.saturating_sub(head.len());
            head.extend_from_slice(&filled[..filled.len().min(room)]);
            if filled.is_empty() || head.contains(&b'\n') || head.len() >= RECORD_MAX {
                drop(head);
                this.record = None;
            }
        }
        polled
    }
}

impl Write for Recorded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_shutdown(cx)
    }
}

impl Connection for Recorded {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

/// The connection to the proxy itself: TCP (stale-checked), or TLS over it for `https://`
/// proxies. It notes in its [`Record`] whether it connected, and why not.
#[derive(Clone)]
struct Hop {
    plain: CheckedConnector,
    tls: Option<HttpsConnector<CheckedConnector>>,
    record: Arc<Record>,
    /// Record the first line read (the CONNECT answer).
    record_head: bool,
}

type HopFuture = Pin<Box<dyn Future<Output = Result<Box<dyn Io>, BoxError>> + Send>>;

impl Service<http::Uri> for Hop {
    type Response = Box<dyn Io>;
    type Error = BoxError;
    type Future = HopFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> HopFuture {
        let record = self.record.clone();
        let record_head = self.record_head;
        let connecting: HopFuture = match &mut self.tls {
            Some(tls) => {
                let f = tls.call(uri);
                Box::pin(async move { Ok(Box::new(f.await?) as Box<dyn Io>) })
            }
            None => {
                let f = self.plain.call(uri);
                Box::pin(async move { Ok(Box::new(f.await?) as Box<dyn Io>) })
            }
        };
        Box::pin(async move {
            match connecting.await {
                Ok(io) => {
                    record.connected.store(true, Ordering::SeqCst);
                    let record = record_head.then_some(record);
                    Ok(Box::new(Recorded { io, record }) as Box<dyn Io>)
                }
                Err(e) => {
                    let text = chain_text(&*e);
                    *record.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(text);
                    Err(e)
                }
            }
        })
    }
}

/// Connects directly or through the proxy that [`Routes`] chooses for the destination.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    pub(crate) direct: CheckedConnector,
    /// TLS to an `https://` proxy (HTTP/1.1 only).
    pub(crate) tls_hop: HttpsConnector<CheckedConnector>,
    pub(crate) routes: Arc<Routes>,
}

type ConnectFuture = Pin<Box<dyn Future<Output = Result<ProxyStream, BoxError>> + Send>>;

impl Service<http::Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = BoxError;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx)
    }

    fn call(&mut self, dst: http::Uri) -> ConnectFuture {
        let Some(target) = self.routes.route(&dst).cloned() else {
            let connecting = self.direct.call(dst);
            return Box::pin(async move { Ok(ProxyStream::Direct(connecting.await?)) });
        };
        let hop = Hop {
            plain: self.direct.clone(),
            tls: (target.scheme == ProxyScheme::Https).then(|| self.tls_hop.clone()),
            record: Arc::new(Record::default()),
            record_head: false,
        };
        Box::pin(connect_via(target, hop, dst))
    }
}

/// The destination with its port spelled out (the connectors assume 443 otherwise).
fn with_port(dst: &http::Uri) -> Result<(String, u16), BoxError> {
    let host = dst.host().ok_or("the URI has no host")?.to_string();
    let port = dst.port_u16().unwrap_or(match dst.scheme_str() {
        Some("http") => 80,
        _ => 443,
    });
    Ok((host, port))
}

async fn connect_via(
    target: ProxyTarget,
    mut hop: Hop,
    dst: http::Uri,
) -> Result<ProxyStream, BoxError> {
    let (host, port) = with_port(&dst)?;
    let record = hop.record.clone();
    let failed_hop = |e: BoxError| -> BoxError {
        let detail = record
            .error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Box::new(ProxyFailure::unreachable(&target, detail, e))
    };
    match target.scheme {
        ProxyScheme::Http | ProxyScheme::Https if dst.scheme_str() == Some("http") => {
            let io = hop.call(target.hop_uri()).await.map_err(failed_hop)?;
            Ok(ProxyStream::Proxied { io, forward: true })
        }
        ProxyScheme::Http | ProxyScheme::Https => {
            hop.record_head = true;
            let mut tunnel = Tunnel::new(target.hop_uri(), hop);
            if let Some(auth) = target.basic_auth() {
                tunnel = tunnel.with_auth(auth);
            }
            let authority: http::Uri = format!("https://{host}:{port}/").parse()?;
            match tunnel.call(authority).await {
                Ok(io) => Ok(ProxyStream::Proxied { io, forward: false }),
                Err(e) => {
                    if !record.connected.load(Ordering::SeqCst) {
                        return Err(failed_hop(Box::new(e)));
                    }
                    let head = record
                        .head
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .clone();
                    let status = status_line(&head);
                    Err(Box::new(match status {
                        Some((code @ (401 | 407), _)) => ProxyFailure::auth_required(&target, code),
                        Some((_, line)) => {
                            ProxyFailure::tunnel_refused(&target, &line, &host, port, Box::new(e))
                        }
                        None => ProxyFailure::tunnel_failed(&target, &host, port, Box::new(e)),
                    }))
                }
            }
        }
        ProxyScheme::Socks5 | ProxyScheme::Socks5h => {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let dst_host = if target.scheme == ProxyScheme::Socks5
                && bare.parse::<std::net::IpAddr>().is_err()
            {
                // socks5://: the client resolves the name (asynchronously, here, so that
                // hyper-util's SOCKS connector does not block on it).
                let addr = tokio::net::lookup_host((bare, port))
                    .await
                    .and_then(|mut addrs| {
                        addrs.next().ok_or_else(|| {
                            io::Error::new(io::ErrorKind::NotFound, "no address found")
                        })
                    })
                    .map_err(|source| DnsFailure {
                        host: bare.to_string(),
                        source,
                    })?;
                match addr.ip() {
                    std::net::IpAddr::V4(ip) => ip.to_string(),
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                }
            } else {
                host.clone()
            };
            let mut socks = SocksV5::new(target.hop_uri(), hop).local_dns(false);
            if let Some(user) = &target.user {
                socks = socks.with_auth(user.clone(), target.password.clone().unwrap_or_default());
            }
            let dst: http::Uri = format!("http://{dst_host}:{port}/").parse()?;
            match socks.call(dst).await {
                Ok(io) => Ok(ProxyStream::Proxied { io, forward: false }),
                Err(e) => {
                    if !record.connected.load(Ordering::SeqCst) {
                        return Err(failed_hop(Box::new(e)));
                    }
                    Err(Box::new(ProxyFailure::socks_failed(
                        &target,
                        &host,
                        port,
                        Box::new(e),
                    )))
                }
            }
        }
    }
}

/// The status code and `code reason` of an HTTP status line.
fn status_line(head: &[u8]) -> Option<(u16, String)> {
    let line = head.split(|&b| b == b'\n').next()?;
    let line = String::from_utf8_lossy(line);
    let mut parts = line.trim_end().splitn(2, ' ');
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let rest = parts.next()?.trim();
    let code = rest.get(..3)?.parse::<u16>().ok()?;
    // Control characters from the proxy are not shown.
    let shown: String = rest.chars().filter(|c| !c.is_control()).take(100).collect();
    Some((code, shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_read() {
        assert_eq!(
            status_line(b"HTTP/1.1 403 Forbidden\r\nX: y\r\n"),
            Some((403, "403 Forbidden".to_string()))
        );
        assert_eq!(
            status_line(b"HTTP/1.0 407 Proxy Authentication Required\r\n"),
            Some((407, "407 Proxy Authentication Required".to_string()))
        );
        assert_eq!(status_line(b"garbage"), None);
    }
}
