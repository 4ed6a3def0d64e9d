//! The accept loop's answer to failed accepts (out of file descriptors, `EMFILE`/`ENFILE`, or
//! anything else): a pause that starts at [`FIRST_PAUSE`] and doubles up to [`MAX_PAUSE`],
//! back to the start after an accept succeeds, and one warning per episode of failures rather
//! than one per failure.

use std::time::Duration;

/// The pause after the first failed accept of an episode.
pub(crate) const FIRST_PAUSE: Duration = Duration::from_millis(1);
/// The longest pause between two accepts that fail.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(1);

/// The state of one accept loop's backoff.
#[derive(Debug)]
pub(crate) struct AcceptBackoff {
    next: Duration,
    failures: u64,
}

/// What to do after a failed accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    /// How long to pause before accepting again.
    pub(crate) pause: Duration,
    /// Whether this failure opens an episode, and so is the one to log.
    pub(crate) log: bool,
}

impl Default for AcceptBackoff {
    fn default() -> Self {
        Self {
            next: FIRST_PAUSE,
            failures: 0,
        }
    }
}

impl AcceptBackoff {
    /// An accept failed: the pause to take, and whether to log it (the first of an episode).
    pub(crate) fn failed(&mut self) -> Step {
        self.failures += 1;
        let pause = self.next;
        self.next = (self.next * 2).min(MAX_PAUSE);
        Step {
            pause,
            log: self.failures == 1,
        }
    }

    /// An accept succeeded: the episode (if any) is over. Returns how many accepts it failed.
    pub(crate) fn succeeded(&mut self) -> Option<u64> {
        let failures = std::mem::take(&mut self.failures);
        self.next = FIRST_PAUSE;
        (failures > 0).then_some(failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_1_ms_to_1_s_logs_once_and_resets_on_success() {
        let mut b = AcceptBackoff::default();
        let steps: Vec<Step> = (0..14).map(|_| b.failed()).collect();
        let pauses: Vec<u64> = steps.iter().map(|s| s.pause.as_millis() as u64).collect();
        assert_eq!(
            pauses,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000, 1000, 1000, 1000]
        );
        assert_eq!(steps.iter().filter(|s| s.log).count(), 1);
        assert!(steps[0].log);
        assert_eq!(b.succeeded(), Some(14));
        assert_eq!(
            b.succeeded(),
            None,
            "a success without failures ends nothing"
        );
        // A new episode starts over, and is logged again, once.
        assert_eq!(
            b.failed(),
            Step {
                pause: FIRST_PAUSE,
                log: true
            }
        );
        assert!(!b.failed().log);
    }

    #[test]
    fn a_long_episode_never_pauses_longer_than_the_bound() {
        let mut b = AcceptBackoff::default();
        let total: Duration = (0..10_000).map(|_| b.failed().pause).sum();
        assert!(total <= MAX_PAUSE * 10_000);
        assert_eq!(b.failed().pause, MAX_PAUSE);
    }
}
