//! The four pull-record-task actions: their requests and results.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::task::format_rfc3339;
use crate::{
    validate, Action, ActionFacts, GetPullRecordTaskResult, Paginate, PullRecordTask, Request,
    ValidationError,
};

/// An action of the Live API: its facts (name, version, HTTP method, documented rate limit,
/// idempotency), request body and result type.
///
/// The facts are the action's one home: a client sends
/// `{method} /?Action={name}&Version={version}` (for every Live action `POST`, with the JSON of
/// `self` as the body), after [`Operation::validate`] passed, and decodes the answer with
/// [`decode_for::<Self::Result>(Self::ACTION.name(), status, body)`](crate::decode_for), so
/// that an answer that does not decode names the action.
///
/// An action this crate does not model can be sent the same way: give its name with
/// [`ActionFacts::new`], which treats it as not idempotent unless it says otherwise. Its result
/// type needs nothing but `Deserialize`.
///
/// ```
/// use live_model::{decode_for, ActionFacts, Idempotency, Operation, ValidationError};
///
/// #[derive(serde::Serialize)]
/// struct DescribeThing { #[serde(rename = "Id")] id: String }
///
/// #[derive(Debug, serde::Deserialize)]
/// struct Thing { #[serde(rename = "Name")] name: String }
///
/// impl Operation for DescribeThing {
///     const ACTION: ActionFacts = ActionFacts::new("DescribeThing").with_idempotency(Idempotency::Read);
///     type Result = Thing;
///     fn validate(&self) -> Result<(), ValidationError> { Ok(()) }
/// }
/// assert_eq!(DescribeThing::ACTION.idempotency(), Idempotency::Read);
///
/// let body = br#"{"ResponseMetadata":{"RequestId":"r1"},"Result":{"Label":"x"}}"#;
/// let err = decode_for::<Thing>(DescribeThing::ACTION.name(), 200, body).unwrap_err();
/// assert!(err.to_string().starts_with("cannot decode the DescribeThing result: missing field `Name`"));
/// ```
pub trait Operation: Serialize {
    /// The action's facts, e.g. `Action::GetPullRecordTask.facts()`.
    const ACTION: ActionFacts;
    /// What the answer's `Result` decodes into. A type that reads from `null` (as
    /// [`StopPullRecordTaskResult`] does) accepts an answer without `Result`.
    type Result: DeserializeOwned;
    /// Checks every field against the documented rules; the error names the field.
    fn validate(&self) -> Result<(), ValidationError>;
}

/// GetPullRecordTask: one task by id. The body key is `TaskID` (capital D), unlike every
/// other action's `TaskId`.
///
/// ```
/// use live_model::{GetPullRecordTaskRequest, Operation};
///
/// let req = GetPullRecordTaskRequest::new("5b903f78c7f5ae01f6fe2eea");
/// assert_eq!(serde_json::to_string(&req).unwrap(), r#"{"TaskID":"5b903f78c7f5ae01f6fe2eea"}"#);
/// assert!(req.validate().is_ok());
/// assert_eq!(GetPullRecordTaskRequest::new("").validate().unwrap_err().to_string(), "invalid TaskID: must not be empty");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetPullRecordTaskRequest {
    /// The task id.
    #[serde(rename = "TaskID")]
    pub task_id: String,
}

impl GetPullRecordTaskRequest {
    /// A request for `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
        }
    }
}

setters!(GetPullRecordTaskRequest {
    /// Sets the task id (required).
    fn task_id(r, id: impl Into<String>) {
        r.task_id = id.into();
    }
});

impl Operation for GetPullRecordTaskRequest {
    const ACTION: ActionFacts = Action::GetPullRecordTask.facts();
    type Result = GetPullRecordTaskResult;
    fn validate(&self) -> Result<(), ValidationError> {
        validate::task_id("TaskID", &self.task_id)
    }
}

