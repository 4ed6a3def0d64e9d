//! What an injected fault does to one request.
//!
//! Most faults act *before* the action: they answer (or drop the connection, or wait) before
//! the signature is checked, so the store never changes. The lost-answer faults act *after*:
//! the request is handled in full, the action runs, and then its answer is lost.

use std::time::Duration;

use live_model::{encode, Action, ErrorCode};

use crate::faults::FaultKind;
use crate::reply::{cut_short, metadata, reply, Abort, Outcome, Reply};

/// A gateway's 502 page.
const HTML_502: &[u8] = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

/// What happens to a request after the fault check.
pub(crate) enum Effect {
    /// Handle it normally (a delay, if any, has been waited out).
    Proceed,
    /// Handle it in full, the action included, then lose the answer this way.
    LoseAnswer(Loss),
    /// Send this answer now; the action does not run.
    Answer(Outcome),
    /// Drop the connection now, without an answer; the action does not run.
    Close,
}

/// How an answer is lost after the action ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loss {
    /// The connection closes without an answer.
    Close,
    /// The status and headers with `Content-Length` of the whole body, half the body, then the
    /// connection closes.
    Truncate,
}

impl Loss {
    /// The answer as the client gets it: nothing (`Err`), or cut short.
    pub(crate) fn apply(self, answer: Reply) -> Result<Reply, Abort> {
        match self {
            Loss::Close => Err(Abort),
            Loss::Truncate => Ok(cut_short(answer)),
        }
    }

    /// For the log line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Loss::Close => "lose_answer_close",
            Loss::Truncate => "lose_answer_truncate",
        }
    }
}

/// Applies the fault that fired for a request to `action` (if one did): waits for a delay,
/// builds an early answer, or says the answer is to be lost.
pub(crate) async fn before(fault: Option<FaultKind>, request_id: &str, action: Action) -> Effect {
    let Some(fault) = fault else {
        return Effect::Proceed;
    };
    let name = action.name();
    match fault {
        FaultKind::Delay { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            Effect::Proceed
        }
        FaultKind::CloseConnection => Effect::Close,
        FaultKind::Error {
            code,
            status,
            message,
        } => Effect::Answer(Outcome::error(
            request_id,
            name,
            &ErrorCode::from_text(&code),
            status,
            message.unwrap_or_else(|| {
                "an internal error occurred, please contact the administrator.".into()
            }),
        )),
        FaultKind::CommonErr => Effect::Answer(Outcome::error(
            request_id,
            name,
            &ErrorCode::CommonErr,
            Some(200),
            "unclassified error",
        )),
        FaultKind::TruncatedBody => {
            let full = encode::<()>(&metadata(request_id, name), None);
            let half = full[..full.len() / 2].to_vec();
            Effect::Answer(Outcome::other(
                reply(200, half, "application/json"),
                "(truncated body)",
            ))
        }
        FaultKind::Html502 => Effect::Answer(Outcome::other(
            reply(502, HTML_502.to_vec(), "text/html"),
            "(html 502)",
        )),
        FaultKind::Throttle { retry_after_secs } => {
            let mut o = Outcome::error(
                request_id,
                name,
                &ErrorCode::FlowLimitExceeded,
                Some(429),
                "the request rate is over the limit",
            );
            o.reply.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from(retry_after_secs),
            );
            Effect::Answer(o)
        }
        FaultKind::LoseAnswerClose => Effect::LoseAnswer(Loss::Close),
        FaultKind::LoseAnswerTruncate => Effect::LoseAnswer(Loss::Truncate),
    }
}
