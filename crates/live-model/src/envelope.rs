//! The common response envelope and the one entry point that decodes it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use crate::error::snippet;
use crate::{ApiError, DecodeError, Error, ErrorCode, UnexpectedResponse};

/// The largest response body decoded; a larger one is an [`UnexpectedResponse`].
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// `ResponseMetadata`: who answered, and the error if there was one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponseMetadata {
    /// The request id (some actions spell the key `RequestID`; both are read).
    #[serde(rename = "RequestId", alias = "RequestID", default)]
    pub request_id: String,
    /// The action, e.g. `GetPullRecordTask`.
    #[serde(rename = "Action", default)]
    pub action: String,
    /// The API version, e.g. `2023-01-01`.
    #[serde(rename = "Version", default)]
    pub version: String,
    /// The service, `live`.
    #[serde(rename = "Service", default)]
    pub service: String,
    /// The region, e.g. `cn-north-1`.
    #[serde(rename = "Region", default)]
    pub region: String,
    /// The error, on failure.
    #[serde(rename = "Error", default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl ResponseMetadata {
    /// Metadata for an answer to `action`.
    pub fn new(request_id: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            action: action.into(),
            version: crate::API_VERSION.to_owned(),
            service: "live".to_owned(),
            region: "cn-north-1".to_owned(),
            error: None,
        }
    }

    /// Sets the region.
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets the error.
    pub fn with_error(mut self, error: ErrorBody) -> Self {
        self.error = Some(error);
        self
    }
}

/// `ResponseMetadata.Error`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorBody {
    /// The numeric code; only some APIs send it. A string holding a number is accepted.
    #[serde(
        rename = "CodeN",
        default,
        deserialize_with = "lenient_code_n",
        skip_serializing_if = "Option::is_none"
    )]
    pub code_n: Option<i64>,
    /// The code, e.g. `InvalidParam`.
    #[serde(rename = "Code", default)]
    pub code: String,
    /// The message.
    #[serde(rename = "Message", default)]
    pub message: String,
}

impl ErrorBody {
    /// An error body for `code`, with its documented `CodeN` when there is one.
    pub fn new(code: &ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code_n: code.documented_code_n(),
            code: code.as_str().to_owned(),
            message: message.into(),
        }
    }

    /// Whether it denotes an error: a non-empty `Code` or a non-zero `CodeN`.
    pub fn is_error(&self) -> bool {
        !self.code.is_empty() || self.code_n.is_some_and(|n| n != 0)
    }

    /// The typed code: from `Code`, else the code whose documented `CodeN` this is.
    pub fn error_code(&self) -> ErrorCode {
        if !self.code.is_empty() {
            return ErrorCode::from_text(&self.code);
        }
        let n = self.code_n.unwrap_or_default();
        ErrorCode::KNOWN
            .iter()
            .find(|c| c.documented_code_n() == Some(n))
            .cloned()
            .unwrap_or_else(|| ErrorCode::Other(format!("CodeN {n}")))
    }
}

