//! `volc-live` given hostile local input: endpoints with more than `scheme://host[:port]`,
//! credential variables that are not UTF-8, and a FIFO where the credentials file belongs.
//! Each ends at once with a clear message and its documented exit status, and shows no secret.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs the command with only `env` set (and `HOME`), bounded in time: a hang fails the test.
fn volc_live(
    args: &[&str],
    env: &[(&str, std::ffi::OsString)],
    home: &std::path::Path,
) -> (Output, Duration) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volc-live"));
    cmd.args(["--timeout", "5"])
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("volc-live {args:?} did not end within 10 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (child.wait_with_output().unwrap(), started.elapsed())
}

fn home(name: &str) -> std::path::PathBuf {
    let h = std::env::temp_dir().join(format!(
        "volc-live-hostile-local-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&h);
    std::fs::create_dir_all(h.join(".volc")).unwrap();
    h
}

fn keys() -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("VOLCENGINE_ACCESS_KEY", "AKLTexample".into()),
        (
            "VOLCENGINE_SECRET_KEY",
            "c2VjcmV0LWtleS1ub3Qtc2hvd24".into(),
        ),
    ]
}

#[test]
fn endpoints_beyond_scheme_host_port_are_refused_saying_what_to_remove() {
    let h = home("endpoint");
    for (endpoint, says) in [
        (
            "http://user:hunter2@127.0.0.1:8787",
            "user name or password",
        ),
        ("http://127.0.0.1:99999", "from 1 to 65535"),
        ("http://127.0.0.1:8787#frag", "fragment"),
        ("http://127.0.0.1:8787/live", "path"),
        ("http://127.0.0.1:8787?Action=x", "query"),
    ] {
        let (out, _) = volc_live(
            &[
                "--endpoint",
                endpoint,
                "get-pull-record-task",
                "--task-id",
                "t",
            ],
            &keys(),
            &h,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{endpoint}: {stderr}");
        assert!(stderr.contains(says), "{endpoint}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    let _ = std::fs::remove_dir_all(&h);
}

#[cfg(unix)]
#[test]
fn a_credential_variable_that_is_not_utf8_is_named_exit_4() {
    use std::os::unix::ffi::OsStringExt;
    let h = home("env");
    // Good keys in the file: a broken variable must not fall through to them.
    std::fs::write(
        h.join(".volc").join("credentials"),
        "[default]\naccess_key_id = AKLTfile\nsecret_access_key = ZmlsZS1zZWNyZXQ\n",
    )
    .unwrap();
    for name in [
        "VOLCENGINE_ACCESS_KEY",
        "VOLCENGINE_SECRET_KEY",
        "VOLCENGINE_SESSION_TOKEN",
    ] {
        let mut env = keys();
        env.retain(|(k, _)| *k != name);
        env.push((name, std::ffi::OsString::from_vec(vec![b'A', 0xff, b'B'])));
        let (out, _) = volc_live(
            &[
                "--endpoint",
                "http://127.0.0.1:9",
                "get-pull-record-task",
                "--task-id",
                "t",
            ],
            &env,
            &h,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{name}: {stderr}");
        assert!(
            stderr.contains(name) && stderr.contains("not UTF-8"),
            "{stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&h);
}

#[cfg(unix)]
#[test]
fn a_fifo_for_the_credentials_file_ends_at_once_exit_4() {
    let h = home("fifo");
    let fifo = h.join(".volc").join("credentials");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let (out, took) = volc_live(
        &[
            "--endpoint",
            "http://127.0.0.1:9",
            "get-pull-record-task",
            "--task-id",
            "t",
        ],
        &[],
        &h,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("FIFO"), "{stderr}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    let _ = std::fs::remove_dir_all(&h);
}

#[test]
fn unusable_proxy_certificates_or_timeouts_are_usage_errors() {
    let h = home("settings");
    let not_pem = h.join("not.pem");
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    let not_pem = not_pem.to_string_lossy().into_owned();
    for (args, says) in [
        (
            vec!["--proxy", "http://user:pw-hidden@127.0.0.1:99999"],
            "not a number",
        ),
        (vec!["--proxy", "ftp://127.0.0.1:21"], "not supported"),
        (vec!["--ca-cert", not_pem.as_str()], "not.pem"),
    ] {
        let mut all = args.clone();
        all.extend([
            "--endpoint",
            "http://127.0.0.1:9",
            "get-pull-record-task",
            "--task-id",
            "t",
        ]);
        let (out, _) = volc_live(&all, &keys(), &h);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("pw-hidden"), "{stderr}");
    }
    // A timeout too long to add to a clock is taken as the longest one, not a panic.
    let out = Command::new(env!("CARGO_BIN_EXE_volc-live"))
        .args(["--timeout", "18446744073709551615", "--retries", "0"])
        .args([
            "--endpoint",
            "http://127.0.0.1:9",
            "get-pull-record-task",
            "--task-id",
            "t",
        ])
        .env_clear()
        .env("HOME", &h)
        .envs(keys())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = std::fs::remove_dir_all(&h);
}
