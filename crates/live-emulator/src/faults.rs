//! Faults on demand: what real networks and services do to clients, injected into the next
//! requests (or a seeded fraction of them), per action.

use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// One kind of fault.
///
/// The admin path takes them as JSON with a `kind` field, e.g.
/// `{"kind":"error","code":"InternalError","status":500}` or `{"kind":"delay","delay_ms":200}`.
///
/// # Before or after the action
///
/// Every kind but two fires **before** the action: the emulator answers (or closes the
/// connection) before it checks the signature, so nothing in the store changes. A
/// [`Delay`](FaultKind::Delay) waits, then handles the request normally.
///
/// [`LoseAnswerClose`](FaultKind::LoseAnswerClose) and
/// [`LoseAnswerTruncate`](FaultKind::LoseAnswerTruncate) fire **after** it, as a real network
/// loses an answer: the request is handled in full (signature, rate limit, the action, so a
/// task is created or stopped) and then its answer, whatever it was, does not reach the client.
/// A client that sends again on a fresh connection is answered normally and sees the change.
///
/// ```
/// use live_emulator::{FaultKind, FaultRule};
///
/// // Stop the task, then close the connection without answering.
/// let rule = FaultRule::next(1, FaultKind::LoseAnswerClose).for_action("StopPullRecordTask");
/// let same: FaultRule = serde_json::from_str(
///     r#"{"action":"StopPullRecordTask","kind":"lose_answer_close","count":1}"#,
/// )
/// .unwrap();
/// assert_eq!(rule, same);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with this error code (and status; default: the code's documented one).
    Error {
        /// The error code, e.g. `InternalError`.
        code: String,
        /// The HTTP status; default the code's documented status, else 500.
        #[serde(default)]
        status: Option<u16>,
        /// The message; default a generic one.
        #[serde(default)]
        message: Option<String>,
    },
    /// `CommonErr` with HTTP 200, as the service does.
    CommonErr,
    /// Wait this long, then handle the request normally.
    Delay {
        /// Milliseconds to wait.
        delay_ms: u64,
    },
    /// Before the action: close the connection without answering (over HTTP/2, reset the
    /// stream). Nothing changes.
    CloseConnection,
    /// Before the action: answer 200 with the first half of a JSON body (a complete HTTP
    /// answer whose JSON is cut). Nothing changes.
    TruncatedBody,
    /// Answer 502 with an HTML page, as a gateway does.
    Html502,
    /// Answer 429 `FlowLimitExceeded` with `Retry-After`.
    Throttle {
        /// Seconds in `Retry-After`.
        #[serde(default = "one")]
        retry_after_secs: u64,
    },
    /// After the action (it ran; a task was created or stopped): close the connection without
    /// answering (over HTTP/2, reset the stream). JSON `{"kind":"lose_answer_close"}`.
    LoseAnswerClose,
    /// After the action (it ran): send the answer's status and headers, a `Content-Length`
    /// promising the whole body, only the first half of the body, then close the connection.
    /// Over HTTP/2 the stream is reset instead (h2 drops the frames queued before the reset),
    /// which a client sees as `LoseAnswerClose`. JSON `{"kind":"lose_answer_truncate"}`.
    LoseAnswerTruncate,
}

fn one() -> u64 {
    1
}

/// When a fault fires: for which action, and for how many requests or what fraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Only requests for this action (any action when absent).
    #[serde(default)]
    pub action: Option<String>,
    /// The fault.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Fire for the next `count` matching requests (1 when neither this nor `fraction` is set).
    #[serde(default)]
    pub count: Option<u32>,
    /// Fire for each matching request with this probability (0 to 1), drawn from `seed`.
    #[serde(default)]
    pub fraction: Option<f64>,
    /// The seed of the draws for `fraction` (default 0).
    #[serde(default)]
    pub seed: Option<u64>,
}

impl FaultRule {
    /// `kind` for the next `count` requests of any action.
    pub fn next(count: u32, kind: FaultKind) -> Self {
        Self {
            action: None,
            kind,
            count: Some(count),
            fraction: None,
            seed: None,
        }
    }

