//! The status of a pull-record task.

use std::fmt;

/// A pull-record task's status. The API sends it as Chinese text; this type keeps unknown
/// values (as [`TaskStatus::Unknown`]) instead of failing, and writes back the exact text.
///
/// | variant | on the wire | [`TaskStatus::name`] |
/// |---|---|---|
/// | `Stopped` | `停用` | `stopped` |
/// | `NotStarted` | `未开始` | `not_started` |
/// | `Recording` | `生效中` | `recording` |
/// | `Finished` | `已结束` | `finished` |
/// | `Unknown(text)` | `text` | `unknown` |
///
/// ```
/// use live_model::TaskStatus;
///
/// let s: TaskStatus = serde_json::from_str(r#""生效中""#).unwrap();
/// assert_eq!(s, TaskStatus::Recording);
/// assert_eq!(s.name(), "recording");
/// assert_eq!(s.to_string(), "recording");
/// assert_eq!(serde_json::to_string(&s).unwrap(), r#""生效中""#);
/// let odd: TaskStatus = serde_json::from_str(r#""暂停""#).unwrap();
/// assert_eq!((odd.name(), odd.text()), ("unknown", "暂停"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// `停用`: stopped with StopPullRecordTask.
    Stopped,
    /// `未开始`: before its start time.
    NotStarted,
    /// `生效中`: recording.
    Recording,
    /// `已结束`: recording finished.
    Finished,
    /// Any other text, kept as received.
    Unknown(String),
}

impl TaskStatus {
    /// The text the API uses.
    pub fn text(&self) -> &str {
        match self {
            TaskStatus::Stopped => "停用",
            TaskStatus::NotStarted => "未开始",
            TaskStatus::Recording => "生效中",
            TaskStatus::Finished => "已结束",
            TaskStatus::Unknown(s) => s,
        }
    }

    /// A stable English name for display and scripts: `stopped`, `not_started`, `recording`,
    /// `finished` or `unknown`.
    pub fn name(&self) -> &'static str {
        match self {
            TaskStatus::Stopped => "stopped",
            TaskStatus::NotStarted => "not_started",
            TaskStatus::Recording => "recording",
            TaskStatus::Finished => "finished",
            TaskStatus::Unknown(_) => "unknown",
        }
    }

    /// The status for the API's text (unknown text is kept).
    pub fn from_text(text: &str) -> Self {
        match text {
            "停用" => TaskStatus::Stopped,
            "未开始" => TaskStatus::NotStarted,
            "生效中" => TaskStatus::Recording,
            "已结束" => TaskStatus::Finished,
            other => TaskStatus::Unknown(other.to_owned()),
        }
    }

    /// Whether the task can still record (not started or recording): the states
    /// StopPullRecordTask applies to.
    pub fn is_active(&self) -> bool {
        matches!(self, TaskStatus::NotStarted | TaskStatus::Recording)
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

serde_as_text!(TaskStatus, text);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_statuses_round_trip() {
        for (text, name) in [
            ("停用", "stopped"),
            ("未开始", "not_started"),
            ("生效中", "recording"),
            ("已结束", "finished"),
            ("", "unknown"),
        ] {
            let s = TaskStatus::from_text(text);
            assert_eq!(s.text(), text);
            assert_eq!(s.name(), name);
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<TaskStatus>(&json).unwrap(), s);
        }
        assert!(TaskStatus::Recording.is_active() && !TaskStatus::Stopped.is_active());
    }
}
