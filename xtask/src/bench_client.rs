//! `cargo xtask bench client [--endpoint URL] [--concurrency C] [--requests N] [--rounds R]
//! [--ak AK --sk SK] [--task-id ID] [--side client|handwritten|replay]`: GetPullRecordTask
//! through `LiveClient`, beside two references: a hand-written client doing the same work, and
//! a bare hyper-util client replaying a pre-signed request.
//!
//! Without `--endpoint`, it starts the emulator (rate limits off) in this process and then, for
//! each concurrency (`--concurrency C`, else 1 and 64), runs `R` rounds (default 5) of each of
//! the three sides, each round in a child process of its own started the same way: one Tokio
//! runtime with one worker, the same concurrency, the same number of calls after the same
//! warm-up (a tenth of them, on the same pooled keep-alive connections, `TCP_NODELAY` on
//! all). The order of the sides turns by one each round, so none always goes first or last.
//! It prints one line per concurrency with the median calls/s of each side and ratios of the
//! medians:
//!
//! - `calls_per_sec`, `p50_us`, `p99_us`, `peak_rss_mib`: the client (`LiveClient`, retries
//!   and pacing off, no tracing subscriber). The percentiles are medians over the rounds, each
//!   round's taken from a histogram of fixed size (see [`drive`]); `peak_rss_mib` is the
//!   largest peak RSS of its rounds.
//! - `handwritten_calls_per_sec`, `handwritten_p50_us` and `ratio_handwritten` (client /
//!   hand-written): the fair baseline. The hand-written side does by hand what the client
//!   does, with the same crates' public APIs and nothing more: for every call it serializes
//!   the same `GetPullRecordTaskRequest` into the JSON body of the same POST (`Host`,
//!   `Content-Type`, `Accept`, `User-Agent`, the query `Action` and `Version`), signs it with
//!   a `volc_sign::Signer` (signing key cached, as the client's) at a fresh `X-Date` read from
//!   the system clock, sends it with a hyper-util client set up as `HyperTransport` sets up
//!   its own (keep-alive pool of 128 idle connections per host kept 90 s, `TCP_NODELAY`,
//!   connect timeout 5 s, HTTP/1.1 over plain http), reads the body under a 4 MiB bound and
//!   decodes it with `live_model::decode_for` into a `GetPullRecordTaskResult`. It has no
//!   retries, pacing, deadlines, credential provider or tracing: the ratio is the price of
//!   those and of the client's own structure.
//! - `bare_calls_per_sec`, `bare_p50_us`, and `ratio` = `ratio_replay` (client / replay): the
//!   replay reference, as before. One call of a `LiveClient` with the same settings is
//!   captured (method, URI, every header including `Authorization` and `X-Date`, body) and
//!   replayed with a bare hyper-util client; it does not sign, encode or decode. `ratio` keeps
//!   this meaning and equals `ratio_replay`.
//! - `errors`: failed calls over all sides and rounds.
//!
//! With `--endpoint`, it makes one measurement of one side (`--side`, default `client`;
//! `bare` is another name for `replay`) against that endpoint (credentials from `--ak/--sk`,
//! else the environment's `VOLCENGINE_ACCESS_KEY` and `VOLCENGINE_SECRET_KEY`) and prints
//! it; this is what each child round runs.

use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use live_api::retry::StandardRetry;
use live_api::{Credentials, LiveClient, LiveClientBuilder};
use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use live_model::{GetPullRecordTaskRequest, GetPullRecordTaskResult, Response};
use live_transport::{BoxFuture, HttpTransport, HyperTransport, TransportError};
use volc_sign::{canonical_query_string, Scope, Signer, SigningTime};

use crate::load::{drive, median, runtime, LoadResult, GET_RESPONSE};

const DEFAULT_CONCURRENCIES: [usize; 2] = [1, 64];
const DEFAULT_ROUNDS: usize = 5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Client,
    Handwritten,
    Replay,
}

impl Side {
    const ALL: [Side; 3] = [Side::Client, Side::Handwritten, Side::Replay];

    fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Handwritten => "handwritten",
            Side::Replay => "replay",
        }
    }
}

struct Args {
    endpoint: Option<String>,
    concurrency: Option<usize>,
    requests: usize,
    rounds: usize,
    ak: Option<String>,
    sk: Option<String>,
    task_id: String,
    side: Side,
}

