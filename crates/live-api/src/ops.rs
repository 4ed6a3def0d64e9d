//! The four operations as fluent builders, their outputs, and the ListPullRecordTask
//! paginator.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use live_model::{
    CreatePullRecordTaskRequest, GetPullRecordTaskRequest, GetShape, ListPullRecordTaskRequest,
    Pagination, PullRecordTask, Response, ResponseMetadata, StopPullRecordTaskRequest,
    StopPullRecordTaskResult, TaskStatus,
};

use crate::client::OutcomeCheck;
use crate::{LiveClient, LiveError, LiveFuture};

/// GetPullRecordTask's answer: the task, and the metadata with the request id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPullRecordTaskOutput {
    /// The task (`stream` is `None` when the service sent the nested shape).
    pub task: PullRecordTask,
    /// Which documented shape the result came in.
    pub shape: GetShape,
    /// `ResponseMetadata`.
    pub metadata: ResponseMetadata,
}

/// CreatePullRecordTask's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatePullRecordTaskOutput {
    /// The new task's id.
    pub task_id: String,
    /// `ResponseMetadata`.
    pub metadata: ResponseMetadata,
}

/// One page of ListPullRecordTask.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPullRecordTaskOutput {
    /// The tasks on this page.
    pub tasks: Vec<PullRecordTask>,
    /// Where this page is.
    pub pagination: Pagination,
    /// `ResponseMetadata`.
    pub metadata: ResponseMetadata,
}

/// StopPullRecordTask's answer: only metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StopPullRecordTaskOutput {
    /// `ResponseMetadata`: of the stop's answer, or, when `reconciled`, of the
    /// GetPullRecordTask that found the task stopped.
    pub metadata: ResponseMetadata,
    /// `true` when the stop's own answer was lost and the client found, with
    /// GetPullRecordTask, that the task is stopped: the stop took effect.
    pub reconciled: bool,
}

macro_rules! request_id {
    ($($t:ty),*) => {$(
        impl $t {
            /// The request id, for support.
            pub fn request_id(&self) -> &str {
                &self.metadata.request_id
            }
        }
    )*};
}
request_id!(
    GetPullRecordTaskOutput,
    CreatePullRecordTaskOutput,
    ListPullRecordTaskOutput,
    StopPullRecordTaskOutput
);

/// Builds and sends GetPullRecordTask.
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send` is awaited"]
pub struct GetPullRecordTask {
    client: LiveClient,
    request: GetPullRecordTaskRequest,
}

impl GetPullRecordTask {
    /// The task id (required).
    pub fn task_id(mut self, id: impl Into<String>) -> Self {
        self.request.task_id = id.into();
        self
    }

    /// Sends it.
    pub async fn send(self) -> Result<GetPullRecordTaskOutput, LiveError> {
        let r = self.client.call(&self.request).await?;
        Ok(GetPullRecordTaskOutput {
            task: r.result.task,
            shape: r.result.shape,
            metadata: r.metadata,
        })
    }
}

/// Builds and sends CreatePullRecordTask.
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send` is awaited"]
pub struct CreatePullRecordTask {
    client: LiveClient,
    request: CreatePullRecordTaskRequest,
}

impl CreatePullRecordTask {
    /// The domain (required).
    pub fn domain(mut self, v: impl Into<String>) -> Self {
        self.request.domain = v.into();
        self
    }

    /// The application name (required).
    pub fn app(mut self, v: impl Into<String>) -> Self {
        self.request.app = v.into();
        self
    }

    /// The stream name (required).
    pub fn stream(mut self, v: impl Into<String>) -> Self {
        self.request.stream = v.into();
        self
    }

    /// The pull URL to record (required).
    pub fn stream_url(mut self, v: impl Into<String>) -> Self {
        self.request.stream_url = v.into();
        self
    }

    /// The domain space.
    pub fn vhost(mut self, v: impl Into<String>) -> Self {
        self.request.vhost = Some(v.into());
        self
    }

    /// When to start, RFC 3339 (default: now).
    pub fn start_time(mut self, v: impl Into<String>) -> Self {
        self.request.start_time = Some(v.into());
        self
    }

