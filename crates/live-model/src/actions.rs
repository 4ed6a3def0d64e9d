//! The four pull-record-task actions: their requests and results.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::task::format_rfc3339;
use crate::{
    validate, Action, ActionFacts, GetPullRecordTaskResult, PullRecordTask, ValidationError,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    /// Sets the domain space.
    pub fn vhost(mut self, vhost: impl Into<String>) -> Self {
        self.vhost = Some(vhost.into());
        self
    }

    /// Sets the start time, as RFC 3339 text.
    pub fn start_time(mut self, t: impl Into<String>) -> Self {
        self.start_time = Some(t.into());
        self
    }

    /// Sets the end time, as RFC 3339 text.
    pub fn end_time(mut self, t: impl Into<String>) -> Self {
        self.end_time = Some(t.into());
        self
    }

    /// Sets the start time from a typed time (written in UTC, to the second).
    pub fn start_at(self, t: time::OffsetDateTime) -> Self {
        self.start_time(format_rfc3339(t))
    }

    /// Sets the end time from a typed time (written in UTC, to the second).
    pub fn end_at(self, t: time::OffsetDateTime) -> Self {
        self.end_time(format_rfc3339(t))
    }
}

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

    /// Filters by domain space.
    pub fn vhost(mut self, v: impl Into<String>) -> Self {
        self.vhost = Some(v.into());
        self
    }

    /// Filters by domain.
    pub fn domain(mut self, v: impl Into<String>) -> Self {
        self.domain = Some(v.into());
        self
    }

    /// Filters by application.
    pub fn app(mut self, v: impl Into<String>) -> Self {
        self.app = Some(v.into());
        self
    }

    /// Filters by stream.
    pub fn stream(mut self, v: impl Into<String>) -> Self {
        self.stream = Some(v.into());
        self
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
