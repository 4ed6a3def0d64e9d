//! The Live operations: requests built fluently, sent by [`LiveClient`], and their outputs.
//!
//! `client.get_pull_record_task()` and its siblings return a [`Request`] (live-model's
//! builder, with the setters of the model request, written once there) that the client sends:
//! [`GetPullRecordTask`] is `Request<GetPullRecordTaskRequest, LiveClient>`. The client sends
//! a model request built without it the same way, with [`LiveClient::send`]: either way the
//! answer is the same output.
//!
//! | operation | model request | `send().await` gives | paged |
//! |---|---|---|---|
//! | [`GetPullRecordTask`] | [`GetPullRecordTaskRequest`] | [`GetPullRecordTaskOutput`] | |
//! | [`CreatePullRecordTask`] | [`CreatePullRecordTaskRequest`] | [`CreatePullRecordTaskOutput`] | |
//! | [`ListPullRecordTask`] | [`ListPullRecordTaskRequest`] | [`ListPullRecordTaskOutput`] | `pages()`, `tasks()` |
//! | [`StopPullRecordTask`] | [`StopPullRecordTaskRequest`] | [`StopPullRecordTaskOutput`] | |
//! | [`DescribeRecordTaskFileHistory`](crate::files::DescribeRecordTaskFileHistory) | [`DescribeRecordTaskFileHistoryRequest`](live_model::DescribeRecordTaskFileHistoryRequest) | [`DescribeRecordTaskFileHistoryOutput`](crate::files::DescribeRecordTaskFileHistoryOutput) | `pages()`, `files()` |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = live_emulator::Emulator::start(Default::default()).await?;
//! # let client = live_api::LiveClient::builder().endpoint(emulator.base_url())
//! #     .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?).build()?;
//! use live_model::GetPullRecordTaskRequest;
//!
//! let id = "5b903f78c7f5ae*******01f6fe2eea";
//! let built = client.get_pull_record_task().task_id(id).send().await?;
//! let sent = client.send(GetPullRecordTaskRequest::new(id)).await?;
//! assert_eq!(built.task, sent.task);
//! # Ok(())
//! # }
//! ```
//!
//! A paged request's [`Request::max_pages`] caps its `pages()` and `items()` (default
//! [`DEFAULT_MAX_PAGES`](live_model::DEFAULT_MAX_PAGES)); see [`paging`](crate::paging) for
//! how a listing ends.

use live_model::{
    CreatePullRecordTaskRequest, GetPullRecordTaskRequest, GetShape, ListPullRecordTaskRequest,
    Pagination, PullRecordTask, Response, ResponseMetadata, StopPullRecordTaskRequest,
    StopPullRecordTaskResult, TaskStatus,
};
pub use live_model::{Dispatch, Paginate, Request};

use crate::engine::OutcomeCheck;
use crate::env::LiveFuture;
use crate::paging::paged_request;
use crate::{LiveClient, LiveError};

/// GetPullRecordTask, being built: `client.get_pull_record_task()`.
pub type GetPullRecordTask = Request<GetPullRecordTaskRequest, LiveClient>;
/// CreatePullRecordTask, being built: `client.create_pull_record_task()`.
pub type CreatePullRecordTask = Request<CreatePullRecordTaskRequest, LiveClient>;
/// ListPullRecordTask, being built: `client.list_pull_record_tasks()`.
pub type ListPullRecordTask = Request<ListPullRecordTaskRequest, LiveClient>;
/// StopPullRecordTask, being built: `client.stop_pull_record_task()`.
pub type StopPullRecordTask = Request<StopPullRecordTaskRequest, LiveClient>;

/// A future of an operation's output, as [`Dispatch`] gives it for [`LiveClient`].
pub type OutputFuture<T> = LiveFuture<'static, Result<T, LiveError>>;

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

impl Dispatch<GetPullRecordTaskRequest> for LiveClient {
    type Output = OutputFuture<GetPullRecordTaskOutput>;

    /// Sends GetPullRecordTask.
    fn dispatch(self, input: GetPullRecordTaskRequest, _: Option<u32>) -> Self::Output {
        Box::pin(async move {
            let r = self.call(&input).await?;
            Ok(GetPullRecordTaskOutput {
                task: r.result.task,
                shape: r.result.shape,
                metadata: r.metadata,
            })
        })
    }
}

