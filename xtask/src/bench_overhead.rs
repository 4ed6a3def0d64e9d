//! `cargo xtask bench overhead [--calls N] [--rounds R]`: what one GetPullRecordTask costs
//! inside `LiveClient`, without a network, and how that splits into signing, decoding and the
//! rest (the engine).
//!
//! Method. One current-thread Tokio runtime; a `LiveClient` with retries off, pacing off,
//! static credentials and the default tracing (no subscriber: nothing is recorded), built
//! with `.transport(..)` on an in-memory transport that answers every request at once with the
//! documented GetPullRecordTask body ([`GET_RESPONSE`], HTTP 200). After a warm-up round,
//! each of `R` rounds (default 7) times three loops of `N` iterations (default 20,000), one
//! after the other, and divides by `N`:
//!
//! - `total_us`: `client.get_pull_record_task().task_id(ID).send().await`, one after another.
//! - `sign_us`: what the client's signing step does, on the same request, with volc-sign's
//!   public API: a copy of the headers of the request the client signs (the one the
//!   in-memory transport received, stripped of `X-Date`, `X-Content-Sha256` and
//!   `Authorization`), a signing time from the system clock, `Signer::sign` of the request's
//!   parts as the client holds them (method, `Host`, path, the query pairs `Action` and
//!   `Version`, `Content-Type`, body) with the client's scope and a cached signing key, and
//!   `SigningOutput::apply_to` on the copied headers.
//! - `decode_us`: `live_model::decode_for::<GetPullRecordTaskResult>` of the same body.
//!
//! Each figure printed is the median of its `R` rounds, in µs per call, and
//! `engine_us` = `total_us` − `sign_us` − `decode_us`: the credentials, the permit, the
//! deadlines, the retry bookkeeping, the tracing spans with no subscriber, and also what the
//! client does around them (validating the input, encoding the JSON body, building the
//! request, the in-memory transport's answer, moving the result into the output). Being a
//! difference of medians, it carries their noise. It prints one JSON line:
//! `{"bench":"overhead","calls":N,"total_us":…,"sign_us":…,"decode_us":…,"engine_us":…,
//! "total_allocs":…,"sign_allocs":…,"decode_allocs":…,"engine_allocs":…}`, the `_allocs`
//! fields being heap allocations (and reallocations) per call of each loop, counted by the
//! program's allocator over one more run of `N`, outside the timed rounds.

use std::hint::black_box;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use live_api::retry::StandardRetry;
use live_api::{Credentials, LiveClient};
use live_emulator::{DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID};
use live_model::GetPullRecordTaskResult;
use live_transport::{BoxFuture, HttpTransport, TransportError};
use volc_sign::{Scope, SignableBody, SignableRequest, Signer, SigningTime};

use crate::load::{median, GET_RESPONSE};

const DEFAULT_CALLS: usize = 20_000;
const DEFAULT_ROUNDS: usize = 7;

/// An in-memory transport: answers every request at once with the documented body, and
/// keeps the first request it is given.
#[derive(Debug, Default)]
struct Canned {
    first: Mutex<Option<http::Request<Bytes>>>,
}

impl HttpTransport for Canned {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let mut first = self.first.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            *first = Some(request);
        }
        drop(first);
        Box::pin(std::future::ready(Ok(http::Response::new(
            Bytes::from_static(GET_RESPONSE.as_bytes()),
        ))))
    }
}

