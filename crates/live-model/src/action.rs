//! What is known about each action, written once: its name, version, HTTP method, documented
//! rate limit and whether sending it twice is safe. The client (retries, URIs, the request
//! line) and the emulator (dispatch, rate limits) both read it from here.

use crate::API_VERSION;

/// Whether sending an action's request again is safe, and how.
///
/// ```
/// use live_model::{Action, Idempotency};
///
/// assert_eq!(Action::GetPullRecordTask.idempotency(), Idempotency::Read);
/// assert_eq!(Action::StopPullRecordTask.idempotency(), Idempotency::ByOutcome);
/// assert_eq!(Action::CreatePullRecordTask.idempotency(), Idempotency::NotIdempotent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Changes nothing: sending it again is always safe.
    Read,
    /// Sending it again leaves the same state, but the second answer may differ from the first
    /// (a second stop answers "already stopped"). After a request that may have taken effect,
    /// a client checks the state before sending again.
    ByOutcome,
    /// Each request that reaches the service may take effect once more (a second create makes a
    /// second task). Sent again only when it certainly did not reach the service.
    NotIdempotent,
}

/// The HTTP method an action is sent with.
///
/// With [`Post`](HttpMethod::Post) the request's JSON is the body (`Content-Type:
/// application/json`); `Action` and `Version` are in the query either way.
///
/// ```
/// use live_model::{Action, ActionFacts, HttpMethod};
///
/// assert_eq!(Action::GetPullRecordTask.facts().method(), HttpMethod::Post);
/// assert_eq!(HttpMethod::Post.as_str(), "POST");
/// let other = ActionFacts::new("DescribeSomething").with_method(HttpMethod::Get);
/// assert_eq!(http::Method::from(other.method()), http::Method::GET);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET`: no body.
    Get,
    /// `POST` with a JSON body: every Live action.
    Post,
}

impl HttpMethod {
    /// The method as on the request line, e.g. `POST`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<HttpMethod> for http::Method {
    fn from(m: HttpMethod) -> Self {
        match m {
            HttpMethod::Get => http::Method::GET,
            HttpMethod::Post => http::Method::POST,
        }
    }
}

/// The actions of the pull-record-task API that this crate models.
///
/// Every match on it in this workspace is exhaustive, so adding an action is a change to this
/// enum, its facts below, and the emulator's handler; nothing else.
///
/// Their facts ([`Action::facts`]; a unit test holds this table to them):
///
/// | Action | Version | Method | Rate limit (requests/s per account) | Idempotency |
/// |---|---|---|---|---|
/// | `GetPullRecordTask` | `2023-01-01` | `POST` | 10 | [`Read`](Idempotency::Read) |
/// | `CreatePullRecordTask` | `2023-01-01` | `POST` | 50 | [`NotIdempotent`](Idempotency::NotIdempotent) |
/// | `ListPullRecordTask` | `2023-01-01` | `POST` | 50 | [`Read`](Idempotency::Read) |
/// | `StopPullRecordTask` | `2023-01-01` | `POST` | 50 | [`ByOutcome`](Idempotency::ByOutcome) |
/// | `DescribeRecordTaskFileHistory` | `2023-01-01` | `POST` | 10 | [`Read`](Idempotency::Read) |
///
/// Every one is sent as `POST /?Action={Action}&Version={Version}` with a JSON body.
///
/// ```
/// use live_model::Action;
///
/// let get = Action::from_name("GetPullRecordTask").unwrap();
/// assert_eq!(get, Action::GetPullRecordTask);
/// assert_eq!(get.rate_limit_per_sec(), 10);
/// assert_eq!(get.version(), "2023-01-01");
/// assert_eq!(Action::from_name("DeletePullRecordTask"), None);
/// assert_eq!(Action::ALL.len(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// GetPullRecordTask: one task by id.
    GetPullRecordTask,
    /// CreatePullRecordTask: record a pull stream.
    CreatePullRecordTask,
    /// ListPullRecordTask: a page of tasks.
    ListPullRecordTask,
    /// StopPullRecordTask: stop a task that has not ended.
    StopPullRecordTask,
    /// DescribeRecordTaskFileHistory: the files recordings wrote, by a window of start times.
    DescribeRecordTaskFileHistory,
}

impl Action {
    /// Every action, in a fixed order.
    pub const ALL: [Action; 5] = [
        Action::GetPullRecordTask,
        Action::CreatePullRecordTask,
        Action::ListPullRecordTask,
        Action::StopPullRecordTask,
        Action::DescribeRecordTaskFileHistory,
    ];

    /// Its facts.
    pub const fn facts(self) -> ActionFacts {
        let (name, rate, idempotency) = match self {
            Action::GetPullRecordTask => ("GetPullRecordTask", 10, Idempotency::Read),
            Action::CreatePullRecordTask => {
                ("CreatePullRecordTask", 50, Idempotency::NotIdempotent)
            }
            Action::ListPullRecordTask => ("ListPullRecordTask", 50, Idempotency::Read),
            Action::StopPullRecordTask => ("StopPullRecordTask", 50, Idempotency::ByOutcome),
            Action::DescribeRecordTaskFileHistory => {
                ("DescribeRecordTaskFileHistory", 10, Idempotency::Read)
            }
        };
        ActionFacts {
            name,
            version: API_VERSION,
            method: HttpMethod::Post,
            rate_limit_per_sec: Some(rate),
            idempotency,
            known: Some(self),
        }
    }

