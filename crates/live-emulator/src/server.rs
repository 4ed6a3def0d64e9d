//! The HTTP server: the gateway's checks in the real order, the four actions, faults, the
//! admin path, and one log line per request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use live_model::{
    encode, CreatePullRecordTaskRequest, CreatePullRecordTaskResult, ErrorBody, ErrorCode,
    GetPullRecordTaskRequest, GetPullRecordTaskResult, GetShape, ListPullRecordTaskRequest,
    Operation, ResponseMetadata, StopPullRecordTaskRequest, API_VERSION,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use volc_sign::{Credentials, Verifier};

use crate::clock::Clock;
use crate::config::{EmulatorConfig, TlsConfig};
use crate::faults::{FaultKind, FaultRule, Faults};
use crate::store::{Failure, Store};
use crate::EmulatorError;

/// The largest request body read.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// The admin path prefix; the API itself only uses `/`.
pub const ADMIN_PREFIX: &str = "/__emulator/";

const ACTIONS: [&str; 4] = [
    live_model::Action::GetPullRecordTask.name(),
    live_model::Action::CreatePullRecordTask.name(),
    live_model::Action::ListPullRecordTask.name(),
    live_model::Action::StopPullRecordTask.name(),
];

fn rate_limit_of(action: &str) -> u32 {
    live_model::Action::from_name(action).map_or(0, live_model::Action::rate_limit_per_sec)
}

