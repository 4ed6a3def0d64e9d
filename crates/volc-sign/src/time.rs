//! The signing time, as the `X-Date` header writes it.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::SignError;

/// A signing time: a UTC instant with one-second precision, written `YYYYMMDD'T'HHMMSS'Z'`.
///
/// The signer never reads the clock: callers pass the time, so tests are deterministic.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use volc_sign::SigningTime;
///
/// let t = SigningTime::from_system_time(UNIX_EPOCH + Duration::from_secs(1_609_316_285))?;
/// assert_eq!(t.as_str(), "20201230T081805Z");
/// assert_eq!(t.date(), "20201230");
/// assert_eq!(SigningTime::parse("20201230T081805Z")?, t);
/// # Ok::<(), volc_sign::SignError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SigningTime {
    unix: i64,
    text: [u8; 16],
}

impl SigningTime {
    /// The signing time for a `SystemTime` (sub-second precision is dropped).
    ///
    /// Fails for instants outside the years 0000 to 9999.
    pub fn from_system_time(t: SystemTime) -> Result<Self, SignError> {
        let unix = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).map_err(|_| out_of_range())?,
            Err(e) => {
                let d = e.duration();
                let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
                -i64::try_from(secs).map_err(|_| out_of_range())?
            }
        };
        Self::from_unix(unix)
    }

    /// The signing time for seconds since the Unix epoch.
    pub fn from_unix(unix: i64) -> Result<Self, SignError> {
        let dt = OffsetDateTime::from_unix_timestamp(unix).map_err(|_| out_of_range())?;
        let year = dt.year();
        if !(0..=9999).contains(&year) {
            return Err(out_of_range());
        }
        let mut text = [0u8; 16];
        put_digits(&mut text[0..4], year as u32);
        put_digits(&mut text[4..6], u32::from(u8::from(dt.month())));
        put_digits(&mut text[6..8], u32::from(dt.day()));
        text[8] = b'T';
        put_digits(&mut text[9..11], u32::from(dt.hour()));
        put_digits(&mut text[11..13], u32::from(dt.minute()));
        put_digits(&mut text[13..15], u32::from(dt.second()));
        text[15] = b'Z';
        Ok(Self { unix, text })
    }

    /// Parses an `X-Date` value, strictly `YYYYMMDD'T'HHMMSS'Z'` (16 bytes, UTC).
    pub fn parse(s: &str) -> Result<Self, SignError> {
        let b = s.as_bytes();
        let shape_ok = b.len() == 16
            && b[8] == b'T'
            && b[15] == b'Z'
            && b[..8].iter().all(u8::is_ascii_digit)
            && b[9..15].iter().all(u8::is_ascii_digit);
        if !shape_ok {
            return Err(SignError::InvalidTime {
                reason: "expected YYYYMMDD'T'HHMMSS'Z'",
            });
        }
        let num = |r: std::ops::Range<usize>| {
            b[r].iter()
                .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'))
        };
        let invalid = || SignError::InvalidTime {
            reason: "not a valid calendar date and time",
        };
        let month = u8::try_from(num(4..6))
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or_else(invalid)?;
        let date = Date::from_calendar_date(num(0..4) as i32, month, num(6..8) as u8)
            .map_err(|_| invalid())?;
        let time = Time::from_hms(num(9..11) as u8, num(11..13) as u8, num(13..15) as u8)
            .map_err(|_| invalid())?;
        let unix = PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp();
        let mut text = [0u8; 16];
        text.copy_from_slice(b);
        Ok(Self { unix, text })
    }

    /// The `X-Date` text, e.g. `20240520T080910Z`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).unwrap_or_default()
    }

    /// The date part, `YYYYMMDD`, used in the credential scope.
    pub fn date(&self) -> &str {
        &self.as_str()[..8]
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.unix
    }

    /// The instant as a `SystemTime`.
    pub fn to_system_time(&self) -> SystemTime {
        let secs = Duration::from_secs(self.unix.unsigned_abs());
        if self.unix >= 0 {
            UNIX_EPOCH + secs
        } else {
            UNIX_EPOCH - secs
        }
    }
}

impl fmt::Debug for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningTime({})", self.as_str())
    }
}

impl fmt::Display for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<SystemTime> for SigningTime {
    type Error = SignError;
    fn try_from(t: SystemTime) -> Result<Self, SignError> {
        Self::from_system_time(t)
    }
}

fn out_of_range() -> SignError {
    SignError::InvalidTime {
        reason: "outside the years 0000 to 9999",
    }
}

fn put_digits(out: &mut [u8], mut v: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = SigningTime::from_unix(1_716_192_550).unwrap();
        assert_eq!(t.as_str(), "20240520T080910Z");
        assert_eq!(SigningTime::parse("20240520T080910Z").unwrap(), t);
        assert_eq!(
            SigningTime::from_unix(0).unwrap().as_str(),
            "19700101T000000Z"
        );
        let before = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(
            SigningTime::from_system_time(before).unwrap().as_str(),
            "19691231T235958Z"
        );
        assert_eq!(
            t.to_system_time(),
            UNIX_EPOCH + Duration::from_secs(1_716_192_550)
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "20240520T080910",
            "20240520T080910+08:00",
            "2024-05-20T08:09:10Z",
            "20241320T080910Z",
            "20240230T080910Z",
            "20240520T250910Z",
            "20240520t080910Z",
            "２0240520T080910Z",
        ] {
            assert!(SigningTime::parse(bad).is_err(), "{bad}");
        }
        assert!(SigningTime::from_unix(i64::MAX).is_err());
        assert!(SigningTime::from_unix(253_402_300_800).is_err()); // year 10000
    }
}
