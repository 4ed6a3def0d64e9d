//! The documented per-user rate limits: fixed one-second windows per access key and action,
//! on the emulator's clock, with each action's limit read from [`Action::rate_limit_per_sec`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use live_model::Action;

/// Requests counted per (access key, action): the current second and the count in it.
pub(crate) struct RateLimiter {
    enabled: bool,
    windows: Mutex<HashMap<(String, Action), (u64, u32)>>,
}

impl RateLimiter {
    /// Limits on, or (`enabled == false`) every request allowed.
    pub(crate) fn new(enabled: bool) -> Self {
        Self {
            enabled,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request at `now`; whether it is within the action's limit.
    pub(crate) fn allows(&self, access_key_id: &str, action: Action, now: SystemTime) -> bool {
        if !self.enabled {
            return true;
        }
        let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = windows
            .entry((access_key_id.to_owned(), action))
            .or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        entry.1 += 1;
        entry.1 <= action.rate_limit_per_sec()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn per_key_action_and_second() {
        let t = UNIX_EPOCH + Duration::from_secs(1_000);
        let limiter = RateLimiter::new(true);
        let get = Action::GetPullRecordTask;
        let n = get.rate_limit_per_sec();
        assert!((0..n).all(|_| limiter.allows("AK1", get, t)));
        assert!(!limiter.allows("AK1", get, t));
        assert!(limiter.allows("AK2", get, t), "another key");
        assert!(
            limiter.allows("AK1", Action::ListPullRecordTask, t),
            "another action"
        );
        assert!(
            limiter.allows("AK1", get, t + Duration::from_secs(1)),
            "the next second"
        );
        let off = RateLimiter::new(false);
        assert!((0..=n).all(|_| off.allows("AK1", get, t)));
    }
}