/// Requests counted per (access key, action): the current second and the count in it.
type RateWindows = HashMap<(String, &'static str), (u64, u32)>;

struct State {
    verifier: Verifier<HashMap<String, Credentials>>,
    accounts: HashMap<String, String>,
    store: Mutex<Store>,
    rates: Mutex<RateWindows>,
    faults: Arc<Faults>,
    clock: Arc<dyn Clock>,
    get_shape: GetShape,
    rate_limit: bool,
    counter: AtomicU64,
    salt: u64,
    connections: AtomicU64,
}

/// A running emulator. Dropping it stops it (in the background); [`Emulator::shutdown`] stops
/// it and waits.
pub struct Emulator {
    addr: SocketAddr,
    scheme: &'static str,
    certificate_der: Option<Vec<u8>>,
    state: Arc<State>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator (inside a Tokio runtime) and returns once it listens.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), live_emulator::EmulatorError> {
    /// use live_emulator::{Emulator, EmulatorConfig};
    ///
    /// let emulator = Emulator::start(EmulatorConfig::new()).await?;
    /// assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
    /// emulator.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(config: EmulatorConfig) -> Result<Self, EmulatorError> {
        let owner = config
            .credentials
            .first()
            .map(|c| c.account.clone())
            .ok_or_else(|| EmulatorError::Config("at least one credential is needed".into()))?;
        let mut keys = HashMap::new();
        let mut accounts = HashMap::new();
        for c in &config.credentials {
            let mut creds = Credentials::new(&*c.access_key_id, &*c.secret_key).map_err(|e| {
                EmulatorError::Config(format!("credential {}: {e}", c.access_key_id))
            })?;
            if let Some(token) = &c.session_token {
                creds = creds.with_session_token(&**token).map_err(|e| {
                    EmulatorError::Config(format!("credential {}: {e}", c.access_key_id))
                })?;
            }
            keys.insert(c.access_key_id.clone(), creds);
            accounts.insert(c.access_key_id.clone(), c.account.clone());
        }
        let store = Store::new(
            &config.seed,
            &owner,
            config.domains.clone(),
            config.clock.now(),
        )?;
        let state = Arc::new(State {
            verifier: Verifier::new(keys)
                .max_skew(config.max_skew)
                .expect_service(live_model::SERVICE),
            accounts,
            store: Mutex::new(store),
            rates: Mutex::new(HashMap::new()),
            faults: Arc::new(Faults::default()),
            clock: config.clock.clone(),
            get_shape: config.get_shape,
            rate_limit: config.rate_limit,
            counter: AtomicU64::new(0),
            salt: fastrand::u64(..) & 0xFF_FFFF,
            connections: AtomicU64::new(0),
        });
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| EmulatorError::Io(format!("cannot listen on {}: {e}", config.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| EmulatorError::Io(e.to_string()))?;
        let (acceptor, certificate_der) = match &config.tls {
            Some(tls) => {
                let (acceptor, der) = tls_acceptor(tls, addr)?;
                (Some(acceptor), Some(der))
            }
            None => (None, None),
        };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, acceptor, state.clone(), stopped));
        Ok(Self {
            addr,
            scheme: if config.tls.is_some() {
                "https"
            } else {
                "http"
            },
            certificate_der,
            state,
            stop,
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or `https://…` with TLS): the endpoint to give a client.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The faults waiting to fire; push rules here to inject them.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Adds a fault rule (shorthand for `faults().push(rule)`).
    pub fn inject(&self, rule: FaultRule) {
        self.state.faults.push(rule);
    }

    /// With TLS: the self-signed certificate (DER), for a client to trust.
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.certificate_der.as_deref()
    }

    /// How many tasks the store holds, over all accounts.
    pub fn task_count(&self) -> usize {
        self.state
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many connections it has accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.state.connections.load(Ordering::Relaxed)
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), and returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn tls_acceptor(
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

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<State>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(_) => continue,
            },
            _ = stopped.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        state.connections.fetch_add(1, Ordering::Relaxed);
        let state = state.clone();
        let svc = hyper::service::service_fn(move |req| handle(state.clone(), peer, req));
        let builder = auto::Builder::new(TokioExecutor::new());
        match &tls {
            None => {
                let conn = builder
                    .serve_connection(TokioIo::new(tcp), svc)
                    .into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
                    else {
                        return;
                    };
                    let conn = builder.serve_connection(TokioIo::new(stream), svc);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stopped.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// Aborts the connection without an answer (the close-connection fault).
#[derive(Debug)]
struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by an injected fault")
    }
}

impl std::error::Error for Abort {}

type Reply = http::Response<Full<Bytes>>;

fn reply(status: u16, body: Vec<u8>, content_type: &'static str) -> Reply {
    let mut r = http::Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    r
}

/// What a handled request produced, for the log line.
struct Outcome {
    reply: Reply,
    code: Option<String>,
}

impl State {
    fn request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let secs = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let t = time::OffsetDateTime::from_unix_timestamp(secs as i64)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{:012X}{:06X}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            n,
            self.salt
        )
    }

    fn metadata(&self, request_id: &str, action: &str) -> ResponseMetadata {
        let mut m = ResponseMetadata::new(request_id, action);
        if action.is_empty() {
            m.action.clear();
        }
        m
    }

    fn error(
        &self,
        request_id: &str,
        action: &str,
        code: &ErrorCode,
        status: Option<u16>,
        message: impl Into<String>,
    ) -> Outcome {
        let status = status.or_else(|| code.documented_status()).unwrap_or(500);
        let meta = self
            .metadata(request_id, action)
            .with_error(ErrorBody::new(code, message));
        Outcome {
            reply: reply(status, encode::<()>(&meta, None), "application/json"),
            code: Some(code.as_str().to_owned()),
        }
    }

    fn success<T: Serialize>(&self, request_id: &str, action: &str, result: Option<&T>) -> Outcome {
        Outcome {
            reply: reply(
                200,
                encode(&self.metadata(request_id, action), result),
                "application/json",
            ),
            code: None,
        }
    }

    /// Fixed one-second windows per access key and action, on the emulator's clock.
    fn over_rate_limit(&self, access_key_id: &str, action: &'static str) -> bool {
        if !self.rate_limit {
            return false;
        }
        let second = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut rates = self.rates.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = rates
            .entry((access_key_id.to_owned(), action))
            .or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        entry.1 += 1;
        entry.1 > rate_limit_of(action)
    }
}

