//! `cargo xtask bench emulator`: GetPullRecordTask with signature verification at concurrency
//! 64, beside a bare hyper server returning a fixed body, in one run.

use std::process::ExitCode;
use std::time::SystemTime;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use live_emulator::{Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY};
use volc_sign::{Credentials, Scope, Signer, SigningTime};

use crate::load::{bare_server, drive, median, runtime, GET_RESPONSE};

const CONCURRENCY: usize = 64;
const REQUESTS: usize = 40_000;
const ROUNDS: usize = 5;

/// One signed GetPullRecordTask request for `base`, as parts to rebuild per call.
fn presigned(base: &str) -> Result<http::Request<Bytes>, String> {
    let signer = Signer::new(Scope::new("cn-north-1", "live").map_err(|e| e.to_string())?);
    let creds = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).map_err(|e| e.to_string())?;
    let uri: http::Uri = format!("{base}/?Action=GetPullRecordTask&Version=2023-01-01")
        .parse()
        .map_err(|e: http::uri::InvalidUri| e.to_string())?;
    let host = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let mut req = http::Request::post(uri)
        .header("host", host)
        .header("content-type", "application/json")
        .body(Bytes::from_static(
            br#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#,
        ))
        .map_err(|e| e.to_string())?;
    let now = SigningTime::from_system_time(SystemTime::now()).map_err(|e| e.to_string())?;
    signer
        .sign_http(&creds, &mut req, now)
        .map_err(|e| e.to_string())?;
    Ok(req)
}

fn poster(
    client: Client<HttpConnector, Full<Bytes>>,
    template: http::Request<Bytes>,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>
       + Clone
       + Send
       + 'static {
    let template = std::sync::Arc::new(template);
    move || {
        let (client, t) = (client.clone(), template.clone());
        Box::pin(async move {
            let mut req = http::Request::new(Full::new(t.body().clone()));
            *req.method_mut() = t.method().clone();
            *req.uri_mut() = t.uri().clone();
            *req.headers_mut() = t.headers().clone();
            match client.request(req).await {
                Ok(r) if r.status() == 200 => r.into_body().collect().await.is_ok(),
                _ => false,
            }
        })
    }
}

pub fn run() -> ExitCode {
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bench() -> Result<(), String> {
    let server_rt = runtime()?;
    let (emulator, bare_addr) = server_rt.block_on(async {
        let e = Emulator::start(EmulatorConfig::new().rate_limit(false)).await;
        (e, bare_server(GET_RESPONSE).await)
    });
    let emulator = emulator.map_err(|e| e.to_string())?;
    let client_rt = runtime()?;
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let to_emulator = poster(client.clone(), presigned(&emulator.base_url())?);
    let to_bare = poster(client, presigned(&format!("http://{bare_addr}"))?);
    let (mut emu, mut bare) = (Vec::new(), Vec::new());
    let mut errors = 0;
    client_rt.block_on(async {
        drive(CONCURRENCY, REQUESTS / 10, to_emulator.clone()).await;
        drive(CONCURRENCY, REQUESTS / 10, to_bare.clone()).await;
        for round in 0..ROUNDS {
            let (a, b) = if round % 2 == 0 {
                let a = drive(CONCURRENCY, REQUESTS, to_emulator.clone()).await;
                (a, drive(CONCURRENCY, REQUESTS, to_bare.clone()).await)
            } else {
                let b = drive(CONCURRENCY, REQUESTS, to_bare.clone()).await;
                (drive(CONCURRENCY, REQUESTS, to_emulator.clone()).await, b)
            };
            errors += a.errors + b.errors;
            emu.push(a.calls_per_sec);
            bare.push(b.calls_per_sec);
        }
    });
    let (calls, bare_calls) = (median(emu), median(bare));
    println!(
        "{{\"bench\":\"emulator\",\"concurrency\":{CONCURRENCY},\"calls_per_sec\":{calls:.0},\"bare_calls_per_sec\":{bare_calls:.0},\"ratio\":{:.3},\"errors\":{errors}}}",
        calls / bare_calls
    );
    drop(emulator);
    Ok(())
}