fn parse(args: &[&str]) -> Result<(usize, usize), String> {
    let (mut calls, mut rounds) = (DEFAULT_CALLS, DEFAULT_ROUNDS);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = value
            .parse::<usize>()
            .map_err(|_| format!("{flag} takes a number"))?;
        match *flag {
            "--calls" => calls = number,
            "--rounds" => rounds = number,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if calls == 0 || rounds == 0 {
        return Err("--calls and --rounds must be at least 1".into());
    }
    Ok((calls, rounds))
}

pub fn run(args: &[&str]) -> ExitCode {
    let result = parse(args).and_then(|(calls, rounds)| measure(calls, rounds));
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench overhead: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A header of `request` as text.
fn text(request: &http::Request<Bytes>, name: http::header::HeaderName) -> Result<&str, String> {
    request
        .headers()
        .get(&name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("the client sent no {name} header"))
}

/// µs per iteration of `n` iterations that took `start.elapsed()`.
fn per_call_us(start: Instant, n: usize) -> f64 {
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn measure(calls: usize, rounds: usize) -> Result<String, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    let canned = Arc::new(Canned::default());
    let credentials =
        Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).map_err(|e| e.to_string())?;
    let client = LiveClient::builder()
        .credentials(credentials)
        .retry(StandardRetry::none())
        .pacing(live_api::pacing::Pacing::Off)
        .transport(canned.clone())
        .build()
        .map_err(|e| e.to_string())?;

    let total = |n: usize| -> Result<f64, String> {
        rt.block_on(async {
            let start = Instant::now();
            for _ in 0..n {
                let out = client
                    .get_pull_record_task()
                    .task_id(EXAMPLE_TASK_ID)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                black_box(out);
            }
            Ok(per_call_us(start, n))
        })
    };
    // The first call also gives the request the client signs.
    total(1)?;
    let mut template = canned
        .first
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .ok_or("the client sent nothing")?;
    for name in ["x-date", "x-content-sha256", "authorization"] {
        template.headers_mut().remove(name);
    }

    // The client's scope (its defaults) and credentials, and a key cache warmed by one call.
    let signer = Signer::new(
        Scope::new(live_model::DEFAULT_REGION, live_model::SERVICE).map_err(|e| e.to_string())?,
    );
    let sign_credentials = volc_sign::Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY)
        .map_err(|e| e.to_string())?;
    let host = text(&template, http::header::HOST)?;
    let content_type = [("content-type", text(&template, http::header::CONTENT_TYPE)?)];
    let query = [
        ("Action", "GetPullRecordTask"),
        ("Version", live_model::API_VERSION),
    ];
    let sign = |n: usize| -> Result<f64, String> {
        let start = Instant::now();
        for _ in 0..n {
            let t = black_box(&template);
            let mut headers = t.headers().clone();
            let time =
                SigningTime::from_system_time(SystemTime::now()).map_err(|e| e.to_string())?;
            let signable = SignableRequest::new(t.method().as_str(), host, t.uri().path())
                .query(&query)
                .headers(&content_type)
                .body(SignableBody::Bytes(t.body()));
            signer
                .sign(&sign_credentials, &signable, time)
                .and_then(|out| out.apply_to(&mut headers))
                .map_err(|e| e.to_string())?;
            black_box(headers);
        }
        Ok(per_call_us(start, n))
    };

    let decode = |n: usize| -> Result<f64, String> {
        let start = Instant::now();
        for _ in 0..n {
            let body = black_box(GET_RESPONSE.as_bytes());
            let r =
                live_model::decode_for::<GetPullRecordTaskResult>("GetPullRecordTask", 200, body)
                    .map_err(|e| e.to_string())?;
            black_box(r);
        }
        Ok(per_call_us(start, n))
    };

    // Warm-up: caches, allocator, branch predictors.
    let warm = (calls / 10).max(1);
    total(warm)?;
    sign(warm)?;
    decode(warm)?;
    // Allocations per call of each loop, counted over one more run of each.
    let allocs = |f: &dyn Fn(usize) -> Result<f64, String>| -> Result<f64, String> {
        let before = crate::bench::allocations();
        f(calls)?;
        Ok((crate::bench::allocations() - before) as f64 / calls as f64)
    };
    let (total_allocs, sign_allocs, decode_allocs) =
        (allocs(&total)?, allocs(&sign)?, allocs(&decode)?);
    let (mut totals, mut signs, mut decodes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        totals.push(total(calls)?);
        signs.push(sign(calls)?);
        decodes.push(decode(calls)?);
    }
    let (total_us, sign_us, decode_us) = (median(totals), median(signs), median(decodes));
    Ok(format!(
        "{{\"bench\":\"overhead\",\"calls\":{calls},\"total_us\":{total_us:.3},\"sign_us\":{sign_us:.3},\"decode_us\":{decode_us:.3},\"engine_us\":{:.3},\"total_allocs\":{total_allocs:.1},\"sign_allocs\":{sign_allocs:.1},\"decode_allocs\":{decode_allocs:.1},\"engine_allocs\":{:.1}}}",
        total_us - sign_us - decode_us,
        total_allocs - sign_allocs - decode_allocs
    ))
}