/// CreatePullRecordTask: record a pull stream. `Domain`, `App`, `Stream` and `StreamURL` are
/// required; `Vhost`, `StartTime` and `EndTime` optional (no start time: start now; no end
/// time: until the stream ends).
///
/// ```
/// use live_model::{CreatePullRecordTaskRequest, Operation};
///
/// let req = CreatePullRecordTaskRequest::new("pull.example.com", "live", "example_stream", "http://pull.example.com/live/example_stream.flv")
///     .vhost("example.com")
///     .start_time("2023-10-09T15:16:15Z")
///     .end_time("2023-10-09T16:16:15Z");
/// assert!(req.validate().is_ok());
/// let bad = req.clone().end_time("2023-10-09T15:00:00Z");
/// assert_eq!(bad.validate().unwrap_err().field, "EndTime");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatePullRecordTaskRequest {
    /// The domain space.
    #[serde(rename = "Vhost", default, skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    /// The push or pull domain of the stream.
    #[serde(rename = "Domain")]
    pub domain: String,
    /// The application name, `[A-Za-z0-9_.-]{1,30}`.
    #[serde(rename = "App")]
    pub app: String,
    /// The stream name, `[A-Za-z0-9_.-]{1,100}`.
    #[serde(rename = "Stream")]
    pub stream: String,
    /// The pull URL to record (the service supports FLV).
    #[serde(rename = "StreamURL")]
    pub stream_url: String,
    /// When to start, RFC 3339.
    #[serde(rename = "StartTime", default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// When to stop, RFC 3339, after the start.
    #[serde(rename = "EndTime", default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

impl CreatePullRecordTaskRequest {
    /// A request with the required fields.
    pub fn new(
        domain: impl Into<String>,
        app: impl Into<String>,
        stream: impl Into<String>,
        stream_url: impl Into<String>,
    ) -> Self {
        Self {
            vhost: None,
            domain: domain.into(),
            app: app.into(),
            stream: stream.into(),
            stream_url: stream_url.into(),
            start_time: None,
            end_time: None,
        }
    }
}

setters!(CreatePullRecordTaskRequest {
    /// Sets the push or pull domain of the stream (required).
    fn domain(r, v: impl Into<String>) {
        r.domain = v.into();
    }

    /// Sets the application name (required), `[A-Za-z0-9_.-]{1,30}`.
    fn app(r, v: impl Into<String>) {
        r.app = v.into();
    }

    /// Sets the stream name (required), `[A-Za-z0-9_.-]{1,100}`.
    fn stream(r, v: impl Into<String>) {
        r.stream = v.into();
    }

    /// Sets the pull URL to record (required).
    fn stream_url(r, v: impl Into<String>) {
        r.stream_url = v.into();
    }

    /// Sets the domain space.
    fn vhost(r, v: impl Into<String>) {
        r.vhost = Some(v.into());
    }

    /// Sets when to start, as RFC 3339 text (default: now).
    fn start_time(r, t: impl Into<String>) {
        r.start_time = Some(t.into());
    }

    /// Sets when to stop, as RFC 3339 text, after the start (default: when the stream ends).
    fn end_time(r, t: impl Into<String>) {
        r.end_time = Some(t.into());
    }

    /// Sets when to start from a typed time (written in UTC, to the second).
    fn start_at(r, t: time::OffsetDateTime) {
        r.start_time = Some(format_rfc3339(t));
    }

    /// Sets when to stop from a typed time (written in UTC, to the second).
    fn end_at(r, t: time::OffsetDateTime) {
        r.end_time = Some(format_rfc3339(t));
    }
});

impl Operation for CreatePullRecordTaskRequest {
    const ACTION: ActionFacts = Action::CreatePullRecordTask.facts();
    type Result = CreatePullRecordTaskResult;
    fn validate(&self) -> Result<(), ValidationError> {
        if let Some(v) = &self.vhost {
            validate::domain("Vhost", v)?;
        }
        validate::domain("Domain", &self.domain)?;
        validate::app("App", &self.app)?;
        validate::stream("Stream", &self.stream)?;
        validate::stream_url("StreamURL", &self.stream_url)?;
        validate::time_range(self.start_time.as_deref(), self.end_time.as_deref())
    }
}

/// CreatePullRecordTask's `Result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatePullRecordTaskResult {
    /// The new task's id.
    #[serde(rename = "TaskId")]
    pub task_id: String,
}

impl CreatePullRecordTaskResult {
    /// A result for `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
        }
    }
}

/// ListPullRecordTask: one page of tasks, optionally filtered.
///
/// ```
/// use live_model::{ListPullRecordTaskRequest, Operation};
///
/// let req = ListPullRecordTaskRequest::new(1, 100).app("live");
/// assert_eq!(serde_json::to_string(&req).unwrap(), r#"{"PageNum":1,"PageSize":100,"App":"live"}"#);
/// assert_eq!(ListPullRecordTaskRequest::new(1, 501).validate().unwrap_err().field, "PageSize");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListPullRecordTaskRequest {
    /// The page, from 1.
    #[serde(rename = "PageNum")]
    pub page_num: u32,
    /// Tasks per page, 1 to 500.
    #[serde(rename = "PageSize")]
    pub page_size: u32,
    /// Only tasks of this domain space.
    #[serde(rename = "Vhost", default, skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    /// Only tasks of this domain.
    #[serde(rename = "Domain", default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Only tasks of this application.
    #[serde(rename = "App", default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// Only tasks of this stream.
    #[serde(rename = "Stream", default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

