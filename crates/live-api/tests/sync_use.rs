//! Synchronous use: a current-thread runtime and `block_on`, as the README shows; and a runtime
//! built without timers, which gets a typed error naming the fix instead of Tokio's panic,
//! with nothing sent.

use std::sync::Arc;

use live_api::{Credentials, LiveClient};
use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use live_transport::test_util::CannedTransport;

/// The emulator on a runtime of its own (with timers), for clients on other runtimes.
struct Server {
    rt: tokio::runtime::Runtime,
    emulator: Option<Emulator>,
}

impl Server {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emulator = rt.block_on(Emulator::start(EmulatorConfig::new())).unwrap();
        Self {
            rt,
            emulator: Some(emulator),
        }
    }

    fn client(&self) -> LiveClient {
        LiveClient::builder()
            .endpoint(self.emulator.as_ref().unwrap().base_url())
            .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
            .build()
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(e) = self.emulator.take() {
            self.rt.block_on(e.shutdown());
        }
    }
}

#[test]
fn a_current_thread_runtime_and_block_on() {
    let server = Server::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = server.client();
    let got = rt
        .block_on(
            client
                .get_pull_record_task()
                .task_id(EXAMPLE_TASK_ID)
                .send(),
        )
        .unwrap();
    assert_eq!(got.task.task_id, EXAMPLE_TASK_ID);
}

#[test]
fn a_runtime_without_timers_is_a_typed_error_not_a_panic() {
    let server = Server::start();
    // I/O but no timers: Tokio would panic at the client's first deadline.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let client = server.client();
    let err = rt
        .block_on(
            client
                .get_pull_record_task()
                .task_id(EXAMPLE_TASK_ID)
                .send(),
        )
        .unwrap_err();
    assert!(err.is_runtime(), "{err}");
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot run the client here: the Tokio runtime has no timers: build it with \
         `enable_time()` or `enable_all()` (e.g. \
         `tokio::runtime::Builder::new_current_thread().enable_all().build()`) (nothing was sent)"
    );

    // Nothing reaches the transport.
    let canned = Arc::new(CannedTransport::new());
    let client = LiveClient::builder()
        .credentials(Credentials::new("AK", "SK").unwrap())
        .transport(canned.clone())
        .build()
        .unwrap();
    let err = rt
        .block_on(client.get_pull_record_task().task_id("t").send())
        .unwrap_err();
    assert!(err.is_runtime(), "{err}");
    assert!(canned.requests().is_empty());

    // The waiter's own timers are checked the same way, before its first poll.
    let err = rt
        .block_on(client.wait_for_pull_record_task("t").send())
        .unwrap_err();
    assert!(err.is_runtime(), "{err}");
    assert!(canned.requests().is_empty());

    // The same client works once called from a runtime with timers.
    let timed = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = server.client();
    assert!(timed
        .block_on(
            client
                .get_pull_record_task()
                .task_id(EXAMPLE_TASK_ID)
                .send()
        )
        .is_ok());
}

#[test]
fn outside_any_runtime_is_a_typed_error_too() {
    let canned = Arc::new(CannedTransport::new());
    let client = LiveClient::builder()
        .credentials(Credentials::new("AK", "SK").unwrap())
        .transport(canned.clone())
        .build()
        .unwrap();
    // Polled by a plain executor, outside Tokio.
    let err = futures_lite_block_on(client.get_pull_record_task().task_id("t").send()).unwrap_err();
    assert!(err.is_runtime(), "{err}");
    assert!(
        err.to_string()
            .contains("not called from within a Tokio runtime"),
        "{err}"
    );
    assert!(canned.requests().is_empty());
}

/// A minimal executor: polls a future on this thread until it is ready.
fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}
