//! Connections: the TLS set-up, the accept loop, and serving one connection, plain or TLS,
//! with one shutdown path for both.
//!
//! Hostile input: a failed accept (out of file descriptors, or anything else) pauses the loop
//! with a growing, bounded pause and one warning per episode ([`crate::backoff`]); at most
//! `max_connections` are open at once, and a connection beyond them is accepted and closed at
//! once, counted and logged once per episode; each connection has a header-read and an idle
//! timeout ([`crate::timeouts`]).
//!
//! Shutdown is one signal, a `watch` flag set by [`crate::Emulator::shutdown`] (or its drop).
//! The accept loop stops accepting; each connection, whatever its transport, stops its TLS
//! handshake or finishes the request in flight and closes; the loop waits up to
//! [`SHUTDOWN_GRACE`] for them and aborts the rest.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::backoff::AcceptBackoff;
use crate::config::TlsConfig;
use crate::error::EmulatorError;
use crate::request::handle;
use crate::state::State;
use crate::timeouts::{Activity, Timeouts, Tracked};

/// How long shutdown waits for connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a client may take for its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection closed by a timeout may take to say goodbye (HTTP/2's GOAWAY).
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// The target of the emulator's log lines.
const TARGET: &str = "live_emulator";

/// The per-connection limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) timeouts: Timeouts,
    pub(crate) max_connections: usize,
}

/// A self-signed certificate for `localhost`, `127.0.0.1` and the listening address, and an
/// acceptor that serves it (h2 and http/1.1). Returns the certificate (DER) too.
pub(crate) fn tls_acceptor(
    tls: &TlsConfig,
    addr: SocketAddr,
) -> Result<(tokio_rustls::TlsAcceptor, Vec<u8>), EmulatorError> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !addr.ip().is_unspecified() {
        names.push(addr.ip().to_string());
    }
    let cert = rcgen::generate_simple_self_signed(names)
        .map_err(|e| EmulatorError::Tls(format!("cannot generate a certificate: {e}")))?;
    let der = cert.cert.der().to_vec();
    if let Some(path) = &tls.cert_out {
        std::fs::write(path, cert.cert.pem())
            .map_err(|e| EmulatorError::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EmulatorError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![der.clone().into()], key)
        .map_err(|e| EmulatorError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), der))
}

/// Accepts connections until `stopped` turns true (or its sender is gone), then waits for the
/// open ones as described in the module docs.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<State>,
    limits: Limits,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let mut backoff = AcceptBackoff::default();
    let mut at_cap = false;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    if let Some(failures) = backoff.succeeded() {
                        tracing::info!(target: TARGET, failures, "accepting connections again");
                    }
                    if state.open.load(Ordering::Relaxed) >= limits.max_connections {
                        // Refused: closed at once, before anything is read or written.
                        drop(tcp);
                        state.refused.fetch_add(1, Ordering::Relaxed);
                        if !at_cap {
                            at_cap = true;
                            tracing::warn!(
                                target: TARGET,
                                max_connections = limits.max_connections,
                                "connection cap reached: new connections are closed at once \
                                 (logged once until one is served again)"
                            );
                        }
                        continue;
                    }
                    at_cap = false;
                    state.connections.fetch_add(1, Ordering::Relaxed);
                    let open = Open::new(state.clone());
                    let (tls, state, stopped) = (tls.clone(), state.clone(), stopped.clone());
                    connections.spawn(async move {
                        connection(tcp, peer, tls, state, limits.timeouts, stopped).await;
                        drop(open);
                    });
                }
                Err(error) => {
                    let step = backoff.failed();
                    if step.log {
                        tracing::warn!(
                            target: TARGET,
                            %error,
                            "accept failed; retrying with a growing pause up to 1 s \
                             (logged once until an accept succeeds)"
                        );
                    }
                    // Stop waits for no pause.
                    tokio::select! {
                        _ = tokio::time::sleep(step.pause) => {}
                        _ = stop_signal(&mut stopped) => break,
                    }
                }
            },
            // Finished connections are reaped as they end.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = stop_signal(&mut stopped) => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    // Dropping the set aborts the connections still open.
}

/// One open connection, counted in `State::open` while it lives (also when its task is
/// aborted).
struct Open(Arc<State>);

impl Open {
    fn new(state: Arc<State>) -> Self {
        state.open.fetch_add(1, Ordering::Relaxed);
        Self(state)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Resolves once shutdown is asked for: the flag is true, or the emulator is gone. A receiver
/// cloned after the flag was set resolves at once.
async fn stop_signal(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// One accepted connection: the TLS handshake when there is TLS, then HTTP.
async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<State>,
    timeouts: Timeouts,
    mut stopped: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    match tls {
        None => serve(tcp, false, peer, state, timeouts, stopped).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
            let stream = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(_)) | Err(_) => return,
                },
                _ = stop_signal(&mut stopped) => return,
            };
            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
            serve(stream, h2, peer, state, timeouts, stopped).await;
        }
    }
}

/// Serves HTTP/1.1 or HTTP/2 on `io` until the client closes, a fault drops the connection,
/// a timeout closes it, or shutdown: then the request in flight finishes and the connection
/// closes. `h2`: ALPN chose HTTP/2.
async fn serve<I>(
    io: I,
    h2: bool,
    peer: SocketAddr,
    state: Arc<State>,
    timeouts: Timeouts,
    mut stopped: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Activity::new(h2);
    let busy = activity.clone();
    let svc = hyper::service::service_fn(move |req| {
        let request = busy.begin();
        let answer = handle(state.clone(), peer, req);
        async move {
            let answer = answer.await;
            drop(request);
            answer
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(TokioIo::new(Tracked::new(io, activity.clone())), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        why = activity.expired(timeouts) => {
            tracing::debug!(target: TARGET, %peer, reason = why.name(), "connection closed");
            // No request is in flight. HTTP/2 gets to send GOAWAY; HTTP/1.1 (perhaps halfway
            // through a head) is simply closed.
            if activity.is_h2() {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(CLOSE_GRACE, conn).await;
            }
        }
        _ = stop_signal(&mut stopped) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
