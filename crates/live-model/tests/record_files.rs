//! DescribeRecordTaskFileHistory: every documented input rule names its field; a file keeps
//! every field as received and reads times and the duration only when asked.

use live_model::{
    decode, Action, DescribeRecordTaskFileHistoryRequest as Req,
    DescribeRecordTaskFileHistoryResult, FileLocation, Idempotency, Operation, RecordFile,
    RecordStorage,
};

const FROM: &str = "2023-11-01T00:00:00+08:00";
const TO: &str = "2023-11-07T23:59:59+08:00";

fn broken(req: &Req) -> (&'static str, String) {
    let e = req.validate().unwrap_err();
    (e.field, e.rule)
}

#[test]
fn the_documented_example_passes_and_is_sent_as_written() {
    let req = Req::new(FROM, TO)
        .vhost("push.example.com")
        .app("live")
        .stream("example_stream")
        .storage(RecordStorage::Vod)
        .page_size(30);
    assert_eq!(req.validate(), Ok(()));
    let json: serde_json::Value = serde_json::to_value(&req).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"DateFrom": FROM, "DateTo": TO, "PageNum": 1, "PageSize": 30,
            "Vhost": "push.example.com", "App": "live", "Stream": "example_stream", "Type": "vod"})
    );
}

#[test]
fn the_action_facts_sit_beside_the_other_four() {
    let a = Action::DescribeRecordTaskFileHistory;
    assert_eq!(Action::from_name("DescribeRecordTaskFileHistory"), Some(a));
    assert_eq!(a.rate_limit_per_sec(), 10);
    assert_eq!(a.idempotency(), Idempotency::Read);
    assert_eq!(a.version(), "2023-01-01");
    assert_eq!(Req::ACTION, a.facts());
}

#[test]
fn both_times_are_required_rfc3339_to_the_second() {
    for (from, to, field) in [
        ("", TO, "DateFrom"),
        (FROM, "", "DateTo"),
        ("2023-11-01 00:00:00", TO, "DateFrom"),
        ("yesterday", TO, "DateFrom"),
        (FROM, "2023-11-07", "DateTo"),
        ("2023-11-01T00:00:00.5+08:00", TO, "DateFrom"),
        (FROM, "2023-11-07T23:59:59.000Z", "DateTo"),
    ] {
        let (f, rule) = broken(&Req::new(from, to));
        assert_eq!(f, field, "{from} {to}: {rule}");
    }
    assert!(broken(&Req::new("2023-11-01T00:00:00.25Z", TO))
        .1
        .contains("to the second"));
    assert!(broken(&Req::new("", TO)).1.contains("required"));
    // A leap second is named as such, not as a fraction.
    let (f, rule) = broken(&Req::new("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"));
    assert_eq!(f, "DateFrom");
    assert!(rule.contains("leap second"), "{rule}");
    // Second 59 itself is fine.
    assert_eq!(
        Req::new("2016-12-31T23:59:59Z", "2017-01-01T00:00:00Z").validate(),
        Ok(())
    );
}

#[test]
fn date_to_is_after_date_from_and_at_most_seven_days_after() {
    let at = |to: &str| Req::new("2023-11-01T00:00:00Z", to);
    assert_eq!(
        at("2023-11-08T00:00:00Z").validate(),
        Ok(()),
        "exactly 7 days"
    );
    assert_eq!(
        broken(&at("2023-11-08T00:00:01Z")),
        ("DateTo", "must be at most 7 days after DateFrom".to_owned())
    );
    assert_eq!(
        broken(&at("2023-11-01T00:00:00Z")),
        ("DateTo", "must be after DateFrom".to_owned())
    );
    assert_eq!(broken(&at("2023-10-31T23:59:59Z")).0, "DateTo");
    // Zones count: 08:00+08:00 is midnight UTC.
    assert_eq!(
        broken(&at("2023-11-01T08:00:00+08:00")),
        ("DateTo", "must be after DateFrom".to_owned())
    );
    assert_eq!(at("2023-11-08T07:59:59+08:00").validate(), Ok(()));
}

#[test]
fn stream_requires_app() {
    let (field, rule) = broken(&Req::new(FROM, TO).stream("s"));
    assert_eq!(field, "Stream");
    assert!(rule.contains("requires App"), "{rule}");
    assert_eq!(broken(&Req::new(FROM, TO).app("").stream("s")).0, "Stream");
    assert_eq!(
        Req::new(FROM, TO).app("live").stream("s").validate(),
        Ok(())
    );
}

