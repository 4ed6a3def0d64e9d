//! `~/.volc/credentials` and `~/.volc/config` in each form the official tools write or read
//! (fixtures under `tests/fixtures/volc/`, each checked against Python's configparser when it
//! was written), the profile choice (given, `$VOLCENGINE_PROFILE`, `default`), and clear errors
//! for what configparser would refuse or interpolate. The providers read the files from a
//! `ManualEnvironment`'s memory: no real home directory is involved.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use live_api::credentials::{
    parse_config_file_for, parse_profile_file_for, ConfigFileCredentials, CredentialsChain,
    CredentialsError, ProfileFileCredentials, ProvideCredentials, ProvidedCredentials,
};
use live_api::env::ManualEnvironment;
use live_api::LiveClient;
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

fn env(pairs: &[(&str, &str)]) -> ManualEnvironment {
    let env = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    for (k, v) in pairs {
        env.set_var(*k, *v);
    }
    env
}

/// These variables, and these fixtures as files at their own paths.
fn env_with_fixtures(pairs: &[(&str, &str)], fixtures: &[&str]) -> ManualEnvironment {
    let env = env(pairs);
    for name in fixtures {
        env.set_file(fixture(name), bytes(name));
    }
    env
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

    // Section names are case-sensitive, as in Python: [Prod] is not there, so this file does
    // not configure it (a chain asks the next file).
    let e = creds("credentials.configparser.ini", "Prod").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no credentials found; looked at credentials.configparser.ini (no [Prod] section)"
    );
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
        "no credentials found; looked at config.cli.ini ([default] holds no credentials)"
    );
    let e = config("config.cli.ini", "staging").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no credentials found; looked at config.cli.ini (no [staging] section)"
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
    assert!(e.is_not_configured(), "{e}");
}

#[tokio::test]
async fn the_profile_is_given_else_volcengine_profile_else_default() {
    const FILE: &str = "credentials.configparser.ini";
    let file = fixture(FILE);
    let read = |p: ProfileFileCredentials, env: ManualEnvironment| async move {
        p.provide(&env).await.map(|c| ak(&c).to_owned())
    };

    let none = env_with_fixtures(&[], &[FILE]);
    assert_eq!(
        read(ProfileFileCredentials::new(&file), none)
            .await
            .unwrap(),
        "AKLTcolon"
    );
    let prod = env_with_fixtures(&[("VOLCENGINE_PROFILE", "prod")], &[FILE]);
    assert_eq!(
        read(ProfileFileCredentials::new(&file), prod.clone())
            .await
            .unwrap(),
        "AKLTprod"
    );
    // A profile given wins over the variable.
    assert_eq!(
        read(ProfileFileCredentials::new(&file).profile("default"), prod)
            .await
            .unwrap(),
        "AKLTcolon"
    );
    let cfg = ConfigFileCredentials::new(fixture("config.cli-with-keys.ini"));
    let prod = env_with_fixtures(
        &[("VOLCENGINE_PROFILE", "prod")],
        &["config.cli-with-keys.ini"],
    );
    assert!(cfg.provide(&prod).await.unwrap_err().is_not_configured());
}

/// A home directory's `~/.volc` files, held in memory for the environments made from it.
struct Home(PathBuf, RefCell<Vec<(PathBuf, Vec<u8>)>>);

impl Home {
    fn with_credentials(fixture_name: &str) -> Self {
        let home = Self::empty(fixture_name);
        home.put("credentials", bytes(fixture_name));
        home
    }

    /// An empty `~/.volc` in a home directory named after `name` (unique per test).
    fn empty(name: &str) -> Self {
        Self(
            Path::new("/home").join(format!("live-api-config-files-{name}")),
            RefCell::new(Vec::new()),
        )
    }

    fn put(&self, file: &str, bytes: Vec<u8>) {
        let path = self.0.join(".volc").join(file);
        let mut files = self.1.borrow_mut();
        files.retain(|(p, _)| *p != path);
        files.push((path, bytes));
    }

    fn write(&self, file: &str, text: &str) -> &Self {
        self.put(file, text.as_bytes().to_vec());
        self
    }

