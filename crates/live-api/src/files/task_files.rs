//! [`LiveClient::record_files_of`]: from a task (or its id) to its files, across any span,
//! window after window, page after page.

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};
use futures_util::StreamExt;
use live_model::{
    Action, DecodeError, DescribeRecordTaskFileHistoryRequest, GetPullRecordTaskRequest,
    PullRecordTask, RecordFile, RecordStorage, TaskStatus,
};
use time::OffsetDateTime;

#[cfg(doc)]
use super::span::{file_windows, TASK_WINDOW_LEAD};
use super::span::{task_span, TooLong, Window, MAX_TASK_WINDOWS};
use crate::paging::{self, until_error};
use crate::{ErrorKind, LiveClient, LiveError};

/// A task whose files to find: the task as Get or List returned it, or its id (then it is
/// fetched with GetPullRecordTask first).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskRef {
    /// The task itself.
    Task(Box<PullRecordTask>),
    /// A task id.
    Id(String),
}

impl From<PullRecordTask> for TaskRef {
    fn from(t: PullRecordTask) -> Self {
        TaskRef::Task(Box::new(t))
    }
}

impl From<&PullRecordTask> for TaskRef {
    fn from(t: &PullRecordTask) -> Self {
        TaskRef::Task(Box::new(t.clone()))
    }
}

impl From<String> for TaskRef {
    fn from(id: String) -> Self {
        TaskRef::Id(id)
    }
}

impl From<&str> for TaskRef {
    fn from(id: &str) -> Self {
        TaskRef::Id(id.to_owned())
    }
}

impl From<&String> for TaskRef {
    fn from(id: &String) -> Self {
        TaskRef::Id(id.clone())
    }
}

/// Finds the files of one task: where they are stored, how they are paged, then
/// [`files`](Self::files) as a stream ([`TaskFiles`]) or [`all`](Self::all) of them; see
/// [`LiveClient::record_files_of`].
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until the stream is polled"]
pub struct FindTaskFiles {
    client: LiveClient,
    task: TaskRef,
    storage: Option<RecordStorage>,
    page_size: u32,
    max_pages: u32,
}

impl FindTaskFiles {
    /// Where the files are stored (the service's default: TOS).
    pub fn storage(mut self, s: RecordStorage) -> Self {
        self.storage = Some(s);
        self
    }

    /// Files per page (at least 1, default 100).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// The most pages fetched per 7-day window (at least 1, default 1,000).
    pub fn max_pages_per_window(mut self, n: u32) -> Self {
        self.max_pages = n.max(1);
        self
    }

    /// The files as a stream, in the order the service gives them, window after window.
    pub fn files(self) -> TaskFiles {
        let windows = Arc::new(OnceLock::new());
        let known = Arc::clone(&windows);
        let Self {
            client,
            task,
            storage,
            page_size,
            max_pages,
        } = self;
        // First the plan (which may fetch the task), then its files: one stream or none.
        let files = stream::once(resolve(client.clone(), task, storage, page_size))
            .map_ok(move |plan| match plan {
                Some(plan) => {
                    let _ = known.set(plan.windows.len());
                    files_in(client.clone(), plan, max_pages).left_stream()
                }
                None => stream::empty().right_stream(),
            })
            .try_flatten();
        TaskFiles {
            files: Box::pin(files),
            windows,
        }
    }

    /// Every file, collected.
    pub async fn all(self) -> Result<Vec<RecordFile>, LiveError> {
        self.files().try_collect().await
    }
}

/// The files of one task, as a stream; see [`LiveClient::record_files_of`].
#[must_use = "streams do nothing unless polled"]
pub struct TaskFiles {
    files: Pin<Box<dyn Stream<Item = Result<RecordFile, LiveError>> + Send>>,
    /// How many windows the plan has, once it is known.
    windows: Arc<OnceLock<usize>>,
}

impl fmt::Debug for TaskFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskFiles")
            .field("windows", &self.windows())
            .finish_non_exhaustive()
    }
}

impl TaskFiles {
    /// The next file, or `None` after the last (and after an error).
    pub async fn next(&mut self) -> Option<Result<RecordFile, LiveError>> {
        self.files.next().await
    }

