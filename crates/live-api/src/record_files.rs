//! DescribeRecordTaskFileHistory as a fluent builder with a paginator, and
//! [`LiveClient::record_files_of`]: from a task to its files, across any span.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use live_model::{
    DecodeError, DescribeRecordTaskFileHistoryRequest, GetPullRecordTaskRequest, Pagination,
    PullRecordTask, RecordFile, RecordStorage, ResponseMetadata, TaskStatus, MAX_FILE_WINDOW,
};
use time::OffsetDateTime;

use crate::paging::{self, next_page, paged_request, pagination, Items, PagedRequest, Pages};
use crate::{ErrorKind, LiveClient, LiveError, LiveFuture, PaginationProblem};

/// One page of DescribeRecordTaskFileHistory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DescribeRecordTaskFileHistoryOutput {
    /// The files on this page, as received.
    pub files: Vec<RecordFile>,
    /// Where this page is.
    pub pagination: Pagination,
    /// `ResponseMetadata`.
    pub metadata: ResponseMetadata,
}

impl DescribeRecordTaskFileHistoryOutput {
    /// The request id, for support.
    pub fn request_id(&self) -> &str {
        &self.metadata.request_id
    }
}

/// Builds and sends DescribeRecordTaskFileHistory, one page or all of them.
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send` is awaited or the stream polled"]
pub struct DescribeRecordTaskFileHistory {
    client: LiveClient,
    request: DescribeRecordTaskFileHistoryRequest,
    max_pages: u32,
}

impl DescribeRecordTaskFileHistory {
    /// How many pages [`pages`](Self::pages) and [`files`](Self::files) fetch at most unless
    /// told otherwise: 1,000.
    pub const DEFAULT_MAX_PAGES: u32 = 1_000;

    /// The window's start, RFC 3339 to the second (required).
    pub fn date_from(mut self, v: impl Into<String>) -> Self {
        self.request.date_from = v.into();
        self
    }

    /// The window's end, RFC 3339 to the second, after the start and at most 7 days after it
    /// (required).
    pub fn date_to(mut self, v: impl Into<String>) -> Self {
        self.request.date_to = v.into();
        self
    }

    /// The window from typed times (written in UTC, to the second).
    pub fn window(self, from: OffsetDateTime, to: OffsetDateTime) -> Self {
        self.date_from(live_model::format_rfc3339(from))
            .date_to(live_model::format_rfc3339(to))
    }

    /// Only files of this domain space.
    pub fn vhost(mut self, v: impl Into<String>) -> Self {
        self.request.vhost = Some(v.into());
        self
    }

    /// Only files of this application.
    pub fn app(mut self, v: impl Into<String>) -> Self {
        self.request.app = Some(v.into());
        self
    }

    /// Only files of this stream (requires [`app`](Self::app)).
    pub fn stream(mut self, v: impl Into<String>) -> Self {
        self.request.stream = Some(v.into());
        self
    }

    /// Where the files are stored (the service's default: TOS).
    pub fn storage(mut self, s: RecordStorage) -> Self {
        self.request.storage = Some(s.as_str().to_owned());
        self
    }

    /// The page, from 1 (default 1).
    pub fn page_num(mut self, n: u32) -> Self {
        self.request.page_num = n;
        self
    }

    /// Files per page, at least 1 (default 30; no maximum is documented).
    pub fn page_size(mut self, n: u32) -> Self {
        self.request.page_size = n;
        self
    }

    /// The most pages [`pages`](Self::pages) and [`files`](Self::files) fetch (at least 1);
    /// beyond it the stream ends with [`ErrorKind::Pagination`].
    pub fn max_pages(mut self, n: u32) -> Self {
        self.max_pages = n.max(1);
        self
    }

    /// Sends it: one page.
    pub async fn send(self) -> Result<DescribeRecordTaskFileHistoryOutput, LiveError> {
        DescribeRecordTaskFileHistoryRequest::fetch(self.client, self.request).await
    }

    /// Every page from `page_num` on, as a stream that ends after the last page (or the first
    /// error), with the same checks as [`crate::ListPullRecordTasks::pages`].
    pub fn pages(self) -> Pages<DescribeRecordTaskFileHistoryOutput> {
        paging::pages(self.client, self.request, self.max_pages)
    }

    /// Every file from `page_num` on, page after page.
    pub fn files(self) -> Items<RecordFile> {
        paging::items::<DescribeRecordTaskFileHistoryRequest>(self.pages())
    }
}

paged_request!(DescribeRecordTaskFileHistoryRequest => DescribeRecordTaskFileHistoryOutput {
    files: RecordFile = result.data
});

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

/// How far before a task's start its first window begins: the documentation advises a
/// `DateFrom` before the start.
pub const TASK_WINDOW_LEAD: Duration = Duration::from_secs(60);

/// The windows, each at most 7 days long, that cover `from`..=`to`; at least one.
///
/// Their ends are whole seconds, as `DateFrom` and `DateTo` are: `from` is rounded down and
/// `to` up to the second, so every window is at least a second long (a span under a second,
/// or of no length, is one window of a second) and none is lost to a fraction. Each window
/// starts where the previous one ends, so that a file starting on a boundary is found whether
/// the service counts `DateFrom` and `DateTo` in or out (the emulator counts both in; the
/// files of a task are kept once each).
///
/// ```
/// use live_api::file_windows;
/// use live_api::model::{format_rfc3339, parse_rfc3339};
///
/// let t = |s| parse_rfc3339("t", s).unwrap();
/// let w = file_windows(t("2023-11-01T00:00:00Z"), t("2023-11-21T00:00:00Z"));
/// let text: Vec<_> = w.iter().map(|(a, b)| (format_rfc3339(*a), format_rfc3339(*b))).collect();
/// assert_eq!(text, [
///     ("2023-11-01T00:00:00Z".to_owned(), "2023-11-08T00:00:00Z".to_owned()),
///     ("2023-11-08T00:00:00Z".to_owned(), "2023-11-15T00:00:00Z".to_owned()),
///     ("2023-11-15T00:00:00Z".to_owned(), "2023-11-21T00:00:00Z".to_owned()),
/// ]);
/// ```
pub fn file_windows(
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Vec<(OffsetDateTime, OffsetDateTime)> {
    let week = time::Duration::try_from(MAX_FILE_WINDOW).unwrap_or(time::Duration::WEEK);
    let from = whole_second(from);
    // Rounded up; at the end of the representable range, down.
    let to = match whole_second(to) {
        t if t == to => t,
        t => t.checked_add(time::Duration::SECOND).unwrap_or(t),
    };
    let mut windows = Vec::new();
    let mut start = from;
    loop {
        // Checked: times near the end of the representable range end the windows there.
        let end = start.checked_add(week).map_or(to, |e| e.min(to));
        let end = if end > start {
            end
        } else {
            start.checked_add(time::Duration::SECOND).unwrap_or(start)
        };
        windows.push((start, end));
        if end >= to || end <= start {
            return windows;
        }
        start = end;
    }
}

/// `t` without its fraction of a second.
fn whole_second(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// The most 7-day windows [`LiveClient::record_files_of`] asks for one task: 530, about ten
/// years. A task whose span needs more (a start time far in the past, sent by mistake or by a
/// broken server) is refused instead of costing a request per week since then.
pub const MAX_TASK_WINDOWS: i64 = 530;

/// The files of one task; see [`LiveClient::record_files_of`].
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until the stream is polled"]
pub struct TaskRecordFiles {
    client: LiveClient,
    task: TaskRef,
    storage: Option<RecordStorage>,
    page_size: u32,
    max_pages: u32,
}

impl TaskRecordFiles {
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
        TaskFiles {
            client: self.client,
            source: Some(self.task),
            storage: self.storage,
            page_size: self.page_size,
            max_pages: self.max_pages,
            plan: None,
            window: 0,
            page: 1,
            fetched: 0,
            pending: None,
            buffered: VecDeque::new(),
            seen: HashSet::new(),
            done: false,
        }
    }

    /// Every file, collected.
    pub async fn all(self) -> Result<Vec<RecordFile>, LiveError> {
        let mut files = self.files();
        let mut out = Vec::new();
        while let Some(f) = files.next().await {
            out.push(f?);
        }
        Ok(out)
    }
}

/// What a task's files are looked for with: the filters, the span and its windows.
#[derive(Debug, Clone)]
struct Plan {
    base: DescribeRecordTaskFileHistoryRequest,
    span: (OffsetDateTime, OffsetDateTime),
    windows: Vec<(OffsetDateTime, OffsetDateTime)>,
}

enum Step {
    Resolved(Option<Plan>),
    Page(DescribeRecordTaskFileHistoryOutput),
}

/// The files of one task, as a stream; see [`LiveClient::record_files_of`].
#[must_use = "streams do nothing unless polled"]
pub struct TaskFiles {
    client: LiveClient,
    source: Option<TaskRef>,
    storage: Option<RecordStorage>,
    page_size: u32,
    max_pages: u32,
    plan: Option<Plan>,
    window: usize,
    page: u32,
    fetched: u32,
    pending: Option<LiveFuture<'static, Result<Step, LiveError>>>,
    buffered: VecDeque<RecordFile>,
    seen: HashSet<(String, String, String, String)>,
    done: bool,
}

impl std::fmt::Debug for TaskFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskFiles")
            .field("windows", &self.plan.as_ref().map(|p| p.windows.len()))
            .field("window", &self.window)
            .field("page", &self.page)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl TaskFiles {
    /// The next file, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<RecordFile, LiveError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// How many 7-day windows the task's span takes, once known (after the first poll).
    pub fn windows(&self) -> Option<usize> {
        self.plan.as_ref().map(|p| p.windows.len())
    }
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
            action: "GetPullRecordTask/ListPullRecordTask",
            request_id: None,
            attempts: 0,
        }
    }
}

