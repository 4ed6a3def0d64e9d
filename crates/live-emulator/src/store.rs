//! The in-memory, per-account task store, the four task actions' rules, and the recordings
//! that ran (what DescribeRecordTaskFileHistory's files are made of).

use std::collections::HashMap;
use std::time::SystemTime;

use live_model::{
    format_rfc3339, parse_rfc3339, CreatePullRecordTaskRequest, ErrorCode,
    ListPullRecordTaskRequest, ListPullRecordTaskResult, Pagination, PullRecordTask, TaskStatus,
};
use time::OffsetDateTime;

use crate::config::{DomainGrant, SeedTask};
use crate::error::EmulatorError;

/// An action's refusal: the code (its documented status goes with it) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone)]
struct TaskRecord {
    id: String,
    account: String,
    vhost: String,
    domain: String,
    app: String,
    stream: String,
    start_text: String,
    end_text: String,
    start: Option<OffsetDateTime>,
    end: Option<OffsetDateTime>,
    stopped: bool,
    /// When it was stopped, on the emulator's clock (unknown for a seed task).
    stopped_at: Option<OffsetDateTime>,
}

impl TaskRecord {
    fn status(&self, now: OffsetDateTime) -> TaskStatus {
        if self.stopped {
            TaskStatus::Stopped
        } else if self.start.is_some_and(|s| now < s) {
            TaskStatus::NotStarted
        } else if self.end.is_none_or(|e| now < e) {
            TaskStatus::Recording
        } else {
            TaskStatus::Finished
        }
    }

    fn view(&self, now: OffsetDateTime) -> PullRecordTask {
        PullRecordTask::new(
            self.id.clone(),
            self.vhost.clone(),
            self.domain.clone(),
            self.app.clone(),
            Some(self.stream.clone()),
            self.status(now),
        )
        .with_times(self.start_text.clone(), self.end_text.clone())
    }
}

/// A recording that ran: what its files are made of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recording<'a> {
    pub(crate) task_id: &'a str,
    /// The task's vhost, or its domain when it has none.
    pub(crate) vhost: &'a str,
    pub(crate) app: &'a str,
    pub(crate) stream: &'a str,
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    /// The zone of the task's start time as it was given.
    pub(crate) zone: time::UtcOffset,
}

/// All tasks of all accounts, in creation order.
pub(crate) struct Store {
    tasks: Vec<TaskRecord>,
    index: HashMap<String, usize>,
    domains: Vec<DomainGrant>,
    rng: fastrand::Rng,
}

