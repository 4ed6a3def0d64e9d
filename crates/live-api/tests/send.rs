//! One output either way: a model request sent with `LiveClient::send` and the same request
//! built fluently (`client.get_pull_record_task().task_id(…).send()`) give the same output,
//! against the emulator over loopback.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use live_api::env::{Environment, ManualEnvironment};
use live_api::files::DescribeRecordTaskFileHistoryOutput;
use live_api::ops::{
    CreatePullRecordTaskOutput, GetPullRecordTaskOutput, ListPullRecordTaskOutput,
    StopPullRecordTaskOutput,
};
use live_api::{Credentials, ErrorKind, LiveClient};
use live_emulator::{
    Emulator, EmulatorConfig, SeedTask, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use live_model::{
    format_rfc3339, CreatePullRecordTaskRequest, DescribeRecordTaskFileHistoryRequest,
    GetPullRecordTaskRequest, ListPullRecordTaskRequest, ResponseMetadata,
    StopPullRecordTaskRequest,
};
use time::OffsetDateTime;

/// 2023-11-01T00:00:00Z.
const T0: u64 = 1_698_796_800;

/// The emulator reads the client's manual clock.
struct SharedClock(ManualEnvironment);

impl live_emulator::Clock for SharedClock {
    fn now(&self) -> SystemTime {
        self.0.now()
    }
}

async fn start(config: EmulatorConfig) -> (Emulator, LiveClient, ManualEnvironment) {
    let env = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(T0));
    let e = Emulator::start(config.clock(Arc::new(SharedClock(env.clone()))))
        .await
        .unwrap();
    let client = LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .environment(Arc::new(env.clone()))
        .build()
        .unwrap();
    (e, client, env)
}

fn utc(secs: u64) -> String {
    format_rfc3339(OffsetDateTime::from_unix_timestamp(secs as i64).unwrap())
}

/// Metadata without the request id, which differs from call to call.
fn same_call(mut m: ResponseMetadata) -> ResponseMetadata {
    assert!(!m.request_id.is_empty());
    m.request_id.clear();
    m
}

#[tokio::test]
async fn get_and_list_give_the_same_output_sent_or_built() {
    let (e, c, _env) = start(EmulatorConfig::new()).await;

    let sent: GetPullRecordTaskOutput = c
        .send(GetPullRecordTaskRequest::new(EXAMPLE_TASK_ID))
        .await
        .unwrap();
    let built: GetPullRecordTaskOutput = c
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap();
    assert_eq!((&sent.task, sent.shape), (&built.task, built.shape));
    assert_eq!(same_call(sent.metadata), same_call(built.metadata));

    let sent: ListPullRecordTaskOutput = c
        .send(ListPullRecordTaskRequest::new(1, 50).app("live"))
        .await
        .unwrap();
    let built: ListPullRecordTaskOutput = c
        .list_pull_record_tasks()
        .page_size(50)
        .app("live")
        .send()
        .await
        .unwrap();
    assert!(!sent.tasks.is_empty());
    assert_eq!(
        (&sent.tasks, sent.pagination),
        (&built.tasks, built.pagination)
    );
    assert_eq!(same_call(sent.metadata), same_call(built.metadata));
    e.shutdown().await;
}

