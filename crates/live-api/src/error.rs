//! The client's one error type.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use live_model::{ApiError, DecodeError, ErrorCode, UnexpectedResponse, ValidationError};
use live_transport::TransportError;

use crate::credentials::CredentialsError;

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutScope {
    /// One attempt took longer than the per-attempt timeout.
    Attempt,
    /// The whole operation, retries included, took longer than the operation timeout (or its
    /// pacing could not give a permit in time: [`ErrorKind::RateLimited`]).
    Operation,
    /// A wait for a task's status ran past its maximum ([`ErrorKind::WaitTimeout`]).
    Wait,
}

/// Why a listing refused the server's pages (see [`ErrorKind::Pagination`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaginationProblem {
    /// The server answered the page it had answered before: its pages do not advance.
    Repeated {
        /// The `PageCur` it answered.
        answered: u32,
    },
    /// The server answered another page than the one asked.
    WrongPage {
        /// The `PageCur` it answered.
        answered: u32,
    },
    /// The server claims more pages than the listing may fetch
    /// ([`Request::max_pages`](live_model::Request::max_pages)).
    TooManyPages {
        /// The cap.
        max_pages: u32,
    },
}

/// What went wrong.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service answered with an error: code, `CodeN`, message, request id, HTTP status.
    Service(ApiError),
    /// The request could not be exchanged (connect, TLS, I/O, response too large).
    Transport(TransportError),
    /// A time limit ran out.
    Timeout {
        /// Which limit.
        scope: TimeoutScope,
        /// Its length.
        after: Duration,
    },
    /// The answer is not a Volcengine envelope (an HTML page, empty or truncated body).
    UnexpectedResponse(UnexpectedResponse),
    /// The envelope's `Result` has an unexpected shape.
    Decode(DecodeError),
    /// The input breaks a documented rule; nothing was sent.
    InvalidInput(ValidationError),
    /// No usable credentials.
    Credentials(CredentialsError),
    /// The client's settings are unusable, or the request could not be signed.
    Config(String),
    /// The client cannot run where it was called (no Tokio runtime, or what a custom
    /// [`crate::env::Environment::check_timers`] refuses); nothing was sent.
    Runtime(String),
    /// The client's own pacing ([`crate::pacing`]) has no permit for this action before the
    /// operation's deadline: nothing was sent. [`LiveError::is_timeout`] is `true`.
    RateLimited {
        /// The action.
        action: Cow<'static, str>,
        /// How long until the next permit.
        next_in: Duration,
        /// The time the operation had left.
        left: Duration,
    },
    /// A task did not reach the awaited status within the waiter's maximum
    /// ([`crate::wait::WaitForPullRecordTask::max_wait`]). [`LiveError::is_timeout`] is `true`.
    WaitTimeout {
        /// The task.
        task_id: String,
        /// The last status seen, if any poll succeeded.
        last_status: Option<live_model::TaskStatus>,
        /// How long it waited.
        waited: Duration,
    },
    /// A wait cannot succeed any more: the task reached a final status (stopped or finished)
    /// that is not the one awaited, e.g. a task stopped while waiting for `finished`
    /// ([`crate::wait::WaitForPullRecordTask::until`]).
    WaitUnreachable {
        /// The task.
        task_id: String,
        /// The final status it is in.
        status: live_model::TaskStatus,
        /// What was awaited.
        until: crate::wait::until::WaitUntil,
    },
    /// A listing stopped because the server's pages cannot be trusted: they do not advance,
    /// are not the page asked, or never end. Displayed as `page N: …`.
    Pagination {
        /// The page being asked (or that would have been asked) when the listing stopped.
        page: u32,
        /// What was wrong.
        problem: PaginationProblem,
    },
}

/// The error of every `LiveClient` operation.
///
/// It says what happened and carries what support needs (code, request id, HTTP status) and
/// how many attempts were made; it never holds a secret.
///
/// ```
/// use live_api::{ErrorKind, LiveError};
/// use live_model::{ApiError, ErrorCode};
///
/// let e = LiveError::from(ErrorKind::Service(ApiError::new(
///     ErrorCode::ResourceNotFound, None, "task not found", "20240520080910ABC", 404,
/// )));
/// assert_eq!(e.to_string(), "ResourceNotFound: task not found (request id 20240520080910ABC, HTTP 404)");
/// assert_eq!(e.request_id(), Some("20240520080910ABC"));
/// assert_eq!(e.code(), Some(&ErrorCode::ResourceNotFound));
/// assert!(!e.is_retryable());
/// ```
#[derive(Debug)]
pub struct LiveError {
    kind: ErrorKind,
    attempts: u32,
    may_have_been_applied: bool,
    action: Option<Box<str>>,
}

