//! `cargo xtask bench client [--endpoint URL] [--concurrency C] [--requests N] [--ak AK --sk SK]
//! [--task-id ID]`: GetPullRecordTask through `LiveClient`.
//!
//! With `--endpoint`, it measures only the client against that endpoint (credentials from
//! `--ak/--sk`, else the environment). Without it, it starts the emulator, runs the client
//! measurement in a child process (so the peak RSS is the client's alone), and in the same run
//! measures a bare hyper client posting one pre-signed copy of the same request.

use std::process::{Command, ExitCode};
use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use live_api::{Credentials, LiveClient, StandardRetry};
use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};

use crate::load::{drive, runtime, LoadResult};

struct Args {
    endpoint: Option<String>,
    concurrency: usize,
    requests: usize,
    ak: Option<String>,
    sk: Option<String>,
    task_id: String,
}

fn parse(args: &[&str]) -> Result<Args, String> {
    let mut a = Args {
        endpoint: None,
        concurrency: 64,
        requests: 10_000,
        ak: None,
        sk: None,
        task_id: EXAMPLE_TASK_ID.to_owned(),
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
                a.concurrency = value()?
                    .parse()
                    .map_err(|_| "--concurrency takes a number")?
            }
            "--requests" => {
                a.requests = value()?.parse().map_err(|_| "--requests takes a number")?
            }
            "--ak" => a.ak = Some(value()?),
            "--sk" => a.sk = Some(value()?),
            "--task-id" => a.task_id = value()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if a.concurrency == 0 || a.requests == 0 {
        return Err("--concurrency and --requests must be at least 1".into());
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
        Some(endpoint) => client_only(&args, endpoint),
        None => with_emulator(&args),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn measure_client(args: &Args, endpoint: &str) -> Result<LoadResult, String> {
    let mut builder = LiveClient::builder()
        .endpoint(endpoint)
        .retry(StandardRetry::none())
        .allow_insecure_http(true);
    if let (Some(ak), Some(sk)) = (&args.ak, &args.sk) {
        builder = builder.credentials(Credentials::new(&**ak, &**sk).map_err(|e| e.to_string())?);
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let rt = runtime()?;
    let task_id = args.task_id.clone();
    let call = move || {
        let (c, id) = (client.clone(), task_id.clone());
        async move { c.get_pull_record_task().task_id(id).send().await.is_ok() }
    };
    Ok(rt.block_on(async {
        drive(args.concurrency, (args.requests / 10).max(1), call.clone()).await;
        drive(args.concurrency, args.requests, call).await
    }))
}

fn client_only(args: &Args, endpoint: &str) -> Result<String, String> {
    let r = measure_client(args, endpoint)?;
    Ok(format!(
        "{{\"bench\":\"client\",\"concurrency\":{},\"requests\":{},\"calls_per_sec\":{:.0},\"p50_us\":{:.1},\"p99_us\":{:.1},\"errors\":{},\"peak_rss_mib\":{:.1}}}",
        args.concurrency,
        args.requests,
        r.calls_per_sec,
        r.p50_us,
        r.p99_us,
        r.errors,
        peak_rss_mib().unwrap_or(0.0)
    ))
}

fn with_emulator(args: &Args) -> Result<String, String> {
    let server_rt = runtime()?;
    let emulator = server_rt
        .block_on(Emulator::start(EmulatorConfig::new().rate_limit(false)))
        .map_err(|e| e.to_string())?;
    let endpoint = emulator.base_url();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = Command::new(exe)
        .args([
            "bench",
            "client",
            "--endpoint",
            &endpoint,
            "--concurrency",
            &args.concurrency.to_string(),
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
    if !child.status.success() {
        return Err(String::from_utf8_lossy(&child.stderr).into_owned());
    }
    let line = String::from_utf8_lossy(&child.stdout).trim().to_owned();
    let client: serde_json::Value =
        serde_json::from_str(&line).map_err(|e| format!("{e}: {line}"))?;
    let calls = client["calls_per_sec"].as_f64().unwrap_or(0.0);

    // The bare hyper client, posting one pre-signed copy of the same request.
    let bare = bare_run(args, &endpoint)?;
    drop(emulator);
    let mut out = client;
    out["bare_calls_per_sec"] = serde_json::json!(bare.calls_per_sec.round());
    out["ratio"] = serde_json::json!(((calls / bare.calls_per_sec) * 1000.0).round() / 1000.0);
    Ok(out.to_string())
}

fn bare_run(args: &Args, endpoint: &str) -> Result<LoadResult, String> {
    let signer = volc_sign::Signer::new(
        volc_sign::Scope::new("cn-north-1", "live").map_err(|e| e.to_string())?,
    );
    let creds = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).map_err(|e| e.to_string())?;
    let body = serde_json::to_vec(&live_model::GetPullRecordTaskRequest::new(
        args.task_id.clone(),
    ))
    .map_err(|e| e.to_string())?;
    let uri: http::Uri = format!("{endpoint}/?Action=GetPullRecordTask&Version=2023-01-01")
        .parse()
        .map_err(|e: http::uri::InvalidUri| e.to_string())?;
    let host = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let mut template = http::Request::post(uri)
        .header("host", host)
        .header("content-type", "application/json")
        .body(Bytes::from(body))
        .map_err(|e| e.to_string())?;
    let now =
        volc_sign::SigningTime::from_system_time(SystemTime::now()).map_err(|e| e.to_string())?;
    signer
        .sign_http(&creds, &mut template, now)
        .map_err(|e| e.to_string())?;
    let template = std::sync::Arc::new(template);
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
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
    let rt = runtime()?;
    Ok(rt.block_on(async {
        drive(args.concurrency, (args.requests / 10).max(1), call.clone()).await;
        drive(args.concurrency, args.requests, call).await
    }))
}
