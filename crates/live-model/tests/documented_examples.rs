//! The documented examples (the API page and the spec's SDK shapes) decode, and re-encode to
//! the same JSON.

use live_model::{
    decode, encode, CreatePullRecordTaskRequest, CreatePullRecordTaskResult, Error,
    GetPullRecordTaskRequest, GetPullRecordTaskResult, GetShape, ListPullRecordTaskRequest,
    ListPullRecordTaskResult, Operation, StopPullRecordTaskRequest, StopPullRecordTaskResult,
    TaskStatus,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The response example of the GetPullRecordTask API page.
const GET_FLAT: &str = r#"{
  "ResponseMetadata": {
    "RequestId": "202306041104200100100232280022D31",
    "Action": "GetPullRecordTask",
    "Version": "2023-01-01",
    "Service": "live",
    "Region": "cn-north-1"
  },
  "Result": {
    "TaskId": "5b903f78c7f5ae*******01f6fe2eea",
    "StartTime": "2023-10-09T15:16:15+08:00",
    "EndTime": "2023-10-09T15:18:28+08:00",
    "Vhost": "example.com",
    "Domain": "pull.example.com",
    "App": "live",
    "Stream": "example_stream",
    "Status": "生效中"
  }
}"#;

/// The shape of the official SDK models since 2025-02-13.
const GET_NESTED: &str = r#"{"ResponseMetadata": {"RequestId": "20250213000000000000000000000001", "Action": "GetPullRecordTask",
  "Version": "2023-01-01", "Service": "live", "Region": "cn-north-1"},
 "Result": {"TaskDetail": {"TaskId": "5b903f78c7f5ae01f6fe2eea", "StartTime": "2023-10-09T15:16:15Z",
  "EndTime": "2023-10-09T15:18:28Z", "Vhost": "push.example.com", "Domain": "pull.example.com", "App": "live",
  "Status": "已结束"}}}"#;

const LIST: &str = r#"{"ResponseMetadata": {"RequestId": "r-list", "Action": "ListPullRecordTask", "Version": "2023-01-01",
  "Service": "live", "Region": "cn-north-1"},
 "Result": {
  "List": [ {"TaskId": "f831f3b0dc******aa4dcf7621", "StartTime": "2023-06-30T15:04:05Z",
             "EndTime": "2023-06-30T15:05:05Z", "Vhost": "push.example.com",
             "Domain": "push.example.com", "App": "Live", "Stream": "example_stream",
             "Status": "已结束"} ],
  "Pagination": {"PageCur": 1, "PageSize": 2, "PageTotal": 43, "TotalCount": 86}
 }}"#;

const CREATE: &str = r#"{"ResponseMetadata": {"RequestId": "r-create", "Action": "CreatePullRecordTask", "Version": "2023-01-01",
  "Service": "live", "Region": "cn-north-1"}, "Result": {"TaskId": "5b903f78c7f5ae01f6fe2eea"}}"#;

const STOP: &str = r#"{"ResponseMetadata": {"RequestId": "r-stop", "Action": "StopPullRecordTask", "Version": "2023-01-01",
  "Service": "live", "Region": "cn-north-1"}}"#;

/// The documented error example of the common response structure.
const DOC_ERROR: &str = r#"{"ResponseMetadata": {"RequestId": "202010201722300102****", "Action": "GetUserById", "Version": "2018-01-01",
  "Service": "iam", "Region": "cn-north-1",
  "Error": {"CodeN": 100008, "Code": "InvalidActionOrVersion",
            "Message": "Could not find operation GetUserById for version 2018-01-01"}}}"#;

fn round_trip<T: DeserializeOwned + Serialize>(json: &str) -> T {
    let decoded = decode::<T>(200, json.as_bytes()).expect("decodes");
    let again: Value = serde_json::from_slice(&encode(&decoded.metadata, Some(&decoded.result)))
        .expect("re-encodes to JSON");
    let original: Value = serde_json::from_str(json).unwrap();
    // A result that reads from null (StopPullRecordTask's) is not required, and not written.
    let requires_result = serde_json::from_str::<T>("null").is_err();
    if requires_result {
        assert_eq!(again, original, "re-encoding gives back the same JSON");
    }
    decoded.result
}

