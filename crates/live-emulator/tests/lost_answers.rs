//! Faults before and after the action: the lost-answer faults run the action and then lose its
//! answer (a closed connection, or a body cut short of its Content-Length), while the older
//! faults answer before the action runs, so nothing changes.

mod common;

use common::{raw_send, Client, RawAnswer};
use live_emulator::{Emulator, EmulatorConfig, FaultKind, FaultRule};

const STREAM: &str = r#"{"Domain":"pull.example.com","App":"live","Stream":"s1","StreamURL":"http://pull.example.com/live/s1.flv"}"#;
const LIST: &str = r#"{"PageNum":1,"PageSize":10}"#;

const LOST: [FaultKind; 2] = [FaultKind::LoseAnswerClose, FaultKind::LoseAnswerTruncate];

async fn start() -> (Emulator, Client) {
    let e = Emulator::start(
        EmulatorConfig::new()
            .without_example_task()
            .rate_limit(false),
    )
    .await
    .unwrap();
    let c = Client::demo(&e.base_url());
    (e, c)
}

/// Creates an open-ended task (recording until stopped) and returns its id.
async fn create(c: &Client) -> String {
    let a = c.call("CreatePullRecordTask", STREAM).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    a.result()["TaskId"].as_str().unwrap().to_owned()
}