#[tokio::test]
async fn create_and_stop_give_the_same_output_sent_or_built() {
    let (e, c, _env) = start(EmulatorConfig::new()).await;
    let request = CreatePullRecordTaskRequest::default()
        .domain("pull.example.com")
        .app("live")
        .stream("one")
        .stream_url("http://pull.example.com/live/one.flv")
        .start_time(utc(T0 + 60))
        .end_time(utc(T0 + 3_600));
    let sent: CreatePullRecordTaskOutput = c.send(request.clone()).await.unwrap();
    let built: CreatePullRecordTaskOutput = c
        .create_pull_record_task()
        .domain("pull.example.com")
        .app("live")
        .stream("two")
        .stream_url("http://pull.example.com/live/two.flv")
        .start_time(utc(T0 + 60))
        .end_time(utc(T0 + 3_600))
        .send()
        .await
        .unwrap();
    assert_ne!(sent.task_id, built.task_id);
    assert_eq!(same_call(sent.metadata), same_call(built.metadata));

    let stopped: StopPullRecordTaskOutput = c
        .send(StopPullRecordTaskRequest::new(&sent.task_id))
        .await
        .unwrap();
    let also: StopPullRecordTaskOutput = c
        .stop_pull_record_task()
        .task_id(&built.task_id)
        .send()
        .await
        .unwrap();
    assert_eq!((stopped.reconciled, also.reconciled), (false, false));
    assert_eq!(same_call(stopped.metadata), same_call(also.metadata));
    for id in [sent.task_id, built.task_id] {
        let task = c
            .send(GetPullRecordTaskRequest::new(id))
            .await
            .unwrap()
            .task;
        assert_eq!(task.status, live_model::TaskStatus::Stopped);
    }
    e.shutdown().await;
}

#[tokio::test]
async fn describe_gives_the_same_page_sent_or_built_and_its_pages_hold_the_files() {
    let seed = (0..12u64)
        .map(|i| {
            let mut t = SeedTask::documented_example();
            t.task_id = format!("t{i:02}");
            t.stream = format!("s{i}");
            t.start_time = utc(T0 + i * 3_600);
            t.end_time = utc(T0 + i * 3_600 + 1_800);
            t
        })
        .collect();
    let config = EmulatorConfig::new()
        .without_example_task()
        .seed(seed)
        .rate_limit(false);
    let (e, c, env) = start(config).await;
    env.advance(Duration::from_secs(24 * 3_600));
    let (from, to) = (
        OffsetDateTime::from_unix_timestamp(T0 as i64).unwrap(),
        OffsetDateTime::from_unix_timestamp((T0 + 86_400) as i64).unwrap(),
    );

    let sent: DescribeRecordTaskFileHistoryOutput = c
        .send(
            DescribeRecordTaskFileHistoryRequest::between(from, to)
                .app("live")
                .page_size(5),
        )
        .await
        .unwrap();
    let built: DescribeRecordTaskFileHistoryOutput = c
        .describe_record_task_file_history()
        .window(from, to)
        .app("live")
        .page_size(5)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.files.len(), 5);
    assert_eq!(
        (&sent.files, sent.pagination),
        (&built.files, built.pagination)
    );
    assert_eq!(same_call(sent.metadata), same_call(built.metadata));

    let week = || {
        c.describe_record_task_file_history()
            .window(from, to)
            .app("live")
            .page_size(5)
    };
    let mut pages = week().pages();
    let mut by_page = Vec::new();
    while let Some(p) = pages.next().await {
        by_page.extend(p.unwrap().files);
    }
    let mut files = week().files();
    let mut by_file = Vec::new();
    while let Some(f) = files.next().await {
        by_file.push(f.unwrap());
    }
    assert_eq!(by_page.len(), 12);
    assert_eq!(by_page, by_file);

    let mut capped = week().max_pages(2).files();
    let mut seen = 0;
    let mut last = None;
    while let Some(f) = capped.next().await {
        match f {
            Ok(_) => seen += 1,
            Err(err) => last = Some(err),
        }
    }
    assert_eq!((seen, last.and_then(|e| e.page())), (10, Some(3)));
    e.shutdown().await;
}

#[tokio::test]
async fn an_incomplete_request_is_refused_the_same_way_with_nothing_sent() {
    let (e, c, _env) = start(EmulatorConfig::new()).await;
    let sent = c
        .send(GetPullRecordTaskRequest::default())
        .await
        .unwrap_err();
    let built = c.get_pull_record_task().send().await.unwrap_err();
    for err in [&sent, &built] {
        assert!(matches!(err.kind(), ErrorKind::InvalidInput(v) if v.field == "TaskID"));
        assert_eq!(err.attempts(), 0, "nothing was sent");
    }
    assert_eq!(sent.to_string(), built.to_string());
    e.shutdown().await;
}