fn lenient_code_n<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient<'a> {
        Number(i64),
        Float(f64),
        Text(&'a str),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Lenient<'de>>::deserialize(d)? {
        Some(Lenient::Number(n)) => Some(n),
        Some(Lenient::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        Some(Lenient::Text(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A decoded successful answer: the metadata (with the request id) and the typed result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response<T> {
    /// `ResponseMetadata`.
    pub metadata: ResponseMetadata,
    /// `Result`.
    pub result: T,
}

impl<T> Response<T> {
    /// An answer of `result` with `metadata`.
    pub fn new(metadata: ResponseMetadata, result: T) -> Self {
        Self { metadata, result }
    }

    /// The request id.
    pub fn request_id(&self) -> &str {
        &self.metadata.request_id
    }
}

/// The envelope with a typed `Result`: one pass over the body, for the usual success.
#[derive(Deserialize)]
struct Typed<T> {
    #[serde(rename = "ResponseMetadata")]
    metadata: Option<ResponseMetadata>,
    #[serde(rename = "Result", default = "Option::default")]
    result: Option<T>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "ResponseMetadata")]
    metadata: Option<ResponseMetadata>,
    #[serde(rename = "Result", borrow)]
    result: Option<&'a RawValue>,
}

/// Decodes any response of the Live API: the HTTP status and the body bytes become either the
/// typed result with its metadata, or an [`Error`]:
///
/// - `ResponseMetadata.Error` with a non-empty `Code` or non-zero `CodeN` is an
///   [`Error::Api`], whatever the HTTP status (`CommonErr` comes with 200);
/// - a body that is not a JSON envelope (an HTML page, empty, truncated, over
///   [`MAX_RESPONSE_BYTES`]), or a non-2xx status without an error in the envelope, is an
///   [`Error::UnexpectedResponse`];
/// - a `Result` of the wrong shape is an [`Error::Decode`] naming the field. It names no
///   action: [`decode_for`], given the action's name, does.
///
/// `T` is the action's result type, [`Operation::Result`](crate::Operation::Result). An answer
/// without `Result` decodes as `null` would: a type that reads from `null` (such as
/// [`StopPullRecordTaskResult`](crate::StopPullRecordTaskResult), whose answer has none) needs
/// none; for any other its absence is an [`Error::Decode`].
///
/// Unknown fields are ignored. It never panics, whatever the bytes.
///
/// ```
/// use live_model::{decode, CreatePullRecordTaskResult};
///
/// let body = br#"{"ResponseMetadata":{"RequestId":"r1","Action":"CreatePullRecordTask","Version":"2023-01-01","Service":"live","Region":"cn-north-1"},"Result":{"TaskId":"t1"}}"#;
/// let ok = decode::<CreatePullRecordTaskResult>(200, body).unwrap();
/// assert_eq!((ok.request_id(), ok.result.task_id.as_str()), ("r1", "t1"));
///
/// let html = b"<html><body>502 Bad Gateway</body></html>";
/// let err = decode::<CreatePullRecordTaskResult>(502, html).unwrap_err();
/// assert!(err.is_retryable());
/// assert!(err.to_string().starts_with("unexpected response (HTTP 502)"));
/// ```
pub fn decode<T: DeserializeOwned>(http_status: u16, body: &[u8]) -> Result<Response<T>, Error> {
    decode_for("", http_status, body)
}

/// [`decode`] for an answer to `action` (its name, as in `?Action=`): the same, and a
/// [`DecodeError`] names the action. A client takes the name from the operation's facts,
/// [`Operation::ACTION`](crate::Operation::ACTION).
///
/// ```
/// use live_model::{decode_for, Error, GetPullRecordTaskRequest, Operation};
///
/// let body = br#"{"ResponseMetadata":{"RequestId":"r1"},"Result":{"TaskId":7}}"#;
/// let action = GetPullRecordTaskRequest::ACTION.name();
/// let err = decode_for::<<GetPullRecordTaskRequest as Operation>::Result>(action, 200, body).unwrap_err();
/// let Error::Decode(d) = &err else { panic!("{err:?}") };
/// assert_eq!(d.action, "GetPullRecordTask");
/// assert!(err.to_string().starts_with("cannot decode the GetPullRecordTask result: "));
/// ```
pub fn decode_for<T: DeserializeOwned>(
    action: &'static str,
    http_status: u16,
    body: &[u8],
) -> Result<Response<T>, Error> {
    let unexpected = |reason: String, request_id: Option<String>| {
        Error::UnexpectedResponse(UnexpectedResponse {
            http_status,
            request_id,
            reason,
            snippet: snippet(body, 160),
        })
    };
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(unexpected(
            format!(
                "the body is {} bytes, more than the {MAX_RESPONSE_BYTES} accepted",
                body.len()
            ),
            None,
        ));
    }
    // The usual answer, a success with its Result, is read in one pass. Anything else is read
    // again below, in the two passes that tell the envelope's faults from the Result's.
    if (200..300).contains(&http_status) && body.len() <= MAX_RESPONSE_BYTES {
        if let Ok(Typed {
            metadata: Some(metadata),
            result: Some(result),
        }) = serde_json::from_slice::<Typed<T>>(body)
        {
            if !metadata.error.as_ref().is_some_and(ErrorBody::is_error) {
                return Ok(Response { metadata, result });
            }
        }
    }
    let envelope: Envelope<'_> = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => {
            let reason = if body.iter().all(u8::is_ascii_whitespace) {
                "the body is empty".to_owned()
            } else if e.is_eof() {
                "the body is truncated JSON".to_owned()
            } else {
                format!("the body is not a JSON envelope ({e})")
            };
            return Err(unexpected(reason, None));
        }
    };
    let success = (200..300).contains(&http_status);
    let Some(metadata) = envelope.metadata else {
        return Err(unexpected(
            "the body has no ResponseMetadata".to_owned(),
            None,
        ));
    };
    if let Some(error) = metadata.error.as_ref().filter(|e| e.is_error()) {
        return Err(Error::Api(ApiError::new(
            error.error_code(),
            error.code_n.filter(|n| *n != 0),
            error.message.clone(),
            metadata.request_id.clone(),
            http_status,
        )));
    }
    let request_id = (!metadata.request_id.is_empty()).then(|| metadata.request_id.clone());
    if !success {
        return Err(unexpected(
            format!("HTTP {http_status} without an error in ResponseMetadata"),
            request_id,
        ));
    }
    let decode_error = |message: String| {
        Error::Decode(DecodeError {
            action,
            message,
            request_id: request_id.clone(),
            http_status,
        })
    };
    let result = match envelope.result {
        Some(raw) => serde_json::from_str::<T>(raw.get()).map_err(|e| decode_error(e.to_string())),
        // No Result: fine for a type that reads from null (the result of an action that
        // answers without one), else an error.
        None => serde_json::from_str::<T>("null")
            .map_err(|_| decode_error("the response has no Result".to_owned())),
    }?;
    Ok(Response { metadata, result })
}

/// A full envelope for `metadata` and `result`, as the service writes it (for servers and test
/// doubles). `result` is omitted when `None`.
pub fn encode<T: Serialize>(metadata: &ResponseMetadata, result: Option<&T>) -> Vec<u8> {
    #[derive(Serialize)]
    struct Out<'a, T> {
        #[serde(rename = "ResponseMetadata")]
        metadata: &'a ResponseMetadata,
        #[serde(rename = "Result", skip_serializing_if = "Option::is_none")]
        result: Option<&'a T>,
    }
    // Serializing these types cannot fail (string keys, no non-finite floats).
    serde_json::to_vec(&Out { metadata, result }).unwrap_or_default()
}
