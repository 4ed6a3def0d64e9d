//! `volc-live` against hostile servers: a raw TCP server on 127.0.0.1:0 that answers crafted
//! envelopes. Server text is shown on one line with control characters escaped and its length
//! capped; `list --all` stops at the page cap, at `TotalCount`, on a page answered again, and
//! at the whole-command `--timeout`, naming the page.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use live_emulator::{DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY};
use live_model::sanitize::is_escaped;
use serde_json::{json, Value};

mod common;
use common::Hostile;

fn volc_live(url: &str, timeout: &str, args: &[&str]) -> (Output, Duration) {
    let home = std::env::temp_dir().join(format!("volc-live-hostile-home-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_volc-live"))
        .args(["--endpoint", url, "--timeout", timeout, "--retries", "0"])
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID)
        .env("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY)
        .output()
        .unwrap();
    (out, started.elapsed())
}

fn error_envelope(code: &str, message: &str, request_id: &str) -> String {
    json!({"ResponseMetadata": {"RequestId": request_id, "Action": "GetPullRecordTask",
        "Version": "2023-01-01", "Error": {"Code": code, "Message": message}}})
    .to_string()
}

fn task(id: &str, stream: &str) -> Value {
    json!({"TaskId": id, "StartTime": "2023-10-09T15:16:15+08:00",
        "EndTime": "2023-10-09T15:18:28+08:00", "Vhost": "v.example.com",
        "Domain": "pull.example.com", "App": "live", "Stream": stream, "Status": "生效中"})
}

/// A ListPullRecordTask page.
fn page(cur: u32, size: u32, total: u32, count: u64, tasks: Vec<Value>) -> String {
    json!({"ResponseMetadata": {"RequestId": format!("req-{cur}"), "Action": "ListPullRecordTask",
        "Version": "2023-01-01"},
        "Result": {"List": tasks, "Pagination": {"PageCur": cur, "PageSize": size,
            "PageTotal": total, "TotalCount": count}}})
    .to_string()
}

/// The one line of stderr, checked to be one line with no control character.
fn one_clean_line(out: &Output) -> String {
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.matches('\n').count(), 1, "one line: {err:?}");
    assert!(err.ends_with('\n'));
    let line = err.trim_end_matches('\n');
    assert!(!line.chars().any(is_escaped), "{line:?}");
    line.to_owned()
}

const OSC_TITLE: &str = "\x1b]0;pwned\x07";