impl Dispatch<CreatePullRecordTaskRequest> for LiveClient {
    type Output = OutputFuture<CreatePullRecordTaskOutput>;

    /// Sends CreatePullRecordTask. A create is retried only when it cannot have reached the
    /// service.
    fn dispatch(self, input: CreatePullRecordTaskRequest, _: Option<u32>) -> Self::Output {
        Box::pin(async move {
            let r = self.call(&input).await?;
            Ok(CreatePullRecordTaskOutput {
                task_id: r.result.task_id,
                metadata: r.metadata,
            })
        })
    }
}

paged_request!(ListPullRecordTaskRequest => ListPullRecordTaskOutput {
    tasks: PullRecordTask = result.list
});

impl Dispatch<StopPullRecordTaskRequest> for LiveClient {
    type Output = OutputFuture<StopPullRecordTaskOutput>;

    /// Sends StopPullRecordTask.
    ///
    /// A stop is idempotent by outcome: when an attempt may have taken effect but its answer
    /// was lost (connection closed, attempt timed out, 5xx), the client asks
    /// GetPullRecordTask before sending it again. A task already stopped (`停用`) means the
    /// stop succeeded: the output says `reconciled`. Otherwise the stop is sent again.
    fn dispatch(self, input: StopPullRecordTaskRequest, _: Option<u32>) -> Self::Output {
        Box::pin(async move {
            let check = StoppedCheck {
                client: &self,
                task_id: &input.task_id,
            };
            let done = self.run(&input, Some(&check)).await?;
            Ok(StopPullRecordTaskOutput {
                metadata: done.response.metadata,
                reconciled: done.reconciled,
            })
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
        Request::new(GetPullRecordTaskRequest::default(), self.clone())
    }

    /// CreatePullRecordTask: record a pull stream.
    pub fn create_pull_record_task(&self) -> CreatePullRecordTask {
        Request::new(CreatePullRecordTaskRequest::default(), self.clone())
    }

    /// ListPullRecordTask: a page of tasks (`send`), or all of them as a stream (`pages`,
    /// `tasks`; see [`paging`](crate::paging) for how the stream ends).
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
    pub fn list_pull_record_tasks(&self) -> ListPullRecordTask {
        Request::new(ListPullRecordTaskRequest::default(), self.clone())
    }

    /// StopPullRecordTask: stop a task that has not started or is recording (reconciled
    /// after a lost answer: [`Dispatch::dispatch`]).
    pub fn stop_pull_record_task(&self) -> StopPullRecordTask {
        Request::new(StopPullRecordTaskRequest::default(), self.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use bytes::Bytes;
    use live_transport::{BoxFuture, HttpTransport, TransportError};
    use volc_sign::Credentials;

    use super::*;
    use crate::error::PaginationProblem;
    use crate::ErrorKind;

    /// Answers each ListPullRecordTask with `answer(asked page)`: (PageCur, PageTotal,
    /// TotalCount, tasks on the page); records the pages asked.
    struct Scripted {
        answer: fn(u32) -> (u32, u32, u64, usize),
        asked: Mutex<Vec<u32>>,
    }

    impl std::fmt::Debug for Scripted {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Scripted")
        }
    }

    impl HttpTransport for Scripted {
        fn send(
            &self,
            request: http::Request<Bytes>,
        ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
            let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
            let asked = u32::try_from(body["PageNum"].as_u64().unwrap()).unwrap();
            self.asked.lock().unwrap().push(asked);
            let (cur, total, count, n) = (self.answer)(asked);
            let task = serde_json::json!({"TaskId": "t", "StartTime": "2023-10-09T15:16:15+08:00",
                "EndTime": "2023-10-09T15:18:28+08:00", "Vhost": "v", "Domain": "d", "App": "a",
                "Stream": "s", "Status": "生效中"});
            let body = serde_json::json!({
                "ResponseMetadata": {"RequestId": format!("r{asked}"), "Action": "ListPullRecordTask"},
                "Result": {"List": vec![task; n], "Pagination":
                    {"PageCur": cur, "PageSize": 500, "PageTotal": total, "TotalCount": count}},
            });
            let response = http::Response::new(Bytes::from(body.to_string()));
            Box::pin(async move { Ok(response) })
        }
    }

    async fn run(
        answer: fn(u32) -> (u32, u32, u64, usize),
        max_pages: Option<u32>,
    ) -> (Vec<u32>, Option<LiveError>) {
        let transport = Arc::new(Scripted {
            answer,
            asked: Mutex::new(Vec::new()),
        });
        let client = LiveClient::builder()
            .credentials(Credentials::new("AKLTtest", "c2VjcmV0").unwrap())
            .transport(transport.clone())
            .pacing(crate::pacing::Pacing::Off)
            .build()
            .unwrap();
        let mut list = client.list_pull_record_tasks().page_size(500);
        if let Some(n) = max_pages {
            list = list.max_pages(n);
        }
        let mut pages = list.pages();
        let mut got = 0;
        let mut error = None;
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => {
                    got += 1;
                    assert_eq!(p.pagination.page_cur, got);
                }
                Err(e) => error = Some(e),
            }
        }
        assert!(pages.next().await.is_none(), "the stream stays ended");
        let asked = transport.asked.lock().unwrap().clone();
        (asked, error)
    }

    #[tokio::test]
    async fn stops_at_total_count_even_when_page_total_says_more() {
        let (asked, error) = run(|p| (p, u32::MAX, 1_200, 500), None).await;
        assert_eq!(asked, [1, 2, 3]);
        assert!(error.is_none(), "{error:?}");
    }

    #[tokio::test]
    async fn stops_at_page_total_and_on_an_empty_page() {
        let (asked, error) = run(|p| (p, 2, u64::MAX, 500), None).await;
        assert_eq!((asked, error.is_none()), (vec![1, 2], true));
        let (asked, error) = run(|p| (p, u32::MAX, u64::MAX, usize::from(p < 3)), None).await;
        assert_eq!((asked, error.is_none()), (vec![1, 2, 3], true));
    }

    #[tokio::test]
    async fn a_server_that_never_ends_is_stopped_at_the_cap_naming_the_page() {
        let (asked, error) = run(|p| (p, u32::MAX, u64::MAX, 1), Some(5)).await;
        assert_eq!(asked, [1, 2, 3, 4, 5], "page 6 is never asked");
        let e = error.unwrap();
        assert!(matches!(
            e.kind(),
            ErrorKind::Pagination {
                page: 6,
                problem: PaginationProblem::TooManyPages { max_pages: 5 }
            }
        ));
        assert_eq!(e.page(), Some(6));
        assert!(e.to_string().starts_with("page 6: "), "{e}");
        assert!(!e.is_retryable());
    }

    #[tokio::test]
    async fn the_default_cap_is_1000_pages() {
        let (asked, error) = run(|p| (p, u32::MAX, u64::MAX, 1), None).await;
        assert_eq!(asked.len(), 1_000);
        assert_eq!(error.unwrap().page(), Some(1_001));
    }

    #[tokio::test]
    async fn a_page_answered_again_or_another_page_is_refused() {
        let (asked, error) = run(|p| (p.min(2), u32::MAX, u64::MAX, 500), None).await;
        assert_eq!(asked, [1, 2, 3]);
        let e = error.unwrap();
        assert!(matches!(
            e.kind(),
            ErrorKind::Pagination {
                page: 3,
                problem: PaginationProblem::Repeated { answered: 2 }
            }
        ));
        assert_eq!(
            e.to_string(),
            "page 3: the server answered page 2 again (its pages do not advance); listing stopped"
        );
        let (asked, error) = run(|p| (p + 7, u32::MAX, u64::MAX, 500), None).await;
        assert_eq!(asked, [1]);
        assert_eq!(
            error.unwrap().to_string(),
            "page 1: the server answered page 8 instead (PageCur); listing stopped"
        );
    }

    #[tokio::test]
    async fn tasks_end_with_the_same_error() {
        let transport = Arc::new(Scripted {
            answer: |p| (p.min(1), u32::MAX, u64::MAX, 2),
            asked: Mutex::new(Vec::new()),
        });
        let client = LiveClient::builder()
            .credentials(Credentials::new("AKLTtest", "c2VjcmV0").unwrap())
            .transport(transport)
            .build()
            .unwrap();
        let mut tasks = client.list_pull_record_tasks().tasks();
        let mut seen = 0;
        let mut last = None;
        while let Some(t) = tasks.next().await {
            match t {
                Ok(_) => seen += 1,
                Err(e) => last = Some(e),
            }
        }
        assert_eq!(seen, 2);
        assert_eq!(last.unwrap().page(), Some(2));
    }
}
