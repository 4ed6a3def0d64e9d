//! The span planner: from a task's times, its status and the client's now to the span its
//! files are looked for in, and that span's windows of at most 7 days.
//!
//! Pure: no I/O, no clock (now is an input), no allocation beyond the windows, which are
//! counted before they are made. [`task_span`] is what [`LiveClient::record_files_of`]
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
        // A week after `start`, counted back from `to`: near the end of the representable
        // range it may exist only in `to`'s offset, not in `start`'s.
        let end = if to - start > week {
            to.checked_sub(to - start - week).unwrap_or(to)
        } else {
            to
        };
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

/// How many windows [`file_windows`] gives for `from`..=`to`, without making them.
fn window_count(from: OffsetDateTime, to: OffsetDateTime) -> i64 {
    let (from, to) = whole_seconds(from, to);
    if to <= from {
        return 1;
    }
    let week = window_length().whole_seconds();
    // Both ends are whole seconds, and the range of times is far below i64 seconds.
    let seconds = (to - from).whole_seconds();
    seconds / week + i64::from(seconds % week != 0)
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

/// A span refused: it needs more than [`MAX_TASK_WINDOWS`] windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong {
    /// How many it needs.
    pub(crate) windows: i64,
}

/// The span whose files are a task's, and its windows; `None` when it cannot have files yet;
/// [`TooLong`] when its windows would be more than [`MAX_TASK_WINDOWS`].
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
    let windows = window_count(from, end);
    if windows > MAX_TASK_WINDOWS {
        return Err(TooLong { windows });
    }
    Ok(Some(TaskSpan {
        span: (start, end),
        windows: file_windows(from, end),
    }))
}

#[cfg(test)]
mod tests {
    use live_model::DescribeRecordTaskFileHistoryRequest;
    use proptest::prelude::*;
    use time::{PrimitiveDateTime, UtcOffset};

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

    #[test]
    fn the_cap_counts_windows_not_whole_weeks() {
        let week = time::Duration::WEEK;
        let lead = time::Duration::MINUTE;
        let start = t("2013-01-01T00:00:00Z");
        let status = TaskStatus::Finished;
        // Exactly MAX_TASK_WINDOWS weeks from the lead: as many windows, accepted.
        let end = start - lead + week * MAX_TASK_WINDOWS as i32;
        let plan = task_span(&status, start, Some(end), end).unwrap().unwrap();
        assert_eq!(plan.windows.len() as i64, MAX_TASK_WINDOWS);
        // A second more takes another window: refused.
        let end = end + time::Duration::SECOND;
        let refused = task_span(&status, start, Some(end), end).unwrap_err();
        assert_eq!(refused.windows, MAX_TASK_WINDOWS + 1);
        // Under the cap by half a second, but a fractional start rounds down past it.
        let start = start + time::Duration::milliseconds(700);
        let end = start - lead + week * MAX_TASK_WINDOWS as i32 - time::Duration::milliseconds(500);
        let refused = task_span(&status, start, Some(end), end).unwrap_err();
        assert_eq!(refused.windows, MAX_TASK_WINDOWS + 1);
    }

    #[test]
    fn at_the_ends_of_the_range_windows_stay_within_a_week() {
        // Near the end of the range, a week after a time may exist only in another offset:
        // the windows are counted back from their end.
        let from = t("9999-12-04T00:00:00Z");
        let to = PrimitiveDateTime::MAX.assume_offset(UtcOffset::from_whole_seconds(-2).unwrap());
        let w = file_windows(from, to);
        assert_eq!(w.len(), 5);
        assert_eq!(w.len() as i64, window_count(from, to));
        assert!(
            w.iter().all(|(a, b)| *b - *a <= time::Duration::WEEK),
            "{w:?}"
        );
        // A task at the start of the range: no minute before it; one window of a second.
        let min = PrimitiveDateTime::MIN.assume_utc();
        let plan = task_span(&TaskStatus::Recording, min, None, min)
            .unwrap()
            .unwrap();
        assert_eq!(plan.windows, [(min, min + time::Duration::SECOND)]);
    }

    /// Any time the crate can hold: mostly near the present, also anywhere in the range, and
    /// at its very ends, in any offset.
    fn any_time() -> impl Strategy<Value = OffsetDateTime> {
        let min = PrimitiveDateTime::MIN.assume_utc().unix_timestamp_nanos();
        let max = PrimitiveDateTime::MAX.assume_utc().unix_timestamp_nanos();
        let near = 1_698_796_800_000_000_000i128; // 2023-11-01T00:00:00Z
        let span = 40 * 366 * 86_400 * 1_000_000_000i128;
        let nanos = prop_oneof![
            4 => (near - span)..(near + span),
            2 => min..=max,
            1 => Just(min),
            1 => Just(max),
            1 => (max - 30 * 86_400 * 1_000_000_000)..=max,
            1 => min..=(min + 30 * 86_400 * 1_000_000_000),
        ];
        let offset = prop_oneof![Just(0), -86_399i32..=86_399];
        (nanos, offset).prop_map(|(n, o)| {
            let utc = OffsetDateTime::from_unix_timestamp_nanos(n).unwrap();
            let offset = UtcOffset::from_whole_seconds(o).unwrap();
            // The local time kept, the offset changed: even where no UTC form exists.
            PrimitiveDateTime::new(utc.date(), utc.time()).assume_offset(offset)
        })
    }

