//! End to end against the emulator over loopback: the four operations, both Get shapes,
//! pagination, every documented error code as a typed error, concurrency.

use std::collections::HashSet;
use std::time::Duration;

use live_api::retry::StandardRetry;
use live_api::{Credentials, ErrorKind, LiveClient};
use live_emulator::{
    Emulator, EmulatorConfig, FaultKind, FaultRule, SeedTask, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY,
    EXAMPLE_TASK_ID,
};
use live_model::{ErrorCode, GetShape, TaskStatus};

fn client(e: &Emulator) -> LiveClient {
    LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn get_create_list_stop() {
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let c = client(&e);
    let got = c
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(got.task.stream.as_deref(), Some("example_stream"));
    assert_eq!(got.shape, GetShape::Flat);
    assert!(!got.request_id().is_empty());

    let created = c
        .create_pull_record_task()
        .domain("pull.example.com")
        .app("live")
        .stream("demo_stream")
        .stream_url("http://pull.example.com/live/demo_stream.flv")
        .send()
        .await
        .unwrap();
    let listed = c
        .list_pull_record_tasks()
        .stream("demo_stream")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tasks.len(), 1);
    assert_eq!(listed.tasks[0].task_id, created.task_id);
    assert_eq!(listed.tasks[0].status, TaskStatus::Recording);
    c.stop_pull_record_task()
        .task_id(&created.task_id)
        .send()
        .await
        .unwrap();
    let again = c
        .get_pull_record_task()
        .task_id(&created.task_id)
        .send()
        .await
        .unwrap();
    assert_eq!(again.task.status, TaskStatus::Stopped);
    e.shutdown().await;
}

#[tokio::test]
async fn nested_get_shape() {
    let e = Emulator::start(EmulatorConfig::new().get_shape(GetShape::Nested))
        .await
        .unwrap();
    let got = client(&e)
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(got.shape, GetShape::Nested);
    assert_eq!(got.task.stream, None);
    assert_eq!(got.task.app, "live");
    e.shutdown().await;
}

#[tokio::test]
async fn paginates_over_hundreds_of_tasks() {
    let seed: Vec<SeedTask> = (0..350)
        .map(|i| SeedTask {
            task_id: format!("t{i:03}"),
            stream: format!("s{i}"),
            ..SeedTask::documented_example()
        })
        .collect();
    let e = Emulator::start(
        EmulatorConfig::new()
            .without_example_task()
            .seed(seed)
            .rate_limit(false),
    )
    .await
    .unwrap();
    let c = client(&e);
    let mut pages = c.list_pull_record_tasks().page_size(100).pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        sizes.push(page.unwrap().tasks.len());
    }
    assert_eq!(sizes, [100, 100, 100, 50]);
    let mut tasks = c.list_pull_record_tasks().page_size(60).tasks();
    let mut ids = HashSet::new();
    while let Some(t) = tasks.next().await {
        assert!(ids.insert(t.unwrap().task_id));
    }
    assert_eq!(ids.len(), 350);
    e.shutdown().await;
}

#[tokio::test]
async fn every_documented_code_arrives_typed_with_its_request_id() {
    let e = Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap();
    let c = LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .retry(StandardRetry::none())
        // An injected FlowLimitExceeded would slow the following calls down.
        .pacing(live_api::pacing::Pacing::Off)
        .build()
        .unwrap();
    for code in ErrorCode::KNOWN {
        e.inject(FaultRule::next(
            1,
            FaultKind::Error {
                code: code.as_str().into(),
                status: None,
                message: Some("injected".into()),
            },
        ));
        let err = c
            .get_pull_record_task()
            .task_id(EXAMPLE_TASK_ID)
            .send()
            .await
            .unwrap_err();
        let ErrorKind::Service(api) = err.kind() else {
            panic!("{code}: {err}")
        };
        assert_eq!(&api.code, code);
        assert_eq!(api.http_status, code.documented_status().unwrap());
        assert_eq!(api.code_n, code.documented_code_n());
        assert!(err.request_id().is_some_and(|id| !id.is_empty()));
        assert!(err
            .to_string()
            .starts_with(&format!("{code}: injected (request id ")));
        assert_eq!(err.attempts(), 1);
    }
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_calls_through_one_cloned_client() {
    let e = Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap();
    // The emulator's limits are off, and so is the client's pacing: this is about connections.
    let c = LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .pacing(live_api::pacing::Pacing::Off)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..500)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                c.get_pull_record_task()
                    .task_id(EXAMPLE_TASK_ID)
                    .send()
                    .await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let after_burst = e.connections_accepted();
    assert!(
        after_burst <= 500,
        "{after_burst} connections for 500 calls"
    );
    // Later calls reuse pooled connections instead of opening new ones.
    for _ in 0..50 {
        c.get_pull_record_task()
            .task_id(EXAMPLE_TASK_ID)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(e.connections_accepted(), after_burst);
    e.shutdown().await;
}

#[tokio::test]
async fn input_is_validated_before_any_request() {
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let c = client(&e);
    let before = e.connections_accepted();
    let err = c.get_pull_record_task().send().await.unwrap_err();
    assert!(err.is_invalid_input());
    assert_eq!(err.attempts(), 0);
    assert_eq!(
        err.to_string(),
        "invalid TaskID: must not be empty (nothing was sent)"
    );
    let err = c
        .create_pull_record_task()
        .domain("d.com")
        .app("live")
        .stream("s")
        .stream_url("ftp://x")
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("StreamURL"));
    assert!(c
        .list_pull_record_tasks()
        .page_size(0)
        .send()
        .await
        .unwrap_err()
        .is_invalid_input());
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(e.connections_accepted(), before, "nothing was sent");
    e.shutdown().await;
}

#[test]
fn plain_http_only_for_loopback_unless_allowed() {
    let creds = || Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap();
    for ok in [
        "http://127.0.0.1:8787",
        "http://localhost:1",
        "http://[::1]:2",
        "https://live.volcengineapi.com",
    ] {
        assert!(
            LiveClient::builder()
                .endpoint(ok)
                .credentials(creds())
                .build()
                .is_ok(),
            "{ok}"
        );
    }
    let err = LiveClient::builder()
        .endpoint("http://example.invalid")
        .credentials(creds())
        .build()
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err}");
    assert!(err.to_string().contains("loopback"));
    assert!(LiveClient::builder()
        .endpoint("http://example.invalid")
        .allow_insecure_http(true)
        .credentials(creds())
        .build()
        .is_ok());
    for bad in [
        "ftp://x",
        "live.volcengineapi.com",
        "https://x/path",
        "https://x/?a=b",
    ] {
        assert!(
            LiveClient::builder()
                .endpoint(bad)
                .credentials(creds())
                .build()
                .is_err(),
            "{bad}"
        );
    }
    let client = LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(creds())
        .build()
        .unwrap();
    assert_eq!(client.endpoint(), "https://live.volcengineapi.com");
}