#[test]
fn app_stream_and_vhost_follow_their_character_rules() {
    for bad in ["li ve", "中文", &"a".repeat(31), "a/b"] {
        assert_eq!(broken(&Req::new(FROM, TO).app(bad)).0, "App", "{bad}");
    }
    assert_eq!(Req::new(FROM, TO).app("a".repeat(30)).validate(), Ok(()));
    for bad in ["s t", &"s".repeat(101), "s?x"] {
        assert_eq!(
            broken(&Req::new(FROM, TO).app("live").stream(bad)).0,
            "Stream",
            "{bad}"
        );
    }
    assert_eq!(
        Req::new(FROM, TO)
            .app("live")
            .stream("s".repeat(100))
            .validate(),
        Ok(())
    );
    assert_eq!(broken(&Req::new(FROM, TO).vhost("-bad.com")).0, "Vhost");
    assert_eq!(broken(&Req::new(FROM, TO).vhost("a b")).0, "Vhost");
}

#[test]
fn empty_filters_are_no_filters() {
    let mut req = Req::new(FROM, TO).vhost("").app("");
    req.storage = Some(String::new());
    assert_eq!(req.validate(), Ok(()));
    assert_eq!(req.effective_storage(), Some(RecordStorage::Tos));
}

#[test]
fn type_is_tos_or_vod() {
    for ok in ["tos", "vod"] {
        let mut req = Req::new(FROM, TO);
        req.storage = Some(ok.to_owned());
        assert_eq!(req.validate(), Ok(()));
    }
    for bad in ["TOS", "s3", "tos ", "v"] {
        let mut req = Req::new(FROM, TO);
        req.storage = Some(bad.to_owned());
        assert_eq!(
            broken(&req),
            ("Type", "must be tos or vod".to_owned()),
            "{bad}"
        );
        assert_eq!(req.effective_storage(), None);
    }
    assert_eq!("vod".parse::<RecordStorage>(), Ok(RecordStorage::Vod));
    assert_eq!("x".parse::<RecordStorage>().unwrap_err().field, "Type");
}

#[test]
fn page_num_and_page_size_are_at_least_one() {
    assert_eq!(broken(&Req::new(FROM, TO).page_num(0)).0, "PageNum");
    assert_eq!(broken(&Req::new(FROM, TO).page_size(0)).0, "PageSize");
    assert_eq!(
        Req::new(FROM, TO)
            .page_num(u32::MAX)
            .page_size(u32::MAX)
            .validate(),
        Ok(()),
        "no maximum is documented"
    );
}

#[test]
fn every_error_displays_the_field_and_the_rule() {
    let e = Req::new(FROM, TO).page_num(0).validate().unwrap_err();
    assert_eq!(e.to_string(), "invalid PageNum: must be at least 1");
}

const PAGE: &str = r#"{
  "ResponseMetadata": {"RequestId": "r1", "Action": "DescribeRecordTaskFileHistory", "Version": "2023-01-01"},
  "Result": {"Data": [
    {"Vhost": "push.example.com", "App": "live", "Stream": "s", "FileName": "s_1.flv", "Format": "flv",
     "Duration": "133", "StartTime": "2023-10-09T15:16:15+08:00", "EndTime": "2023-10-09T15:18:28+08:00",
     "StartTimeUTC": "2023-10-09T07:16:15Z", "EndTimeUTC": "2023-10-09T07:18:28Z",
     "Bucket": "bucket", "Path": "record/live/s_1.flv", "Vid": ""},
    {"Vhost": "push.example.com", "App": "live", "Stream": "s", "FileName": "s_2.mp4", "Format": "mp4",
     "Duration": 12.5, "StartTime": "", "EndTime": null, "StartTimeUTC": "odd", "Vid": "v0abc"}
  ], "Pagination": {"PageCur": 1, "PageSize": 30, "PageTotal": 1, "TotalCount": 2}}
}"#;

