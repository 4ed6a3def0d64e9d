//! What every connection shares: the verifier and accounts, the store, the rate limiter, the
//! faults, the clock, and the request-id counter.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::UNIX_EPOCH;

use live_model::GetShape;
use volc_sign::{Credentials, Verifier};

use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::error::EmulatorError;
use crate::faults::Faults;
use crate::rate_limit::RateLimiter;
use crate::record_settings::RecordSettings;
use crate::stats::Stats;
use crate::store::Store;

pub(crate) struct State {
    /// Verifies signatures against the configured credentials.
    pub(crate) verifier: Verifier<HashMap<String, Credentials>>,
    /// The account of each access key id.
    pub(crate) accounts: HashMap<String, String>,
    store: Mutex<Store>,
    pub(crate) rates: RateLimiter,
    pub(crate) faults: Arc<Faults>,
    /// What was answered.
    pub(crate) stats: Stats,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) get_shape: GetShape,
    /// Where recordings go and how they are cut.
    pub(crate) records: RecordSettings,
    counter: AtomicU64,
    salt: u64,
    /// Connections accepted so far.
    pub(crate) connections: AtomicU64,
    /// Connections open now.
    pub(crate) open: AtomicUsize,
    /// Connections refused so far because the cap was reached.
    pub(crate) refused: AtomicU64,
    /// How long a request's body may take to arrive (the header-read timeout again): a
    /// body that stalls would otherwise hold its connection, and a slot under the cap.
    pub(crate) body_read_timeout: std::time::Duration,
}

impl State {
    /// The state for `config`: its credentials, seed tasks and settings.
    pub(crate) fn new(config: &EmulatorConfig) -> Result<Self, EmulatorError> {
        let owner = config
            .credentials
            .first()
            .map(|c| c.account.clone())
            .ok_or_else(|| EmulatorError::Config("at least one credential is needed".into()))?;
        let mut keys = HashMap::new();
        let mut accounts = HashMap::new();
        for c in &config.credentials {
            let mut creds = Credentials::new(&*c.access_key_id, &*c.secret_key).map_err(|e| {
                EmulatorError::Config(format!("credential {}: {e}", c.access_key_id))
            })?;
            if let Some(token) = &c.session_token {
                creds = creds.with_session_token(&**token).map_err(|e| {
                    EmulatorError::Config(format!("credential {}: {e}", c.access_key_id))
                })?;
            }
            keys.insert(c.access_key_id.clone(), creds);
            accounts.insert(c.access_key_id.clone(), c.account.clone());
        }
        config.records.check()?;
        let store = Store::new(
            &config.seed,
            &owner,
            config.domains.clone(),
            config.clock.now(),
        )?;
        Ok(Self {
            verifier: Verifier::new(keys)
                .max_skew(config.max_skew)
                .expect_service(live_model::SERVICE),
            accounts,
            store: Mutex::new(store),
            rates: RateLimiter::new(config.rate_limit),
            faults: Arc::new(Faults::default()),
            stats: Stats::default(),
            clock: config.clock.clone(),
            get_shape: config.get_shape,
            records: config.records.clone(),
            counter: AtomicU64::new(0),
            salt: fastrand::u64(..) & 0xFF_FFFF,
            connections: AtomicU64::new(0),
            open: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
            body_read_timeout: config.header_read_timeout,
        })
    }

    /// The store, locked.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh request id in the service's form: the time on the emulator's clock
    /// (`YYYYMMDDhhmmss`), a counter and a per-emulator salt, in hex.
    pub(crate) fn request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let secs = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let t = time::OffsetDateTime::from_unix_timestamp(secs as i64)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{:012X}{:06X}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            n,
            self.salt
        )
    }
}