fn to_offset(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

fn optional_time(field: &'static str, text: &str) -> Result<Option<OffsetDateTime>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_rfc3339(field, text)
        .map(Some)
        .map_err(|e| e.to_string())
}

impl Store {
    pub(crate) fn new(
        seed: &[SeedTask],
        owner: &str,
        domains: Vec<DomainGrant>,
        now: SystemTime,
    ) -> Result<Self, EmulatorError> {
        let mut store = Self {
            tasks: Vec::new(),
            index: HashMap::new(),
            domains,
            rng: fastrand::Rng::new(),
        };
        for t in seed {
            let start = optional_time("StartTime", &t.start_time).map_err(EmulatorError::Config)?;
            let end = optional_time("EndTime", &t.end_time).map_err(EmulatorError::Config)?;
            if store.index.contains_key(&t.task_id) {
                return Err(EmulatorError::Config(format!(
                    "the seed has task {:?} twice",
                    t.task_id
                )));
            }
            let start_text = if t.start_time.is_empty() {
                format_rfc3339(to_offset(now))
            } else {
                t.start_time.clone()
            };
            store.insert(TaskRecord {
                id: t.task_id.clone(),
                account: owner.to_owned(),
                vhost: t.vhost.clone(),
                domain: t.domain.clone(),
                app: t.app.clone(),
                stream: t.stream.clone(),
                start_text,
                end_text: t.end_time.clone(),
                start: Some(start.unwrap_or_else(|| to_offset(now))),
                end,
                stopped: t.stopped,
                stopped_at: None,
            });
        }
        Ok(store)
    }

    fn insert(&mut self, record: TaskRecord) {
        self.index.insert(record.id.clone(), self.tasks.len());
        self.tasks.push(record);
    }

    fn owns(&self, account: &str, vhost: Option<&str>, domain: &str) -> bool {
        let grants: Vec<&DomainGrant> = self
            .domains
            .iter()
            .filter(|g| g.account == account)
            .collect();
        if grants.is_empty() {
            return true;
        }
        let domain_ok = grants.iter().any(|g| g.domain == domain);
        let vhost_ok = vhost.is_none_or(|v| grants.iter().any(|g| g.vhost == v));
        domain_ok && vhost_ok
    }

    fn find(&self, account: &str, id: &str) -> Result<usize, Failure> {
        let Some(&i) = self.index.get(id) else {
            return Err(Failure::new(
                ErrorCode::ResourceNotFound,
                format!("task {id} not found"),
            ));
        };
        if self.tasks[i].account != account {
            return Err(Failure::new(
                ErrorCode::RequestForbiddenAccountIdNotAllow,
                "this AccountID does not have permission to access the corresponding resource, please check the request parameters",
            ));
        }
        Ok(i)
    }

    /// CreatePullRecordTask (the request was validated).
    pub(crate) fn create(
        &mut self,
        account: &str,
        req: &CreatePullRecordTaskRequest,
        now: SystemTime,
    ) -> Result<String, Failure> {
        if !self.owns(account, req.vhost.as_deref(), &req.domain) {
            return Err(Failure::new(
                ErrorCode::RequestForbidden,
                format!(
                    "the domain {} (vhost {}) is not in this account",
                    req.domain,
                    req.vhost.as_deref().unwrap_or("-")
                ),
            ));
        }
        let now_t = to_offset(now);
        let busy = self.tasks.iter().any(|t| {
            t.account == account
                && t.domain == req.domain
                && t.app == req.app
                && t.stream == req.stream
                && t.status(now_t).is_active()
        });
        if busy {
            return Err(Failure::new(
                ErrorCode::InvalidParam,
                format!(
                    "a task for stream {}/{} has not ended; stop it or wait for its end",
                    req.app, req.stream
                ),
            ));
        }
        let start = req
            .start_time
            .as_deref()
            .map(|s| optional_time("StartTime", s))
            .transpose()
            .map_err(|m| Failure::new(ErrorCode::InvalidParam, m))?
            .flatten();
        let end = req
            .end_time
            .as_deref()
            .map(|s| optional_time("EndTime", s))
            .transpose()
            .map_err(|m| Failure::new(ErrorCode::InvalidParam, m))?
            .flatten();
        let id = loop {
            let id = format!("{:032x}", self.rng.u128(..));
            if !self.index.contains_key(&id) {
                break id;
            }
        };
        let start_text = req
            .start_time
            .clone()
            .unwrap_or_else(|| format_rfc3339(now_t));
        self.insert(TaskRecord {
            id: id.clone(),
            account: account.to_owned(),
            vhost: req.vhost.clone().unwrap_or_default(),
            domain: req.domain.clone(),
            app: req.app.clone(),
            stream: req.stream.clone(),
            start_text,
            end_text: req.end_time.clone().unwrap_or_default(),
            start: Some(start.unwrap_or(now_t)),
            end,
            stopped: false,
            stopped_at: None,
        });
        Ok(id)
    }

    /// GetPullRecordTask.
    pub(crate) fn get(
        &self,
        account: &str,
        id: &str,
        now: SystemTime,
    ) -> Result<PullRecordTask, Failure> {
        let i = self.find(account, id)?;
        Ok(self.tasks[i].view(to_offset(now)))
    }

    /// ListPullRecordTask (the request was validated).
    pub(crate) fn list(
        &self,
        account: &str,
        req: &ListPullRecordTaskRequest,
        now: SystemTime,
    ) -> ListPullRecordTaskResult {
        let now = to_offset(now);
        let matches = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        let selected: Vec<&TaskRecord> = self
            .tasks
            .iter()
            .filter(|t| {
                t.account == account
                    && matches(&req.vhost, &t.vhost)
                    && matches(&req.domain, &t.domain)
                    && matches(&req.app, &t.app)
                    && matches(&req.stream, &t.stream)
            })
            .collect();
        let size = req.page_size as usize;
        let skip = (req.page_num as usize - 1).saturating_mul(size);
        let list = selected
            .iter()
            .skip(skip)
            .take(size)
            .map(|t| t.view(now))
            .collect();
        ListPullRecordTaskResult::new(
            list,
            Pagination::new(req.page_num, req.page_size, selected.len() as u64),
        )
    }

    /// StopPullRecordTask: stops a task that has not started or is recording.
    pub(crate) fn stop(&mut self, account: &str, id: &str, now: SystemTime) -> Result<(), Failure> {
        let i = self.find(account, id)?;
        let status = self.tasks[i].status(to_offset(now));
        if !status.is_active() {
            return Err(Failure::new(
                ErrorCode::InvalidParam,
                format!(
                    "task {id} is {status}; only a not started or recording task can be stopped"
                ),
            ));
        }
        self.tasks[i].stopped = true;
        self.tasks[i].stopped_at = Some(to_offset(now));
        Ok(())
    }

    /// The recordings of `account` that have ended by `now`, in creation order: a task that
    /// reached its end, or one stopped after its start (ending at the stop). A task still
    /// recording, one that never started, and a seeded stopped task (its stop time unknown)
    /// have none.
    pub(crate) fn recordings(&self, account: &str, now: SystemTime) -> Vec<Recording<'_>> {
        let now = to_offset(now);
        self.tasks
            .iter()
            .filter(|t| t.account == account)
            .filter_map(|t| {
                let start = t.start?;
                let end = if t.stopped {
                    let at = t.stopped_at?;
                    t.end.map_or(at, |e| e.min(at))
                } else {
                    t.end.filter(|e| *e <= now)?
                };
                (end > start).then(|| Recording {
                    task_id: &t.id,
                    vhost: if t.vhost.is_empty() {
                        &t.domain
                    } else {
                        &t.vhost
                    },
                    app: &t.app,
                    stream: &t.stream,
                    start,
                    end,
                    zone: parse_rfc3339("StartTime", &t.start_text)
                        .map_or(time::UtcOffset::UTC, |s| s.offset()),
                })
            })
            .collect()
    }

    /// How many tasks there are, over all accounts.
    pub(crate) fn len(&self) -> usize {
        self.tasks.len()
    }
}
