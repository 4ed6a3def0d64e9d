//! `volc-live` with many task ids, waiting on a task, and the pacing options, against an
//! in-process emulator with its documented rate limits on (and a real redis-server for
//! `--rate-limit redis://…`).

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use live_emulator::{
    Emulator, EmulatorConfig, ManualClock, SeedTask, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY,
    EXAMPLE_TASK_ID, OK_CODE, THROTTLED_CODE,
};
use live_model::format_rfc3339;
use serde_json::Value;
use volc_live_tests::RedisServer;

fn volc_live(endpoint: &str, args: &[&str]) -> Command {
    let home = std::env::temp_dir().join(format!("volc-live-fleet-home-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volc-live"));
    cmd.args(["--endpoint", endpoint])
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID)
        .env("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY);
    cmd
}

fn run(endpoint: &str, args: &[&str]) -> Output {
    volc_live(endpoint, args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn seeded(ids: &[&str]) -> Vec<SeedTask> {
    ids.iter()
        .map(|id| SeedTask {
            task_id: (*id).to_owned(),
            ..SeedTask::documented_example()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_ids_print_as_they_arrive_and_the_worst_outcome_is_the_exit_status() {
    let e = Emulator::start(EmulatorConfig::new().seed(seeded(&["t1", "t2"])))
        .await
        .unwrap();
    let url = e.base_url();
    // Table: a row per task found, a line on stderr per failure, exit 1 (a service error).
    let out = run(
        &url,
        &[
            "get",
            "--task-id",
            "t1",
            "--task-id",
            "nope",
            "--task-id",
            "t2",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 3, "a header and two rows: {stdout}");
    assert!(stdout.contains("t1") && stdout.contains("t2"));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("task nope") && stderr.contains("ResourceNotFound"),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 3 task ids failed"), "{stderr}");

    // JSON: one object per id on stdout, the failure with its error object.
    let out = run(
        &url,
        &[
            "--output",
            "json",
            "get",
            "--task-id",
            "t1",
            "--task-id",
            "nope",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let ok = lines.iter().find(|v| v["task_id"] == "t1").unwrap();
    assert_eq!(ok["task"]["task_id"], "t1");
    let bad = lines.iter().find(|v| v["task_id"] == "nope").unwrap();
    assert_eq!(bad["error"]["code"], "ResourceNotFound");
    assert_eq!(bad["error"]["exit_status"], 1);
    // The summary on stderr is one JSON object too.
    let summary: Value = serde_json::from_str(text(&out.stderr).trim()).unwrap();
    assert_eq!(summary["kind"], "some_failed");
    assert_eq!(summary["exit_status"], 1);
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_from_a_file_and_from_stdin() {
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let url = e.base_url();
    let dir = std::env::temp_dir().join(format!("volc-live-ids-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ids.txt");
    std::fs::write(
        &file,
        format!("\u{feff}# tasks to check\n\n  {EXAMPLE_TASK_ID}  \n{EXAMPLE_TASK_ID}\n"),
    )
    .unwrap();
    let out = run(
        &url,
        &[
            "--output",
            "json",
            "get",
            "--task-ids-from",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().count(),
        2,
        "comments and blanks skipped"
    );
    assert!(
        out.stderr.is_empty(),
        "no progress when redirected: {}",
        text(&out.stderr)
    );

    let mut child = volc_live(&url, &["--output", "json", "get", "--task-ids-from", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{EXAMPLE_TASK_ID}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 1);

    // Stdin left open and silent: --timeout ends the command, and the process exits with it
    // (the read still under way on its own thread does not keep it alive).
    let mut child = volc_live(&url, &["--timeout", "1", "get", "--task-ids-from", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let held_open = child.stdin.take().unwrap();
    let mut exited = None;
    for _ in 0..600 {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if exited.is_none() {
        let _ = child.kill();
    }
    drop(held_open);
    let out = child.wait_with_output().unwrap();
    let status = exited.expect("the process exited while its stdin was still open");
    assert_eq!(status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("within 1s"),
        "{}",
        text(&out.stderr)
    );

    // Broken input is a usage error before anything is sent.
    for (content, why) in [
        (&b"# nothing but a comment\n\n"[..], "no task id"),
        (&b"\xff\xfe not text"[..], "not UTF-8"),
    ] {
        std::fs::write(&file, content).unwrap();
        let out = run(&url, &["get", "--task-ids-from", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{why}");
        assert!(text(&out.stderr).contains(why), "{}", text(&out.stderr));
    }
    let out = run(&url, &["get", "--task-ids-from", "/no/such/ids.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no such file"));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(e.stats().requests_of("GetPullRecordTask"), 3);
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_keeps_to_the_limit_the_emulator_enforces() {
    // 25 Gets in one process at concurrency 16 against the 10/s limit: paced, none throttled.
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let ids: Vec<&str> = std::iter::repeat_n(EXAMPLE_TASK_ID, 25).collect();
    let mut args = vec!["get", "--concurrency", "16"];
    for id in &ids {
        args.extend(["--task-id", id]);
    }
    let out = run(&e.base_url(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 26);
    let stats = e.stats();
    assert_eq!(
        stats.count("GetPullRecordTask", THROTTLED_CODE),
        0,
        "{stats:?}"
    );
    assert_eq!(stats.count("GetPullRecordTask", OK_CODE), 25);
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_returns_when_the_task_reaches_the_status() {
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let now = clock_now(&clock);
    let task = SeedTask {
        task_id: "rec".to_owned(),
        start_time: format_rfc3339(now - time::Duration::seconds(60)),
        end_time: format_rfc3339(now + time::Duration::seconds(120)),
        ..SeedTask::documented_example()
    };
    let later = SeedTask {
        task_id: "later".to_owned(),
        start_time: format_rfc3339(now + time::Duration::days(1)),
        end_time: format_rfc3339(now + time::Duration::days(2)),
        ..SeedTask::documented_example()
    };
    let e = Emulator::start(
        EmulatorConfig::new()
            .without_example_task()
            .seed(vec![task, later])
            .clock(clock.clone()),
    )
    .await
    .unwrap();
    let url = e.base_url();
    // Already recording: one poll.
    let out = run(
        &url,
        &[
            "--output",
            "json",
            "wait",
            "--task-id",
            "rec",
            "--until",
            "recording",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(
        (v["polls"].as_u64(), v["task"]["status"].as_str()),
        (Some(1), Some("recording"))
    );
    assert!(
        out.stderr.is_empty(),
        "JSON: no poll lines: {}",
        text(&out.stderr)
    );

    // Not finished yet: the wait polls until the emulator's clock passes the end.
    let child = volc_live(
        &url,
        &[
            "wait-pull-record-task",
            "--task-id",
            "rec",
            "--max-wait",
            "60s",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Once the first poll has been answered, the recording ends.
    while e.stats().requests_of("GetPullRecordTask") < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    clock.advance(Duration::from_secs(180));
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("finished (已结束)") && stdout.contains("reached ended"),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("poll 1: recording") && stderr.contains("finished"),
        "{stderr}"
    );

    // A status that can no longer come (the task finished; stopped was awaited): exit 1 at
    // the first poll, naming the final status.
    let out = run(
        &url,
        &[
            "--output",
            "json",
            "wait",
            "--task-id",
            "rec",
            "--until",
            "stopped",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err: Value = serde_json::from_str(text(&out.stderr).lines().last().unwrap()).unwrap();
    assert_eq!(err["kind"], "unreachable");
    assert!(
        err["message"].as_str().unwrap().contains("finished"),
        "{err}"
    );

    // A status that does not come in time: exit 3 at --max-wait, naming the last status.
    let out = run(
        &url,
        &[
            "--output",
            "json",
            "wait",
            "--task-id",
            "later",
            "--until",
            "finished",
            "--max-wait",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let err: Value = serde_json::from_str(text(&out.stderr).lines().last().unwrap()).unwrap();
    assert_eq!(err["kind"], "timeout");
    assert!(
        err["message"].as_str().unwrap().contains("not_started"),
        "{err}"
    );

    // Bad durations are usage errors.
    for bad in ["soon", "5d", "-1", "99999999h"] {
        let out = run(&url, &["wait", "--task-id", "rec", "--max-wait", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
    e.shutdown().await;
}

fn clock_now(clock: &ManualClock) -> time::OffsetDateTime {
    use live_emulator::Clock;
    time::OffsetDateTime::from(clock.now())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pacing_options_and_their_errors() {
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let url = e.base_url();
    let ok = run(
        &url,
        &["get", "--task-id", EXAMPLE_TASK_ID, "--rate-limit", "off"],
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let ok = run(
        &url,
        &["get", "--task-id", EXAMPLE_TASK_ID, "--rate", "2.5"],
    );
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    for (args, env) in [
        (&["--rate-limit", "sometimes"][..], None),
        (&["--rate-limit", "off", "--rate", "3"][..], None),
        (&["--rate", "0"][..], None),
        (&["--rate", "fast"][..], None),
        (&[][..], Some("sometimes")),
    ] {
        let mut cmd = volc_live(&url, &["get", "--task-id", EXAMPLE_TASK_ID]);
        cmd.args(args);
        if let Some(v) = env {
            cmd.env("VOLCENGINE_RATE_LIMIT", v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?} {env:?}: {}",
            text(&out.stderr)
        );
    }
    // A password in a Redis URL never shows in the error.
    let out = run(
        &url,
        &[
            "get",
            "--task-id",
            EXAMPLE_TASK_ID,
            "--rate-limit",
            "redis://:s3cret-pass@[bad",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !text(&out.stderr).contains("s3cret-pass"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        e.stats().requests_of("GetPullRecordTask"),
        2,
        "errors sent nothing"
    );
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_pacing_from_the_command_line_and_the_environment() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let url = e.base_url();
    let out = run(
        &url,
        &[
            "get",
            "--task-id",
            EXAMPLE_TASK_ID,
            "--rate-limit",
            &redis.url(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let keys = redis.array("KEYS *");
    assert_eq!(keys.len(), 1, "one budget key: {keys:?}");
    assert!(
        !keys[0].contains(DEMO_ACCESS_KEY_ID),
        "the key id is hashed: {keys:?}"
    );
    // The same through VOLCENGINE_RATE_LIMIT, from three processes at once: one budget.
    let children: Vec<_> = (0..3)
        .map(|_| {
            let mut args = vec!["get"];
            for _ in 0..6 {
                args.extend(["--task-id", EXAMPLE_TASK_ID]);
            }
            volc_live(&url, &args)
                .env("VOLCENGINE_RATE_LIMIT", redis.url())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let stats = e.stats();
    assert_eq!(stats.count("GetPullRecordTask", OK_CODE), 19);
    assert_eq!(
        stats.count("GetPullRecordTask", THROTTLED_CODE),
        0,
        "{stats:?}"
    );
    e.shutdown().await;
}