async fn status_of(c: &Client, id: &str) -> String {
    let a = c
        .call("GetPullRecordTask", &format!(r#"{{"TaskID":"{id}"}}"#))
        .await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    a.result()["Status"].as_str().unwrap().to_owned()
}

/// What the client saw is the loss `kind` describes.
fn assert_lost(kind: &FaultKind, raw: &RawAnswer) {
    match kind {
        FaultKind::LoseAnswerClose => {
            assert!(raw.bytes.is_empty(), "no answer at all: {raw:?}");
        }
        FaultKind::LoseAnswerTruncate => {
            assert_eq!(raw.status(), Some(200), "{raw:?}");
            let promised = raw.content_length().expect("a Content-Length");
            let body = raw.body();
            assert!(!body.is_empty(), "part of the body arrives");
            assert!(body.len() < promised, "{} of {promised} bytes", body.len());
            assert!(body.starts_with(br#"{"ResponseMetadata""#), "{raw:?}");
            assert!(serde_json::from_slice::<serde_json::Value>(body).is_err());
        }
        other => panic!("not a lost-answer fault: {other:?}"),
    }
}

#[tokio::test]
async fn a_lost_create_answer_still_creates_the_task() {
    for kind in LOST {
        let (e, c) = start().await;
        e.inject(FaultRule::next(1, kind.clone()).for_action("CreatePullRecordTask"));
        let raw = raw_send(
            e.addr(),
            &c.signed("CreatePullRecordTask", STREAM.as_bytes()),
        )
        .await;
        assert_lost(&kind, &raw);

        assert_eq!(e.task_count(), 1, "{kind:?}: the task was created");
        let list = c.call("ListPullRecordTask", LIST).await;
        let tasks = list.result()["List"].as_array().unwrap();
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0]["Stream"], "s1");
        // Sending the create again is refused: the first one took effect.
        let again = c.call("CreatePullRecordTask", STREAM).await;
        assert_eq!((again.status, again.code()), (400, "InvalidParam"));
        assert_eq!(e.task_count(), 1);
        e.shutdown().await;
    }
}

#[tokio::test]
async fn a_lost_stop_answer_still_stops_the_task() {
    for kind in LOST {
        let (e, c) = start().await;
        let id = create(&c).await;
        assert_eq!(status_of(&c, &id).await, "生效中");
        e.inject(FaultRule::next(1, kind.clone()).for_action("StopPullRecordTask"));
        let stop = format!(r#"{{"TaskId":"{id}"}}"#);
        let raw = raw_send(e.addr(), &c.signed("StopPullRecordTask", stop.as_bytes())).await;
        assert_lost(&kind, &raw);

        assert_eq!(
            status_of(&c, &id).await,
            "停用",
            "{kind:?}: the task was stopped"
        );
        // Stopping again answers that it is no longer active.
        let again = c.call("StopPullRecordTask", &stop).await;
        assert_eq!((again.status, again.code()), (400, "InvalidParam"));
        e.shutdown().await;
    }
}

#[tokio::test]
async fn after_a_lost_answer_an_http_client_goes_on_normally() {
    for kind in LOST {
        let (e, c) = start().await;
        let id = create(&c).await;
        e.inject(FaultRule::next(1, kind.clone()).for_action("StopPullRecordTask"));
        let stop = format!(r#"{{"TaskId":"{id}"}}"#);
        let err = c
            .send(c.signed("StopPullRecordTask", stop.as_bytes()))
            .await
            .unwrap_err();
        assert!(err.is_io(), "{kind:?}: {err}");
        let before = e.connections_accepted();
        // The next request, on a fresh connection, is answered and sees the stop.
        assert_eq!(status_of(&c, &id).await, "停用");
        assert!(e.connections_accepted() > before, "a fresh connection");
        e.shutdown().await;
    }
}

#[tokio::test]
async fn the_admin_json_form() {
    let (e, c) = start().await;
    let post = |rule: &'static str| {
        http::Request::post(format!("{}/__emulator/faults", e.base_url()))
            .body(bytes::Bytes::from_static(rule.as_bytes()))
            .unwrap()
    };
    for rule in [
        r#"{"action":"CreatePullRecordTask","kind":"lose_answer_truncate"}"#,
        r#"{"action":"StopPullRecordTask","kind":"lose_answer_close","count":1}"#,
    ] {
        assert_eq!(c.send(post(rule)).await.unwrap().status, 200, "{rule}");
    }
    let raw = raw_send(
        e.addr(),
        &c.signed("CreatePullRecordTask", STREAM.as_bytes()),
    )
    .await;
    assert_lost(&FaultKind::LoseAnswerTruncate, &raw);
    let id = c.call("ListPullRecordTask", LIST).await.result()["List"][0]["TaskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let stop = format!(r#"{{"TaskId":"{id}"}}"#);
    let raw = raw_send(e.addr(), &c.signed("StopPullRecordTask", stop.as_bytes())).await;
    assert_lost(&FaultKind::LoseAnswerClose, &raw);
    assert_eq!(status_of(&c, &id).await, "停用");
    assert!(e.faults().is_empty(), "each fired once");
    e.shutdown().await;
}

#[tokio::test]
async fn the_older_faults_fire_before_the_action() {
    let before = [
        FaultKind::CloseConnection,
        FaultKind::TruncatedBody,
        FaultKind::Html502,
        FaultKind::CommonErr,
        FaultKind::Error {
            code: "InternalError".into(),
            status: None,
            message: None,
        },
        FaultKind::Throttle {
            retry_after_secs: 1,
        },
    ];
    let (e, c) = start().await;
    let id = create(&c).await;
    let stop = format!(r#"{{"TaskId":"{id}"}}"#);
    for kind in before {
        e.inject(FaultRule::next(1, kind.clone()).for_action("CreatePullRecordTask"));
        let other = STREAM.replace("s1", "s2");
        let raw = raw_send(
            e.addr(),
            &c.signed("CreatePullRecordTask", other.as_bytes()),
        )
        .await;
        assert!(
            !String::from_utf8_lossy(raw.body()).contains("TaskId"),
            "{kind:?}: {raw:?}"
        );
        assert_eq!(e.task_count(), 1, "{kind:?} created nothing");

        e.inject(FaultRule::next(1, kind.clone()).for_action("StopPullRecordTask"));
        let raw = raw_send(e.addr(), &c.signed("StopPullRecordTask", stop.as_bytes())).await;
        if kind == FaultKind::CloseConnection {
            assert!(raw.bytes.is_empty(), "no answer: {raw:?}");
        }
        assert_eq!(
            status_of(&c, &id).await,
            "生效中",
            "{kind:?} stopped nothing"
        );
    }
    // A delay waits, then runs the action.
    e.inject(FaultRule::next(1, FaultKind::Delay { delay_ms: 10 }));
    assert_eq!(c.call("StopPullRecordTask", &stop).await.status, 200);
    assert_eq!(status_of(&c, &id).await, "停用");
    e.shutdown().await;
}
