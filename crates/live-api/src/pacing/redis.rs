//! The Redis limiter: the same GCRA as the local one, its state in Redis, so that every process
//! using the same Redis draws from one budget per access key and action.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};

use super::gcra::{nanos, DEFAULT_RETRY_AFTER, MAX_RETRY_AFTER};
use super::{Feedback, LocalRateLimiter, NoPermit, RateKey, RateLimiter, RateLimits};
use crate::env::{within, Environment, LiveFuture, SystemEnvironment};
use crate::error::{ErrorKind, LiveError};

/// The GCRA of `pacing::gcra` in Lua, on Redis's clock (`TIME`, microseconds), atomic.
///
/// `KEYS[1]`: the key's hash (fields `tat`: the next free slot, `f`: the rate as a fraction of
/// the limit, `rf`: when it recovers from, `bu`: the end of the last `Retry-After`; times in µs
/// on Redis's clock). `ARGV`: mode (`acquire`, `throttle` or `blocked`), the base interval
/// (µs), the longest wait (`acquire`) or the `Retry-After` (`throttle`) in µs, and the TTL
/// floor (ms). `acquire` returns `{1, wait}` for a permit `wait` µs away, `{0, wait}` for a
/// refusal; `throttle` returns `{1, 0}`; `blocked` writes nothing and returns `{1, left}` while
/// a `Retry-After` holds the key (`left` µs more), else `{0, 0}`.
const SCRIPT: &str = r#"
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if ARGV[1] == 'blocked' then
  local bu = tonumber(redis.call('HGET', KEYS[1], 'bu')) or 0
  if bu > now then return {1, bu - now} end
  return {0, 0}
end
local base = tonumber(ARGV[2])
local arg = tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 'tat', 'f', 'rf', 'bu')
local tat = tonumber(s[1]) or 0
local f = tonumber(s[2]) or 1
local rf = tonumber(s[3]) or 0
local bu = tonumber(s[4]) or 0
local function frac(at)
  if at <= rf or f >= 1 then return math.min(f, 1) end
  return math.min(1, f + 0.1 * (at - rf) / 1000000)
end
local result
if ARGV[1] == 'acquire' then
  local slot = math.max(tat, now)
  local wait = slot - now
  if wait > 0 and wait >= arg then return {0, wait} end
  tat = slot + math.ceil(base / frac(slot))
  result = {1, wait}
else
  local blocked = now + arg
  tat = math.max(tat, blocked)
  bu = math.max(bu, blocked)
  if now >= rf then f = math.max(frac(now) * 0.5, 1 / 16) end
  rf = math.max(rf, now + math.max(arg, 1000000))
  result = {1, 0}
end
redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', tat), 'f', tostring(f), 'rf', string.format('%.0f', rf), 'bu', string.format('%.0f', bu))
redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(tat, rf) - now) / 1000) + tonumber(ARGV[4]))
return result
"#;

/// How long a key outlives its last reserved slot.
const TTL_FLOOR_MS: u64 = 60_000;

/// Settings of a [`RedisRateLimiter`].
#[derive(Clone)]
pub struct RedisRateLimiterBuilder {
    url: String,
    limits: RateLimits,
    env: Arc<dyn Environment>,
    timeout: Duration,
    retry_redis_after: Duration,
    key_prefix: String,
}

