//! A custom transport written only against `live-api`'s re-exports (`live_api::live_transport`,
//! `live_api::http`, `live_api::bytes`): no direct dependency on `live-transport`, `http` or
//! `bytes` to keep in step. It adds a header to every request, counts the calls, and delegates
//! to the default hyper transport.
//!
//! `cargo run -p live-api --example custom_transport` starts the embedded emulator and sends
//! one GetPullRecordTask through it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use live_api::bytes::Bytes;
use live_api::live_transport::{BoxFuture, HttpTransport, HyperTransport, TransportError};
use live_api::{http, Credentials, LiveClient};

/// Adds `x-trace-id` and counts the requests; the rest is the inner transport's.
#[derive(Debug)]
struct Traced {
    inner: Arc<dyn HttpTransport>,
    sent: AtomicU64,
}

impl HttpTransport for Traced {
    fn send(
        &self,
        mut request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed) + 1;
        // The request is already signed: add only headers that are not signed (not `X-*`).
        request.headers_mut().insert(
            "trace-id",
            http::HeaderValue::from_str(&format!("example-{n}")).expect("a valid header value"),
        );
        self.inner.send(request)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = live_emulator::Emulator::start(Default::default()).await?;
    let transport = Arc::new(Traced {
        inner: Arc::new(HyperTransport::builder().allow_plain_http(true).build()?),
        sent: AtomicU64::new(0),
    });
    let client = LiveClient::builder()
        .endpoint(emulator.base_url())
        .credentials(Credentials::new(
            live_emulator::DEMO_ACCESS_KEY_ID,
            live_emulator::DEMO_SECRET_KEY,
        )?)
        .transport(transport.clone())
        .build()?;
    let out = client
        .get_pull_record_task()
        .task_id(live_emulator::EXAMPLE_TASK_ID)
        .send()
        .await?;
    println!(
        "{} is {} ({} request through the custom transport)",
        out.task.task_id,
        out.task.status,
        transport.sent.load(Ordering::Relaxed)
    );
    emulator.shutdown().await;
    Ok(())
}
