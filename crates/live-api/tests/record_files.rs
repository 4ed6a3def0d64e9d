//! From a task to its files against the emulator, on one manual clock shared by the client
//! and the emulator: short and long spans, stops, filters and paging, the 10/s limit; a
//! client clock behind the emulator's, and one at a fraction of a second. Against canned
//! answers: a task the server gives with an unusable field is an answer the client cannot use
//! (a decode error), not the caller's input.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use live_api::env::{Environment, ManualEnvironment};
use live_api::pacing::Pacing;
use live_api::{Credentials, ErrorKind, LiveClient};
use live_emulator::{
    Emulator, EmulatorConfig, SeedTask, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, OK_CODE,
    THROTTLED_CODE,
};
use live_model::sanitize::is_escaped;
use live_model::{format_rfc3339, GetShape, PullRecordTask, RecordFile, RecordStorage, TaskStatus};
use live_transport::test_util::CannedTransport;
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

async fn create(c: &LiveClient, stream: &str, start: u64, end: u64) -> String {
    c.create_pull_record_task()
        .vhost("example.com")
        .domain("pull.example.com")
        .app("live")
        .stream(stream)
        .stream_url(format!("http://pull.example.com/live/{stream}.flv"))
        .start_time(utc(start))
        .end_time(utc(end))
        .send()
        .await
        .unwrap()
        .task_id
}

#[tokio::test]
async fn a_short_task_has_no_file_before_it_runs_and_one_after_its_end() {
    let (e, c, env) = start(EmulatorConfig::new()).await;
    let id = create(&c, "short", T0 + 600, T0 + 1_200).await;
    assert!(
        c.record_files_of(&id).all().await.unwrap().is_empty(),
        "not started: an empty stream, not an error"
    );
    env.advance(Duration::from_secs(900));
    assert!(
        c.record_files_of(&id).all().await.unwrap().is_empty(),
        "still recording"
    );
    env.advance(Duration::from_secs(600));
    let task = c
        .get_pull_record_task()
        .task_id(&id)
        .send()
        .await
        .unwrap()
        .task;
    assert_eq!(task.status, TaskStatus::Finished);
    // From the task, or from its id: the same file.
    let files = c.record_files_of(&task).all().await.unwrap();
    assert_eq!(files, c.record_files_of(id.as_str()).all().await.unwrap());
    let [f] = &files[..] else { panic!("{files:?}") };
    assert_eq!(
        (
            f.vhost.as_str(),
            f.app.as_str(),
            f.stream.as_str(),
            f.format.as_str()
        ),
        ("example.com", "live", "short", "flv")
    );
    assert_eq!(f.start_time_utc, utc(T0 + 600));
    assert_eq!(f.end_time_utc, utc(T0 + 1_200));
    assert_eq!(
        f.parse_start_time().unwrap(),
        task.parse_start_time().unwrap()
    );
    assert_eq!(f.duration_number(), Some(600.0));
    assert_eq!(f.recorded_span(), Some(Duration::from_secs(600)));
    assert_eq!(
        f.location().unwrap().to_string(),
        format!(
            "tos://{}/record/example.com/live/short/{}",
            live_emulator::DEFAULT_RECORD_BUCKET,
            f.file_name
        )
    );
    assert!(f.vid.is_empty());
    e.shutdown().await;
}

#[tokio::test]
async fn a_twenty_day_task_is_found_across_three_windows() {
    let config = EmulatorConfig::new().record_segment(Duration::from_secs(86_400));
    let (e, c, env) = start(config).await;
    let id = create(&c, "long", T0 + 60, T0 + 60 + 20 * 86_400).await;
    env.advance(Duration::from_secs(21 * 86_400));
    let mut stream = c.record_files_of(&id).page_size(3).files();
    let mut files: Vec<RecordFile> = Vec::new();
    while let Some(f) = stream.next().await {
        files.push(f.unwrap());
    }
    assert_eq!(stream.windows(), Some(3));
    assert_eq!(files.len(), 20, "one file a day");
    for (day, f) in files.iter().enumerate() {
        assert_eq!(f.start_time_utc, utc(T0 + 60 + day as u64 * 86_400));
        assert_eq!(f.duration, "86400");
    }
    assert_eq!(files[19].end_time_utc, utc(T0 + 60 + 20 * 86_400));
    e.shutdown().await;
}

