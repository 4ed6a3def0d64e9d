//! What the emulator answered: counts by action and by code, for a test or a user to assert
//! "no 429" (`GET /__emulator/stats`, [`crate::Emulator::stats`]).

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// The code counted for a success.
pub const OK_CODE: &str = "OK";
/// The code counted when no answer went out (the connection was closed or the answer lost).
pub const NO_ANSWER_CODE: &str = "NoAnswer";
/// The code of a throttling answer.
pub const THROTTLED_CODE: &str = "FlowLimitExceeded";

/// Counts of the API requests answered since the start (or the last reset), as
/// `GET /__emulator/stats` returns them:
///
/// ```json
/// {"requests":312,"throttled":12,
///  "by_code":{"FlowLimitExceeded":12,"OK":300},
///  "by_action":{"GetPullRecordTask":{"FlowLimitExceeded":12,"OK":300}}}
/// ```
///
/// A success counts as [`OK_CODE`], an error as its code (`FlowLimitExceeded` for a throttled
/// request, injected or not), a request that got no answer as [`NO_ANSWER_CODE`]. A request
/// that names no known action is counted under the action `""`. The admin path is not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EmulatorStats {
    /// API requests counted.
    pub requests: u64,
    /// Of those, throttled ([`THROTTLED_CODE`]).
    pub throttled: u64,
    /// By code.
    pub by_code: BTreeMap<String, u64>,
    /// By action, then by code.
    pub by_action: BTreeMap<String, BTreeMap<String, u64>>,
}

impl EmulatorStats {
    /// How many requests of `action` were answered with `code` ([`OK_CODE`] for successes).
    pub fn count(&self, action: &str, code: &str) -> u64 {
        self.by_action
            .get(action)
            .and_then(|codes| codes.get(code))
            .copied()
            .unwrap_or(0)
    }

    /// How many requests of `action` were counted.
    pub fn requests_of(&self, action: &str) -> u64 {
        self.by_action
            .get(action)
            .map_or(0, |codes| codes.values().sum())
    }
}

const MAX_CODES: usize = 256;

/// The live counters.
#[derive(Default)]
pub(crate) struct Stats {
    inner: Mutex<EmulatorStats>,
}

impl Stats {
    /// Counts one request of `action` answered with `code`.
    pub(crate) fn record(&self, action: &str, code: &str) {
        let mut s = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        s.requests += 1;
        if code == THROTTLED_CODE {
            s.throttled += 1;
        }
        // Bounded: the action is a known one or "" (the caller passes only those); codes are
        // the emulator's own, or an injected fault's, and past 256 distinct ones the rest
        // count as "Other".
        let code = if s.by_code.contains_key(code) || s.by_code.len() < MAX_CODES {
            code
        } else {
            "Other"
        };
        *s.by_code.entry(code.to_owned()).or_default() += 1;
        *s.by_action
            .entry(action.to_owned())
            .or_default()
            .entry(code.to_owned())
            .or_default() += 1;
    }

    pub(crate) fn snapshot(&self) -> EmulatorStats {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn reset(&self) {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = EmulatorStats::default();
    }
}
