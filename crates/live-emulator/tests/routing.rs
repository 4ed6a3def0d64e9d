//! The gateway's answers for calls the emulator does not serve, before any signature is
//! checked: `MissingParameter`, `ServiceNotFound` and `InvalidActionOrVersion`, each the
//! documented error envelope with its code, `CodeN`, status and message.

mod common;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::{Answer, Client};
use live_emulator::{Emulator, EmulatorConfig, EmulatorStats};
use live_model::{decode, Error, GetPullRecordTaskResult};
use volc_sign::{Credentials, Scope, SignableRequest, Signer, SigningTime};

const GET_EXAMPLE: &str = r#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#;

async fn start() -> (Emulator, Client) {
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let c = Client::demo(&e.base_url());
    (e, c)
}

/// A POST to `/?{query}` with `body`, signed by `c` (its credentials and scope).
fn signed_with_query(c: &Client, query: &str, body: &str) -> http::Request<Bytes> {
    let uri = format!("{}/?{query}", c.base);
    let mut req = http::Request::post(uri)
        .header("content-type", "application/json")
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .unwrap();
    let host = req.uri().authority().unwrap().to_string();
    req.headers_mut().insert("host", host.parse().unwrap());
    c.signer
        .sign_http(
            &c.creds,
            &mut req,
            SigningTime::from_system_time(SystemTime::now()).unwrap(),
        )
        .unwrap();
    req
}