impl fmt::Debug for RedisRateLimiterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiterBuilder")
            .field("redis", &redact(&self.url))
            .field("limits", &self.limits)
            .field("timeout", &self.timeout)
            .field("retry_redis_after", &self.retry_redis_after)
            .field("key_prefix", &self.key_prefix)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimiterBuilder {
    /// The limits (default: the documented ones, [`RateLimits::documented`]). Every process
    /// sharing a Redis should use the same.
    pub fn limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The clock and sleep for waits and time limits (default: [`SystemEnvironment`]). The
    /// slots themselves are on Redis's clock, common to every process.
    pub fn environment(mut self, env: Arc<dyn Environment>) -> Self {
        self.env = env;
        self
    }

    /// The longest a connection and a command to Redis may take before the call is paced
    /// locally instead (default 250 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// After Redis failed, how long calls are paced locally before Redis is tried again
    /// (default 5 s), so that an outage costs one timeout per period, not one per call.
    pub fn retry_redis_after(mut self, period: Duration) -> Self {
        self.retry_redis_after = period;
        self
    }

    /// The prefix of the keys in Redis (default `volc-live:pace:`).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The limiter. Nothing is connected yet: the first call connects, and an unreachable
    /// Redis only means local pacing. Fails for a URL that is not `redis://HOST[:PORT][/DB]`
    /// (or `redis+unix:///PATH`); the error never repeats a password. TLS (`rediss://`) is
    /// not built in: the error says so (reach a TLS-only Redis through a local TLS tunnel).
    pub fn build(self) -> Result<RedisRateLimiter, LiveError> {
        if self.url.trim_start().starts_with("rediss://") {
            return Err(LiveError::from(ErrorKind::Config(format!(
                "the Redis URL {} asks for TLS (rediss://), which this build does not support: \
                 give redis://HOST[:PORT][/DB], through a local TLS tunnel if the Redis is TLS-only",
                redact(&self.url)
            ))));
        }
        let client = redis::Client::open(self.url.as_str()).map_err(|_| {
            LiveError::from(ErrorKind::Config(format!(
                "the Redis URL {} is not usable: give redis://HOST[:PORT][/DB]",
                redact(&self.url)
            )))
        })?;
        let local = LocalRateLimiter::with_env(self.limits.clone(), self.env.clone());
        Ok(RedisRateLimiter {
            shared: Arc::new(Shared {
                shown: redact(&self.url),
                client,
                limits: self.limits,
                local,
                env: self.env,
                timeout: self.timeout,
                retry_redis_after: self.retry_redis_after,
                key_prefix: self.key_prefix,
                script: redis::Script::new(SCRIPT),
                conn: tokio::sync::Mutex::new(None),
                down_until: Mutex::new(None),
                warned: AtomicBool::new(false),
                stale: AtomicBool::new(false),
            }),
        })
    }
}

/// Paces calls with one budget per access key id and action **shared through Redis** by every
/// process (and machine) that uses the same Redis: the rule of [the module docs](crate::pacing),
/// as one atomic Lua script (loaded once, called by its SHA1 with `EVALSHA`, loaded again when
/// Redis answers `NOSCRIPT`) on Redis's clock. Feature `redis`.
///
/// - Keys: `volc-live:pace:` and the first 32 hex digits of SHA-256(access key id, action), the service joining them
///   for a service other than `live`;
///   the access key id itself is not written to Redis. Each key expires a minute after its
///   last reserved slot.
/// - A throttling answer seen by any process slows down every process. A caller that waited
///   for its slot asks Redis, when the slot comes, whether a `Retry-After` holds the key now
///   (one more atomic call of the same script, which writes nothing); if so, it takes a new
///   slot after it, within what is left of its wait, or is refused. A caller given a slot at
///   once does not ask: its slot came after any `Retry-After` Redis knew of.
/// - When Redis cannot be reached or does not answer within [`timeout`](RedisRateLimiterBuilder::timeout),
///   the call is paced by a [`LocalRateLimiter`] at the same limits (it goes on from the last
///   slot Redis gave this process, so the switch makes no burst), a warning is logged once
///   per outage (tracing, target `live_api::limit`), and Redis is tried again after
///   [`retry_redis_after`](RedisRateLimiterBuilder::retry_redis_after). No call waits past its
///   deadline for Redis. When Redis fails when asked whether a `Retry-After` holds the key,
///   only the throttling answers this process saw are known: those hold the caller.
///
/// ```no_run
/// use std::sync::Arc;
/// use live_api::LiveClient;
/// use live_api::pacing::{Pacing, RedisRateLimiter};
///
/// # fn run() -> Result<(), live_api::LiveError> {
/// let limiter = RedisRateLimiter::builder("redis://127.0.0.1:6379/0").build()?;
/// let client = LiveClient::builder().pacing(Pacing::Limiter(Arc::new(limiter))).build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisRateLimiter {
    shared: Arc<Shared>,
}