async fn handle(
    state: Arc<State>,
    peer: SocketAddr,
    req: http::Request<Incoming>,
) -> Result<Reply, Abort> {
    if req.uri().path().starts_with(ADMIN_PREFIX) {
        return Ok(admin(&state, peer, req).await);
    }
    let request_id = state.request_id();
    let (parts, body) = req.into_parts();
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect::<HashMap<String, String>>()
        })
        .unwrap_or_default();
    let action = query.get("Action").cloned().unwrap_or_default();
    let mut access_key = String::new();
    let version = query.get("Version").map(String::as_str);
    let outcome = match (ACTIONS.iter().find(|a| **a == action), version) {
        _ if action.is_empty() || version.is_none() => state.error(
            &request_id,
            &action,
            &ErrorCode::MissingParameter,
            None,
            "Action and Version must be given in the query",
        ),
        (Some(&action), Some(API_VERSION)) => {
            let body = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => {
                    let o = state.error(
                        &request_id,
                        action,
                        &ErrorCode::InvalidParam,
                        Some(413),
                        "the request body is larger than 1 MiB or was cut off",
                    );
                    log(action, "", &request_id, &o);
                    return Ok(o.reply);
                }
            };
            match gateway(&state, &request_id, action, &parts, &body, &mut access_key).await? {
                Some(o) => o,
                None => {
                    let account = state.accounts.get(&access_key).cloned().unwrap_or_default();
                    dispatch(&state, &request_id, action, &account, &body)
                }
            }
        }
        _ => state.error(
            &request_id,
            &action,
            &ErrorCode::InvalidActionOrVersion,
            None,
            format!(
                "Could not find operation {action} for version {}",
                version.unwrap_or_default()
            ),
        ),
    };
    log(&action, &access_key, &request_id, &outcome);
    Ok(outcome.reply)
}

/// Faults, signature, rate limit: `Some(outcome)` when the request stops here.
async fn gateway(
    state: &State,
    request_id: &str,
    action: &'static str,
    parts: &http::request::Parts,
    body: &[u8],
    access_key: &mut String,
) -> Result<Option<Outcome>, Abort> {
    if let Some(fault) = state.faults.take(action) {
        match fault {
            FaultKind::Delay { delay_ms } => {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            FaultKind::CloseConnection => return Err(Abort),
            FaultKind::Error {
                code,
                status,
                message,
            } => {
                return Ok(Some(state.error(
                    request_id,
                    action,
                    &ErrorCode::from_text(&code),
                    status,
                    message.unwrap_or_else(|| {
                        "an internal error occurred, please contact the administrator.".into()
                    }),
                )))
            }
            FaultKind::CommonErr => {
                return Ok(Some(state.error(
                    request_id,
                    action,
                    &ErrorCode::CommonErr,
                    Some(200),
                    "unclassified error",
                )))
            }
            FaultKind::TruncatedBody => {
                let meta = state.metadata(request_id, action);
                let full = encode::<()>(&meta, None);
                let half = full[..full.len() / 2].to_vec();
                return Ok(Some(Outcome {
                    reply: reply(200, half, "application/json"),
                    code: Some("(truncated body)".into()),
                }));
            }
            FaultKind::Html502 => {
                let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n".to_vec();
                return Ok(Some(Outcome {
                    reply: reply(502, html, "text/html"),
                    code: Some("(html 502)".into()),
                }));
            }
            FaultKind::Throttle { retry_after_secs } => {
                let mut o = state.error(
                    request_id,
                    action,
                    &ErrorCode::FlowLimitExceeded,
                    Some(429),
                    "the request rate is over the limit",
                );
                o.reply.headers_mut().insert(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from(retry_after_secs),
                );
                return Ok(Some(o));
            }
        }
    }
    match state.verifier.verify_parts(parts, body, state.clock.now()) {
        Ok(v) => *access_key = v.access_key_id,
        Err(e) => {
            // The key id is logged when it can be read, never anything secret.
            if let Some(auth) = parts
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|a| a.to_str().ok())
            {
                if let Ok(p) = volc_sign::parse_authorization(auth) {
                    *access_key = p.access_key_id.to_owned();
                }
            }
            let mut o = state.error(
                request_id,
                action,
                &ErrorCode::from_text(e.code()),
                Some(e.http_status()),
                e.message(),
            );
            o.code = Some(e.code().to_owned());
            return Ok(Some(o));
        }
    }
    if state.over_rate_limit(access_key, action) {
        let mut o = state.error(
            request_id,
            action,
            &ErrorCode::FlowLimitExceeded,
            Some(429),
            format!(
                "{action} is limited to {} requests per second per user",
                rate_limit_of(action)
            ),
        );
        o.reply
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(1u32));
        return Ok(Some(o));
    }
    Ok(None)
}