    /// When to stop, RFC 3339 (default: when the stream ends).
    pub fn end_time(mut self, v: impl Into<String>) -> Self {
        self.request.end_time = Some(v.into());
        self
    }

    /// Sends it. A create is retried only when it cannot have reached the service.
    pub async fn send(self) -> Result<CreatePullRecordTaskOutput, LiveError> {
        let r = self.client.call(&self.request).await?;
        Ok(CreatePullRecordTaskOutput {
            task_id: r.result.task_id,
            metadata: r.metadata,
        })
    }
}

/// Builds and sends ListPullRecordTask, one page or all of them.
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send` is awaited or the stream polled"]
pub struct ListPullRecordTasks {
    client: LiveClient,
    request: ListPullRecordTaskRequest,
}

impl ListPullRecordTasks {
    /// The page, from 1 (default 1).
    pub fn page_num(mut self, n: u32) -> Self {
        self.request.page_num = n;
        self
    }

    /// Tasks per page, 1 to 500 (default 20).
    pub fn page_size(mut self, n: u32) -> Self {
        self.request.page_size = n;
        self
    }

    /// Only tasks of this domain space.
    pub fn vhost(mut self, v: impl Into<String>) -> Self {
        self.request.vhost = Some(v.into());
        self
    }

    /// Only tasks of this domain.
    pub fn domain(mut self, v: impl Into<String>) -> Self {
        self.request.domain = Some(v.into());
        self
    }

    /// Only tasks of this application.
    pub fn app(mut self, v: impl Into<String>) -> Self {
        self.request.app = Some(v.into());
        self
    }

    /// Only tasks of this stream.
    pub fn stream(mut self, v: impl Into<String>) -> Self {
        self.request.stream = Some(v.into());
        self
    }

    /// Sends it: one page.
    pub async fn send(self) -> Result<ListPullRecordTaskOutput, LiveError> {
        fetch(self.client, self.request).await
    }

    /// Every page from `page_num` on, as a stream that ends after the last page (or the first
    /// error).
    pub fn pages(self) -> Pages {
        Pages {
            client: self.client,
            request: self.request,
            pending: None,
            done: false,
        }
    }

    /// Every task of every page from `page_num` on, as a stream.
    pub fn tasks(self) -> Tasks {
        Tasks {
            pages: self.pages(),
            buffered: VecDeque::new(),
        }
    }
}

async fn fetch(
    client: LiveClient,
    request: ListPullRecordTaskRequest,
) -> Result<ListPullRecordTaskOutput, LiveError> {
    let r = client.call(&request).await?;
    Ok(ListPullRecordTaskOutput {
        tasks: r.result.list,
        pagination: r.result.pagination,
        metadata: r.metadata,
    })
}

/// The pages of a listing; see [`ListPullRecordTasks::pages`].
#[must_use = "streams do nothing unless polled"]
pub struct Pages {
    client: LiveClient,
    request: ListPullRecordTaskRequest,
    pending: Option<LiveFuture<'static, Result<ListPullRecordTaskOutput, LiveError>>>,
    done: bool,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("next_page", &self.request.page_num)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Pages {
    /// The next page, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<ListPullRecordTaskOutput, LiveError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for Pages {
    type Item = Result<ListPullRecordTaskOutput, LiveError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        let this = &mut *self;
        let pending = this
            .pending
            .get_or_insert_with(|| Box::pin(fetch(this.client.clone(), this.request.clone())));
        let result = match pending.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r,
        };
        this.pending = None;
        match &result {
            Ok(page) => {
                let p = page.pagination;
                // Stop at the last page, on an empty page, or if the service answered with a
                // page other than the one asked for (a loop guard).
                let more = !page.tasks.is_empty()
                    && p.page_cur == this.request.page_num
                    && p.page_cur < p.page_total;
                if more {
                    this.request.page_num += 1;
                } else {
                    this.done = true;
                }
            }
            Err(_) => this.done = true,
        }
        Poll::Ready(Some(result))
    }
}

/// The tasks of a listing; see [`ListPullRecordTasks::tasks`].
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct Tasks {
    pages: Pages,
    buffered: VecDeque<PullRecordTask>,
}

impl Tasks {
    /// The next task, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<PullRecordTask, LiveError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for Tasks {
    type Item = Result<PullRecordTask, LiveError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(task) = self.buffered.pop_front() {
                return Poll::Ready(Some(Ok(task)));
            }
            match Pin::new(&mut self.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => self.buffered.extend(page.tasks),
            }
        }
    }
}

/// Builds and sends StopPullRecordTask.
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send` is awaited"]
pub struct StopPullRecordTask {
    client: LiveClient,
    request: StopPullRecordTaskRequest,
}