/// The server's task cannot be used to look for its files (a time that does not read, no app
/// or stream, a span too long): an answer the client cannot use, [`ErrorKind::Decode`] as for
/// a success whose body does not fit the model; not the caller's input. The status is 200:
/// the answer was a success (its exact 2xx status is not kept with the task).
fn unusable(origin: &Origin, message: String) -> LiveError {
    let e = DecodeError::new(origin.action, message, origin.request_id.clone(), 200);
    LiveError::from(ErrorKind::Decode(e)).with_attempts(origin.attempts)
}

/// The span whose files are the task's, or `None` when it cannot have files yet.
///
/// A finished task spans its own times, start to end, whatever the client's clock says (one
/// without an end time ends at `now`). A stopped task was stopped at a time it does not say,
/// before the server's now: it spans its start to the first of its end and a day
/// ([`STOPPED_CLOCK_SLACK`]) after `now` (or after its start, when the client's clock is
/// behind it), so that a clock up to a day behind still finds its files, without asking
/// weeks ahead for a task planned long. A task still
/// recording spans its start to `now` (to its end when that has passed): `start..start` when
/// the client's clock is behind its start, which still holds the file starting at it
/// ([`RecordFile::overlaps`]). A task not started has none, nor one of another status whose
/// start is ahead of `now`.
/// How far past the client's now a stopped task's files are looked for: the client's clock
/// may be behind the server's, which stopped it.
const STOPPED_CLOCK_SLACK: time::Duration = time::Duration::DAY;

