//! What the emulator knows: credentials and their accounts, owned domains, seed tasks, the
//! GetPullRecordTask shape, rate limiting, clock skew, TLS, and the clock.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use live_model::GetShape;
use serde::Deserialize;

use crate::clock::{Clock, SystemClock};
use crate::error::EmulatorError;
use crate::record_settings::RecordSettings;

/// The demo access key id: the public example key of Volcengine's signing documentation.
pub const DEMO_ACCESS_KEY_ID: &str = "AKLTMjI2ODVlYzI3ZGY1NGU4ZjhjYWRjMTlmNTM5OTZkYzE";
/// The demo secret key (public, from the same documentation).
pub const DEMO_SECRET_KEY: &str = "TnpCak5XWXpZV1U0WkRaaE5ERmxaR0ZpTmpjeVkyUXlZek0wTWpJMU1qWQ==";
/// The demo account id.
pub const DEMO_ACCOUNT: &str = "2100000001";
/// The id of the documented example task (as the API page writes it).
pub const EXAMPLE_TASK_ID: &str = "5b903f78c7f5ae*******01f6fe2eea";

/// A credential the emulator accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct EmulatorCredential {
    /// Access key id.
    pub access_key_id: String,
    /// Secret key.
    pub secret_key: String,
    /// For STS credentials: the session token requests must carry.
    pub session_token: Option<String>,
    /// The account the key belongs to.
    pub account: String,
}

impl fmt::Debug for EmulatorCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorCredential")
            .field("access_key_id", &self.access_key_id)
            .field("secret_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("account", &self.account)
            .finish()
    }
}

impl EmulatorCredential {
    /// A credential of `account`.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_key: impl Into<String>,
        account: impl Into<String>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_key: secret_key.into(),
            session_token: None,
            account: account.into(),
        }
    }

    /// Makes it an STS credential: requests must carry `token` in `X-Security-Token`.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// The demo credential.
    pub fn demo() -> Self {
        Self::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, DEMO_ACCOUNT)
    }

    /// Parses the command line form `AK:SK[:ACCOUNT[:TOKEN]]` (the account defaults to the
    /// access key id).
    pub fn parse(spec: &str) -> Result<Self, EmulatorError> {
        let mut parts = spec.splitn(4, ':');
        let (Some(ak), Some(sk)) = (parts.next(), parts.next()) else {
            return Err(EmulatorError::Config(
                "a credential is AK:SK[:ACCOUNT[:SESSION_TOKEN]]".into(),
            ));
        };
        if ak.is_empty() || sk.is_empty() {
            return Err(EmulatorError::Config(
                "a credential needs a non-empty access key id and secret".into(),
            ));
        }
        let account = parts.next().filter(|a| !a.is_empty()).unwrap_or(ak);
        let mut c = Self::new(ak, sk, account);
        if let Some(token) = parts.next().filter(|t| !t.is_empty()) {
            c = c.with_session_token(token);
        }
        Ok(c)
    }
}

/// A vhost and domain an account owns: creating a task elsewhere is `RequestForbidden`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainGrant {
    /// The account.
    pub account: String,
    /// The domain space.
    pub vhost: String,
    /// The domain.
    pub domain: String,
}

impl DomainGrant {
    /// Parses `ACCOUNT:VHOST:DOMAIN`.
    pub fn parse(spec: &str) -> Result<Self, EmulatorError> {
        let parts: Vec<&str> = spec.split(':').collect();
        match parts.as_slice() {
            [account, vhost, domain] if !account.is_empty() && !domain.is_empty() => Ok(Self {
                account: (*account).to_owned(),
                vhost: (*vhost).to_owned(),
                domain: (*domain).to_owned(),
            }),
            _ => Err(EmulatorError::Config(
                "a domain grant is ACCOUNT:VHOST:DOMAIN".into(),
            )),
        }
    }
}

