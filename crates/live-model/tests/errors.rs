//! Every error code decodes from an envelope, with and without `CodeN`, with HTTP 200 and with
//! its documented status; anything that is not an envelope is a typed unexpected response.

use live_model::{
    decode, decode_for, encode, Error, ErrorBody, ErrorCode, GetPullRecordTaskRequest,
    GetPullRecordTaskResult, ListPullRecordTaskRequest, ListPullRecordTaskResult, Operation,
    ResponseMetadata, RetryClass, StopPullRecordTaskRequest, StopPullRecordTaskResult,
    MAX_RESPONSE_BYTES,
};

fn error_envelope(code: &str, code_n: Option<i64>, message: &str) -> Vec<u8> {
    let mut body = ErrorBody::new(&ErrorCode::from_text(code), message);
    body.code_n = code_n;
    let meta = ResponseMetadata::new("req-42", "GetPullRecordTask").with_error(body);
    encode::<()>(&meta, None)
}

#[test]
fn every_known_code_decodes_with_and_without_code_n_at_200_and_its_status() {
    for code in ErrorCode::KNOWN {
        let documented = code.documented_status().unwrap();
        for status in [200, documented] {
            for code_n in [None, code.documented_code_n()] {
                let body = error_envelope(code.as_str(), code_n, "something failed");
                let err = decode::<GetPullRecordTaskResult>(status, &body).unwrap_err();
                let Error::Api(api) = &err else {
                    panic!("{code}: {err:?}")
                };
                assert_eq!(&api.code, code);
                assert_eq!(api.code_n, code_n);
                assert_eq!(api.request_id, "req-42");
                assert_eq!(api.http_status, status);
                assert_eq!(api.message, "something failed");
                assert_eq!(err.request_id(), Some("req-42"));
                assert_eq!(
                    err.to_string(),
                    format!("{code}: something failed (request id req-42, HTTP {status})")
                );
                assert_eq!(
                    err.is_retryable(),
                    matches!(
                        code.retry_class(),
                        RetryClass::Retryable | RetryClass::Throttling
                    ),
                    "{code}"
                );
            }
        }
    }
}

#[test]
fn code_n_alone_unknown_codes_and_lenient_code_n() {
    let body = br#"{"ResponseMetadata":{"RequestId":"r","Error":{"CodeN":100010}}}"#;
    let err = decode::<GetPullRecordTaskResult>(401, body).unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::SignatureDoesNotMatch));

    let body = br#"{"ResponseMetadata":{"RequestId":"r","Error":{"CodeN":"100006","Code":"","Message":"m"}}}"#;
    let err = decode::<GetPullRecordTaskResult>(400, body).unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidTimestamp));

    let body =
        br#"{"ResponseMetadata":{"RequestId":"r","Error":{"Code":"Brand.New","Message":"m"}}}"#;
    let err = decode::<GetPullRecordTaskResult>(503, body).unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::Other("Brand.New".into())));
    assert!(
        err.is_retryable(),
        "an unknown code falls back to the HTTP status"
    );
    let err = decode::<GetPullRecordTaskResult>(400, body).unwrap_err();
    assert!(!err.is_retryable());

    let body = br#"{"ResponseMetadata":{"RequestId":"r","Error":{"Code":"FlowLimitExceeded"}}}"#;
    let err = decode::<GetPullRecordTaskResult>(429, body).unwrap_err();
    assert!(err.is_throttling() && err.is_retryable());
    assert!(err.to_string().contains("(no message)"));
}

#[test]
fn an_empty_error_object_is_not_an_error() {
    // The Go SDK style: an Error with no code and CodeN 0 on a success.
    let body =
        br#"{"ResponseMetadata":{"RequestId":"r","Error":{"CodeN":0,"Code":"","Message":""}}}"#;
    assert!(decode::<StopPullRecordTaskResult>(200, body).is_ok());
}

