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

#[tokio::test]
async fn every_option_of_the_command() {
    let dir = std::env::temp_dir().join(format!("live-emulator-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        r#"[{"TaskId":"seeded-1","Vhost":"v.example.com","Domain":"d.example.com","App":"live","Stream":"s1","StartTime":"2024-01-01T00:00:00Z","EndTime":"2024-01-01T01:00:00Z"}]"#,
    )
    .unwrap();
    let cert = dir.join("cert.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_live-emulator"))
        .args(["--listen", "127.0.0.1:0", "--tls", "--cert-out"])
        .arg(&cert)
        .args(["--credential", "AKLTbin:bin-secret:2200000001", "--seed"])
        .arg(&seed)
        .args([
            "--no-rate-limit",
            "--max-skew",
            "60",
            "--domain",
            "2200000001:v.example.com:d.example.com",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    // Trust the written certificate.
    use rustls::pki_types::pem::PemObject;
    let der = rustls::pki_types::CertificateDer::from_pem_file(&cert)
        .unwrap()
        .to_vec();
    let mut c = Client::new(
        &url,
        volc_sign::Credentials::new("AKLTbin", "bin-secret").unwrap(),
    );
    c.transport = live_transport::HyperTransport::builder()
        .root_certificates(live_transport::RootCertificates::Only(vec![der]))
        .build()
        .unwrap();
    let a = c
        .call("GetPullRecordTask", r#"{"TaskID":"seeded-1"}"#)
        .await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.result()["Status"], "已结束");
    // The seed replaced nothing: the example task belongs to this account too.
    let a = c
        .call(
            "GetPullRecordTask",
            r#"{"TaskID":"5b903f78c7f5ae*******01f6fe2eea"}"#,
        )
        .await;
    assert_eq!(a.status, 200);
    // The account owns only d.example.com.
    let a = c
        .call(
            "CreatePullRecordTask",
            r#"{"Domain":"other.example.com","App":"live","Stream":"x","StreamURL":"http://other.example.com/x.flv"}"#,
        )
        .await;
    assert_eq!(a.code(), "RequestForbidden");
    // The skew window is 60 s.
    let stale = c
        .call_at(
            "GetPullRecordTask",
            r#"{"TaskID":"seeded-1"}"#,
            std::time::SystemTime::now() - std::time::Duration::from_secs(120),
        )
        .await;
    assert_eq!(stale.code(), "InvalidTimestamp");
    // The demo credential was replaced.
    let demo = Client::demo(&url);
    let mut demo = demo;
    demo.transport = c.transport.clone();
    assert_eq!(
        demo.call("GetPullRecordTask", r#"{"TaskID":"seeded-1"}"#)
            .await
            .code(),
        "InvalidAccessKey"
    );

    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    // Wait off the runtime: the client's HTTP/2 connection stays live to answer the ping of
    // the emulator's graceful shutdown (else the emulator waits its 5 s grace for it).
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
