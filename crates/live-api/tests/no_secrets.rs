//! No secret (secret key, session token, signature, `Authorization`) in `Debug`, `Display`,
//! errors or debug logs. Alone in its binary: tracing caches each callsite's interest per
//! process, and a test running beside it with no subscriber could switch its logs off.

use std::sync::{Arc, Mutex};

use live_api::{Credentials, LiveClient};
use live_transport::test_util::CannedTransport;

const SECRET: &str = "SECRET-must-not-leak";
const TOKEN: &str = "STS-TOKEN-must-not-leak";

#[tokio::test]
async fn no_secret_in_debug_errors_or_logs() {
    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || Writer(sink.clone()))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let creds = Credentials::new("AKLTvisible", SECRET)
        .unwrap()
        .with_session_token(TOKEN)
        .unwrap();
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(401, r#"{"ResponseMetadata":{"RequestId":"r-401","Error":{"Code":"SignatureDoesNotMatch","Message":"bad"}}}"#);
    let builder = LiveClient::builder()
        .credentials(creds.clone())
        .transport(canned.clone());
    let builder_debug = format!("{builder:?}");
    let c = builder.build().unwrap();
    let err = c
        .get_pull_record_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    let auth = canned.requests()[0].headers()["authorization"]
        .to_str()
        .unwrap()
        .to_owned();
    let signature = auth.rsplit("Signature=").next().unwrap().to_owned();
    let log = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("live.operation") && log.contains("x-security-token:<redacted>"),
        "{log}"
    );
    for shown in [
        format!("{c:?}"),
        builder_debug,
        format!("{err}"),
        format!("{err:?}"),
        format!("{creds:?}"),
        log,
    ] {
        for secret in [SECRET, TOKEN, signature.as_str(), auth.as_str()] {
            assert!(!shown.contains(secret), "secret shown in {shown}");
        }
    }
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
