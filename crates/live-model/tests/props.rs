//! Property tests: decoding never panics, whatever the bytes or status; request types
//! round-trip through JSON.

use live_model::{
    decode, CreatePullRecordTaskRequest, CreatePullRecordTaskResult,
    DescribeRecordTaskFileHistoryRequest, DescribeRecordTaskFileHistoryResult,
    GetPullRecordTaskRequest, GetPullRecordTaskResult, ListPullRecordTaskRequest,
    ListPullRecordTaskResult, StopPullRecordTaskRequest, StopPullRecordTaskResult,
};
use proptest::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

fn decode_all(status: u16, body: &[u8]) {
    let _ = decode::<GetPullRecordTaskResult>(status, body);
    let _ = decode::<CreatePullRecordTaskResult>(status, body);
    let _ = decode::<ListPullRecordTaskResult>(status, body);
    let _ = decode::<StopPullRecordTaskResult>(status, body);
    if let Ok(page) = decode::<DescribeRecordTaskFileHistoryResult>(status, body) {
        // Every reading of every file answers, whatever the text.
        for f in &page.result.data {
            let _ = (
                f.started_at(),
                f.ended_at(),
                f.parse_start_time(),
                f.parse_end_time(),
            );
            let _ = (
                f.duration_number(),
                f.recorded_span(),
                f.location().map(|l| l.to_string()),
            );
        }
    }
}

/// JSON-ish values: envelopes with random pieces, the shapes a broken server might send.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        ".{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![Just("停用"), Just("生效中"), Just("TaskId"), Just("")]
            .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("ResponseMetadata".to_string()),
            Just("Result".to_string()),
            Just("Error".to_string()),
            Just("Code".to_string()),
            Just("CodeN".to_string()),
            Just("RequestId".to_string()),
            Just("TaskDetail".to_string()),
            Just("TaskId".to_string()),
            Just("List".to_string()),
            Just("Pagination".to_string()),
            Just("Status".to_string()),
            Just("Data".to_string()),
            Just("Duration".to_string()),
            Just("StartTimeUTC".to_string()),
            Just("EndTime".to_string()),
            Just("Bucket".to_string()),
            Just("Vid".to_string()),
            "[A-Za-z]{1,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn round_trips<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
    let json = serde_json::to_vec(v).unwrap();
    assert_eq!(&serde_json::from_slice::<T>(&json).unwrap(), v);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(status in any::<u16>(), body in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_all(status, &body);
    }

    #[test]
    fn decoding_arbitrary_json_never_panics(status in prop_oneof![Just(200u16), Just(404), Just(502), any::<u16>()], v in json_value()) {
        decode_all(status, &serde_json::to_vec(&v).unwrap());
        // And the same wrapped as an envelope.
        let wrapped = serde_json::json!({"ResponseMetadata": {"RequestId": "r"}, "Result": v});
        decode_all(status, &serde_json::to_vec(&wrapped).unwrap());
        let wrapped = serde_json::json!({"ResponseMetadata": {"RequestId": "r", "Error": v}});
        decode_all(status, &serde_json::to_vec(&wrapped).unwrap());
    }

    #[test]
    fn truncating_a_valid_response_never_panics(cut in 0usize..400) {
        let body = r#"{"ResponseMetadata":{"RequestId":"r","Action":"GetPullRecordTask"},"Result":{"TaskDetail":{"TaskId":"t","StartTime":"2023-10-09T15:16:15Z","EndTime":"","Vhost":"v","Domain":"d","App":"a","Status":"生效中"}}}"#.as_bytes();
        let cut = cut.min(body.len());
        decode_all(200, &body[..cut]);
        let full = decode::<GetPullRecordTaskResult>(200, body);
        prop_assert_eq!(full.is_ok(), true);
    }

    #[test]
    fn requests_round_trip_through_json(
        id in ".{0,40}",
        s in proptest::collection::vec(".{0,20}", 4),
        opt in proptest::collection::vec(proptest::option::of(".{0,20}"), 4),
        n in any::<u32>(), m in any::<u32>(),
    ) {
        round_trips(&GetPullRecordTaskRequest::new(id.clone()));
        round_trips(&StopPullRecordTaskRequest::new(id));
        let mut c = CreatePullRecordTaskRequest::new(&*s[0], &*s[1], &*s[2], &*s[3]);
        c.vhost = opt[0].clone();
        c.start_time = opt[1].clone();
        c.end_time = opt[2].clone();
        round_trips(&c);
        let mut l = ListPullRecordTaskRequest::new(n, m);
        l.vhost = opt[0].clone();
        l.domain = opt[1].clone();
        l.app = opt[2].clone();
        l.stream = opt[3].clone();
        round_trips(&l);
        let mut d = DescribeRecordTaskFileHistoryRequest::new(&*s[0], &*s[1]).page_num(n).page_size(m);
        d.vhost = opt[0].clone();
        d.app = opt[1].clone();
        d.stream = opt[2].clone();
        d.storage = opt[3].clone();
        round_trips(&d);
    }

    #[test]
    fn validating_any_file_history_request_never_panics(
        s in proptest::collection::vec(prop_oneof![".{0,30}".boxed(),
            "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,3})?(Z|[+-][01][0-9]:[0-5][0-9])".boxed()], 2),
        opt in proptest::collection::vec(proptest::option::of(".{0,20}"), 4),
        n in any::<u32>(), m in any::<u32>(),
    ) {
        use live_model::Operation;
        let mut d = DescribeRecordTaskFileHistoryRequest::new(&*s[0], &*s[1]).page_num(n).page_size(m);
        d.vhost = opt[0].clone();
        d.app = opt[1].clone();
        d.stream = opt[2].clone();
        d.storage = opt[3].clone();
        if let Err(e) = d.validate() {
            prop_assert!(["DateFrom", "DateTo", "PageNum", "PageSize", "Vhost", "App", "Stream", "Type"].contains(&e.field));
        }
    }
}

