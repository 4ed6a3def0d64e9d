//! The crate's error: an error answer from the service, an unexpected response, a result that
//! does not decode, invalid input, or an unreadable time.

use std::fmt;

use crate::sanitize::{sanitize, MAX_FIELD_CHARS, MAX_MESSAGE_CHARS};
use crate::ErrorCode;

/// Everything that can go wrong between a request and its typed result.
///
/// ```
/// use live_model::{decode, Error, GetPullRecordTaskResult};
///
/// let body = br#"{"ResponseMetadata":{"RequestId":"2023abc","Action":"GetPullRecordTask","Version":"2023-01-01","Service":"live","Region":"cn-north-1","Error":{"Code":"ResourceNotFound","Message":"task not found"}}}"#;
/// let err = decode::<GetPullRecordTaskResult>(404, body).unwrap_err();
/// assert_eq!(err.to_string(), "ResourceNotFound: task not found (request id 2023abc, HTTP 404)");
/// assert_eq!(err.request_id(), Some("2023abc"));
/// assert_eq!(err.http_status(), Some(404));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error (`ResponseMetadata.Error`).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The response is not a Volcengine envelope (an HTML page from a gateway, an empty or
    /// truncated body, an oversized body).
    #[error(transparent)]
    UnexpectedResponse(#[from] UnexpectedResponse),
    /// The envelope is fine but its `Result` does not have the expected shape.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The request was refused before sending: a field breaks a documented rule.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A task's time is empty or not RFC 3339.
    #[error(transparent)]
    Time(#[from] TimeError),
}

impl Error {
    /// The service's error code, for [`Error::Api`].
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The request id, when the response carried one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(&e.request_id),
            Error::UnexpectedResponse(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of the response, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.http_status),
            Error::UnexpectedResponse(e) => Some(e.http_status),
            Error::Decode(e) => Some(e.http_status),
            _ => None,
        }
    }

    /// Whether retrying the same request may succeed: retryable and throttling codes, and
    /// unexpected responses with HTTP 429, 500, 502, 503 or 504.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::UnexpectedResponse(e) => matches!(e.http_status, 429 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }

    /// Whether the service is throttling the caller.
    pub fn is_throttling(&self) -> bool {
        match self {
            Error::Api(e) => e.code.is_throttling() || e.http_status == 429,
            Error::UnexpectedResponse(e) => e.http_status == 429,
            _ => false,
        }
    }
}

/// An error answer from the service: `ResponseMetadata.Error` with its request id and the
/// HTTP status (which may be 200, e.g. `CommonErr`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The error code.
    pub code: ErrorCode,
    /// The numeric code, when the service sent one (only some APIs do).
    pub code_n: Option<i64>,
    /// The service's message (may be empty).
    pub message: String,
    /// The request id, for support.
    pub request_id: String,
    /// The HTTP status.
    pub http_status: u16,
}

impl ApiError {
    /// An error answer.
    pub fn new(
        code: ErrorCode,
        code_n: Option<i64>,
        message: impl Into<String>,
        request_id: impl Into<String>,
        http_status: u16,
    ) -> Self {
        Self {
            code,
            code_n,
            message: message.into(),
            request_id: request_id.into(),
            http_status,
        }
    }

    /// Whether the code (or, for unknown codes, the status) says a retry may succeed.
    pub fn is_retryable(&self) -> bool {
        match self.code.retry_class() {
            crate::RetryClass::Unknown => matches!(self.http_status, 429 | 500 | 502 | 503 | 504),
            _ => self.code.is_retryable(),
        }
    }
}

