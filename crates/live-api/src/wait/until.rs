//! What a wait is for: [`WaitUntil`], the statuses that satisfy it and those that rule it out.

use std::fmt;
use std::str::FromStr;

use live_model::TaskStatus;

/// A status to wait for ([`WaitForPullRecordTask::until`](super::WaitForPullRecordTask::until)); `volc-live
/// wait-pull-record-task --until` takes the same words.
///
/// ```
/// use live_api::wait::WaitUntil;
/// use live_model::TaskStatus;
///
/// let until: WaitUntil = "ended".parse().unwrap();
/// assert!(until.holds(&TaskStatus::Finished) && until.holds(&TaskStatus::Stopped));
/// assert!(!until.holds(&TaskStatus::Recording));
/// assert!(WaitUntil::Recording.holds(&TaskStatus::Finished), "it has started");
/// assert!("later".parse::<WaitUntil>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum WaitUntil {
    /// `recording`: the recording has started (`生效中`, or already `已结束`).
    Recording,
    /// `finished`: the recording has finished (`已结束`).
    Finished,
    /// `stopped`: the task was stopped (`停用`).
    Stopped,
    /// `ended` (the default): finished or stopped.
    #[default]
    Ended,
}

impl WaitUntil {
    /// Every condition, in the order of their words.
    pub const ALL: [WaitUntil; 4] = [
        WaitUntil::Recording,
        WaitUntil::Finished,
        WaitUntil::Stopped,
        WaitUntil::Ended,
    ];

    /// Whether `status` satisfies it.
    pub fn holds(&self, status: &TaskStatus) -> bool {
        match self {
            WaitUntil::Recording => {
                matches!(status, TaskStatus::Recording | TaskStatus::Finished)
            }
            WaitUntil::Finished => *status == TaskStatus::Finished,
            WaitUntil::Stopped => *status == TaskStatus::Stopped,
            WaitUntil::Ended => matches!(status, TaskStatus::Finished | TaskStatus::Stopped),
        }
    }

    /// Whether `status` is final (stopped, or finished) without satisfying it, so that no
    /// later status can: a stopped task never finishes nor records again, and a finished one
    /// is never stopped. Not started, recording and unknown statuses are never final.
    pub fn unreachable_from(&self, status: &TaskStatus) -> bool {
        matches!(status, TaskStatus::Stopped | TaskStatus::Finished) && !self.holds(status)
    }

    /// Its word: `recording`, `finished`, `stopped` or `ended`.
    pub fn word(&self) -> &'static str {
        match self {
            WaitUntil::Recording => "recording",
            WaitUntil::Finished => "finished",
            WaitUntil::Stopped => "stopped",
            WaitUntil::Ended => "ended",
        }
    }
}

impl fmt::Display for WaitUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// A word that is not a [`WaitUntil`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("wait until one of recording, finished, stopped, ended; got {0:?}")]
pub struct WaitUntilParseError(String);

impl FromStr for WaitUntil {
    type Err = WaitUntilParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WaitUntil::ALL
            .into_iter()
            .find(|u| u.word() == s.trim())
            .ok_or_else(|| WaitUntilParseError(s.chars().take(32).collect()))
    }
}
