//! Recorded files: DescribeRecordTaskFileHistory, and from a task to its files.
//!
//! - [`DescribeRecordTaskFileHistory`] ([`LiveClient::describe_record_task_file_history`]):
//!   the files whose recording started in a window of at most 7 days, one page
//!   ([`DescribeRecordTaskFileHistoryOutput`]) or every page or file as a stream
//!   ([`Pages`](crate::paging::Pages), [`Items`](crate::paging::Items)).
//! - [`LiveClient::record_files_of`]: a task ([`TaskRef`]: the task or its id) to its files
//!   ([`TaskFiles`]), across any span, window after window.
//! - The span planner: [`file_windows`] cuts a span into windows of at most 7 days;
//!   [`TASK_WINDOW_LEAD`] and [`MAX_TASK_WINDOWS`] bound a task's span.
//!
//! [`LiveClient::describe_record_task_file_history`]: crate::LiveClient::describe_record_task_file_history
//! [`LiveClient::record_files_of`]: crate::LiveClient::record_files_of

mod describe;
mod span;
mod task_files;

pub use describe::{DescribeRecordTaskFileHistory, DescribeRecordTaskFileHistoryOutput};
pub use span::{file_windows, MAX_TASK_WINDOWS, TASK_WINDOW_LEAD};
pub use task_files::{FindTaskFiles, TaskFiles, TaskRef};
