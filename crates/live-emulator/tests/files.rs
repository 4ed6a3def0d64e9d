//! DescribeRecordTaskFileHistory on the emulator: files appear when recordings end, carry every
//! documented field, are filtered and paged; the rules are `InvalidParam` naming the field;
//! the action is limited to 10 requests a second.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Answer, Client};
use live_emulator::{Emulator, EmulatorConfig, ManualClock, SeedTask};
use live_model::RecordStorage;

const ACTION: &str = "DescribeRecordTaskFileHistory";
/// 2023-11-01T00:00:00Z.
const T0: u64 = 1_698_796_800;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

async fn start(config: EmulatorConfig, now: u64) -> (Emulator, Client, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(at(now)));
    let e = Emulator::start(config.clock(clock.clone())).await.unwrap();
    let c = Client::demo(&e.base_url());
    (e, c, clock)
}

async fn call(c: &Client, clock: &ManualClock, action: &str, body: serde_json::Value) -> Answer {
    use live_emulator::Clock as _;
    c.call_at(action, &body.to_string(), clock.now()).await
}

async fn files(c: &Client, clock: &ManualClock, body: serde_json::Value) -> Answer {
    let a = call(c, clock, ACTION, body).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    a
}

fn seed(id: &str, app: &str, stream: &str, start: &str, end: &str) -> SeedTask {
    let mut t = SeedTask::documented_example();
    t.task_id = id.into();
    t.app = app.into();
    t.stream = stream.into();
    t.start_time = start.into();
    t.end_time = end.into();
    t
}

#[tokio::test]
async fn the_documented_example_task_has_its_file_from_the_start() {
    let (e, c, clock) = start(EmulatorConfig::new(), T0).await;
    let a = files(
        &c,
        &clock,
        serde_json::json!({"DateFrom": "2023-10-09T00:00:00+08:00", "DateTo": "2023-10-10T00:00:00+08:00",
            "PageNum": 1, "PageSize": 30, "Vhost": "example.com"}),
    )
    .await;
    assert_eq!(
        a.result()["Pagination"],
        serde_json::json!({"PageCur": 1, "PageSize": 30, "PageTotal": 1, "TotalCount": 1})
    );
    let f = &a.result()["Data"][0];
    assert_eq!(
        f,
        &serde_json::json!({
            "Vhost": "example.com", "App": "live", "Stream": "example_stream",
            "FileName": "example_stream_1696835775_1696835908.flv", "Format": "flv", "Duration": "133",
            "StartTime": "2023-10-09T15:16:15+08:00", "EndTime": "2023-10-09T15:18:28+08:00",
            "StartTimeUTC": "2023-10-09T07:16:15Z", "EndTimeUTC": "2023-10-09T07:18:28Z",
            "Bucket": live_emulator::DEFAULT_RECORD_BUCKET,
            "Path": "record/example.com/live/example_stream/example_stream_1696835775_1696835908.flv",
            "Vid": ""
        })
    );
    e.shutdown().await;
}

