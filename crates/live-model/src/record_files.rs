//! DescribeRecordTaskFileHistory: the files that recordings wrote, found by a window of
//! recording start times (at most 7 days), filtered by vhost, app, stream and storage.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;

use crate::task::{format_rfc3339, parse_rfc3339};
use crate::ValidationError;
use crate::{validate, Action, ActionFacts, Operation, Paginate, Pagination, Request, TimeError};

/// The longest window DescribeRecordTaskFileHistory accepts: `DateTo` at most 7 days after
/// `DateFrom`.
pub const MAX_FILE_WINDOW: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Where recordings are stored: DescribeRecordTaskFileHistory's `Type`.
///
/// ```
/// use live_model::RecordStorage;
///
/// assert_eq!(RecordStorage::from_text("vod"), Some(RecordStorage::Vod));
/// assert_eq!(RecordStorage::from_text("TOS"), None);
/// assert_eq!(RecordStorage::default().as_str(), "tos");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RecordStorage {
    /// TOS object storage (the service's default): a file has a `Bucket` and a `Path`.
    #[default]
    Tos,
    /// VOD, the video-on-demand service: a file has a `Vid`.
    Vod,
}

impl RecordStorage {
    /// `tos` or `vod`, as on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordStorage::Tos => "tos",
            RecordStorage::Vod => "vod",
        }
    }

    /// The storage named `text` (exactly `tos` or `vod`).
    pub fn from_text(text: &str) -> Option<Self> {
        match text {
            "tos" => Some(RecordStorage::Tos),
            "vod" => Some(RecordStorage::Vod),
            _ => None,
        }
    }
}

impl fmt::Display for RecordStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RecordStorage {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_text(s).ok_or_else(|| ValidationError::new("Type", "must be tos or vod"))
    }
}

/// DescribeRecordTaskFileHistory: one page of the files whose recording started between
/// `DateFrom` and `DateTo`.
///
/// The documented rules, checked by [`Operation::validate`]: both times RFC 3339 to the
/// second; `DateTo` after `DateFrom` and at most 7 days after it; `Stream` only with `App`;
/// `App` and `Stream` by their character rules; `Type` `tos` or `vod`; `PageNum` and
/// `PageSize` at least 1 (no maximum is documented). An empty `Vhost`, `App`, `Stream` or
/// `Type` is the same as none.
///
/// ```
/// use live_model::{DescribeRecordTaskFileHistoryRequest, Operation, RecordStorage};
///
/// let req = DescribeRecordTaskFileHistoryRequest::new("2023-11-01T00:00:00+08:00", "2023-11-07T23:59:59+08:00")
///     .vhost("push.example.com").app("live").storage(RecordStorage::Tos);
/// assert!(req.validate().is_ok());
/// assert_eq!(serde_json::to_string(&req).unwrap(),
///     r#"{"DateFrom":"2023-11-01T00:00:00+08:00","DateTo":"2023-11-07T23:59:59+08:00","PageNum":1,"PageSize":30,"Vhost":"push.example.com","App":"live","Type":"tos"}"#);
/// let too_long = DescribeRecordTaskFileHistoryRequest::new("2023-11-01T00:00:00Z", "2023-11-08T00:00:01Z");
/// assert_eq!(too_long.validate().unwrap_err().to_string(), "invalid DateTo: must be at most 7 days after DateFrom");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DescribeRecordTaskFileHistoryRequest {
    /// The window's start: recordings that started at or after it, RFC 3339 to the second.
    #[serde(rename = "DateFrom")]
    pub date_from: String,
    /// The window's end: after `DateFrom`, at most 7 days after it.
    #[serde(rename = "DateTo")]
    pub date_to: String,
    /// The page, from 1.
    #[serde(rename = "PageNum")]
    pub page_num: u32,
    /// Files per page, at least 1.
    #[serde(rename = "PageSize")]
    pub page_size: u32,
    /// Only files of this domain space (none: all).
    #[serde(rename = "Vhost", default, skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    /// Only files of this application, `[A-Za-z0-9_.-]{1,30}`.
    #[serde(rename = "App", default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// Only files of this stream, `[A-Za-z0-9_.-]{1,100}`; requires `App`.
    #[serde(rename = "Stream", default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Where the files are stored, `tos` (the service's default) or `vod`.
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
}

