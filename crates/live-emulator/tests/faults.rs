//! Every fault kind, through the library and through the admin path.

mod common;

use std::time::{Duration, Instant};

use common::Client;
use live_emulator::{Emulator, EmulatorConfig, FaultKind, FaultRule};
use live_model::{decode, Error, GetPullRecordTaskResult};

const GET: &str = r#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#;

async fn start() -> (Emulator, Client) {
    let e = Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap();
    let c = Client::demo(&e.base_url());
    (e, c)
}

#[tokio::test]
async fn error_codes_common_err_throttle_and_html() {
    let (e, c) = start().await;
    e.inject(
        FaultRule::next(
            2,
            FaultKind::Error {
                code: "InternalError".into(),
                status: None,
                message: None,
            },
        )
        .for_action("GetPullRecordTask"),
    );
    // Other actions are untouched.
    assert_eq!(
        c.call("ListPullRecordTask", r#"{"PageNum":1,"PageSize":1}"#)
            .await
            .status,
        200
    );
    for _ in 0..2 {
        let a = c.call("GetPullRecordTask", GET).await;
        assert_eq!((a.status, a.code()), (500, "InternalError"));
        assert_eq!(a.json["ResponseMetadata"]["Error"]["CodeN"], 100014);
    }
    assert_eq!(c.call("GetPullRecordTask", GET).await.status, 200);

    e.inject(FaultRule::next(1, FaultKind::CommonErr));
    let a = c.call("GetPullRecordTask", GET).await;
    assert_eq!((a.status, a.code()), (200, "CommonErr"));
    let err = decode::<GetPullRecordTaskResult>(a.status, &a.body).unwrap_err();
    assert!(err.is_retryable());

    e.inject(FaultRule::next(
        1,
        FaultKind::Throttle {
            retry_after_secs: 3,
        },
    ));
    let a = c.call("GetPullRecordTask", GET).await;
    assert_eq!((a.status, a.code()), (429, "FlowLimitExceeded"));
    assert_eq!(a.headers["retry-after"], "3");

    e.inject(FaultRule::next(1, FaultKind::Html502));
    let a = c.call("GetPullRecordTask", GET).await;
    assert_eq!(a.status, 502);
    assert!(matches!(
        decode::<GetPullRecordTaskResult>(a.status, &a.body),
        Err(Error::UnexpectedResponse(_))
    ));

    e.inject(FaultRule::next(1, FaultKind::TruncatedBody));
    let a = c.call("GetPullRecordTask", GET).await;
    assert_eq!(a.status, 200);
    let err = decode::<GetPullRecordTaskResult>(a.status, &a.body).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    e.shutdown().await;
}

#[tokio::test]
async fn delay_and_closed_connection() {
    let (e, c) = start().await;
    e.inject(FaultRule::next(1, FaultKind::Delay { delay_ms: 200 }));
    let t = Instant::now();
    assert_eq!(c.call("GetPullRecordTask", GET).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));

    e.inject(FaultRule::next(1, FaultKind::CloseConnection));
    let err = c
        .send(c.signed("GetPullRecordTask", GET.as_bytes()))
        .await
        .unwrap_err();
    assert!(err.is_io(), "{err}");
    // The next request gets through on a fresh connection.
    assert_eq!(c.call("GetPullRecordTask", GET).await.status, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn a_seeded_fraction() {
    let (e, c) = start().await;
    e.inject(FaultRule::fraction(0.5, 42, FaultKind::CommonErr));
    let mut failed = 0;
    for _ in 0..40 {
        if c.call("GetPullRecordTask", GET).await.code() == "CommonErr" {
            failed += 1;
        }
    }
    assert!((8..=32).contains(&failed), "{failed} of 40");
    e.faults().clear();
    assert_eq!(c.call("GetPullRecordTask", GET).await.status, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn the_admin_path() {
    let (e, c) = start().await;
    let admin = |method: &str, path: &str, body: &'static str| {
        http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", e.base_url()))
            .body(bytes::Bytes::from_static(body.as_bytes()))
            .unwrap()
    };
    let a = c
        .send(admin("POST", "/__emulator/faults", r#"{"action":"GetPullRecordTask","kind":"error","code":"InternalServiceTimeout","count":1}"#))
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    let health = c
        .send(admin("GET", "/__emulator/health", ""))
        .await
        .unwrap();
    assert_eq!(health.json["pending_faults"], 1);
    let a = c.call("GetPullRecordTask", GET).await;
    assert_eq!((a.status, a.code()), (504, "InternalServiceTimeout"));

    c.send(admin(
        "POST",
        "/__emulator/faults",
        r#"{"kind":"html502","count":5}"#,
    ))
    .await
    .unwrap();
    c.send(admin("DELETE", "/__emulator/faults", ""))
        .await
        .unwrap();
    assert_eq!(c.call("GetPullRecordTask", GET).await.status, 200);

    assert_eq!(
        c.send(admin("POST", "/__emulator/faults", r#"{"kind":"nope"}"#))
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        c.send(admin("GET", "/__emulator/other", ""))
            .await
            .unwrap()
            .status,
        404
    );
    e.shutdown().await;
}
