//! The admin path, `/__emulator/…`, for loopback clients only: health, adding or clearing
//! faults, and the counts of what was answered.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use crate::faults::FaultRule;
use crate::reply::{reply, Reply};
use crate::state::State;

/// The admin path prefix; the API itself only uses `/`.
pub const ADMIN_PREFIX: &str = "/__emulator/";

/// The largest fault rule read.
const MAX_RULE_BYTES: usize = 64 * 1024;

/// Answers an admin request from `peer`.
pub(crate) async fn handle(state: &State, peer: SocketAddr, req: http::Request<Incoming>) -> Reply {
    if !peer.ip().is_loopback() {
        return reply(
            403,
            b"the admin path answers loopback clients only\n".to_vec(),
            "text/plain",
        );
    }
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    match (method.as_str(), path.as_str()) {
        ("GET", "/__emulator/health") => {
            let tasks = state.store().len();
            let body = serde_json::json!({"ok": true, "tasks": tasks, "pending_faults": state.faults.len()});
            reply(200, body.to_string().into_bytes(), "application/json")
        }
        ("POST", "/__emulator/faults") => {
            let body = match Limited::new(req.into_body(), MAX_RULE_BYTES)
                .collect()
                .await
            {
                Ok(b) => b.to_bytes(),
                Err(_) => return reply(400, b"body too large\n".to_vec(), "text/plain"),
            };
            match serde_json::from_slice::<FaultRule>(&body) {
                Ok(rule) => {
                    state.faults.push(rule);
                    reply(200, br#"{"ok":true}"#.to_vec(), "application/json")
                }
                Err(e) => reply(
                    400,
                    format!("not a fault rule: {e}\n").into_bytes(),
                    "text/plain",
                ),
            }
        }
        ("GET", "/__emulator/stats") => match serde_json::to_vec(&state.stats.snapshot()) {
            Ok(body) => reply(200, body, "application/json"),
            Err(_) => reply(500, b"stats not encodable\n".to_vec(), "text/plain"),
        },
        ("DELETE", "/__emulator/stats") => {
            state.stats.reset();
            reply(200, br#"{"ok":true}"#.to_vec(), "application/json")
        }
        ("DELETE", "/__emulator/faults") => {
            state.faults.clear();
            reply(200, br#"{"ok":true}"#.to_vec(), "application/json")
        }
        _ => reply(404, b"unknown admin path\n".to_vec(), "text/plain"),
    }
}
