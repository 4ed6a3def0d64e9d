//! `volc-live` in a shell: short names, completion scripts, help that sets the global options
//! apart, JSON errors, no colour in redirected output, `-v FILTER`, and the endpoint and
//! region from the environment. Everything runs against an in-process emulator on loopback.

use std::process::{Command, Output};

use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use serde_json::Value;

/// Runs volc-live with only `env` (plus an empty HOME and PATH) in its environment.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = std::env::temp_dir().join(format!("volc-live-shell-home-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    Command::new(env!("CARGO_BIN_EXE_volc-live"))
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

const CREDENTIALS: [(&str, &str); 2] = [
    ("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID),
    ("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY),
];

/// Runs volc-live against `url` with the demo credential.
fn against(url: &str, args: &[&str]) -> Output {
    let mut all = vec!["--endpoint", url, "--timeout", "5"];
    all.extend(args);
    run(&all, &CREDENTIALS)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The one JSON object of stderr, checked for the fields every error report has.
fn json_error(out: &Output, exit: i32) -> Value {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(exit), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    let v: Value = serde_json::from_str(&err).unwrap_or_else(|e| panic!("{e}: {err}"));
    for key in [
        "code",
        "kind",
        "message",
        "request_id",
        "http_status",
        "exit_status",
    ] {
        assert!(v.get(key).is_some(), "{key} in {err}");
    }
    assert_eq!(v["exit_status"], exit, "{err}");
    assert!(!v["message"].as_str().unwrap().is_empty(), "{err}");
    v
}

async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_names_run_the_same_commands() {
    let e = emulator().await;
    let url = e.base_url();
    let ok = |out: Output| -> Value {
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let got = ok(against(
        &url,
        &["--output", "json", "get", "--task-id", EXAMPLE_TASK_ID],
    ));
    assert_eq!(got["task"]["task_id"], EXAMPLE_TASK_ID);
    let created = ok(against(
        &url,
        &[
            "--output",
            "json",
            "create",
            "--domain",
            "pull.example.com",
            "--app",
            "live",
            "--stream",
            "short",
            "--stream-url",
            "http://pull.example.com/live/short.flv",
        ],
    ));
    let id = created["task_id"].as_str().unwrap().to_owned();
    let listed = ok(against(
        &url,
        &["--output", "json", "list", "--stream", "short"],
    ));
    assert_eq!(listed["tasks"][0]["task_id"], id.as_str());
    let stopped = ok(against(
        &url,
        &["--output", "json", "stop", "--task-id", &id],
    ));
    assert_eq!(stopped["reconciled"], false);
    e.shutdown().await;
}

#[test]
fn completions_for_each_shell_name_the_commands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(&["completions", shell], &[]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(!script.is_empty(), "{shell}");
        for word in [
            "get-pull-record-task",
            "list-pull-record-tasks",
            "create-pull-record-task",
            "stop-pull-record-task",
            "task-id",
            "endpoint",
        ] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        assert!(out.stderr.is_empty(), "{shell}: {}", text(&out.stderr));
    }
    let out = run(&["completions", "nosh"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn subcommand_help_sets_the_global_options_apart() {
    for command in ["get-pull-record-task", "get", "list"] {
        let out = run(&[command, "--help"], &[]);
        assert!(out.status.success());
        let help = text(&out.stdout);
        let (own, global) = help
            .split_once("Global options:")
            .unwrap_or_else(|| panic!("no global heading: {help}"));
        let own = own.split_once("Options:").unwrap().1;
        for g in [
            "--endpoint <",
            "--region <",
            "--output <",
            "--verbose [",
            "--timeout <",
        ] {
            assert!(global.contains(g), "{command}: {g} under globals: {help}");
            assert!(!own.contains(g), "{command}: {g} not among its own: {help}");
        }
        let mine = if command == "list" {
            "--page-size"
        } else {
            "--task-id"
        };
        assert!(own.contains(mine), "{command}: {help}");
        assert!(!global.contains(mine), "{command}: {help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_output_json_every_error_is_one_json_object() {
    let e = emulator().await;
    let url = e.base_url();

    // The service said no: its code, message, request id and HTTP status.
    let out = against(
        &url,
        &["--output", "json", "get", "--task-id", "no-such-task"],
    );
    assert!(out.stdout.is_empty());
    let v = json_error(&out, 1);
    assert_eq!(v["code"], "ResourceNotFound");
    assert_eq!(v["kind"], "service");
    assert_eq!(v["http_status"], 404);
    assert!(!v["request_id"].as_str().unwrap().is_empty());

    // Usage errors found by clap: a missing option, an unknown one, a bad value.
    for args in [
        &["--output", "json", "get"][..],
        &["get", "--task-id", "t", "--colour", "--output=json"],
        &["--output", "json", "list", "--page-size", "many"],
        &["--output", "json"],
    ] {
        let v = json_error(&against(&url, args), 2);
        assert_eq!(v["kind"], "usage", "{args:?}");
        assert_eq!(v["code"], Value::Null);
        assert_eq!(v["request_id"], Value::Null);
        assert_eq!(v["http_status"], Value::Null);
    }

    // Input refused before sending, settings, credentials.
    let v = json_error(
        &against(&url, &["--output", "json", "list", "--page-size", "0"]),
        2,
    );
    assert_eq!(v["kind"], "invalid_input");
    let v = json_error(
        &against(
            &url,
            &[
                "--output",
                "json",
                "--ca-cert",
                "/no/such.pem",
                "get",
                "--task-id",
                "t",
            ],
        ),
        2,
    );
    assert_eq!(v["kind"], "config");
    assert!(v["message"].as_str().unwrap().contains("/no/such.pem"));
    let v = json_error(
        &against(
            &url,
            &[
                "--output",
                "json",
                "-v",
                "live_api=loud",
                "get",
                "--task-id",
                "t",
            ],
        ),
        2,
    );
    assert!(v["message"].as_str().unwrap().contains("RUST_LOG"));
    let out = run(
        &[
            "--endpoint",
            &url,
            "--output",
            "json",
            "get",
            "--task-id",
            "t",
        ],
        &[],
    );
    assert_eq!(json_error(&out, 4)["kind"], "credentials");

    // A transport failure.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = format!("http://127.0.0.1:{port}");
    let v = json_error(
        &against(
            &closed,
            &[
                "--output",
                "json",
                "--retries",
                "0",
                "get",
                "--task-id",
                "t",
            ],
        ),
        3,
    );
    assert_eq!(v["kind"], "transport");

    // Text mode is unchanged: one line, not JSON.
    let out = against(&url, &["get", "--task-id", "no-such-task"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("volc-live: ResourceNotFound"), "{err}");
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_errors_hold_no_secret() {
    let e = emulator().await;
    let url = e.base_url();
    let wrong_secret = "d3JvbmctYnV0LXNlY3JldC1rZXktZm9yLXRlc3Rz";
    let out = run(
        &[
            "--endpoint",
            &url,
            "--output",
            "json",
            "-vv",
            "get",
            "--task-id",
            "t",
        ],
        &[
            ("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID),
            ("VOLCENGINE_SECRET_KEY", wrong_secret),
            ("VOLCENGINE_SESSION_TOKEN", "session-token-never-shown"),
        ],
    );
    let err = text(&out.stderr);
    let last = err.lines().last().unwrap();
    let v: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {err}"));
    // The emulator refuses the session token before it checks the signature.
    assert_eq!(v["code"], "InvalidSecretToken", "{err}");
    assert_eq!(v["exit_status"], 1);
    for secret in [wrong_secret, "session-token-never-shown", "Signature="] {
        assert!(!err.contains(secret), "{secret} in {err}");
    }
    let out = run(
        &[
            "--endpoint",
            &url,
            "--output",
            "json",
            "get",
            "--task-id",
            "t",
        ],
        &[
            ("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID),
            ("VOLCENGINE_SECRET_KEY", wrong_secret),
        ],
    );
    let v = json_error(&out, 1);
    assert_eq!(v["code"], "SignatureDoesNotMatch", "{v}");
    let err = text(&out.stderr);
    assert!(
        !err.contains(wrong_secret) && !err.contains("Signature="),
        "{err}"
    );

    // Help shows where --rate-limit can come from, not the value found there.
    let out = run(
        &["get", "--help"],
        &[("VOLCENGINE_RATE_LIMIT", "redis://:hunter2@127.0.0.1:6379/0")],
    );
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(help.contains("VOLCENGINE_RATE_LIMIT"), "{help}");
    assert!(!help.contains("hunter2"), "{help}");

    for args in [
        &["--endpoint", "http://user:hunter2@127.0.0.1:8787"][..],
        &["--endpoint", &url, "--proxy", "http://user:hunter2@[::1"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--output", "json", "get", "--task-id", "t"]);
        let out = run(&all, &CREDENTIALS);
        let v = json_error(&out, 2);
        assert!(!text(&out.stderr).contains("hunter2"), "{v}");
    }
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirected_output_has_no_escape_bytes() {
    let e = emulator().await;
    let url = e.base_url();
    for no_color in [None, Some("1")] {
        let mut env = CREDENTIALS.to_vec();
        env.extend(no_color.map(|v| ("NO_COLOR", v)));
        for args in [
            &["-vv", "get", "--task-id", EXAMPLE_TASK_ID][..],
            &["get"],
            &["--output", "json", "get"],
            &["get", "--help"],
            &["completions", "nosh"],
            &["get", "--task-id", "no-such-task"],
        ] {
            let mut all = vec!["--endpoint", url.as_str()];
            all.extend(args);
            let out = run(&all, &env);
            let both = [out.stdout, out.stderr].concat();
            assert!(!both.is_empty(), "{args:?}");
            assert!(
                !both.contains(&0x1b),
                "{args:?} NO_COLOR={no_color:?}: {}",
                String::from_utf8_lossy(&both)
            );
        }
    }
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_takes_a_filter() {
    let e = emulator().await;
    let url = e.base_url();
    let get = ["get", "--task-id", EXAMPLE_TASK_ID];
    let traced = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(get);
        let out = against(&url, &all);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stderr)
    };
    // As before: -v and -vv trace live_api.
    assert!(traced(&["-v"]).contains("canonical_request"));
    assert!(traced(&["-vv"]).contains("requests go directly to"));
    // A filter in RUST_LOG syntax, separate or with '='.
    assert!(traced(&["-v", "live_api=debug"]).contains("canonical_request"));
    assert!(traced(&["--verbose=live_api::engine=trace"]).contains("canonical_request"));
    let only_cli = traced(&["-v", "volc_live=debug"]);
    assert!(!only_cli.contains("canonical_request"), "{only_cli}");
    assert!(traced(&[]).is_empty());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_and_region_from_the_environment() {
    let e = emulator().await;
    let url = e.base_url();
    let mut env = CREDENTIALS.to_vec();
    env.push(("VOLCENGINE_ENDPOINT", &url));
    env.push(("VOLCENGINE_REGION", "cn-test-9"));
    let out = run(&["-vv", "get", "--task-id", EXAMPLE_TASK_ID], &env);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("requests go directly to {url}")),
        "{err}"
    );
    assert!(
        err.contains("/cn-test-9/live/request"),
        "region in the scope: {err}"
    );

    // The flags win over the environment.
    let out = run(
        &[
            "-vv",
            "--region",
            "cn-north-1",
            "get",
            "--task-id",
            EXAMPLE_TASK_ID,
        ],
        &env,
    );
    let err = text(&out.stderr);
    assert!(err.contains("/cn-north-1/live/request"), "{err}");

    // A bare host, as the official tools take it, means https://.
    let host = url.strip_prefix("http://").unwrap();
    let out = run(
        &[
            "-vv",
            "--retries",
            "0",
            "--timeout",
            "5",
            "get",
            "--task-id",
            "t",
        ],
        &[
            ("VOLCENGINE_ENDPOINT", host),
            ("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID),
            ("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY),
        ],
    );
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("requests go directly to https://{host}")),
        "{err}"
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "the emulator speaks plain HTTP: {err}"
    );

    // Empty variables count as unset.
    let out = run(
        &[
            "-vv",
            "--proxy",
            "http://127.0.0.1:1",
            "--retries",
            "0",
            "get",
            "--task-id",
            "t",
        ],
        &[
            ("VOLCENGINE_ENDPOINT", ""),
            ("VOLCENGINE_REGION", " "),
            ("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID),
            ("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY),
        ],
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("requests go through the proxy http://127.0.0.1:1"),
        "{err}"
    );
    assert!(err.contains("/cn-north-1/live/request"), "{err}");
    e.shutdown().await;
}