struct Shared {
    shown: String,
    client: redis::Client,
    limits: RateLimits,
    local: LocalRateLimiter,
    env: Arc<dyn Environment>,
    timeout: Duration,
    retry_redis_after: Duration,
    key_prefix: String,
    script: redis::Script,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    down_until: Mutex<Option<Instant>>,
    warned: AtomicBool,
    /// The connection failed while another caller held `conn` (connecting): drop it on the
    /// next look, rather than wait for the lock past a caller's deadline.
    stale: AtomicBool,
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("redis", &self.shared.shown)
            .field("limits", &self.shared.limits)
            .field("degraded", &self.is_degraded())
            .finish_non_exhaustive()
    }
}

/// `redis://HOST:PORT/DB` (or a socket's path) without user name, password or query: the
/// redis crate also reads a password from the query (`redis+unix:///s.sock?pass=…`).
///
/// A password may hold `?`, `#`, `/` or `@`, and a query may hold `@`, so no single cut is
/// safe: the part after the last `@` up to the first `?`/`#`, and the part up to the first
/// `?`/`#` after its last `@`, are shown only when they agree; otherwise nothing but the scheme.
fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("redis", url));
    let scheme: String = scheme
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        .take(16)
        .collect();
    let after_at = |t: &str| t.rsplit_once('@').map_or(t, |(_, h)| h).to_owned();
    let before_query = |t: &str| t.split(['?', '#']).next().unwrap_or_default().to_owned();
    let host_first = before_query(&after_at(rest));
    let query_first = after_at(&before_query(rest));
    if host_first == query_first {
        let shown: String = host_first.chars().take(200).collect();
        format!("{scheme}://{shown}")
    } else {
        format!("{scheme}://… (hidden: it may hold a password)")
    }
}

impl RedisRateLimiter {
    /// Settings for a limiter on the Redis at `url` (`redis://HOST[:PORT][/DB]`, a password as
    /// `redis://:PASSWORD@HOST`).
    pub fn builder(url: impl Into<String>) -> RedisRateLimiterBuilder {
        RedisRateLimiterBuilder {
            url: url.into(),
            limits: RateLimits::documented(),
            env: Arc::new(SystemEnvironment),
            timeout: Duration::from_millis(250),
            retry_redis_after: Duration::from_secs(5),
            key_prefix: "volc-live:pace:".to_owned(),
        }
    }

    /// A limiter on the Redis at `url` with the default settings.
    pub fn new(url: impl Into<String>) -> Result<Self, LiveError> {
        Self::builder(url).build()
    }

    /// Whether calls are paced locally now because Redis failed.
    pub fn is_degraded(&self) -> bool {
        let down = self
            .shared
            .down_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        down.is_some_and(|until| self.shared.env.monotonic() < until)
    }

    /// The Redis key of `key`: the prefix and a hash of the access key id and action.
    pub fn redis_key(&self, key: RateKey<'_>) -> String {
        let mut h = Sha256::new();
        h.update(key.access_key_id.as_bytes());
        h.update([0]);
        if key.service != live_model::SERVICE {
            h.update(key.service.as_bytes());
            h.update(b"\0");
        }
        h.update(key.action.as_bytes());
        let digest = hex::encode(h.finalize());
        format!("{}{}", self.shared.key_prefix, &digest[..32])
    }

    async fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        let s = &*self.shared;
        let mut conn = s.conn.lock().await;
        if s.stale.swap(false, Ordering::Relaxed) {
            *conn = None;
        }
        if let Some(c) = &*conn {
            return Ok(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(s.timeout))
            .set_response_timeout(Some(s.timeout))
            .set_number_of_retries(1);
        let mut c = ConnectionManager::new_with_config(s.client.clone(), config).await?;
        s.script.load_async(&mut c).await?;
        *conn = Some(c.clone());
        Ok(c)
    }

