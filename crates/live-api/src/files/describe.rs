//! DescribeRecordTaskFileHistory, built with live-model's [`Request`]: one page, or every
//! page or file as a stream.

use live_model::{
    DescribeRecordTaskFileHistoryRequest, Pagination, RecordFile, Request, ResponseMetadata,
};

use crate::paging::paged_request;
use crate::LiveClient;

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

/// DescribeRecordTaskFileHistory, being built: `client.describe_record_task_file_history()`;
/// one page (`send`), or every page or file as a stream (`pages`, `files`).
pub type DescribeRecordTaskFileHistory = Request<DescribeRecordTaskFileHistoryRequest, LiveClient>;

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
        Request::new(
            DescribeRecordTaskFileHistoryRequest::default(),
            self.clone(),
        )
    }
}
