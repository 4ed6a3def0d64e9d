//! The hyper transport against real sockets on 127.0.0.1: pass-through, keep-alive, HTTP/2,
//! HTTPS trust, and every failure mode classified.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use live_transport::{ErrorKind, HttpTransport, HyperTransport, RootCertificates, TimeoutPhase};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the test server saw of a request.
#[derive(Debug, Clone)]
struct Seen {
    method: http::Method,
    uri: http::Uri,
    version: http::Version,
    headers: http::HeaderMap,
    body: Bytes,
}

/// A local server; it stops when dropped.
struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn response(status: u16, body: &'static str) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(status)
        .header("x-answer", "42")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

/// An HTTP/1.1 + HTTP/2 server, optionally TLS, answering every request with `status` (and a
/// `{}` body) after recording it.
async fn serve(tls: Option<tokio_rustls::TlsAcceptor>, status: u16) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (a, s) = (accepted.clone(), seen.clone());
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            a.fetch_add(1, Ordering::SeqCst);
            let seen = s.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                    let seen = seen.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        seen.lock().unwrap().push(Seen {
                            method: parts.method,
                            uri: parts.uri,
                            version: parts.version,
                            headers: parts.headers,
                            body,
                        });
                        Ok::<_, Infallible>(response(status, "{}"))
                    }
                });
                let builder = auto::Builder::new(TokioExecutor::new());
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(tcp).await {
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                    }
                    None => {
                        let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                    }
                }
            });
        }
    });
    Server {
        addr,
        accepted,
        seen,
        task,
    }
}

/// A server that answers one connection with `answer` (raw bytes) after reading the request,
/// then closes it.
async fn answer_once(answer: &'static [u8]) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let _ = s.write_all(answer).await;
    });
    (addr, task)
}

/// A GET of `url` with an empty body.
fn get(url: String) -> http::Request<Bytes> {
    http::Request::get(url).body(Bytes::new()).unwrap()
}

fn plain() -> HyperTransport {
    HyperTransport::builder()
        .allow_plain_http(true)
        .build()
        .unwrap()
}

