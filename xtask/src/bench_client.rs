//! `cargo xtask bench client [--endpoint URL] [--concurrency C] [--requests N] [--rounds R]
//! [--ak AK --sk SK] [--task-id ID] [--side client|bare]`: GetPullRecordTask through
//! `LiveClient`, beside a bare hyper-util client sending the same signed request.
//!
//! Without `--endpoint`, it starts the emulator (rate limits off) in this process and then, for
//! each concurrency (`--concurrency C`, else 1 and 64), alternates `R` rounds (default 5) of
//! the client and `R` rounds of the bare client, each round in a child process of its own
//! started the same way: one Tokio runtime with one worker, the same concurrency, the same
//! number of calls after the same warm-up (a tenth of them, on the same pooled keep-alive
//! connections, `TCP_NODELAY` on both). It prints one line per concurrency with the median
//! calls/s of each side and the ratio of the medians.
//!
//! The bare side sends a pre-signed copy of the request the client signs: one call of a
//! `LiveClient` with the same settings is captured (method, URI, every header including
//! `Authorization` and `X-Date`, body) and replayed; it does not sign, encode or decode.
//!
//! With `--endpoint`, it makes one measurement of one side (`--side`, default `client`)
//! against that endpoint (credentials from `--ak/--sk`, else the environment) and prints it;
//! this is what each child round runs.

use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use live_api::retry::StandardRetry;
use live_api::{Credentials, LiveClient, LiveClientBuilder};
use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use live_transport::{BoxFuture, HttpTransport, TransportError};

use crate::load::{drive, median, runtime, LoadResult, GET_RESPONSE};

const DEFAULT_CONCURRENCIES: [usize; 2] = [1, 64];
const DEFAULT_ROUNDS: usize = 5;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Client,
    Bare,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Bare => "bare",
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
                    "bare" => Side::Bare,
                    _ => return Err("--side takes client or bare".into()),
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

/// One measurement of one side: a warm-up of a tenth of the calls, then `requests` calls.
fn measure(args: &Args, endpoint: &str, concurrency: usize) -> Result<LoadResult, String> {
    let rt = runtime()?;
    let warm = (args.requests / 10).max(1);
    match args.side {
        Side::Client => {
            let client = client(args, endpoint, None)?;
            let task_id = args.task_id.clone();
            let call = move || {
                let (c, id) = (client.clone(), task_id.clone());
                async move { c.get_pull_record_task().task_id(id).send().await.is_ok() }
            };
            Ok(rt.block_on(async {
                drive(concurrency, warm, call.clone()).await;
                drive(concurrency, args.requests, call).await
            }))
        }
        Side::Bare => {
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
            Ok(rt.block_on(async {
                drive(concurrency, warm, call.clone()).await;
                drive(concurrency, args.requests, call).await
            }))
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
        let (mut mine, mut base) = (Vec::new(), Vec::new());
        // Alternate which side goes first, so neither gains from the order.
        for round in 0..args.rounds {
            let order = if round % 2 == 0 {
                [Side::Bare, Side::Client]
            } else {
                [Side::Client, Side::Bare]
            };
            for side in order {
                let r = child_round(args, &endpoint, concurrency, side)?;
                match side {
                    Side::Client => mine.push(r),
                    Side::Bare => base.push(r),
                }
            }
        }
        let field = |v: &[serde_json::Value], k: &str| -> Vec<f64> {
            v.iter().map(|r| r[k].as_f64().unwrap_or(0.0)).collect()
        };
        let calls = median(field(&mine, "calls_per_sec"));
        let bare_calls = median(field(&base, "calls_per_sec"));
        let p50 = median(field(&mine, "p50_us"));
        let p99 = median(field(&mine, "p99_us"));
        let bare_p50 = median(field(&base, "p50_us"));
        let rss = field(&mine, "peak_rss_mib").into_iter().fold(0.0, f64::max);
        let errors: f64 = field(&mine, "errors")
            .iter()
            .chain(&field(&base, "errors"))
            .sum();
        println!(
            "{{\"bench\":\"client\",\"concurrency\":{concurrency},\"requests\":{},\"rounds\":{},\"calls_per_sec\":{calls:.0},\"p50_us\":{p50:.1},\"p99_us\":{p99:.1},\"peak_rss_mib\":{rss:.1},\"bare_calls_per_sec\":{bare_calls:.0},\"bare_p50_us\":{bare_p50:.1},\"ratio\":{:.3},\"errors\":{errors},\"bare\":\"hyper-util, pre-signed copy of the client's request\"}}",
            args.requests,
            args.rounds,
            calls / bare_calls
        );
    }
    drop(emulator);
    Ok(())
}