/// Reads a request body: malformed JSON or wrong types are `InvalidParam.BindError`, a missing
/// field is `InvalidParam` naming it, and the documented rules are checked.
fn parse<R: Operation + DeserializeOwned>(body: &[u8]) -> Result<R, Failure> {
    let bind = || {
        Failure::new(
            ErrorCode::InvalidParamBindError,
            "Request parameter error, please check input data",
        )
    };
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| bind())?;
    if !value.is_object() {
        return Err(bind());
    }
    let req: R = serde_json::from_value(value).map_err(|e| {
        let text = e.to_string();
        if text.starts_with("missing field") {
            Failure::new(ErrorCode::InvalidParam, text)
        } else {
            bind()
        }
    })?;
    req.validate()
        .map_err(|e| Failure::new(ErrorCode::InvalidParam, e.to_string()))?;
    Ok(req)
}

fn dispatch(
    state: &State,
    request_id: &str,
    action: &'static str,
    account: &str,
    body: &[u8],
) -> Outcome {
    let now: SystemTime = state.clock.now();
    let mut store = state.store.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(known) = live_model::Action::from_name(action) else {
        return state.error(
            request_id,
            action,
            &ErrorCode::InvalidActionOrVersion,
            None,
            "unknown action",
        );
    };
    let result: Result<Outcome, Failure> = match known {
        live_model::Action::GetPullRecordTask => parse::<GetPullRecordTaskRequest>(body)
            .and_then(|r| store.get(account, &r.task_id, now))
            .map(|task| {
                let result = GetPullRecordTaskResult::new(task, state.get_shape);
                state.success(request_id, action, Some(&result))
            }),
        live_model::Action::CreatePullRecordTask => parse::<CreatePullRecordTaskRequest>(body)
            .and_then(|r| store.create(account, &r, now))
            .map(|id| {
                state.success(
                    request_id,
                    action,
                    Some(&CreatePullRecordTaskResult::new(id)),
                )
            }),
        live_model::Action::ListPullRecordTask => parse::<ListPullRecordTaskRequest>(body)
            .map(|r| store.list(account, &r, now))
            .map(|page| state.success(request_id, action, Some(&page))),
        live_model::Action::StopPullRecordTask => parse::<StopPullRecordTaskRequest>(body)
            .and_then(|r| store.stop(account, &r.task_id, now))
            .map(|()| state.success::<()>(request_id, action, None)),
    };
    drop(store);
    result.unwrap_or_else(|f| state.error(request_id, action, &f.code, None, f.message))
}

fn log(action: &str, access_key: &str, request_id: &str, outcome: &Outcome) {
    tracing::info!(
        action,
        access_key_id = access_key,
        status = outcome.reply.status().as_u16(),
        code = outcome.code.as_deref().unwrap_or("-"),
        request_id,
        "request"
    );
}

async fn admin(state: &State, peer: SocketAddr, req: http::Request<Incoming>) -> Reply {
    if !peer.ip().is_loopback() {
        return reply(
            403,
            b"the admin path answers loopback clients only\n".to_vec(),
            "text/plain",
        );
    }
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    match (method.as_str(), path.as_str()) {
        ("GET", "/__emulator/health") => {
            let tasks = state
                .store
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len();
            let body = serde_json::json!({"ok": true, "tasks": tasks, "pending_faults": state.faults.len()});
            reply(200, body.to_string().into_bytes(), "application/json")
        }
        ("POST", "/__emulator/faults") => {
            let body = match Limited::new(req.into_body(), 64 * 1024).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return reply(400, b"body too large\n".to_vec(), "text/plain"),
            };
            match serde_json::from_slice::<FaultRule>(&body) {
                Ok(rule) => {
                    state.faults.push(rule);
                    reply(200, br#"{"ok":true}"#.to_vec(), "application/json")
                }
                Err(e) => reply(
                    400,
                    format!("not a fault rule: {e}\n").into_bytes(),
                    "text/plain",
                ),
            }
        }
        ("DELETE", "/__emulator/faults") => {
            state.faults.clear();
            reply(200, br#"{"ok":true}"#.to_vec(), "application/json")
        }
        _ => reply(404, b"unknown admin path\n".to_vec(), "text/plain"),
    }
}