    /// Runs the script: `(granted, wait in µs)`.
    async fn run(
        &self,
        key: RateKey<'_>,
        mode: &str,
        base_nanos: u64,
        arg: Duration,
    ) -> Result<(bool, u64), redis::RedisError> {
        let mut conn = self.connection().await?;
        let micros = |n: u64| n.div_ceil(1_000);
        let (granted, wait): (i64, i64) = self
            .shared
            .script
            .key(self.redis_key(key))
            .arg(mode)
            .arg(micros(base_nanos).max(1))
            .arg(micros(nanos(arg)))
            .arg(TTL_FLOOR_MS)
            .invoke_async(&mut conn)
            .await?;
        Ok((granted == 1, u64::try_from(wait).unwrap_or(0)))
    }

    /// After a caller slept until its slot: while a throttling answer seen by any process
    /// holds `key` (Redis is asked, on its clock), takes a new slot, after the `Retry-After`,
    /// within what is left of `max_wait` since `started`. When Redis fails or the time left
    /// runs out before it answers, this process's own state decides, as when pacing locally.
    /// `Ok(how much longer it waited)`, or the refusal.
    async fn wait_out_throttling(
        &self,
        key: RateKey<'_>,
        base: u64,
        max_wait: Duration,
        started: Instant,
    ) -> Result<Duration, NoPermit> {
        let s = &*self.shared;
        let remaining =
            || max_wait.saturating_sub(s.env.monotonic().saturating_duration_since(started));
        let mut waited = Duration::ZERO;
        loop {
            let check = remaining();
            let ask_redis = !check.is_zero() && self.redis_usable();
            let answer = if ask_redis {
                self.bounded(self.run(key, "blocked", base, Duration::ZERO), check)
                    .await
            } else {
                None
            };
            // Redis said how long the `Retry-After` still holds: kept, so that a fallback to
            // local pacing below does not send inside another process's `Retry-After`.
            let held_until = match answer {
                Some(Ok((true, left_us))) => s.env.monotonic() + Duration::from_micros(left_us),
                Some(Ok((false, _))) => return Ok(waited),
                Some(Err(())) | None => {
                    return Ok(waited + s.local.wait_out_throttling(key, remaining()).await?)
                }
            };
            let left = remaining();
            match self
                .bounded(self.run(key, "acquire", base, left), left)
                .await
            {
                Some(Ok((true, wait_us))) => {
                    let wait = Duration::from_micros(wait_us);
                    s.local.note_granted(key, wait);
                    if wait.is_zero() {
                        return Ok(waited);
                    }
                    s.env.sleep(wait).await;
                    waited += wait;
                }
                Some(Ok((false, wait_us))) => {
                    return Err(NoPermit::new(Duration::from_micros(wait_us)))
                }
                Some(Err(())) => return Err(NoPermit::new(left)),
                None => {
                    let hold = held_until.saturating_duration_since(s.env.monotonic());
                    if hold >= remaining() && !hold.is_zero() {
                        return Err(NoPermit::new(hold));
                    }
                    if !hold.is_zero() {
                        s.env.sleep(hold).await;
                    }
                    let more = s.local.acquire(key, remaining()).await?;
                    return Ok(waited + hold + more);
                }
            }
        }
    }

    /// Forgets the connection without waiting: when another caller holds the lock (it is
    /// connecting, which may take a whole timeout), the connection is marked stale instead,
    /// so that this caller's deadline is kept.
    fn drop_connection(&self) {
        let s = &*self.shared;
        match s.conn.try_lock() {
            Ok(mut conn) => *conn = None,
            Err(_) => s.stale.store(true, Ordering::Relaxed),
        }
    }