fn unexpected(status: u16, body: &[u8]) -> live_model::UnexpectedResponse {
    match decode::<GetPullRecordTaskResult>(status, body) {
        Err(Error::UnexpectedResponse(u)) => u,
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_an_envelope_is_an_unexpected_response() {
    let html =
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body></html>";
    let u = unexpected(502, html);
    assert_eq!(u.http_status, 502);
    assert!(
        u.snippet.starts_with("<html>  <head>"),
        "control characters replaced: {:?}",
        u.snippet
    );
    assert!(Error::from(u).is_retryable());

    assert_eq!(unexpected(200, b"").reason, "the body is empty");
    assert_eq!(unexpected(500, b"   ").reason, "the body is empty");
    assert_eq!(
        unexpected(200, br#"{"ResponseMetadata":{"RequestId":"r"#).reason,
        "the body is truncated JSON"
    );
    assert_eq!(
        unexpected(200, b"{}").reason,
        "the body has no ResponseMetadata"
    );
    assert_eq!(unexpected(200, b"[1,2]").http_status, 200);

    // A non-2xx envelope without an error keeps its request id.
    let u = unexpected(503, br#"{"ResponseMetadata":{"RequestId":"r-503"}}"#);
    assert_eq!(u.request_id.as_deref(), Some("r-503"));

    // Oversized bodies are refused before parsing.
    let big = vec![b' '; MAX_RESPONSE_BYTES + 1];
    assert!(unexpected(200, &big).reason.contains("more than"));

    // The snippet is short.
    let long = vec![b'x'; 10_000];
    assert_eq!(unexpected(500, &long).snippet.chars().count(), 160);
}

#[test]
fn wrong_result_shapes_are_decode_errors_naming_the_field() {
    let body = r#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"StartTime":"","EndTime":"","Vhost":"v","Domain":"d","App":"a","Status":"停用"}}"#;
    let action = GetPullRecordTaskRequest::ACTION.name();
    let err = decode_for::<GetPullRecordTaskResult>(action, 200, body.as_bytes()).unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert!(d.message.contains("TaskId"), "{}", d.message);
    assert_eq!(d.request_id.as_deref(), Some("r"));
    assert!(err
        .to_string()
        .starts_with("cannot decode the GetPullRecordTask result"));

    let nested =
        br#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"TaskDetail":{"TaskId":"t"}}}"#;
    let err = decode::<GetPullRecordTaskResult>(200, nested).unwrap_err();
    assert!(err.to_string().contains("TaskDetail"), "{err}");

    let no_result = br#"{"ResponseMetadata":{"RequestId":"r"}}"#;
    let err = decode::<GetPullRecordTaskResult>(200, no_result).unwrap_err();
    assert!(err.to_string().contains("no Result"));

    let wrong_type = br#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"List":[],"Pagination":{"PageCur":"one"}}}"#;
    assert!(matches!(
        decode::<ListPullRecordTaskResult>(200, wrong_type),
        Err(Error::Decode(_))
    ));
}

#[test]
fn unknown_fields_are_ignored_and_null_list_is_empty() {
    let body = br#"{"ResponseMetadata":{"RequestId":"r","Extra":1},"Result":{"List":null,"Pagination":{"PageCur":1,"PageSize":20,"PageTotal":0,"TotalCount":0},"New":"x"},"Other":[]}"#;
    let ok = decode::<ListPullRecordTaskResult>(200, body).unwrap();
    assert!(ok.result.list.is_empty());
    assert!(!ok.result.has_more());
}

#[test]
fn a_decode_error_names_the_action_the_caller_gives_and_no_other() {
    let wrong = br#"{"ResponseMetadata":{"RequestId":"r","Action":"GetPullRecordTask"},"Result":{"List":7}}"#;
    // Told by the operation's facts: the error names that action.
    let err = decode_for::<ListPullRecordTaskResult>(
        ListPullRecordTaskRequest::ACTION.name(),
        200,
        wrong,
    )
    .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.action, "ListPullRecordTask");
    assert!(
        err.to_string()
            .starts_with("cannot decode the ListPullRecordTask result: "),
        "{err}"
    );
    // Not told: it names none (not even the one the answer claims).
    let err = decode::<ListPullRecordTaskResult>(200, wrong).unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.action, "");
    assert!(
        err.to_string().starts_with("cannot decode the result: "),
        "{err}"
    );
    assert!(
        err.to_string().ends_with("(request id r, HTTP 200)"),
        "{err}"
    );
}

#[test]
fn only_a_result_type_that_reads_from_null_may_go_without_result() {
    let none = br#"{"ResponseMetadata":{"RequestId":"r"}}"#;
    let stop = StopPullRecordTaskRequest::ACTION.name();
    assert!(decode_for::<StopPullRecordTaskResult>(stop, 200, none).is_ok());
    assert!(decode_for::<serde_json::Value>("DescribeThing", 200, none).is_ok());
    let err =
        decode_for::<ListPullRecordTaskResult>(ListPullRecordTaskRequest::ACTION.name(), 200, none)
            .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode the ListPullRecordTask result: the response has no Result (request id r, HTTP 200)"
    );
}