    /// How many 7-day windows the task's span takes, once known (after the first poll).
    pub fn windows(&self) -> Option<usize> {
        self.windows.get().copied()
    }
}

impl Stream for TaskFiles {
    type Item = Result<RecordFile, LiveError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.files.as_mut().poll_next(cx)
    }
}

/// The files `plan` finds: every page of every window, in order, ending at the first error.
/// A page's files are kept when they are the task's own (its app and stream, overlapping its
/// span), each once across the windows.
fn files_in(
    client: LiveClient,
    plan: Plan,
    max_pages: u32,
) -> impl Stream<Item = Result<RecordFile, LiveError>> + Send {
    let Plan {
        base,
        span: (start, end),
        windows,
    } = plan;
    let (app, stream_name) = (base.app.clone(), base.stream.clone());
    let pages = stream::iter(windows)
        .map(move |(from, to)| {
            let mut request = base.clone().page_num(1);
            request.date_from = live_model::format_rfc3339(from);
            request.date_to = live_model::format_rfc3339(to);
            Ok::<_, LiveError>(paging::pages(client.clone(), request, max_pages))
        })
        .try_flatten();
    // Only this task's stream: a file naming another app or stream is not its own, whatever
    // the service matched.
    let ours = |asked: Option<&str>, got: &str| got.is_empty() || asked.is_none_or(|a| a == got);
    let mut seen = HashSet::new();
    // Each window's pages end at their first error; so do all of them together.
    until_error(pages)
        .map_ok(move |page| {
            let kept: Vec<RecordFile> = page
                .files
                .into_iter()
                .filter(|f| ours(app.as_deref(), &f.app) && ours(stream_name.as_deref(), &f.stream))
                .filter(|f| f.overlaps(start, end))
                .filter(|f| {
                    seen.insert((
                        f.file_name.clone(),
                        f.path.clone(),
                        f.vid.clone(),
                        f.start_time_utc.clone(),
                    ))
                })
                .collect();
            stream::iter(kept.into_iter().map(Ok))
        })
        .try_flatten()
}

/// What a task's files are looked for with: the filters, the span and its windows.
#[derive(Debug, Clone)]
struct Plan {
    base: DescribeRecordTaskFileHistoryRequest,
    span: Window,
    windows: Vec<Window>,
}

/// Which answer the task came from, for an error about it.
#[derive(Debug, Clone)]
struct Origin {
    action: &'static str,
    request_id: Option<String>,
    attempts: u32,
}

impl Origin {
    /// A task the caller passed in, as Get or List returned it: nothing was sent for it here.
    fn given() -> Self {
        Origin {
            action: GET_OR_LIST,
            request_id: None,
            attempts: 0,
        }
    }
}

/// `GetPullRecordTask/ListPullRecordTask`, from the actions' names: where a task passed in
/// came from.
const GET_OR_LIST: &str = {
    const GET: &[u8] = Action::GetPullRecordTask.name().as_bytes();
    const LIST: &[u8] = Action::ListPullRecordTask.name().as_bytes();
    const BYTES: [u8; GET.len() + 1 + LIST.len()] = {
        let mut out = [b'/'; GET.len() + 1 + LIST.len()];
        let mut i = 0;
        while i < GET.len() {
            out[i] = GET[i];
            i += 1;
        }
        let mut i = 0;
        while i < LIST.len() {
            out[GET.len() + 1 + i] = LIST[i];
            i += 1;
        }
        out
    };
    match std::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => panic!("action names are ASCII"),
    }
};

/// The server's task cannot be used to look for its files (a time that does not read, no app
/// or stream, a span too long): an answer the client cannot use, [`ErrorKind::Decode`] as for
/// a success whose body does not fit the model; not the caller's input. The status is 200:
/// the answer was a success (its exact 2xx status is not kept with the task).
fn unusable(origin: &Origin, message: String) -> LiveError {
    let e = DecodeError::new(origin.action, message, origin.request_id.clone(), 200);
    LiveError::from(ErrorKind::Decode(e)).with_attempts(origin.attempts)
}

