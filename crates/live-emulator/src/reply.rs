//! What the emulator sends back: the reply type, the documented JSON envelope for answers and
//! errors, and the outcome of one request.

use bytes::Bytes;
use http_body_util::Full;
use live_model::{encode, ErrorBody, ErrorCode, ResponseMetadata};
use serde::Serialize;

/// The connection is dropped by an injected fault: as a service error, hyper closes the
/// connection without an answer (HTTP/1.1) or resets the stream (HTTP/2).
#[derive(Debug)]
pub(crate) struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by an injected fault")
    }
}

impl std::error::Error for Abort {}

/// Any answer the emulator sends.
pub(crate) type Reply = http::Response<Full<Bytes>>;

/// A whole reply with this status, body and content type.
pub(crate) fn reply(status: u16, body: Vec<u8>, content_type: &'static str) -> Reply {
    let mut r = http::Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    r
}

/// What a handled API request produced: the reply, and the code for the log line.
pub(crate) struct Outcome {
    pub(crate) reply: Reply,
    pub(crate) code: Option<String>,
}

impl Outcome {
    /// The documented error envelope; `status` defaults to the code's documented one, else 500.
    pub(crate) fn error(
        request_id: &str,
        action: &str,
        code: &ErrorCode,
        status: Option<u16>,
        message: impl Into<String>,
    ) -> Self {
        let status = status.or_else(|| code.documented_status()).unwrap_or(500);
        let meta = metadata(request_id, action).with_error(ErrorBody::new(code, message));
        Self {
            reply: reply(status, encode::<()>(&meta, None), "application/json"),
            code: Some(code.as_str().to_owned()),
        }
    }

    /// A 200 answer with `result` (none for StopPullRecordTask).
    pub(crate) fn success<T: Serialize>(
        request_id: &str,
        action: &str,
        result: Option<&T>,
    ) -> Self {
        Self {
            reply: reply(
                200,
                encode(&metadata(request_id, action), result),
                "application/json",
            ),
            code: None,
        }
    }

    /// An answer that is not the JSON envelope (an injected fault's), logged as `code`.
    pub(crate) fn other(reply: Reply, code: &str) -> Self {
        Self {
            reply,
            code: Some(code.to_owned()),
        }
    }
}

/// `ResponseMetadata` for a request; `Action` is left out when the request named none.
pub(crate) fn metadata(request_id: &str, action: &str) -> ResponseMetadata {
    let mut m = ResponseMetadata::new(request_id, action);
    if action.is_empty() {
        m.action.clear();
    }
    m
}