impl DescribeRecordTaskFileHistoryRequest {
    /// Page 1 of 30 files (the documentation's example size) in the window `from`..`to`
    /// (RFC 3339 text), unfiltered.
    pub fn new(date_from: impl Into<String>, date_to: impl Into<String>) -> Self {
        Self {
            date_from: date_from.into(),
            date_to: date_to.into(),
            page_num: 1,
            page_size: 30,
            vhost: None,
            app: None,
            stream: None,
            storage: None,
        }
    }

    /// The window `from`..`to` from typed times (written in UTC, to the second).
    pub fn between(from: OffsetDateTime, to: OffsetDateTime) -> Self {
        Self::new(format_rfc3339(from), format_rfc3339(to))
    }

    /// The storage asked for: `Type` when set, else the service's default ([`RecordStorage::Tos`]).
    /// `None` when `Type` is neither `tos` nor `vod`.
    pub fn effective_storage(&self) -> Option<RecordStorage> {
        match self.storage.as_deref() {
            None | Some("") => Some(RecordStorage::Tos),
            Some(s) => RecordStorage::from_text(s),
        }
    }

    /// The window, read: (`DateFrom`, `DateTo`).
    pub fn window(&self) -> Result<(OffsetDateTime, OffsetDateTime), ValidationError> {
        let from = validate::second_time("DateFrom", &self.date_from)?;
        let to = validate::second_time("DateTo", &self.date_to)?;
        Ok((from, to))
    }
}

/// Page 1 of 30 files with no window yet (validation asks for `DateFrom`).
impl Default for DescribeRecordTaskFileHistoryRequest {
    fn default() -> Self {
        Self::new("", "")
    }
}

setters!(DescribeRecordTaskFileHistoryRequest {
    /// Sets the window's start, RFC 3339 to the second (required).
    fn date_from(r, v: impl Into<String>) {
        r.date_from = v.into();
    }

    /// Sets the window's end, RFC 3339 to the second, after the start and at most 7 days after
    /// it (required).
    fn date_to(r, v: impl Into<String>) {
        r.date_to = v.into();
    }

    /// Sets the window from typed times (written in UTC, to the second). The request type's
    /// own setter is `within`, as its `window()` reads the window.
    fn window [within] (r, from: OffsetDateTime, to: OffsetDateTime) {
        r.date_from = format_rfc3339(from);
        r.date_to = format_rfc3339(to);
    }

    /// Only files of this domain space.
    fn vhost(r, v: impl Into<String>) {
        r.vhost = Some(v.into());
    }

    /// Only files of this application.
    fn app(r, v: impl Into<String>) {
        r.app = Some(v.into());
    }

    /// Only files of this stream (requires an application).
    fn stream(r, v: impl Into<String>) {
        r.stream = Some(v.into());
    }

    /// Where the files are stored (the service's default: TOS).
    fn storage(r, s: RecordStorage) {
        r.storage = Some(s.as_str().to_owned());
    }

    /// Sets the page, from 1 (default 1).
    fn page_num(r, n: u32) {
        r.page_num = n;
    }

    /// Sets the files per page, at least 1 (default 30; no maximum is documented).
    fn page_size(r, n: u32) {
        r.page_size = n;
    }
});

