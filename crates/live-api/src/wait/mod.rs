//! Waiting on a task: GetPullRecordTask polled, with backoff and paced, until a status
//! condition holds, or up to a maximum wait.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use live_model::{PullRecordTask, TaskStatus};

use crate::env::within;

pub(crate) mod until;

use crate::ops::GetPullRecordTaskOutput;
use crate::{ErrorKind, LiveClient, LiveError};
pub use until::{WaitUntil, WaitUntilParseError};

/// Where a wait stands, after each poll ([`WaitForPullRecordTask::on_poll`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct WaitProgress<'a> {
    /// The task.
    pub task_id: &'a str,
    /// The status this poll read; `None` when it failed.
    pub status: Option<&'a TaskStatus>,
    /// The error of this poll, when it failed and the wait goes on.
    pub error: Option<&'a LiveError>,
    /// Polls so far, this one included.
    pub polls: u32,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// When the next poll is, from now; `None` when the wait ends with this poll.
    pub next_poll_in: Option<Duration>,
}

type Condition = Arc<dyn Fn(&PullRecordTask) -> bool + Send + Sync>;
type OnPoll = Arc<dyn Fn(&WaitProgress<'_>) + Send + Sync>;

/// Waits for a task's status; see [`LiveClient::wait_for_pull_record_task`].
#[must_use = "nothing is polled until `send` is awaited"]
#[derive(Clone)]
pub struct WaitForPullRecordTask {
    client: LiveClient,
    task_id: String,
    condition: Condition,
    until: Option<WaitUntil>,
    max_wait: Duration,
    first_interval: Duration,
    max_interval: Duration,
    on_poll: Option<OnPoll>,
}

impl fmt::Debug for WaitForPullRecordTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForPullRecordTask")
            .field("task_id", &self.task_id)
            .field("until", &self.until)
            .field("max_wait", &self.max_wait)
            .field("first_interval", &self.first_interval)
            .field("max_interval", &self.max_interval)
            .finish_non_exhaustive()
    }
}

/// How a wait ended well: the answer whose status satisfied the condition.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOutput {
    /// The last GetPullRecordTask answer: its task satisfies the condition.
    pub output: GetPullRecordTaskOutput,
    /// How many polls it took.
    pub polls: u32,
    /// How long it waited.
    pub waited: Duration,
}

impl WaitForPullRecordTask {
    /// The default longest wait: one hour.
    pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(3_600);
    /// The default first interval between polls: 1 s.
    pub const DEFAULT_FIRST_INTERVAL: Duration = Duration::from_secs(1);
    /// The default longest interval between polls: 30 s.
    pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_secs(30);

    /// Waits until the status satisfies `until` (default [`WaitUntil::Ended`]). A task that
    /// was stopped never finishes, and one that finished is never stopped: wait for `Ended`
    /// unless only one of them will do. A task found in the other final status ends the wait
    /// at once with [`ErrorKind::WaitUnreachable`] (see [`WaitUntil::unreachable_from`]).
    pub fn until(mut self, until: WaitUntil) -> Self {
        self.condition = Arc::new(move |t: &PullRecordTask| until.holds(&t.status));
        self.until = Some(until);
        self
    }

    /// Waits until `condition` holds for the task read.
    pub fn until_task(
        mut self,
        condition: impl Fn(&PullRecordTask) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.condition = Arc::new(condition);
        self.until = None;
        self
    }