    /// A time near `t` (within twelve years either side), or any time.
    fn around(t: OffsetDateTime) -> impl Strategy<Value = OffsetDateTime> {
        let years = 12 * 366 * 86_400 * 1_000_000_000i64;
        prop_oneof![
            3 => (-years..years).prop_map(move |d| {
                t.checked_add(time::Duration::nanoseconds(d)).unwrap_or(t)
            }),
            1 => any_time(),
        ]
    }

    /// A task's start, its end (or none) and the client's now.
    fn task_times(
    ) -> impl Strategy<Value = (OffsetDateTime, Option<OffsetDateTime>, OffsetDateTime)> {
        any_time().prop_flat_map(|start| {
            (
                Just(start),
                proptest::option::of(around(start)),
                around(start),
            )
        })
    }

    fn any_status() -> impl Strategy<Value = TaskStatus> {
        prop_oneof![
            Just(TaskStatus::NotStarted),
            Just(TaskStatus::Recording),
            Just(TaskStatus::Finished),
            Just(TaskStatus::Stopped),
            Just(TaskStatus::Unknown("暂停".into())),
        ]
    }

    /// Whether `t` is in the last second its offset can hold: no whole second follows it.
    fn in_last_second(t: OffsetDateTime) -> bool {
        whole_second(t)
            .checked_add(time::Duration::SECOND)
            .is_none()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// For any task times, status and clock: the windows cover the span exactly, from the
        /// lead before its start (down to the second) to its end (up to the second), each
        /// whole seconds, a second to 7 days long, meeting the next with no gap, at most
        /// MAX_TASK_WINDOWS of them, or the span is refused for needing more; no panic.
        #[test]
        fn windows_cover_the_task_span_exactly(
            status in any_status(),
            (start, end, now) in task_times(),
        ) {
            let planned = task_span(&status, start, end, now);
            let Ok(Some(plan)) = planned else {
                match planned {
                    Ok(_) => prop_assert!(
                        status == TaskStatus::NotStarted
                            || (matches!(status, TaskStatus::Unknown(_)) && start > now)
                    ),
                    Err(TooLong { windows }) => prop_assert!(windows > MAX_TASK_WINDOWS),
                }
                return Ok(());
            };
            let (from, to) = plan.span;
            prop_assert_eq!(from, start);
            prop_assert!(to >= from);
            let w = &plan.windows;
            prop_assert!(!w.is_empty() && w.len() as i64 <= MAX_TASK_WINDOWS);
            let lead = start.checked_sub(time::Duration::MINUTE).unwrap_or(start);
            prop_assert_eq!(w[0].0, whole_second(lead));
            let last = w[w.len() - 1].1;
            // The last window ends at the span's end, up to the second; at the end of the
            // range, where no later second exists, down to it. A span of no length (at the
            // start of the range, where no minute precedes it) is one window of a second.
            let no_length = whole_second(lead) >= to;
            prop_assert!(last - to < time::Duration::SECOND || (no_length && w.len() == 1));
            prop_assert!(last >= to || in_last_second(to), "{last} < {to}");
            for &(a, b) in w {
                prop_assert_eq!((a.nanosecond(), b.nanosecond()), (0, 0));
                prop_assert!(b - a <= time::Duration::WEEK, "{a} {b}");
                prop_assert!(b - a >= time::Duration::SECOND || in_last_second(a), "{a} {b}");
                let _ = (live_model::format_rfc3339(a), live_model::format_rfc3339(b));
            }
            for pair in w.windows(2) {
                prop_assert_eq!(pair[1].0, pair[0].1);
            }
        }

        /// The windows of any two times, in either order: at least one, as many as counted,
        /// each at most 7 days, meeting with no gap; no panic.
        #[test]
        fn any_two_times_give_windows(from in any_time(), to in any_time()) {
            let count = window_count(from, to);
            prop_assert!(count >= 1);
            // Thousands of years apart: counted, not made (the task's cap refuses them).
            if count > 10 * MAX_TASK_WINDOWS {
                return Ok(());
            }
            let w = file_windows(from, to);
            prop_assert_eq!(w.len() as i64, count);
            prop_assert_eq!(w[0].0, whole_second(from));
            for &(a, b) in &w {
                prop_assert!(b - a <= time::Duration::WEEK, "{a} {b}");
                prop_assert!(b - a >= time::Duration::SECOND || in_last_second(a), "{a} {b}");
            }
            for pair in w.windows(2) {
                prop_assert_eq!(pair[1].0, pair[0].1);
            }
        }
    }
}
