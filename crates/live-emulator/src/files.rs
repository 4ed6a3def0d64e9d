//! DescribeRecordTaskFileHistory: the files recordings left, made from the store's tasks on
//! each request (nothing is stored), filtered by the window and the filters, and paged.
//!
//! The emulator's choices where the service documents nothing:
//! - the window filters on a file's start: `DateFrom <= StartTime <= DateTo`;
//! - a page's files are ordered by start, then by task creation, then by segment;
//! - `Duration` is whole seconds, as text;
//! - `Format` is `flv`; `FileName` is `{Stream}_{start}_{end}.flv` (Unix seconds, UTC);
//!   `Path` is `record/{Vhost}/{App}/{Stream}/{FileName}`; `Vid` is `v0` and 30 hex digits
//!   derived from the task id and the segment;
//! - `StartTime`/`EndTime` are in the zone the task's start time was given in (UTC for a task
//!   created without one); `StartTimeUTC`/`EndTimeUTC` in UTC;
//! - `Vhost` is the task's vhost, or its domain when it has none.

use std::time::SystemTime;

use live_model::{
    DescribeRecordTaskFileHistoryRequest, DescribeRecordTaskFileHistoryResult, Pagination,
    RecordFile, RecordStorage,
};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::record_settings::RecordSettings;
use crate::store::{Recording, Store};

/// One page of the files of `account` (the request was validated).
pub(crate) fn describe(
    store: &Store,
    settings: &RecordSettings,
    account: &str,
    req: &DescribeRecordTaskFileHistoryRequest,
    now: SystemTime,
) -> DescribeRecordTaskFileHistoryResult {
    let empty = |total| {
        DescribeRecordTaskFileHistoryResult::new(
            Vec::new(),
            Pagination::new(req.page_num, req.page_size, total),
        )
    };
    let Ok((from, to)) = req.window() else {
        return empty(0);
    };
    if req.effective_storage() != Some(settings.storage) {
        return empty(0);
    }
    let wanted = |want: &Option<String>, have: &str| {
        want.as_deref().is_none_or(|w| w.is_empty() || w == have)
    };
    // A segment longer than a century is one file per recording (and keeps the sums below
    // far from overflow).
    const LONGEST_SEGMENT_SECS: i64 = 100 * 366 * 86_400;
    let seg = settings.segment.map(|d| {
        i64::try_from(d.as_secs()).map_or(LONGEST_SEGMENT_SECS, |s| s.min(LONGEST_SEGMENT_SECS))
    });
    // (start, creation order, segment, recording)
    let mut files: Vec<(i64, usize, i64, Recording<'_>)> = Vec::new();
    for (order, r) in store.recordings(account, now).into_iter().enumerate() {
        if !(wanted(&req.vhost, r.vhost)
            && wanted(&req.app, r.app)
            && wanted(&req.stream, r.stream))
        {
            continue;
        }
        let (s, e) = (r.start.unix_timestamp(), r.end.unix_timestamp());
        let (from, to) = (from.unix_timestamp(), to.unix_timestamp());
        let step = seg.unwrap_or(e - s).max(1);
        let count = (e - s + step - 1) / step;
        // Segments whose start lies in the window: from <= s + k * step <= to.
        let first = if from <= s {
            0
        } else {
            (from - s + step - 1) / step
        };
        let last = if to < s {
            -1
        } else {
            ((to - s) / step).min(count - 1)
        };
        for k in first..=last {
            files.push((s + k * step, order, k, r));
        }
    }
    files.sort_by_key(|(start, order, k, _)| (*start, *order, *k));
    let total = files.len() as u64;
    let size = req.page_size as usize;
    let skip = (req.page_num as usize - 1).saturating_mul(size);
    let data = files
        .iter()
        .skip(skip)
        .take(size)
        .map(|(start, _, k, r)| {
            let step = seg.unwrap_or(r.end.unix_timestamp() - r.start.unix_timestamp());
            let end = (*start + step.max(1)).min(r.end.unix_timestamp());
            file(settings, r, *start, end, *k)
        })
        .collect();
    DescribeRecordTaskFileHistoryResult::new(
        data,
        Pagination::new(req.page_num, req.page_size, total),
    )
}

fn at(unix: i64, zone: UtcOffset) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.to_offset(zone))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// FNV-1a, 64 bits: a stable, made-up id from a task id and a segment.
fn fnv(bytes: &[u8], seed: u64) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325 ^ seed, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn file(settings: &RecordSettings, r: &Recording<'_>, start: i64, end: i64, k: i64) -> RecordFile {
    let mut f = RecordFile::new(r.vhost, r.app, r.stream);
    f.format = "flv".to_owned();
    f.file_name = format!("{}_{start}_{end}.flv", r.stream);
    f.duration = (end - start).to_string();
    f.start_time = at(start, r.zone);
    f.end_time = at(end, r.zone);
    f.start_time_utc = at(start, UtcOffset::UTC);
    f.end_time_utc = at(end, UtcOffset::UTC);
    match settings.storage {
        RecordStorage::Tos => {
            f.bucket = settings.bucket.clone();
            f.path = format!("record/{}/{}/{}/{}", r.vhost, r.app, r.stream, f.file_name);
        }
        RecordStorage::Vod => {
            let key = format!("{}#{k}", r.task_id);
            let (a, b) = (fnv(key.as_bytes(), 0), fnv(key.as_bytes(), 1));
            f.vid = format!("v0{a:016x}{:014x}", b >> 8);
        }
    }
    f
}