/// Checks the whole envelope of an error answer: status, metadata and error.
#[track_caller]
fn assert_refusal(
    a: &Answer,
    status: u16,
    (code, code_n, message): (&str, i64, &str),
    (action, version, service, region): (&str, &str, &str, &str),
) {
    assert_eq!(a.status, status, "{}", String::from_utf8_lossy(&a.body));
    let meta = &a.json["ResponseMetadata"];
    assert!(!a.request_id().is_empty());
    assert_eq!(meta["Action"], action);
    assert_eq!(meta["Version"], version);
    assert_eq!(meta["Service"], service);
    assert_eq!(meta["Region"], region);
    assert_eq!(meta["Error"]["Code"], code);
    assert_eq!(meta["Error"]["CodeN"], code_n);
    assert_eq!(meta["Error"]["Message"], message);
    assert!(a.json.get("Result").is_none());
    // What a client makes of it: the typed error, with the code and the number.
    match decode::<GetPullRecordTaskResult>(a.status, &a.body) {
        Err(Error::Api(e)) => {
            assert_eq!(
                (e.code.as_str(), e.code_n, e.http_status),
                (code, Some(code_n), status)
            );
            assert_eq!(e.request_id, a.request_id());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_action_or_version_not_served_is_invalid_action_or_version() {
    let (e, c) = start().await;
    let a = c
        .send(signed_with_query(
            &c,
            "Action=DeletePullRecordTask&Version=2023-01-01",
            GET_EXAMPLE,
        ))
        .await
        .unwrap();
    assert_refusal(
        &a,
        404,
        (
            "InvalidActionOrVersion",
            100_008,
            "Could not find operation DeletePullRecordTask for version 2023-01-01",
        ),
        ("DeletePullRecordTask", "2023-01-01", "live", "cn-north-1"),
    );

    // A served action in another version: the envelope names the version asked for.
    let a = c
        .send(signed_with_query(
            &c,
            "Action=GetPullRecordTask&Version=2018-01-01",
            GET_EXAMPLE,
        ))
        .await
        .unwrap();
    assert_refusal(
        &a,
        404,
        (
            "InvalidActionOrVersion",
            100_008,
            "Could not find operation GetPullRecordTask for version 2018-01-01",
        ),
        ("GetPullRecordTask", "2018-01-01", "live", "cn-north-1"),
    );

    // The operation is looked up before the signature: a wrong secret makes no difference.
    let wrong = Client::new(
        &e.base_url(),
        Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, "wrong").unwrap(),
    );
    let a = wrong
        .send(signed_with_query(
            &wrong,
            "Action=getpullrecordtask&Version=2023-01-01",
            GET_EXAMPLE,
        ))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (404, "InvalidActionOrVersion"));
    e.shutdown().await;
}

#[tokio::test]
async fn a_scope_naming_another_service_is_service_not_found() {
    let (e, c) = start().await;
    let iam = Client {
        signer: Signer::new(Scope::new("cn-north-1", "iam").unwrap()),
        ..Client::demo(&e.base_url())
    };
    let a = iam.call("GetPullRecordTask", GET_EXAMPLE).await;
    assert_refusal(
        &a,
        404,
        ("ServiceNotFound", 100_007, "This service[iam] not found."),
        ("GetPullRecordTask", "2023-01-01", "iam", "cn-north-1"),
    );

    // The service is found before the operation, and before the signature is checked: an
    // unknown action, a wrong secret and another region change nothing but the names.
    let elsewhere = Client {
        signer: Signer::new(Scope::new("cn-beijing", "vod").unwrap()),
        ..Client::new(
            &e.base_url(),
            Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, "wrong").unwrap(),
        )
    };
    let a = elsewhere
        .send(signed_with_query(
            &elsewhere,
            "Action=GetUserById&Version=2018-01-01",
            "{}",
        ))
        .await
        .unwrap();
    assert_refusal(
        &a,
        404,
        ("ServiceNotFound", 100_007, "This service[vod] not found."),
        ("GetUserById", "2018-01-01", "vod", "cn-beijing"),
    );

    // A presigned request names its scope in X-Credential.
    let query = [("Action", "GetPullRecordTask"), ("Version", "2023-01-01")];
    let host = e.base_url().trim_start_matches("http://").to_owned();
    let presigned = iam
        .signer
        .presign(
            &iam.creds,
            &SignableRequest::new("GET", &host, "/").query(&query),
            SigningTime::from_system_time(SystemTime::now()).unwrap(),
            Duration::from_secs(300),
        )
        .unwrap();
    let req = http::Request::get(format!("{}/?{}", e.base_url(), presigned.query()))
        .body(Bytes::new())
        .unwrap();
    let a = c.send(req).await.unwrap();
    assert_refusal(
        &a,
        404,
        ("ServiceNotFound", 100_007, "This service[iam] not found."),
        ("GetPullRecordTask", "2023-01-01", "iam", "cn-north-1"),
    );

    // The service `live` itself is routed as always.
    assert_eq!(c.call("GetPullRecordTask", GET_EXAMPLE).await.status, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn a_missing_action_or_version_is_missing_parameter() {
    let (e, c) = start().await;
    let cases = [
        ("Version=2023-01-01", "Action", ("", "2023-01-01")),
        (
            "Action=GetPullRecordTask",
            "Version",
            ("GetPullRecordTask", ""),
        ),
        ("Action=&Version=2023-01-01", "Action", ("", "2023-01-01")),
        ("", "Action", ("", "")),
    ];
    for (query, missing, (action, version)) in cases {
        let a = c
            .send(signed_with_query(&c, query, GET_EXAMPLE))
            .await
            .unwrap();
        let message = format!("The request is missing {missing} parameter.");
        assert_refusal(
            &a,
            400,
            ("MissingParameter", 100_002, &message),
            (action, version, "live", "cn-north-1"),
        );
    }

    // Asked for first: a scope naming another service does not come into it.
    let iam = Client {
        signer: Signer::new(Scope::new("cn-north-1", "iam").unwrap()),
        ..Client::demo(&e.base_url())
    };
    let a = iam
        .send(signed_with_query(
            &iam,
            "Action=GetPullRecordTask",
            GET_EXAMPLE,
        ))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (400, "MissingParameter"));
    e.shutdown().await;
}

#[tokio::test]
async fn refusals_before_the_action_leave_the_store_and_the_limits_alone() {
    let e = Emulator::start(EmulatorConfig::new().without_example_task())
        .await
        .unwrap();
    let c = Client::demo(&e.base_url());
    let iam = Client {
        signer: Signer::new(Scope::new("cn-north-1", "iam").unwrap()),
        ..Client::demo(&e.base_url())
    };
    let create = r#"{"Domain":"pull.example.com","App":"live","Stream":"s1","StreamURL":"http://pull.example.com/live/s1.flv"}"#;
    // Eleven GetPullRecordTask a second would be throttled; refused ones are not counted.
    for _ in 0..11 {
        let a = iam.call("GetPullRecordTask", GET_EXAMPLE).await;
        assert_eq!(a.code(), "ServiceNotFound");
    }
    let a = iam.call("CreatePullRecordTask", create).await;
    assert_eq!(a.code(), "ServiceNotFound");
    let list = c
        .call("ListPullRecordTask", r#"{"PageNum":1,"PageSize":10}"#)
        .await;
    assert_eq!(list.status, 200, "{}", String::from_utf8_lossy(&list.body));
    assert_eq!(list.result()["Pagination"]["TotalCount"], 0);
    assert_eq!(
        c.call("GetPullRecordTask", GET_EXAMPLE).await.code(),
        "ResourceNotFound"
    );
    let stats: EmulatorStats = e.stats();
    assert_eq!(stats.count("GetPullRecordTask", "ServiceNotFound"), 11);
    assert_eq!(stats.count("CreatePullRecordTask", "ServiceNotFound"), 1);
    e.shutdown().await;
}