impl<C: Paginate<DescribeRecordTaskFileHistoryRequest>>
    Request<DescribeRecordTaskFileHistoryRequest, C>
{
    /// Every file of every page from `page_num` on: [`Request::items`].
    pub fn files(self) -> C::Items {
        self.items()
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

impl Operation for DescribeRecordTaskFileHistoryRequest {
    const ACTION: ActionFacts = Action::DescribeRecordTaskFileHistory.facts();
    type Result = DescribeRecordTaskFileHistoryResult;
    fn validate(&self) -> Result<(), ValidationError> {
        let (from, to) = self.window()?;
        if to <= from {
            return Err(ValidationError::new("DateTo", "must be after DateFrom"));
        }
        if to - from > MAX_FILE_WINDOW {
            return Err(ValidationError::new(
                "DateTo",
                "must be at most 7 days after DateFrom",
            ));
        }
        if self.page_num < 1 {
            return Err(ValidationError::new("PageNum", "must be at least 1"));
        }
        if self.page_size < 1 {
            return Err(ValidationError::new("PageSize", "must be at least 1"));
        }
        if let Some(v) = given(&self.vhost) {
            validate::domain("Vhost", v)?;
        }
        if let Some(v) = given(&self.app) {
            validate::app("App", v)?;
        }
        if let Some(v) = given(&self.stream) {
            validate::stream("Stream", v)?;
            if given(&self.app).is_none() {
                return Err(ValidationError::new(
                    "Stream",
                    "requires App (the stream's application)",
                ));
            }
        }
        if let Some(t) = given(&self.storage) {
            if RecordStorage::from_text(t).is_none() {
                return Err(ValidationError::new("Type", "must be tos or vod"));
            }
        }
        Ok(())
    }
}

/// DescribeRecordTaskFileHistory's `Result`: the page's files and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DescribeRecordTaskFileHistoryResult {
    /// The files on this page (`null` or absent reads as none).
    #[serde(rename = "Data", default, deserialize_with = "null_as_empty")]
    pub data: Vec<RecordFile>,
    /// Where this page is.
    #[serde(rename = "Pagination")]
    pub pagination: Pagination,
}

impl DescribeRecordTaskFileHistoryResult {
    /// A page.
    pub fn new(data: Vec<RecordFile>, pagination: Pagination) -> Self {
        Self { data, pagination }
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RecordFile>, D::Error> {
    Ok(Option::<Vec<RecordFile>>::deserialize(d)?.unwrap_or_default())
}

/// Reads a file field, whatever JSON it holds: a string as it is, a number or a boolean as its
/// JSON text, an array or an object as its compact JSON text, `null` as empty. It never fails
/// on the value's kind, so one odd field does not fail the page. The text is no longer than
/// the value's own JSON (the response body is already bounded).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        other => other.to_string(),
    })
}

/// One recorded file, every field kept as text.
///
/// The official SDKs model each field as a string and mark all of them required; the service
/// fills `Bucket` and `Path` for files in TOS and `Vid` for files in VOD. Every field accepts
/// any JSON value and keeps it as text: a string exactly as received; a number, a boolean, an
/// array or an object as its compact JSON text as serde_json writes it (`12.5`, `true`,
/// `[1,2]`, `{"a":1}`; numbers normalised, e.g. `1e2` as `100.0`, and object keys sorted), and
/// `null` or an absent field as empty. Typed readings are methods, so an odd
/// value fails (`Err` or `None`) only when asked for, never the whole page.
///
/// Not documented by the service: the unit of `Duration` ([`RecordFile::duration_number`]
/// gives the number as written; [`RecordFile::recorded_span`] the span from the times),
/// and the order of a page's files.
///
/// ```
/// use live_model::RecordFile;
///
/// let f: RecordFile = serde_json::from_str(r#"{"Vhost":"push.example.com","App":"live","Stream":"s",
///   "FileName":"s.flv","Format":"flv","Duration":"133","StartTime":"2023-10-09T15:16:15+08:00",
///   "EndTime":"2023-10-09T15:18:28+08:00","StartTimeUTC":"2023-10-09T07:16:15Z","EndTimeUTC":"2023-10-09T07:18:28Z",
///   "Bucket":"b","Path":"record/s.flv","Vid":""}"#).unwrap();
/// assert_eq!(f.duration_number(), Some(133.0));
/// assert_eq!(f.recorded_span(), Some(std::time::Duration::from_secs(133)));
/// assert_eq!(f.location().unwrap().to_string(), "tos://b/record/s.flv");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordFile {
    /// The domain space.
    #[serde(rename = "Vhost", default, deserialize_with = "text")]
    pub vhost: String,
    /// The application name.
    #[serde(rename = "App", default, deserialize_with = "text")]
    pub app: String,
    /// The stream name.
    #[serde(rename = "Stream", default, deserialize_with = "text")]
    pub stream: String,
    /// The file's name.
    #[serde(rename = "FileName", default, deserialize_with = "text")]
    pub file_name: String,
    /// The file's format (e.g. `flv`).
    #[serde(rename = "Format", default, deserialize_with = "text")]
    pub format: String,
    /// The recording's length, as received; the unit is not documented.
    #[serde(rename = "Duration", default, deserialize_with = "text")]
    pub duration: String,
    /// When recording started, RFC 3339 (the service's zone).
    #[serde(rename = "StartTime", default, deserialize_with = "text")]
    pub start_time: String,
    /// When recording ended, RFC 3339 (the service's zone).
    #[serde(rename = "EndTime", default, deserialize_with = "text")]
    pub end_time: String,
    /// When recording started, RFC 3339 in UTC.
    #[serde(rename = "StartTimeUTC", default, deserialize_with = "text")]
    pub start_time_utc: String,
    /// When recording ended, RFC 3339 in UTC.
    #[serde(rename = "EndTimeUTC", default, deserialize_with = "text")]
    pub end_time_utc: String,
    /// The TOS bucket (files in TOS; empty otherwise).
    #[serde(rename = "Bucket", default, deserialize_with = "text")]
    pub bucket: String,
    /// The path in the bucket (files in TOS; empty otherwise).
    #[serde(rename = "Path", default, deserialize_with = "text")]
    pub path: String,
    /// The VOD id (files in VOD; empty otherwise).
    #[serde(rename = "Vid", default, deserialize_with = "text")]
    pub vid: String,
}