impl ListPullRecordTaskRequest {
    /// A request for page `page_num` of `page_size` tasks, unfiltered.
    pub fn new(page_num: u32, page_size: u32) -> Self {
        Self {
            page_num,
            page_size,
            vhost: None,
            domain: None,
            app: None,
            stream: None,
        }
    }
}

/// Page 1 of 20 tasks (the service's default size), unfiltered.
impl Default for ListPullRecordTaskRequest {
    fn default() -> Self {
        Self::new(1, 20)
    }
}

setters!(ListPullRecordTaskRequest {
    /// Sets the page, from 1 (default 1).
    fn page_num(r, n: u32) {
        r.page_num = n;
    }

    /// Sets the tasks per page, 1 to 500 (default 20).
    fn page_size(r, n: u32) {
        r.page_size = n;
    }

    /// Only tasks of this domain space.
    fn vhost(r, v: impl Into<String>) {
        r.vhost = Some(v.into());
    }

    /// Only tasks of this domain.
    fn domain(r, v: impl Into<String>) {
        r.domain = Some(v.into());
    }

    /// Only tasks of this application.
    fn app(r, v: impl Into<String>) {
        r.app = Some(v.into());
    }

    /// Only tasks of this stream.
    fn stream(r, v: impl Into<String>) {
        r.stream = Some(v.into());
    }
});

impl<C: Paginate<ListPullRecordTaskRequest>> Request<ListPullRecordTaskRequest, C> {
    /// Every task of every page from `page_num` on: [`Request::items`].
    pub fn tasks(self) -> C::Items {
        self.items()
    }
}

impl Operation for ListPullRecordTaskRequest {
    const ACTION: ActionFacts = Action::ListPullRecordTask.facts();
    type Result = ListPullRecordTaskResult;
    fn validate(&self) -> Result<(), ValidationError> {
        validate::page(self.page_num, self.page_size)?;
        if let Some(v) = &self.vhost {
            validate::domain("Vhost", v)?;
        }
        if let Some(v) = &self.domain {
            validate::domain("Domain", v)?;
        }
        if let Some(v) = &self.app {
            validate::app("App", v)?;
        }
        if let Some(v) = &self.stream {
            validate::stream("Stream", v)?;
        }
        Ok(())
    }
}

/// ListPullRecordTask's `Result`: the page's tasks and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListPullRecordTaskResult {
    /// The tasks on this page (`null` or absent reads as none).
    #[serde(rename = "List", default, deserialize_with = "null_as_empty")]
    pub list: Vec<PullRecordTask>,
    /// Where this page is.
    #[serde(rename = "Pagination")]
    pub pagination: Pagination,
}

impl ListPullRecordTaskResult {
    /// A page.
    pub fn new(list: Vec<PullRecordTask>, pagination: Pagination) -> Self {
        Self { list, pagination }
    }

    /// Whether a later page exists: this page is not the last and was not empty.
    pub fn has_more(&self) -> bool {
        !self.list.is_empty() && self.pagination.page_cur < self.pagination.page_total
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PullRecordTask>, D::Error> {
    Ok(Option::<Vec<PullRecordTask>>::deserialize(d)?.unwrap_or_default())
}

/// `Pagination` of a ListPullRecordTask page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pagination {
    /// This page, from 1.
    #[serde(rename = "PageCur")]
    pub page_cur: u32,
    /// Tasks per page.
    #[serde(rename = "PageSize")]
    pub page_size: u32,
    /// Number of pages.
    #[serde(rename = "PageTotal")]
    pub page_total: u32,
    /// Number of tasks.
    #[serde(rename = "TotalCount")]
    pub total_count: u64,
}

impl Pagination {
    /// The pagination of page `page_cur` of `page_size` over `total_count` tasks.
    pub fn new(page_cur: u32, page_size: u32, total_count: u64) -> Self {
        let size = u64::from(page_size.max(1));
        let pages = total_count.div_ceil(size);
        Self {
            page_cur,
            page_size,
            page_total: u32::try_from(pages).unwrap_or(u32::MAX),
            total_count,
        }
    }
}

/// StopPullRecordTask: stop a task that has not started or is recording. The body key is
/// `TaskId`.
///
/// ```
/// use live_model::StopPullRecordTaskRequest;
///
/// let req = StopPullRecordTaskRequest::new("t1");
/// assert_eq!(serde_json::to_string(&req).unwrap(), r#"{"TaskId":"t1"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StopPullRecordTaskRequest {
    /// The task id.
    #[serde(rename = "TaskId")]
    pub task_id: String,
}

