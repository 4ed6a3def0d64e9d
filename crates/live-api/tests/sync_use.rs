//! Synchronous use: a current-thread runtime and `block_on`, as the README shows; and a call
//! polled outside any Tokio runtime, which gets a typed error naming the fix, with nothing
//! sent. (A runtime built without timers makes Tokio panic, as for reqwest and hyper: the
//! library installs no panic hook to catch it.)

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
fn outside_any_runtime_is_a_typed_error_with_nothing_sent() {
    let canned = Arc::new(CannedTransport::new());
    let client = LiveClient::builder()
        .credentials(Credentials::new("AK", "SK").unwrap())
        .transport(canned.clone())
        .build()
        .unwrap();
    // Polled by a plain executor, outside Tokio.
    let err = futures_lite_block_on(client.get_pull_record_task().task_id("t").send()).unwrap_err();
    assert!(err.is_runtime(), "{err}");
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot run the client here: not called from within a Tokio runtime: run the client's \
         futures on one with timers enabled (`#[tokio::main]`, or `block_on` of a runtime built \
         with `enable_all()`) (nothing was sent)"
    );
    assert!(canned.requests().is_empty());

    // The waiter checks the same, before its first poll.
    let err = futures_lite_block_on(client.wait_for_pull_record_task("t").send()).unwrap_err();
    assert!(err.is_runtime(), "{err}");
    assert!(canned.requests().is_empty());

    // The same client works once called from a runtime with timers.
    let server = Server::start();
    let client = server.client();
    let timed = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert!(timed
        .block_on(
            client
                .get_pull_record_task()
                .task_id(EXAMPLE_TASK_ID)
                .send()
        )
        .is_ok());
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
