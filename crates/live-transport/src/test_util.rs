//! Test doubles (feature `test-util`): transports for tests that need no network.
//!
//! - [`CannedTransport`] answers with canned responses (or errors) in order and records every
//!   request it saw;
//! - [`NeverTransport`] never answers, for timeout tests;
//! - [`FailingTransport`] fails the first N calls with a chosen error kind, then delegates;
//! - [`Tinyproxy`] runs a real tinyproxy on a loopback port, for tests of proxy settings
//!   (yours too: point your client at [`Tinyproxy::url`] and read [`Tinyproxy::log`]).
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

use crate::error::{ErrorKind, TimeoutPhase, TransportError};
use crate::transport::{BoxFuture, HttpTransport};

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

// ---------------------------------------------------------------- tinyproxy

static TINYPROXIES: AtomicUsize = AtomicUsize::new(0);

/// A real [tinyproxy](https://tinyproxy.github.io/) on a free `127.0.0.1` port, for tests of
/// proxy settings; it is killed, and its temporary directory removed, when dropped.
///
/// It allows clients from 127.0.0.1 only, forwards plain HTTP requests (absolute form), and
/// tunnels `CONNECT` to one port only (tinyproxy refuses a tunnel to any other port with a 403).
/// Its log ([`log`](Self::log)) shows each request line it received, e.g.
/// `GET http://127.0.0.1:8080/… HTTP/1.1` or `CONNECT localhost:8443 HTTP/1.1`.
///
/// When tinyproxy is not installed, [`start`](Self::start) prints why to stderr and returns
/// `None`, so the test can return early and pass; under CI (`CI=true`) it panics instead, so a
/// CI job that forgot to install it (`apt-get install -y tinyproxy`) cannot pass silently.
///
/// ```
/// use live_transport::test_util::Tinyproxy;
///
/// let Some(proxy) = Tinyproxy::start(8443, None) else {
///     return; // not installed (and not CI): nothing to test against
/// };
/// assert_eq!(proxy.url(), format!("http://127.0.0.1:{}", proxy.port()));
/// // … send requests through `proxy.url()`, then look at what tinyproxy saw:
/// assert!(!proxy.log().contains("CONNECT "));
/// ```
pub struct Tinyproxy {
    child: std::process::Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl fmt::Debug for Tinyproxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tinyproxy")
            .field("port", &self.port)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Tinyproxy {
    /// Starts tinyproxy allowing `CONNECT` to `connect_port` only, requiring basic auth with
    /// `basic_auth = Some((user, password))` (a missing or wrong credential is then a 407 or
    /// 401). Waits (up to 10 s) until tinyproxy itself says it accepts connections.
    ///
    /// The port is found by binding `127.0.0.1:0` and releasing it; another process may take
    /// it before tinyproxy binds it, and then tinyproxy exits: another port is tried (up to 8
    /// times). Readiness is read from tinyproxy's own log, not from a connection to the port,
    /// which could reach whoever took the port, or the probe itself (a TCP self-connect).
    ///
    /// `None`, after saying why on stderr, when tinyproxy is not installed, outside CI.
    ///
    /// # Panics
    ///
    /// When tinyproxy is not installed and `CI=true`; when it cannot be started or does not
    /// listen within 10 s (with its log in the message).
    pub fn start(connect_port: u16, basic_auth: Option<(&str, &str)>) -> Option<Self> {
        use std::process::{Command, Stdio};

        if Command::new("tinyproxy")
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("tinyproxy is not installed, and CI=true: install it (apt-get install -y tinyproxy)");
            }
            eprintln!("skipped: tinyproxy is not installed (apt-get install -y tinyproxy)");
            return None;
        }
        let mut last_log = String::new();
        for _ in 0..8 {
            let mut proxy = Self::spawn(connect_port, basic_auth);
            match proxy.wait_listening() {
                Ok(()) => return Some(proxy),
                Err(log) => last_log = log,
            }
        }
        panic!("tinyproxy did not start on a free port: {last_log}");
    }

    /// Writes a config for a fresh free port and starts tinyproxy in the foreground.
    fn spawn(connect_port: u16, basic_auth: Option<(&str, &str)>) -> Self {
        use std::process::{Command, Stdio};

        let dir = std::env::temp_dir().join(format!(
            "live-transport-tinyproxy-{}-{}",
            std::process::id(),
            TINYPROXIES.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory for tinyproxy");
        let port = {
            // A loopback port with nothing listening (bound, then released).
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
            l.local_addr().expect("its address").port()
        };
        let mut config = format!(
            "Port {port}\n\
             Listen 127.0.0.1\n\
             Timeout 30\n\
             MaxClients 32\n\
             Allow 127.0.0.1\n\
             ConnectPort {connect_port}\n\
             LogFile \"{}\"\n\
             LogLevel Info\n",
            dir.join("tinyproxy.log").display()
        );
        if let Some((user, password)) = basic_auth {
            config.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let conf = dir.join("tinyproxy.conf");
        std::fs::write(&conf, config).expect("tinyproxy's config written");
        let out = std::fs::File::create(dir.join("stdout.log")).expect("tinyproxy's output file");
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("tinyproxy's output file"))
            .stderr(out)
            .spawn()
            .expect("tinyproxy starts");
        Self { child, port, dir }
    }

    /// Waits (up to 10 s) until tinyproxy's log says it accepts connections; `Err(log)` when
    /// it exited first (its port was taken) or never said so.
    fn wait_listening(&mut self) -> Result<(), String> {
        use std::time::{Duration, Instant};

        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains("Accepting connections") {
                return Ok(());
            }
            if self.child.try_wait().ok().flatten().is_some() || Instant::now() >= deadline {
                return Err(format!("port {}: {log}", self.port));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its URL, `http://127.0.0.1:PORT` (without credentials).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its log file and its output so far.
    pub fn log(&self) -> String {
        let mut text = std::fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default();
        text.push_str(&std::fs::read_to_string(self.dir.join("stdout.log")).unwrap_or_default());
        text
    }
}

/// A TCP server on `127.0.0.1:0` that accepts connections, keeps them open and never sends a
/// byte: no HTTP answer, no TLS handshake, no CONNECT reply. For timeout tests; stopped when
/// dropped.
///
/// ```
/// let silent = live_transport::test_util::SilentServer::start();
/// let mut tcp = std::net::TcpStream::connect(silent.addr()).unwrap();
/// tcp.set_read_timeout(Some(std::time::Duration::from_millis(50))).unwrap();
/// let mut byte = [0u8; 1];
/// assert!(std::io::Read::read(&mut tcp, &mut byte).is_err(), "nothing ever comes");
/// ```
pub struct SilentServer {
    addr: std::net::SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl fmt::Debug for SilentServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SilentServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SilentServer {
    /// Starts it on a free loopback port.
    ///
    /// # Panics
    /// When no loopback port can be bound (a test set-up failure).
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(conn) = conn {
                    held.push(conn);
                }
            }
        });
        Self {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    /// Its address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