impl fmt::Display for ApiError {
    /// `Code: message (request id …, HTTP n)`, every server text through [`sanitize`]: control
    /// and bidi characters escaped, the message capped at [`MAX_MESSAGE_CHARS`], the code and
    /// request id at [`MAX_FIELD_CHARS`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code.to_string();
        let message = if self.message.is_empty() {
            "(no message)".into()
        } else {
            sanitize(&self.message, MAX_MESSAGE_CHARS)
        };
        write!(
            f,
            "{}: {message} (request id ",
            sanitize(&code, MAX_FIELD_CHARS)
        )?;
        if self.request_id.is_empty() {
            f.write_str("none")?;
        } else {
            f.write_str(&sanitize(&self.request_id, MAX_FIELD_CHARS))?;
        }
        write!(f, ", HTTP {})", self.http_status)
    }
}

impl std::error::Error for ApiError {}

/// A response that is not a Volcengine envelope, with a short, sanitized start of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The HTTP status.
    pub http_status: u16,
    /// The request id, if one could be read.
    pub request_id: Option<String>,
    /// What was wrong with it.
    pub reason: String,
    /// At most 160 characters of the body, control characters replaced by spaces.
    pub snippet: String,
}

impl fmt::Display for UnexpectedResponse {
    /// Reason, request id and snippet go through [`sanitize`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unexpected response (HTTP {}): {}",
            self.http_status,
            sanitize(&self.reason, MAX_MESSAGE_CHARS)
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", sanitize(id, MAX_FIELD_CHARS))?;
        }
        if !self.snippet.is_empty() {
            write!(
                f,
                "; body starts \"{}\"",
                sanitize(&self.snippet, MAX_MESSAGE_CHARS)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for UnexpectedResponse {}

/// An envelope whose `Result` does not decode into the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The action whose result it is, as in `?Action=`; empty when the decoder was not told
    /// (see [`decode`](crate::decode) and [`decode_for`](crate::decode_for)).
    pub action: &'static str,
    /// What is wrong, naming the field (e.g. ``missing field `TaskId` ``).
    pub message: String,
    /// The request id.
    pub request_id: Option<String>,
    /// The HTTP status.
    pub http_status: u16,
}

impl fmt::Display for DecodeError {
    /// The message (which may quote the server's values) and request id go through
    /// [`sanitize`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot decode the ")?;
        if !self.action.is_empty() {
            write!(f, "{} ", self.action)?;
        }
        write!(
            f,
            "result: {} (",
            sanitize(&self.message, MAX_MESSAGE_CHARS)
        )?;
        if let Some(id) = &self.request_id {
            write!(f, "request id {}, ", sanitize(id, MAX_FIELD_CHARS))?;
        }
        write!(f, "HTTP {})", self.http_status)
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    /// A result of `action` that decoded but cannot be used, e.g. a task whose times do not
    /// read when its files are looked for. `message` names the field and may quote the
    /// server's value: [`Display`](fmt::Display) sanitizes and caps it, as for every
    /// `DecodeError`.
    pub fn new(
        action: &'static str,
        message: impl Into<String>,
        request_id: Option<String>,
        http_status: u16,
    ) -> Self {
        Self {
            action,
            message: message.into(),
            request_id,
            http_status,
        }
    }
}

/// A request field that breaks a documented rule; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {rule}")]
#[non_exhaustive]
pub struct ValidationError {
    /// The field's name on the wire, e.g. `StreamURL`.
    pub field: &'static str,
    /// The rule it breaks.
    pub rule: String,
}

impl ValidationError {
    /// A rule broken by a field.
    pub fn new(field: &'static str, rule: impl Into<String>) -> Self {
        Self {
            field,
            rule: rule.into(),
        }
    }
}

/// A time field that is empty or not RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {value:?} is {reason}")]
#[non_exhaustive]
pub struct TimeError {
    /// The field's name on the wire, e.g. `StartTime`.
    pub field: &'static str,
    /// The text received (at most 64 characters of it).
    pub value: String,
    /// `empty` or `not an RFC 3339 time`.
    pub reason: &'static str,
}

/// At most `max` characters of `text`, control characters replaced by spaces.
pub(crate) fn snippet(text: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&text[..text.len().min(max * 4)])
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
