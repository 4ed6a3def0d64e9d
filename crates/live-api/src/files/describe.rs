//! DescribeRecordTaskFileHistory as a fluent builder: one page, or every page or file as a
//! stream.

use live_model::{
    DescribeRecordTaskFileHistoryRequest, Pagination, RecordFile, RecordStorage, ResponseMetadata,
};
use time::OffsetDateTime;

use crate::paging::{self, paged_request, Items, PagedRequest, Pages};
use crate::{LiveClient, LiveError};

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
    /// beyond it the stream ends with [`ErrorKind::Pagination`](crate::ErrorKind::Pagination).
    pub fn max_pages(mut self, n: u32) -> Self {
        self.max_pages = n.max(1);
        self
    }

    /// Sends it: one page.
    pub async fn send(self) -> Result<DescribeRecordTaskFileHistoryOutput, LiveError> {
        DescribeRecordTaskFileHistoryRequest::fetch(self.client, self.request).await
    }

    /// Every page from `page_num` on, as a stream that ends after the last page (or the first
    /// error), with the same checks as [`crate::ops::ListPullRecordTask::pages`].
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
}