#[test]
fn a_hostile_error_prints_on_one_line_with_its_controls_escaped() {
    let code = format!("Evil\x1b[2J{OSC_TITLE}");
    let message = format!("first\r\nsecond\x07{OSC_TITLE}\u{202e}txt.exe\tend\x7f\u{9b}");
    let server = {
        let (code, message) = (code.clone(), message.clone());
        Hostile::start(move |_| (400, error_envelope(&code, &message, "req\x1b[1m-1")))
    };
    let (out, _) = volc_live(
        &server.url,
        "10",
        &["get-pull-record-task", "--task-id", "t"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let line = one_clean_line(&out);
    assert_eq!(
        line,
        r"volc-live: Evil\u{1b}[2J\u{1b}]0;pwned\u{7}: first\u{d}\u{a}second\u{7}\u{1b}]0;pwned\u{7}\u{202e}txt.exe\u{9}end\u{7f}\u{9b} (request id req\u{1b}[1m-1, HTTP 400)"
    );
}

#[test]
fn a_3_mib_message_is_capped() {
    let server = Hostile::start(|_| {
        let message = format!("{OSC_TITLE}{}", "x".repeat(3 << 20));
        (500, error_envelope("InternalError", &message, "req-big"))
    });
    let (out, _) = volc_live(
        &server.url,
        "20",
        &["get-pull-record-task", "--task-id", "t"],
    );
    assert_eq!(out.status.code(), Some(1));
    let line = one_clean_line(&out);
    assert!(line.len() < 1_000, "{} bytes", line.len());
    assert!(
        line.contains(&format!(
            "…(+{} more chars)",
            (3 << 20) + 10 - (10 + 512 - 19)
        )),
        "{line}"
    );
    assert!(line.ends_with("(request id req-big, HTTP 500)"), "{line}");
}

#[test]
fn hostile_task_fields_are_escaped_in_tables_and_exact_in_json() {
    let stream = format!("s{OSC_TITLE}\r\n{}", "y".repeat(400));
    let server = {
        let stream = stream.clone();
        Hostile::start(move |p| (200, page(p, 20, 1, 1, vec![task("t\x1b1", &stream)])))
    };
    for all in [false, true] {
        let mut args = vec!["list-pull-record-tasks"];
        if all {
            args.push("--all");
        }
        let (out, _) = volc_live(&server.url, "10", &args);
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        for line in text.lines() {
            assert!(!line.chars().any(is_escaped), "{line:?}");
        }
        assert!(text.contains(r"t\u{1b}1"), "{text}");
        assert!(
            text.contains(r"s\u{1b}]0;pwned\u{7}\u{d}\u{a}yyy"),
            "{text}"
        );
        assert!(text.contains("more chars)"), "the cell is capped: {text}");
        args.extend(["--output", "json"]);
        let (out, _) = volc_live(&server.url, "10", &args);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["tasks"][0]["stream"], stream.as_str(), "JSON is exact");
        assert_eq!(v["tasks"][0]["task_id"], "t\x1b1");
    }
}

#[test]
fn list_all_stops_at_the_page_cap_naming_the_page() {
    // Always another page: PageTotal 4294967295, 500 tasks a page.
    let tasks: Vec<Value> = (0..500).map(|i| task(&format!("t{i}"), "s")).collect();
    let server = Hostile::start(move |p| (200, page(p, 500, u32::MAX, u64::MAX, tasks.clone())));
    let (out, took) = volc_live(
        &server.url,
        "60",
        &[
            "list-pull-record-tasks",
            "--page-size",
            "500",
            "--all",
            "--max-pages",
            "20",
        ],
    );
    eprintln!("20 pages of 500 tasks in {took:?}");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        one_clean_line(&out),
        "volc-live: page 21: the server claims more pages than the cap of 20 (max_pages); listing stopped before asking for it"
    );
    assert_eq!(server.asked(), (1..=20).collect::<Vec<_>>());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().count(),
        1 + 20 * 500,
        "header and every row printed"
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn list_all_refuses_a_page_answered_again() {
    let server = Hostile::start(|_| {
        (
            200,
            page(
                1,
                2,
                u32::MAX,
                u64::MAX,
                vec![task("a", "s"), task("b", "s")],
            ),
        )
    });
    let (out, _) = volc_live(
        &server.url,
        "10",
        &["list-pull-record-tasks", "--page-size", "2", "--all"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        one_clean_line(&out),
        "volc-live: page 2: the server answered page 1 again (its pages do not advance); listing stopped"
    );
    assert_eq!(server.asked(), [1, 2]);
    // The first page was printed before the second was refused.
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);
}

#[test]
fn list_all_asks_no_page_past_total_count() {
    let server = Hostile::start(|p| {
        (
            200,
            page(p, 1, u32::MAX, 3, vec![task(&format!("t{p}"), "s")]),
        )
    });
    let (out, _) = volc_live(
        &server.url,
        "10",
        &[
            "--output",
            "json",
            "list-pull-record-tasks",
            "--page-size",
            "1",
            "--all",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(server.asked(), [1, 2, 3]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["t1", "t2", "t3"]);
    assert_eq!(v["pagination"]["total_count"], 3);
    assert_eq!(v["request_id"], "req-3");
}

#[test]
fn list_all_timeout_bounds_the_whole_command() {
    // Each page takes 0.5 s (well within any per-call limit); the pages never end.
    let server = Hostile::start(|p| {
        std::thread::sleep(Duration::from_millis(500));
        (200, page(p, 1, u32::MAX, u64::MAX, vec![task("t", "s")]))
    });
    let (out, took) = volc_live(
        &server.url,
        "2",
        &["list-pull-record-tasks", "--page-size", "1", "--all"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        one_clean_line(&out),
        "volc-live: timeout: the command did not finish within 2s (--timeout, retries and pages included)"
    );
    let asked = server.asked().len();
    assert!((2..=5).contains(&asked), "{asked} pages asked in 2 s");
    assert!(took < Duration::from_secs(10), "{took:?}");
}
