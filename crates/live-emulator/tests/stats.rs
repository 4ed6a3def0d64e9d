//! `GET /__emulator/stats` and `Emulator::stats`: what was answered, by action and by code.

mod common;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use common::Client;
use live_emulator::{
    Emulator, EmulatorConfig, FaultKind, FaultRule, ManualClock, NO_ANSWER_CODE, OK_CODE,
    THROTTLED_CODE,
};

const GET: &str = r#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#;

#[tokio::test]
async fn counts_answers_by_action_and_code_throttled_included() {
    let at = UNIX_EPOCH + Duration::from_secs(1_716_192_550);
    let clock = Arc::new(ManualClock::new(at));
    let e = Emulator::start(EmulatorConfig::new().clock(clock.clone()))
        .await
        .unwrap();
    let c = Client::demo(&e.base_url());
    // Twelve Gets in one second of the emulator's clock: ten answered, two throttled.
    for _ in 0..12 {
        c.call_at("GetPullRecordTask", GET, at).await;
    }
    // One List refused for its body, one unknown action, one connection closed by a fault.
    c.call_at("ListPullRecordTask", "{", at).await;
    c.call_at("NoSuchAction", "{}", at).await;
    e.inject(FaultRule::next(1, FaultKind::CloseConnection).for_action("StopPullRecordTask"));
    assert!(c
        .send(c.signed_at("StopPullRecordTask", b"{}", at))
        .await
        .is_err());

    let stats = e.stats();
    assert_eq!(stats.requests, 15);
    assert_eq!(stats.throttled, 2);
    assert_eq!(stats.count("GetPullRecordTask", OK_CODE), 10);
    assert_eq!(stats.count("GetPullRecordTask", THROTTLED_CODE), 2);
    assert_eq!(stats.requests_of("GetPullRecordTask"), 12);
    assert_eq!(
        stats.count("ListPullRecordTask", "InvalidParam.BindError"),
        1
    );
    assert_eq!(stats.count("", "InvalidActionOrVersion"), 1);
    assert_eq!(stats.count("StopPullRecordTask", NO_ANSWER_CODE), 1);
    assert_eq!(stats.by_code[OK_CODE], 10);

    // The same over the admin path, as JSON.
    let admin = |method: &str| {
        http::Request::builder()
            .method(method)
            .uri(format!("{}/__emulator/stats", e.base_url()))
            .body(bytes::Bytes::new())
            .unwrap()
    };
    let got = c.send(admin("GET")).await.unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(got.json, serde_json::to_value(&stats).unwrap());
    assert_eq!(got.json["throttled"], 2);
    assert_eq!(got.json["by_action"]["GetPullRecordTask"]["OK"], 10);
    // The admin path itself is not counted; DELETE sets the counts back to zero.
    assert_eq!(e.stats().requests, 15);
    assert_eq!(c.send(admin("DELETE")).await.unwrap().status, 200);
    assert_eq!(e.stats(), Default::default());
    clock.advance(Duration::from_secs(1));
    c.call_at("GetPullRecordTask", GET, at + Duration::from_secs(1))
        .await;
    assert_eq!(e.stats().count("GetPullRecordTask", OK_CODE), 1);
    e.reset_stats();
    assert_eq!(e.stats().requests, 0);
    e.shutdown().await;
}