/// Where a file is: in a TOS bucket or in VOD. Displayed as `tos://BUCKET/PATH` or
/// `vod:VID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileLocation<'a> {
    /// An object in TOS.
    Tos {
        /// The bucket.
        bucket: &'a str,
        /// The path in it.
        path: &'a str,
    },
    /// A video in VOD.
    Vod {
        /// Its id.
        vid: &'a str,
    },
}

impl fmt::Display for FileLocation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileLocation::Tos { bucket, path } => {
                write!(f, "tos://{bucket}/{}", path.trim_start_matches('/'))
            }
            FileLocation::Vod { vid } => write!(f, "vod:{vid}"),
        }
    }
}

impl RecordFile {
    /// A file of `vhost`/`app`/`stream` with every other field empty.
    pub fn new(
        vhost: impl Into<String>,
        app: impl Into<String>,
        stream: impl Into<String>,
    ) -> Self {
        Self {
            vhost: vhost.into(),
            app: app.into(),
            stream: stream.into(),
            ..Self::default()
        }
    }

    /// `StartTime`, read as RFC 3339.
    pub fn parse_start_time(&self) -> Result<OffsetDateTime, TimeError> {
        parse_rfc3339("StartTime", &self.start_time)
    }

    /// `EndTime`, read as RFC 3339.
    pub fn parse_end_time(&self) -> Result<OffsetDateTime, TimeError> {
        parse_rfc3339("EndTime", &self.end_time)
    }

    /// `StartTimeUTC`, read as RFC 3339.
    pub fn parse_start_time_utc(&self) -> Result<OffsetDateTime, TimeError> {
        parse_rfc3339("StartTimeUTC", &self.start_time_utc)
    }

    /// `EndTimeUTC`, read as RFC 3339.
    pub fn parse_end_time_utc(&self) -> Result<OffsetDateTime, TimeError> {
        parse_rfc3339("EndTimeUTC", &self.end_time_utc)
    }

    /// When recording started: `StartTimeUTC`, or `StartTime` when that one does not parse.
    pub fn started_at(&self) -> Result<OffsetDateTime, TimeError> {
        self.parse_start_time_utc()
            .or_else(|_| self.parse_start_time())
    }

    /// When recording ended: `EndTimeUTC`, or `EndTime` when that one does not parse.
    pub fn ended_at(&self) -> Result<OffsetDateTime, TimeError> {
        self.parse_end_time_utc().or_else(|_| self.parse_end_time())
    }

    /// `Duration` as a number, when it is one (finite, not negative). Its unit is not
    /// documented; the emulator writes seconds.
    pub fn duration_number(&self) -> Option<f64> {
        self.duration
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
    }