#[test]
fn get_flat_page_example() {
    let r: GetPullRecordTaskResult = round_trip(GET_FLAT);
    assert_eq!(r.shape, GetShape::Flat);
    let t = &r.task;
    assert_eq!(t.task_id, "5b903f78c7f5ae*******01f6fe2eea");
    assert_eq!(
        (t.vhost.as_str(), t.domain.as_str(), t.app.as_str()),
        ("example.com", "pull.example.com", "live")
    );
    assert_eq!(t.stream.as_deref(), Some("example_stream"));
    assert_eq!(t.status, TaskStatus::Recording);
    assert_eq!(
        t.parse_start_time().unwrap().unix_timestamp(),
        1_696_835_775
    );
    assert_eq!(t.parse_end_time().unwrap().unix_timestamp(), 1_696_835_908);
}

#[test]
fn get_nested_sdk_shape() {
    let r: GetPullRecordTaskResult = round_trip(GET_NESTED);
    assert_eq!(r.shape, GetShape::Nested);
    assert_eq!(r.task.stream, None);
    assert_eq!(r.task.status, TaskStatus::Finished);
    assert_eq!(r.task.task_id, "5b903f78c7f5ae01f6fe2eea");
}

#[test]
fn list_example() {
    let r: ListPullRecordTaskResult = round_trip(LIST);
    assert_eq!(r.list.len(), 1);
    assert_eq!(r.list[0].stream.as_deref(), Some("example_stream"));
    assert_eq!(r.pagination.page_total, 43);
    assert_eq!(r.pagination.total_count, 86);
    assert!(r.has_more());
}

#[test]
fn create_example() {
    let r: CreatePullRecordTaskResult = round_trip(CREATE);
    assert_eq!(r.task_id, "5b903f78c7f5ae01f6fe2eea");
}

#[test]
fn stop_has_no_result() {
    let ok = decode::<StopPullRecordTaskResult>(200, STOP.as_bytes()).unwrap();
    assert_eq!(ok.request_id(), "r-stop");
    let again: Value =
        serde_json::from_slice(&encode::<StopPullRecordTaskResult>(&ok.metadata, None)).unwrap();
    assert_eq!(again, serde_json::from_str::<Value>(STOP).unwrap());
    // A Result that does come (null or an object) is ignored.
    let with = STOP.replace(
        r#""Region": "cn-north-1"}"#,
        r#""Region": "cn-north-1"}, "Result": {}"#,
    );
    decode::<StopPullRecordTaskResult>(200, with.as_bytes()).unwrap();
}

#[test]
fn documented_error_example() {
    let err = decode::<GetPullRecordTaskResult>(404, DOC_ERROR.as_bytes()).unwrap_err();
    let Error::Api(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.code.as_str(), "InvalidActionOrVersion");
    assert_eq!(e.code_n, Some(100_008));
    assert_eq!(e.request_id, "202010201722300102****");
    assert_eq!(
        err.to_string(),
        "InvalidActionOrVersion: Could not find operation GetUserById for version 2018-01-01 (request id 202010201722300102****, HTTP 404)"
    );
}

#[test]
fn request_examples() {
    // The page's request example.
    let get = GetPullRecordTaskRequest::new("5b903f78c7f5ae*******01f6fe2eea");
    assert_eq!(
        serde_json::to_value(&get).unwrap(),
        serde_json::json!({"TaskID": "5b903f78c7f5ae*******01f6fe2eea"})
    );
    assert_eq!(GetPullRecordTaskRequest::ACTION.name(), "GetPullRecordTask");
    assert_eq!(
        GetPullRecordTaskRequest::ACTION.rate_limit_per_sec(),
        Some(10)
    );
    let stop = StopPullRecordTaskRequest::new("t");
    assert_eq!(
        serde_json::to_value(&stop).unwrap(),
        serde_json::json!({"TaskId": "t"})
    );
    let create = CreatePullRecordTaskRequest::new("d.com", "live", "s", "http://d.com/live/s.flv");
    assert_eq!(
        serde_json::to_value(&create).unwrap(),
        serde_json::json!({"Domain": "d.com", "App": "live", "Stream": "s", "StreamURL": "http://d.com/live/s.flv"})
    );
    let list = ListPullRecordTaskRequest::new(2, 20)
        .vhost("v.com")
        .stream("s");
    assert_eq!(
        serde_json::to_value(&list).unwrap(),
        serde_json::json!({"PageNum": 2, "PageSize": 20, "Vhost": "v.com", "Stream": "s"})
    );
    for rate in [
        CreatePullRecordTaskRequest::ACTION,
        ListPullRecordTaskRequest::ACTION,
        StopPullRecordTaskRequest::ACTION,
    ] {
        assert_eq!(rate.rate_limit_per_sec(), Some(50));
    }
}
