//! What the emulator sends back: the reply type (whole, or cut short by a fault), the
//! documented JSON envelope for answers and errors, and the outcome of one request.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use live_model::{encode, ErrorBody, ErrorCode, ResponseMetadata};
use serde::Serialize;

/// The connection is dropped by an injected fault: as a service error, hyper closes the
/// connection without an answer (HTTP/1.1) or resets the stream (HTTP/2); as a body error, it
/// stops sending the body and does the same.
#[derive(Debug)]
pub(crate) struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by an injected fault")
    }
}

impl std::error::Error for Abort {}

/// Any answer the emulator sends.
pub(crate) type Reply = http::Response<ReplyBody>;

/// A reply's body: all of it, or (for a lost answer) a first part followed by an abort.
pub(crate) struct ReplyBody {
    data: Option<Bytes>,
    cut: Option<Cut>,
}

/// After the first part of a cut body: first let hyper flush what it has, then abort.
#[derive(Clone, Copy)]
enum Cut {
    Flush,
    Abort,
}

impl ReplyBody {
    fn whole(data: Bytes) -> Self {
        Self {
            data: (!data.is_empty()).then_some(data),
            cut: None,
        }
    }

    /// `part`, then the connection drops: the answer's headers may promise more.
    fn cut(part: Bytes) -> Self {
        Self {
            data: Some(part),
            cut: Some(Cut::Flush),
        }
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = Abort;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Abort>>> {
        let this = self.get_mut();
        if let Some(data) = this.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        match this.cut {
            None => Poll::Ready(None),
            // hyper polls the body again before it flushes; pending once lets the part out.
            Some(Cut::Flush) => {
                this.cut = Some(Cut::Abort);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(Cut::Abort) => Poll::Ready(Some(Err(Abort))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.cut.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.cut {
            // Unknown, so that hyper trusts the Content-Length header instead.
            Some(_) => SizeHint::default(),
            None => SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64)),
        }
    }
}

/// A whole reply with this status, body and content type.
pub(crate) fn reply(status: u16, body: Vec<u8>, content_type: &'static str) -> Reply {
    let mut r = http::Response::new(ReplyBody::whole(Bytes::from(body)));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    r
}

/// The same status and headers, `Content-Length` promising the whole body, the first half of
/// it, and then the connection drops.
pub(crate) fn cut_short(reply: Reply) -> Reply {
    let (mut parts, body) = reply.into_parts();
    let full = body.data.unwrap_or_default();
    parts.headers.insert(
        http::header::CONTENT_LENGTH,
        http::HeaderValue::from(full.len()),
    );
    http::Response::from_parts(parts, ReplyBody::cut(full.slice(..full.len() / 2)))
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
        Self::error_with(metadata(request_id, action), code, status, message)
    }

    /// The documented error envelope over `metadata` (for a request the gateway cannot route,
    /// what it named); `status` defaults to the code's documented one, else 500.
    pub(crate) fn error_with(
        metadata: ResponseMetadata,
        code: &ErrorCode,
        status: Option<u16>,
        message: impl Into<String>,
    ) -> Self {
        let status = status.or_else(|| code.documented_status()).unwrap_or(500);
        let meta = metadata.with_error(ErrorBody::new(code, message));
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
