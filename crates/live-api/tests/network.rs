//! The default transport's proxy settings, read through the client's environment: a proxy
//! from `HTTP_PROXY` is taken (and named, credentials redacted, when it cannot be reached),
//! `NO_PROXY` keeps loopback direct, `proxy_from_env(false)` ignores the environment, and an
//! explicit proxy overrides it. (Proxies that answer are tested with a real tinyproxy in
//! live-transport and the CLI.)

use std::sync::Arc;
use std::time::Duration;

use live_api::env::ManualEnvironment;
use live_api::retry::StandardRetry;
use live_api::{Credentials, ErrorKind, LiveClient};
use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};

/// A loopback port with nothing listening.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn client(e: &Emulator, env: &ManualEnvironment) -> live_api::LiveClientBuilder {
    LiveClient::builder()
        .endpoint(e.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).unwrap())
        .environment(Arc::new(env.clone()))
        .retry(StandardRetry::none())
        .attempt_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn proxies_come_from_the_clients_environment() {
    let e = Emulator::start(EmulatorConfig::new().rate_limit(false))
        .await
        .unwrap();
    let port = dead_port();
    let env = ManualEnvironment::starting_now();
    env.set_var(
        "HTTP_PROXY",
        format!("http://user:pa55word@127.0.0.1:{port}"),
    );

    // Through the (dead) proxy: the error names the proxy, never its password.
    let c = client(&e, &env).build().unwrap();
    assert_eq!(
        c.proxy().map(str::to_owned),
        Some(format!("http://***@127.0.0.1:{port}"))
    );
    let err = c
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap_err();
    match err.kind() {
        ErrorKind::Transport(t) => assert!(t.is_proxy(), "{err}"),
        other => panic!("{other:?}"),
    }
    let shown = format!("{err} {err:?} {c:?}");
    assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    assert!(!shown.contains("pa55word"), "{shown}");
    assert!(!err.may_have_been_applied());

    // NO_PROXY keeps loopback direct.
    env.set_var("NO_PROXY", "localhost,127.0.0.1");
    let direct = client(&e, &env).build().unwrap();
    assert_eq!(direct.proxy(), None);
    direct
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap();

    // The environment can be ignored; an explicit proxy overrides it.
    env.remove_var("NO_PROXY");
    let ignoring = client(&e, &env).proxy_from_env(false).build().unwrap();
    assert_eq!(ignoring.proxy(), None);
    ignoring
        .get_pull_record_task()
        .task_id(EXAMPLE_TASK_ID)
        .send()
        .await
        .unwrap();
    let other = dead_port();
    let explicit = client(&e, &env)
        .proxy(format!("socks5h://127.0.0.1:{other}"))
        .build()
        .unwrap();
    assert_eq!(
        explicit.proxy().map(str::to_owned),
        Some(format!("socks5h://127.0.0.1:{other}"))
    );
    e.shutdown().await;
}

#[tokio::test]
async fn a_bad_proxy_url_or_certificate_fails_at_build() {
    let env = ManualEnvironment::starting_now();
    env.set_var("HTTPS_PROXY", "ftp://user:pa55word@proxy.example:21");
    let err = LiveClient::builder()
        .credentials(Credentials::new("AKLTx", "c2VjcmV0").unwrap())
        .environment(Arc::new(env))
        .build()
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("pa55word"), "{err}");
    let err = LiveClient::builder()
        .credentials(Credentials::new("AKLTx", "c2VjcmV0").unwrap())
        .environment(Arc::new(ManualEnvironment::starting_now()))
        .add_root_certificates_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err}");
}