/// The plan for `task`, or `None` when it cannot have files yet.
fn plan(
    task: &PullRecordTask,
    stream: &str,
    storage: Option<RecordStorage>,
    page_size: u32,
    now: OffsetDateTime,
    origin: &Origin,
) -> Result<Option<Plan>, LiveError> {
    if task.status == TaskStatus::NotStarted {
        return Ok(None);
    }
    let start = task.parse_start_time().map_err(|e| {
        unusable(
            origin,
            format!("the task's {e}, so its files cannot be looked for"),
        )
    })?;
    let span = match task_span(&task.status, start, task.parse_end_time().ok(), now) {
        Ok(Some(span)) => span,
        Ok(None) => return Ok(None),
        Err(TooLong { windows }) => {
            return Err(unusable(
                origin,
                format!(
                    "the task's span from its StartTime {:?} would take {windows} weeks \
                     (7-day windows), more than the {MAX_TASK_WINDOWS} asked for one task; \
                     list its files by window instead",
                    task.start_time
                ),
            ))
        }
    };
    // Without an app and a stream the query would match other streams' files.
    if task.app.is_empty() {
        return Err(unusable(
            origin,
            "the task has no App, so its files cannot be told from other streams' files".into(),
        ));
    }
    if stream.is_empty() {
        return Err(unusable(
            origin,
            "the task has no Stream, so its files cannot be told from other streams' files".into(),
        ));
    }
    let vhost = if task.vhost.is_empty() {
        &task.domain
    } else {
        &task.vhost
    };
    let mut base = DescribeRecordTaskFileHistoryRequest::new("", "")
        .app(task.app.clone())
        .stream(stream)
        .page_size(page_size);
    if !vhost.is_empty() {
        base = base.vhost(vhost.clone());
    }
    if let Some(s) = storage {
        base = base.storage(s);
    }
    Ok(Some(Plan {
        base,
        span: span.span,
        windows: span.windows,
    }))
}

/// The task (fetched first when only its id is known), its stream (from the listing when
/// GetPullRecordTask's nested shape leaves it out), and the plan for its files.
async fn resolve(
    client: LiveClient,
    source: TaskRef,
    storage: Option<RecordStorage>,
    page_size: u32,
) -> Result<Option<Plan>, LiveError> {
    let (task, origin) = match source {
        TaskRef::Task(t) => (*t, Origin::given()),
        TaskRef::Id(id) => {
            let got = client.call(&GetPullRecordTaskRequest::new(id)).await?;
            let request_id = got.metadata.request_id;
            let origin = Origin {
                action: Action::GetPullRecordTask.name(),
                request_id: (!request_id.is_empty()).then_some(request_id),
                attempts: 1,
            };
            (got.result.task, origin)
        }
    };
    let stream = match &task.stream {
        Some(s) => s.clone(),
        // GetPullRecordTask's nested shape has no stream: find the task in the listing.
        None => {
            let mut tasks = client
                .list_pull_record_tasks()
                .app(task.app.clone())
                .domain(task.domain.clone())
                .page_size(500)
                .tasks();
            let mut found = None;
            while let Some(t) = tasks.next().await {
                let t = t?;
                if t.task_id == task.task_id {
                    found = t.stream;
                    break;
                }
            }
            found.ok_or_else(|| {
                unusable(
                    &origin,
                    "the task has no Stream and ListPullRecordTask does not list it, so its \
                     files cannot be told from other streams' files"
                        .into(),
                )
            })?
        }
    };
    let now = OffsetDateTime::from(client.now());
    plan(&task, &stream, storage, page_size, now, &origin)
}

