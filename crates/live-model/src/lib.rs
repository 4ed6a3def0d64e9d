//! The typed model of Volcengine Live's pull-record-task API (version `2023-01-01`) and its
//! recorded files (DescribeRecordTaskFileHistory): requests,
//! results, the common response envelope, its errors and the documented input rules.
//!
//! Data only: serde types and validation, no HTTP client, no async runtime. The client
//! (`live-api`) and the local emulator (`live-emulator`) both build on it, so the API's quirks
//! are handled once:
//!
//! - GetPullRecordTask's request key is `TaskID`; every other key is `TaskId`.
//! - GetPullRecordTask's result comes flat (with `Stream`, as the API page shows) or nested in
//!   `TaskDetail` (without `Stream`, as the official SDKs have decoded it since 2025); both
//!   decode into one [`PullRecordTask`] whose `stream` is optional.
//! - `Status` is Chinese text; [`TaskStatus`] keeps unknown values.
//! - Errors can come with HTTP 200 (`CommonErr`) and `CodeN` is optional: [`decode`] looks at
//!   `ResponseMetadata.Error` on every response.
//! - What is known of an action (name, version, HTTP method, documented rate limit,
//!   idempotency) has one home, its [`ActionFacts`]: [`Action::facts`], which an
//!   [`Operation`] names as [`Operation::ACTION`]. Nothing else repeats it: a result type is
//!   plain `Deserialize`, and [`decode_for`] takes the action's name from the caller (the
//!   operation's facts) to name it in a [`DecodeError`].
//! - A request's setters are written once: each request type has consuming setters and
//!   `Default` (an empty request, which [`Operation::validate`] refuses naming the missing
//!   field), and a [`Request`] of it (the request and what sends it, e.g. live-api's client,
//!   through [`Dispatch`] and, for the listings, [`Paginate`]) has the same setters.
//! - Text from the server shown to a person goes through [`sanitize`](mod@sanitize): the
//!   `Display` of [`ApiError`], [`UnexpectedResponse`] and [`DecodeError`] escapes control and
//!   bidi characters and caps the length; the fields themselves keep the exact text.
//!
//! # Turning any response into a result or an error
//!
//! ```
//! use live_model::{
//!     decode, decode_for, Error, GetPullRecordTaskRequest, GetPullRecordTaskResult, Operation,
//!     TaskStatus,
//! };
//!
//! // The example from the API page.
//! let body = r#"{
//!   "ResponseMetadata": {"RequestId": "202306041104200100100232280022D31", "Action": "GetPullRecordTask",
//!                        "Version": "2023-01-01", "Service": "live", "Region": "cn-north-1"},
//!   "Result": {"TaskId": "5b903f78c7f5ae*******01f6fe2eea", "StartTime": "2023-10-09T15:16:15+08:00",
//!              "EndTime": "2023-10-09T15:18:28+08:00", "Vhost": "example.com", "Domain": "pull.example.com",
//!              "App": "live", "Stream": "example_stream", "Status": "生效中"}
//! }"#;
//! let ok = decode::<GetPullRecordTaskResult>(200, body.as_bytes())?;
//! assert_eq!(ok.request_id(), "202306041104200100100232280022D31");
//! assert_eq!(ok.result.task.status, TaskStatus::Recording);
//! assert_eq!(ok.result.task.stream.as_deref(), Some("example_stream"));
//!
//! // An error that comes with HTTP 200.
//! let body = br#"{"ResponseMetadata":{"RequestId":"r2","Error":{"Code":"CommonErr","Message":"busy"}}}"#;
//! match decode::<GetPullRecordTaskResult>(200, body) {
//!     Err(Error::Api(e)) => {
//!         assert_eq!((e.code.as_str(), e.request_id.as_str(), e.http_status), ("CommonErr", "r2", 200));
//!         assert!(e.is_retryable());
//!     }
//!     other => panic!("{other:?}"),
//! }
//!
//! // A Result of the wrong shape: with the operation's facts, the error names the action.
//! let body = br#"{"ResponseMetadata":{"RequestId":"r3"},"Result":{"TaskId":7}}"#;
//! let action = GetPullRecordTaskRequest::ACTION.name();
//! let err = decode_for::<GetPullRecordTaskResult>(action, 200, body).unwrap_err();
//! assert!(err.to_string().starts_with("cannot decode the GetPullRecordTask result: "));
//! # Ok::<(), live_model::Error>(())
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Serializes a type as its text and reads it back from any text (unknown text is kept).
macro_rules! serde_as_text {
    ($t:ty, $to_text:ident) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.$to_text())
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Ok(Self::from_text(&s))
            }
        }
    };
}

// Before the request types, whose setters it writes.
#[macro_use]
mod request;

mod action;
mod actions;
mod code;
mod envelope;
mod error;
mod record_files;
pub mod sanitize;
mod status;
mod task;
mod validate;

pub use action::{Action, ActionFacts, HttpMethod, Idempotency};
pub use actions::{
    CreatePullRecordTaskRequest, CreatePullRecordTaskResult, GetPullRecordTaskRequest,
    ListPullRecordTaskRequest, ListPullRecordTaskResult, Operation, Pagination,
    StopPullRecordTaskRequest, StopPullRecordTaskResult,
};
pub use code::{ErrorCode, RetryClass};
pub use envelope::{
    decode, decode_for, encode, ErrorBody, Response, ResponseMetadata, MAX_RESPONSE_BYTES,
};
pub use error::{ApiError, DecodeError, Error, TimeError, UnexpectedResponse, ValidationError};
pub use record_files::{
    DescribeRecordTaskFileHistoryRequest, DescribeRecordTaskFileHistoryResult, FileLocation,
    RecordFile, RecordStorage, MAX_FILE_WINDOW,
};
pub use request::{Dispatch, Paginate, Request, DEFAULT_MAX_PAGES};
pub use sanitize::sanitize;
pub use status::TaskStatus;
pub use task::{format_rfc3339, parse_rfc3339, GetPullRecordTaskResult, GetShape, PullRecordTask};
pub use validate::{MAX_DOMAIN_LEN, MAX_PAGE_SIZE, MAX_STREAM_URL_LEN, MAX_TASK_ID_LEN};

/// The Live API version these types describe.
pub const API_VERSION: &str = "2023-01-01";
/// The service name in the credential scope.
pub const SERVICE: &str = "live";
/// The default region.
pub const DEFAULT_REGION: &str = "cn-north-1";
/// The default endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://live.volcengineapi.com";