#[tokio::test]
async fn a_stopped_task_file_ends_at_the_stop() {
    let (e, c, env) = start(EmulatorConfig::new()).await;
    let id = create(&c, "stopped", T0 + 60, T0 + 7_200).await;
    env.advance(Duration::from_secs(60 + 1_234));
    c.stop_pull_record_task().task_id(&id).send().await.unwrap();
    env.advance(Duration::from_secs(3 * 86_400));
    let files = c.record_files_of(&id).all().await.unwrap();
    let [f] = &files[..] else { panic!("{files:?}") };
    assert_eq!(f.start_time_utc, utc(T0 + 60));
    assert_eq!(f.end_time_utc, utc(T0 + 60 + 1_234));
    assert_eq!(f.duration, "1234");
    e.shutdown().await;
}

fn seeded(n: u64) -> Vec<SeedTask> {
    (0..n)
        .map(|i| {
            let mut t = SeedTask::documented_example();
            t.task_id = format!("t{i:03}");
            t.app = format!("a{}", i % 3);
            t.stream = format!("s{}", i % 100);
            t.start_time = utc(T0 + i * 3_600);
            t.end_time = utc(T0 + i * 3_600 + 1_800);
            t
        })
        .collect()
}

#[tokio::test]
async fn filters_and_paging_over_hundreds_of_files() {
    let config = EmulatorConfig::new()
        .without_example_task()
        .seed(seeded(300))
        .rate_limit(false);
    let (e, c, env) = start(config).await;
    env.advance(Duration::from_secs(400 * 3_600));
    let week = || {
        c.describe_record_task_file_history()
            .date_from("2023-11-01T00:00:00Z")
            .date_to("2023-11-08T00:00:00Z")
    };
    let mut pages = week().page_size(50).pages();
    let mut sizes = Vec::new();
    while let Some(p) = pages.next().await {
        let p = p.unwrap();
        assert!(!p.request_id().is_empty());
        sizes.push(p.files.len());
    }
    assert_eq!(sizes, [50, 50, 50, 19]);
    let one = week().page_size(50).page_num(2).send().await.unwrap();
    assert_eq!(
        (one.pagination.page_cur, one.pagination.total_count),
        (2, 169)
    );
    let mut files = week().app("a1").page_size(7).files();
    let mut n = 0;
    while let Some(f) = files.next().await {
        assert_eq!(f.unwrap().app, "a1");
        n += 1;
    }
    assert_eq!(n, 56);
    let vod = week().storage(RecordStorage::Vod).send().await.unwrap();
    assert_eq!(vod.pagination.total_count, 0, "stored in tos");
    // One task's files: only its stream, although others of its app recorded nearby.
    let task = c
        .get_pull_record_task()
        .task_id("t004")
        .send()
        .await
        .unwrap()
        .task;
    let files = c.record_files_of(&task).page_size(1).all().await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].app.as_str(), files[0].stream.as_str()),
        ("a1", "s4")
    );
    e.shutdown().await;
}

#[tokio::test]
async fn the_nested_get_shape_finds_the_stream_through_the_listing() {
    let config = EmulatorConfig::new().get_shape(GetShape::Nested);
    let (e, c, env) = start(config).await;
    let id = create(&c, "nested", T0 + 60, T0 + 120).await;
    env.advance(Duration::from_secs(600));
    let files = c.record_files_of(&id).all().await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].stream, "nested");
    e.shutdown().await;
}

#[tokio::test]
async fn the_documented_example_task_has_its_file() {
    let (e, c, _env) = start(EmulatorConfig::new()).await;
    let files = c
        .record_files_of(live_emulator::EXAMPLE_TASK_ID)
        .all()
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].start_time, "2023-10-09T15:16:15+08:00");
    e.shutdown().await;
}