    /// The longest wait (default [`DEFAULT_MAX_WAIT`](Self::DEFAULT_MAX_WAIT)): the last poll
    /// is at this time, and the wait then ends with [`ErrorKind::WaitTimeout`].
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// The intervals between polls: `first`, doubling after each poll, up to `max` (default
    /// 1 s up to 30 s). Each poll also waits for its permit from the client's limiter.
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_interval = first.max(Duration::from_millis(1));
        self.max_interval = max.max(self.first_interval);
        self
    }

    /// Calls `f` after each poll (for a progress line: status, elapsed, next poll).
    pub fn on_poll(mut self, f: impl Fn(&WaitProgress<'_>) + Send + Sync + 'static) -> Self {
        self.on_poll = Some(Arc::new(f));
        self
    }

    /// Polls until the condition holds: the first poll at once, then after each interval.
    ///
    /// A poll that fails with an error that may pass (a retryable error after the client's
    /// retries, a timeout) does not end the wait; any other error (the task does not exist,
    /// the keys are refused) ends it. At the maximum wait it ends with
    /// [`ErrorKind::WaitTimeout`] naming the last status seen ([`LiveError::is_timeout`]).
    /// With [`until`](Self::until), a final status that can never satisfy it ends the wait at
    /// once with [`ErrorKind::WaitUnreachable`]. A call outside any Tokio runtime is refused
    /// at once with [`ErrorKind::Runtime`], nothing sent.
    pub async fn send(self) -> Result<WaitOutput, LiveError> {
        let env = self.client.environment().clone();
        // The wait's own timers need them too, before the first poll would find out.
        env.check_timers()
            .map_err(|m| LiveError::from(ErrorKind::Runtime(m)))?;
        let started = env.monotonic();
        let elapsed = || env.monotonic().saturating_duration_since(started);
        let mut interval = self.first_interval;
        let mut polls = 0u32;
        let mut last_status: Option<TaskStatus> = None;
        loop {
            polls += 1;
            let left = self.max_wait.saturating_sub(elapsed());
            let poll = self
                .client
                .get_pull_record_task()
                .task_id(&self.task_id)
                .send();
            // The last poll, at the deadline, is bounded by the client's own timeouts only.
            let polled = if left.is_zero() {
                Some(poll.await)
            } else {
                within(poll, || env.timer(left)).await
            };
            let (out, error) = match polled {
                Some(Ok(out)) => (Some(out), None),
                Some(Err(e)) => (None, Some(e)),
                None => (None, None),
            };
            let error = match error {
                Some(e) if !(e.is_retryable() || e.is_timeout()) => return Err(e),
                other => other,
            };
            let done = out.as_ref().is_some_and(|o| (self.condition)(&o.task));
            let unreachable = match (&out, self.until) {
                (Some(o), Some(until)) => !done && until.unreachable_from(&o.task.status),
                _ => false,
            };
            let left = self.max_wait.saturating_sub(elapsed());
            let next = (!done && !unreachable && !left.is_zero()).then(|| interval.min(left));
            if let Some(f) = &self.on_poll {
                f(&WaitProgress {
                    task_id: &self.task_id,
                    status: out.as_ref().map(|o| &o.task.status),
                    error: error.as_ref(),
                    polls,
                    elapsed: elapsed(),
                    next_poll_in: next,
                });
            }
            if let Some(out) = out {
                if done {
                    return Ok(WaitOutput {
                        output: out,
                        polls,
                        waited: elapsed(),
                    });
                }
                if let (true, Some(until)) = (unreachable, self.until) {
                    return Err(ErrorKind::WaitUnreachable {
                        task_id: self.task_id,
                        status: out.task.status,
                        until,
                    }
                    .into());
                }
                last_status = Some(out.task.status);
            }
            let Some(sleep) = next else {
                return Err(ErrorKind::WaitTimeout {
                    task_id: self.task_id,
                    last_status,
                    waited: elapsed(),
                }
                .into());
            };
            tracing::debug!(task_id = %self.task_id, polls, ?sleep, "waiting for the task's status");
            env.sleep(sleep).await;
            interval = interval.saturating_mul(2).min(self.max_interval);
        }
    }
}

impl LiveClient {
    /// Waits for a task's status: polls GetPullRecordTask until the status satisfies the
    /// condition (default [`WaitUntil::Ended`]: finished or stopped), backing off from 1 s to
    /// 30 s between polls, each poll paced by the limiter, for at most an hour (see
    /// [`WaitForPullRecordTask`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = live_emulator::Emulator::start(Default::default()).await?;
    /// # let client = live_api::LiveClient::builder().endpoint(emulator.base_url())
    /// #     .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?).build()?;
    /// use std::time::Duration;
    /// use live_api::wait::WaitUntil;
    ///
    /// // The documented example task ended long ago: the first poll says so.
    /// let done = client
    ///     .wait_for_pull_record_task(live_emulator::EXAMPLE_TASK_ID)
    ///     .until(WaitUntil::Finished)
    ///     .max_wait(Duration::from_secs(600))
    ///     .on_poll(|p| eprintln!("{:?} after {:?}, next poll in {:?}", p.status, p.elapsed, p.next_poll_in))
    ///     .send()
    ///     .await?;
    /// assert_eq!(done.polls, 1);
    /// assert_eq!(done.output.task.status, live_model::TaskStatus::Finished);
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_pull_record_task(&self, task_id: impl Into<String>) -> WaitForPullRecordTask {
        WaitForPullRecordTask {
            client: self.clone(),
            task_id: task_id.into(),
            condition: Arc::new(|t: &PullRecordTask| WaitUntil::Ended.holds(&t.status)),
            until: Some(WaitUntil::Ended),
            max_wait: WaitForPullRecordTask::DEFAULT_MAX_WAIT,
            first_interval: WaitForPullRecordTask::DEFAULT_FIRST_INTERVAL,
            max_interval: WaitForPullRecordTask::DEFAULT_MAX_INTERVAL,
            on_poll: None,
        }
    }
}