    /// An environment with `HOME` here, these files, and these variables.
    fn env(&self, pairs: &[(&str, &str)]) -> ManualEnvironment {
        let env = env(pairs);
        env.set_var("HOME", &self.0);
        for (path, bytes) in self.1.borrow().iter() {
            env.set_file(path, bytes.clone());
        }
        env
    }

    /// The default chain for `profile`, asked with an environment of this home and no other
    /// variable.
    async fn ask(&self, profile: &str) -> Result<ProvidedCredentials, CredentialsError> {
        CredentialsChain::with_profile(Some(profile.to_owned()))
            .provide(&self.env(&[]))
            .await
    }
}

#[tokio::test]
async fn the_chain_and_the_client_read_the_chosen_profile() {
    let home = Home::with_credentials("credentials.configparser.ini");
    let prod = home.env(&[("VOLCENGINE_PROFILE", "prod")]);

    let chain = CredentialsChain::default_chain();
    assert_eq!(ak(&chain.provide(&prod).await.unwrap()), "AKLTprod");
    let chain = CredentialsChain::with_profile(Some("default".into()));
    assert_eq!(ak(&chain.provide(&prod).await.unwrap()), "AKLTcolon");
    // A chosen profile that is in no file is an error naming it and each file, never a
    // silent fallback to another profile.
    let err = CredentialsChain::with_profile(Some("staging".into()))
        .provide(&home.env(&[]))
        .await
        .unwrap_err();
    assert!(err.is_not_configured(), "{err}");
    let volc = home.0.join(".volc");
    assert_eq!(
        err.to_string(),
        format!(
            "no credentials found; looked at $VOLCENGINE_ACCESS_KEY/$VOLCENGINE_SECRET_KEY, \
             $VOLC_ACCESSKEY/$VOLC_SECRETKEY, {} (no [staging] section), {} (no such file)",
            volc.join("credentials").display(),
            volc.join("config").display()
        )
    );

    // The builder's profile reaches the default chain: the request is signed with its key.
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(
        200,
        r#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"Task":{"TaskId":"t"}}}"#,
    );
    let client = LiveClient::builder()
        .environment(Arc::new(home.env(&[])))
        .profile("prod")
        .transport(canned.clone())
        .build()
        .unwrap();
    let _ = client.get_pull_record_task().task_id("t").send().await;
    let requests = canned.requests();
    let auth = requests[0].headers()["authorization"].to_str().unwrap();
    assert!(auth.contains("Credential=AKLTprod/"), "signed with {auth}");
}

const PROD_SECRET: &str = "cHJvZHNlY3JldA-must-not-leak";

#[tokio::test]
async fn a_profile_missing_from_the_credentials_file_is_read_from_the_ini_config() {
    let home = Home::empty("missing-profile-to-config");
    home.write(
        "credentials",
        "[default]\naccess_key_id = AKLTdefault\nsecret_access_key = ZGVmYXVsdA-must-not-leak\n",
    )
    .write(
        "config",
        &format!(
            "[default]\nregion = cn-beijing\n\n[prod]\nregion = cn-shanghai\n\
             access_key_id = AKLTprodconfig\nsecret_access_key = {PROD_SECRET}\n"
        ),
    );
    let c = home.ask("prod").await.unwrap();
    assert_eq!(ak(&c), "AKLTprodconfig");
    assert_eq!(c.credentials.secret_key(), PROD_SECRET);
    // The same through $VOLCENGINE_PROFILE.
    let chain = CredentialsChain::default_chain();
    let prod = home.env(&[("VOLCENGINE_PROFILE", "prod")]);
    assert_eq!(ak(&chain.provide(&prod).await.unwrap()), "AKLTprodconfig");
    // `default` is still read from the credentials file first.
    assert_eq!(ak(&home.ask("default").await.unwrap()), "AKLTdefault");
}

