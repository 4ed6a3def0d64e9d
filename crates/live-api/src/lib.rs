//! `LiveClient`: the client of Volcengine Live's pull-record-task API (`2023-01-01`).
//!
//! Every call is validated before sending, signed afresh for each attempt, retried only when
//! that is safe and useful, bounded by timeouts, and answered with typed results or one
//! [`LiveError`] that carries the code, message, request id and HTTP status. Nothing secret
//! is ever logged or shown.
//!
//! # Five lines
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = live_emulator::Emulator::start(Default::default()).await?;
//! # let endpoint = emulator.base_url();
//! # let (ak, sk) = (live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY);
//! use live_api::LiveClient;
//!
//! let client = LiveClient::builder().endpoint(endpoint).credentials(live_api::Credentials::new(ak, sk)?).build()?;
//! let out = client.get_pull_record_task().task_id("5b903f78c7f5ae*******01f6fe2eea").send().await?;
//! println!("{} is {} (request id {})", out.task.task_id, out.task.status, out.request_id());
//! # assert_eq!(out.task.app, "live");
//! # Ok(())
//! # }
//! ```
//!
//! Against the real service, `LiveClient::from_env()?` uses `https://live.volcengineapi.com`
//! and credentials from the environment or `~/.volc`
//! ([`CredentialsChain::default_chain`](credentials::CredentialsChain::default_chain)).
//!
//! # How a call runs
//!
//! One engine, which knows nothing of Live, runs every call: the Live operations, the generic
//! call to any Volcengine API ([`openapi`]), and whatever else is built on it. A call is data
//! (service, region, endpoint, version, action, method and body, idempotency, pacing key and
//! limit), and one loop runs it:
//!
//! ```text
//!   credentials ─► permit ─► sign ─► send (attempt deadline) ─► classify ─► policy ─┬─► done
//!        ▲                                                                           │
//!        └──────────────── backoff (budget permitting) ◄─────────────────────────────┘
//! ```
//!
//! What is Live's (a stop's check after a lost answer, paging, the waiter, the way from a task
//! to its files) sits in the modules around it. The modules:
//!
//! | module | holds |
//! |---|---|
//! | [`ops`] | the Live operations' builders and outputs (`client.get_pull_record_task()` …) |
//! | [`paging`] | streams of pages and items of a listing |
//! | [`files`] | recorded files: DescribeRecordTaskFileHistory, a task's files |
//! | [`fleet`] / [`wait`] | a fan-out over many task ids; a waiter for a status |
//! | [`openapi`] | a call to any action of any Volcengine API |
//! | [`credentials`] | where keys come from: environment, `~/.volc` files, chains, caching |
//! | [`retry`] | the retry policy, backoff, attempt and time limits, the retry budget |
//! | [`pacing`] | client-side pacing under the rate limits (local, or shared through Redis) |
//! | [`env`](mod@env) | the one environment seam: clocks, timers, sleep, jitter, variables, files |
//! | [`error`] | [`LiveError`], its kinds, and how each failure bears on sending again |
//!
//! # Errors
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = live_emulator::Emulator::start(Default::default()).await?;
//! # let client = live_api::LiveClient::builder().endpoint(emulator.base_url())
//! #     .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?).build()?;
//! let err = client.get_pull_record_task().task_id("no-such-task").send().await.unwrap_err();
//! assert_eq!(err.code().map(|c| c.as_str()), Some("ResourceNotFound"));
//! assert_eq!(err.http_status(), Some(404));
//! assert!(err.request_id().is_some());
//! assert!(!err.is_retryable());
//! // "ResourceNotFound: task no-such-task not found (request id …, HTTP 404)"
//! println!("{err}");
//! # Ok(())
//! # }
//! ```
//!
//! # Retries and timeouts
//!
//! One decision: after a failed attempt the client asks its
//! [`RetryPolicy`](retry::RetryPolicy) (default [`StandardRetry`](retry::StandardRetry): 3
//! attempts, exponential backoff from 100 ms with full jitter, each wait capped at 5 s,
//! `Retry-After` honoured up to 20 s) with the error, the attempt, the elapsed time and the
//! action's [`model::Idempotency`] from [`model::Action`]; the operation's deadline bounds
//! every policy (no wait runs past it). By [`FailureClass`](retry::FailureClass):
//!
//! | failure | get, list (`Read`) | stop (`ByOutcome`) | create (`NotIdempotent`) |
//! |---|---|---|---|
//! | `NotSent`: no connection, a pooled connection found closed, throttled | retry | retry | retry |
//! | `Transient`: lost mid-exchange, attempt timeout, 5xx, `CommonErr` | retry | check, then retry | give up |
//! | `Permanent`: input, keys, signature, untrusted certificate, a proxy's refusal, permission | give up | give up | give up |
//!
//! "Check, then retry": after a stop whose answer was lost, GetPullRecordTask is asked; a task
//! already stopped means the stop took effect
//! ([`StopPullRecordTaskOutput::reconciled`](ops::StopPullRecordTaskOutput::reconciled)).
//! When a create or a stop may have taken effect and nothing says whether it did,
//! [`LiveError::may_have_been_applied`] is `true` and the error's text says how to check.
//!
//! **The retry budget.** Every retry also draws from a [`RetryBudget`](retry::RetryBudget), a
//! token bucket shared by a client and its clones (aws-smithy-runtime's standard retry quota):
//! 500 tokens, 5 a retry, 10 a retry after a timeout, one back for each success at the first
//! attempt and what its retries took for a success after retries. An empty bucket means no
//! retry, so in an outage a fleet stops retrying instead of multiplying its load by three.
//! [`LiveClientBuilder::retry_budget`] changes or disables it.
//!
//! Timeouts: connect 5 s, each attempt 10 s (timed by the client, whatever the transport:
//! [`TimeoutScope::Attempt`](error::TimeoutScope::Attempt)), the whole operation 30 s
//! ([`LiveClientBuilder`]). Clocks, timers, sleep, jitter, environment variables and file
//! reads come from one [`Environment`](env::Environment), set on the builder
//! ([`ManualEnvironment`](env::ManualEnvironment) in tests) and handed to credentials
//! providers when they are asked.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use live_emulator::{Emulator, EmulatorConfig, FaultKind, FaultRule};
//!
//! let emulator = Emulator::start(EmulatorConfig::new()).await?;
//! let client = live_api::LiveClient::builder().endpoint(emulator.base_url())
//!     .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?)
//!     .build()?;
//! let task = client.create_pull_record_task().domain("pull.example.com").app("live")
//!     .stream("doc_stream").stream_url("http://pull.example.com/live/doc_stream.flv")
//!     .send().await?.task_id;
//! // The stop runs, but its answer is lost on the way back.
//! emulator.inject(FaultRule::next(1, FaultKind::LoseAnswerClose).for_action("StopPullRecordTask"));
//! let stopped = client.stop_pull_record_task().task_id(&task).send().await?;
//! assert!(stopped.reconciled, "found stopped by GetPullRecordTask, not sent twice");
//! # Ok(())
//! # }
//! ```
//!
//! # Recorded files
//!
//! [`LiveClient::describe_record_task_file_history`] lists the files recordings wrote in a
//! window of at most 7 days; [`LiveClient::record_files_of`] goes from a task (or its id) to
//! its files across any span, window after window, page after page (module [`files`]; the
//! streams of pages and items of any listing are in [`paging`]):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = live_emulator::Emulator::start(Default::default()).await?;
//! # let client = live_api::LiveClient::builder().endpoint(emulator.base_url())
//! #     .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?).build()?;
//! let files = client.record_files_of("5b903f78c7f5ae*******01f6fe2eea").all().await?;
//! assert_eq!(files[0].start_time, "2023-10-09T15:16:15+08:00");
//! assert_eq!(files[0].duration_number(), Some(133.0)); // the emulator writes seconds
//! # Ok(())
//! # }
//! ```
//!
//! # Rate limits and fleets
//!
//! Every attempt first takes a [`Permit`](pacing::Permit) from the client's
//! [`RateLimiter`](pacing::RateLimiter) for its access key id and action, and the permit takes
//! the attempt's answer (a throttling answer slows every caller of that key down). By default
//! a [`LocalRateLimiter`](pacing::LocalRateLimiter) at the documented limits
//! (GetPullRecordTask: 10/s, CreatePullRecordTask: 50/s, ListPullRecordTask: 50/s,
//! StopPullRecordTask: 50/s, DescribeRecordTaskFileHistory: 10/s), shared by all clones, with
//! no burst (see [`pacing`] for the rule). [`Pacing`](pacing::Pacing) turns it off, changes
//! the limits, or puts a `RedisRateLimiter` (feature `redis`) in its place so that several
//! processes share one budget. On top of it: a fan-out
//! ([`LiveClient::get_pull_record_tasks`]) and a waiter
//! ([`LiveClient::wait_for_pull_record_task`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = live_emulator::Emulator::start(Default::default()).await?;
//! use live_api::LiveClient;
//! use live_api::pacing::{Pacing, Rate, RateLimits};
//! use live_api::wait::WaitUntil;
//!
//! let client = LiveClient::builder()
//!     .endpoint(emulator.base_url())
//! #   .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?)
//!     .pacing(Pacing::Local(RateLimits::documented().with_rate("GetPullRecordTask", Rate::per_second(5).unwrap())))
//!     .build()?;
//! let ids = vec![live_emulator::EXAMPLE_TASK_ID; 3];
//! let mut results = client.get_pull_record_tasks(ids).concurrency(8).stream();
//! while let Some(r) = results.next().await {
//!     println!("{}: {}", r.task_id, r.result?.task.status);
//! }
//! let ended = client.wait_for_pull_record_task(live_emulator::EXAMPLE_TASK_ID)
//!     .until(WaitUntil::Ended).send().await?;
//! assert_eq!(ended.polls, 1);
//! assert_eq!(emulator.stats().throttled, 0);
//! # Ok(())
//! # }
//! ```
//!
//! # Synchronous use
//!
//! The client is async and runs on Tokio. From synchronous code, build one current-thread
//! runtime with its timers and I/O enabled, keep it, and `block_on` each call:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = tokio::runtime::Runtime::new()?;
//! # let emulator = server.block_on(live_emulator::Emulator::start(Default::default()))?;
//! # let (endpoint, ak, sk) = (emulator.base_url(), live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY);
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let client = live_api::LiveClient::builder().endpoint(endpoint)
//!     .credentials(live_api::Credentials::new(ak, sk)?).build()?;
//! let out = rt.block_on(client.get_pull_record_task().task_id("5b903f78c7f5ae*******01f6fe2eea").send())?;
//! println!("{} is {}", out.task.task_id, out.task.status);
//! # Ok(())
//! # }
//! ```
//!
//! Your `Cargo.toml` needs `tokio = { version = "1", features = ["rt"] }` for that builder
//! (`rt-multi-thread` for `Runtime::new`); live-api itself turns on the Tokio features it uses
//! (`time`, `sync`, and `net` with the default transport). At run time the runtime must have
//! timers (`enable_time`, or `enable_all`), which every call uses for its deadlines, and I/O
//! (`enable_io`) for the default transport's sockets: as with reqwest and hyper, Tokio
//! panics when a runtime without them is asked for a timer or a socket (Tokio cannot be asked
//! beforehand, and this library installs no panic hook to catch it). A call polled outside
//! any Tokio runtime gets [`LiveError::is_runtime`] with nothing sent (see
//! [`SystemEnvironment`](env::SystemEnvironment)).
//!
//! # Features
//!
//! - `hyper` (default): the default transport, hyper 1 with rustls. Without it
//!   (`default-features = false`), give the builder your own
//!   [`live_transport::HttpTransport`] ([`LiveClientBuilder::transport`]); hyper's client is
//!   then not compiled.
//! - `redis`: `pacing::RedisRateLimiter`, so that several processes
//!   share one rate budget (see "Rate limits and fleets").
//!
//! # Tracing
//!
//! A span `live.operation` per call (service, action, attempts, request id, outcome) and
//! `live.attempt` per attempt; at debug level, the redacted canonical request and string to
//! sign. Never the secret key, session token, signature or `Authorization`.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod bounded;
mod client;
pub mod credentials;
mod engine;
pub mod env;
pub mod error;
pub mod files;
pub mod fleet;
pub mod openapi;
pub mod ops;
pub mod pacing;
pub mod paging;
pub mod retry;
pub mod wait;

