//! `volc-live call` against an in-process emulator: the same task as `get`, the body from the
//! command line, a file or stdin, a service error, input errors that send nothing, and where
//! the call goes with and without an endpoint.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use serde_json::Value;

/// The command and the environment it runs in: the demo credential, an empty HOME, nothing
/// else.
fn command(args: &[&str]) -> Command {
    let home = std::env::temp_dir().join(format!("volc-live-call-home-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volc-live"));
    cmd.args(["--timeout", "5"])
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID)
        .env("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY)
        .stdin(Stdio::null());
    cmd
}

/// Runs `volc-live --endpoint URL ARGS…`, writing `stdin` to its standard input.
fn run(url: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = command(&["--endpoint", url]);
    cmd.args(args);
    let Some(input) = stdin else {
        return cmd.output().unwrap();
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The JSON on stdout of a command that succeeded.
fn stdout_json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap()
}

fn get_body() -> String {
    format!(r#"{{"TaskID":"{EXAMPLE_TASK_ID}"}}"#)
}

const CALL_GET: [&str; 7] = [
    "call",
    "--service",
    "live",
    "--api-version",
    "2023-01-01",
    "--action",
    "GetPullRecordTask",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_shows_the_task_get_shows() {
    let e = emulator().await;
    let url = e.base_url();
    let body = get_body();
    let got = stdout_json(&run(
        &url,
        &["--output", "json", "get", "--task-id", EXAMPLE_TASK_ID],
        None,
    ));
    let task = &got["task"];

    let mut args = CALL_GET.to_vec();
    args.extend(["--body", &body, "--idempotent"]);
    // Table mode: the Result, indented, and nothing else.
    let table = run(&url, &args, None);
    let result = stdout_json(&table);
    assert!(text(&table.stdout).lines().count() > 1, "indented");
    assert!(table.stderr.is_empty(), "{}", text(&table.stderr));
    for (field, key) in [
        ("TaskId", "task_id"),
        ("StartTime", "start_time"),
        ("EndTime", "end_time"),
        ("Vhost", "vhost"),
        ("Domain", "domain"),
        ("App", "app"),
        ("Stream", "stream"),
        ("Status", "status_text"),
    ] {
        assert_eq!(result[field], task[key], "{field}");
    }
    assert_eq!(result["TaskId"], EXAMPLE_TASK_ID);

    // --output json: one object with the request id and the same Result.
    let out = run(&url, &[&["--output", "json"], &args[..]].concat(), None);
    let text_out = text(&out.stdout);
    assert_eq!(text_out.lines().count(), 1, "one line: {text_out}");
    let answer = stdout_json(&out);
    assert!(!answer["request_id"].as_str().unwrap().is_empty());
    assert_eq!(answer["result"]["TaskId"], EXAMPLE_TASK_ID);
    assert_eq!(answer["result"], result);
    assert_eq!(
        answer.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["request_id", "result"]
    );

    // Query parameters travel signed (a wrong encoding would fail the signature).
    let mut with_query = args.clone();
    with_query.extend(["--query", "Note=a b=c/ü", "--query", "Empty="]);
    assert_eq!(
        stdout_json(&run(&url, &with_query, None))["TaskId"],
        EXAMPLE_TASK_ID
    );
    assert_eq!(e.stats().requests_of("GetPullRecordTask"), 4);
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_comes_from_a_file_or_stdin() {
    let e = emulator().await;
    let url = e.base_url();
    let dir = std::env::temp_dir().join(format!("volc-live-call-body-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("get.json");
    // With a byte-order mark and a trailing newline, as editors write them.
    std::fs::write(&file, format!("\u{feff}{}\n", get_body())).unwrap();
    let at_file = format!("@{}", file.display());

    let from_file = run(
        &url,
        &[&CALL_GET[..], &["--body", &at_file, "--idempotent"]].concat(),
        None,
    );
    assert_eq!(stdout_json(&from_file)["TaskId"], EXAMPLE_TASK_ID);

    for dash in ["-", "@-"] {
        let from_stdin = run(
            &url,
            &[&["--output", "json"], &CALL_GET[..], &["--body", dash]].concat(),
            Some(get_body().as_bytes()),
        );
        assert_eq!(
            stdout_json(&from_stdin)["result"]["TaskId"],
            EXAMPLE_TASK_ID,
            "{dash}"
        );
    }

    // Stdin that is not JSON, or empty, is an input error.
    for input in [&b"{\"TaskID\":"[..], b""] {
        let out = run(
            &url,
            &[&CALL_GET[..], &["--body", "-"]].concat(),
            Some(input),
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("--body -: not JSON"),
            "{}",
            text(&out.stderr)
        );
    }
    // A directory is named and refused.
    let at_dir = format!("@{}", dir.display());
    let out = run(&url, &[&CALL_GET[..], &["--body", &at_dir]].concat(), None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("a directory"),
        "{}",
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(e.stats().requests, 3);
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_action_is_the_gateways_error() {
    let e = emulator().await;
    let url = e.base_url();
    let args = [
        "call",
        "--service",
        "live",
        "--api-version",
        "2023-01-01",
        "--action",
        "NoSuchAction",
        "--body",
        "{}",
    ];
    let out = run(&url, &args, None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // The gateway's answer to an action or version it does not know, as the emulator gives it.
    assert!(stderr.contains("InvalidActionOrVersion"), "{stderr}");
    assert!(stderr.contains("NoSuchAction"), "{stderr}");
    assert!(stderr.contains("HTTP 404"), "{stderr}");

    let out = run(&url, &[&["--output", "json"], &args[..]].concat(), None);
    assert_eq!(out.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["code"], "InvalidActionOrVersion");
    assert_eq!(error["kind"], "service");
    assert_eq!(error["http_status"], 404);
    assert_eq!(error["exit_status"], 1);
    assert!(!error["request_id"].as_str().unwrap().is_empty());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_errors_exit_2_and_send_nothing() {
    let e = emulator().await;
    let url = e.base_url();
    let cases: [(&[&str], &str); 8] = [
        (&["--query", "novalue"], "--query novalue"),
        (&["--query", "=v"], "empty"),
        (&["--query", "bad\u{1b}[2J"], r"--query bad\u{1b}[2J"),
        (&["--body", "not json"], "not JSON"),
        (&["--method", "GET", "--body", "{}"], "--method GET"),
        (&["--method", "PUT"], "PUT"),
        (
            &["--body", "@/no/such/file"],
            "--body @/no/such/file: no such file",
        ),
        (&["--query", "Action=Other"], "Action"),
    ];
    for (extra, says) in cases {
        let mut args = CALL_GET.to_vec();
        args.extend(extra);
        let out = run(&url, &args, None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
        assert!(!stderr.contains('\u{1b}'), "{extra:?}: {stderr:?}");
        assert!(out.stdout.is_empty(), "{extra:?}");
    }
    // Names the gateway cannot take (an empty action, a version with a slash), with the JSON
    // error object.
    for (version, action, says) in [
        ("2023-01-01", "", "Action"),
        ("2023/01", "GetPullRecordTask", "Version"),
    ] {
        let out = run(
            &url,
            &[
                "--output",
                "json",
                "call",
                "--service",
                "live",
                "--api-version",
                version,
                "--action",
                action,
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let error: Value = serde_json::from_slice(&out.stderr).unwrap();
        assert_eq!(error["exit_status"], 2);
        assert_eq!(error["kind"], "invalid_input");
        assert!(error["message"].as_str().unwrap().contains(says), "{error}");
    }
    assert_eq!(e.stats().requests, 0, "{:?}", e.stats());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_given_is_called_whatever_the_service() {
    let e = emulator().await;
    let url = e.base_url();
    // Another service's action reaches the emulator given by --endpoint, and by
    // VOLCENGINE_ENDPOINT (which it cannot serve: a service error, not a connection error).
    let args = [
        "call",
        "--service",
        "iam",
        "--api-version",
        "2018-01-01",
        "--action",
        "ListUsers",
        "--query",
        "Limit=10",
        "--idempotent",
    ];
    let out = run(&url, &args, None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = command(&args)
        .env("VOLCENGINE_ENDPOINT", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(e.stats().requests, 2, "{:?}", e.stats());
    e.shutdown().await;
}

/// A proxy on loopback that records the first line of each request and refuses it, so that
/// a test sees where a call would go without a packet leaving the machine.
fn recording_proxy() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = tx.send(first.trim_end().to_owned());
            let _ = conn.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (url, rx)
}

#[test]
fn without_an_endpoint_the_librarys_default_is_called() {
    let (proxy, asked) = recording_proxy();
    for (service, version, action, host) in [
        (
            "iam",
            "2018-01-01",
            "ListUsers",
            "open.volcengineapi.com:443",
        ),
        (
            "live",
            "2023-01-01",
            "GetPullRecordTask",
            "live.volcengineapi.com:443",
        ),
    ] {
        // An empty VOLCENGINE_ENDPOINT counts as unset.
        let out = command(&[
            "--proxy",
            &proxy,
            "--retries",
            "0",
            "call",
            "--service",
            service,
            "--api-version",
            version,
            "--action",
            action,
            "--body",
            "{}",
        ])
        .env("VOLCENGINE_ENDPOINT", "")
        .output()
        .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        let first = asked.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(first, format!("CONNECT {host} HTTP/1.1"), "{service}");
    }
}
