//! The gateway's checks after the action is known and faults had their turn: the signature
//! (with its access key, token, time and scope) and the per-user rate limit. The result is the
//! authenticated caller, or the refusal to send back.

use live_model::{Action, ErrorCode};

use crate::reply::Outcome;
use crate::state::State;

/// Who sent a request whose signature is valid.
pub(crate) struct Caller {
    /// The access key id that signed it.
    pub(crate) access_key_id: String,
    /// The account that key belongs to.
    pub(crate) account: String,
}

/// A request the gateway refuses: the error answer, and the access key id for the log line
/// (when it can be read; never anything secret).
pub(crate) struct Refusal {
    pub(crate) outcome: Box<Outcome>,
    pub(crate) access_key_id: Option<String>,
}

/// Checks the signature over `parts` and `body`, then the caller's rate limit for `action`.
pub(crate) fn check(
    state: &State,
    request_id: &str,
    action: Action,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Caller, Refusal> {
    let now = state.clock.now();
    let access_key_id = match state.verifier.verify_parts(parts, body, now) {
        Ok(v) => v.access_key_id,
        Err(e) => {
            let mut outcome = Outcome::error(
                request_id,
                action.name(),
                &ErrorCode::from_text(e.code()),
                Some(e.http_status()),
                e.message(),
            );
            outcome.code = Some(e.code().to_owned());
            return Err(Refusal {
                outcome: Box::new(outcome),
                access_key_id: claimed_access_key_id(parts),
            });
        }
    };
    if !state.rates.allows(&access_key_id, action, now) {
        let mut outcome = Outcome::error(
            request_id,
            action.name(),
            &ErrorCode::FlowLimitExceeded,
            Some(429),
            format!(
                "{action} is limited to {} requests per second per user",
                action.rate_limit_per_sec()
            ),
        );
        outcome
            .reply
            .headers_mut()
            .insert(http::header::RETRY_AFTER, http::HeaderValue::from(1u32));
        return Err(Refusal {
            outcome: Box::new(outcome),
            access_key_id: Some(access_key_id),
        });
    }
    let account = state
        .accounts
        .get(&access_key_id)
        .cloned()
        .unwrap_or_default();
    Ok(Caller {
        access_key_id,
        account,
    })
}

/// The access key id a request claims in `Authorization`, when it can be read.
fn claimed_access_key_id(parts: &http::request::Parts) -> Option<String> {
    let auth = parts
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    volc_sign::parse_authorization(auth)
        .ok()
        .map(|p| p.access_key_id.to_owned())
}