/// A self-signed certificate for 127.0.0.1 and a TLS acceptor offering h2 and http/1.1.
fn tls_pair() -> (Vec<u8>, tokio_rustls::TlsAcceptor) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let der = cert.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der.clone().into()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    (der, tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

#[tokio::test]
async fn request_and_response_pass_through_unchanged() {
    let server = serve(None, 201).await;
    let t = plain();
    let req = http::Request::builder()
        .method("POST")
        .uri(format!(
            "http://{}/path/a%20b?Action=GetPullRecordTask&Version=2023-01-01",
            server.addr
        ))
        .header("content-type", "application/json")
        .header("x-date", "20240520T080910Z")
        .header("authorization", "HMAC-SHA256 Credential=x")
        .body(Bytes::from_static(br#"{"TaskID":"t"}"#))
        .unwrap();
    let resp = t.send(req).await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["x-answer"], "42");
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.body(), "{}");

    let seen = server.seen.lock().unwrap()[0].clone();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.uri.path(), "/path/a%20b");
    assert_eq!(
        seen.uri.query(),
        Some("Action=GetPullRecordTask&Version=2023-01-01")
    );
    assert_eq!(seen.headers["content-type"], "application/json");
    assert_eq!(seen.headers["x-date"], "20240520T080910Z");
    assert_eq!(seen.headers["authorization"], "HMAC-SHA256 Credential=x");
    assert_eq!(seen.body, br#"{"TaskID":"t"}"#.as_slice());
    assert_eq!(seen.version, http::Version::HTTP_11);
}

#[tokio::test]
async fn response_body_is_returned() {
    let (addr, task) =
        answer_once(b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello world").await;
    let resp = plain().send(get(format!("http://{addr}/"))).await.unwrap();
    assert_eq!(resp.body(), "hello world");
    task.await.unwrap();
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = serve(None, 200).await;
    let t = plain();
    for _ in 0..20 {
        let req = get(format!("http://{}/", server.addr));
        assert_eq!(t.send(req).await.unwrap().status(), 200);
    }
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(server.seen.lock().unwrap().len(), 20);
}

#[tokio::test]
async fn https_with_a_trusted_certificate_negotiates_http2() {
    let (der, acceptor) = tls_pair();
    let server = serve(Some(acceptor), 200).await;
    let t = HyperTransport::builder()
        .root_certificates(RootCertificates::Only(vec![der]))
        .build()
        .unwrap();
    for _ in 0..3 {
        let req = http::Request::get(format!("https://127.0.0.1:{}/h2", server.addr.port()))
            .body(Bytes::new())
            .unwrap();
        let resp = t.send(req).await.unwrap();
        assert_eq!(resp.version(), http::Version::HTTP_2);
    }
    assert_eq!(
        server.seen.lock().unwrap()[0].version,
        http::Version::HTTP_2
    );
    assert_eq!(
        server.accepted.load(Ordering::SeqCst),
        1,
        "one multiplexed connection"
    );

    // HTTP/2 off: HTTP/1.1 over TLS.
    let (der, acceptor) = tls_pair();
    let server = serve(Some(acceptor), 200).await;
    let t = HyperTransport::builder()
        .http2(false)
        .add_root_certificate(der)
        .build()
        .unwrap();
    let req = http::Request::get(format!("https://127.0.0.1:{}/", server.addr.port()))
        .body(Bytes::new())
        .unwrap();
    assert_eq!(t.send(req).await.unwrap().version(), http::Version::HTTP_11);
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_as_a_tls_connect_error() {
    let (_der, acceptor) = tls_pair();
    let server = serve(Some(acceptor), 200).await;
    let t = HyperTransport::new().unwrap();
    let req = http::Request::get(format!("https://127.0.0.1:{}/", server.addr.port()))
        .body(Bytes::new())
        .unwrap();
    let err = t.send(req).await.unwrap_err();
    assert!(err.is_connect(), "{err}");
    assert!(err.is_tls(), "{err:?}");
    assert!(!err.may_have_reached_server());
    assert!(server.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn plain_http_needs_permission_and_uris_must_be_absolute() {
    let t = HyperTransport::new().unwrap();
    let err = t
        .send(
            http::Request::get("http://127.0.0.1:9/")
                .body(Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(!err.may_have_reached_server());
    let err = t
        .send(http::Request::get("/relative").body(Bytes::new()).unwrap())
        .await
        .unwrap_err();
    assert!(err.is_invalid_request());
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = plain()
        .send(get(format!("http://127.0.0.1:{port}/")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err}");
    assert!(!err.is_tls());
    assert!(!err.may_have_reached_server());
    assert!(
        std::error::Error::source(&err).is_some(),
        "the source chain is kept"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_within_the_budget() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await; // read the request, answer nothing
            held.push(s);
        }
    });
    let t = HyperTransport::builder()
        .allow_plain_http(true)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let start = Instant::now();
    let err = t.send(get(format!("http://{addr}/"))).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Exchange));
    assert!(err.may_have_reached_server());
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "bounded by the budget"
    );
    hold.abort();
}

#[tokio::test]
async fn a_tls_handshake_that_never_completes_is_a_connect_timeout() {
    let silent = live_transport::test_util::SilentServer::start();
    let addr = silent.addr();
    let t = HyperTransport::builder()
        .connect_timeout(Duration::from_millis(200))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = t
        .send(
            http::Request::get(format!("https://127.0.0.1:{}/", addr.port()))
                .body(Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Connect));
    assert!(!err.may_have_reached_server());
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_an_io_error() {
    // The body is cut off: the server closes after 7 of 100 bytes.
    let (addr, task) = answer_once(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial").await;
    let err = plain()
        .send(get(format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(err.is_io(), "{err}");
    assert!(err.may_have_reached_server());
    task.await.unwrap();
}

#[tokio::test]
async fn a_declared_body_over_the_cap_is_refused_before_reading() {
    let (addr, task) =
        answer_once(b"HTTP/1.1 200 OK\r\ncontent-length: 1000000000\r\n\r\nxxxxxxxx").await;
    let t = HyperTransport::builder()
        .allow_plain_http(true)
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let err = t.send(get(format!("http://{addr}/"))).await.unwrap_err();
    assert!(err.is_response_too_large(), "{err}");
    task.await.unwrap();
}

#[tokio::test]
async fn a_streamed_body_over_the_cap_is_refused_without_reading_it_all() {
    const CHUNK: usize = 64 * 1024;
    const CHUNKS: usize = 1024; // 64 MiB offered
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let svc = hyper::service::service_fn(move |_req: http::Request<Incoming>| {
            let counter = counter.clone();
            async move {
                let body = CountingBody {
                    counter,
                    size: CHUNK,
                    left: CHUNKS,
                };
                Ok::<_, Infallible>(http::Response::new(body))
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(tcp), svc)
            .await;
    });
    let t = HyperTransport::builder()
        .allow_plain_http(true)
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    let err = t.send(get(format!("http://{addr}/"))).await.unwrap_err();
    assert!(err.is_response_too_large(), "{err}");
    let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    let produced = sent.load(Ordering::SeqCst);
    assert!(
        produced < CHUNK * CHUNKS / 2,
        "the server produced only {produced} bytes before the client gave up"
    );
}

/// A chunked body of `left` chunks of `size` bytes that counts what it produced.
struct CountingBody {
    counter: Arc<AtomicUsize>,
    size: usize,
    left: usize,
}

impl hyper::body::Body for CountingBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        self.left -= 1;
        self.counter.fetch_add(self.size, Ordering::SeqCst);
        std::task::Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'x'; self.size])))))
    }
}