    /// How long the recording ran, from its start and end times (not from `Duration`), when
    /// both parse and the end is not before the start.
    pub fn recorded_span(&self) -> Option<std::time::Duration> {
        let (s, e) = (self.started_at().ok()?, self.ended_at().ok()?);
        std::time::Duration::try_from(e - s).ok()
    }

    /// Where the file is: TOS when `Bucket` is set, VOD when `Vid` is; `None` when neither.
    pub fn location(&self) -> Option<FileLocation<'_>> {
        if !self.bucket.is_empty() {
            Some(FileLocation::Tos {
                bucket: &self.bucket,
                path: &self.path,
            })
        } else if !self.vid.is_empty() {
            Some(FileLocation::Vod { vid: &self.vid })
        } else {
            None
        }
    }

    /// Whether the recording overlaps the span `from`..`to`, by the recording's start `s` and
    /// end `e` ([`started_at`](Self::started_at), [`ended_at`](Self::ended_at)):
    ///
    /// - `s < to && e > from`: it started before the span's end and ended after its start
    ///   (touching at an end only is no overlap);
    /// - a file of no length (`s == e`) counts when `from <= s <= to`;
    /// - a span of no length (`from == to`, e.g. a task that started this instant) holds the
    ///   files running at that instant (`s <= from < e`) and the files starting at it.
    ///
    /// A file whose times do not parse overlaps nothing.
    ///
    /// ```
    /// use live_model::{parse_rfc3339, RecordFile};
    ///
    /// let t = |s| parse_rfc3339("t", s).unwrap();
    /// let mut f = RecordFile::new("v", "a", "s");
    /// f.start_time_utc = "2023-10-09T07:16:15Z".into();
    /// f.end_time_utc = "2023-10-09T07:18:28Z".into();
    /// let at = t("2023-10-09T07:16:15Z");
    /// assert!(f.overlaps(at, at), "a file starting at a span of no length");
    /// assert!(!f.overlaps(t("2023-10-09T07:10:00Z"), at), "ends where the file starts");
    /// ```
    pub fn overlaps(&self, from: OffsetDateTime, to: OffsetDateTime) -> bool {
        let (Ok(s), Ok(e)) = (self.started_at(), self.ended_at()) else {
            return false;
        };
        let spans = s < to && e > from;
        let point_file = s == e && from <= s && s <= to;
        let point_span = from == to && s <= from && (e > from || s == from);
        spans || point_file || point_span
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_and_its_builder_set_the_same_fields() {
        let from = crate::parse_rfc3339("t", "2023-11-01T00:00:00+08:00").unwrap();
        let to = crate::parse_rfc3339("t", "2023-11-07T23:59:59+08:00").unwrap();
        let own = DescribeRecordTaskFileHistoryRequest::default()
            .within(from, to)
            .vhost("push.example.com")
            .app("live")
            .stream("s")
            .storage(RecordStorage::Vod)
            .page_num(2)
            .page_size(50);
        let built = Request::new(DescribeRecordTaskFileHistoryRequest::default(), ())
            .window(from, to)
            .vhost("push.example.com")
            .app("live")
            .stream("s")
            .storage(RecordStorage::Vod)
            .page_num(2)
            .page_size(50);
        assert_eq!(built.input(), &own);
        assert_eq!(
            own,
            DescribeRecordTaskFileHistoryRequest::between(from, to)
                .vhost("push.example.com")
                .app("live")
                .stream("s")
                .storage(RecordStorage::Vod)
                .page_num(2)
                .page_size(50)
        );
        let typed = Request::new(DescribeRecordTaskFileHistoryRequest::default(), ())
            .date_from(own.date_from.clone())
            .date_to(own.date_to.clone());
        assert_eq!(
            typed.input().window().unwrap(),
            (from, to),
            "the builder reads as the request"
        );
        assert!(own.validate().is_ok());
        let empty = DescribeRecordTaskFileHistoryRequest::default();
        assert_eq!(empty.validate().unwrap_err().field, "DateFrom");
        assert_eq!((empty.page_num, empty.page_size), (1, 30));
    }
}