#[tokio::test]
async fn twenty_pages_keep_to_the_ten_a_second_limit() {
    // 20 daily files, one a page: more than 10 requests. Paced (the default), the client
    // spaces them on the shared clock and the emulator throttles none.
    let config = EmulatorConfig::new().record_segment(Duration::from_secs(86_400));
    let (e, c, env) = start(config).await;
    let id = create(&c, "paced", T0 + 60, T0 + 60 + 20 * 86_400).await;
    env.advance(Duration::from_secs(21 * 86_400));
    let before = env.elapsed();
    let files = c.record_files_of(&id).page_size(1).all().await.unwrap();
    assert_eq!(files.len(), 20);
    let stats = e.stats();
    let action = "DescribeRecordTaskFileHistory";
    assert_eq!(stats.count(action, THROTTLED_CODE), 0, "{stats:?}");
    assert!(stats.count(action, OK_CODE) > 10, "{stats:?}");
    // More than ten calls cannot fit in one second of the shared clock.
    assert!(env.elapsed() - before >= Duration::from_secs(1));
    e.shutdown().await;
}

#[tokio::test]
async fn unpaced_the_ten_a_second_limit_is_waited_out() {
    // The same without pacing: the emulator answers 429 with Retry-After: 1; the client
    // waits a second on the shared clock and goes on.
    let config = EmulatorConfig::new().record_segment(Duration::from_secs(86_400));
    let (e, paced, env) = start(config).await;
    let id = create(&paced, "unpaced", T0 + 60, T0 + 60 + 20 * 86_400).await;
    let c = LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .environment(Arc::new(env.clone()))
        .pacing(Pacing::Off)
        .build()
        .unwrap();
    env.advance(Duration::from_secs(21 * 86_400));
    let files = c.record_files_of(&id).page_size(1).all().await.unwrap();
    assert_eq!(files.len(), 20);
    assert!(
        env.sleeps().contains(&Duration::from_secs(1)),
        "{:?}",
        env.sleeps()
    );
    assert!(
        e.stats()
            .count("DescribeRecordTaskFileHistory", THROTTLED_CODE)
            > 0
    );
    e.shutdown().await;
}

#[tokio::test]
async fn invalid_input_is_refused_before_sending() {
    let (e, c, _env) = start(EmulatorConfig::new()).await;
    let err = c
        .describe_record_task_file_history()
        .date_from("2023-11-01T00:00:00Z")
        .send()
        .await
        .unwrap_err();
    let ErrorKind::InvalidInput(v) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(v.field, "DateTo");
    let err = c
        .describe_record_task_file_history()
        .date_from("2023-11-01T00:00:00Z")
        .date_to("2023-11-09T00:00:00Z")
        .stream("s")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput(v) if v.field == "DateTo"));
    assert_eq!(err.attempts(), 0, "nothing was sent");
    e.shutdown().await;
}

/// The emulator's clock, `ahead` of the client's manual clock.
struct AheadClock(ManualEnvironment, Duration);

impl live_emulator::Clock for AheadClock {
    fn now(&self) -> SystemTime {
        self.0.now() + self.1
    }
}

#[tokio::test]
async fn a_client_clock_behind_the_server_still_finds_an_ended_task_files() {
    // The client's clock is two days behind the emulator's: for the client, the task has not
    // even started; for the server it has ended (or was stopped).
    let env = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(T0));
    let ahead = Duration::from_secs(2 * 86_400);
    let seed = |id: &str, stream: &str, stopped: bool| {
        let mut t = SeedTask::documented_example();
        t.task_id = id.into();
        t.stream = stream.into();
        t.start_time = utc(T0 + 3_600);
        t.end_time = utc(T0 + 5_400);
        t.stopped = stopped;
        t
    };
    let config = EmulatorConfig::new()
        .without_example_task()
        .seed(vec![seed("ended", "ended", false)])
        .max_skew(ahead * 2)
        .clock(Arc::new(AheadClock(env.clone(), ahead)));
    let e = Emulator::start(config).await.unwrap();
    let c = LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .environment(Arc::new(env.clone()))
        .build()
        .unwrap();
    let task = c
        .get_pull_record_task()
        .task_id("ended")
        .send()
        .await
        .unwrap()
        .task;
    assert_eq!(task.status, TaskStatus::Finished);
    assert!(task.parse_start_time().unwrap() > OffsetDateTime::from(env.now()));
    let files = c.record_files_of("ended").all().await.unwrap();
    let [f] = &files[..] else { panic!("{files:?}") };
    assert_eq!(
        (f.start_time_utc.as_str(), f.end_time_utc.as_str()),
        (utc(T0 + 3_600).as_str(), utc(T0 + 5_400).as_str())
    );
    assert_eq!(files, c.record_files_of(&task).all().await.unwrap());
    e.shutdown().await;
}

