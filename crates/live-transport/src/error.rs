//! The transport error: a kind you can ask about, the source chain, and whether the request
//! may have reached the server.

use std::error::Error as StdError;
use std::fmt;

/// A boxed error, the source of a [`TransportError`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What kind of failure a [`TransportError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No connection could be made: refused, unreachable, DNS, or the TLS handshake failed.
    Connect,
    /// A time limit ran out; [`TransportError::timeout_phase`] says which.
    Timeout,
    /// The connection failed during the exchange (reset, closed mid-body).
    Io,
    /// The response body is larger than the configured cap.
    ResponseTooLarge,
    /// The request cannot be sent as it is (no host, a scheme the settings refuse).
    InvalidRequest,
    /// Anything else.
    Other,
}

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Connecting (TCP and TLS): the request was not sent.
    Connect,
    /// The whole exchange: the request may have been sent.
    Exchange,
}

/// A failed exchange, classified.
///
/// ```
/// use live_transport::{ErrorKind, TransportError};
///
/// let err = TransportError::new(ErrorKind::Connect, "connection refused");
/// assert!(err.is_connect());
/// assert!(!err.may_have_reached_server(), "nothing was sent, so any request is safe to retry");
/// assert_eq!(err.to_string(), "connect error: connection refused");
/// ```
#[derive(Debug)]
pub struct TransportError {
    kind: ErrorKind,
    phase: Option<TimeoutPhase>,
    tls: bool,
    proxy: bool,
    proxy_refusal: bool,
    reached: bool,
    stale: bool,
    message: String,
    source: Option<BoxError>,
}

impl TransportError {
    /// An error of `kind`. Whether the request may have reached the server follows from the
    /// kind: not for connect failures and invalid requests, possibly for the others.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let reached = !matches!(kind, ErrorKind::Connect | ErrorKind::InvalidRequest);
        Self {
            kind,
            phase: None,
            tls: false,
            proxy: false,
            proxy_refusal: false,
            reached,
            stale: false,
            message: message.into(),
            source: None,
        }
    }

    /// A timeout in `phase`.
    pub fn timeout(phase: TimeoutPhase, message: impl Into<String>) -> Self {
        let mut e = Self::new(ErrorKind::Timeout, message);
        e.phase = Some(phase);
        e.reached = phase == TimeoutPhase::Exchange;
        e
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Marks a connect failure as a TLS failure (e.g. an untrusted certificate).
    pub fn with_tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Marks a failure of the proxy (unreachable, authentication required, tunnel refused)
    /// rather than of the service.
    pub fn with_proxy(mut self) -> Self {
        self.proxy = true;
        self
    }

    /// The proxy failed: it could not be reached, it wants credentials (407), or it refused
    /// the tunnel. The kind stays [`ErrorKind::Connect`]; the message names the proxy
    /// (`host:port`, never its credentials).
    ///
    /// ```
    /// use live_transport::{ErrorKind, TransportError};
    ///
    /// let err = TransportError::new(ErrorKind::Connect, "the proxy refused the tunnel: 403 Forbidden")
    ///     .with_proxy();
    /// assert!(err.is_proxy() && err.is_connect());
    /// ```
    pub fn is_proxy(&self) -> bool {
        self.proxy
    }

    /// Marks a proxy's refusal: it answered, and wants credentials (407) or refused the
    /// tunnel. Also a proxy error ([`TransportError::is_proxy`]).
    pub fn with_proxy_refusal(mut self) -> Self {
        self.proxy = true;
        self.proxy_refusal = true;
        self
    }

    /// Whether the proxy answered and refused (407, wrong credentials, a refused tunnel):
    /// sending again cannot help until the proxy settings change.
    pub fn is_proxy_refusal(&self) -> bool {
        self.proxy_refusal
    }

    /// Marks a request that was not written because its pooled connection had already been
    /// closed by the server (so it did not reach the server).
    pub fn with_stale_connection(mut self) -> Self {
        self.stale = true;
        self.reached = false;
        self
    }

    /// Whether the request was not written because its pooled connection had already been
    /// closed by the server. Such a request is safe to send again on a fresh connection.
    pub fn is_stale_connection(&self) -> bool {
        self.stale
    }

    /// Overrides whether the request may have reached the server.
    pub fn with_reached_server(mut self, reached: bool) -> Self {
        self.reached = reached;
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Which time limit ran out, for timeouts.
    pub fn timeout_phase(&self) -> Option<TimeoutPhase> {
        self.phase
    }

    /// No connection could be made (including TLS failures).
    pub fn is_connect(&self) -> bool {
        self.kind == ErrorKind::Connect
    }

    /// The TLS handshake failed (e.g. the certificate is not trusted).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// A time limit ran out.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// The connection failed during the exchange.
    pub fn is_io(&self) -> bool {
        self.kind == ErrorKind::Io
    }

    /// The response was larger than the cap.
    pub fn is_response_too_large(&self) -> bool {
        self.kind == ErrorKind::ResponseTooLarge
    }

    /// The request could not be sent as it was.
    pub fn is_invalid_request(&self) -> bool {
        self.kind == ErrorKind::InvalidRequest
    }

    /// Whether the request may have reached the server (and so may have taken effect).
    /// `false` means it certainly did not: retrying is safe even for calls that are not
    /// idempotent.
    pub fn may_have_reached_server(&self) -> bool {
        self.reached
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match (self.kind, self.phase) {
            (ErrorKind::Connect, _) if self.proxy => "proxy error",
            (ErrorKind::Connect, _) if self.tls => "TLS error",
            (ErrorKind::Connect, _) => "connect error",
            (ErrorKind::Timeout, Some(TimeoutPhase::Connect)) => "connect timeout",
            (ErrorKind::Timeout, _) => "timeout",
            (ErrorKind::Io, _) => "I/O error",
            (ErrorKind::ResponseTooLarge, _) => "response too large",
            (ErrorKind::InvalidRequest, _) => "invalid request",
            (ErrorKind::Other, _) => "transport error",
        };
        write!(f, "{what}: {}", self.message)
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The messages of an error and its sources, joined (for messages built from a source
/// chain, by the transport and the proxy connector alike).
#[cfg(feature = "hyper")]
pub(crate) fn chain_text(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