pub use client::{LiveClient, LiveClientBuilder};
pub use error::{ErrorKind, LiveError};
pub use live_model as model;
pub use volc_sign::Credentials;

/// The `bytes` crate of the transport's bodies.
pub use bytes;
/// The `http` crate of the transport's requests and responses.
pub use http;
/// The transport crate, re-exported so that a custom transport needs no direct dependency
/// to keep in step: implement [`live_transport::HttpTransport`] (see `examples/`).
pub use live_transport;

#[cfg(test)]
mod tests {
    /// The crate docs name every action's documented rate limit as `Name: N/s`; each must be
    /// the one in live-model's action table, and every action must be named.
    #[test]
    fn the_crate_docs_rate_limits_match_the_action_table() {
        let docs: String = include_str!("lib.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .collect::<Vec<_>>()
            .join(" ");
        let docs = docs.split_whitespace().collect::<Vec<_>>().join(" ");
        for action in live_model::Action::ALL {
            let said = format!("{}: {}/s", action.name(), action.rate_limit_per_sec());
            assert!(docs.contains(&said), "the crate docs do not say {said:?}");
        }
        for (i, _) in docs.match_indices("/s") {
            let before = &docs[..i];
            let name = before
                .rsplit(": ")
                .nth(1)
                .and_then(|t| t.rsplit([' ', '(']).next())
                .unwrap_or("");
            if let Some(action) = live_model::Action::from_name(name) {
                let n = before.rsplit(' ').next().unwrap_or("");
                assert_eq!(n, action.rate_limit_per_sec().to_string(), "{name}");
            }
        }
    }
}