#[tokio::test]
async fn a_clock_at_a_fraction_of_a_second_past_a_week_still_lists() {
    // A task still recording spans its start to now: a week and the minute's lead plus
    // 400 ms. The last window is rounded up to a whole second instead of being empty once
    // written to the second (which the request's validation refuses).
    let (e, c, env) = start(EmulatorConfig::new()).await;
    let id = create(&c, "fraction", T0 + 60, T0 + 8 * 86_400).await;
    env.advance(Duration::from_secs(7 * 86_400) + Duration::from_millis(400));
    let mut stream = c.record_files_of(&id).files();
    // The emulator lists a recording once it has ended: none yet, and no error.
    let first = stream.next().await;
    assert!(first.is_none(), "{first:?}");
    assert_eq!(stream.windows(), Some(2));
    let action = "DescribeRecordTaskFileHistory";
    assert_eq!(e.stats().count(action, OK_CODE), 2, "both windows asked");
    e.shutdown().await;
}

/// A GetPullRecordTask answer with `task` as its `Result`.
fn get_answer(task: serde_json::Value) -> String {
    serde_json::json!({"ResponseMetadata": {"RequestId": "req-get", "Action": "GetPullRecordTask",
        "Version": "2023-01-01"}, "Result": task})
    .to_string()
}

fn canned_client(canned: &Arc<CannedTransport>) -> LiveClient {
    LiveClient::builder()
        .endpoint("https://live.volcengineapi.com")
        .credentials(Credentials::new("AKLTtest", "secret").unwrap())
        .transport(canned.clone())
        .environment(Arc::new(ManualEnvironment::new(
            UNIX_EPOCH + Duration::from_secs(T0),
        )))
        .build()
        .unwrap()
}

fn a_task() -> serde_json::Value {
    serde_json::json!({"TaskId": "t", "StartTime": "2023-10-09T07:16:15Z",
        "EndTime": "2023-10-09T07:18:28Z", "Vhost": "v.example.com", "Domain": "pull.example.com",
        "App": "live", "Stream": "s", "Status": "已结束"})
}

#[tokio::test]
async fn a_server_task_with_an_unusable_field_is_a_decode_error_naming_it() {
    let hostile = "\u{1b}]0;pwned\u{7}".repeat(20);
    let cases: Vec<(&str, serde_json::Value, Vec<String>)> = vec![
        (
            "StartTime",
            "soon".into(),
            vec!["StartTime".into(), "\"soon\"".into()],
        ),
        (
            "StartTime",
            "".into(),
            vec!["StartTime".into(), "empty".into()],
        ),
        (
            "StartTime",
            hostile.clone().into(),
            vec!["StartTime".into(), "pwned".into()],
        ),
        ("App", "".into(), vec!["App".into()]),
        (
            "StartTime",
            "0001-01-01T00:00:00Z".into(),
            vec!["StartTime".into(), "weeks".into()],
        ),
    ];
    for (field, value, named) in cases {
        let mut task = a_task();
        task[field] = value.clone();
        let canned = Arc::new(CannedTransport::new());
        canned.push_status(200, get_answer(task.clone()));
        let c = canned_client(&canned);
        let err = c.record_files_of("t").all().await.unwrap_err();
        let ErrorKind::Decode(d) = err.kind() else {
            panic!("{field}={value}: {err:?}")
        };
        assert_eq!(d.action, "GetPullRecordTask");
        assert_eq!(err.request_id(), Some("req-get"));
        assert_eq!(
            canned.requests().len(),
            1,
            "the Get was sent; nothing after it"
        );
        let text = err.to_string();
        for n in &named {
            assert!(text.contains(n.as_str()), "{field}={value}: {text}");
        }
        assert!(!text.contains("nothing was sent"), "{text}");
        assert!(!text.chars().any(is_escaped), "{text:?}");
        assert!(text.chars().count() < 600, "{text}");

        // The same task passed in, as Get or List returned it: the same kind, nothing sent.
        let task: PullRecordTask = serde_json::from_value(task).unwrap();
        let canned = Arc::new(CannedTransport::new());
        let err = canned_client(&canned)
            .record_files_of(task)
            .all()
            .await
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode(_)), "{err:?}");
        assert!(canned.requests().is_empty());
    }
}

