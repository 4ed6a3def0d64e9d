//! The pacing arithmetic of one (access key, action): a GCRA with a burst of one, and the
//! AIMD rule after throttling (see the module docs of `limit`). Pure: times are nanoseconds on
//! the caller's monotonic clock. The Redis limiter's Lua script is the same arithmetic.

use std::time::Duration;

/// How the rate is cut on a throttling answer.
pub(crate) const DECREASE: f64 = 0.5;
/// The lowest fraction of the limit the rate is cut to.
pub(crate) const MIN_FRACTION: f64 = 1.0 / 16.0;
/// How much of the limit comes back each second after the `Retry-After`.
pub(crate) const RECOVERY_PER_SEC: f64 = 0.1;
/// `Retry-After` assumed when a throttling answer names none.
pub(crate) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// The longest `Retry-After` honoured (foreign input is bounded).
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The shortest throttling episode: answers within it cut the rate once.
pub(crate) const MIN_EPISODE: Duration = Duration::from_secs(1);

const NANOS_PER_SEC: f64 = 1e9;

/// The state of one key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Gcra {
    /// The theoretical arrival time: the next free slot.
    tat: u64,
    /// The rate, as a fraction of the limit, at `recover_from`.
    fraction: f64,
    /// When recovery starts (the end of the last `Retry-After`, at least a second after it).
    recover_from: u64,
    /// The end of the last `Retry-After`: no request before it.
    blocked_until: u64,
}

impl Default for Gcra {
    fn default() -> Self {
        Self {
            tat: 0,
            fraction: 1.0,
            recover_from: 0,
            blocked_until: 0,
        }
    }
}

pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Gcra {
    /// The rate, as a fraction of the limit, at `now`.
    pub(crate) fn fraction_at(&self, now: u64) -> f64 {
        if now <= self.recover_from || self.fraction >= 1.0 {
            return self.fraction.min(1.0);
        }
        let secs = (now - self.recover_from) as f64 / NANOS_PER_SEC;
        (self.fraction + RECOVERY_PER_SEC * secs).min(1.0)
    }

    /// The interval between permits at `now`, for a base interval of `base` nanoseconds.
    pub(crate) fn interval_at(&self, base: u64, now: u64) -> u64 {
        (base as f64 / self.fraction_at(now)).ceil() as u64
    }

    /// Reserves the next slot at `now` if it is at most `max_wait` away: `Ok(wait)`, or
    /// `Err(wait)` without reserving anything.
    pub(crate) fn reserve(&mut self, base: u64, now: u64, max_wait: u64) -> Result<u64, u64> {
        let slot = self.tat.max(now);
        let wait = slot - now;
        if wait > 0 && wait >= max_wait {
            return Err(wait);
        }
        self.tat = slot.saturating_add(self.interval_at(base, slot));
        Ok(wait)
    }

    /// A slot at `slot` was given elsewhere (by Redis): no local slot before the next one.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn granted(&mut self, base: u64, slot: u64) {
        self.tat = self
            .tat
            .max(slot.saturating_add(self.interval_at(base, slot)));
    }

    /// A throttling answer at `now`, with the service's `Retry-After`.
    pub(crate) fn throttled(&mut self, now: u64, retry_after: Option<Duration>) {
        let ra = retry_after
            .unwrap_or(DEFAULT_RETRY_AFTER)
            .min(MAX_RETRY_AFTER);
        let blocked_until = now.saturating_add(nanos(ra));
        self.tat = self.tat.max(blocked_until);
        self.blocked_until = self.blocked_until.max(blocked_until);
        if now >= self.recover_from {
            // A new episode: cut the rate once.
            let current = self.fraction_at(now);
            self.fraction = (current * DECREASE).max(MIN_FRACTION);
        }
        // An episode lasts at least a second (`Retry-After: 0` included), so that the
        // answers to requests already under way count as one episode, not one each.
        let episode_end = now.saturating_add(nanos(ra.max(MIN_EPISODE)));
        self.recover_from = self.recover_from.max(episode_end);
    }

    /// Until when a throttling answer holds every caller (0: none has).
    pub(crate) fn blocked_until(&self) -> u64 {
        self.blocked_until
    }

    /// Whether the state is back to rest at `now`: no slot reserved ahead, full rate.
    pub(crate) fn idle_at(&self, now: u64) -> bool {
        self.tat <= now && self.fraction_at(now) >= 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;
    const MS: u64 = 1_000_000;

    #[test]
    fn slots_are_one_interval_apart_and_refusals_reserve_nothing() {
        let mut g = Gcra::default();
        let base = 100 * MS;
        assert_eq!(g.reserve(base, 0, S), Ok(0));
        assert_eq!(g.reserve(base, 0, S), Ok(100 * MS));
        assert_eq!(g.reserve(base, 0, S), Ok(200 * MS));
        let before = g.clone();
        assert_eq!(g.reserve(base, 0, 300 * MS), Err(300 * MS));
        assert_eq!(g, before);
        // Later, the slot is now.
        assert_eq!(g.reserve(base, 10 * S, 0), Ok(0));
    }

    #[test]
    fn throttling_blocks_halves_once_per_episode_and_recovers_linearly() {
        let mut g = Gcra::default();
        let base = 100 * MS;
        g.throttled(0, Some(Duration::from_secs(2)));
        g.throttled(500 * MS, Some(Duration::from_secs(2)));
        assert_eq!(g.fraction_at(0), 0.5, "cut once for one episode");
        assert_eq!(g.reserve(base, 0, 10 * S), Ok(2_500 * MS));
        // Recovery from 2.5 s: +0.1 a second.
        assert!((g.fraction_at(3_500 * MS) - 0.6).abs() < 1e-9);
        assert_eq!(g.fraction_at(7_500 * MS), 1.0);
        assert_eq!(g.interval_at(base, 2_500 * MS), 200 * MS);
        // A new episode after recovery started cuts again, from the current rate.
        g.throttled(3_500 * MS, None);
        assert!((g.fraction_at(3_500 * MS) - 0.3).abs() < 1e-9);
        // Answers within the same second (Retry-After: 0 included) are one episode.
        for i in 0..20 {
            g.throttled(4_500 * MS + i, Some(Duration::ZERO));
        }
        assert!((g.fraction_at(4_500 * MS + 20) - 0.15).abs() < 1e-9);
        // Never below 1/16, however many episodes.
        for i in 1..20 {
            g.throttled(4_500 * MS + i * S, Some(Duration::ZERO));
        }
        assert!((g.fraction_at(4_500 * MS + 19 * S) - MIN_FRACTION).abs() < 1e-6);
        // Retry-After is capped.
        let mut h = Gcra::default();
        h.throttled(0, Some(Duration::from_secs(86_400)));
        assert_eq!(h.reserve(base, 0, u64::MAX), Ok(60 * S));
    }
}