/// A task to start with (the `--seed` file holds a JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTask {
    /// Task id.
    #[serde(rename = "TaskId")]
    pub task_id: String,
    /// Domain space.
    #[serde(rename = "Vhost", default)]
    pub vhost: String,
    /// Domain.
    #[serde(rename = "Domain")]
    pub domain: String,
    /// Application.
    #[serde(rename = "App")]
    pub app: String,
    /// Stream.
    #[serde(rename = "Stream")]
    pub stream: String,
    /// Pull URL.
    #[serde(rename = "StreamURL", default)]
    pub stream_url: String,
    /// Start, RFC 3339 (empty: at start-up).
    #[serde(rename = "StartTime", default)]
    pub start_time: String,
    /// End, RFC 3339 (empty: open-ended).
    #[serde(rename = "EndTime", default)]
    pub end_time: String,
    /// Whether it was stopped.
    #[serde(rename = "Stopped", default)]
    pub stopped: bool,
}

impl SeedTask {
    /// The documented example task of the GetPullRecordTask page.
    pub fn documented_example() -> Self {
        Self {
            task_id: EXAMPLE_TASK_ID.to_owned(),
            vhost: "example.com".to_owned(),
            domain: "pull.example.com".to_owned(),
            app: "live".to_owned(),
            stream: "example_stream".to_owned(),
            stream_url: "http://pull.example.com/live/example_stream.flv".to_owned(),
            start_time: "2023-10-09T15:16:15+08:00".to_owned(),
            end_time: "2023-10-09T15:18:28+08:00".to_owned(),
            stopped: false,
        }
    }

    /// Reads a JSON array of tasks.
    pub fn parse_list(json: &str) -> Result<Vec<Self>, EmulatorError> {
        serde_json::from_str(json).map_err(|e| {
            EmulatorError::Config(format!("the seed file is not a JSON array of tasks: {e}"))
        })
    }
}

/// TLS for the emulator: a self-signed certificate generated at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsConfig {
    /// Where to write the certificate (PEM), so clients can trust it.
    pub cert_out: Option<PathBuf>,
}

/// Everything the emulator is started with.
#[derive(Clone)]
pub struct EmulatorConfig {
    pub(crate) credentials: Vec<EmulatorCredential>,
    pub(crate) domains: Vec<DomainGrant>,
    pub(crate) seed: Vec<SeedTask>,
    pub(crate) get_shape: GetShape,
    pub(crate) rate_limit: bool,
    pub(crate) max_skew: Duration,
    pub(crate) tls: Option<TlsConfig>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) listen: std::net::SocketAddr,
    pub(crate) header_read_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: Option<usize>,
    pub(crate) records: RecordSettings,
}

/// How long a client may take to send a request head, by default: 10 seconds.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may sit idle between requests, by default: 60 seconds.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The most connections open at once, by default: 10,000, or the process's open-file limit
/// less 64 (for the listener, the runtime and the log) when that is lower. See
/// [`EmulatorConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// File descriptors kept free of connections when the default cap follows the open-file limit.
const RESERVED_FDS: usize = 64;

/// The default connection cap for this process: [`DEFAULT_MAX_CONNECTIONS`], or the soft
/// open-file limit less 64 when that is lower (read from `/proc/self/limits`; where that cannot
/// be read, 10,000).
pub(crate) fn default_max_connections() -> usize {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            line["Max open files".len()..]
                .split_whitespace()
                .next()?
                .parse::<usize>()
                .ok()
        });
    match limit {
        Some(limit) => DEFAULT_MAX_CONNECTIONS.min(limit.saturating_sub(RESERVED_FDS).max(1)),
        None => DEFAULT_MAX_CONNECTIONS,
    }
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("credentials", &self.credentials)
            .field("domains", &self.domains)
            .field("seed_tasks", &self.seed.len())
            .field("get_shape", &self.get_shape)
            .field("rate_limit", &self.rate_limit)
            .field("max_skew", &self.max_skew)
            .field("tls", &self.tls)
            .field("listen", &self.listen)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl Default for EmulatorConfig {
    /// The demo set-up: the demo credential, the documented example task, the flat Get shape,
    /// rate limits on, 15 minutes of skew, plain HTTP on `127.0.0.1:0`, a 10 s header-read
    /// timeout, a 60 s idle timeout, at most 10,000 connections (fewer when the open-file
    /// limit is lower), and recordings stored in TOS, bucket
    /// [`DEFAULT_RECORD_BUCKET`](crate::DEFAULT_RECORD_BUCKET), one file each.
    fn default() -> Self {
        Self {
            credentials: vec![EmulatorCredential::demo()],
            domains: Vec::new(),
            seed: vec![SeedTask::documented_example()],
            get_shape: GetShape::Flat,
            rate_limit: true,
            max_skew: volc_sign::DEFAULT_MAX_SKEW,
            tls: None,
            clock: Arc::new(SystemClock),
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: None,
            records: RecordSettings::default(),
        }
    }
}

