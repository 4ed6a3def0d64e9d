//! Credentials from each source, the chain order, "not configured" versus "broken", STS
//! tokens sent and signed, caching until expiry on the client's clock, files read through the
//! environment (in memory in a `ManualEnvironment`, bounded as on disk), and no secret in
//! Debug, errors or logs.

use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use live_api::credentials::{
    CachingCredentials, ConfigFileCredentials, CredentialsChain, CredentialsError, EnvCredentials,
    ProfileFileCredentials, ProvideCredentials, ProvidedCredentials,
};
use live_api::env::{Environment, LiveFuture, ManualEnvironment};
use live_api::{Credentials, LiveClient};
use live_transport::test_util::CannedTransport;

const SECRET: &str = "SECRET-must-not-leak";
const TOKEN: &str = "STS-TOKEN-must-not-leak";

/// An environment with only these variables (and no files).
fn env(pairs: &[(&str, &str)]) -> ManualEnvironment {
    let env = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    for (k, v) in pairs {
        env.set_var(*k, *v);
    }
    env
}

/// A [`ManualEnvironment`]'s clock and variables with the real files: the trait's default
/// `read_file` (the bounded reader) and `home_dir` (`HOME` of the variables). For what only a
/// real file can be: a FIFO, a device, a directory, a symlink.
#[derive(Debug)]
struct OnDisk(ManualEnvironment);

impl Environment for OnDisk {
    fn now(&self) -> SystemTime {
        self.0.now()
    }
    fn monotonic(&self) -> Instant {
        self.0.monotonic()
    }
    fn sleep(&self, d: Duration) -> LiveFuture<'static, ()> {
        self.0.sleep(d)
    }
    fn random_duration(&self, ceiling: Duration) -> Duration {
        self.0.random_duration(ceiling)
    }
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.0.var_os(name)
    }
}

/// These variables, `HOME` at `home`, and the files on disk.
fn on_disk(home: &Path, pairs: &[(&str, &str)]) -> OnDisk {
    let env = env(pairs);
    env.set_var("HOME", home);
    OnDisk(env)
}

fn home() -> tempdir::Dir {
    tempdir::Dir::new()
}

/// A throwaway directory under the system temp dir, removed on drop.
mod tempdir {
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub struct Dir(PathBuf);
    static N: AtomicUsize = AtomicUsize::new(0);