#[test]
fn files_keep_every_field_as_received() {
    let page = decode::<DescribeRecordTaskFileHistoryResult>(200, PAGE.as_bytes()).unwrap();
    assert_eq!(page.request_id(), "r1");
    let [tos, vod] = &page.result.data[..] else {
        panic!("{:?}", page.result.data)
    };
    assert_eq!(tos.duration, "133");
    assert_eq!(tos.duration_number(), Some(133.0));
    assert_eq!(tos.start_time, "2023-10-09T15:16:15+08:00");
    assert_eq!(
        tos.parse_start_time().unwrap(),
        tos.parse_start_time_utc().unwrap()
    );
    assert_eq!(
        tos.parse_end_time_utc().unwrap().unix_timestamp(),
        1_696_835_908
    );
    assert_eq!(
        tos.recorded_span(),
        Some(std::time::Duration::from_secs(133))
    );
    assert_eq!(
        tos.location(),
        Some(FileLocation::Tos {
            bucket: "bucket",
            path: "record/live/s_1.flv"
        })
    );
    // A number is kept as its text; null and absent read as empty; odd times fail only when read.
    assert_eq!(vod.duration, "12.5");
    assert_eq!(vod.duration_number(), Some(12.5));
    assert_eq!((vod.end_time.as_str(), vod.end_time_utc.as_str()), ("", ""));
    assert_eq!(vod.bucket, "");
    assert_eq!(
        vod.parse_start_time_utc().unwrap_err().field,
        "StartTimeUTC"
    );
    assert!(vod.started_at().is_err());
    assert_eq!(vod.recorded_span(), None);
    assert_eq!(vod.location().unwrap().to_string(), "vod:v0abc");
    // Written back, every field is there.
    let json = serde_json::to_value(vod).unwrap();
    assert_eq!(json.as_object().unwrap().len(), 13);
}

#[test]
fn an_odd_duration_is_no_number() {
    for odd in ["", "abc", "-1", "NaN", "inf", "1h"] {
        let mut f = RecordFile::new("v", "a", "s");
        f.duration = odd.to_owned();
        assert_eq!(f.duration_number(), None, "{odd}");
    }
}

#[test]
fn null_data_is_an_empty_page_and_a_boolean_field_is_kept_as_its_text() {
    let body = br#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Data":null,"Pagination":{"PageCur":1,"PageSize":30,"PageTotal":0,"TotalCount":0}}}"#;
    let page = decode::<DescribeRecordTaskFileHistoryResult>(200, body).unwrap();
    assert!(page.result.data.is_empty());
    let body = br#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Data":[{"Duration":true,"FileName":"f.flv"}],"Pagination":{"PageCur":1,"PageSize":30,"PageTotal":1,"TotalCount":1}}}"#;
    let page = decode::<DescribeRecordTaskFileHistoryResult>(200, body).unwrap();
    let [f] = &page.result.data[..] else {
        panic!("{:?}", page.result.data)
    };
    assert_eq!(
        (f.duration.as_str(), f.file_name.as_str()),
        ("true", "f.flv")
    );
    assert_eq!(f.duration_number(), None);
}

/// The wire names of a file's 13 fields.
const FIELDS: [&str; 13] = [
    "Vhost",
    "App",
    "Stream",
    "FileName",
    "Format",
    "Duration",
    "StartTime",
    "EndTime",
    "StartTimeUTC",
    "EndTimeUTC",
    "Bucket",
    "Path",
    "Vid",
];

/// A file's field by its wire name.
fn field<'a>(f: &'a RecordFile, name: &str) -> &'a str {
    match name {
        "Vhost" => &f.vhost,
        "App" => &f.app,
        "Stream" => &f.stream,
        "FileName" => &f.file_name,
        "Format" => &f.format,
        "Duration" => &f.duration,
        "StartTime" => &f.start_time,
        "EndTime" => &f.end_time,
        "StartTimeUTC" => &f.start_time_utc,
        "EndTimeUTC" => &f.end_time_utc,
        "Bucket" => &f.bucket,
        "Path" => &f.path,
        "Vid" => &f.vid,
        other => panic!("no field {other}"),
    }
}

