//! `volc-live list-record-files` against an in-process emulator: a window, one task's files,
//! JSON and table, and input errors (exit 2) found before anything is sent; against a
//! loopback server whose task cannot be used, a decode error (exit 3).

use std::process::{Command, Output};

use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use serde_json::Value;

mod common;
use common::Hostile;

fn volc_live(endpoint: &str, args: &[&str]) -> Output {
    let home = std::env::temp_dir().join(format!("volc-live-files-home-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    Command::new(env!("CARGO_BIN_EXE_volc-live"))
        .args(["--endpoint", endpoint, "--timeout", "5"])
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID)
        .env("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const WINDOW: [&str; 4] = [
    "--from",
    "2023-10-09T00:00:00+08:00",
    "--to",
    "2023-10-10T00:00:00+08:00",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_and_a_task_in_json_and_table() {
    let e = Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap();
    let url = e.base_url();
    let mut args = vec!["--output", "json", "list-record-files"];
    args.extend(WINDOW);
    let page = json(&volc_live(&url, &args));
    assert_eq!(page["pagination"]["total_count"], 1);
    assert!(!page["request_id"].as_str().unwrap().is_empty());
    let f = &page["files"][0];
    assert_eq!(f["stream"], "example_stream");
    assert_eq!(f["duration"], "133");
    assert_eq!(f["start_time"], "2023-10-09T15:16:15+08:00");
    assert_eq!(f["vid"], "");
    assert!(f["location"].as_str().unwrap().starts_with("tos://"));
    assert_eq!(
        f.as_object().unwrap().len(),
        14,
        "13 fields and the location"
    );

    let mut args = vec![
        "--output",
        "json",
        "list-record-files",
        "--all",
        "--page-size",
        "1",
    ];
    args.extend(WINDOW);
    let all = json(&volc_live(&url, &args));
    assert_eq!(all["files"].as_array().unwrap().len(), 1);

    let by_task = json(&volc_live(
        &url,
        &[
            "--output",
            "json",
            "list-record-files",
            "--task-id",
            EXAMPLE_TASK_ID,
        ],
    ));
    assert_eq!(by_task["files"][0], page["files"][0]);

    let mut args = vec!["list-record-files"];
    args.extend(WINDOW);
    let table = volc_live(&url, &args);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    for column in ["START", "DURATION", "FORMAT", "STREAM", "LOCATION"] {
        assert!(header.contains(column), "{header}");
    }
    let row = lines.next().unwrap();
    assert!(row.starts_with("2023-10-09T15:16:15+08:00"), "{row}");
    assert!(
        row.contains(" 133 ") && row.contains(" flv ") && row.contains("tos://"),
        "{row}"
    );
    assert!(text.contains("1 files in all"), "{text}");

    let table = volc_live(
        &url,
        &[
            "describe-record-task-file-history",
            "--task-id",
            EXAMPLE_TASK_ID,
        ],
    );
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("1 files of task"), "{text}");
    e.shutdown().await;
}

#[test]
fn invalid_input_exits_2_before_anything_is_sent() {
    // Nothing listens there: a request would fail with exit status 3.
    let nowhere = "http://127.0.0.1:9";
    let cases: [&[&str]; 7] = [
        &["--from", "2023-11-01T00:00:00Z"],
        &["--from", "yesterday", "--to", "2023-11-02T00:00:00Z"],
        &[
            "--from",
            "2023-11-01T00:00:00Z",
            "--to",
            "2023-11-09T00:00:00Z",
        ],
        &[
            "--from",
            "2023-11-02T00:00:00Z",
            "--to",
            "2023-11-01T00:00:00Z",
        ],
        &[
            "--from",
            "2023-11-01T00:00:00Z",
            "--to",
            "2023-11-02T00:00:00Z",
            "--stream",
            "s",
        ],
        &[
            "--from",
            "2023-11-01T00:00:00Z",
            "--to",
            "2023-11-02T00:00:00Z",
            "--type",
            "s3",
        ],
        &[
            "--from",
            "2023-11-01T00:00:00Z",
            "--to",
            "2023-11-02T00:00:00Z",
            "--page-size",
            "0",
        ],
    ];
    for case in cases {
        let mut args = vec!["--output", "json", "list-record-files"];
        args.extend(case);
        let out = volc_live(nowhere, &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{case:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    let out = volc_live(
        nowhere,
        &[
            "list-record-files",
            "--from",
            "2023-11-01T00:00:00Z",
            "--to",
            "2023-11-09T00:00:00Z",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DateTo") && err.contains("7 days"), "{err}");
}

#[test]
fn a_server_task_that_cannot_be_used_exits_3_not_2() {
    for (field, value) in [
        ("StartTime", "soon"),
        ("StartTime", "\u{1b}]0;pwned\u{7}"),
        ("App", ""),
    ] {
        let mut task = serde_json::json!({"TaskId": "t", "StartTime": "2023-10-09T07:16:15Z",
            "EndTime": "2023-10-09T07:18:28Z", "Vhost": "v.example.com",
            "Domain": "pull.example.com", "App": "live", "Stream": "s", "Status": "已结束"});
        task[field] = value.into();
        let body = serde_json::json!({"ResponseMetadata": {"RequestId": "req-get",
            "Action": "GetPullRecordTask", "Version": "2023-01-01"}, "Result": task})
        .to_string();
        let url = Hostile::start(move |_| (200, body.clone())).url;
        let out = volc_live(&url, &["list-record-files", "--task-id", "t"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{field}={value:?}: {err}");
        assert!(err.contains(field), "{err}");
        if value == "soon" {
            assert!(err.contains("\"soon\""), "{err}");
        }
        assert!(!err.contains("nothing was sent"), "{err}");
        assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
        assert!(out.stdout.is_empty());
    }
}