fn task_span(
    task: &PullRecordTask,
    start: OffsetDateTime,
    now: OffsetDateTime,
) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let end = match &task.status {
        TaskStatus::NotStarted => return None,
        TaskStatus::Finished => task.parse_end_time().unwrap_or(now),
        // Stopped before its planned end, at a time the task does not say but which has
        // passed: the span ends at `now` (at the start when the clock is behind it), not at
        // an end that may be weeks ahead.
        TaskStatus::Stopped => task.parse_end_time().map_or(now, |e| {
            e.min(now.max(start).checked_add(STOPPED_CLOCK_SLACK).unwrap_or(e))
        }),
        TaskStatus::Unknown(_) if start > now => return None,
        TaskStatus::Recording | TaskStatus::Unknown(_) => task
            .parse_end_time()
            .ok()
            .filter(|e| *e <= now)
            .unwrap_or(now),
    };
    Some((start, end.max(start)))
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
    let Some((start, end)) = task_span(task, start, now) else {
        return Ok(None);
    };
    let lead = time::Duration::try_from(TASK_WINDOW_LEAD).unwrap_or(time::Duration::MINUTE);
    let from = start.checked_sub(lead).unwrap_or(start);
    let weeks = (end - from).whole_weeks();
    if weeks >= MAX_TASK_WINDOWS {
        return Err(unusable(
            origin,
            format!(
                "the task's span from its StartTime {:?} is {weeks} weeks, more than the \
                 {MAX_TASK_WINDOWS} 7-day windows asked for one task; list its files by window \
                 instead",
                task.start_time
            ),
        ));
    }
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
        span: (start, end),
        windows: file_windows(from, end),
    }))
}