    /// `kind` for each request with probability `fraction`, drawn from `seed`.
    pub fn fraction(fraction: f64, seed: u64, kind: FaultKind) -> Self {
        Self {
            action: None,
            kind,
            count: None,
            fraction: Some(fraction),
            seed: Some(seed),
        }
    }

    /// Only for `action`.
    pub fn for_action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }
}

struct Active {
    rule: FaultRule,
    remaining: Option<u32>,
    rng: fastrand::Rng,
}

/// The faults waiting to fire. Shared by the server and whoever injects them.
#[derive(Default)]
pub struct Faults {
    active: Mutex<Vec<Active>>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("pending_rules", &self.len())
            .finish()
    }
}

impl Faults {
    /// Adds a rule; rules are tried in the order added.
    pub fn push(&self, rule: FaultRule) {
        let remaining = match (rule.count, rule.fraction) {
            (None, None) => Some(1),
            (count, _) => count,
        };
        let rng = fastrand::Rng::with_seed(rule.seed.unwrap_or(0));
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Active {
                rule,
                remaining,
                rng,
            });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// How many rules are waiting.
    pub fn len(&self) -> usize {
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no rule is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The fault for a request to `action`, if one fires.
    pub(crate) fn take(&self, action: &str) -> Option<FaultKind> {
        let mut active = self.active.lock().unwrap_or_else(PoisonError::into_inner);
        let mut fired = None;
        for (i, a) in active.iter_mut().enumerate() {
            if a.rule.action.as_deref().is_some_and(|want| want != action) {
                continue;
            }
            if let Some(p) = a.rule.fraction {
                if a.rng.f64() >= p {
                    continue;
                }
            }
            if let Some(n) = a.remaining.as_mut() {
                *n = n.saturating_sub(1);
            }
            fired = Some((i, a.rule.kind.clone(), a.remaining == Some(0)));
            break;
        }
        let (i, kind, spent) = fired?;
        if spent {
            active.remove(i);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_actions_and_fractions() {
        let f = Faults::default();
        f.push(FaultRule::next(2, FaultKind::Html502).for_action("GetPullRecordTask"));
        assert_eq!(f.take("ListPullRecordTask"), None);
        assert_eq!(f.take("GetPullRecordTask"), Some(FaultKind::Html502));
        assert_eq!(f.take("GetPullRecordTask"), Some(FaultKind::Html502));
        assert_eq!(f.take("GetPullRecordTask"), None);
        assert!(f.is_empty());

        f.push(FaultRule::fraction(0.5, 7, FaultKind::CommonErr));
        let fired = (0..1000)
            .filter(|_| f.take("StopPullRecordTask").is_some())
            .count();
        assert!((400..600).contains(&fired), "{fired}");
        let again = Faults::default();
        again.push(FaultRule::fraction(0.5, 7, FaultKind::CommonErr));
        let same = (0..1000)
            .filter(|_| again.take("StopPullRecordTask").is_some())
            .count();
        assert_eq!(fired, same, "the seed makes it repeatable");
    }

    #[test]
    fn admin_json_form() {
        let r: FaultRule = serde_json::from_str(
            r#"{"action":"GetPullRecordTask","kind":"error","code":"InternalError","status":500,"count":3}"#,
        )
        .unwrap();
        assert_eq!(r.count, Some(3));
        assert_eq!(
            r.kind,
            FaultKind::Error {
                code: "InternalError".into(),
                status: Some(500),
                message: None
            }
        );
        for (kind, want) in [
            ("lose_answer_close", FaultKind::LoseAnswerClose),
            ("lose_answer_truncate", FaultKind::LoseAnswerTruncate),
        ] {
            let text = format!(r#"{{"action":"StopPullRecordTask","kind":"{kind}"}}"#);
            let r: FaultRule = serde_json::from_str(&text).unwrap();
            assert_eq!(r.action.as_deref(), Some("StopPullRecordTask"));
            assert_eq!(r.kind, want);
            assert_eq!(serde_json::to_value(&want).unwrap()["kind"], kind);
        }
        let r: FaultRule = serde_json::from_str(r#"{"kind":"throttle"}"#).unwrap();
        assert_eq!(
            r.kind,
            FaultKind::Throttle {
                retry_after_secs: 1
            }
        );
    }
}
