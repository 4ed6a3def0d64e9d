//! One request, through the gateway's steps in order: the admin path aside, the routing
//! (`Action` and `Version`, the scope's service), the body, injected faults, the gateway's
//! checks, the action; then one log line, and the answer (unless a fault loses it).

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use live_model::{Action, ErrorCode};

use crate::admin::{self, ADMIN_PREFIX};
use crate::fault_effects::{self, Effect, Loss};
use crate::reply::{Abort, Outcome, Reply};
use crate::state::State;
use crate::{actions, gateway, stats};

/// The largest request body read.
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// Serves one HTTP request. `Err(Abort)` drops the connection without an answer.
pub(crate) async fn handle(
    state: Arc<State>,
    peer: SocketAddr,
    req: http::Request<Incoming>,
) -> Result<Reply, Abort> {
    if req.uri().path().starts_with(ADMIN_PREFIX) {
        return Ok(admin::handle(&state, peer, req).await);
    }
    let request_id = state.request_id();
    let (parts, body) = req.into_parts();
    let action = match gateway::route(&request_id, &parts) {
        Ok(action) => action,
        Err(unrouted) => {
            let refusal = unrouted.refusal;
            log(
                &state,
                &unrouted.action,
                refusal.access_key_id.as_deref(),
                &request_id,
                Some(&refusal.outcome),
                None,
            );
            return Ok(refusal.outcome.reply);
        }
    };
    let read = Limited::new(body, MAX_REQUEST_BYTES).collect();
    let Ok(read) = tokio::time::timeout(state.body_read_timeout, read).await else {
        // A body that stalls is dropped with its connection, unanswered, like a slow head.
        log(&state, action.name(), None, &request_id, None, None);
        return Err(Abort);
    };
    let body = match read {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let outcome = Outcome::error(
                &request_id,
                action.name(),
                &ErrorCode::InvalidParam,
                Some(413),
                "the request body is larger than 1 MiB or was cut off",
            );
            log(
                &state,
                action.name(),
                None,
                &request_id,
                Some(&outcome),
                None,
            );
            return Ok(outcome.reply);
        }
    };
    let fault = state.faults.take(action.name());
    let loss = match fault_effects::before(fault, &request_id, action).await {
        Effect::Proceed => None,
        Effect::LoseAnswer(loss) => Some(loss),
        Effect::Answer(outcome) => {
            log(
                &state,
                action.name(),
                None,
                &request_id,
                Some(&outcome),
                None,
            );
            return Ok(outcome.reply);
        }
        Effect::Close => {
            log(&state, action.name(), None, &request_id, None, None);
            return Err(Abort);
        }
    };
    let (access_key_id, outcome) = match gateway::check(&state, &request_id, action, &parts, &body)
    {
        Ok(caller) => {
            let outcome = actions::run(&state, &request_id, action, &caller.account, &body);
            (Some(caller.access_key_id), outcome)
        }
        Err(refusal) => (refusal.access_key_id, *refusal.outcome),
    };
    log(
        &state,
        action.name(),
        access_key_id.as_deref(),
        &request_id,
        Some(&outcome),
        loss,
    );
    match loss {
        None => Ok(outcome.reply),
        Some(loss) => loss.apply(outcome.reply),
    }
}

/// One line per API request: action, access key id, status, code (or `-`), request id, and
/// the fault that lost the answer, if one did. No answer at all (a closed connection) has no
/// status. Never anything secret.
fn log(
    state: &State,
    action: &str,
    access_key_id: Option<&str>,
    request_id: &str,
    outcome: Option<&Outcome>,
    lost: Option<Loss>,
) {
    let code = match outcome {
        Some(o) => o.code.as_deref().unwrap_or("-"),
        None => "(connection closed)",
    };
    // Counted under a known action only: the query's text is foreign.
    state.stats.record(
        Action::from_name(action).map_or("", Action::name),
        match (outcome, lost) {
            (Some(o), None) => o.code.as_deref().unwrap_or(stats::OK_CODE),
            _ => stats::NO_ANSWER_CODE,
        },
    );
    tracing::info!(
        target: "live_emulator",
        action,
        access_key_id = access_key_id.unwrap_or(""),
        status = outcome.map(|o| o.reply.status().as_u16()),
        code,
        request_id,
        lost = lost.map(Loss::name),
        "request"
    );
}
