//! Fuzzes the envelope decoder: the first two bytes are the HTTP status, the rest the body.
//! Never a panic; an error always names an HTTP status, and a success only comes with 2xx.
#![no_main]

use libfuzzer_sys::fuzz_target;
use live_model::{
    decode, CreatePullRecordTaskResult, DescribeRecordTaskFileHistoryResult,
    GetPullRecordTaskResult, ListPullRecordTaskResult, StopPullRecordTaskResult,
};

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) % 600, rest),
        _ => return,
    };
    let success = (200..300).contains(&status);
    if decode::<GetPullRecordTaskResult>(status, body).is_ok() {
        assert!(success);
    }
    if decode::<CreatePullRecordTaskResult>(status, body).is_ok() {
        assert!(success);
    }
    match decode::<ListPullRecordTaskResult>(status, body) {
        Ok(_) => assert!(success),
        Err(e) => assert_eq!(e.http_status(), Some(status)),
    }
    if decode::<StopPullRecordTaskResult>(status, body).is_ok() {
        assert!(success);
    }
    match decode::<DescribeRecordTaskFileHistoryResult>(status, body) {
        Ok(page) => {
            assert!(success);
            for f in &page.result.data {
                let _ = (f.started_at(), f.ended_at(), f.duration_number(), f.recorded_span());
                let _ = f.location().map(|l| l.to_string());
            }
        }
        Err(e) => assert_eq!(e.http_status(), Some(status)),
    }
});