impl LiveClient {
    /// The files a pull-record task recorded, from the task (as Get or List returned it) or
    /// its id (fetched first with GetPullRecordTask).
    ///
    /// It asks DescribeRecordTaskFileHistory with the task's vhost (its domain when it has
    /// none), app and stream, over the task's span: from a minute before its start
    /// ([`TASK_WINDOW_LEAD`]) to its end, in windows of at most 7 days ([`file_windows`]),
    /// page after page. A finished task spans its own start and end times, whatever the
    /// client's clock says (one without an end time, to now). A stopped task (its stop time is
    /// not in the answer, but has passed) spans to its end or a day after the client's now,
    /// whichever is first. A task still recording spans to now (to its end once that has
    /// passed). It keeps the files
    /// that overlap the task's span ([`RecordFile::overlaps`]), each once. A task that has not
    /// started has no files: the stream is empty. Each request goes through the client's
    /// usual path (signing, retries, and any pacing the client applies).
    ///
    /// A task from the server that cannot be used to look for files (a start time that does
    /// not read, no app or stream, a span that needs more than [`MAX_TASK_WINDOWS`] 7-day
    /// windows) ends the stream with [`ErrorKind::Decode`], naming the field and the value, as for any answer
    /// that does not fit the model; a task passed in came from the server too, and is
    /// treated the same.
    ///
    /// ```no_run
    /// # async fn run(client: live_api::LiveClient) -> Result<(), live_api::LiveError> {
    /// let task = client.get_pull_record_task().task_id("5b903f78c7f5ae01f6fe2eea").send().await?.task;
    /// for f in client.record_files_of(&task).all().await? {
    ///     println!("{} {} {:?}", f.start_time, f.format, f.location().map(|l| l.to_string()));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn record_files_of(&self, task: impl Into<TaskRef>) -> FindTaskFiles {
        FindTaskFiles {
            client: self.clone(),
            task: task.into(),
            storage: None,
            page_size: 100,
            max_pages: live_model::DEFAULT_MAX_PAGES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::span::file_windows;
    use super::*;

    fn t(s: &str) -> OffsetDateTime {
        live_model::parse_rfc3339("t", s).unwrap()
    }

    #[test]
    fn times_at_the_edges_of_the_range_give_windows_or_errors_never_a_panic() {
        for (from, to) in [
            ("9999-12-28T00:00:00Z", "9999-12-31T23:59:59Z"),
            ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
            ("9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59-01:00"),
            ("0000-01-01T00:00:00+01:00", "0000-01-02T00:00:00Z"),
        ] {
            let w = file_windows(t(from), t(to));
            assert!(!w.is_empty() && w.len() <= 2, "{from} {to}: {w:?}");
            for (a, b) in &w {
                let _ = (
                    live_model::format_rfc3339(*a),
                    live_model::format_rfc3339(*b),
                );
            }
        }
        let now = t("9999-12-31T23:59:59Z");
        for (status, start, end) in [
            (TaskStatus::Recording, "9999-12-28T00:00:00Z", ""),
            (
                TaskStatus::Finished,
                "9999-12-31T23:59:59-01:00",
                "9999-12-31T23:59:59-01:00",
            ),
            (TaskStatus::Recording, "0000-01-01T00:00:00Z", ""),
        ] {
            let task = PullRecordTask::new("t", "v", "d", "a", Some("s".into()), status)
                .with_times(start, end);
            let _ = plan(&task, "s", None, 10, now, &Origin::given());
        }
    }

    #[test]
    fn a_span_of_more_than_ten_years_and_a_task_without_app_or_stream_are_refused() {
        let now = t("2023-11-01T00:00:00Z");
        let old = PullRecordTask::new("t", "v", "d", "a", Some("s".into()), TaskStatus::Recording)
            .with_times("0001-01-01T00:00:00Z", "");
        let e = plan(&old, "s", None, 10, now, &Origin::given()).unwrap_err();
        assert!(
            e.to_string().contains("StartTime") && e.to_string().contains("weeks"),
            "{e}"
        );
        let year = PullRecordTask::new("t", "v", "d", "a", Some("s".into()), TaskStatus::Recording)
            .with_times("2022-11-01T00:00:00Z", "");
        assert_eq!(
            plan(&year, "s", None, 10, now, &Origin::given())
                .unwrap()
                .unwrap()
                .windows
                .len(),
            53
        );
        let no_stream = year.clone();
        let e = plan(&no_stream, "", None, 10, now, &Origin::given()).unwrap_err();
        assert!(e.to_string().contains("Stream"), "{e}");
        let no_app =
            PullRecordTask::new("t", "v", "d", "", Some("s".into()), TaskStatus::Recording)
                .with_times("2022-11-01T00:00:00Z", "");
        let e = plan(&no_app, "s", None, 10, now, &Origin::given()).unwrap_err();
        assert!(e.to_string().contains("App"), "{e}");
        assert!(
            matches!(e.kind(), ErrorKind::Decode(_)),
            "the server's task, not the caller's input: {e:?}"
        );
    }

    #[test]
    fn an_ended_task_spans_its_own_times_whatever_the_clock() {
        // The client's clock is a day behind the task, which the server says has ended.
        let now = t("2023-11-01T00:00:00Z");
        for status in [TaskStatus::Finished, TaskStatus::Stopped] {
            let task = PullRecordTask::new("t", "v", "d", "a", Some("s".into()), status.clone())
                .with_times("2023-11-02T00:00:00Z", "2023-11-02T01:00:00Z");
            let p = plan(&task, "s", None, 10, now, &Origin::given())
                .unwrap()
                .expect("an ended task has files, whatever the client's clock");
            assert_eq!(
                p.span,
                (t("2023-11-02T00:00:00Z"), t("2023-11-02T01:00:00Z"))
            );
            // Nor is an end that has passed cut at a clock that is ahead.
            let later = t("2023-12-01T00:00:00Z");
            let p = plan(&task, "s", None, 10, later, &Origin::given())
                .unwrap()
                .unwrap();
            assert_eq!(p.span.1, t("2023-11-02T01:00:00Z"));
        }
        // Stopped with an end weeks ahead: to a day after now, not to the planned end.
        let task = PullRecordTask::new("t", "v", "d", "a", Some("s".into()), TaskStatus::Stopped)
            .with_times("2023-11-02T00:00:00Z", "2023-12-30T00:00:00Z");
        let noon = t("2023-11-02T12:00:00Z");
        let p = plan(&task, "s", None, 10, noon, &Origin::given())
            .unwrap()
            .unwrap();
        assert_eq!(
            p.span,
            (t("2023-11-02T00:00:00Z"), t("2023-11-03T12:00:00Z"))
        );
        // Still recording: to now, or no length when the clock is behind its start.
        let task = PullRecordTask::new("t", "v", "d", "a", Some("s".into()), TaskStatus::Recording)
            .with_times("2023-11-02T00:00:00Z", "2023-11-03T00:00:00Z");
        let p = plan(&task, "s", None, 10, now, &Origin::given())
            .unwrap()
            .unwrap();
        assert_eq!(
            p.span,
            (t("2023-11-02T00:00:00Z"), t("2023-11-02T00:00:00Z"))
        );
        let noon = t("2023-11-02T12:00:00Z");
        let p = plan(&task, "s", None, 10, noon, &Origin::given())
            .unwrap()
            .unwrap();
        assert_eq!(p.span.1, noon);
        // Not started: none.
        let task =
            PullRecordTask::new("t", "v", "d", "a", Some("s".into()), TaskStatus::NotStarted)
                .with_times("2023-10-01T00:00:00Z", "");
        assert!(plan(&task, "s", None, 10, noon, &Origin::given())
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_task_not_started_has_no_plan_and_an_unreadable_start_is_named() {
        let now = t("2023-11-01T00:00:00Z");
        let task =
            PullRecordTask::new("t", "v", "d", "a", Some("s".into()), TaskStatus::NotStarted)
                .with_times("2023-11-02T00:00:00Z", "");
        assert!(plan(&task, "s", None, 10, now, &Origin::given())
            .unwrap()
            .is_none());
        let task = PullRecordTask::new("t", "", "d", "a", Some("s".into()), TaskStatus::Finished);
        let e = plan(&task, "s", None, 10, now, &Origin::given()).unwrap_err();
        assert!(e.to_string().contains("StartTime"), "{e}");
        assert!(matches!(e.kind(), ErrorKind::Decode(_)), "{e:?}");
        let task = task.with_times("2023-10-01T00:00:00Z", "2023-10-02T00:00:00Z");
        let p = plan(
            &task,
            "s",
            Some(RecordStorage::Vod),
            10,
            now,
            &Origin::given(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            p.base.vhost.as_deref(),
            Some("d"),
            "the domain stands in for the vhost"
        );
        assert_eq!(p.base.storage.as_deref(), Some("vod"));
        assert_eq!(p.windows.len(), 1);
        assert_eq!(p.windows[0].0, t("2023-09-30T23:59:00Z"));
        assert_eq!(p.span.1, t("2023-10-02T00:00:00Z"));
    }
}
