//! Fan-out: GetPullRecordTask for many task ids, a bounded number at a time, paced by the
//! client's limiter, each result tagged with its id, as they arrive.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;

use crate::env::LiveFuture;
use crate::ops::GetPullRecordTaskOutput;
use crate::{ErrorKind, LiveClient, LiveError};

/// One task's result in a fan-out: its id, and what GetPullRecordTask answered.
#[derive(Debug)]
#[non_exhaustive]
pub struct TaskResult {
    /// The task id asked for.
    pub task_id: String,
    /// The answer, or the error (after the client's retries).
    pub result: Result<GetPullRecordTaskOutput, LiveError>,
}

/// GetPullRecordTask for many task ids; see [`LiveClient::get_pull_record_tasks`].
#[must_use = "nothing is sent until the stream is polled"]
pub struct FanOutGetPullRecordTask {
    client: LiveClient,
    ids: Box<dyn Iterator<Item = String> + Send>,
    concurrency: usize,
}

impl fmt::Debug for FanOutGetPullRecordTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FanOutGetPullRecordTask")
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl FanOutGetPullRecordTask {
    /// How many calls are in flight at most, by default: 8.
    pub const DEFAULT_CONCURRENCY: usize = 8;
    /// The most calls in flight accepted: 1,024.
    pub const MAX_CONCURRENCY: usize = 1_024;

    /// At most `n` calls in flight (1 to [`MAX_CONCURRENCY`](Self::MAX_CONCURRENCY); default
    /// [`DEFAULT_CONCURRENCY`](Self::DEFAULT_CONCURRENCY)). The limiter sets the pace; this
    /// only bounds how many calls wait or run at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.clamp(1, Self::MAX_CONCURRENCY);
        self
    }

    /// The results, in the order they arrive (not the order of the ids), one per id.
    pub fn stream(self) -> FanOutResults {
        FanOutResults {
            client: self.client,
            ids: Some(self.ids),
            concurrency: self.concurrency,
            running: FuturesUnordered::new(),
        }
    }
}

/// The results of a fan-out; see [`LiveClient::get_pull_record_tasks`]. A
/// [`futures_core::Stream`], and [`FanOutResults::next`] without one.
#[must_use = "streams do nothing unless polled"]
pub struct FanOutResults {
    client: LiveClient,
    ids: Option<Box<dyn Iterator<Item = String> + Send>>,
    concurrency: usize,
    running: FuturesUnordered<LiveFuture<'static, TaskResult>>,
}

impl fmt::Debug for FanOutResults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FanOutResults")
            .field("in_flight", &self.running.len())
            .field("more_ids", &self.ids.is_some())
            .finish_non_exhaustive()
    }
}

impl FanOutResults {
    /// The next result, or `None` after the last.
    pub async fn next(&mut self) -> Option<TaskResult> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// How many calls are in flight now.
    pub fn in_flight(&self) -> usize {
        self.running.len()
    }
}

impl FanOutResults {
    /// How often one id waits for a permit that its call's deadline could not reach (each
    /// wait as long as the limiter says) before its result is that error.
    const MAX_PERMIT_WAITS: u32 = 8;
}

impl Stream for FanOutResults {
    type Item = TaskResult;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<TaskResult>> {
        let this = &mut *self;
        while this.running.len() < this.concurrency {
            let Some(task_id) = this.ids.as_mut().and_then(Iterator::next) else {
                this.ids = None;
                break;
            };
            let client = this.client.clone();
            this.running.push(Box::pin(async move {
                let mut turns = 0;
                loop {
                    let result = client.get_pull_record_task().task_id(&task_id).send().await;
                    // No permit before this call's deadline (a long Retry-After holds the
                    // key): nothing was sent, so wait until one comes and try again, instead
                    // of failing every remaining id at once.
                    // A read throttled past its deadline is asked again the same way: the
                    // limiter then holds it until the `Retry-After` has passed.
                    if let Err(e) = &result {
                        if turns < Self::MAX_PERMIT_WAITS {
                            if let ErrorKind::RateLimited { next_in, .. } = e.kind() {
                                turns += 1;
                                client.environment().sleep(*next_in).await;
                                continue;
                            }
                            if e.is_throttling() && client.rate_limiter().is_some() {
                                turns += 1;
                                continue;
                            }
                        }
                    }
                    return TaskResult { task_id, result };
                }
            }));
        }
        match this.running.poll_next_unpin(cx) {
            Poll::Ready(Some(result)) => Poll::Ready(Some(result)),
            Poll::Ready(None) if this.ids.is_none() => Poll::Ready(None),
            // Nothing running and ids left: only when the concurrency is zero, which it is not.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

impl LiveClient {
    /// GetPullRecordTask for each of `task_ids`, at most
    /// [`concurrency`](FanOutGetPullRecordTask::concurrency) at a time, every call paced by the
    /// client's limiter (so a thousand ids at GetPullRecordTask's 10/s take about 100 s and
    /// get no throttling answer) and retried as any other. The results come as a stream, as
    /// they arrive, each tagged with its id; an error ends nothing but its own result. An id
    /// whose call finds no permit before its deadline (a long `Retry-After` holds the key)
    /// waits for one and is sent then, up to 8 times, rather than failing at once.
    ///
    /// The ids are read lazily, as calls finish.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = live_emulator::Emulator::start(Default::default()).await?;
    /// # let client = live_api::LiveClient::builder().endpoint(emulator.base_url())
    /// #     .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?).build()?;
    /// let ids = vec![live_emulator::EXAMPLE_TASK_ID.to_owned(), "no-such-task".to_owned()];
    /// let mut results = client.get_pull_record_tasks(ids).concurrency(16).stream();
    /// let mut failed = 0;
    /// while let Some(r) = results.next().await {
    ///     match r.result {
    ///         Ok(out) => println!("{}: {}", r.task_id, out.task.status),
    ///         Err(e) => { failed += 1; eprintln!("{}: {e}", r.task_id) }
    ///     }
    /// }
    /// assert_eq!(failed, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get_pull_record_tasks<I>(&self, task_ids: I) -> FanOutGetPullRecordTask
    where
        I: IntoIterator,
        I::Item: Into<String> + 'static,
        I::IntoIter: Send + 'static,
    {
        FanOutGetPullRecordTask {
            client: self.clone(),
            ids: Box::new(task_ids.into_iter().map(Into::into)),
            concurrency: FanOutGetPullRecordTask::DEFAULT_CONCURRENCY,
        }
    }
}