    fn redis_usable(&self) -> bool {
        !self.is_degraded()
    }

    fn degrade(&self, why: &str) {
        let s = &*self.shared;
        // A period too long to add ("never again") keeps Redis out for as long as can be said.
        let now = s.env.monotonic();
        let until = now
            .checked_add(s.retry_redis_after)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        *s.down_until.lock().unwrap_or_else(PoisonError::into_inner) = Some(until);
        if !s.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: "live_api::limit",
                redis = %s.shown,
                error = why,
                "Redis rate limiter unreachable: pacing locally in this process until it answers again"
            );
        }
    }

    fn recovered(&self) {
        let s = &*self.shared;
        *s.down_until.lock().unwrap_or_else(PoisonError::into_inner) = None;
        if s.warned.swap(false, Ordering::Relaxed) {
            tracing::info!(target: "live_api::limit", redis = %s.shown, "Redis rate limiter answers again");
        }
    }

    /// Runs `work` against Redis within the timeout (and `cap`); `None` when Redis failed (the
    /// limiter is then degraded) or `cap` ran out first (`Some(Err(()))`).
    async fn bounded<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, redis::RedisError>>,
        cap: Duration,
    ) -> Option<Result<T, ()>> {
        let s = &*self.shared;
        let bound = s.timeout.min(cap);
        match within(work, || s.env.timer(bound)).await {
            Some(Ok(v)) => {
                self.recovered();
                Some(Ok(v))
            }
            Some(Err(e)) => {
                if matches!(e.kind(), redis::ErrorKind::Io) || e.is_connection_dropped() {
                    // A connection that is gone is made again next time.
                    self.drop_connection();
                }
                self.degrade(&e.to_string());
                None
            }
            None if bound < s.timeout => Some(Err(())),
            None => {
                self.drop_connection();
                self.degrade("no answer within the timeout");
                None
            }
        }
    }
}

