//! The retry budget: shared by a client and its clones, it stops retries in an outage and
//! refills on success; it can be turned off.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use live_api::env::ManualEnvironment;
use live_api::retry::{RetryBudget, StandardRetry};
use live_api::{Credentials, LiveClient};
use live_transport::test_util::CannedTransport;

const OK: &str = r#"{"ResponseMetadata":{"RequestId":"r-ok","Action":"GetPullRecordTask"},"Result":{"TaskId":"t","StartTime":"","EndTime":"","Vhost":"v","Domain":"d","App":"a","Stream":"s","Status":"生效中"}}"#;
const DOWN: &str = r#"{"ResponseMetadata":{"RequestId":"r-down","Error":{"Code":"InternalError","Message":"down"}}}"#;

fn client(canned: &Arc<CannedTransport>, budget: RetryBudget) -> LiveClient {
    LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTtest", "secret").unwrap())
        .transport(canned.clone())
        .environment(Arc::new(ManualEnvironment::new(
            UNIX_EPOCH + Duration::from_secs(1_716_192_550),
        )))
        .pacing(live_api::pacing::Pacing::Off)
        .retry(StandardRetry::default())
        .retry_budget(budget)
        .build()
        .unwrap()
}

async fn get(c: &LiveClient) -> Result<(), live_api::LiveError> {
    c.get_pull_record_task().task_id("t").send().await.map(drop)
}

/// An outage of 10 failing calls with a budget of 20 tokens (5 a retry): the first two calls
/// retry twice each (3 attempts, 10 tokens each), then the budget is empty and each call is
/// tried once. 14 requests instead of 30.
#[tokio::test]
async fn in_an_outage_retries_stop_once_the_budget_is_empty() {
    let canned = Arc::new(CannedTransport::new());
    for _ in 0..30 {
        canned.push_status(500, DOWN);
    }
    let c = client(&canned, RetryBudget::default().capacity(20));
    let mut attempts = Vec::new();
    for _ in 0..10 {
        let err = get(&c).await.unwrap_err();
        assert_eq!(err.code().unwrap().as_str(), "InternalError");
        attempts.push(err.attempts());
    }
    assert_eq!(attempts, [3, 3, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert_eq!(canned.requests().len(), 14);
    assert_eq!(c.retry_budget().available(), Some(0));
}

/// Successes put tokens back: five first-attempt successes (1 each) make one retry (5) possible
/// again, and a call that succeeds after a retry puts back what its retry took.
#[tokio::test]
async fn the_budget_refills_on_success() {
    let canned = Arc::new(CannedTransport::new());
    let c = client(&canned, RetryBudget::default().capacity(10));
    // Drain it: one call, two retries.
    for _ in 0..3 {
        canned.push_status(500, DOWN);
    }
    assert_eq!(get(&c).await.unwrap_err().attempts(), 3);
    assert_eq!(c.retry_budget().available(), Some(0));
    // Empty: no retry.
    canned.push_status(500, DOWN);
    assert_eq!(get(&c).await.unwrap_err().attempts(), 1);
    // Five successes: five tokens.
    for _ in 0..5 {
        canned.push_status(200, OK);
        get(&c).await.unwrap();
    }
    assert_eq!(c.retry_budget().available(), Some(5));
    // One retry again, and its success gives back what it took.
    canned.push_status(500, DOWN);
    canned.push_status(200, OK);
    get(&c).await.unwrap();
    assert_eq!(c.retry_budget().available(), Some(5));
    assert_eq!(canned.remaining(), 0);
}

/// A timed-out attempt's retry costs more (10 by default).
#[tokio::test]
async fn a_retry_after_a_timeout_costs_more() {
    let budget = RetryBudget::default().capacity(10);
    let never = Arc::new(live_transport::test_util::NeverTransport::new());
    let c = LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTtest", "secret").unwrap())
        .transport(never.clone())
        // The system's clock: an attempt that gets no answer runs out on a real timer.
        .pacing(live_api::pacing::Pacing::Off)
        .retry(StandardRetry::default().initial_backoff(Duration::from_millis(1)))
        .attempt_timeout(Duration::from_millis(50))
        .retry_budget(budget.clone())
        .build()
        .unwrap();
    let err = get(&c).await.unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(
        err.attempts(),
        2,
        "one retry (10 tokens), then the budget is empty"
    );
    assert_eq!(never.calls(), 2);
    assert_eq!(budget.available(), Some(0));
}

/// Clones of a client, and clients handed the same budget, draw from one bucket.
#[tokio::test]
async fn clones_share_the_budget() {
    let canned = Arc::new(CannedTransport::new());
    for _ in 0..6 {
        canned.push_status(500, DOWN);
    }
    let budget = RetryBudget::default().capacity(10);
    let a = client(&canned, budget.clone());
    let b = a.clone();
    assert_eq!(get(&a).await.unwrap_err().attempts(), 3);
    assert_eq!(
        get(&b).await.unwrap_err().attempts(),
        1,
        "a's retries emptied it"
    );
    let other = client(&canned, budget.clone());
    assert_eq!(
        get(&other).await.unwrap_err().attempts(),
        1,
        "handed the same budget"
    );
    assert_eq!(budget.available(), Some(0));
}

/// Turned off, every retry the policy asks for is made.
#[tokio::test]
async fn a_disabled_budget_never_refuses() {
    let canned = Arc::new(CannedTransport::new());
    for _ in 0..30 {
        canned.push_status(500, DOWN);
    }
    let c = client(&canned, RetryBudget::disabled());
    for _ in 0..10 {
        assert_eq!(get(&c).await.unwrap_err().attempts(), 3);
    }
    assert_eq!(canned.requests().len(), 30);
    assert_eq!(c.retry_budget().available(), None);
}
