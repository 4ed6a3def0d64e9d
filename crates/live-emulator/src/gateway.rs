//! The gateway, before the action runs. First it routes the request ([`route`]): the
//! service its credential scope names and the operation its query names, answering what it
//! cannot route as the platform's gateway does. After faults had their turn, it checks the
//! signature (with its access key, token and time) and the per-user rate limit ([`check`]).
//! The result is the action, then the authenticated caller, or the refusal to send back.

use std::collections::HashMap;

use live_model::{Action, ErrorCode, ResponseMetadata};

use crate::reply::{metadata, Outcome};
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

/// A request the gateway cannot route: its refusal, and the action its query names (foreign
/// text, for the log line; counted only under a known action).
pub(crate) struct Unrouted {
    pub(crate) action: String,
    pub(crate) refusal: Refusal,
}

/// Routes a request as the gateway does, before anything about it is verified, in this order:
///
/// 1. `Action` and `Version` must be in the query: else `MissingParameter` (400);
/// 2. the credential scope, when one can be read (from `Authorization` or a presigned
///    `X-Credential`), must name the service `live`: else `ServiceNotFound` (404), an
///    envelope naming the service and region the scope named;
/// 3. the pair must be an operation served, an [`Action`] in its version: else
///    `InvalidActionOrVersion` (404).
///
/// Every refusal's envelope names back the `Action` and `Version` the query gave (empty when
/// absent). A scope that cannot be read is left to the signature check (`InvalidAuthorization`).
pub(crate) fn route(request_id: &str, parts: &http::request::Parts) -> Result<Action, Unrouted> {
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let named = query.get("Action").map_or("", String::as_str);
    let version = query.get("Version").map_or("", String::as_str);
    // The messages are the platform's, from its table of common error codes
    // (`InvalidActionOrVersion` as in the documented error example, without a final period).
    let refuse = |mut meta: ResponseMetadata, code: ErrorCode, message: String| {
        meta.version = version.to_owned();
        Unrouted {
            action: named.to_owned(),
            refusal: Refusal {
                outcome: Box::new(Outcome::error_with(meta, &code, None, message)),
                access_key_id: claimed_access_key_id(parts),
            },
        }
    };
    let missing = [("Action", named), ("Version", version)]
        .into_iter()
        .find(|(_, given)| given.is_empty());
    if let Some((parameter, _)) = missing {
        return Err(refuse(
            metadata(request_id, named),
            ErrorCode::MissingParameter,
            format!("The request is missing {parameter} parameter."),
        ));
    }
    if let Some((region, service)) = scope_of(parts, &query) {
        if service != live_model::SERVICE {
            let mut meta = metadata(request_id, named);
            meta.service = service.to_owned();
            meta.region = region.to_owned();
            return Err(refuse(
                meta,
                ErrorCode::ServiceNotFound,
                format!("This service[{service}] not found."),
            ));
        }
    }
    Action::from_name(named)
        .filter(|action| action.version() == version)
        .ok_or_else(|| {
            refuse(
                metadata(request_id, named),
                ErrorCode::InvalidActionOrVersion,
                format!("Could not find operation {named} for version {version}"),
            )
        })
}

/// The region and service of a request's credential scope
/// (`AccessKeyId/YYYYMMDD/region/service/request`), from `Authorization` or, for a presigned
/// request, the query's `X-Credential`, when it can be read.
fn scope_of<'a>(
    parts: &'a http::request::Parts,
    query: &'a HashMap<String, String>,
) -> Option<(&'a str, &'a str)> {
    if let Some(auth) = parts.headers.get(http::header::AUTHORIZATION) {
        let auth = volc_sign::parse_authorization(auth.to_str().ok()?).ok()?;
        return Some((auth.region, auth.service));
    }
    let mut pieces = query.get("X-Credential")?.split('/');
    let (Some(_), Some(_), Some(region), Some(service), Some("request"), None) = (
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
        pieces.next(),
    ) else {
        return None;
    };
    volc_sign::Scope::new(region, service)
        .is_ok()
        .then_some((region, service))
}
