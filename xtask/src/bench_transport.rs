//! `cargo xtask bench transport`: the hyper transport against a local server at concurrency 1
//! and 64, beside a bare hyper-util client doing the same exchange, in the same run.

use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use live_transport::{HttpTransport, HyperTransport};

use crate::load::{bare_server, drive, median, runtime, LoadResult, GET_RESPONSE};

const BODY: &[u8] = br#"{"TaskID":"5b903f78c7f5ae01f6fe2eea"}"#;
const ROUNDS: usize = 5;

pub fn run() -> ExitCode {
    let server_rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = server_rt.block_on(bare_server(GET_RESPONSE));
    let client_rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let uri: http::Uri =
        match format!("http://{addr}/?Action=GetPullRecordTask&Version=2023-01-01").parse() {
            Ok(u) => u,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
    let transport = match HyperTransport::builder().allow_plain_http(true).build() {
        Ok(t) => std::sync::Arc::new(t),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let bare: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();

    for (concurrency, requests) in [(1usize, 10_000usize), (64, 40_000)] {
        let ours = |t: std::sync::Arc<HyperTransport>, uri: http::Uri| {
            move || {
                let (t, uri) = (t.clone(), uri.clone());
                async move {
                    let req = http::Request::post(uri)
                        .header("content-type", "application/json")
                        .body(Bytes::from_static(BODY))
                        .expect("valid request");
                    matches!(t.send(req).await, Ok(r) if r.status() == 200)
                }
            }
        };
        let theirs =
            |c: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
             uri: http::Uri| {
                move || {
                    let (c, uri) = (c.clone(), uri.clone());
                    async move {
                        let req = http::Request::post(uri)
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(BODY)))
                            .expect("valid request");
                        match c.request(req).await {
                            Ok(r) if r.status() == 200 => r.into_body().collect().await.is_ok(),
                            _ => false,
                        }
                    }
                }
            };
        let (mut mine, mut base): (Vec<LoadResult>, Vec<LoadResult>) = (Vec::new(), Vec::new());
        client_rt.block_on(async {
            // Warm both pools and the server.
            drive(
                concurrency,
                requests / 10,
                ours(transport.clone(), uri.clone()),
            )
            .await;
            drive(
                concurrency,
                requests / 10,
                theirs(bare.clone(), uri.clone()),
            )
            .await;
            // Alternate which goes first, so neither gains from the order.
            for round in 0..ROUNDS {
                if round % 2 == 0 {
                    base.push(
                        drive(concurrency, requests, theirs(bare.clone(), uri.clone())).await,
                    );
                    mine.push(
                        drive(concurrency, requests, ours(transport.clone(), uri.clone())).await,
                    );
                } else {
                    mine.push(
                        drive(concurrency, requests, ours(transport.clone(), uri.clone())).await,
                    );
                    base.push(
                        drive(concurrency, requests, theirs(bare.clone(), uri.clone())).await,
                    );
                }
            }
        });
        let calls = median(mine.iter().map(|r| r.calls_per_sec).collect());
        let bare_calls = median(base.iter().map(|r| r.calls_per_sec).collect());
        let p50 = median(mine.iter().map(|r| r.p50_us).collect());
        let p99 = median(mine.iter().map(|r| r.p99_us).collect());
        let errors: usize = mine.iter().chain(&base).map(|r| r.errors).sum();
        println!(
            "{{\"bench\":\"transport\",\"concurrency\":{concurrency},\"calls_per_sec\":{calls:.0},\"p50_us\":{p50:.1},\"p99_us\":{p99:.1},\"bare_calls_per_sec\":{bare_calls:.0},\"ratio\":{:.3},\"errors\":{errors}}}",
            calls / bare_calls
        );
    }
    ExitCode::SUCCESS
}