impl StopPullRecordTask {
    /// The task id (required).
    pub fn task_id(mut self, id: impl Into<String>) -> Self {
        self.request.task_id = id.into();
        self
    }

    /// Sends it.
    ///
    /// A stop is idempotent by outcome: when an attempt may have taken effect but its answer
    /// was lost (connection closed, attempt timed out, 5xx), the client asks
    /// GetPullRecordTask before sending it again. A task already stopped (`停用`) means the
    /// stop succeeded: the output says `reconciled`. Otherwise the stop is sent again.
    pub async fn send(self) -> Result<StopPullRecordTaskOutput, LiveError> {
        let check = StoppedCheck {
            client: &self.client,
            task_id: &self.request.task_id,
        };
        let done = self.client.run(&self.request, Some(&check)).await?;
        Ok(StopPullRecordTaskOutput {
            metadata: done.response.metadata,
            reconciled: done.reconciled,
        })
    }
}

/// After a stop whose answer was lost: is the task stopped?
struct StoppedCheck<'a> {
    client: &'a LiveClient,
    task_id: &'a str,
}

impl OutcomeCheck<StopPullRecordTaskResult> for StoppedCheck<'_> {
    fn check(
        &self,
    ) -> LiveFuture<'_, Result<Option<Response<StopPullRecordTaskResult>>, LiveError>> {
        Box::pin(async move {
            let got = self
                .client
                .call(&GetPullRecordTaskRequest::new(self.task_id))
                .await?;
            Ok((got.result.task.status == TaskStatus::Stopped)
                .then(|| Response::new(got.metadata, StopPullRecordTaskResult::default())))
        })
    }
}

impl LiveClient {
    /// GetPullRecordTask: one task by id.
    ///
    /// ```no_run
    /// # async fn run(client: live_api::LiveClient) -> Result<(), live_api::LiveError> {
    /// let out = client.get_pull_record_task().task_id("5b903f78c7f5ae01f6fe2eea").send().await?;
    /// println!("{} is {} (request {})", out.task.task_id, out.task.status, out.request_id());
    /// # Ok(()) }
    /// ```
    pub fn get_pull_record_task(&self) -> GetPullRecordTask {
        GetPullRecordTask {
            client: self.clone(),
            request: GetPullRecordTaskRequest::new(""),
        }
    }

    /// CreatePullRecordTask: record a pull stream.
    pub fn create_pull_record_task(&self) -> CreatePullRecordTask {
        CreatePullRecordTask {
            client: self.clone(),
            request: CreatePullRecordTaskRequest::new("", "", "", ""),
        }
    }

    /// ListPullRecordTask: a page of tasks, or all of them as a stream.
    ///
    /// ```no_run
    /// # async fn run(client: live_api::LiveClient) -> Result<(), live_api::LiveError> {
    /// // Every task, page after page (also a `futures_core::Stream`).
    /// let mut tasks = client.list_pull_record_tasks().page_size(100).app("live").tasks();
    /// while let Some(task) = tasks.next().await {
    ///     println!("{}", task?.task_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_pull_record_tasks(&self) -> ListPullRecordTasks {
        ListPullRecordTasks {
            client: self.clone(),
            request: ListPullRecordTaskRequest::new(1, 20),
        }
    }

    /// StopPullRecordTask: stop a task that has not started or is recording.
    pub fn stop_pull_record_task(&self) -> StopPullRecordTask {
        StopPullRecordTask {
            client: self.clone(),
            request: StopPullRecordTaskRequest::new(""),
        }
    }
}