/// Strings rich in what the sanitizer must escape: controls, bidi, Chinese, backslashes.
fn hostile_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        any::<char>(),
        prop_oneof![
            Just('\x1b'),
            Just('\x07'),
            Just('\r'),
            Just('\n'),
            Just('\t'),
            Just('\x7f'),
            Just('\u{9b}'),
            Just('\u{202e}'),
            Just('\u{2067}'),
            Just('\\'),
            Just('停'),
            Just('a'),
        ],
    ];
    proptest::collection::vec(c, 0..300).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever the text and the cap, the output has no character the sanitizer escapes and
    /// at most `cap` characters plus the marker; unchanged text is borrowed.
    #[test]
    fn sanitized_text_has_no_control_and_respects_the_cap(text in hostile_text(), cap in 0usize..400) {
        use live_model::sanitize::{is_escaped, sanitize, MAX_MARKER_CHARS};
        let out = sanitize(&text, cap);
        prop_assert!(!out.chars().any(is_escaped), "{out:?}");
        prop_assert!(out.chars().count() <= cap + MAX_MARKER_CHARS, "{} > {cap}", out.chars().count());
        let clean = !text.chars().any(is_escaped) && text.chars().count() <= cap;
        prop_assert_eq!(matches!(out, std::borrow::Cow::Borrowed(_)), clean);
        if clean {
            prop_assert_eq!(&*out, &*text);
        }
    }

    /// An error's Display is one line without control characters, whatever the server sent.
    #[test]
    fn error_display_is_one_clean_line(code in hostile_text(), message in hostile_text(), id in hostile_text()) {
        let body = serde_json::json!({"ResponseMetadata": {"RequestId": id, "Error": {"Code": code, "Message": message}}});
        let err = decode::<GetPullRecordTaskResult>(400, body.to_string().as_bytes()).unwrap_err();
        let shown = err.to_string();
        prop_assert!(!shown.chars().any(live_model::sanitize::is_escaped), "{shown:?}");
    }
}
