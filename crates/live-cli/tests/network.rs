//! `volc-live` through a real tinyproxy (all on 127.0.0.1) against an in-process emulator:
//! HTTP_PROXY / HTTPS_PROXY from the environment, NO_PROXY and --no-proxy keeping it direct,
//! --proxy with and without credentials (a 407), a dead proxy, and --ca-cert for the
//! emulator's self-signed certificate. What -vv says about the route, and no proxy password
//! on stderr.
//!
//! tinyproxy is started by the tests themselves. When it is not installed the tests that need
//! it print why and pass, except under CI (`CI=true`), where they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use live_emulator::{
    Emulator, EmulatorConfig, TlsConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
use live_transport::test_util::Tinyproxy;

const PASSWORD: &str = "secretpw";

/// A fresh temporary directory (HOME, the emulator's certificate), removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "volc-live-network-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `volc-live --endpoint ENDPOINT --timeout 5 ARGS… get-pull-record-task --task-id
/// EXAMPLE_TASK_ID` with only HOME, PATH, the demo credential and `env` in its environment.
fn get_task(endpoint: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let home = TempDir::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_volc-live"));
    cmd.args(["--endpoint", endpoint, "--timeout", "5", "--output", "json"])
        .args(args)
        .args(["get-pull-record-task", "--task-id", EXAMPLE_TASK_ID])
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VOLCENGINE_ACCESS_KEY", DEMO_ACCESS_KEY_ID)
        .env("VOLCENGINE_SECRET_KEY", DEMO_SECRET_KEY);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Succeeded and printed the example task.
fn assert_found(out: &Output) {
    assert!(out.status.success(), "{}", stderr(out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(EXAMPLE_TASK_ID), "{stdout}");
}

/// Failed with `code`; returns stderr.
fn assert_failed(out: &Output, code: i32) -> String {
    let text = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{text}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    text
}

async fn plain_emulator() -> Emulator {
    Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap()
}

/// The emulator over TLS, its certificate (for localhost and 127.0.0.1) written as PEM into
/// `dir`; returns it, the endpoint `https://localhost:PORT` and the certificate's path.
async fn tls_emulator(dir: &TempDir) -> (Emulator, String, PathBuf) {
    let cert = dir.path().join("emulator.pem");
    let e = Emulator::start(EmulatorConfig::new().rate_limit(false).tls(TlsConfig {
        cert_out: Some(cert.clone()),
    }))
    .await
    .unwrap();
    assert!(e.base_url().starts_with("https://"), "{}", e.base_url());
    let endpoint = format!("https://localhost:{}", e.addr().port());
    (e, endpoint, cert)
}

/// A loopback port with nothing listening (bound, then released).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_proxy_from_the_environment_forwards_an_http_endpoint() {
    let e = plain_emulator().await;
    let Some(proxy) = Tinyproxy::start(e.addr().port(), None) else {
        return;
    };
    let endpoint = e.base_url();
    let url = proxy.url();
    let out = get_task(&endpoint, &[("HTTP_PROXY", &url)], &["-vv"]);
    assert_found(&out);
    let log = proxy.log();
    assert!(
        log.contains(&format!("POST {endpoint}/?Action=GetPullRecordTask")),
        "tinyproxy forwarded the request: {log}"
    );
    let text = stderr(&out);
    assert!(
        text.contains(&format!("volc-live: requests go through the proxy {url}")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_proxy_tunnels_to_a_tls_endpoint_trusted_with_ca_cert() {
    let dir = TempDir::new();
    let (e, endpoint, cert) = tls_emulator(&dir).await;
    let Some(proxy) = Tinyproxy::start(e.addr().port(), None) else {
        return;
    };
    let url = proxy.url();
    let env = [("HTTPS_PROXY", url.as_str())];
    let cert_arg = cert.to_str().unwrap();

    let out = get_task(&endpoint, &env, &["-vv", "--ca-cert", cert_arg]);
    assert_found(&out);
    let text = stderr(&out);
    assert!(
        text.contains(&format!("volc-live: requests go through the proxy {url}")),
        "{text}"
    );
    let log = proxy.log();
    assert!(
        log.contains(&format!("CONNECT localhost:{} HTTP/1.1", e.addr().port())),
        "tinyproxy tunneled: {log}"
    );

    // Without --ca-cert the self-signed certificate is not trusted, and the message says how.
    let out = get_task(&endpoint, &env, &[]);
    let text = assert_failed(&out, 3);
    assert!(text.contains("--ca-cert"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_proxy_and_the_no_proxy_option_keep_it_direct() {
    let e = plain_emulator().await;
    let Some(proxy) = Tinyproxy::start(e.addr().port(), None) else {
        return;
    };
    let endpoint = e.base_url();
    let url = proxy.url();
    let direct = format!("volc-live: requests go directly to {endpoint}");

    let out = get_task(
        &endpoint,
        &[
            ("HTTP_PROXY", &url),
            ("HTTPS_PROXY", &url),
            ("NO_PROXY", "localhost,127.0.0.1"),
        ],
        &["-vv"],
    );
    assert_found(&out);
    assert!(stderr(&out).contains(&direct), "{}", stderr(&out));

    let out = get_task(
        &endpoint,
        &[("HTTP_PROXY", &url), ("HTTPS_PROXY", &url)],
        &["-vv", "--no-proxy"],
    );
    assert_found(&out);
    assert!(stderr(&out).contains(&direct), "{}", stderr(&out));

    let log = proxy.log();
    // No request came through it.
    assert!(
        !log.contains("Request ("),
        "tinyproxy saw no request: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_proxy_is_named_without_its_password() {
    let e = plain_emulator().await;
    let dead = free_port();
    let proxy = format!("http://user:{PASSWORD}@127.0.0.1:{dead}");
    for verbose in [None, Some("-vv")] {
        let mut args = vec!["--retries", "0", "--proxy", proxy.as_str()];
        args.extend(verbose);
        let out = get_task(&e.base_url(), &[], &args);
        let text = assert_failed(&out, 3);
        assert!(text.contains(&format!("127.0.0.1:{dead}")), "{text}");
        assert!(!text.contains(PASSWORD), "the password leaked: {text}");
        if verbose.is_some() {
            assert!(
                text.contains(&format!(
                    "volc-live: requests go through the proxy http://***@127.0.0.1:{dead}"
                )),
                "{text}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_requires_authentication_is_a_407_and_credentials_pass() {
    let dir = TempDir::new();
    let (tls, tls_endpoint, cert) = tls_emulator(&dir).await;
    let plain = plain_emulator().await;
    let Some(proxy) = Tinyproxy::start(tls.addr().port(), Some(("user", PASSWORD))) else {
        return;
    };
    let cert_arg = cert.to_str().unwrap();
    let plain_endpoint = plain.base_url();
    let with_credentials = format!("http://user:{PASSWORD}@127.0.0.1:{}", proxy.port());
    // The absolute form (http://) and the tunnel (https://).
    for endpoint in [plain_endpoint.as_str(), tls_endpoint.as_str()] {
        let out = get_task(
            endpoint,
            &[],
            &[
                "--retries",
                "0",
                "--proxy",
                &proxy.url(),
                "--ca-cert",
                cert_arg,
            ],
        );
        let text = assert_failed(&out, 3);
        assert!(
            text.contains("the proxy requires authentication"),
            "{endpoint}: {text}"
        );

        let out = get_task(
            endpoint,
            &[],
            &["-vv", "--proxy", &with_credentials, "--ca-cert", cert_arg],
        );
        assert_found(&out);
        assert!(!stderr(&out).contains(PASSWORD), "{}", stderr(&out));
    }
    let log = proxy.log();
    assert!(log.contains("CONNECT localhost:"), "{log}");
    assert!(
        log.contains(&format!("POST {plain_endpoint}/?Action=GetPullRecordTask")),
        "{log}"
    );
}
