//! [`LiveClient`] and its parts: the builder ([`builder.rs`](builder)), endpoint parsing
//! ([`endpoint.rs`](endpoint)), the default transport's wiring ([`transport.rs`](transport)).
//! The path every call takes is the engine's ([`crate::engine`]); this module describes the
//! Live calls to it.

mod builder;
pub(crate) mod endpoint;
mod transport;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use live_model::{decode_for, Action, ActionFacts, Dispatch, Operation, Response};
use volc_sign::Signer;

pub use builder::LiveClientBuilder;

use crate::engine::{Call, Done, Engine, OutcomeCheck};
use crate::env::Environment;
use crate::error::{ErrorKind, LiveError};
use crate::pacing::{Rate, RateLimiter};

/// The Live service as this client calls it: its endpoint, the URI of each modelled action
/// (built once), and the signer of its scope.
pub(crate) struct LiveService {
    pub(crate) base: String,
    /// The URI of each modelled action, in `Action::ALL` order.
    pub(crate) uris: Vec<http::Uri>,
    /// The query pairs of each modelled action (`Action`, `Version`), in `Action::ALL` order.
    pub(crate) queries: Vec<[(&'static str, &'static str); 2]>,
    /// The headers every Live call sends but for its signature (see `Engine::headers`).
    pub(crate) headers: http::HeaderMap,
    pub(crate) signer: Signer,
}

pub(crate) struct Inner {
    pub(crate) engine: Engine,
    pub(crate) live: LiveService,
    /// The region of the client's scope (the default of a generic call).
    pub(crate) region: String,
    pub(crate) allow_insecure_http: bool,
    /// The proxy the default transport takes to the endpoint (credentials redacted).
    pub(crate) proxy: Option<String>,
}

/// The Live API client. Cheap to clone (clones share the connection pool, the key cache, the
/// credentials cache, the pacing and the retry budget) and safe to share across tasks.
///
/// An operation is sent two ways with the same output: built fluently
/// (`client.get_pull_record_task().task_id(id).send().await`, a
/// [`Request`](live_model::Request) that this client dispatches), or as a model request
/// ([`send`](Self::send): `client.send(GetPullRecordTaskRequest::new(id)).await`). Both give
/// [`GetPullRecordTaskOutput`](crate::ops::GetPullRecordTaskOutput); see [`ops`](crate::ops).
#[derive(Clone)]
pub struct LiveClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for LiveClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let e = &i.engine;
        f.debug_struct("LiveClient")
            .field("endpoint", &i.live.base)
            .field("proxy", &i.proxy)
            .field("scope", i.live.signer.scope())
            .field("credentials", &e.credentials)
            .field("transport", &e.transport)
            .field("retry", &e.retry)
            .field("budget", &e.budget)
            .field("limiter", &e.limiter)
            .field("attempt_timeout", &e.attempt_timeout)
            .field("operation_timeout", &e.operation_timeout)
            .finish()
    }
}

impl LiveClient {
    /// The settings, to adjust before [`LiveClientBuilder::build`].
    pub fn builder() -> LiveClientBuilder {
        LiveClientBuilder::default()
    }

    /// A client for the real endpoint with credentials from the environment or the usual files
    /// (see [`crate::credentials::CredentialsChain::default_chain`]), read at the first call.
    pub fn from_env() -> Result<Self, LiveError> {
        Self::builder().build()
    }

    /// The endpoint, `scheme://host[:port]`.
    pub fn endpoint(&self) -> &str {
        &self.inner.live.base
    }

    /// The proxy the default transport takes to the endpoint, its credentials redacted
    /// (`http://***@proxy:3128`); `None` when it goes direct, or when the transport is
    /// your own.
    pub fn proxy(&self) -> Option<&str> {
        self.inner.proxy.as_deref()
    }

    /// The limiter that paces this client's calls; `None` with
    /// [`Pacing::Off`](crate::pacing::Pacing::Off).
    pub fn rate_limiter(&self) -> Option<&Arc<dyn RateLimiter>> {
        self.inner.engine.limiter.as_ref()
    }

    /// The retry budget this client and its clones draw from.
    pub fn retry_budget(&self) -> &crate::retry::RetryBudget {
        &self.inner.engine.budget
    }

