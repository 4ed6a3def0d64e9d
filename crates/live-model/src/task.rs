//! A pull-record task, and the two shapes of GetPullRecordTask's result.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::{TaskStatus, TimeError};

/// One pull-record task, as Get and List return it.
///
/// The times are kept exactly as received; [`PullRecordTask::parse_start_time`] and
/// [`PullRecordTask::parse_end_time`] read them as RFC 3339, so an empty or odd time fails only
/// when asked for, never the whole response.
///
/// ```
/// use live_model::{PullRecordTask, TaskStatus};
///
/// let task: PullRecordTask = serde_json::from_str(r#"{"TaskId":"t1","StartTime":"2023-10-09T15:16:15+08:00","EndTime":"","Vhost":"example.com","Domain":"pull.example.com","App":"live","Stream":"s","Status":"生效中"}"#).unwrap();
/// assert_eq!(task.status, TaskStatus::Recording);
/// assert_eq!(task.parse_start_time().unwrap().unix_timestamp(), 1_696_835_775);
/// assert!(task.parse_end_time().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PullRecordTask {
    /// The task id.
    #[serde(rename = "TaskId")]
    pub task_id: String,
    /// When recording starts, as received (RFC 3339; may be empty).
    #[serde(rename = "StartTime")]
    pub start_time: String,
    /// When recording ends, as received (RFC 3339; may be empty).
    #[serde(rename = "EndTime")]
    pub end_time: String,
    /// The domain space given at creation.
    #[serde(rename = "Vhost")]
    pub vhost: String,
    /// The domain given at creation.
    #[serde(rename = "Domain")]
    pub domain: String,
    /// The application name.
    #[serde(rename = "App")]
    pub app: String,
    /// The stream name; absent from GetPullRecordTask's nested (`TaskDetail`) shape.
    #[serde(rename = "Stream", default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// The status.
    #[serde(rename = "Status")]
    pub status: TaskStatus,
}

impl PullRecordTask {
    /// A task with these fields and empty times.
    pub fn new(
        task_id: impl Into<String>,
        vhost: impl Into<String>,
        domain: impl Into<String>,
        app: impl Into<String>,
        stream: Option<String>,
        status: TaskStatus,
    ) -> Self {
        Self {
            task_id: task_id.into(),
            start_time: String::new(),
            end_time: String::new(),
            vhost: vhost.into(),
            domain: domain.into(),
            app: app.into(),
            stream,
            status,
        }
    }

    /// Sets both times, as text.
    pub fn with_times(mut self, start: impl Into<String>, end: impl Into<String>) -> Self {
        self.start_time = start.into();
        self.end_time = end.into();
        self
    }

    /// The start time, read as RFC 3339.
    pub fn parse_start_time(&self) -> Result<OffsetDateTime, TimeError> {
        parse_rfc3339("StartTime", &self.start_time)
    }

    /// The end time, read as RFC 3339.
    pub fn parse_end_time(&self) -> Result<OffsetDateTime, TimeError> {
        parse_rfc3339("EndTime", &self.end_time)
    }
}

/// Reads an RFC 3339 time, naming `field` in the error.
pub fn parse_rfc3339(field: &'static str, value: &str) -> Result<OffsetDateTime, TimeError> {
    if value.trim().is_empty() {
        return Err(TimeError {
            field,
            value: String::new(),
            reason: "empty",
        });
    }
    OffsetDateTime::parse(value, &Rfc3339).map_err(|_| TimeError {
        field,
        value: value.chars().take(64).collect(),
        reason: "not an RFC 3339 time",
    })
}

/// Writes a time as the API does: RFC 3339 in UTC, to the second (`2023-10-09T07:16:15Z`).
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    // Checked: a time at the edge of the range (year 9999 with a negative offset) has no UTC
    // form; it is then written in its own offset.
    let t = t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(t);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// Which shape a GetPullRecordTask `Result` has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GetShape {
    /// The task's fields directly in `Result`, with `Stream` (the API page's shape).
    #[default]
    Flat,
    /// The task in `Result.TaskDetail`, without `Stream` (the official SDKs' shape since 2025).
    Nested,
}

