//! The test doubles behave as documented.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use live_transport::test_util::{CannedTransport, FailingTransport, NeverTransport};
use live_transport::{ErrorKind, HttpTransport, TimeoutPhase, TransportError};

fn get(path: &str) -> http::Request<Bytes> {
    http::Request::get(format!("https://example.invalid{path}"))
        .body(Bytes::new())
        .unwrap()
}

#[tokio::test]
async fn canned_answers_in_order_and_records_requests() {
    let t = CannedTransport::new();
    t.push_status(200, "first")
        .push_error(TransportError::new(ErrorKind::Io, "reset"))
        .push_status(503, "third");
    assert_eq!(t.send(get("/1")).await.unwrap().body(), "first");
    assert!(t.send(get("/2")).await.unwrap_err().is_io());
    assert_eq!(t.send(get("/3")).await.unwrap().status(), 503);
    let empty = t.send(get("/4")).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::Other);
    let paths: Vec<String> = t
        .requests()
        .iter()
        .map(|r| r.uri().path().to_string())
        .collect();
    assert_eq!(paths, ["/1", "/2", "/3", "/4"]);
    assert_eq!(t.remaining(), 0);
}

#[tokio::test]
async fn never_answers() {
    let t = NeverTransport::new();
    let r = tokio::time::timeout(Duration::from_millis(50), t.send(get("/"))).await;
    assert!(r.is_err(), "still pending");
    assert_eq!(t.calls(), 1);
}

#[tokio::test]
async fn failing_fails_n_times_then_delegates() {
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(200, "ok");
    let t = FailingTransport::new(canned.clone(), 2, ErrorKind::Timeout);
    for _ in 0..2 {
        let e = t.send(get("/")).await.unwrap_err();
        assert_eq!(e.timeout_phase(), Some(TimeoutPhase::Exchange));
    }
    assert_eq!(t.failures_left(), 0);
    assert_eq!(t.send(get("/")).await.unwrap().body(), "ok");
    assert_eq!(canned.requests().len(), 1);

    // Usable behind Arc<dyn HttpTransport>.
    let shared: Arc<dyn HttpTransport> = Arc::new(FailingTransport::new(
        CannedTransport::new(),
        1,
        ErrorKind::Connect,
    ));
    assert!(!shared
        .send(get("/"))
        .await
        .unwrap_err()
        .may_have_reached_server());
}