async fn resolve(
    client: LiveClient,
    source: TaskRef,
    storage: Option<RecordStorage>,
    page_size: u32,
) -> Result<Step, LiveError> {
    let (task, origin) = match source {
        TaskRef::Task(t) => (*t, Origin::given()),
        TaskRef::Id(id) => {
            let got = client.call(&GetPullRecordTaskRequest::new(id)).await?;
            let request_id = got.metadata.request_id;
            let origin = Origin {
                action: "GetPullRecordTask",
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
    plan(&task, &stream, storage, page_size, now, &origin).map(Step::Resolved)
}

impl Stream for TaskFiles {
    type Item = Result<RecordFile, LiveError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(file) = this.buffered.pop_front() {
                return Poll::Ready(Some(Ok(file)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            if this.pending.is_none() {
                let future: LiveFuture<'static, Result<Step, LiveError>> = match &this.plan {
                    None => {
                        let Some(source) = this.source.take() else {
                            this.done = true;
                            continue;
                        };
                        Box::pin(resolve(
                            this.client.clone(),
                            source,
                            this.storage,
                            this.page_size,
                        ))
                    }
                    Some(plan) => {
                        let Some(&(from, to)) = plan.windows.get(this.window) else {
                            this.done = true;
                            continue;
                        };
                        if this.fetched >= this.max_pages {
                            this.done = true;
                            let problem = PaginationProblem::TooManyPages {
                                max_pages: this.max_pages,
                            };
                            return Poll::Ready(Some(Err(pagination(this.page, problem))));
                        }
                        let mut request = plan.base.clone().page_num(this.page);
                        request.date_from = live_model::format_rfc3339(from);
                        request.date_to = live_model::format_rfc3339(to);
                        let client = this.client.clone();
                        Box::pin(async move {
                            DescribeRecordTaskFileHistoryRequest::fetch(client, request)
                                .await
                                .map(Step::Page)
                        })
                    }
                };
                this.pending = Some(future);
            }
            let Some(pending) = this.pending.as_mut() else {
                continue;
            };
            let result = match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => r,
            };
            this.pending = None;
            match result {
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Ok(Step::Resolved(None)) => this.done = true,
                Ok(Step::Resolved(Some(plan))) => this.plan = Some(plan),
                Ok(Step::Page(page)) => {
                    this.fetched += 1;
                    match next_page(
                        this.page,
                        1,
                        &page.pagination,
                        page.files.len(),
                        this.page_size,
                    ) {
                        Err(e) => {
                            this.done = true;
                            return Poll::Ready(Some(Err(e)));
                        }
                        Ok(Some(next)) => this.page = next,
                        Ok(None) => {
                            this.window += 1;
                            this.page = 1;
                            this.fetched = 0;
                        }
                    }
                    let Some(plan) = this.plan.as_ref() else {
                        continue;
                    };
                    let (start, end) = plan.span;
                    // Only this task's stream: a file naming another app or stream is not its
                    // own, whatever the service matched.
                    let ours = |asked: Option<&str>, got: &str| {
                        got.is_empty() || asked.is_none_or(|a| a == got)
                    };
                    let (app, stream) = (plan.base.app.as_deref(), plan.base.stream.as_deref());
                    for f in page.files {
                        if !ours(app, &f.app) || !ours(stream, &f.stream) {
                            continue;
                        }
                        let key = (
                            f.file_name.clone(),
                            f.path.clone(),
                            f.vid.clone(),
                            f.start_time_utc.clone(),
                        );
                        if f.overlaps(start, end) && this.seen.insert(key) {
                            this.buffered.push_back(f);
                        }
                    }
                }
            }
        }
    }
}

impl LiveClient {
    /// DescribeRecordTaskFileHistory: the files whose recording started in a window of at
    /// most 7 days, one page or all of them.
    ///
    /// ```no_run
    /// # async fn run(client: live_api::LiveClient) -> Result<(), live_api::LiveError> {
    /// let mut files = client.describe_record_task_file_history()
    ///     .date_from("2023-11-01T00:00:00+08:00").date_to("2023-11-07T23:59:59+08:00")
    ///     .app("live").page_size(100).files();
    /// while let Some(f) = files.next().await {
    ///     let f = f?;
    ///     println!("{} {}", f.start_time, f.file_name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn describe_record_task_file_history(&self) -> DescribeRecordTaskFileHistory {
        DescribeRecordTaskFileHistory {
            client: self.clone(),
            request: DescribeRecordTaskFileHistoryRequest::new("", ""),
            max_pages: DescribeRecordTaskFileHistory::DEFAULT_MAX_PAGES,
        }
    }

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
    /// not read, no app or stream, a span of more than [`MAX_TASK_WINDOWS`] weeks) ends the
    /// stream with [`ErrorKind::Decode`], naming the field and the value, as for any answer
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
    pub fn record_files_of(&self, task: impl Into<TaskRef>) -> TaskRecordFiles {
        TaskRecordFiles {
            client: self.clone(),
            task: task.into(),
            storage: None,
            page_size: 100,
            max_pages: DescribeRecordTaskFileHistory::DEFAULT_MAX_PAGES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> OffsetDateTime {
        live_model::parse_rfc3339("t", s).unwrap()
    }

    #[test]
    fn windows_cover_the_span_without_overlap() {
        let from = t("2023-11-01T00:00:00Z");
        for days in [0i64, 1, 7, 8, 14, 20, 21, 22, 365] {
            let to = from + time::Duration::days(days);
            let w = file_windows(from, to);
            assert_eq!(w[0].0, from);
            assert_eq!(w.last().unwrap().1, to.max(from + time::Duration::SECOND));
            for (a, b) in &w {
                assert!(b > a && *b - *a <= time::Duration::WEEK, "{days}: {a} {b}");
            }
            for pair in w.windows(2) {
                assert_eq!(pair[1].0, pair[0].1, "no gap between windows");
            }
            let expected = if days == 0 {
                1
            } else {
                (days * 86_400 + 604_799) / 604_800
            };
            assert!(w.len() as i64 <= expected + 1, "{days}: {}", w.len());
        }
        assert_eq!(file_windows(from, from + time::Duration::days(7)).len(), 1);
        assert_eq!(file_windows(from, from + time::Duration::days(14)).len(), 2);
        assert_eq!(file_windows(from, from + time::Duration::days(20)).len(), 3);
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

    /// The windows' ends, as sent.
    fn sent(w: &[(OffsetDateTime, OffsetDateTime)]) -> Vec<(String, String)> {
        w.iter()
            .map(|(a, b)| {
                (
                    live_model::format_rfc3339(*a),
                    live_model::format_rfc3339(*b),
                )
            })
            .collect()
    }

    /// Every window is whole seconds, a second to 7 days long, and each starts where the
    /// previous one ends; the first starts at `from` (down to the second), the last ends at
    /// `to` (up to the second).
    fn check(from: OffsetDateTime, to: OffsetDateTime) -> Vec<(OffsetDateTime, OffsetDateTime)> {
        let w = file_windows(from, to);
        assert!(!w.is_empty());
        for (a, b) in &w {
            assert_eq!((a.nanosecond(), b.nanosecond()), (0, 0), "{a} {b}");
            assert!(*b - *a >= time::Duration::SECOND, "{a} {b}");
            assert!(*b - *a <= time::Duration::WEEK, "{a} {b}");
            let request = DescribeRecordTaskFileHistoryRequest::between(*a, *b);
            assert_eq!(live_model::Operation::validate(&request), Ok(()), "{a} {b}");
        }
        for pair in w.windows(2) {
            assert_eq!(pair[1].0, pair[0].1, "no second lost between windows");
        }
        assert_eq!(w[0].0, whole_second(from));
        assert!(w[w.len() - 1].1 >= to);
        assert!(w[w.len() - 1].1 - to < time::Duration::SECOND || to <= from);
        w
    }

    #[test]
    fn fractional_ends_are_rounded_out_to_whole_seconds() {
        let ms = time::Duration::milliseconds;
        let from = t("2023-11-01T00:00:00Z");
        // The last window would be 400 ms long: it ends at the next whole second instead.
        let w = check(from, from + time::Duration::WEEK + ms(400));
        assert_eq!(
            sent(&w),
            [
                ("2023-11-01T00:00:00Z".into(), "2023-11-08T00:00:00Z".into()),
                ("2023-11-08T00:00:00Z".into(), "2023-11-08T00:00:01Z".into()),
            ]
        );
        // A fractional start goes down to its second.
        let w = check(from + ms(999), from + time::Duration::days(3) + ms(1));
        assert_eq!(
            sent(&w),
            [("2023-11-01T00:00:00Z".into(), "2023-11-04T00:00:01Z".into())]
        );
        // Under a second, inside one second or across two.
        let w = check(from + ms(100), from + ms(900));
        assert_eq!(
            sent(&w),
            [("2023-11-01T00:00:00Z".into(), "2023-11-01T00:00:01Z".into())]
        );
        let w = check(from + ms(900), from + ms(1_100));
        assert_eq!(
            sent(&w),
            [("2023-11-01T00:00:00Z".into(), "2023-11-01T00:00:02Z".into())]
        );
        // No length at all, whole or not.
        assert_eq!(check(from, from).len(), 1);
        assert_eq!(check(from + ms(5), from + ms(5)).len(), 1);
        // Exact multiples of 7 days: no extra window.
        for weeks in 1..=4 {
            let w = check(from, from + time::Duration::WEEK * weeks);
            assert_eq!(w.len(), weeks as usize);
        }
        // Any fraction after a whole number of weeks, and any fraction on both ends.
        for n in [1, 499, 500, 999] {
            for days in [0, 1, 6, 7, 13, 14, 15] {
                let to = from + time::Duration::days(days) + ms(n);
                check(from, to);
                check(from + ms(n), to);
                check(from + ms(1_000 - n), to + ms(1));
            }
        }
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
