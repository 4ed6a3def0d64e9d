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
fn null_data_is_an_empty_page_and_a_wrong_type_is_a_decode_error() {
    let body = br#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Data":null,"Pagination":{"PageCur":1,"PageSize":30,"PageTotal":0,"TotalCount":0}}}"#;
    let page = decode::<DescribeRecordTaskFileHistoryResult>(200, body).unwrap();
    assert!(page.result.data.is_empty());
    let body = br#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Data":[{"Duration":true}],"Pagination":{"PageCur":1,"PageSize":30,"PageTotal":1,"TotalCount":1}}}"#;
    assert!(matches!(
        decode::<DescribeRecordTaskFileHistoryResult>(200, body),
        Err(live_model::Error::Decode(_))
    ));
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
    f.end_time_utc = String::new();
    f.end_time = "bad".into();
    assert!(!f.overlaps(t("2023-10-09T00:00:00Z"), t("2023-10-10T00:00:00Z")));
}
