//! `~/.volc/credentials` and `~/.volc/config` in each form the official tools write or read
//! (fixtures under `tests/fixtures/volc/`, each checked against Python's configparser when it
//! was written), the profile choice (given, `$VOLCENGINE_PROFILE`, `default`), and clear errors
//! for what configparser would refuse or interpolate.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use live_api::{
    parse_config_file_for, parse_profile_file_for, ConfigFileCredentials, CredentialsChain,
    CredentialsError, LiveClient, ManualEnvironment, ProfileFileCredentials, ProvideCredentials,
    ProvidedCredentials,
};
use live_transport::test_util::CannedTransport;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/volc")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn creds(name: &str, profile: &str) -> Result<ProvidedCredentials, CredentialsError> {
    parse_profile_file_for(name, &bytes(name), profile)
}

fn config(name: &str, profile: &str) -> Result<ProvidedCredentials, CredentialsError> {
    parse_config_file_for(name, &bytes(name), profile)
}

fn ak(c: &ProvidedCredentials) -> &str {
    c.credentials.access_key_id()
}

fn reason(e: &CredentialsError) -> String {
    match e {
        CredentialsError::Invalid { reason, .. } => reason.clone(),
        other => panic!("not an Invalid error: {other}"),
    }
}

fn env(pairs: &[(&str, &str)]) -> Arc<ManualEnvironment> {
    let env = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    for (k, v) in pairs {
        env.set_var(*k, *v);
    }
    Arc::new(env)
}

#[test]
fn the_python_sdks_credentials_file() {
    let c = creds("credentials.python-sdk.ini", "default").unwrap();
    assert_eq!(ak(&c), "AKLTpythonsdk");
    assert_eq!(c.credentials.secret_key(), "U2VjcmV0S2V5RXhhbXBsZQ==");
    assert_eq!(c.credentials.session_token(), None);
}

#[test]
fn what_configparser_accepts_colons_case_comments_default_and_percent() {
    let c = creds("credentials.configparser.ini", "default").unwrap();
    assert_eq!(ak(&c), "AKLTcolon");
    // `%%` is one `%`, as configparser's `get` returns it.
    assert_eq!(c.credentials.secret_key(), "c2VjcmV0%d2l0aHBlcmNlbnQ=");
    // Inherited from [DEFAULT].
    assert_eq!(c.credentials.session_token(), Some("STStokenFromDefault"));

    let prod = creds("credentials.configparser.ini", "prod").unwrap();
    assert_eq!(ak(&prod), "AKLTprod");
    // An empty value overrides [DEFAULT] and means "none".
    assert_eq!(prod.credentials.session_token(), None);

    // Section names are case-sensitive, as in Python.
    let e = creds("credentials.configparser.ini", "Prod").unwrap_err();
    assert_eq!(reason(&e), "it has no [Prod] section");
}

#[test]
fn the_config_file_as_json_for_the_sdks_and_as_ini_for_the_cli() {
    assert_eq!(
        ak(&config("config.sdk.json", "default").unwrap()),
        "AKLTjsonsdk"
    );
    assert_eq!(
        ak(&config("config.node.json", "default").unwrap()),
        "AKLTnode"
    );
    // JSON has no profiles: it holds the default profile's keys, and a chosen profile is not
    // configured there (never signed with the default account's keys instead).
    let e = config("config.sdk.json", "prod").unwrap_err();
    assert!(e.is_not_configured(), "{e}");

    // The CLI's INI with only a region holds no credentials: "not configured", so the chain
    // goes on, and says where it looked.
    let e = config("config.cli.ini", "default").unwrap_err();
    assert!(e.is_not_configured(), "{e}");
    assert_eq!(
        e.to_string(),
        "no credentials found; looked at config.cli.ini [default]"
    );

    // Keys in the INI config are read like the credentials file's.
    let c = config("config.cli-with-keys.ini", "default").unwrap();
    assert_eq!(ak(&c), "AKLTconfigini");
    assert!(config("config.cli-with-keys.ini", "prod")
        .unwrap_err()
        .is_not_configured());
}

