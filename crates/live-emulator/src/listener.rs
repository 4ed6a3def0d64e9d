//! Connections: the TLS set-up, the accept loop, and serving one connection, plain or TLS,
//! with one shutdown path for both.
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

use crate::config::TlsConfig;
use crate::request::handle;
use crate::state::State;
use crate::EmulatorError;

/// How long shutdown waits for connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a client may take for its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause after a failed accept (e.g. out of file descriptors), so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(10);

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
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    state.connections.fetch_add(1, Ordering::Relaxed);
                    connections.spawn(connection(
                        tcp,
                        peer,
                        tls.clone(),
                        state.clone(),
                        stopped.clone(),
                    ));
                }
                Err(_) => tokio::time::sleep(ACCEPT_ERROR_PAUSE).await,
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
    mut stopped: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    match tls {
        None => serve(tcp, peer, state, stopped).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
            let stream = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(_)) | Err(_) => return,
                },
                _ = stop_signal(&mut stopped) => return,
            };
            serve(stream, peer, state, stopped).await;
        }
    }
}

/// Serves HTTP/1.1 or HTTP/2 on `io` until the client closes, a fault drops the connection,
/// or shutdown: then the request in flight finishes and the connection closes.
async fn serve<I>(io: I, peer: SocketAddr, state: Arc<State>, mut stopped: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req| handle(state.clone(), peer, req));
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop_signal(&mut stopped) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