    /// Wall-clock time on the client's [`Environment`].
    pub(crate) fn now(&self) -> std::time::SystemTime {
        self.inner.engine.env.now()
    }

    /// The client's environment (clocks and sleep).
    pub(crate) fn environment(&self) -> &Arc<dyn Environment> {
        &self.inner.engine.env
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Sends a model request of the Live operations ([`ops`](crate::ops),
    /// [`files`](crate::files)) and gives the operation's output: the same as the fluent
    /// builder's `send()` gives for the same request.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = live_emulator::Emulator::start(Default::default()).await?;
    /// # let client = live_api::LiveClient::builder().endpoint(emulator.base_url())
    /// #     .credentials(live_api::Credentials::new(live_emulator::DEMO_ACCESS_KEY_ID, live_emulator::DEMO_SECRET_KEY)?).build()?;
    /// use live_model::ListPullRecordTaskRequest;
    ///
    /// let page = client.send(ListPullRecordTaskRequest::new(1, 50).app("live")).await?;
    /// let same = client.list_pull_record_tasks().page_size(50).app("live").send().await?;
    /// assert_eq!(page.tasks, same.tasks);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Any other [`Operation`] (one this crate does not model) goes through
    /// [`call`](Self::call), which gives the decoded [`Response`].
    pub fn send<O>(&self, input: O) -> <LiveClient as Dispatch<O>>::Output
    where
        LiveClient: Dispatch<O>,
    {
        self.clone().dispatch(input, None)
    }

    /// Sends any Live operation: validates it, then signs and sends it, retrying what the
    /// policy says is safe, within the deadlines, and gives the decoded [`Response`]. The
    /// typed operations are built on this; for them, [`send`](Self::send) gives their output.
    ///
    /// An operation that is not modelled here is sent the same way; unless its
    /// [`Operation::ACTION`] says otherwise it is treated as not idempotent.
    pub async fn call<O: Operation>(&self, op: &O) -> Result<Response<O::Result>, LiveError> {
        self.run(op, None).await.map(|done| done.response)
    }

    /// [`LiveClient::call`], with the operation's own check of the outcome after a failure
    /// that may have taken effect (for operations idempotent by outcome: a stop).
    pub(crate) async fn run<O: Operation>(
        &self,
        op: &O,
        check: Option<&dyn OutcomeCheck<O::Result>>,
    ) -> Result<Done<O::Result>, LiveError> {
        let facts = O::ACTION;
        op.validate()
            .map_err(|e| LiveError::from(ErrorKind::InvalidInput(e)))?;
        let body = Bytes::from(
            serde_json::to_vec(op)
                .map_err(|e| LiveError::from(ErrorKind::Config(e.to_string())))?,
        );
        let call = self.live_call(facts, body)?;
        let decode = |status: u16, body: &[u8]| -> Result<Response<O::Result>, LiveError> {
            decode_for::<O::Result>(facts.name(), status, body).map_err(LiveError::from)
        };
        self.inner.engine.run(&call, &decode, check).await
    }

    /// The description of a Live action's call: its method (POST) with the JSON body, to the
    /// action's URI,
    /// signed in the client's scope, paced at the action's documented limit.
    fn live_call(&self, facts: ActionFacts, body: Bytes) -> Result<Call<'_>, LiveError> {
        let live = &self.inner.live;
        let (uri, query) = match facts.action() {
            Some(action) if action.version() == facts.version() => {
                let i = Action::ALL.iter().position(|a| *a == action).unwrap_or(0);
                (live.uris[i].clone(), Cow::Borrowed(&live.queries[i][..]))
            }
            _ => (
                endpoint::action_uri(&live.base, facts)?,
                Cow::Owned(endpoint::action_query(facts).to_vec()),
            ),
        };
        Ok(Call {
            service: live.signer.scope().service(),
            action: facts.name().into(),
            signer: Some(&live.signer),
            method: facts.method().into(),
            uri,
            query,
            headers: Cow::Borrowed(&live.headers),
            body,
            idempotency: facts.idempotency(),
            rate: facts.rate_limit_per_sec().and_then(Rate::per_second),
        })
    }
}