    impl Dir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!(
                "live-api-creds-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(p.join(".volc")).unwrap();
            Self(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
        pub fn write(&self, name: &str, text: &str) {
            std::fs::write(self.0.join(".volc").join(name), text).unwrap();
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

async fn ak(p: &dyn ProvideCredentials, env: &dyn Environment) -> Result<String, CredentialsError> {
    p.provide(env)
        .await
        .map(|c| c.credentials.access_key_id().to_owned())
}

#[tokio::test]
async fn environment_sources_in_order() {
    let both = env(&[
        ("VOLCENGINE_ACCESS_KEY", "AK-new"),
        ("VOLCENGINE_SECRET_KEY", SECRET),
        ("VOLCENGINE_SESSION_TOKEN", TOKEN),
        ("VOLC_ACCESSKEY", "AK-old"),
        ("VOLC_SECRETKEY", SECRET),
    ]);
    let c = EnvCredentials::new().provide(&both).await.unwrap();
    assert_eq!(c.credentials.access_key_id(), "AK-new");
    assert_eq!(c.credentials.session_token(), Some(TOKEN));
    let old = env(&[("VOLC_ACCESSKEY", "AK-old"), ("VOLC_SECRETKEY", SECRET)]);
    assert_eq!(ak(&EnvCredentials::new(), &old).await.unwrap(), "AK-old");
    let half = env(&[("VOLCENGINE_ACCESS_KEY", "AK")]);
    let err = EnvCredentials::new().provide(&half).await.unwrap_err();
    assert!(!err.is_not_configured(), "half set is broken, not absent");
    assert!(err.to_string().contains("VOLCENGINE_SECRET_KEY is not"));
    let none = EnvCredentials::new().provide(&env(&[])).await.unwrap_err();
    assert!(none.is_not_configured());
}

#[tokio::test]
async fn files_and_the_chain() {
    let h = home();
    h.write("credentials", "# comment\n[other]\naccess_key_id = AK-other\n[default]\naccess_key_id = AK-ini\nsecret_access_key = SECRET-must-not-leak\n");
    h.write("config", r#"{"ak":"AK-json","sk":"SECRET-must-not-leak"}"#);
    let creds_path = h.path().join(".volc/credentials");
    let config_path = h.path().join(".volc/config");
    let disk = on_disk(h.path(), &[]);
    assert_eq!(
        ak(&ProfileFileCredentials::new(&creds_path), &disk)
            .await
            .unwrap(),
        "AK-ini"
    );
    assert_eq!(
        ak(&ConfigFileCredentials::new(&config_path), &disk)
            .await
            .unwrap(),
        "AK-json"
    );

    // Environment first, then the INI file, then the JSON file.
    let chain = CredentialsChain::default_chain();
    let with_vars = on_disk(
        h.path(),
        &[("VOLC_ACCESSKEY", "AK-env"), ("VOLC_SECRETKEY", SECRET)],
    );
    assert_eq!(ak(&chain, &with_vars).await.unwrap(), "AK-env");
    assert_eq!(ak(&chain, &disk).await.unwrap(), "AK-ini");
    std::fs::remove_file(&creds_path).unwrap();
    assert_eq!(ak(&chain, &disk).await.unwrap(), "AK-json");
    // The Node SDK's key names.
    h.write(
        "config",
        r#"{"VOLC_ACCESSKEY":"AK-node","VOLC_SECRETKEY":"SECRET-must-not-leak"}"#,
    );
    assert_eq!(ak(&chain, &disk).await.unwrap(), "AK-node");

    // Configured but broken stops the chain, naming the file, never the secret.
    h.write("config", r#"{"ak":"AK-json""#);
    let err = chain.provide(&disk).await.unwrap_err();
    assert!(!err.is_not_configured());
    assert!(err.to_string().contains(".volc/config"), "{err}");
    h.write(
        "credentials",
        "[default]\naccess_key_id = AK\nsecret_access_key\n",
    );
    let err = chain.provide(&disk).await.unwrap_err();
    assert!(
        err.to_string().contains(".volc/credentials") && !err.to_string().contains(SECRET),
        "{err}"
    );

    // Nothing anywhere: one error naming everything looked at.
    let empty = home();
    let err = CredentialsChain::default_chain()
        .provide(&on_disk(empty.path(), &[]))
        .await
        .unwrap_err();
    let CredentialsError::NotConfigured { looked_at } = &err else {
        panic!("{err}")
    };
    assert_eq!(looked_at.len(), 4, "{looked_at:?}");
    assert!(err.to_string().starts_with("no credentials found; looked at $VOLCENGINE_ACCESS_KEY/$VOLCENGINE_SECRET_KEY, $VOLC_ACCESSKEY/$VOLC_SECRETKEY, "));
}

#[tokio::test]
async fn missing_credentials_fail_before_sending_anything() {
    let canned = Arc::new(CannedTransport::new());
    let empty = home();
    let c = LiveClient::builder()
        .credentials(CredentialsChain::default_chain())
        .environment(Arc::new(on_disk(empty.path(), &[])))
        .transport(canned.clone())
        .build()
        .unwrap();
    let err = c
        .get_pull_record_task()
        .task_id("t")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_credentials(), "{err}");
    assert!(
        canned.requests().is_empty(),
        "never a request signed with empty keys"
    );
}

/// Temporary keys `AKTP<n>` for an hour on the clock of the environment asked with.
#[derive(Debug, Default)]
struct CountingSts {
    calls: AtomicUsize,
}

impl ProvideCredentials for CountingSts {
    fn provide<'a>(
        &'a self,
        env: &'a dyn Environment,
    ) -> LiveFuture<'a, Result<ProvidedCredentials, CredentialsError>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let expires = env.now() + Duration::from_secs(3600);
        Box::pin(async move {
            let c = Credentials::new(format!("AKTP{n}"), SECRET)
                .unwrap()
                .with_session_token(TOKEN)
                .unwrap();
            Ok(ProvidedCredentials::expiring(c, expires))
        })
    }
}

#[tokio::test]
async fn sts_is_cached_until_shortly_before_expiry_and_the_token_is_signed() {
    let now = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let sts = Arc::new(CountingSts::default());
    let cached = CachingCredentials::new(sts.clone());
    for _ in 0..3 {
        assert_eq!(ak(&cached, &now).await.unwrap(), "AKTP0");
    }
    now.advance(Duration::from_secs(3600 - 299)); // inside the 5-minute margin
    assert_eq!(ak(&cached, &now).await.unwrap(), "AKTP1");
    assert_eq!(sts.calls.load(Ordering::SeqCst), 2);

    let canned = Arc::new(CannedTransport::new());
    canned.push_status(200, r#"{"ResponseMetadata":{"RequestId":"r"}}"#);
    let c = LiveClient::builder()
        .credentials(cached)
        .environment(Arc::new(now.clone()))
        .transport(canned.clone())
        .build()
        .unwrap();
    c.stop_pull_record_task().task_id("t").send().await.unwrap();
    let req = &canned.requests()[0];
    assert_eq!(req.headers()["x-security-token"], TOKEN);
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(
        auth.contains("SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token,"),
        "{auth}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_variable_that_is_not_utf8_is_an_error_naming_it_not_unset() {
    use std::os::unix::ffi::OsStringExt;
    let h = home();
    h.write(
        "credentials",
        "[default]\naccess_key_id = AK-file\nsecret_access_key = S\n",
    );
    for name in [
        "VOLCENGINE_ACCESS_KEY",
        "VOLCENGINE_SECRET_KEY",
        "VOLCENGINE_SESSION_TOKEN",
    ] {
        let env = ManualEnvironment::starting_now();
        env.set_var("VOLCENGINE_ACCESS_KEY", "AK-env");
        env.set_var("VOLCENGINE_SECRET_KEY", SECRET);
        env.set_var(name, std::ffi::OsString::from_vec(vec![0x41, 0xff, 0xfe]));
        env.set_var("HOME", h.path());
        let err = CredentialsChain::default_chain()
            .provide(&OnDisk(env))
            .await
            .unwrap_err();
        assert!(!err.is_not_configured(), "{err}");
        assert!(err.to_string().contains(name), "{err}");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}

// ---- Hostile files (issue 11): refused at once, never read past 64 KiB, never quoted. ----

/// The chain's error for `home` with an empty environment, computed on its own thread: a read
/// that hangs (a FIFO) or never ends (a device) fails the test instead of hanging it. The
/// guard is generous; the refusal itself takes microseconds.
fn chain_error_guarded(home: &std::path::Path) -> CredentialsError {
    let (tx, rx) = std::sync::mpsc::channel();
    let home = home.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let chain = CredentialsChain::default_chain();
        let _ = tx.send(rt.block_on(chain.provide(&on_disk(&home, &[]))));
    });
    let answer = rx
        .recv_timeout(Duration::from_secs(2))
        .expect("the credentials read did not return: it must refuse a non-regular file at once");
    let err = answer.expect_err("a hostile file gives no credentials");
    assert!(
        !err.is_not_configured(),
        "configured but broken, never skipped: {err}"
    );
    err
}

fn unusable(path: &std::path::Path, reason: &str) -> String {
    format!("credentials in {} are unusable: {reason}", path.display())
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_at_once() {
    for name in ["credentials", "config"] {
        let h = home();
        let p = h.path().join(".volc").join(name);
        let st = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .unwrap();
        assert!(st.success());
        let err = chain_error_guarded(h.path());
        assert_eq!(
            err.to_string(),
            unusable(
                &p,
                "it is a FIFO (named pipe), not a regular file; point it at a regular file"
            )
        );
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_to_dev_zero_is_refused_and_one_to_a_file_is_followed() {
    let h = home();
    let p = h.path().join(".volc/credentials");
    std::os::unix::fs::symlink("/dev/zero", &p).unwrap();
    let err = chain_error_guarded(h.path());
    assert_eq!(
        err.to_string(),
        unusable(
            &p,
            "it is a character device, not a regular file; point it at a regular file"
        )
    );

    std::fs::remove_file(&p).unwrap();
    let real = h.path().join("real-credentials");
    std::fs::write(
        &real,
        "[default]\naccess_key_id = AK-linked\nsecret_access_key = S\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&real, &p).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(ak(
            &ProfileFileCredentials::new(&p),
            &on_disk(h.path(), &[])
        ))
        .unwrap(),
        "AK-linked"
    );
}

#[test]
fn a_directory_is_refused() {
    let h = home();
    let p = h.path().join(".volc/credentials");
    std::fs::create_dir(&p).unwrap();
    let err = chain_error_guarded(h.path());
    assert_eq!(
        err.to_string(),
        unusable(
            &p,
            "it is a directory, not a regular file; point it at a regular file"
        )
    );
}

#[test]
fn a_file_over_64_kib_is_refused_and_one_of_64_kib_is_read() {
    let h = home();
    let p = h.path().join(".volc/credentials");
    let head = "[default]\naccess_key_id = AK-big\nsecret_access_key = S\n#";
    let exactly = format!("{head}{}", "x".repeat(64 * 1024 - head.len()));
    assert_eq!(exactly.len(), 64 * 1024);
    h.write("credentials", &exactly);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(ak(
            &ProfileFileCredentials::new(&p),
            &on_disk(h.path(), &[])
        ))
        .unwrap(),
        "AK-big"
    );

    h.write("credentials", &format!("{exactly}x"));
    let err = chain_error_guarded(h.path());
    assert_eq!(
        err.to_string(),
        unusable(
            &p,
            "it is larger than 64 KiB, the most read from a credentials file"
        )
    );
    h.write("credentials", &"x".repeat(65 * 1024 + 7));
    assert_eq!(chain_error_guarded(h.path()), err);
}

/// Every run of 4 characters of `line` (after trimming) that the error does not need for its
/// own words: none may appear in `shown`.
fn assert_quotes_nothing_of(shown: &str, line: &str) {
    let chars: Vec<char> = line.trim().chars().collect();
    for w in chars.windows(4) {
        let w: String = w.iter().collect();
        assert!(
            !shown.contains(&w),
            "the error quotes {w:?} of the line: {shown}"
        );
    }
}

#[test]
fn a_malformed_line_is_named_by_number_and_never_quoted() {
    let h = home();
    let p = h.path().join(".volc/credentials");
    let pasted = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzSECRETzKEY0123456789";
    h.write(
        "credentials",
        &format!("# mine\n[default]\naccess_key_id = AK\n{pasted}  \n"),
    );
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(
        err,
        unusable(
            &p,
            "line 4 is not `key = value`, `key: value`, a `[section]` or a comment (its text is not shown)"
        )
    );
    assert_quotes_nothing_of(&err, pasted);
    // Indented, configparser reads it as the previous value's second line: refused by key.
    h.write(
        "credentials",
        &format!("[default]\naccess_key_id = AK\n   {pasted}  \nsecret_access_key = S\n"),
    );
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(
        err,
        unusable(
            &p,
            "line 2, access_key_id: it continues on an indented line below; credentials are one line each"
        )
    );
    assert_quotes_nothing_of(&err, pasted);

    // A value the signer refuses: the file, the line and the key, not the value.
    let long = "Q".repeat(1100);
    h.write(
        "credentials",
        &format!("[default]\naccess_key_id = AK\n\nsecret_access_key = {long}\n"),
    );
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(
        err,
        unusable(
            &p,
            "line 4, secret_access_key: invalid secret key: it is longer than 1024 bytes"
        )
    );
    h.write(
        "credentials",
        "[default]\nsession_token = STS\u{7}zQxW-9931-pRt\naccess_key_id = AK\nsecret_access_key = S\n",
    );
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(
        err,
        unusable(
            &p,
            "line 2, session_token: invalid session token: it contains a control character"
        )
    );
    assert_quotes_nothing_of(&err, "STS\u{7}zQxW-9931-pRt");
    h.write(
        "credentials",
        "[default]\naccess_key_id = AK/with/slash\nsecret_access_key = S\n",
    );
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(err, unusable(&p, "line 2, access_key_id: invalid access key id: only visible ASCII other than '/' and ',' is allowed"));
    assert_quotes_nothing_of(&err, "AK/with/slash");

    // Bytes that are not UTF-8: the line number only.
    std::fs::write(
        &p,
        b"[default]\naccess_key_id = AK\nsecret_access_key = SECRET\xff\xfeKEY\n",
    )
    .unwrap();
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(err, unusable(&p, "line 3 is not UTF-8 text"));
}

#[test]
fn a_broken_json_config_names_the_position_or_the_key_never_the_text() {
    let h = home();
    let p = h.path().join(".volc/config");
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzSECRETzKEY";
    h.write("config", &format!("{{\"ak\": \"AK\",\n \"sk\": {secret}}}"));
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(
        err,
        unusable(&p, "it is not JSON (error at line 2, column 8)")
    );
    assert_quotes_nothing_of(&err, secret);

    h.write(
        "config",
        &format!("{{\"ak\":\"AK\",\"sk\":\"{}\"}}", "Q".repeat(1100)),
    );
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(
        err,
        unusable(
            &p,
            "\"sk\": invalid secret key: it is longer than 1024 bytes"
        )
    );
    h.write(
        "config",
        &format!("{{\"VOLC_ACCESSKEY\":\"A,K\",\"VOLC_SECRETKEY\":\"{secret}\"}}"),
    );
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(err, unusable(&p, "\"VOLC_ACCESSKEY\": invalid access key id: only visible ASCII other than '/' and ',' is allowed"));
    assert_quotes_nothing_of(&err, secret);
    h.write("config", &format!("[\"{secret}\"]"));
    let err = chain_error_guarded(h.path()).to_string();
    assert_eq!(
        err,
        unusable(&p, "it needs both \"ak\" and \"sk\" as strings")
    );
}

// ---- Providers are handed the client's environment: its clock, its home, its files. ----

/// The `Credential=<access key id>/…` of each request's `Authorization`.
fn signed_with(canned: &CannedTransport) -> Vec<String> {
    canned
        .requests()
        .iter()
        .map(|r| {
            let auth = r.headers()["authorization"].to_str().unwrap();
            let from = auth.find("Credential=").unwrap() + "Credential=".len();
            auth[from..].split('/').next().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_caching_provider_in_a_client_reads_expiry_on_the_clients_manual_clock() {
    let clock = ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let sts = Arc::new(CountingSts::default());
    let canned = Arc::new(CannedTransport::new());
    for _ in 0..3 {
        canned.push_status(200, r#"{"ResponseMetadata":{"RequestId":"r"}}"#);
    }
    let client = LiveClient::builder()
        .credentials(CachingCredentials::new(sts.clone()))
        .environment(Arc::new(clock.clone()))
        .transport(canned.clone())
        .build()
        .unwrap();
    let stop = || client.stop_pull_record_task().task_id("t").send();
    stop().await.unwrap();
    stop().await.unwrap();
    assert_eq!(
        sts.calls.load(Ordering::SeqCst),
        1,
        "cached on the manual clock"
    );
    // Past the expiry on the client's clock (the system clock has not moved an hour).
    clock.advance(Duration::from_secs(3600 + 1));
    stop().await.unwrap();
    assert_eq!(sts.calls.load(Ordering::SeqCst), 2, "refreshed");
    assert_eq!(signed_with(&canned), ["AKTP0", "AKTP0", "AKTP1"]);
}

/// A manual environment whose home is `/home/user`, which exists nowhere on disk.
fn manual_home(pairs: &[(&str, &str)]) -> ManualEnvironment {
    let env = env(pairs);
    env.set_var("HOME", "/home/user-of-a-manual-environment");
    env
}

fn in_manual_home(file: &str) -> std::path::PathBuf {
    Path::new("/home/user-of-a-manual-environment")
        .join(".volc")
        .join(file)
}

#[tokio::test]
async fn the_files_are_read_from_the_manual_environments_memory_under_its_home() {
    let env = manual_home(&[]);
    let (creds, config) = (in_manual_home("credentials"), in_manual_home("config"));
    assert!(
        !creds.exists() && !config.exists(),
        "no real file is involved"
    );
    env.set_file(
        &creds,
        "[default]\naccess_key_id = AK-memory-ini\nsecret_access_key = SECRET-must-not-leak\n",
    );
    env.set_file(
        &config,
        r#"{"ak":"AK-memory-json","sk":"SECRET-must-not-leak"}"#,
    );

    let chain = CredentialsChain::default_chain();
    assert_eq!(ak(&chain, &env).await.unwrap(), "AK-memory-ini");
    assert_eq!(
        ak(&ProfileFileCredentials::in_home(), &env).await.unwrap(),
        "AK-memory-ini"
    );
    assert_eq!(
        ak(&ConfigFileCredentials::in_home(), &env).await.unwrap(),
        "AK-memory-json"
    );
    env.remove_file(&creds);
    assert_eq!(ak(&chain, &env).await.unwrap(), "AK-memory-json");
    // The INI form of the config, with a profile chosen by the variable.
    env.set_file(
        &config,
        "[prod]\naccess_key_id = AK-memory-prod\nsecret_access_key = S\n",
    );
    env.set_var("VOLCENGINE_PROFILE", "prod");
    assert_eq!(ak(&chain, &env).await.unwrap(), "AK-memory-prod");

    // The client's default chain reads them through the environment it was built with.
    let canned = Arc::new(CannedTransport::new());
    canned.push_status(200, r#"{"ResponseMetadata":{"RequestId":"r"}}"#);
    let client = LiveClient::builder()
        .environment(Arc::new(env.clone()))
        .transport(canned.clone())
        .build()
        .unwrap();
    client
        .stop_pull_record_task()
        .task_id("t")
        .send()
        .await
        .unwrap();
    assert_eq!(signed_with(&canned), ["AK-memory-prod"]);
}

#[tokio::test]
async fn one_provider_serves_each_environment_it_is_asked_with() {
    let chain = CredentialsChain::default_chain();
    let a = env(&[("VOLC_ACCESSKEY", "AK-a"), ("VOLC_SECRETKEY", SECRET)]);
    let b = manual_home(&[]);
    b.set_file(
        in_manual_home("credentials"),
        "[default]\naccess_key_id = AK-b\nsecret_access_key = S\n",
    );
    assert_eq!(ak(&chain, &a).await.unwrap(), "AK-a");
    assert_eq!(ak(&chain, &b).await.unwrap(), "AK-b");
    assert_eq!(ak(&chain, &a).await.unwrap(), "AK-a");
}

#[test]
fn a_manual_file_over_64_kib_is_refused_as_a_real_one_is() {
    let env = manual_home(&[]);
    let p = in_manual_home("credentials");
    let head = "[default]\naccess_key_id = AK-big\nsecret_access_key = S\n#";
    let exactly = format!("{head}{}", "x".repeat(64 * 1024 - head.len()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    env.set_file(&p, exactly.clone());
    assert_eq!(
        rt.block_on(ak(&CredentialsChain::default_chain(), &env))
            .unwrap(),
        "AK-big"
    );

    env.set_file(&p, format!("{exactly}x"));
    let err = rt
        .block_on(CredentialsChain::default_chain().provide(&env))
        .unwrap_err();
    assert!(!err.is_not_configured(), "{err}");
    assert_eq!(
        err.to_string(),
        unusable(
            &p,
            "it is larger than 64 KiB, the most read from a credentials file"
        )
    );
    // The same words as for a file on disk.
    let h = home();
    h.write("credentials", &format!("{exactly}x"));
    let on_disk = chain_error_guarded(h.path());
    assert_eq!(
        on_disk.to_string().replace(
            &h.path().join(".volc/credentials").display().to_string(),
            "P"
        ),
        err.to_string().replace(&p.display().to_string(), "P")
    );
}

#[tokio::test]
async fn without_a_home_directory_the_files_are_named_as_unread() {
    let err = CredentialsChain::default_chain()
        .provide(&env(&[]))
        .await
        .unwrap_err();
    let CredentialsError::NotConfigured { looked_at } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        looked_at[2..],
        [
            "~/.volc/credentials (no home directory: HOME is unset or empty)",
            "~/.volc/config (no home directory: HOME is unset or empty)",
        ]
    );
    assert_eq!(
        format!("{:?}", ProfileFileCredentials::in_home().profile("prod")),
        r#"ProfileFileCredentials { path: "~/.volc/credentials", profile: "prod" }"#
    );
}