#[tokio::test]
async fn a_file_appears_when_the_recording_ends_and_a_stop_ends_it() {
    let (e, c, clock) = start(EmulatorConfig::new().without_example_task(), T0).await;
    let window = serde_json::json!({"DateFrom": "2023-11-01T00:00:00Z", "DateTo": "2023-11-02T00:00:00Z",
        "PageNum": 1, "PageSize": 10});
    let create = |stream: &str, end: &str| {
        serde_json::json!({"Domain": "pull.example.com", "App": "live", "Stream": stream,
            "StreamURL": "http://pull.example.com/live/x.flv", "StartTime": "2023-11-01T08:00:00+08:00", "EndTime": end})
    };
    let a = call(
        &c,
        &clock,
        "CreatePullRecordTask",
        create("ends", "2023-11-01T09:00:00+08:00"),
    )
    .await;
    assert_eq!(a.status, 200);
    let b = call(
        &c,
        &clock,
        "CreatePullRecordTask",
        create("stopped", "2023-11-01T10:00:00+08:00"),
    )
    .await;
    let stopped_id = b.result()["TaskId"].as_str().unwrap().to_owned();
    // Before the start, and while recording: no file.
    assert_eq!(
        files(&c, &clock, window.clone()).await.result()["Pagination"]["TotalCount"],
        0
    );
    clock.set(at(T0 + 1_800));
    assert_eq!(
        files(&c, &clock, window.clone()).await.result()["Pagination"]["TotalCount"],
        0
    );
    // Stopped half an hour in: its file ends at the stop.
    let s = call(
        &c,
        &clock,
        "StopPullRecordTask",
        serde_json::json!({"TaskId": stopped_id}),
    )
    .await;
    assert_eq!(s.status, 200);
    let a = files(&c, &clock, window.clone()).await;
    assert_eq!(a.result()["Pagination"]["TotalCount"], 1);
    let f = &a.result()["Data"][0];
    assert_eq!(f["Stream"], "stopped");
    assert_eq!(f["StartTime"], "2023-11-01T08:00:00+08:00");
    assert_eq!(f["EndTime"], "2023-11-01T08:30:00+08:00");
    assert_eq!(f["EndTimeUTC"], "2023-11-01T00:30:00Z");
    assert_eq!(f["Duration"], "1800");
    // Past the other's end: both, ordered by start, then creation.
    clock.set(at(T0 + 3_600));
    let a = files(&c, &clock, window).await;
    let streams: Vec<_> = a.result()["Data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["Stream"].clone())
        .collect();
    assert_eq!(streams, ["ends", "stopped"]);
    assert_eq!(a.result()["Data"][0]["Duration"], "3600");
    e.shutdown().await;
}

#[tokio::test]
async fn a_task_stopped_before_its_start_and_a_seeded_stopped_task_have_no_file() {
    let mut stopped = seed(
        "seed-stopped",
        "live",
        "s1",
        "2023-10-01T00:00:00Z",
        "2023-10-01T01:00:00Z",
    );
    stopped.stopped = true;
    let (e, c, clock) = start(
        EmulatorConfig::new()
            .without_example_task()
            .seed(vec![stopped]),
        T0,
    )
    .await;
    let a = call(&c, &clock, "CreatePullRecordTask", serde_json::json!({"Domain": "pull.example.com", "App": "live",
        "Stream": "s2", "StreamURL": "http://pull.example.com/live/x.flv", "StartTime": "2023-11-01T01:00:00Z",
        "EndTime": "2023-11-01T02:00:00Z"})).await;
    let id = a.result()["TaskId"].as_str().unwrap().to_owned();
    call(
        &c,
        &clock,
        "StopPullRecordTask",
        serde_json::json!({"TaskId": id}),
    )
    .await;
    clock.set(at(T0 + 86_400));
    for (from, to) in [
        ("2023-09-30T00:00:00Z", "2023-10-02T00:00:00Z"),
        ("2023-11-01T00:00:00Z", "2023-11-02T00:00:00Z"),
    ] {
        let a = files(
            &c,
            &clock,
            serde_json::json!({"DateFrom": from, "DateTo": to, "PageNum": 1, "PageSize": 10}),
        )
        .await;
        assert_eq!(a.result()["Data"], serde_json::json!([]), "{from}");
    }
    e.shutdown().await;
}

#[tokio::test]
async fn filters_window_and_paging_over_hundreds_of_files() {
    // 300 finished tasks: apps a0..a2, streams s0..s99, one per hour from T0.
    let mut tasks = Vec::new();
    for i in 0..300u64 {
        let start = time::OffsetDateTime::from_unix_timestamp((T0 + i * 3_600) as i64).unwrap();
        let fmt = |t: time::OffsetDateTime| live_model::format_rfc3339(t);
        tasks.push(seed(
            &format!("t{i:03}"),
            &format!("a{}", i % 3),
            &format!("s{}", i % 100),
            &fmt(start),
            &fmt(start + time::Duration::minutes(30)),
        ));
    }
    let (e, c, clock) = start(
        EmulatorConfig::new()
            .without_example_task()
            .seed(tasks)
            .rate_limit(false),
        T0 + 400 * 3_600,
    )
    .await;
    let week = |from: &str, to: &str| serde_json::json!({"DateFrom": from, "DateTo": to, "PageNum": 1, "PageSize": 1000});
    // The window filters on the start, both ends included.
    let a = files(
        &c,
        &clock,
        week("2023-11-01T00:00:00Z", "2023-11-08T00:00:00Z"),
    )
    .await;
    assert_eq!(a.result()["Pagination"]["TotalCount"], 169, "hours 0..=168");
    let a = files(
        &c,
        &clock,
        week("2023-11-01T00:00:01Z", "2023-11-01T01:00:00Z"),
    )
    .await;
    assert_eq!(
        a.result()["Data"][0]["StartTimeUTC"],
        "2023-11-01T01:00:00Z"
    );
    assert_eq!(a.result()["Pagination"]["TotalCount"], 1);
    // Paging: 169 files in pages of 50, in start order, none twice.
    let mut seen = Vec::new();
    for page in 1..=4 {
        let a = files(
            &c,
            &clock,
            serde_json::json!({"DateFrom": "2023-11-01T00:00:00Z", "DateTo": "2023-11-08T00:00:00Z",
            "PageNum": page, "PageSize": 50}),
        )
        .await;
        let p = &a.result()["Pagination"];
        assert_eq!(
            (
                p["PageCur"].as_u64(),
                p["PageTotal"].as_u64(),
                p["TotalCount"].as_u64()
            ),
            (Some(page), Some(4), Some(169))
        );
        let data = a.result()["Data"].as_array().unwrap();
        assert_eq!(data.len(), if page < 4 { 50 } else { 19 });
        seen.extend(
            data.iter()
                .map(|f| f["StartTimeUTC"].as_str().unwrap().to_owned()),
        );
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted);
    let beyond = files(
        &c,
        &clock,
        serde_json::json!({"DateFrom": "2023-11-01T00:00:00Z", "DateTo": "2023-11-08T00:00:00Z",
        "PageNum": 5, "PageSize": 50}),
    )
    .await;
    assert_eq!(beyond.result()["Data"], serde_json::json!([]));
    // Filters: app, app + stream, vhost, and the storage type.
    let mut q = week("2023-11-01T00:00:00Z", "2023-11-08T00:00:00Z");
    q["App"] = "a1".into();
    let a = files(&c, &clock, q.clone()).await;
    assert_eq!(a.result()["Pagination"]["TotalCount"], 56);
    assert!(a.result()["Data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["App"] == "a1"));
    q["Stream"] = "s4".into();
    let a = files(&c, &clock, q.clone()).await;
    let data = a.result()["Data"].as_array().unwrap();
    assert_eq!(
        data.len(),
        1,
        "task 4 only (104 is of app a2, 204 out of the window)"
    );
    assert_eq!(data[0]["StartTimeUTC"], "2023-11-01T04:00:00Z");
    q["Vhost"] = "other.example.com".into();
    assert_eq!(
        files(&c, &clock, q).await.result()["Pagination"]["TotalCount"],
        0
    );
    let mut q = week("2023-11-01T00:00:00Z", "2023-11-08T00:00:00Z");
    q["Type"] = "vod".into();
    assert_eq!(
        files(&c, &clock, q.clone()).await.result()["Pagination"]["TotalCount"],
        0,
        "stored in tos"
    );
    q["Type"] = "tos".into();
    assert_eq!(
        files(&c, &clock, q).await.result()["Pagination"]["TotalCount"],
        169
    );
    e.shutdown().await;
}

#[tokio::test]
async fn vod_storage_has_a_vid_and_no_bucket_or_path_and_segments_cut_a_long_recording() {
    let long = seed(
        "long",
        "live",
        "s",
        "2023-11-01T00:00:00+08:00",
        "2023-11-03T12:00:00+08:00",
    );
    let config = EmulatorConfig::new()
        .without_example_task()
        .seed(vec![long])
        .record_storage(RecordStorage::Vod)
        .record_segment(Duration::from_secs(86_400));
    let (e, c, clock) = start(config, T0 + 7 * 86_400).await;
    let a = files(
        &c,
        &clock,
        serde_json::json!({"DateFrom": "2023-10-31T00:00:00Z", "DateTo": "2023-11-06T00:00:00Z",
        "PageNum": 1, "PageSize": 10, "Type": "vod"}),
    )
    .await;
    let data = a.result()["Data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "one day, one day, half a day");
    let durations: Vec<_> = data
        .iter()
        .map(|f| f["Duration"].as_str().unwrap())
        .collect();
    assert_eq!(durations, ["86400", "86400", "43200"]);
    assert_eq!(data[2]["EndTime"], "2023-11-03T12:00:00+08:00");
    let mut vids = Vec::new();
    for f in data {
        assert_eq!(
            (f["Bucket"].as_str(), f["Path"].as_str()),
            (Some(""), Some(""))
        );
        let vid = f["Vid"].as_str().unwrap();
        assert!(vid.starts_with("v0") && vid.len() == 32, "{vid}");
        vids.push(vid.to_owned());
        assert_eq!(f.as_object().unwrap().len(), 13, "every documented field");
    }
    vids.dedup();
    assert_eq!(vids.len(), 3);
    // Type defaults to tos: nothing there.
    let a = files(
        &c,
        &clock,
        serde_json::json!({"DateFrom": "2023-10-31T00:00:00Z", "DateTo": "2023-11-06T00:00:00Z",
        "PageNum": 1, "PageSize": 10}),
    )
    .await;
    assert_eq!(a.result()["Pagination"]["TotalCount"], 0);
    e.shutdown().await;
}

#[tokio::test]
async fn the_bucket_is_configurable_and_checked() {
    let (e, c, clock) = start(EmulatorConfig::new().record_bucket("my-records"), T0).await;
    let a = files(&c, &clock, serde_json::json!({"DateFrom": "2023-10-09T00:00:00+08:00", "DateTo": "2023-10-10T00:00:00+08:00",
        "PageNum": 1, "PageSize": 30})).await;
    assert_eq!(a.result()["Data"][0]["Bucket"], "my-records");
    e.shutdown().await;
    for bad in ["", "ab", "My-Records", "-x-", &"a".repeat(64)] {
        let err = Emulator::start(EmulatorConfig::new().record_bucket(bad))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("record bucket"), "{bad}: {err}");
    }
    let err = Emulator::start(EmulatorConfig::new().record_segment(Duration::from_secs(59)))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("60 seconds"), "{err}");
}

#[tokio::test]
async fn a_segment_longer_than_any_recording_gives_one_file() {
    for segment in [
        Duration::from_secs(u64::MAX),
        Duration::MAX,
        Duration::from_secs(86_400 * 365),
    ] {
        let (e, c, clock) = start(EmulatorConfig::new().record_segment(segment), T0).await;
        let a = files(
            &c,
            &clock,
            serde_json::json!({"DateFrom": "2023-10-09T00:00:00+08:00", "DateTo": "2023-10-10T00:00:00+08:00",
                "PageNum": 1, "PageSize": 30}),
        )
        .await;
        assert_eq!(a.result()["Pagination"]["TotalCount"], 1, "{segment:?}");
        assert_eq!(a.result()["Data"][0]["Duration"], "133", "{segment:?}");
        e.shutdown().await;
    }
}

#[tokio::test]
async fn every_rule_is_invalid_param_naming_the_field() {
    let (e, c, clock) = start(EmulatorConfig::new().rate_limit(false), T0).await;
    let ok = serde_json::json!({"DateFrom": "2023-11-01T00:00:00+08:00", "DateTo": "2023-11-07T23:59:59+08:00",
        "PageNum": 1, "PageSize": 30});
    let with = |key: &str, value: serde_json::Value| {
        let mut b = ok.clone();
        b[key] = value;
        b
    };
    let cases = [
        (with("DateFrom", "".into()), "DateFrom"),
        (with("DateFrom", "2023-11-01 00:00:00".into()), "DateFrom"),
        (
            with("DateFrom", "2023-11-01T00:00:00.5+08:00".into()),
            "DateFrom",
        ),
        (with("DateTo", "tomorrow".into()), "DateTo"),
        (with("DateTo", "2023-11-08T00:00:01+08:00".into()), "DateTo"),
        (with("DateTo", "2023-10-31T00:00:00+08:00".into()), "DateTo"),
        (with("PageNum", 0.into()), "PageNum"),
        (with("PageSize", 0.into()), "PageSize"),
        (with("Vhost", "bad host".into()), "Vhost"),
        (with("App", "a/b".into()), "App"),
        (with("Stream", "s".into()), "Stream"),
        (with("Type", "s3".into()), "Type"),
    ];
    for (body, field) in cases {
        let a = call(&c, &clock, ACTION, body.clone()).await;
        assert_eq!((a.status, a.code()), (400, "InvalidParam"), "{body}");
        let message = a.json["ResponseMetadata"]["Error"]["Message"]
            .as_str()
            .unwrap();
        assert!(message.contains(field), "{field}: {message}");
    }
    let mut missing = ok.clone();
    missing.as_object_mut().unwrap().remove("DateTo");
    let a = call(&c, &clock, ACTION, missing).await;
    assert_eq!(a.code(), "InvalidParam");
    assert!(a.json["ResponseMetadata"]["Error"]["Message"]
        .as_str()
        .unwrap()
        .contains("DateTo"));
    let a = call(&c, &clock, ACTION, with("PageNum", "one".into())).await;
    assert_eq!(a.code(), "InvalidParam.BindError");
    e.shutdown().await;
}

#[tokio::test]
async fn ten_requests_a_second() {
    let (e, c, clock) = start(EmulatorConfig::new(), T0).await;
    let body = serde_json::json!({"DateFrom": "2023-10-09T00:00:00Z", "DateTo": "2023-10-10T00:00:00Z",
        "PageNum": 1, "PageSize": 30});
    for i in 0..10 {
        let a = call(&c, &clock, ACTION, body.clone()).await;
        assert_eq!(a.status, 200, "request {i}");
    }
    let a = call(&c, &clock, ACTION, body.clone()).await;
    assert_eq!((a.status, a.code()), (429, "FlowLimitExceeded"));
    assert_eq!(a.headers["retry-after"], "1");
    // Another action's budget is its own; the next second is a fresh one.
    let g = call(
        &c,
        &clock,
        "GetPullRecordTask",
        serde_json::json!({"TaskID": live_emulator::EXAMPLE_TASK_ID}),
    )
    .await;
    assert_eq!(g.status, 200);
    clock.advance(Duration::from_secs(1));
    assert_eq!(call(&c, &clock, ACTION, body).await.status, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn the_official_python_sdk_request_shape_is_answered() {
    // What `describe_record_task_file_history` of the official Python SDK (volcengine 1.0.229)
    // sends: json.dumps output (a space after each colon and comma), signed over
    // content-type;host;x-content-sha256;x-date. tests/official_sdk/ runs the SDK itself.
    let (e, c, clock) = start(EmulatorConfig::new(), T0).await;
    use live_emulator::Clock as _;
    let body = br#"{"DateFrom": "2023-10-09T00:00:00+08:00", "DateTo": "2023-10-10T00:00:00+08:00", "PageNum": 1, "PageSize": 30, "Vhost": "example.com", "App": "live", "Stream": "example_stream"}"#;
    let req = c.signed_at(ACTION, body, clock.now());
    let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
    assert!(auth.contains("SignedHeaders=content-type;host;x-content-sha256;x-date,"));
    let a = c.send(req).await.unwrap();
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let files = a.result()["Data"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let keys: std::collections::BTreeSet<&str> = files[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "App",
            "Bucket",
            "Duration",
            "EndTime",
            "EndTimeUTC",
            "FileName",
            "Format",
            "Path",
            "StartTime",
            "StartTimeUTC",
            "Stream",
            "Vhost",
            "Vid"
        ]
        .into_iter()
        .collect()
    );
    e.shutdown().await;
}
