//! The `live-emulator` command: first line on stdout, serves, logs without secrets, stops on
//! an interrupt.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::Client;

#[tokio::test]
async fn prints_its_address_serves_and_stops_on_interrupt() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_live-emulator"))
        .args(["--listen", "127.0.0.1:0", "--get-shape", "nested"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));

    let c = Client::demo(&url);
    let req = c.signed(
        "GetPullRecordTask",
        br#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#,
    );
    let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
    let a = c.send(req).await.unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.result()["TaskDetail"]["App"], "live");
    let request_id = a.request_id().to_owned();
    let wrong = c.call("GetPullRecordTask", r#"{"TaskID":"missing"}"#).await;
    assert_eq!(wrong.code(), "ResourceNotFound");

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains(&request_id), "one line per request: {log}");
    assert!(log.contains("GetPullRecordTask") && log.contains("ResourceNotFound"));
    assert!(log.contains(live_emulator::DEMO_ACCESS_KEY_ID));
    let signature = auth.rsplit("Signature=").next().unwrap();
    for secret in [live_emulator::DEMO_SECRET_KEY, signature, auth.as_str()] {
        assert!(!log.contains(secret), "the log shows a secret");
    }
}

#[test]
fn bad_options_exit_2_without_a_panic() {
    let out = Command::new(env!("CARGO_BIN_EXE_live-emulator"))
        .args(["--credential", "no-colon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AK:SK"), "{err}");
    assert!(!err.contains("panicked"));
}