#[test]
fn every_field_of_every_json_kind_decodes_and_the_page_survives() {
    // (value as JSON, the text kept)
    let kinds: [(&str, &str); 12] = [
        (r#""2023-10-09T07:16:15Z""#, "2023-10-09T07:16:15Z"),
        (r#""""#, ""),
        (r#""a\u0000\u001b]0;x\u0007b""#, "a\0\u{1b}]0;x\u{7}b"),
        ("133", "133"),
        ("-1.5e3", "-1500.0"),
        ("true", "true"),
        ("false", "false"),
        ("null", ""),
        ("[]", "[]"),
        (
            r#"[1, "x", [null], {"k": false}]"#,
            r#"[1,"x",[null],{"k":false}]"#,
        ),
        ("{}", "{}"),
        (r#"{ "a" : { "b" : [ 1 , 2 ] } }"#, r#"{"a":{"b":[1,2]}}"#),
    ];
    for name in FIELDS {
        for (json, kept) in kinds {
            // The odd field among a normal file's fields, on a page with a normal file after it.
            let mut odd = serde_json::json!({"Vhost": "v", "App": "a", "Stream": "s",
                "FileName": "f.flv", "Format": "flv", "Duration": "1",
                "StartTime": "2023-10-09T15:16:15+08:00", "EndTime": "2023-10-09T15:16:16+08:00",
                "StartTimeUTC": "2023-10-09T07:16:15Z", "EndTimeUTC": "2023-10-09T07:16:16Z",
                "Bucket": "b", "Path": "p", "Vid": ""});
            odd[name] = serde_json::from_str(json).unwrap();
            let body = serde_json::json!({"ResponseMetadata": {"RequestId": "r"},
                "Result": {"Data": [odd, {"FileName": "next.flv"}],
                "Pagination": {"PageCur": 1, "PageSize": 30, "PageTotal": 1, "TotalCount": 2}}})
            .to_string();
            let page = decode::<DescribeRecordTaskFileHistoryResult>(200, body.as_bytes())
                .unwrap_or_else(|e| panic!("{name} = {json}: {e}"));
            let files = &page.result.data;
            assert_eq!(files.len(), 2, "{name} = {json}");
            assert_eq!(files[1].file_name, "next.flv");
            // Kept as received (control characters too: they are escaped only when shown).
            assert_eq!(field(&files[0], name), kept, "{name} = {json}");
            // Whatever the field holds, the typed readings answer without panicking.
            let f = &files[0];
            let _ = (
                f.started_at(),
                f.ended_at(),
                f.duration_number(),
                f.recorded_span(),
            );
            let _ = f.location().map(|l| l.to_string());
            // A value that does not read as the typed field's is None or Err, not a panic.
            if name == "Duration" {
                let number = kept.parse::<f64>().is_ok_and(|n| n >= 0.0);
                assert_eq!(f.duration_number().is_some(), number, "{json}");
            }
            if name == "StartTimeUTC" {
                let time = kept == "2023-10-09T07:16:15Z";
                assert_eq!(f.parse_start_time_utc().is_ok(), time, "{json}");
                // StartTime stands in when StartTimeUTC does not read.
                assert!(f.started_at().is_ok());
            }
        }
    }
}

#[test]
fn overlap_is_by_the_recording_times() {
    let t = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let mut f = RecordFile::new("v", "a", "s");
    f.start_time_utc = "2023-10-09T07:16:15Z".into();
    f.end_time_utc = "2023-10-09T07:18:28Z".into();
    assert!(f.overlaps(t("2023-10-09T07:00:00Z"), t("2023-10-09T07:17:00Z")));
    assert!(!f.overlaps(t("2023-10-09T07:18:28Z"), t("2023-10-09T08:00:00Z")));
    assert!(!f.overlaps(t("2023-10-09T06:00:00Z"), t("2023-10-09T07:16:15Z")));
    // A span of no length holds the file starting or running at its instant, not one that
    // ended at it or starts after it.
    let at = |s: &str| (t(s), t(s));
    let (a, b) = at("2023-10-09T07:16:15Z");
    assert!(f.overlaps(a, b), "starts at the instant");
    let (a, b) = at("2023-10-09T07:17:00Z");
    assert!(f.overlaps(a, b), "running at the instant");
    let (a, b) = at("2023-10-09T07:18:28Z");
    assert!(!f.overlaps(a, b), "ended at the instant");
    let (a, b) = at("2023-10-09T07:16:14Z");
    assert!(!f.overlaps(a, b), "starts after the instant");
    // A file of no length counts within the span, ends included.
    f.end_time_utc = f.start_time_utc.clone();
    assert!(f.overlaps(t("2023-10-09T07:16:15Z"), t("2023-10-09T08:00:00Z")));
    assert!(f.overlaps(t("2023-10-09T07:00:00Z"), t("2023-10-09T07:16:15Z")));
    assert!(f.overlaps(t("2023-10-09T07:16:15Z"), t("2023-10-09T07:16:15Z")));
    assert!(!f.overlaps(t("2023-10-09T07:16:16Z"), t("2023-10-09T08:00:00Z")));
    f.end_time_utc = String::new();
    f.end_time = "bad".into();
    assert!(!f.overlaps(t("2023-10-09T00:00:00Z"), t("2023-10-10T00:00:00Z")));
}