impl EmulatorConfig {
    /// The demo set-up (see [`Default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the credentials (the first one's account owns the seed tasks).
    pub fn credentials(mut self, credentials: Vec<EmulatorCredential>) -> Self {
        if !credentials.is_empty() {
            self.credentials = credentials;
        }
        self
    }

    /// Adds a credential.
    pub fn credential(mut self, credential: EmulatorCredential) -> Self {
        self.credentials.push(credential);
        self
    }

    /// Adds a domain grant.
    pub fn domain(mut self, grant: DomainGrant) -> Self {
        self.domains.push(grant);
        self
    }

    /// Adds seed tasks (after the documented example).
    pub fn seed(mut self, tasks: Vec<SeedTask>) -> Self {
        self.seed.extend(tasks);
        self
    }

    /// Starts with no task at all.
    pub fn without_example_task(mut self) -> Self {
        self.seed.retain(|t| t.task_id != EXAMPLE_TASK_ID);
        self
    }

    /// Chooses GetPullRecordTask's result shape.
    pub fn get_shape(mut self, shape: GetShape) -> Self {
        self.get_shape = shape;
        self
    }

    /// Turns the documented rate limits on or off.
    pub fn rate_limit(mut self, on: bool) -> Self {
        self.rate_limit = on;
        self
    }

    /// Sets the accepted clock skew of `X-Date`.
    pub fn max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// Serves HTTPS with a self-signed certificate.
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Uses `clock` for task status, signature windows and rate limits.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Listens on `addr` (default `127.0.0.1:0`).
    pub fn listen(mut self, addr: std::net::SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// How long a client may take to send a request head, counted from its first byte (for a
    /// new connection, from its start). A client that is slower (one that trickles its head a
    /// byte at a time) is disconnected without an answer. Default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`] (10 s); must not be zero.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may sit idle between requests (counted from the last
    /// answer) before it is closed; a connection that keeps sending requests is never idle.
    /// Default [`DEFAULT_IDLE_TIMEOUT`] (60 s); must not be zero.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The most connections open at once. At the cap, a new connection is accepted and closed
    /// at once, without an answer (nothing is read from it, so nothing can be answered over
    /// TLS or HTTP/2 either), counted by [`Emulator::connections_refused`] and logged once per
    /// episode; once a connection closes, new ones are served again. Default
    /// [`DEFAULT_MAX_CONNECTIONS`] (10,000, or the open-file limit less 64 when lower); must
    /// not be zero.
    ///
    /// [`Emulator::connections_refused`]: crate::Emulator::connections_refused
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = Some(max);
        self
    }

    /// Where recordings are stored, and so which `Type` of DescribeRecordTaskFileHistory
    /// finds them: [`RecordStorage::Tos`] (the default; files have a `Bucket` and a `Path`,
    /// no `Vid`) or [`RecordStorage::Vod`] (files have a `Vid`, no `Bucket` or `Path`).
    ///
    /// [`RecordStorage::Tos`]: live_model::RecordStorage::Tos
    /// [`RecordStorage::Vod`]: live_model::RecordStorage::Vod
    pub fn record_storage(mut self, storage: live_model::RecordStorage) -> Self {
        self.records.storage = storage;
        self
    }

    /// The TOS bucket of recorded files (default
    /// [`DEFAULT_RECORD_BUCKET`](crate::DEFAULT_RECORD_BUCKET)): 3 to 63 characters of
    /// `a-z`, `0-9` and `-`, checked at start.
    pub fn record_bucket(mut self, bucket: impl Into<String>) -> Self {
        self.records.bucket = bucket.into();
        self
    }

    /// Cuts each recording into files of at most `segment` (at least
    /// [`MIN_RECORD_SEGMENT`](crate::MIN_RECORD_SEGMENT), checked at start; whole seconds).
    /// Default: one file per recording.
    pub fn record_segment(mut self, segment: Duration) -> Self {
        self.records.segment = Some(segment);
        self
    }
}
