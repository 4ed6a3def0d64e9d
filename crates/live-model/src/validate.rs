//! The documented input rules, checked before anything is sent.

use crate::task::parse_rfc3339;
use crate::ValidationError;

/// Longest task id accepted.
pub const MAX_TASK_ID_LEN: usize = 128;
/// Longest domain or vhost accepted.
pub const MAX_DOMAIN_LEN: usize = 253;
/// Longest stream URL accepted.
pub const MAX_STREAM_URL_LEN: usize = 2048;
/// Largest page size ListPullRecordTask accepts.
pub const MAX_PAGE_SIZE: u32 = 500;

pub(crate) fn task_id(field: &'static str, v: &str) -> Result<(), ValidationError> {
    if v.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if v.len() > MAX_TASK_ID_LEN {
        return Err(ValidationError::new(field, "must be at most 128 bytes"));
    }
    if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ValidationError::new(
            field,
            "must not contain white space or control characters",
        ));
    }
    Ok(())
}

fn name_chars(v: &str) -> bool {
    v.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// `App`: `[A-Za-z0-9_.-]{1,30}`.
pub(crate) fn app(field: &'static str, v: &str) -> Result<(), ValidationError> {
    if (1..=30).contains(&v.len()) && name_chars(v) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            "must match [A-Za-z0-9_.-]{1,30}",
        ))
    }
}

/// `Stream`: `[A-Za-z0-9_.-]{1,100}`.
pub(crate) fn stream(field: &'static str, v: &str) -> Result<(), ValidationError> {
    if (1..=100).contains(&v.len()) && name_chars(v) {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            "must match [A-Za-z0-9_.-]{1,100}",
        ))
    }
}

/// `Domain` and `Vhost`: a host name, `[A-Za-z0-9.-]`, 1 to 253 bytes, not starting or ending
/// with `.` or `-`.
pub(crate) fn domain(field: &'static str, v: &str) -> Result<(), ValidationError> {
    let ok = (1..=MAX_DOMAIN_LEN).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && !v.starts_with(['.', '-'])
        && !v.ends_with(['.', '-']);
    if ok {
        Ok(())
    } else {
        Err(ValidationError::new(
            field,
            "must be a host name of 1 to 253 characters from [A-Za-z0-9._-]",
        ))
    }
}

/// `StreamURL`: an absolute `http` or `https` URL with a host.
pub(crate) fn stream_url(field: &'static str, v: &str) -> Result<(), ValidationError> {
    let rule = || ValidationError::new(field, "must be an http:// or https:// URL with a host");
    if v.is_empty() || v.len() > MAX_STREAM_URL_LEN {
        return Err(ValidationError::new(
            field,
            "must be an http(s) URL of 1 to 2048 bytes",
        ));
    }
    let uri: http::Uri = v.parse().map_err(|_| rule())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    if scheme_ok && host_ok {
        Ok(())
    } else {
        Err(rule())
    }
}

/// `StartTime`/`EndTime`: RFC 3339 when given, and the end after the start.
pub(crate) fn time_range(start: Option<&str>, end: Option<&str>) -> Result<(), ValidationError> {
    let parse = |field, v: &str| {
        parse_rfc3339(field, v).map_err(|_| {
            ValidationError::new(field, "must be an RFC 3339 time, e.g. 2023-10-09T15:16:15Z")
        })
    };
    let start = start.map(|s| parse("StartTime", s)).transpose()?;
    let end = end.map(|e| parse("EndTime", e)).transpose()?;
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            return Err(ValidationError::new("EndTime", "must be after StartTime"));
        }
    }
    Ok(())
}

/// A required time: RFC 3339 to the second (no fraction).
pub(crate) fn second_time(
    field: &'static str,
    v: &str,
) -> Result<time::OffsetDateTime, ValidationError> {
    if v.is_empty() {
        return Err(ValidationError::new(
            field,
            "is required (RFC 3339, e.g. 2023-11-01T00:00:00+08:00)",
        ));
    }
    let t = parse_rfc3339(field, v).map_err(|_| {
        ValidationError::new(
            field,
            "must be an RFC 3339 time, e.g. 2023-11-01T00:00:00+08:00",
        )
    })?;
    if !v.contains('.') && t.second() == 59 && t.nanosecond() == 999_999_999 {
        // The parser reads a leap second (`:60`) as the last instant of second 59.
        return Err(ValidationError::new(
            field,
            "must not be a leap second (:60); use :59 or the next minute's :00",
        ));
    }
    if v.contains('.') || t.nanosecond() != 0 {
        return Err(ValidationError::new(
            field,
            "must be to the second, without a fraction",
        ));
    }
    Ok(t)
}

/// `PageNum` ≥ 1 and `PageSize` in 1..=500.
pub(crate) fn page(page_num: u32, page_size: u32) -> Result<(), ValidationError> {
    if page_num < 1 {
        return Err(ValidationError::new("PageNum", "must be at least 1"));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ValidationError::new("PageSize", "must be 1 to 500"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(task_id("TaskID", "5b903f78c7f5ae01f6fe2eea").is_ok());
        for bad in ["", "a b", "a\u{0}", &"x".repeat(129)] {
            assert_eq!(task_id("TaskID", bad).unwrap_err().field, "TaskID");
        }
        assert!(app("App", "live").is_ok());
        assert!(app("App", &"a".repeat(31)).is_err());
        assert!(app("App", "li ve").is_err());
        assert!(stream("Stream", &"a".repeat(100)).is_ok());
        assert!(stream("Stream", &"a".repeat(101)).is_err());
        assert!(stream("Stream", "").is_err());
        assert!(domain("Domain", "pull.example.com").is_ok());
        assert!(domain("Domain", "-bad.com").is_err());
        assert!(domain("Domain", "a b").is_err());
        assert!(stream_url("StreamURL", "http://pull.example.com/live/s.flv").is_ok());
        assert!(stream_url("StreamURL", "https://pull.example.com/live/s.flv?a=1").is_ok());
        for bad in [
            "",
            "rtmp://x/y",
            "pull.example.com/live.flv",
            "http://",
            "/relative",
        ] {
            assert!(stream_url("StreamURL", bad).is_err(), "{bad}");
        }
        assert!(time_range(Some("2023-10-09T15:16:15Z"), Some("2023-10-09T16:16:15Z")).is_ok());
        assert_eq!(
            time_range(Some("2023-10-09T15:16:15Z"), Some("2023-10-09T15:16:15Z"))
                .unwrap_err()
                .field,
            "EndTime"
        );
        assert_eq!(
            time_range(Some("yesterday"), None).unwrap_err().field,
            "StartTime"
        );
        assert!(page(1, 500).is_ok());
        assert_eq!(page(0, 20).unwrap_err().field, "PageNum");
        assert_eq!(page(1, 0).unwrap_err().field, "PageSize");
        assert_eq!(page(1, 501).unwrap_err().field, "PageSize");
    }
}
