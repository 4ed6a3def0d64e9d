//! A local emulator of Volcengine Live's pull-record-task API (version `2023-01-01`), to
//! develop and test against offline: it verifies signatures like the gateway, enforces the
//! documented rules and rate limits, returns the documented errors, and injects faults on
//! demand.
//!
//! Start it in-process on `127.0.0.1:0` and point a client at [`Emulator::base_url`]:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use live_emulator::{Emulator, EmulatorConfig, FaultKind, FaultRule};
//!
//! let emulator = Emulator::start(EmulatorConfig::new()).await?;
//! // It knows the demo credential and the documented example task.
//! println!("{} (access key {})", emulator.base_url(), live_emulator::DEMO_ACCESS_KEY_ID);
//! // The next GetPullRecordTask gets a gateway's HTML 502 page.
//! emulator.inject(FaultRule::next(1, FaultKind::Html502).for_action("GetPullRecordTask"));
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # What it checks, in the gateway's order
//!
//! 1. The routing, before anything is verified: `Action` and `Version` are in the query
//!    (`MissingParameter`, 400, `The request is missing Action parameter.`); the credential
//!    scope, when it can be read, names the service `live` (`ServiceNotFound`, 404,
//!    `This service[iam] not found.`); the pair is an operation served, an action of
//!    [`live_model::Action`] in its version (`InvalidActionOrVersion`, 404,
//!    `Could not find operation {Action} for version {Version}`). These refusals name back the
//!    `Action` and `Version` the query gave (empty when absent), and `ServiceNotFound` the
//!    service and region the scope named. A body over 1 MiB is `InvalidParam` (413).
//! 2. Injected faults fire here (see [Faults](#faults)).
//! 3. `Authorization` is present (`MissingAuthenticationToken`, 401) and well formed
//!    (`InvalidAuthorization`, 400); `X-Date` is present (`MissingRequestInfo`, 400) and within
//!    the skew window (`InvalidTimestamp`, 400); the access key is known (`InvalidAccessKey`,
//!    401); the STS token matches (`InvalidSecretToken`, 401); the signature is valid over
//!    exactly the headers listed in `SignedHeaders`, any set including `x-date`
//!    (`SignatureDoesNotMatch`, 401).
//! 4. Per access key and action: 10 requests a second for GetPullRecordTask and
//!    DescribeRecordTaskFileHistory, 50 for the others (`FlowLimitExceeded`, 429,
//!    `Retry-After: 1`).
//! 5. The body: malformed JSON or wrong types are `InvalidParam.BindError` (400), missing or
//!    invalid fields `InvalidParam` (400) naming the field.
//! 6. The action, on an in-memory store per account: unknown task `ResourceNotFound` (404),
//!    another account's task `RequestForbidden.AccountIDNotAllow` (403), a vhost or domain the
//!    account does not own `RequestForbidden` (403), a second task for a stream whose task has
//!    not ended, or stopping a task that is not active, `InvalidParam` (400).
//!
//! Every error is the documented envelope with a fresh `RequestId`. A task's status follows the
//! (injectable) clock: `未开始` before its start, `生效中` until its end, `已结束` after, `停用`
//! once stopped. One log line per request (tracing, target `live_emulator`) names the action,
//! access key id, status, code and request id, never a secret.
//!
//! # Recorded files
//!
//! DescribeRecordTaskFileHistory lists the files recordings left. Each recording that ran
//! leaves one: a task that reached its end (`已结束`) ends at its `EndTime`; a task stopped
//! after its start (`停用`) ends at the stop. A task still recording, one stopped before its
//! start, and a seeded stopped task (its stop time unknown) have none. Files are made from
//! the tasks on each request, so a seeded task whose end has passed (the documented example)
//! has its file at once. Every documented field is present, empty where it does not apply:
//! `Vid` for TOS, `Bucket` and `Path` for VOD.
//!
//! | setting | default | set with |
//! |---|---|---|
//! | storage (`Type` that finds the files) | `tos` | [`EmulatorConfig::record_storage`], `--record-storage tos\|vod` |
//! | bucket | [`DEFAULT_RECORD_BUCKET`] | [`EmulatorConfig::record_bucket`], `--record-bucket NAME` |
//! | cut into files of at most | one file per recording | [`EmulatorConfig::record_segment`], `--record-segment SECONDS` |
//!
//! Where the service documents nothing, the emulator chooses: the window filters on a
//! file's start (`DateFrom <= StartTime <= DateTo`); files come ordered by start;
//! `Duration` is whole seconds; `Format` is `flv`; `FileName` is
//! `{Stream}_{start}_{end}.flv` (Unix seconds); `Path` is
//! `record/{Vhost}/{App}/{Stream}/{FileName}`; `Vid` is `v0` and 30 hex digits;
//! `StartTime`/`EndTime` are in the zone the task's start time was given in;
//! `Vhost` is the task's vhost, or its domain when it has none.
//!
//! # Faults
//!
//! Injected for the next N requests or a seeded fraction, for one action or all, with
//! [`Emulator::inject`] or over the admin path. Most fire **before the action**, at step 2:
//! the emulator answers before it even checks the signature, so nothing in the store changes.
//!
//! | [`FaultKind`] | JSON `kind` | what the client gets |
//! |---|---|---|
//! | [`Error`](FaultKind::Error) | `error` | that error code and status |
//! | [`CommonErr`](FaultKind::CommonErr) | `common_err` | `CommonErr` with HTTP 200 |
//! | [`Delay`](FaultKind::Delay) | `delay` | the normal answer, late (the action runs) |
//! | [`CloseConnection`](FaultKind::CloseConnection) | `close_connection` | no answer: the connection closes |
//! | [`TruncatedBody`](FaultKind::TruncatedBody) | `truncated_body` | 200 with half a JSON body (a complete HTTP answer) |
//! | [`Html502`](FaultKind::Html502) | `html502` | a gateway's HTML 502 page |
//! | [`Throttle`](FaultKind::Throttle) | `throttle` | 429 `FlowLimitExceeded` with `Retry-After` |
//!
//! Two fire **after the action**, as a real network loses an answer: the request is handled in
//! full (signature, rate limit, the action: a task is created or stopped) and then its answer,
//! whatever it was, is lost. The client cannot tell whether the action ran; the store shows
//! that it did, and the next request, on a fresh connection, is answered normally.
//!
//! | [`FaultKind`] | JSON `kind` | what the client gets |
//! |---|---|---|
//! | [`LoseAnswerClose`](FaultKind::LoseAnswerClose) | `lose_answer_close` | no answer: the connection closes |
//! | [`LoseAnswerTruncate`](FaultKind::LoseAnswerTruncate) | `lose_answer_truncate` | the status and headers, `Content-Length` of the whole body, half the body, then the connection closes (over HTTP/2 the stream is reset instead, as h2 drops what was queued: the same as `lose_answer_close`) |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use live_emulator::{Emulator, EmulatorConfig, FaultKind, FaultRule};
//!
//! let emulator = Emulator::start(EmulatorConfig::new()).await?;
//! // The next StopPullRecordTask stops its task, then its connection closes unanswered.
//! emulator.inject(FaultRule::next(1, FaultKind::LoseAnswerClose).for_action("StopPullRecordTask"));
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Over HTTP/2 (TLS with ALPN `h2`), "the connection closes" is a reset of the request's
//! stream.
//!
//! # Hostile clients
//!
//! The emulator is meant for loopback, but it holds up against clients that misbehave:
//!
//! | limit | default | set with | what happens |
//! |---|---|---|---|
//! | header read | 10 s ([`DEFAULT_HEADER_READ_TIMEOUT`]) | [`EmulatorConfig::header_read_timeout`], `--header-read-timeout SECONDS` | a request head not complete this long after its first byte (a new connection: after it opened) closes the connection, unanswered |
//! | idle | 60 s ([`DEFAULT_IDLE_TIMEOUT`]) | [`EmulatorConfig::idle_timeout`], `--idle-timeout SECONDS` | a keep-alive connection with nothing sent this long after its last answer is closed (HTTP/2: with GOAWAY); one that keeps asking is never idle |
//! | connections | 10,000 ([`DEFAULT_MAX_CONNECTIONS`]), or the open-file limit less 64 when lower | [`EmulatorConfig::max_connections`], `--max-connections N` | at the cap a new connection is accepted and closed at once, nothing read or answered; counted by [`Emulator::connections_refused`], a warning logged once until one is served again |
//!
//! Both timeouts apply to HTTP/1.1 and HTTP/2 (between HTTP/2 requests only the idle one: its
//! pings and settings do not start a head). A failed accept (out of file descriptors,
//! `EMFILE`/`ENFILE`, or any other error) pauses the accept loop, 1 ms doubling up to 1 s,
//! back to 1 ms after an accept succeeds; it is logged once per episode (a warning, target
//! `live_emulator`, naming the error) and its end once (`accepting connections again`), never
//! once per failure. A request body must arrive within the header-read time too (and under
//! 1 MiB): one that stalls is dropped with its connection, unanswered, freeing its slot.
//!
//! # Admin path
//!
//! `/__emulator/…` (the API only uses `/`), for loopback clients only:
//! `GET /__emulator/health`, `POST /__emulator/faults` with a [`FaultRule`] as JSON
//! (`{"action":"GetPullRecordTask","kind":"error","code":"InternalError","count":2}`,
//! `{"action":"CreatePullRecordTask","kind":"lose_answer_truncate"}`),
//! `DELETE /__emulator/faults`, `GET /__emulator/stats` (what was answered, by action and
//! code, throttled answers included: [`EmulatorStats`]) and `DELETE /__emulator/stats` (back
//! to zero).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod actions;
mod admin;
mod backoff;
mod clock;
mod config;
mod emulator;
mod error;
mod fault_effects;
mod faults;
mod files;
mod gateway;
mod listener;
mod rate_limit;
mod record_settings;
mod reply;
mod request;
mod state;
mod stats;
mod store;
mod timeouts;

pub use admin::ADMIN_PREFIX;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    DomainGrant, EmulatorConfig, EmulatorCredential, SeedTask, TlsConfig,
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEMO_ACCESS_KEY_ID,
    DEMO_ACCOUNT, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};
pub use emulator::Emulator;
pub use error::EmulatorError;
pub use faults::{FaultKind, FaultRule, Faults};
pub use record_settings::{DEFAULT_RECORD_BUCKET, MIN_RECORD_SEGMENT};
pub use stats::{EmulatorStats, NO_ANSWER_CODE, OK_CODE, THROTTLED_CODE};