impl LiveError {
    /// For [`ErrorKind::Pagination`], the page at which the listing stopped.
    pub fn page(&self) -> Option<u32> {
        match &self.kind {
            ErrorKind::Pagination { page, .. } => Some(*page),
            _ => None,
        }
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// Marks the error of `action` whose request may have taken effect.
    pub(crate) fn applied_unknown(mut self, action: &str, unknown: bool) -> Self {
        self.may_have_been_applied = unknown;
        self.action = Some(action.into());
        self
    }

    /// Whether a request that changes something (a create, a stop) may have reached the
    /// service and taken effect although no answer says so: the connection was lost after the
    /// request was written, an attempt ran out of time, or a 5xx came back. Check the state
    /// before sending it again (list the stream's tasks after a create; get the task after a
    /// stop). Always `false` for reads, and for errors that prove nothing happened (the input
    /// was refused, no connection was made, the service throttled the call).
    ///
    /// The client has already checked what it could: a stop whose answer was lost is followed
    /// by GetPullRecordTask, and succeeds when the task is stopped.
    pub fn may_have_been_applied(&self) -> bool {
        self.may_have_been_applied
    }

    /// Which time limit ran out, when the client's did.
    pub fn timeout_scope(&self) -> Option<TimeoutScope> {
        match &self.kind {
            ErrorKind::Timeout { scope, .. } => Some(*scope),
            ErrorKind::RateLimited { .. } => Some(TimeoutScope::Operation),
            ErrorKind::WaitTimeout { .. } => Some(TimeoutScope::Wait),
            _ => None,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Consumes the error, returning what went wrong.
    pub fn into_kind(self) -> ErrorKind {
        self.kind
    }

    /// How many attempts were made (0 when none was: invalid input, credentials).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The service's error code.
    pub fn code(&self) -> Option<&ErrorCode> {
        match &self.kind {
            ErrorKind::Service(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The request id, when a response carried one.
    pub fn request_id(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Service(e) => Some(&e.request_id),
            ErrorKind::UnexpectedResponse(e) => e.request_id.as_deref(),
            ErrorKind::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when there was a response.
    pub fn http_status(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Service(e) => Some(e.http_status),
            ErrorKind::UnexpectedResponse(e) => Some(e.http_status),
            ErrorKind::Decode(e) => Some(e.http_status),
            _ => None,
        }
    }

    /// Whether the same call may succeed later: transient service codes, throttling, HTTP
    /// 429/500/502/503/504, connection failures and attempt timeouts; not an untrusted
    /// certificate. Whether the client sends it again also depends on the operation: see
    /// [`crate::retry::StandardRetry`] and [`crate::retry::FailureClass`].
    pub fn is_retryable(&self) -> bool {
        FailureClass::of(self) != FailureClass::Permanent
    }

    /// Whether the service is throttling the caller.
    pub fn is_throttling(&self) -> bool {
        match &self.kind {
            ErrorKind::Service(e) => e.code.is_throttling() || e.http_status == 429,
            ErrorKind::UnexpectedResponse(e) => e.http_status == 429,
            _ => false,
        }
    }

    /// Whether a time limit ran out (the client's, or the transport's).
    pub fn is_timeout(&self) -> bool {
        match &self.kind {
            ErrorKind::Timeout { .. }
            | ErrorKind::RateLimited { .. }
            | ErrorKind::WaitTimeout { .. } => true,
            ErrorKind::Transport(e) => e.is_timeout(),
            _ => false,
        }
    }

    /// Whether the service answered with an error.
    pub fn is_service(&self) -> bool {
        matches!(self.kind, ErrorKind::Service(_))
    }

    /// Whether the input was refused before sending.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self.kind, ErrorKind::InvalidInput(_))
    }

    /// Whether credentials were missing or unusable.
    pub fn is_credentials(&self) -> bool {
        matches!(self.kind, ErrorKind::Credentials(_))
    }

    /// Whether the client cannot run where it was called (no Tokio runtime); see
    /// [`ErrorKind::Runtime`].
    pub fn is_runtime(&self) -> bool {
        matches!(self.kind, ErrorKind::Runtime(_))
    }
}

impl From<ErrorKind> for LiveError {
    fn from(kind: ErrorKind) -> Self {
        Self {
            kind,
            attempts: 0,
            may_have_been_applied: false,
            action: None,
        }
    }
}

impl From<live_model::Error> for LiveError {
    fn from(e: live_model::Error) -> Self {
        let kind = match e {
            live_model::Error::Api(e) => ErrorKind::Service(e),
            live_model::Error::UnexpectedResponse(e) => ErrorKind::UnexpectedResponse(e),
            live_model::Error::Decode(e) => ErrorKind::Decode(e),
            live_model::Error::Validation(e) => ErrorKind::InvalidInput(e),
            other => ErrorKind::Config(other.to_string()),
        };
        kind.into()
    }
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Service(e) => write!(f, "{e}")?,
            ErrorKind::Transport(e) => write!(f, "{e}")?,
            ErrorKind::Timeout {
                scope: TimeoutScope::Attempt,
                after,
            } => write!(f, "timeout: no answer within {after:?} (per-attempt limit)")?,
            ErrorKind::Timeout {
                scope: TimeoutScope::Operation,
                after,
            } => write!(f, "timeout: the operation did not finish within {after:?}")?,
            ErrorKind::Timeout {
                scope: TimeoutScope::Wait,
                after,
            } => write!(f, "timeout: the awaited status did not come within {after:?}")?,
            ErrorKind::RateLimited {
                action,
                next_in,
                left,
            } => write!(
                f,
                "{action}: the client's pacing has no permit for {next_in:?} but the operation has {left:?} left; nothing was sent (send fewer calls at once, or raise the operation timeout)"
            )?,
            ErrorKind::WaitTimeout {
                task_id,
                last_status,
                waited,
            } => {
                write!(f, "timeout: task {task_id} ")?;
                match last_status {
                    Some(s) => write!(f, "was still {} ({})", s.name(), shown_status(s))?,
                    None => write!(f, "could not be read")?,
                }
                write!(f, " after waiting {waited:?}")?;
            }
            ErrorKind::WaitUnreachable {
                task_id,
                status,
                until,
            } => write!(
                f,
                "task {task_id} is {} ({}), a final status: it can no longer be {until}; the wait ended",
                status.name(),
                shown_status(status)
            )?,
            ErrorKind::UnexpectedResponse(e) => write!(f, "{e}")?,
            ErrorKind::Decode(e) => write!(f, "{e}")?,
            ErrorKind::InvalidInput(e) => write!(f, "{e} (nothing was sent)")?,
            ErrorKind::Credentials(e) => write!(f, "{e}")?,
            ErrorKind::Config(m) => write!(f, "invalid client settings: {m}")?,
            ErrorKind::Runtime(m) => {
                write!(f, "cannot run the client here: {m} (nothing was sent)")?
            }
            ErrorKind::Pagination { page, problem } => {
                write!(f, "page {page}: ")?;
                match problem {
                    PaginationProblem::Repeated { answered } => write!(
                        f,
                        "the server answered page {answered} again (its pages do not advance); listing stopped"
                    )?,
                    PaginationProblem::WrongPage { answered } => write!(
                        f,
                        "the server answered page {answered} instead (PageCur); listing stopped"
                    )?,
                    PaginationProblem::TooManyPages { max_pages } => write!(
                        f,
                        "the server claims more pages than the cap of {max_pages} (max_pages); listing stopped before asking for it"
                    )?,
                }
            }
        }
        if self.attempts > 1 {
            write!(f, "; gave up after {} attempts", self.attempts)?;
        }
        if self.may_have_been_applied {
            let action = self.action.as_deref().unwrap_or("the request");
            let check = match live_model::Action::from_name(action) {
                Some(live_model::Action::CreatePullRecordTask) => {
                    "list the stream's tasks (ListPullRecordTask) before creating it again"
                }
                Some(live_model::Action::StopPullRecordTask) => {
                    "get the task (GetPullRecordTask): it is stopped if the stop took effect"
                }
                _ => "check the resource's state before sending it again",
            };
            write!(
                f,
                "; {action} may have reached the service and taken effect although no answer says so: {check}"
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for LiveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Service(e) => Some(e),
            ErrorKind::Transport(e) => Some(e),
            ErrorKind::UnexpectedResponse(e) => Some(e),
            ErrorKind::Decode(e) => Some(e),
            ErrorKind::InvalidInput(e) => Some(e),
            ErrorKind::Credentials(e) => Some(e),
            _ => None,
        }
    }
}

/// A status's text as the server sent it, made safe for one line of a terminal (an unknown
/// status is foreign text).
fn shown_status(s: &live_model::TaskStatus) -> std::borrow::Cow<'_, str> {
    live_model::sanitize::sanitize(s.text(), live_model::sanitize::MAX_FIELD_CHARS)
}

/// How a failure bears on sending the request again.
///
/// ```
/// use live_api::{ErrorKind, LiveError};
/// use live_api::retry::FailureClass;
/// use live_transport::{ErrorKind as TransportKind, TransportError};
///
/// let refused = LiveError::from(ErrorKind::Transport(TransportError::new(TransportKind::Connect, "refused")));
/// assert_eq!(FailureClass::of(&refused), FailureClass::NotSent);
/// let reset = LiveError::from(ErrorKind::Transport(TransportError::new(TransportKind::Io, "reset")));
/// assert_eq!(FailureClass::of(&reset), FailureClass::Transient);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureClass {
    /// The request certainly did not take effect: it never reached the service (no
    /// connection, a pooled connection found closed before writing), or the service refused
    /// it before acting (throttling). Safe to send again, whatever the operation.
    NotSent,
    /// Transient, and the request may have reached the service: a connection lost during the
    /// exchange, an attempt that ran out of time, a 5xx, `CommonErr`, `InternalError`, a
    /// success status whose body was cut off.
    /// Safe to send again only when the operation is idempotent.
    Transient,
    /// Sending the same request again cannot help: the input, the credentials, the
    /// signature, a permission, an untrusted certificate, a proxy that refused (407, a
    /// refused tunnel), an answer too large or of an unexpected shape.
    Permanent,
}

impl FailureClass {
    /// The class of `error`.
    pub fn of(error: &LiveError) -> FailureClass {
        match error.kind() {
            ErrorKind::Transport(t) => {
                if t.is_tls()
                    || t.is_proxy_refusal()
                    || t.is_invalid_request()
                    || t.is_response_too_large()
                {
                    FailureClass::Permanent
                } else if !t.may_have_reached_server() {
                    FailureClass::NotSent
                } else {
                    FailureClass::Transient
                }
            }
            ErrorKind::Timeout {
                scope: TimeoutScope::Attempt,
                ..
            } => FailureClass::Transient,
            ErrorKind::Service(_) | ErrorKind::UnexpectedResponse(_) if error.is_throttling() => {
                FailureClass::NotSent
            }
            ErrorKind::Service(e) if e.is_retryable() => FailureClass::Transient,
            // A 2xx whose body is cut or unreadable: the answer was lost on the way.
            ErrorKind::UnexpectedResponse(e)
                if matches!(e.http_status, 500 | 502 | 503 | 504 | 200..=299) =>
            {
                FailureClass::Transient
            }
            _ => FailureClass::Permanent,
        }
    }

    /// Whether `error` leaves it unknown if a request that reached the service took effect:
    /// a transient failure after sending, or a success status whose answer could not be read.
    pub(crate) fn outcome_unknown(error: &LiveError) -> bool {
        match error.kind() {
            ErrorKind::Decode(d) => (200..300).contains(&d.http_status),
            ErrorKind::UnexpectedResponse(u) if (200..300).contains(&u.http_status) => true,
            _ => FailureClass::of(error) == FailureClass::Transient,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use live_model::TaskStatus;

    #[test]
    fn a_status_from_the_server_is_shown_safely() {
        let hostile = TaskStatus::Unknown("\u{1b}[31mEVIL\u{202e}\nnext".to_owned());
        for kind in [
            ErrorKind::WaitTimeout {
                task_id: "t".to_owned(),
                last_status: Some(hostile.clone()),
                waited: Duration::from_secs(1),
            },
            ErrorKind::WaitUnreachable {
                task_id: "t".to_owned(),
                status: hostile.clone(),
                until: crate::wait::until::WaitUntil::Finished,
            },
        ] {
            let shown = LiveError::from(kind).to_string();
            assert!(shown.contains("EVIL"), "{shown}");
            assert!(!shown.contains(['\u{1b}', '\u{202e}', '\n']), "{shown:?}");
        }
    }
}