fn parse(args: &[&str]) -> Result<Args, String> {
    let mut a = Args {
        endpoint: None,
        concurrency: None,
        requests: 10_000,
        rounds: DEFAULT_ROUNDS,
        ak: None,
        sk: None,
        task_id: EXAMPLE_TASK_ID.to_owned(),
        side: Side::Client,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .map(|v| (*v).to_owned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match *flag {
            "--endpoint" => a.endpoint = Some(value()?),
            "--concurrency" => {
                a.concurrency = Some(
                    value()?
                        .parse()
                        .map_err(|_| "--concurrency takes a number")?,
                )
            }
            "--requests" => {
                a.requests = value()?.parse().map_err(|_| "--requests takes a number")?
            }
            "--rounds" => a.rounds = value()?.parse().map_err(|_| "--rounds takes a number")?,
            "--ak" => a.ak = Some(value()?),
            "--sk" => a.sk = Some(value()?),
            "--task-id" => a.task_id = value()?,
            "--side" => {
                a.side = match value()?.as_str() {
                    "client" => Side::Client,
                    "handwritten" => Side::Handwritten,
                    "replay" | "bare" => Side::Replay,
                    _ => return Err("--side takes client, handwritten or replay".into()),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if a.concurrency == Some(0) || a.requests == 0 || a.rounds == 0 {
        return Err("--concurrency, --requests and --rounds must be at least 1".into());
    }
    Ok(a)
}

/// Peak resident set of this process, in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn run(args: &[&str]) -> ExitCode {
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench client: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match &args.endpoint {
        Some(endpoint) => one_side(&args, endpoint).map(|line| println!("{line}")),
        None => with_emulator(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench client: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A `LiveClient` for `endpoint` with retries off; `transport` replaces the hyper transport.
fn client(
    args: &Args,
    endpoint: &str,
    transport: Option<Arc<dyn HttpTransport>>,
) -> Result<LiveClient, String> {
    let mut builder: LiveClientBuilder = LiveClient::builder()
        .endpoint(endpoint)
        .retry(StandardRetry::none())
        // The client's cost is measured, not the account's rate limits.
        .pacing(live_api::pacing::Pacing::Off)
        .allow_insecure_http(true);
    if let (Some(ak), Some(sk)) = (&args.ak, &args.sk) {
        builder = builder.credentials(Credentials::new(&**ak, &**sk).map_err(|e| e.to_string())?);
    }
    if let Some(t) = transport {
        builder = builder.transport(t);
    }
    builder.build().map_err(|e| e.to_string())
}

/// A transport that keeps the request it is given and answers with the documented body.
#[derive(Debug, Default)]
struct Capture(Mutex<Option<http::Request<Bytes>>>);

impl HttpTransport for Capture {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(request);
        Box::pin(async {
            Ok(http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Bytes::from_static(GET_RESPONSE.as_bytes()))
                .expect("static response"))
        })
    }
}

/// The signed request `LiveClient` sends for this GetPullRecordTask, exactly as sent.
async fn presigned(args: &Args, endpoint: &str) -> Result<http::Request<Bytes>, String> {
    let capture = Arc::new(Capture::default());
    let c = client(args, endpoint, Some(capture.clone()))?;
    c.get_pull_record_task()
        .task_id(args.task_id.clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let taken = capture.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    taken.ok_or_else(|| "the client sent nothing".to_owned())
}

/// The largest response body the hand-written side reads: `HyperTransport`'s default cap.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The hand-written side: what the client does for one GetPullRecordTask, by hand, with the
/// public APIs of volc-sign, hyper-util and live-model. Set up once; every call builds, signs,
/// sends and decodes afresh.
struct Handwritten {
    http: Client<HttpConnector, Full<Bytes>>,
    signer: Signer,
    credentials: volc_sign::Credentials,
    uri: http::Uri,
    host: http::HeaderValue,
    user_agent: http::HeaderValue,
    task_id: String,
}

impl Handwritten {
    fn new(args: &Args, endpoint: &str) -> Result<Self, String> {
        let env = |name: &str| std::env::var(name).ok();
        let (ak, sk) = match (&args.ak, &args.sk) {
            (Some(ak), Some(sk)) => (ak.clone(), sk.clone()),
            _ => match (env("VOLCENGINE_ACCESS_KEY"), env("VOLCENGINE_SECRET_KEY")) {
                (Some(ak), Some(sk)) => (ak, sk),
                _ => return Err("the handwritten side needs --ak and --sk, or VOLCENGINE_ACCESS_KEY and VOLCENGINE_SECRET_KEY".into()),
            },
        };
        let credentials = volc_sign::Credentials::new(ak, sk).map_err(|e| e.to_string())?;
        let signer = Signer::new(
            Scope::new(live_model::DEFAULT_REGION, live_model::SERVICE)
                .map_err(|e| e.to_string())?,
        );
        let query = canonical_query_string(&[
            ("Action", "GetPullRecordTask"),
            ("Version", live_model::API_VERSION),
        ]);
        let uri: http::Uri = format!("{}/?{query}", endpoint.trim_end_matches('/'))
            .parse()
            .map_err(|e| format!("{endpoint}: {e}"))?;
        let host = uri
            .authority()
            .ok_or_else(|| format!("{endpoint} has no host"))?
            .as_str()
            .parse()
            .map_err(|e| format!("{endpoint}: {e}"))?;
        // As HyperTransport: TCP_NODELAY, a connect timeout, a keep-alive pool with its idle
        // timeout and size; HTTP/1.1 (plain http has no ALPN).
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(HyperTransport::DEFAULT_CONNECT_TIMEOUT));
        let http = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(HyperTransport::DEFAULT_POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(HyperTransport::DEFAULT_POOL_MAX_IDLE_PER_HOST)
            .build(connector);
        Ok(Handwritten {
            http,
            signer,
            credentials,
            uri,
            host,
            user_agent: http::HeaderValue::from_static(concat!(
                "volc-live-rust/",
                env!("CARGO_PKG_VERSION"),
                " (handwritten)"
            )),
            task_id: args.task_id.clone(),
        })
    }

    /// One GetPullRecordTask: build the POST, sign it now, send it, read the body under its
    /// bound, decode it.
    async fn get(&self) -> Result<Response<GetPullRecordTaskResult>, String> {
        let body = serde_json::to_vec(&GetPullRecordTaskRequest::new(self.task_id.as_str()))
            .map_err(|e| e.to_string())?;
        let mut request = http::Request::new(Bytes::from(body));
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = self.uri.clone();
        let headers = request.headers_mut();
        headers.insert(http::header::HOST, self.host.clone());
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert(http::header::USER_AGENT, self.user_agent.clone());
        let time = SigningTime::from_system_time(SystemTime::now()).map_err(|e| e.to_string())?;
        self.signer
            .sign_http(&self.credentials, &mut request, time)
            .map_err(|e| e.to_string())?;
        let response = self
            .http
            .request(request.map(Full::new))
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        live_model::decode_for::<GetPullRecordTaskResult>("GetPullRecordTask", status, &body)
            .map_err(|e| e.to_string())
    }
}

/// A warm-up of `warm` calls, then the measured `requests` calls.
fn load<F, Fut>(
    rt: &tokio::runtime::Runtime,
    concurrency: usize,
    warm: usize,
    requests: usize,
    call: F,
) -> LoadResult
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    rt.block_on(async {
        drive(concurrency, warm, call.clone()).await;
        drive(concurrency, requests, call).await
    })
}

/// One measurement of one side: a warm-up of a tenth of the calls, then `requests` calls.
fn measure(args: &Args, endpoint: &str, concurrency: usize) -> Result<LoadResult, String> {
    let rt = runtime()?;
    let warm = (args.requests / 10).max(1);
    let n = args.requests;
    match args.side {
        Side::Client => {
            let client = client(args, endpoint, None)?;
            let task_id = args.task_id.clone();
            let call = move || {
                let (c, id) = (client.clone(), task_id.clone());
                async move { c.get_pull_record_task().task_id(id).send().await.is_ok() }
            };
            Ok(load(&rt, concurrency, warm, n, call))
        }
        Side::Handwritten => {
            let hand = Arc::new(Handwritten::new(args, endpoint)?);
            let call = move || {
                let hand = hand.clone();
                async move { hand.get().await.is_ok() }
            };
            Ok(load(&rt, concurrency, warm, n, call))
        }
        Side::Replay => {
            let template = Arc::new(rt.block_on(presigned(args, endpoint))?);
            let mut http = HttpConnector::new();
            http.set_nodelay(true);
            let client: Client<HttpConnector, Full<Bytes>> =
                Client::builder(TokioExecutor::new()).build(http);
            let call = move || {
                let (c, t) = (client.clone(), template.clone());
                async move {
                    let mut req = http::Request::new(Full::new(t.body().clone()));
                    *req.method_mut() = t.method().clone();
                    *req.uri_mut() = t.uri().clone();
                    *req.headers_mut() = t.headers().clone();
                    match c.request(req).await {
                        Ok(r) if r.status() == 200 => r.into_body().collect().await.is_ok(),
                        _ => false,
                    }
                }
            };
            Ok(load(&rt, concurrency, warm, n, call))
        }
    }
}

fn one_side(args: &Args, endpoint: &str) -> Result<String, String> {
    let concurrency = args.concurrency.unwrap_or(DEFAULT_CONCURRENCIES[1]);
    let r = measure(args, endpoint, concurrency)?;
    Ok(format!(
        "{{\"bench\":\"client\",\"side\":\"{}\",\"concurrency\":{},\"requests\":{},\"calls_per_sec\":{:.0},\"p50_us\":{:.1},\"p99_us\":{:.1},\"errors\":{},\"peak_rss_mib\":{:.1}}}",
        args.side.name(),
        concurrency,
        args.requests,
        r.calls_per_sec,
        r.p50_us,
        r.p99_us,
        r.errors,
        peak_rss_mib().unwrap_or(0.0)
    ))
}

/// Runs one round of `side` in a child process against `endpoint`.
fn child_round(
    args: &Args,
    endpoint: &str,
    concurrency: usize,
    side: Side,
) -> Result<serde_json::Value, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args([
            "bench",
            "client",
            "--endpoint",
            endpoint,
            "--side",
            side.name(),
            "--concurrency",
            &concurrency.to_string(),
            "--requests",
            &args.requests.to_string(),
            "--ak",
            DEMO_ACCESS_KEY_ID,
            "--sk",
            DEMO_SECRET_KEY,
            "--task-id",
            &args.task_id,
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    serde_json::from_str(&line).map_err(|e| format!("{e}: {line}"))
}

fn with_emulator(args: &Args) -> Result<(), String> {
    let server_rt = runtime()?;
    let emulator = server_rt
        .block_on(Emulator::start(EmulatorConfig::new().rate_limit(false)))
        .map_err(|e| e.to_string())?;
    let endpoint = emulator.base_url();
    let concurrencies = match args.concurrency {
        Some(c) => vec![c],
        None => DEFAULT_CONCURRENCIES.to_vec(),
    };
    for concurrency in concurrencies {
        // Each side's rounds, in the order of `Side::ALL`.
        let mut rounds: [Vec<serde_json::Value>; 3] = Default::default();
        // Turn the order by one each round, so no side always goes first or last.
        for round in 0..args.rounds {
            for k in 0..Side::ALL.len() {
                let i = (round + k) % Side::ALL.len();
                rounds[i].push(child_round(args, &endpoint, concurrency, Side::ALL[i])?);
            }
        }
        let [mine, hand, base] = &rounds;
        let field = |v: &[serde_json::Value], k: &str| -> Vec<f64> {
            v.iter().map(|r| r[k].as_f64().unwrap_or(0.0)).collect()
        };
        let peak =
            |v: &[serde_json::Value]| field(v, "peak_rss_mib").into_iter().fold(0.0, f64::max);
        let calls = median(field(mine, "calls_per_sec"));
        let hand_calls = median(field(hand, "calls_per_sec"));
        let bare_calls = median(field(base, "calls_per_sec"));
        let p50 = median(field(mine, "p50_us"));
        let p99 = median(field(mine, "p99_us"));
        let hand_p50 = median(field(hand, "p50_us"));
        let bare_p50 = median(field(base, "p50_us"));
        let (rss, hand_rss) = (peak(mine), peak(hand));
        let errors: f64 = rounds.iter().flat_map(|v| field(v, "errors")).sum();
        let ratio_replay = calls / bare_calls;
        println!(
            "{{\"bench\":\"client\",\"concurrency\":{concurrency},\"requests\":{},\"rounds\":{},\"calls_per_sec\":{calls:.0},\"p50_us\":{p50:.1},\"p99_us\":{p99:.1},\"peak_rss_mib\":{rss:.1},\"handwritten_calls_per_sec\":{hand_calls:.0},\"handwritten_p50_us\":{hand_p50:.1},\"handwritten_peak_rss_mib\":{hand_rss:.1},\"bare_calls_per_sec\":{bare_calls:.0},\"bare_p50_us\":{bare_p50:.1},\"ratio\":{ratio_replay:.3},\"ratio_handwritten\":{:.3},\"ratio_replay\":{ratio_replay:.3},\"errors\":{errors},\"bare\":\"hyper-util, pre-signed copy of the client's request\"}}",
            args.requests,
            args.rounds,
            calls / hand_calls,
        );
    }
    drop(emulator);
    Ok(())
}