#[tokio::test]
async fn a_profile_in_neither_file_names_the_profile_and_both_files() {
    let home = Home::empty("profile-in-neither");
    let secret = "ZGVmYXVsdA-must-not-leak";
    home.write(
        "credentials",
        &format!("[default]\naccess_key_id = AKLTdefault\nsecret_access_key = {secret}\n"),
    )
    .write(
        "config",
        &format!(
            "[default]\naccess_key_id = AKLTcfg\nsecret_access_key = {secret}\n[dev]\nregion = r\n"
        ),
    );
    let volc = home.0.join(".volc");
    let (creds_shown, config_shown) = (
        volc.join("credentials").display().to_string(),
        volc.join("config").display().to_string(),
    );
    let err = home.ask("staging").await.unwrap_err();
    let CredentialsError::NotConfigured { looked_at } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        looked_at[2..],
        [
            format!("{creds_shown} (no [staging] section)"),
            format!("{config_shown} (no [staging] section)"),
        ]
    );
    assert!(!err.to_string().contains(secret), "{err}");
    // A section there without keys is named as such.
    let err = home.ask("dev").await.unwrap_err();
    assert!(
        err.to_string().ends_with(&format!(
            "{creds_shown} (no [dev] section), {config_shown} ([dev] holds no credentials)"
        )),
        "{err}"
    );
    // The JSON config holds the default profile only: never its keys for another profile.
    home.write("config", &format!(r#"{{"ak":"AKLTjson","sk":"{secret}"}}"#));
    let err = home.ask("staging").await.unwrap_err();
    assert!(err.is_not_configured(), "{err}");
    assert!(
        err.to_string().ends_with(&format!(
            "{config_shown} (no [staging] section: the JSON form has no profiles)"
        )),
        "{err}"
    );
    assert!(!err.to_string().contains(secret), "{err}");
}

#[tokio::test]
async fn a_profile_present_but_broken_in_the_credentials_file_stops_the_chain() {
    let home = Home::empty("present-but-broken");
    home.write(
        "config",
        &format!("[prod]\naccess_key_id = AKLTprodconfig\nsecret_access_key = {PROD_SECRET}\n"),
    );
    let creds_shown = home.0.join(".volc/credentials").display().to_string();
    for (text, why) in [
        (
            "[prod]\naccess_key_id = AKLTprod\n".to_owned(),
            "[prod] has access_key_id but no secret_access_key",
        ),
        (
            format!("[prod]\nsecret_access_key = {PROD_SECRET}\n"),
            "[prod] has secret_access_key but no access_key_id",
        ),
        (
            "[prod]\nregion = cn-shanghai\n".to_owned(),
            "[prod] has no access_key_id and no secret_access_key",
        ),
        (
            format!("[prod]\naccess_key_id = AKLTprod\nsecret_access_key = {PROD_SECRET}%\n"),
            "line 3, secret_access_key: it holds a `%` that is not `%%` (write a literal `%` as `%%`, as Python's configparser reads it)",
        ),
    ] {
        home.write("credentials", &text);
        let err = home.ask("prod").await.unwrap_err();
        assert!(!err.is_not_configured(), "{err}");
        assert_eq!(
            err.to_string(),
            format!("credentials in {creds_shown} are unusable: {why}")
        );
        assert!(!err.to_string().contains(PROD_SECRET), "{err}");
    }
}

#[test]
fn the_file_providers_debug_shows_path_and_profile_only() {
    let p = ProfileFileCredentials::new("/h/.volc/credentials").profile("prod");
    assert_eq!(
        format!("{p:?}"),
        r#"ProfileFileCredentials { path: "/h/.volc/credentials", profile: "prod" }"#
    );
    let c = ConfigFileCredentials::new("/h/.volc/config");
    assert_eq!(
        format!("{c:?}"),
        r#"ConfigFileCredentials { path: "/h/.volc/config", profile: $VOLCENGINE_PROFILE or "default" }"#
    );
}

#[test]
fn a_file_with_bare_cr_line_endings_is_read_and_its_lines_counted() {
    let c = parse_profile_file_for(
        "old-mac",
        b"[default]\raccess_key_id = AKLTcr\rsecret_access_key = Y3I=\r",
        "default",
    )
    .unwrap();
    assert_eq!(ak(&c), "AKLTcr");
    assert_eq!(c.credentials.secret_key(), "Y3I=");
    let e = parse_profile_file_for(
        "old-mac",
        b"[default]\r\naccess_key_id = AK\rsecret_access_key = \xff\r",
        "default",
    )
    .unwrap_err();
    assert_eq!(reason(&e), "line 3 is not UTF-8 text");
}
