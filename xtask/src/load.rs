//! Load generation shared by the network benchmarks: a fixed-body local server and a
//! closed-loop client driver reporting throughput and latency percentiles (from a histogram of
//! fixed size).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The documented GetPullRecordTask answer, the body every bench server returns.
pub const GET_RESPONSE: &str = r#"{"ResponseMetadata":{"RequestId":"202306041104200100100232280022D31","Action":"GetPullRecordTask","Version":"2023-01-01","Service":"live","Region":"cn-north-1"},"Result":{"TaskId":"5b903f78c7f5ae01f6fe2eea","StartTime":"2023-10-09T15:16:15+08:00","EndTime":"2023-10-09T15:18:28+08:00","Vhost":"example.com","Domain":"pull.example.com","App":"live","Stream":"example_stream","Status":"生效中"}}"#;

/// Starts a bare HTTP/1.1 server on 127.0.0.1:0 answering every request with `body`; it runs
/// until its runtime is dropped.
pub async fn bare_server(body: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(|_req: http::Request<Incoming>| async {
                    Ok::<_, Infallible>(
                        http::Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(body.as_bytes())))
                            .expect("static response"),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    addr
}

/// A Tokio runtime with one worker thread: one per side of a benchmark, so a client and a
/// server each get a core.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))
}

/// What one load run measured.
pub struct LoadResult {
    pub calls_per_sec: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub errors: usize,
}

/// The longest latency recorded as itself, in nanoseconds (60 s); a longer one is recorded
/// as this.
const LONGEST_NS: u64 = 60_000_000_000;

/// A latency histogram of fixed size (216 KiB whatever the number of calls): 1 ns to
/// 60 s with three significant digits, so a percentile is within 0.1 % of the latency
/// recorded.
fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LONGEST_NS, 3).expect("constant bounds")
}

/// Runs `requests` calls of `call` with `concurrency` calls in flight, closed loop.
///
/// Latencies go into one histogram of fixed size, not a list: the memory of a run does not
/// grow with its number of calls, so a peak RSS measured after it is the caller's own. The
/// histogram is behind a mutex held for one `record`; the benches run on one worker thread,
/// so it is never contended.
pub async fn drive<F, Fut>(concurrency: usize, requests: usize, call: F) -> LoadResult
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(latency_histogram()));
    let start = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (next, errors, latencies, call) = (
            next.clone(),
            errors.clone(),
            latencies.clone(),
            call.clone(),
        );
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let t = Instant::now();
                if !call().await {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
                latencies
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .saturating_record(ns);
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    let elapsed = start.elapsed();
    let latencies = latencies.lock().unwrap_or_else(|e| e.into_inner());
    let pct = |q: f64| {
        if latencies.is_empty() {
            0.0
        } else {
            latencies.value_at_quantile(q) as f64 / 1e3
        }
    };
    LoadResult {
        calls_per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

/// The median of three or more values.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
