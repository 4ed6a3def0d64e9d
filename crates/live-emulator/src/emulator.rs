//! The running emulator's handle: start it, inspect it, inject faults, shut it down.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{default_max_connections, EmulatorConfig};
use crate::error::EmulatorError;
use crate::faults::{FaultRule, Faults};
use crate::listener::{accept_loop, tls_acceptor, Limits};
use crate::state::State;
use crate::timeouts::Timeouts;

/// A running emulator. Dropping it stops it (in the background); [`Emulator::shutdown`] stops
/// it and waits.
pub struct Emulator {
    addr: SocketAddr,
    scheme: &'static str,
    certificate_der: Option<Vec<u8>>,
    state: Arc<State>,
    max_connections: usize,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator (inside a Tokio runtime) and returns once it listens.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), live_emulator::EmulatorError> {
    /// use live_emulator::{Emulator, EmulatorConfig};
    ///
    /// let emulator = Emulator::start(EmulatorConfig::new()).await?;
    /// assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
    /// emulator.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Fails with [`EmulatorError::Config`] for an invalid configuration (a zero timeout or
    /// connection cap among others) and [`EmulatorError::Io`] when it cannot listen.
    pub async fn start(config: EmulatorConfig) -> Result<Self, EmulatorError> {
        if config.header_read_timeout.is_zero() || config.idle_timeout.is_zero() {
            return Err(EmulatorError::Config(
                "the header-read and idle timeouts must be longer than zero".into(),
            ));
        }
        if config.max_connections == Some(0) {
            return Err(EmulatorError::Config(
                "the connection cap must be at least 1".into(),
            ));
        }
        let limits = Limits {
            timeouts: Timeouts {
                header_read: config.header_read_timeout,
                idle: config.idle_timeout,
            },
            max_connections: config
                .max_connections
                .unwrap_or_else(default_max_connections),
        };
        let state = Arc::new(State::new(&config)?);
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| EmulatorError::Io(format!("cannot listen on {}: {e}", config.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| EmulatorError::Io(e.to_string()))?;
        let (acceptor, certificate_der) = match &config.tls {
            Some(tls) => {
                let (acceptor, der) = tls_acceptor(tls, addr)?;
                (Some(acceptor), Some(der))
            }
            None => (None, None),
        };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(
            listener,
            acceptor,
            state.clone(),
            limits,
            stopped,
        ));
        Ok(Self {
            addr,
            scheme: if config.tls.is_some() {
                "https"
            } else {
                "http"
            },
            certificate_der,
            state,
            max_connections: limits.max_connections,
            stop,
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (or `https://…` with TLS): the endpoint to give a client.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The faults waiting to fire; push rules here to inject them.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Adds a fault rule (shorthand for `faults().push(rule)`).
    pub fn inject(&self, rule: FaultRule) {
        self.state.faults.push(rule);
    }

    /// What it has answered so far, by action and by code (throttled answers included); the
    /// same as `GET /__emulator/stats`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), live_emulator::EmulatorError> {
    /// let emulator = live_emulator::Emulator::start(Default::default()).await?;
    /// let stats = emulator.stats();
    /// assert_eq!((stats.requests, stats.throttled), (0, 0));
    /// assert_eq!(stats.count("GetPullRecordTask", live_emulator::OK_CODE), 0);
    /// # Ok(()) }
    /// ```
    pub fn stats(&self) -> crate::stats::EmulatorStats {
        self.state.stats.snapshot()
    }

    /// Sets the counts of [`Emulator::stats`] back to zero.
    pub fn reset_stats(&self) {
        self.state.stats.reset();
    }

    /// With TLS: the self-signed certificate (DER), for a client to trust.
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.certificate_der.as_deref()
    }

    /// How many tasks the store holds, over all accounts.
    pub fn task_count(&self) -> usize {
        self.state.store().len()
    }

    /// How many connections it has accepted and served so far (those refused at the cap are
    /// counted by [`Emulator::connections_refused`] instead).
    pub fn connections_accepted(&self) -> u64 {
        self.state.connections.load(Ordering::Relaxed)
    }

    /// How many connections are open now.
    pub fn open_connections(&self) -> usize {
        self.state.open.load(Ordering::Relaxed)
    }

    /// How many connections were refused (accepted and closed at once) because
    /// [`EmulatorConfig::max_connections`] were open.
    pub fn connections_refused(&self) -> u64 {
        self.state.refused.load(Ordering::Relaxed)
    }

    /// The connection cap in effect (the configured one, or the default for this process).
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), and returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
