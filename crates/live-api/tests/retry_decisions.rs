//! The retry decision as a table, without a network: every failure kind × every idempotency ×
//! the first and the last attempt, through `StandardRetry::default()` and a
//! `ManualEnvironment` (jitter = the ceiling).

use std::time::{Duration, UNIX_EPOCH};

use live_api::credentials::CredentialsError;
use live_api::env::ManualEnvironment;
use live_api::error::TimeoutScope;
use live_api::retry::{FailureClass, RetryContext, RetryDecision, RetryPolicy, StandardRetry};
use live_api::{ErrorKind, LiveError};
use live_model::{ApiError, ErrorCode, Idempotency, ValidationError};
use live_transport::{ErrorKind as TransportKind, TimeoutPhase, TransportError};

fn env() -> ManualEnvironment {
    ManualEnvironment::new(UNIX_EPOCH + Duration::from_secs(1_716_192_550))
}

fn transport(e: TransportError) -> LiveError {
    LiveError::from(ErrorKind::Transport(e))
}

fn service(code: &str, status: u16) -> LiveError {
    LiveError::from(ErrorKind::Service(ApiError::new(
        ErrorCode::from_text(code),
        None,
        "m",
        "r-1",
        status,
    )))
}

/// An error decoded from a real answer (the only way to make `UnexpectedResponse` and
/// `Decode`, whose structs are not constructible here).
fn decoded<T: serde::de::DeserializeOwned + std::fmt::Debug>(status: u16, body: &str) -> LiveError {
    LiveError::from(live_model::decode::<T>(status, body.as_bytes()).unwrap_err())
}

type Make = fn() -> LiveError;

/// `R` retry after a delay, `G` give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum D {
    R,
    G,
}

struct Row {
    name: &'static str,
    make: Make,
    class: FailureClass,
    /// At attempt 1 of 3, for Read, ByOutcome, NotIdempotent.
    first: [D; 3],
}

use FailureClass::{NotSent, Permanent, Transient};
use D::{G, R};

const IDEMS: [Idempotency; 3] = [
    Idempotency::Read,
    Idempotency::ByOutcome,
    Idempotency::NotIdempotent,
];

const TABLE: &[Row] = &[
    Row {
        name: "transport Connect (refused)",
        make: || transport(TransportError::new(TransportKind::Connect, "refused")),
        class: NotSent,
        first: [R, R, R],
    },
    Row {
        name: "transport Connect + TLS (untrusted certificate)",
        make: || transport(TransportError::new(TransportKind::Connect, "bad cert").with_tls()),
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "transport Connect, a proxy that refused (407, refused tunnel)",
        make: || {
            transport(
                TransportError::new(TransportKind::Connect, "the proxy requires authentication")
                    .with_proxy_refusal(),
            )
        },
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "transport Connect, a proxy that cannot be reached",
        make: || {
            transport(
                TransportError::new(TransportKind::Connect, "the proxy cannot be reached")
                    .with_proxy(),
            )
        },
        class: NotSent,
        first: [R, R, R],
    },
    Row {
        name: "transport Io, reached the server",
        make: || transport(TransportError::new(TransportKind::Io, "reset")),
        class: Transient,
        first: [R, R, G],
    },
    Row {
        name: "transport Io, not reached",
        make: || {
            transport(TransportError::new(TransportKind::Io, "reset").with_reached_server(false))
        },
        class: NotSent,
        first: [R, R, R],
    },
    Row {
        name: "transport Io on a stale pooled connection",
        make: || {
            transport(TransportError::new(TransportKind::Io, "closed").with_stale_connection())
        },
        class: NotSent,
        first: [R, R, R],
    },
    Row {
        name: "transport exchange timeout",
        make: || transport(TransportError::timeout(TimeoutPhase::Exchange, "slow")),
        class: Transient,
        first: [R, R, G],
    },
    Row {
        name: "transport connect timeout",
        make: || transport(TransportError::timeout(TimeoutPhase::Connect, "slow")),
        class: NotSent,
        first: [R, R, R],
    },
    Row {
        name: "transport response too large",
        make: || transport(TransportError::new(TransportKind::ResponseTooLarge, "big")),
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "transport invalid request",
        make: || {
            transport(TransportError::new(
                TransportKind::InvalidRequest,
                "no host",
            ))
        },
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "client Timeout{Attempt}",
        make: || {
            LiveError::from(ErrorKind::Timeout {
                scope: TimeoutScope::Attempt,
                after: Duration::from_millis(200),
            })
        },
        class: Transient,
        first: [R, R, G],
    },
    Row {
        name: "client Timeout{Operation}",
        make: || {
            LiveError::from(ErrorKind::Timeout {
                scope: TimeoutScope::Operation,
                after: Duration::from_secs(30),
            })
        },
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "Service InvalidParam/400",
        make: || service("InvalidParam", 400),
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "Service SignatureDoesNotMatch/401",
        make: || service("SignatureDoesNotMatch", 401),
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "Service InternalError/500",
        make: || service("InternalError", 500),
        class: Transient,
        first: [R, R, G],
    },
    Row {
        name: "Service CommonErr/200",
        make: || service("CommonErr", 200),
        class: Transient,
        first: [R, R, G],
    },
    Row {
        name: "Service FlowLimitExceeded/429",
        make: || service("FlowLimitExceeded", 429),
        class: NotSent,
        first: [R, R, R],
    },
    Row {
        name: "Service unknown code/503",
        make: || service("SomethingNew", 503),
        class: Transient,
        first: [R, R, G],
    },
    Row {
        name: "Service unknown code/400",
        make: || service("SomethingNew", 400),
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "UnexpectedResponse 502 (HTML page)",
        make: || {
            decoded::<live_model::GetPullRecordTaskResult>(502, "<html>502 Bad Gateway</html>")
        },
        class: Transient,
        first: [R, R, G],
    },
    Row {
        name: "UnexpectedResponse 429 (HTML page)",
        make: || decoded::<live_model::GetPullRecordTaskResult>(429, "<html>slow down</html>"),
        class: NotSent,
        first: [R, R, R],
    },
    Row {
        name: "UnexpectedResponse 404 (HTML page)",
        make: || decoded::<live_model::GetPullRecordTaskResult>(404, "<html>not found</html>"),
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "Decode (200, Result of the wrong shape)",
        make: || {
            decoded::<live_model::GetPullRecordTaskResult>(
                200,
                r#"{"ResponseMetadata":{"RequestId":"r"},"Result":{"TaskId":7}}"#,
            )
        },
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "InvalidInput",
        make: || {
            LiveError::from(ErrorKind::InvalidInput(ValidationError::new(
                "TaskId", "required",
            )))
        },
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "Credentials",
        make: || {
            LiveError::from(ErrorKind::Credentials(CredentialsError::NotConfigured {
                looked_at: vec!["the environment".into()],
            }))
        },
        class: Permanent,
        first: [G, G, G],
    },
    Row {
        name: "Config",
        make: || LiveError::from(ErrorKind::Config("bad".into())),
        class: Permanent,
        first: [G, G, G],
    },
];