impl StopPullRecordTaskRequest {
    /// A request for `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
        }
    }
}

setters!(StopPullRecordTaskRequest {
    /// Sets the task id (required).
    fn task_id(r, id: impl Into<String>) {
        r.task_id = id.into();
    }
});

impl Operation for StopPullRecordTaskRequest {
    const ACTION: ActionFacts = Action::StopPullRecordTask.facts();
    type Result = StopPullRecordTaskResult;
    fn validate(&self) -> Result<(), ValidationError> {
        validate::task_id("TaskId", &self.task_id)
    }
}

/// StopPullRecordTask's result: nothing (the answer has no `Result`; any that comes is
/// ignored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StopPullRecordTaskResult {}

impl<'de> Deserialize<'de> for StopPullRecordTaskResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d)?;
        Ok(Self {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> time::OffsetDateTime {
        crate::parse_rfc3339("t", s).unwrap()
    }

    #[test]
    fn a_request_and_its_builder_set_the_same_fields() {
        let get = GetPullRecordTaskRequest::default().task_id("t1");
        let built = Request::new(GetPullRecordTaskRequest::default(), ()).task_id("t1");
        assert_eq!((built.input(), get.task_id.as_str()), (&get, "t1"));

        let stop = StopPullRecordTaskRequest::default().task_id("t2");
        let built = Request::new(StopPullRecordTaskRequest::default(), ()).task_id("t2");
        assert_eq!((built.input(), stop.task_id.as_str()), (&stop, "t2"));

        let (start, end) = (at("2023-10-09T15:16:15Z"), at("2023-10-09T16:16:15Z"));
        let create = CreatePullRecordTaskRequest::default()
            .domain("pull.example.com")
            .app("live")
            .stream("s")
            .stream_url("http://pull.example.com/live/s.flv")
            .vhost("example.com")
            .start_at(start)
            .end_at(end);
        let built = Request::new(CreatePullRecordTaskRequest::default(), ())
            .domain("pull.example.com")
            .app("live")
            .stream("s")
            .stream_url("http://pull.example.com/live/s.flv")
            .vhost("example.com")
            .start_time("2023-10-09T15:16:15Z")
            .end_time("2023-10-09T16:16:15Z");
        assert_eq!(built.input(), &create);
        assert_eq!(
            create,
            CreatePullRecordTaskRequest::new(
                "pull.example.com",
                "live",
                "s",
                "http://pull.example.com/live/s.flv"
            )
            .vhost("example.com")
            .start_time("2023-10-09T15:16:15Z")
            .end_time("2023-10-09T16:16:15Z")
        );
        assert!(create.validate().is_ok());

        let list = ListPullRecordTaskRequest::default()
            .page_num(3)
            .page_size(100)
            .vhost("v.example.com")
            .domain("d.example.com")
            .app("live")
            .stream("s");
        let built = Request::new(ListPullRecordTaskRequest::default(), ())
            .page_num(3)
            .page_size(100)
            .vhost("v.example.com")
            .domain("d.example.com")
            .app("live")
            .stream("s")
            .max_pages(0);
        assert_eq!(built.input(), &list);
        assert_eq!(
            (list.page_num, list.page_size, list.stream.as_deref()),
            (3, 100, Some("s"))
        );
        assert_eq!(built.into_parts(), (list, (), Some(1)), "at least one page");
    }

    #[test]
    fn an_empty_request_is_refused_by_validation() {
        let get = GetPullRecordTaskRequest::default().validate().unwrap_err();
        assert_eq!(get.field, "TaskID");
        assert_eq!(
            StopPullRecordTaskRequest::default()
                .validate()
                .unwrap_err()
                .field,
            "TaskId"
        );
        let create = CreatePullRecordTaskRequest::default()
            .validate()
            .unwrap_err();
        assert_eq!(create.field, "Domain");
        assert_eq!(
            ListPullRecordTaskRequest::default(),
            ListPullRecordTaskRequest::new(1, 20)
        );
        assert!(ListPullRecordTaskRequest::default().validate().is_ok());
    }
}
