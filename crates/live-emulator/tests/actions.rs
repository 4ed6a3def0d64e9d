//! The four actions on the store: lifecycle over an injected clock, pagination, accounts,
//! validation, rate limits, and concurrency.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::Client;
use live_emulator::{
    DomainGrant, Emulator, EmulatorConfig, EmulatorCredential, ManualClock, SeedTask,
    DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY,
};
use live_model::GetShape;
use volc_sign::Credentials;

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_735_689_600) // 2025-01-01T00:00:00Z
}

fn rfc(t: SystemTime) -> String {
    live_model::format_rfc3339(time::OffsetDateTime::from(t))
}

struct Fixture {
    e: Emulator,
    c: Client,
    clock: Arc<ManualClock>,
}

impl Fixture {
    async fn new(config: EmulatorConfig) -> Self {
        let clock = Arc::new(ManualClock::new(t0()));
        let e = Emulator::start(config.clock(clock.clone())).await.unwrap();
        let c = Client::demo(&e.base_url());
        Self { e, c, clock }
    }

    async fn call(&self, action: &str, body: &str) -> common::Answer {
        self.c.call_at(action, body, self.clock.now()).await
    }

    async fn status_of(&self, id: &str) -> String {
        let a = self
            .call("GetPullRecordTask", &format!(r#"{{"TaskID":"{id}"}}"#))
            .await;
        assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
        a.result()["Status"].as_str().unwrap().to_owned()
    }

    async fn create(&self, stream: &str, extra: &str) -> common::Answer {
        self.call(
            "CreatePullRecordTask",
            &format!(r#"{{"Domain":"pull.example.com","App":"live","Stream":"{stream}","StreamURL":"http://pull.example.com/live/{stream}.flv"{extra}}}"#),
        )
        .await
    }
}

use live_emulator::Clock as _;

#[tokio::test]
async fn status_follows_the_clock_and_stop() {
    let f = Fixture::new(EmulatorConfig::new().without_example_task()).await;
    let start = t0() + Duration::from_secs(3600);
    let end = t0() + Duration::from_secs(7200);
    let a = f
        .create(
            "s1",
            &format!(r#","StartTime":"{}","EndTime":"{}""#, rfc(start), rfc(end)),
        )
        .await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let id = a.result()["TaskId"].as_str().unwrap().to_owned();
    assert_eq!(f.status_of(&id).await, "未开始");
    f.clock.advance(Duration::from_secs(3600));
    assert_eq!(f.status_of(&id).await, "生效中");
    // A second task for the same stream waits for the first to end.
    let busy = f.create("s1", "").await;
    assert_eq!((busy.status, busy.code()), (400, "InvalidParam"));
    f.clock.advance(Duration::from_secs(3600));
    assert_eq!(f.status_of(&id).await, "已结束");
    let stop_done = f
        .call("StopPullRecordTask", &format!(r#"{{"TaskId":"{id}"}}"#))
        .await;
    assert_eq!((stop_done.status, stop_done.code()), (400, "InvalidParam"));

    // Open-ended: recording until stopped.
    let a = f.create("s1", "").await;
    assert_eq!(a.status, 200);
    let id2 = a.result()["TaskId"].as_str().unwrap().to_owned();
    assert_eq!(f.status_of(&id2).await, "生效中");
    let stop = f
        .call("StopPullRecordTask", &format!(r#"{{"TaskId":"{id2}"}}"#))
        .await;
    assert_eq!(stop.status, 200);
    assert!(
        stop.json.get("Result").is_none(),
        "StopPullRecordTask has no Result"
    );
    assert_eq!(f.status_of(&id2).await, "停用");
    f.e.shutdown().await;
}

#[tokio::test]
async fn list_pages_through_1000_tasks() {
    let seed: Vec<SeedTask> = (0..1000)
        .map(|i| SeedTask {
            task_id: format!("task-{i:04}"),
            app: if i % 2 == 0 { "even" } else { "odd" }.to_owned(),
            stream: format!("s{i}"),
            ..SeedTask::documented_example()
        })
        .collect();
    let f = Fixture::new(
        EmulatorConfig::new()
            .without_example_task()
            .seed(seed)
            .rate_limit(false),
    )
    .await;
    let mut seen = HashSet::new();
    for page in 1..=10 {
        let a = f
            .call(
                "ListPullRecordTask",
                &format!(r#"{{"PageNum":{page},"PageSize":100}}"#),
            )
            .await;
        assert_eq!(a.status, 200);
        let p = &a.result()["Pagination"];
        assert_eq!(
            (
                p["PageCur"].as_u64(),
                p["PageSize"].as_u64(),
                p["PageTotal"].as_u64(),
                p["TotalCount"].as_u64()
            ),
            (Some(page), Some(100), Some(10), Some(1000))
        );
        for t in a.result()["List"].as_array().unwrap() {
            assert!(seen.insert(t["TaskId"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(seen.len(), 1000);
    let past = f
        .call("ListPullRecordTask", r#"{"PageNum":11,"PageSize":100}"#)
        .await;
    assert_eq!(past.result()["List"].as_array().unwrap().len(), 0);
    let odd = f
        .call(
            "ListPullRecordTask",
            r#"{"PageNum":1,"PageSize":500,"App":"odd"}"#,
        )
        .await;
    assert_eq!(odd.result()["Pagination"]["TotalCount"], 500);
    let one = f
        .call(
            "ListPullRecordTask",
            r#"{"PageNum":1,"PageSize":20,"Stream":"s7"}"#,
        )
        .await;
    assert_eq!(one.result()["List"][0]["TaskId"], "task-0007");
    let bad = f
        .call("ListPullRecordTask", r#"{"PageNum":1,"PageSize":501}"#)
        .await;
    assert_eq!((bad.status, bad.code()), (400, "InvalidParam"));
    assert!(bad.json["ResponseMetadata"]["Error"]["Message"]
        .as_str()
        .unwrap()
        .contains("PageSize"));
    f.e.shutdown().await;
}

#[tokio::test]
async fn accounts_are_separate() {
    let other = EmulatorCredential::new("AKLTother", "other-secret", "2100000002");
    let config = EmulatorConfig::new()
        .credential(other)
        .domain(DomainGrant::parse("2100000002:v.other.com:pull.other.com").unwrap());
    let f = Fixture::new(config).await;
    let o = Client::new(
        &f.e.base_url(),
        Credentials::new("AKLTother", "other-secret").unwrap(),
    );
    let now = f.clock.now();
    // The example task belongs to the first credential's account.
    let a = o
        .call_at(
            "GetPullRecordTask",
            r#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#,
            now,
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (403, "RequestForbidden.AccountIDNotAllow")
    );
    let a = o
        .call_at(
            "StopPullRecordTask",
            r#"{"TaskId":"5b903f78c7f5ae*******01f6fe2eea"}"#,
            now,
        )
        .await;
    assert_eq!(a.code(), "RequestForbidden.AccountIDNotAllow");
    let a = o
        .call_at("GetPullRecordTask", r#"{"TaskID":"no-such-task"}"#, now)
        .await;
    assert_eq!((a.status, a.code()), (404, "ResourceNotFound"));
    // The other account owns only its domain.
    let body = |domain: &str| {
        format!(
            r#"{{"Vhost":"v.other.com","Domain":"{domain}","App":"live","Stream":"x","StreamURL":"http://{domain}/live/x.flv"}}"#
        )
    };
    let a = o
        .call_at("CreatePullRecordTask", &body("pull.example.com"), now)
        .await;
    assert_eq!((a.status, a.code()), (403, "RequestForbidden"));
    let a = o
        .call_at("CreatePullRecordTask", &body("pull.other.com"), now)
        .await;
    assert_eq!(a.status, 200);
    // And lists only its own tasks.
    let a = o
        .call_at("ListPullRecordTask", r#"{"PageNum":1,"PageSize":20}"#, now)
        .await;
    assert_eq!(a.result()["Pagination"]["TotalCount"], 1);
    f.e.shutdown().await;
}

#[tokio::test]
async fn bodies_are_validated() {
    let f = Fixture::new(EmulatorConfig::new()).await;
    for (action, body, code, field) in [
        (
            "GetPullRecordTask",
            "{not json",
            "InvalidParam.BindError",
            "",
        ),
        (
            "GetPullRecordTask",
            r#"{"TaskID":123}"#,
            "InvalidParam.BindError",
            "",
        ),
        ("GetPullRecordTask", "[]", "InvalidParam.BindError", ""),
        (
            "GetPullRecordTask",
            r#"{"TaskId":"x"}"#,
            "InvalidParam",
            "TaskID",
        ),
        (
            "GetPullRecordTask",
            r#"{"TaskID":""}"#,
            "InvalidParam",
            "TaskID",
        ),
        (
            "CreatePullRecordTask",
            r#"{"Domain":"d.com","App":"live","Stream":"s"}"#,
            "InvalidParam",
            "StreamURL",
        ),
        (
            "CreatePullRecordTask",
            r#"{"Domain":"d.com","App":"li ve","Stream":"s","StreamURL":"http://d.com/x.flv"}"#,
            "InvalidParam",
            "App",
        ),
        (
            "CreatePullRecordTask",
            r#"{"Domain":"d.com","App":"live","Stream":"s","StreamURL":"rtmp://d.com/x"}"#,
            "InvalidParam",
            "StreamURL",
        ),
        (
            "CreatePullRecordTask",
            r#"{"Domain":"d.com","App":"live","Stream":"s","StreamURL":"http://d.com/x.flv","StartTime":"2025-01-01T02:00:00Z","EndTime":"2025-01-01T01:00:00Z"}"#,
            "InvalidParam",
            "EndTime",
        ),
        (
            "ListPullRecordTask",
            r#"{"PageNum":0,"PageSize":10}"#,
            "InvalidParam",
            "PageNum",
        ),
        (
            "StopPullRecordTask",
            r#"{"TaskID":"x"}"#,
            "InvalidParam",
            "TaskId",
        ),
    ] {
        let a = f.call(action, body).await;
        assert_eq!((a.status, a.code()), (400, code), "{action} {body}");
        let message = a.json["ResponseMetadata"]["Error"]["Message"]
            .as_str()
            .unwrap();
        assert!(message.contains(field), "{message:?} names {field}");
    }
    f.e.shutdown().await;
}

#[tokio::test]
async fn rate_limits_per_key_and_action() {
    let f = Fixture::new(EmulatorConfig::new()).await;
    let get = r#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#;
    for _ in 0..10 {
        assert_eq!(f.call("GetPullRecordTask", get).await.status, 200);
    }
    let a = f.call("GetPullRecordTask", get).await;
    assert_eq!((a.status, a.code()), (429, "FlowLimitExceeded"));
    assert_eq!(a.headers["retry-after"], "1");
    // Other actions have their own budget of 50.
    for _ in 0..50 {
        assert_eq!(
            f.call("ListPullRecordTask", r#"{"PageNum":1,"PageSize":1}"#)
                .await
                .status,
            200
        );
    }
    assert_eq!(
        f.call("ListPullRecordTask", r#"{"PageNum":1,"PageSize":1}"#)
            .await
            .status,
        429
    );
    f.clock.advance(Duration::from_secs(1));
    assert_eq!(f.call("GetPullRecordTask", get).await.status, 200);
    f.e.shutdown().await;
}

#[tokio::test]
async fn nested_shape_on_request() {
    let f = Fixture::new(EmulatorConfig::new().get_shape(GetShape::Nested)).await;
    let a = f
        .call(
            "GetPullRecordTask",
            r#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#,
        )
        .await;
    assert_eq!(a.result()["TaskDetail"]["App"], "live");
    assert!(a.result()["TaskDetail"].get("Stream").is_none());
    let decoded =
        live_model::decode::<live_model::GetPullRecordTaskResult>(a.status, &a.body).unwrap();
    assert_eq!(decoded.result.shape, GetShape::Nested);
    f.e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_clients_lose_and_duplicate_nothing() {
    let e = Emulator::start(
        EmulatorConfig::new()
            .without_example_task()
            .rate_limit(false),
    )
    .await
    .unwrap();
    let base = e.base_url();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let c = Client::new(&base, Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap());
            let body = format!(r#"{{"Domain":"pull.example.com","App":"live","Stream":"c{i}","StreamURL":"http://pull.example.com/live/c{i}.flv"}}"#);
            let a = c.call("CreatePullRecordTask", &body).await;
            assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
            a.result()["TaskId"].as_str().unwrap().to_owned()
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        assert!(ids.insert(t.await.unwrap()));
    }
    assert_eq!(ids.len(), 200);
    assert_eq!(e.task_count(), 200);
    let c = Client::demo(&base);
    let a = c
        .call("ListPullRecordTask", r#"{"PageNum":1,"PageSize":500}"#)
        .await;
    let listed: HashSet<String> = a.result()["List"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["TaskId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ids);
    e.shutdown().await;
}