/// GetPullRecordTask's `Result`, in either documented shape.
///
/// Decoding reads `Result.TaskDetail` when present, else `Result` itself; `shape` records which
/// it was, and encoding writes the same shape back (the nested shape has no `Stream`).
///
/// ```
/// use live_model::{GetPullRecordTaskResult, GetShape};
///
/// let flat: GetPullRecordTaskResult = serde_json::from_str(r#"{"TaskId":"t","StartTime":"","EndTime":"","Vhost":"v","Domain":"d","App":"a","Stream":"s","Status":"停用"}"#).unwrap();
/// let nested: GetPullRecordTaskResult = serde_json::from_str(r#"{"TaskDetail":{"TaskId":"t","StartTime":"","EndTime":"","Vhost":"v","Domain":"d","App":"a","Status":"停用"}}"#).unwrap();
/// assert_eq!((flat.shape, nested.shape), (GetShape::Flat, GetShape::Nested));
/// assert_eq!(flat.task.stream.as_deref(), Some("s"));
/// assert_eq!(nested.task.stream, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPullRecordTaskResult {
    /// The task.
    pub task: PullRecordTask,
    /// The shape it came in (or is to be written in).
    pub shape: GetShape,
}

impl GetPullRecordTaskResult {
    /// A result to write in `shape`.
    pub fn new(task: PullRecordTask, shape: GetShape) -> Self {
        Self { task, shape }
    }
}

impl<'de> Deserialize<'de> for GetPullRecordTaskResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        /// Both shapes in one pass: `TaskDetail`, or the task's fields at the top.
        #[derive(Deserialize)]
        struct Either {
            #[serde(rename = "TaskDetail", default, deserialize_with = "detail")]
            detail: Option<PullRecordTask>,
            #[serde(rename = "TaskId")]
            task_id: Option<String>,
            #[serde(rename = "StartTime")]
            start_time: Option<String>,
            #[serde(rename = "EndTime")]
            end_time: Option<String>,
            #[serde(rename = "Vhost")]
            vhost: Option<String>,
            #[serde(rename = "Domain")]
            domain: Option<String>,
            #[serde(rename = "App")]
            app: Option<String>,
            #[serde(rename = "Stream")]
            stream: Option<String>,
            #[serde(rename = "Status")]
            status: Option<TaskStatus>,
        }
        fn detail<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PullRecordTask>, D::Error> {
            Option::<PullRecordTask>::deserialize(d)
                .map_err(|e| D::Error::custom(format!("in TaskDetail: {e}")))
        }
        let e = Either::deserialize(d)?;
        if let Some(task) = e.detail {
            return Ok(Self {
                task,
                shape: GetShape::Nested,
            });
        }
        fn required<T, E: serde::de::Error>(v: Option<T>, field: &'static str) -> Result<T, E> {
            v.ok_or_else(|| E::missing_field(field))
        }
        let task = PullRecordTask {
            task_id: required(e.task_id, "TaskId")?,
            start_time: required(e.start_time, "StartTime")?,
            end_time: required(e.end_time, "EndTime")?,
            vhost: required(e.vhost, "Vhost")?,
            domain: required(e.domain, "Domain")?,
            app: required(e.app, "App")?,
            stream: e.stream,
            status: required(e.status, "Status")?,
        };
        Ok(Self {
            task,
            shape: GetShape::Flat,
        })
    }
}

impl Serialize for GetPullRecordTaskResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.shape {
            GetShape::Flat => self.task.serialize(s),
            GetShape::Nested => {
                #[derive(Serialize)]
                struct Nested<'a> {
                    #[serde(rename = "TaskDetail")]
                    detail: &'a PullRecordTask,
                }
                let mut detail = self.task.clone();
                detail.stream = None;
                Nested { detail: &detail }.serialize(s)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = parse_rfc3339("StartTime", "2023-10-09T15:16:15+08:00").unwrap();
        assert_eq!(format_rfc3339(t), "2023-10-09T07:16:15Z");
        assert_eq!(parse_rfc3339("EndTime", "").unwrap_err().reason, "empty");
        let bad = parse_rfc3339("EndTime", "2023-10-09 15:16").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "EndTime \"2023-10-09 15:16\" is not an RFC 3339 time"
        );
    }
}