fn decide(err: &LiveError, attempt: u32, idem: Idempotency) -> RetryDecision {
    let env = env();
    let ctx = RetryContext::new(err, attempt, idem, &env)
        .with_times(Duration::from_millis(10), Duration::from_secs(30));
    StandardRetry::default().decide(&ctx)
}

#[test]
fn the_decision_table() {
    let mut failures = Vec::new();
    for row in TABLE {
        let err = (row.make)();
        for (i, idem) in IDEMS.into_iter().enumerate() {
            for attempt in [1, 3] {
                let expected = if attempt == 3 { G } else { row.first[i] };
                let got = decide(&err, attempt, idem);
                let got_d = match got {
                    RetryDecision::RetryAfter(_) => R,
                    _ => G,
                };
                if got_d != expected {
                    failures.push(format!(
                        "row {:?} ({err}), {idem:?}, attempt {attempt} of 3: expected {expected:?}, got {got:?}",
                        row.name
                    ));
                }
                if let RetryDecision::RetryAfter(d) = got {
                    // Jitter is the ceiling; first retry's ceiling is 100 ms.
                    if d != Duration::from_millis(100) {
                        failures.push(format!(
                            "row {:?}, {idem:?}: delay {d:?}, expected the 100 ms ceiling",
                            row.name
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn failure_class_of_each_row() {
    let mut failures = Vec::new();
    for row in TABLE {
        let err = (row.make)();
        let class = FailureClass::of(&err);
        if class != row.class {
            failures.push(format!(
                "row {:?} ({err}): FailureClass::of = {class:?}, expected {:?}",
                row.name, row.class
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn is_retryable_agrees_with_failure_class() {
    for row in TABLE {
        let err = (row.make)();
        assert_eq!(
            err.is_retryable(),
            FailureClass::of(&err) != Permanent,
            "row {:?} ({err}): is_retryable disagrees with FailureClass::of",
            row.name
        );
    }
}

#[test]
fn delay_is_the_backoff_ceiling() {
    let err = service("InternalError", 500);
    let policy = StandardRetry::default().max_attempts(5);
    let env = env();
    let delays: Vec<_> = (1..=4)
        .map(|attempt| {
            policy.decide(
                &RetryContext::new(&err, attempt, Idempotency::Read, &env)
                    .with_times(Duration::ZERO, Duration::from_secs(30)),
            )
        })
        .collect();
    assert_eq!(
        delays,
        [100, 200, 400, 800].map(|ms| RetryDecision::RetryAfter(Duration::from_millis(ms)))
    );
    // Default: 3 attempts, so the delays are 100 ms then 200 ms, then it gives up.
    assert_eq!(
        decide(&err, 2, Idempotency::Read),
        RetryDecision::RetryAfter(Duration::from_millis(200))
    );
    assert_eq!(decide(&err, 3, Idempotency::Read), RetryDecision::GiveUp);
    // The cap on each wait.
    let capped = StandardRetry::default()
        .max_attempts(20)
        .max_backoff(Duration::from_millis(300));
    assert_eq!(
        capped.decide(&RetryContext::new(&err, 10, Idempotency::Read, &env)),
        RetryDecision::RetryAfter(Duration::from_millis(300))
    );
}

#[test]
fn jitter_draws_below_the_ceiling() {
    let err = service("InternalError", 500);
    let env = env().with_jitter(std::sync::Arc::new(|c| c / 4));
    let ctx = RetryContext::new(&err, 2, Idempotency::Read, &env);
    assert_eq!(
        StandardRetry::default().decide(&ctx),
        RetryDecision::RetryAfter(Duration::from_millis(50))
    );
}

#[test]
fn retry_after_is_honoured_and_a_long_one_gives_up() {
    let err = service("FlowLimitExceeded", 429);
    let env = env();
    let with = |ra: u64, jitter_env: &ManualEnvironment| {
        StandardRetry::default().decide(
            &RetryContext::new(&err, 1, Idempotency::NotIdempotent, jitter_env)
                .with_times(Duration::ZERO, Duration::from_secs(30))
                .with_retry_after(Some(Duration::from_millis(ra))),
        )
    };
    // The wait is max(jitter, Retry-After).
    assert_eq!(
        with(3_000, &env),
        RetryDecision::RetryAfter(Duration::from_secs(3))
    );
    assert_eq!(
        with(50, &env),
        RetryDecision::RetryAfter(Duration::from_millis(100)),
        "a Retry-After shorter than the jitter: the jitter"
    );
    let zero_jitter = self::env().with_jitter(std::sync::Arc::new(|_| Duration::ZERO));
    assert_eq!(
        with(1_000, &zero_jitter),
        RetryDecision::RetryAfter(Duration::from_secs(1))
    );
    assert_eq!(
        with(20_000, &env),
        RetryDecision::RetryAfter(Duration::from_secs(20)),
        "20 s is still honoured"
    );
    assert_eq!(
        with(20_001, &env),
        RetryDecision::GiveUp,
        "over 20 s is not waited for"
    );
}

#[test]
fn a_delay_past_the_deadline_gives_up() {
    let err = service("InternalError", 500);
    let env = env();
    let at = |remaining: Duration| {
        StandardRetry::default().decide(
            &RetryContext::new(&err, 1, Idempotency::Read, &env)
                .with_times(Duration::from_secs(29), remaining),
        )
    };
    assert_eq!(
        at(Duration::from_millis(101)),
        RetryDecision::RetryAfter(Duration::from_millis(100))
    );
    assert_eq!(at(Duration::from_millis(100)), RetryDecision::GiveUp);
    assert_eq!(at(Duration::from_millis(50)), RetryDecision::GiveUp);
    // A Retry-After past the deadline, too.
    let throttled = service("FlowLimitExceeded", 429);
    let ctx = RetryContext::new(&throttled, 1, Idempotency::Read, &env)
        .with_times(Duration::ZERO, Duration::from_secs(2))
        .with_retry_after(Some(Duration::from_secs(3)));
    assert_eq!(StandardRetry::default().decide(&ctx), RetryDecision::GiveUp);
}

#[test]
fn tls_is_never_retried() {
    let policy = StandardRetry::default().max_attempts(10);
    let env = env();
    for err in [
        transport(TransportError::new(TransportKind::Connect, "bad cert").with_tls()),
        transport(
            TransportError::new(TransportKind::Connect, "bad cert")
                .with_tls()
                .with_reached_server(false),
        ),
    ] {
        assert!(!err.is_retryable());
        for idem in IDEMS {
            for attempt in 1..10 {
                assert_eq!(
                    policy.decide(&RetryContext::new(&err, attempt, idem, &env)),
                    RetryDecision::GiveUp,
                    "{err}, {idem:?}, attempt {attempt}"
                );
            }
        }
    }
}

#[test]
fn none_never_retries() {
    let env = env();
    for row in TABLE {
        let err = (row.make)();
        for idem in IDEMS {
            assert_eq!(
                StandardRetry::none().decide(&RetryContext::new(&err, 1, idem, &env)),
                RetryDecision::GiveUp,
                "row {:?}",
                row.name
            );
        }
    }
}