impl RateLimiter for RedisRateLimiter {
    fn acquire<'a>(
        &'a self,
        key: RateKey<'a>,
        max_wait: Duration,
    ) -> LiveFuture<'a, Result<Duration, NoPermit>> {
        Box::pin(async move {
            let s = &*self.shared;
            let Some(base) = s.limits.interval_nanos_for(key) else {
                return Ok(Duration::ZERO);
            };
            let started = s.env.monotonic();
            if self.redis_usable() {
                match self
                    .bounded(self.run(key, "acquire", base, max_wait), max_wait)
                    .await
                {
                    Some(Ok((true, wait_us))) => {
                        let wait = Duration::from_micros(wait_us);
                        // Kept in step, so that local pacing goes on from here if Redis fails.
                        s.local.note_granted(key, wait);
                        if wait.is_zero() {
                            // Just given, so after any `Retry-After`.
                            return Ok(wait);
                        }
                        s.env.sleep(wait).await;
                        let more = self
                            .wait_out_throttling(key, base, max_wait, started)
                            .await?;
                        return Ok(wait + more);
                    }
                    Some(Ok((false, wait_us))) => {
                        return Err(NoPermit::new(Duration::from_micros(wait_us)))
                    }
                    Some(Err(())) => return Err(NoPermit::new(max_wait)),
                    None => {}
                }
            }
            let spent = s.env.monotonic().saturating_duration_since(started);
            s.local.acquire(key, max_wait.saturating_sub(spent)).await
        })
    }

    fn observe<'a>(&'a self, key: RateKey<'a>, feedback: Feedback) -> LiveFuture<'a, ()> {
        Box::pin(async move {
            let Feedback::Throttled { retry_after } = feedback else {
                return;
            };
            let s = &*self.shared;
            s.local.learn(key, feedback);
            let Some(base) = s.limits.interval_nanos_for(key) else {
                return;
            };
            if self.redis_usable() {
                let ra = retry_after
                    .unwrap_or(DEFAULT_RETRY_AFTER)
                    .min(MAX_RETRY_AFTER);
                let _ = self
                    .bounded(self.run(key, "throttle", base, ra), s.timeout)
                    .await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(
            redact("redis://:hunter2@127.0.0.1:6379/2"),
            "redis://127.0.0.1:6379/2"
        );
        assert_eq!(redact("redis://u:p@h"), "redis://h");
        assert_eq!(
            redact("redis+unix:///run/r.sock?db=1&pass=hunter2"),
            "redis+unix:///run/r.sock"
        );
        assert_eq!(redact("redis://h:1/0?password=hunter2#x"), "redis://h:1/0");
        assert!(!redact("redis://h/0#pass=hunter2@evil").contains("hunter2"));
        // A password holding `?`, `#` or `/` before the `@`: the text is not shown at all
        // unless it parses, and then only its host, port and path.
        for url in [
            "redis://admin:hunter2?x@127.0.0.1:1/0",
            "redis://admin:hunter2#x@127.0.0.1:1/0",
            "redis://:hunter2/x@127.0.0.1:1/0",
            "redis://default:/hunter2@127.0.0.1:6379/0",
            "redis://user:12345/hunter2@127.0.0.1:6379/0",
            "redis://h/0?password=hun@hunter2",
            "redis://u:p@ss@h/0?password=x@hunter2#y",
            "redis://:hunter2%@127.0.0.1:1/0",
            "redis://ad min:hunter2@h",
        ] {
            let shown = redact(url);
            assert!(!shown.contains("hunter2"), "{url}: {shown}");
            assert!(shown.starts_with("redis://"), "{url}: {shown}");
            if let Ok(l) = RedisRateLimiter::new(url) {
                assert!(!format!("{l:?}").contains("hunter2"), "{url}");
            }
            if let Err(e) = RedisRateLimiter::new(url) {
                assert!(!format!("{e} {e:?}").contains("hunter2"), "{url}");
            }
        }
        for url in [
            "redis+unix:///run/r.sock?db=1&pass=hunter2",
            "rediss://user:hunter2@127.0.0.1:1/0?insecure",
        ] {
            if let Ok(l) = RedisRateLimiter::new(url) {
                assert!(!format!("{l:?}").contains("hunter2"), "{url}");
            } else if let Err(e) = RedisRateLimiter::new(url) {
                assert!(!format!("{e} {e:?}").contains("hunter2"), "{url}");
            }
        }
        let err = RedisRateLimiter::new("rediss://:hunter2@127.0.0.1:6380/0").unwrap_err();
        assert!(err.to_string().contains("TLS (rediss://)"), "{err}");
        assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
        let err = RedisRateLimiter::new("http://:hunter2@x").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
        let ok = RedisRateLimiter::new("redis://:hunter2@127.0.0.1:1/0").unwrap();
        assert!(!format!("{ok:?}").contains("hunter2"));
    }

    #[test]
    fn pacing_parses_a_redis_url() {
        let limits = RateLimits::documented();
        let p = crate::pacing::Pacing::parse("redis://:hunter2@127.0.0.1:6379/1", limits).unwrap();
        let crate::pacing::Pacing::Limiter(l) = &p else {
            panic!("{p:?}")
        };
        let shown = format!("{l:?}");
        assert!(shown.contains("redis://127.0.0.1:6379/1") && !shown.contains("hunter2"));
    }

    #[test]
    fn keys_hash_the_access_key_id() {
        let l = RedisRateLimiter::new("redis://127.0.0.1:1").unwrap();
        let k = l.redis_key(RateKey::new(
            "AKLTsecretish",
            live_model::Action::GetPullRecordTask.facts(),
        ));
        assert!(
            k.starts_with("volc-live:pace:") && k.len() == 15 + 32,
            "{k}"
        );
        assert!(!k.contains("AKLT"));
        let other = l.redis_key(RateKey::new(
            "AKLTsecretish",
            live_model::Action::ListPullRecordTask.facts(),
        ));
        assert_ne!(k, other);
    }
}