#[tokio::test]
async fn a_nested_task_whose_stream_is_not_listed_is_a_decode_error() {
    let mut task = a_task();
    task.as_object_mut().unwrap().remove("Stream");
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(200, get_answer(serde_json::json!({"TaskDetail": task})));
    canned.push_status(
        200,
        serde_json::json!({"ResponseMetadata": {"RequestId": "req-list"},
            "Result": {"List": [], "Pagination": {"PageCur": 1, "PageSize": 500,
            "PageTotal": 0, "TotalCount": 0}}})
        .to_string(),
    );
    let err = canned_client(&canned)
        .record_files_of("t")
        .all()
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("Stream"), "{err}");
}

/// A DescribeRecordTaskFileHistory answer: page `cur` of `pages`, one file a page, holding
/// the task's files named `names`.
fn files_answer(cur: u32, pages: u32, names: &[&str]) -> String {
    let data: Vec<_> = names
        .iter()
        .map(|n| {
            serde_json::json!({"Vhost": "v.example.com", "App": "live", "Stream": "s",
                "FileName": n, "StartTimeUTC": "2023-10-02T00:00:00Z",
                "EndTimeUTC": "2023-10-02T01:00:00Z"})
        })
        .collect();
    serde_json::json!({"ResponseMetadata": {"RequestId": format!("req-files-{cur}")},
        "Result": {"Data": data, "Pagination": {"PageCur": cur, "PageSize": 1,
        "PageTotal": pages, "TotalCount": pages}}})
    .to_string()
}

/// A finished task of nineteen days: three windows.
fn three_window_task() -> PullRecordTask {
    let mut task = a_task();
    task["StartTime"] = "2023-10-01T00:00:00Z".into();
    task["EndTime"] = "2023-10-20T00:00:00Z".into();
    serde_json::from_value(task).unwrap()
}

#[tokio::test]
async fn an_error_in_one_window_ends_the_task_files_and_no_later_window_is_asked() {
    // Page 2 of the first window is answered as page 1 again: the pages do not advance.
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(200, files_answer(1, 2, &["a"]));
    canned.push_status(200, files_answer(1, 2, &["a"]));
    let mut files = canned_client(&canned)
        .record_files_of(three_window_task())
        .page_size(1)
        .files();
    assert_eq!(files.next().await.unwrap().unwrap().file_name, "a");
    let err = files.next().await.unwrap().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Pagination {
                page: 2,
                problem: live_api::error::PaginationProblem::Repeated { answered: 1 }
            }
        ),
        "{err:?}"
    );
    assert!(files.next().await.is_none(), "the stream stays ended");
    assert_eq!(files.windows(), Some(3));
    assert_eq!(canned.requests().len(), 2, "the second window is not asked");
}

#[tokio::test]
async fn the_page_cap_holds_per_window_and_ends_the_task_files() {
    // The first window claims two pages; one is allowed per window.
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(200, files_answer(1, 2, &["a"]));
    let result = canned_client(&canned)
        .record_files_of(three_window_task())
        .page_size(1)
        .max_pages_per_window(1)
        .all()
        .await;
    let err = result.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Pagination {
                page: 2,
                problem: live_api::error::PaginationProblem::TooManyPages { max_pages: 1 }
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        canned.requests().len(),
        1,
        "page 2 and later windows are not asked"
    );
}
