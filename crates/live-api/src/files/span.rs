//! The span planner: from a task's times, its status and the client's now to the span its
//! files are looked for in, and that span's windows of at most 7 days.
//!
//! Pure: no I/O, no clock (now is an input). [`task_span`] is what [`LiveClient::record_files_of`]
//! searches; [`file_windows`] cuts any span into the windows DescribeRecordTaskFileHistory
//! accepts.
//!
//! [`LiveClient::record_files_of`]: crate::LiveClient::record_files_of

use std::time::Duration;

use live_model::{TaskStatus, MAX_FILE_WINDOW};
use time::OffsetDateTime;

/// How far before a task's start its first window begins: the documentation advises a
/// `DateFrom` before the start.
pub const TASK_WINDOW_LEAD: Duration = Duration::from_secs(60);

/// The most 7-day windows [`LiveClient::record_files_of`](crate::LiveClient::record_files_of)
/// asks for one task: 530, about ten years. A task whose span needs more (a start time far in
/// the past, sent by mistake or by a broken server) is refused instead of costing a request
/// per week since then.
pub const MAX_TASK_WINDOWS: i64 = 530;

/// How far past the client's now a stopped task's files are looked for: the client's clock
/// may be behind the server's, which stopped it.
const STOPPED_CLOCK_SLACK: time::Duration = time::Duration::DAY;

/// A window: `DateFrom` and `DateTo`.
pub(crate) type Window = (OffsetDateTime, OffsetDateTime);

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
/// use live_api::files::file_windows;
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
pub fn file_windows(from: OffsetDateTime, to: OffsetDateTime) -> Vec<Window> {
    let week = window_length();
    let (from, to) = whole_seconds(from, to);
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

/// The longest window: 7 days.
fn window_length() -> time::Duration {
    time::Duration::try_from(MAX_FILE_WINDOW).unwrap_or(time::Duration::WEEK)
}

/// `from` rounded down and `to` up to the second (down at the end of the representable
/// range).
fn whole_seconds(from: OffsetDateTime, to: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    let to = match whole_second(to) {
        t if t == to => t,
        t => t.checked_add(time::Duration::SECOND).unwrap_or(t),
    };
    (whole_second(from), to)
}

/// `t` without its fraction of a second.
pub(crate) fn whole_second(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Where a task's files are looked for: its span and the windows that cover it, from
/// [`TASK_WINDOW_LEAD`] before the span's start to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskSpan {
    /// The task's span: its files are those that overlap it.
    pub(crate) span: Window,
    /// At least one, at most [`MAX_TASK_WINDOWS`].
    pub(crate) windows: Vec<Window>,
}

/// A span refused: it is [`MAX_TASK_WINDOWS`] weeks or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong {
    /// Its whole weeks.
    pub(crate) weeks: i64,
}

/// The span whose files are a task's, and its windows; `None` when it cannot have files yet;
/// [`TooLong`] when it is [`MAX_TASK_WINDOWS`] weeks or more.
///
/// `start` and `end` are the task's times (`end` as read, `None` when missing or unreadable),
/// `now` the client's clock.
///
/// A finished task spans its own times, start to end, whatever the client's clock says (one
/// without an end time ends at `now`). A stopped task was stopped at a time it does not say,
/// before the server's now: it spans its start to the first of its end and a day after `now`
/// (or after its start, when the client's clock is behind it), so that a clock up to a day
/// behind still finds its files, without asking weeks ahead for a task planned long. A task
/// still recording spans its start to `now` (to its end when that has passed): `start..start`
/// when the client's clock is behind its start, which still holds the file starting at it
/// ([`RecordFile::overlaps`](live_model::RecordFile::overlaps)). A task not started has none,
/// nor one of another status whose start is ahead of `now`.
pub(crate) fn task_span(
    status: &TaskStatus,
    start: OffsetDateTime,
    end: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<Option<TaskSpan>, TooLong> {
    let end = match status {
        TaskStatus::NotStarted => return Ok(None),
        TaskStatus::Finished => end.unwrap_or(now),
        // Stopped before its planned end, at a time the task does not say but which has
        // passed: the span ends at `now` (at the start when the clock is behind it), not at
        // an end that may be weeks ahead.
        TaskStatus::Stopped => end.map_or(now, |e| {
            e.min(now.max(start).checked_add(STOPPED_CLOCK_SLACK).unwrap_or(e))
        }),
        TaskStatus::Unknown(_) if start > now => return Ok(None),
        TaskStatus::Recording | TaskStatus::Unknown(_) => end.filter(|e| *e <= now).unwrap_or(now),
    };
    let end = end.max(start);
    let lead = time::Duration::try_from(TASK_WINDOW_LEAD).unwrap_or(time::Duration::MINUTE);
    let from = start.checked_sub(lead).unwrap_or(start);
    let weeks = (end - from).whole_weeks();
    if weeks >= MAX_TASK_WINDOWS {
        return Err(TooLong { weeks });
    }
    Ok(Some(TaskSpan {
        span: (start, end),
        windows: file_windows(from, end),
    }))
}

#[cfg(test)]
mod tests {
    use live_model::DescribeRecordTaskFileHistoryRequest;

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
}