#[test]
fn what_is_not_supported_is_a_clear_error_naming_the_line_never_the_text() {
    let e = creds("credentials.interpolation.ini", "default").unwrap_err();
    assert_eq!(
        reason(&e),
        "line 3, secret_access_key: it holds a `%` that is not `%%` (write a literal `%` as `%%`, as Python's configparser reads it)"
    );
    let e = creds("credentials.duplicate-key.ini", "default").unwrap_err();
    assert_eq!(
        reason(&e),
        "line 3 repeats `access_key_id`, already set on line 2 of the same section"
    );
    assert!(!e.to_string().contains("AKLTtwo"), "{e}");
    let e = creds("credentials.no-header.ini", "default").unwrap_err();
    assert_eq!(
        reason(&e),
        "line 1 holds a key before any `[section]` header (add `[default]` above it)"
    );
    let e = creds("credentials.python-sdk.ini", "prod").unwrap_err();
    assert_eq!(reason(&e), "it has no [prod] section");
}

#[tokio::test]
async fn the_profile_is_given_else_volcengine_profile_else_default() {
    let file = fixture("credentials.configparser.ini");
    let read =
        |p: ProfileFileCredentials| async move { p.provide().await.map(|c| ak(&c).to_owned()) };

    let none = env(&[]);
    assert_eq!(
        read(ProfileFileCredentials::new(&file).with_environment(none.clone()))
            .await
            .unwrap(),
        "AKLTcolon"
    );
    let prod = env(&[("VOLCENGINE_PROFILE", "prod")]);
    assert_eq!(
        read(ProfileFileCredentials::new(&file).with_environment(prod.clone()))
            .await
            .unwrap(),
        "AKLTprod"
    );
    // A profile given wins over the variable.
    assert_eq!(
        read(
            ProfileFileCredentials::new(&file)
                .with_environment(prod)
                .profile("default")
        )
        .await
        .unwrap(),
        "AKLTcolon"
    );
    let cfg = ConfigFileCredentials::new(fixture("config.cli-with-keys.ini"))
        .with_environment(env(&[("VOLCENGINE_PROFILE", "prod")]));
    assert!(cfg.provide().await.unwrap_err().is_not_configured());
}

/// A home directory holding the fixture as `~/.volc/credentials`, removed on drop.
struct Home(PathBuf);

impl Home {
    fn with_credentials(fixture_name: &str) -> Self {
        let p = std::env::temp_dir().join(format!(
            "live-api-config-files-{}-{fixture_name}",
            std::process::id()
        ));
        std::fs::create_dir_all(p.join(".volc")).unwrap();
        std::fs::copy(fixture(fixture_name), p.join(".volc/credentials")).unwrap();
        Self(p)
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn the_chain_and_the_client_read_the_chosen_profile() {
    let home = Home::with_credentials("credentials.configparser.ini");
    let home_str = home.0.to_str().unwrap();

    let chain = CredentialsChain::from_environment(env(&[
        ("HOME", home_str),
        ("VOLCENGINE_PROFILE", "prod"),
    ]));
    assert_eq!(ak(&chain.provide().await.unwrap()), "AKLTprod");
    let chain = CredentialsChain::from_environment_with_profile(
        env(&[("HOME", home_str), ("VOLCENGINE_PROFILE", "prod")]),
        Some("default".into()),
    );
    assert_eq!(ak(&chain.provide().await.unwrap()), "AKLTcolon");
    // A chosen profile that is not in the file is an error, not a silent fallback.
    let err = CredentialsChain::from_environment_with_profile(
        env(&[("HOME", home_str)]),
        Some("staging".into()),
    )
    .provide()
    .await
    .unwrap_err();
    assert!(!err.is_not_configured(), "{err}");
    assert!(
        err.to_string().ends_with("it has no [staging] section"),
        "{err}"
    );

    // The builder's profile reaches the default chain: the request is signed with its key.
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(
        200,
        r#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Task":{"TaskId":"t"}}}"#,
    );
    let client = LiveClient::builder()
        .environment(env(&[("HOME", home_str)]))
        .profile("prod")
        .transport(canned.clone())
        .build()
        .unwrap();
    let _ = client.get_pull_record_task().task_id("t").send().await;
    let requests = canned.requests();
    let auth = requests[0].headers()["authorization"].to_str().unwrap();
    assert!(auth.contains("Credential=AKLTprod/"), "signed with {auth}");
}