    /// The name as in `?Action=`.
    pub const fn name(self) -> &'static str {
        self.facts().name
    }

    /// The API version.
    pub const fn version(self) -> &'static str {
        self.facts().version
    }

    /// The HTTP method.
    pub const fn method(self) -> HttpMethod {
        self.facts().method
    }

    /// The documented limit, requests per second per account.
    pub const fn rate_limit_per_sec(self) -> u32 {
        match self.facts().rate_limit_per_sec {
            Some(n) => n,
            None => 0,
        }
    }

    /// Whether sending it again is safe.
    pub const fn idempotency(self) -> Idempotency {
        self.facts().idempotency
    }

    /// The action named `name` (exact, case-sensitive, as the gateway matches it).
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The facts of any action, modelled or not: what [`crate::Operation::ACTION`] holds.
///
/// For an action this crate does not model, [`ActionFacts::new`] gives a name with the
/// cautious defaults: this crate's API version, [`HttpMethod::Post`] with a JSON body (as
/// every Live action), no documented rate limit, and [`Idempotency::NotIdempotent`] (never
/// sent twice unless it certainly did not arrive).
///
/// ```
/// use live_model::{Action, ActionFacts, HttpMethod, Idempotency};
///
/// let other = ActionFacts::new("ListVhostRecordPresetV2")
///     .with_idempotency(Idempotency::Read)
///     .with_rate_limit_per_sec(10);
/// assert_eq!(other.name(), "ListVhostRecordPresetV2");
/// assert_eq!(other.method(), HttpMethod::Post);
/// assert_eq!(other.action(), None);
/// assert_eq!(ActionFacts::new("X").idempotency(), Idempotency::NotIdempotent);
/// assert_eq!(Action::StopPullRecordTask.facts().action(), Some(Action::StopPullRecordTask));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionFacts {
    name: &'static str,
    version: &'static str,
    method: HttpMethod,
    rate_limit_per_sec: Option<u32>,
    idempotency: Idempotency,
    known: Option<Action>,
}

impl ActionFacts {
    /// An action this crate does not model: not idempotent, no documented limit,
    /// version [`API_VERSION`], sent as [`HttpMethod::Post`] with a JSON body.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            version: API_VERSION,
            method: HttpMethod::Post,
            rate_limit_per_sec: None,
            idempotency: Idempotency::NotIdempotent,
            known: None,
        }
    }

    /// Says how safe sending it again is.
    pub const fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Says its documented rate limit.
    pub const fn with_rate_limit_per_sec(mut self, n: u32) -> Self {
        self.rate_limit_per_sec = Some(n);
        self
    }

    /// Says its API version.
    pub const fn with_version(mut self, version: &'static str) -> Self {
        self.version = version;
        self
    }

    /// Says its HTTP method.
    pub const fn with_method(mut self, method: HttpMethod) -> Self {
        self.method = method;
        self
    }

    /// The name as in `?Action=`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The API version as in `?Version=`.
    pub const fn version(&self) -> &'static str {
        self.version
    }

    /// The HTTP method it is sent with.
    pub const fn method(&self) -> HttpMethod {
        self.method
    }

    /// The documented limit, requests per second per account, when there is one.
    pub const fn rate_limit_per_sec(&self) -> Option<u32> {
        self.rate_limit_per_sec
    }

    /// Whether sending it again is safe.
    pub const fn idempotency(&self) -> Idempotency {
        self.idempotency
    }

    /// Which modelled action this is, if any.
    pub const fn action(&self) -> Option<Action> {
        self.known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
            assert_eq!(a.facts().action(), Some(a));
            assert_eq!(a.to_string(), a.name());
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        assert_eq!(Action::from_name("getpullrecordtask"), None);
    }

    /// The text between the first two backticks of a table cell, else the trimmed cell.
    fn cell_text(cell: &str) -> &str {
        let cell = cell.trim();
        let mut parts = cell.split('`');
        match (parts.next(), parts.next()) {
            (Some(_), Some(inside)) => inside,
            _ => cell,
        }
    }

    #[test]
    fn the_documented_table_is_the_facts() {
        // The rows of the table in `Action`'s docs, read from this file's source.
        let rows: Vec<Vec<&str>> = include_str!("action.rs")
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("/// | `"))
            .map(|l| {
                let l = l
                    .trim_start_matches("/// |")
                    .trim_end()
                    .trim_end_matches('|');
                l.split('|').map(cell_text).collect()
            })
            .collect();
        assert_eq!(
            rows.len(),
            Action::ALL.len(),
            "one row per action: {rows:?}"
        );
        for a in Action::ALL {
            let f = a.facts();
            let row = rows
                .iter()
                .find(|r| r[0] == f.name())
                .unwrap_or_else(|| panic!("{a} has no row in the table"));
            let idempotency = match f.idempotency() {
                Idempotency::Read => "Read",
                Idempotency::ByOutcome => "ByOutcome",
                Idempotency::NotIdempotent => "NotIdempotent",
            };
            let rate = f.rate_limit_per_sec().map(|n| n.to_string());
            assert_eq!(
                row[1..],
                [
                    f.version(),
                    f.method().as_str(),
                    rate.as_deref().unwrap_or("none"),
                    idempotency
                ],
                "{a}"
            );
            assert_eq!(
                (a.name(), a.version(), a.method(), a.idempotency()),
                (f.name(), f.version(), f.method(), f.idempotency())
            );
            assert_eq!(Some(a.rate_limit_per_sec()), f.rate_limit_per_sec());
        }
    }
}
