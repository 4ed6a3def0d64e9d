//! The retry budget: a token bucket shared by a client and its clones (the shape of
//! aws-smithy-runtime's standard retry quota), so that in an outage a fleet stops retrying
//! instead of multiplying its load.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A token bucket that every retry draws from.
///
/// - It starts full, with [`capacity`](Self::capacity) tokens (default 500).
/// - Each retry takes [`retry_cost`](Self::retry_cost) tokens (default 5), or
///   [`timeout_cost`](Self::timeout_cost) (default 10) when the failed attempt timed out
///   (a timeout costs the service, and the fleet, more).
/// - A call that succeeds at the first attempt puts [`success_refill`](Self::success_refill)
///   token back (default 1); one that succeeds after retries puts back what its retries took.
///   Never beyond the capacity.
/// - When the bucket holds less than a retry costs, there is no retry: the call returns its
///   error (the first attempt of a call is never refused).
///
/// With the defaults, a client whose every call fails stops retrying after 100 retries and
/// starts again once successes have refilled it. The clones of a client share its bucket;
/// give two clients one bucket by handing both the same value
/// ([`LiveClientBuilder::retry_budget`](crate::LiveClientBuilder::retry_budget)).
///
/// ```
/// use live_api::retry::RetryBudget;
///
/// let budget = RetryBudget::default();
/// assert_eq!(budget.available(), Some(500));
/// let small = RetryBudget::default().capacity(10);
/// assert_eq!(small.available(), Some(10));
/// assert_eq!(RetryBudget::disabled().available(), None); // no budget: retries as the policy says
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    tokens: Option<Arc<AtomicU32>>,
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_refill: u32,
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("available", &self.available())
            .field("capacity", &self.capacity)
            .field("retry_cost", &self.retry_cost)
            .field("timeout_cost", &self.timeout_cost)
            .field("success_refill", &self.success_refill)
            .finish()
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }
}

impl RetryBudget {
    /// The default capacity.
    pub const DEFAULT_CAPACITY: u32 = 500;
    /// The default cost of a retry.
    pub const DEFAULT_RETRY_COST: u32 = 5;
    /// The default cost of a retry after a timeout.
    pub const DEFAULT_TIMEOUT_COST: u32 = 10;
    /// The default refill of a success at the first attempt.
    pub const DEFAULT_SUCCESS_REFILL: u32 = 1;

    fn with_capacity(capacity: u32) -> Self {
        Self {
            tokens: Some(Arc::new(AtomicU32::new(capacity))),
            capacity,
            retry_cost: Self::DEFAULT_RETRY_COST,
            timeout_cost: Self::DEFAULT_TIMEOUT_COST,
            success_refill: Self::DEFAULT_SUCCESS_REFILL,
        }
    }

    /// No budget: every retry the policy asks for is made.
    pub fn disabled() -> Self {
        Self {
            tokens: None,
            ..Self::with_capacity(0)
        }
    }

    /// A new, full bucket of `tokens` (this value no longer shares the bucket it was made from).
    pub fn capacity(self, tokens: u32) -> Self {
        Self {
            tokens: Some(Arc::new(AtomicU32::new(tokens))),
            capacity: tokens,
            ..self
        }
    }

    /// The tokens a retry takes.
    pub fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// The tokens a retry after a timed-out attempt takes.
    pub fn timeout_cost(mut self, tokens: u32) -> Self {
        self.timeout_cost = tokens;
        self
    }

    /// The tokens a success at the first attempt puts back.
    pub fn success_refill(mut self, tokens: u32) -> Self {
        self.success_refill = tokens;
        self
    }

    /// The tokens in the bucket now; `None` when the budget is disabled.
    pub fn available(&self) -> Option<u32> {
        self.tokens.as_ref().map(|t| t.load(Ordering::Relaxed))
    }

    /// Takes the cost of one retry: `Some(tokens taken)` (zero when disabled), or `None` when
    /// the bucket holds too few (no retry).
    pub(crate) fn withdraw(&self, after_timeout: bool) -> Option<u32> {
        let Some(tokens) = &self.tokens else {
            return Some(0);
        };
        let cost = if after_timeout {
            self.timeout_cost
        } else {
            self.retry_cost
        };
        tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .ok()
            .map(|_| cost)
    }

    /// A call succeeded after its retries took `taken` tokens.
    pub(crate) fn refill(&self, taken: u32) {
        let Some(tokens) = &self.tokens else {
            return;
        };
        let back = if taken == 0 {
            self.success_refill
        } else {
            taken
        };
        let _ = tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
            Some(t.saturating_add(back).min(self.capacity))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_draw_until_empty_and_successes_refill() {
        let b = RetryBudget::default().capacity(12);
        assert_eq!(b.withdraw(false), Some(5));
        assert_eq!(b.withdraw(false), Some(5));
        assert_eq!(b.withdraw(false), None, "2 left, a retry costs 5");
        assert_eq!(b.available(), Some(2));
        b.refill(0);
        assert_eq!(b.available(), Some(3));
        b.refill(10);
        assert_eq!(b.available(), Some(12), "capped at the capacity");
        assert_eq!(b.withdraw(true), Some(10));
        assert_eq!(b.withdraw(true), None);
    }

    #[test]
    fn clones_share_one_bucket_and_disabled_never_refuses() {
        let a = RetryBudget::default().capacity(5);
        let b = a.clone();
        assert_eq!(a.withdraw(false), Some(5));
        assert_eq!(b.withdraw(false), None);
        let off = RetryBudget::disabled();
        for _ in 0..1000 {
            assert_eq!(off.withdraw(true), Some(0));
        }
    }
}
