//! `volc-live` against an in-process emulator: JSON and table output for each subcommand,
//! every exit status, and no secret on stdout or stderr even with -v.

use std::process::{Command, Output};

use live_emulator::{
    Emulator, EmulatorConfig, SeedTask, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use live_model::GetShape;
use serde_json::Value;

/// Runs volc-live with the demo credential in the environment and an empty HOME.
fn volc_live(endpoint: &str, args: &[&str], with_credentials: bool) -> Output {
    let home = std::env::temp_dir().join(format!("volc-live-cli-home-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volc-live"));
    cmd.args(["--endpoint", endpoint, "--timeout", "5"])
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    if with_credentials {
        cmd.env("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID)
            .env("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY);
    }
    cmd.output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "exactly one JSON object: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn emulator(config: EmulatorConfig) -> Emulator {
    Emulator::start(config.rate_limit(false)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_of_each_subcommand() {
    let e = emulator(EmulatorConfig::new()).await;
    let url = e.base_url();
    let get = json(&volc_live(
        &url,
        &[
            "--output",
            "json",
            "get-pull-record-task",
            "--task-id",
            EXAMPLE_TASK_ID,
        ],
        true,
    ));
    assert!(!get["request_id"].as_str().unwrap().is_empty());
    let task = &get["task"];
    assert_eq!(task["task_id"], EXAMPLE_TASK_ID);
    assert_eq!(task["stream"], "example_stream");
    assert_eq!(task["status"], "finished");
    assert_eq!(task["status_text"], "已结束");
    let keys: Vec<&str> = task
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "task_id",
        "start_time",
        "end_time",
        "vhost",
        "domain",
        "app",
        "stream",
        "status",
        "status_text",
    ] {
        assert!(keys.contains(&k), "{k}");
    }

    let created = json(&volc_live(
        &url,
        &[
            "--output",
            "json",
            "create-pull-record-task",
            "--domain",
            "pull.example.com",
            "--app",
            "live",
            "--stream",
            "cli",
            "--stream-url",
            "http://pull.example.com/live/cli.flv",
        ],
        true,
    ));
    let id = created["task_id"].as_str().unwrap().to_owned();
    let listed = json(&volc_live(
        &url,
        &[
            "--output",
            "json",
            "list-pull-record-tasks",
            "--stream",
            "cli",
        ],
        true,
    ));
    assert_eq!(listed["tasks"][0]["task_id"], id.as_str());
    assert_eq!(listed["tasks"][0]["status"], "recording");
    assert_eq!(listed["pagination"]["total_count"], 1);
    let stopped = json(&volc_live(
        &url,
        &[
            "--output",
            "json",
            "stop-pull-record-task",
            "--task-id",
            &id,
        ],
        true,
    ));
    assert!(stopped["request_id"].is_string());
    let again = json(&volc_live(
        &url,
        &["--output", "json", "get-pull-record-task", "--task-id", &id],
        true,
    ));
    assert_eq!(again["task"]["status"], "stopped");
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_all_pages_and_the_nested_shape() {
    let seed: Vec<SeedTask> = (0..45)
        .map(|i| SeedTask {
            task_id: format!("t{i:02}"),
            stream: format!("s{i}"),
            ..SeedTask::documented_example()
        })
        .collect();
    let e = emulator(
        EmulatorConfig::new()
            .without_example_task()
            .seed(seed)
            .get_shape(GetShape::Nested),
    )
    .await;
    let url = e.base_url();
    let all_out = volc_live(
        &url,
        &[
            "--output",
            "json",
            "list-pull-record-tasks",
            "--page-size",
            "10",
            "--all",
        ],
        true,
    );
    // Progress is drawn only on a terminal: redirected, stderr stays empty.
    assert!(
        all_out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&all_out.stderr)
    );
    let all = json(&all_out);
    assert_eq!(all["tasks"].as_array().unwrap().len(), 45);
    assert_eq!(all["pagination"]["page_total"], 5);
    let one = json(&volc_live(
        &url,
        &[
            "--output",
            "json",
            "list-pull-record-tasks",
            "--page-size",
            "10",
        ],
        true,
    ));
    assert_eq!(one["tasks"].as_array().unwrap().len(), 10);
    let get = json(&volc_live(
        &url,
        &[
            "--output",
            "json",
            "get-pull-record-task",
            "--task-id",
            "t07",
        ],
        true,
    ));
    assert_eq!(
        get["task"]["stream"],
        Value::Null,
        "the nested shape has no Stream"
    );
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_output_is_aligned_with_both_status_names() {
    let e = emulator(EmulatorConfig::new()).await;
    let out = volc_live(
        &e.base_url(),
        &["get-pull-record-task", "--task-id", EXAMPLE_TASK_ID],
        true,
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("TASK ID"), "{text}");
    assert!(lines[1].contains("finished (已结束)"));
    // Columns line up: STATUS starts where the status does.
    let col = lines[0].find("STATUS").unwrap();
    assert_eq!(&lines[1][col..col + 8], "finished");
    assert!(lines[2].starts_with("request id: "));
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_statuses() {
    let e = emulator(EmulatorConfig::new()).await;
    let url = e.base_url();

    // 1: the service said no; one line on stderr with code, message, request id and status.
    let out = volc_live(
        &url,
        &["get-pull-record-task", "--task-id", "no-such-task"],
        true,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("ResourceNotFound")
            && err.contains("not found")
            && err.contains("request id ")
            && err.contains("HTTP 404"),
        "{err}"
    );

    // 2: invalid usage or input, before any request.
    let out = volc_live(&url, &["list-pull-record-tasks", "--page-size", "0"], true);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PageSize"));
    let out = volc_live(&url, &["get-pull-record-task"], true);
    assert_eq!(out.status.code(), Some(2));
    let out = volc_live(
        "http://example.invalid:1",
        &["get-pull-record-task", "--task-id", "t"],
        true,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "plain http to a non-loopback host is refused before sending"
    );

    // 3: transport failure.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = volc_live(
        &format!("http://127.0.0.1:{port}"),
        &["--retries", "0", "get-pull-record-task", "--task-id", "t"],
        true,
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // 4: no credentials anywhere.
    let out = volc_live(
        &url,
        &["get-pull-record-task", "--task-id", EXAMPLE_TASK_ID],
        false,
    );
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no credentials found") && err.contains("VOLCENGINE_ACCESS_KEY"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_on_stdout_or_stderr_even_verbose() {
    let e = emulator(EmulatorConfig::new()).await;
    let out = volc_live(
        &e.base_url(),
        &[
            "-vv",
            "--output",
            "json",
            "get-pull-record-task",
            "--task-id",
            EXAMPLE_TASK_ID,
        ],
        true,
    );
    assert!(out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("canonical_request"),
        "verbose shows the redacted canonical request: {all}"
    );
    assert!(!all.contains(DEMO_SECRET_KEY));
    assert!(!all.contains("Signature="), "no Authorization value");
    e.shutdown().await;
}

/// Creates a task for `stream` with the command; its id.
fn create_task(url: &str, stream: &str) -> String {
    let stream_url = format!("http://pull.example.com/live/{stream}.flv");
    let created = json(&volc_live(
        url,
        &[
            "--output",
            "json",
            "create-pull-record-task",
            "--domain",
            "pull.example.com",
            "--app",
            "live",
            "--stream",
            stream,
            "--stream-url",
            &stream_url,
        ],
        true,
    ));
    created["task_id"].as_str().unwrap().to_owned()
}

/// The stop runs but its answer is lost: the command checks, finds the task stopped, and
/// exits 0 instead of resending and reporting "already stopped".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_whose_answer_is_lost_succeeds_once_checked() {
    let e = emulator(EmulatorConfig::new()).await;
    let url = e.base_url();
    for (kind, stream) in [
        (live_emulator::FaultKind::LoseAnswerClose, "lost"),
        (live_emulator::FaultKind::LoseAnswerTruncate, "lost2"),
    ] {
        let id = create_task(&url, stream);
        e.inject(live_emulator::FaultRule::next(1, kind).for_action("StopPullRecordTask"));
        let stopped = json(&volc_live(
            &url,
            &[
                "--output",
                "json",
                "stop-pull-record-task",
                "--task-id",
                &id,
            ],
            true,
        ));
        assert_eq!(stopped["reconciled"], true);
        let got = json(&volc_live(
            &url,
            &["--output", "json", "get-pull-record-task", "--task-id", &id],
            true,
        ));
        assert_eq!(got["task"]["status_text"], "停用");
    }
}

/// A wrong secret key or access key id: the line says what to check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_errors_say_what_to_check() {
    let e = emulator(EmulatorConfig::new()).await;
    let url = e.base_url();
    let home = std::env::temp_dir().join(format!("volc-live-cli-keys-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    for (ak, sk, says) in [
        (
            DEMO_ACCESS_KEY_ID,
            "d3Jvbmctc2VjcmV0",
            "check the secret key",
        ),
        (
            "AKLTnobodyknowsthisone",
            DEMO_SECRET_KEY,
            "check the access key id",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_volc-live"))
            .args(["--endpoint", &url, "--timeout", "5"])
            .args(["get-pull-record-task", "--task-id", EXAMPLE_TASK_ID])
            .env_clear()
            .env("HOME", &home)
            .env("VOLCENGINE_ACCESS_KEY", ak)
            .env("VOLCENGINE_SECRET_KEY", sk)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains(sk), "{stderr}");
    }
}

/// `--profile` (else `VOLCENGINE_PROFILE`, else `default`) chooses the section of
/// `~/.volc/credentials`, written here the way configparser allows (`key: value`, mixed case).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_chooses_the_credentials_section() {
    let e = emulator(EmulatorConfig::new()).await;
    let url = e.base_url();
    let home = std::env::temp_dir().join(format!("volc-live-cli-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(home.join(".volc")).unwrap();
    std::fs::write(
        home.join(".volc/credentials"),
        format!(
            "[default]\naccess_key_id = AKLTnobodyknowsthisone\nsecret_access_key = d3Jvbmc=\n\n\
             [demo]\nAccess_Key_Id: {DEMO_ACCESS_KEY_ID}\nSecret_Access_Key: {DEMO_SECRET_KEY}\n"
        ),
    )
    .unwrap();
    let run = |profile_flag: Option<&str>, profile_var: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_volc-live"));
        cmd.args(["--endpoint", &url, "--timeout", "5"]);
        if let Some(p) = profile_flag {
            cmd.args(["--profile", p]);
        }
        cmd.args(["get-pull-record-task", "--task-id", EXAMPLE_TASK_ID])
            .env_clear()
            .env("HOME", &home);
        if let Some(p) = profile_var {
            cmd.env("VOLCENGINE_PROFILE", p);
        }
        cmd.output().unwrap()
    };
    // [default] holds a key the emulator does not know: refused by the service (1).
    assert_eq!(run(None, None).status.code(), Some(1));
    let out = run(Some("demo"), None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(None, Some("demo"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The flag wins over the variable.
    assert_eq!(run(Some("default"), Some("demo")).status.code(), Some(1));
    // A profile that is in neither file: a credentials error (4) naming it and both files.
    let out = run(Some("staging"), None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let volc = home.join(".volc");
    for looked_at in [
        format!(
            "{} (no [staging] section)",
            volc.join("credentials").display()
        ),
        format!("{} (no such file)", volc.join("config").display()),
    ] {
        assert!(stderr.contains(&looked_at), "{stderr}");
    }
    assert!(!stderr.contains(DEMO_SECRET_KEY), "{stderr}");
    // A profile missing from ~/.volc/credentials is read from an INI ~/.volc/config.
    std::fs::write(
        volc.join("config"),
        format!(
            "[default]\nregion = cn-north-1\n\n[staging]\naccess_key_id = {DEMO_ACCESS_KEY_ID}\n\
             secret_access_key = {DEMO_SECRET_KEY}\n"
        ),
    )
    .unwrap();
    let out = run(Some("staging"), None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&home);
}
