//! The five actions: each request body read and checked, then run on the store for the
//! caller's account. Adding a Live action adds an arm here (the match is exhaustive).

use live_model::{
    Action, CreatePullRecordTaskRequest, CreatePullRecordTaskResult,
    DescribeRecordTaskFileHistoryRequest, ErrorCode, GetPullRecordTaskRequest,
    GetPullRecordTaskResult, ListPullRecordTaskRequest, Operation, StopPullRecordTaskRequest,
};
use serde::de::DeserializeOwned;

use crate::reply::Outcome;
use crate::state::State;
use crate::store::Failure;

/// Runs `action` with `body` for `account`: the answer, or the action's documented error.
pub(crate) fn run(
    state: &State,
    request_id: &str,
    action: Action,
    account: &str,
    body: &[u8],
) -> Outcome {
    let now = state.clock.now();
    let name = action.name();
    let mut store = state.store();
    let result: Result<Outcome, Failure> = match action {
        Action::GetPullRecordTask => parse::<GetPullRecordTaskRequest>(body)
            .and_then(|r| store.get(account, &r.task_id, now))
            .map(|task| {
                let result = GetPullRecordTaskResult::new(task, state.get_shape);
                Outcome::success(request_id, name, Some(&result))
            }),
        Action::CreatePullRecordTask => parse::<CreatePullRecordTaskRequest>(body)
            .and_then(|r| store.create(account, &r, now))
            .map(|id| {
                Outcome::success(request_id, name, Some(&CreatePullRecordTaskResult::new(id)))
            }),
        Action::ListPullRecordTask => parse::<ListPullRecordTaskRequest>(body)
            .map(|r| store.list(account, &r, now))
            .map(|page| Outcome::success(request_id, name, Some(&page))),
        Action::StopPullRecordTask => parse::<StopPullRecordTaskRequest>(body)
            .and_then(|r| store.stop(account, &r.task_id, now))
            .map(|()| Outcome::success::<()>(request_id, name, None)),
        Action::DescribeRecordTaskFileHistory => {
            parse::<DescribeRecordTaskFileHistoryRequest>(body).map(|r| {
                let page = crate::files::describe(&store, &state.records, account, &r, now);
                Outcome::success(request_id, name, Some(&page))
            })
        }
    };
    drop(store);
    result.unwrap_or_else(|f| Outcome::error(request_id, name, &f.code, None, f.message))
}

/// Reads a request body: malformed JSON or wrong types are `InvalidParam.BindError`, a missing
/// field is `InvalidParam` naming it, and the documented rules are checked.
fn parse<R: Operation + DeserializeOwned>(body: &[u8]) -> Result<R, Failure> {
    let bind = || {
        Failure::new(
            ErrorCode::InvalidParamBindError,
            "Request parameter error, please check input data",
        )
    };
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| bind())?;
    if !value.is_object() {
        return Err(bind());
    }
    let req: R = serde_json::from_value(value).map_err(|e| {
        let text = e.to_string();
        if text.starts_with("missing field") {
            Failure::new(ErrorCode::InvalidParam, text)
        } else {
            bind()
        }
    })?;
    req.validate()
        .map_err(|e| Failure::new(ErrorCode::InvalidParam, e.to_string()))?;
    Ok(req)
}
