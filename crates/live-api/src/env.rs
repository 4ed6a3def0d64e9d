//! The one environment seam: the wall clock (signing times, credential expiry), the monotonic
//! clock and timers (deadlines), sleeping (backoff), the randomness of retry jitter,
//! environment variables, the home directory and file reads (credentials files).
//! [`SystemEnvironment`] is the default; [`ManualEnvironment`] is the test double, whose time
//! moves only when told to and whose files are held in memory.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use crate::bounded::{read_file_bounded, BoundedReadError};

/// A boxed, `Send` future: what this crate's traits return (dyn-compatible, no
/// `async-trait`). The same type as `live_transport::BoxFuture`, defined here so that a
/// credentials provider or an environment needs no transport crate.
pub type LiveFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Time, waiting, randomness, environment variables and files, as the client sees them.
///
/// The builder hands one value to everything that needs it: signing, credentials providers
/// (handed it each time they are asked), retries and deadlines. Implement it to run the client
/// on another clock; use [`ManualEnvironment`] in tests.
pub trait Environment: Send + Sync + fmt::Debug {
    /// Wall-clock time: signing times and credential expiry.
    fn now(&self) -> SystemTime;

    /// Monotonic time: elapsed time and deadlines.
    fn monotonic(&self) -> Instant;

    /// A wait the client chooses to make (backoff, `Retry-After`).
    fn sleep(&self, d: Duration) -> LiveFuture<'static, ()>;

    /// A timer that bounds work (an attempt's or an operation's deadline): it completes once
    /// `d` has passed on [`Environment::monotonic`]'s clock. Default: [`Environment::sleep`].
    fn timer(&self, d: Duration) -> LiveFuture<'static, ()> {
        self.sleep(d)
    }

    /// Whether [`Environment::sleep`] and [`Environment::timer`] can run where the client is
    /// called, as far as can be told without side effects. The client asks before each
    /// operation and reports a refusal as [`crate::ErrorKind::Runtime`], with nothing sent.
    /// Default: they can. [`SystemEnvironment`] checks that there is a current Tokio runtime
    /// (not that its timers are enabled, which Tokio cannot be asked).
    fn check_timers(&self) -> Result<(), String> {
        Ok(())
    }

    /// A random duration from zero to `ceiling`, both included (retry jitter).
    fn random_duration(&self, ceiling: Duration) -> Duration;

    /// An environment variable as the platform holds it; `None` when unset. Text that is not
    /// UTF-8 is kept, so that a reader can say so instead of treating it as unset.
    fn var_os(&self, name: &str) -> Option<OsString>;

    /// The user's home directory, under which the credentials files `.volc/credentials` and
    /// `.volc/config` are looked for; `None` when there is none. Default: `HOME` read through
    /// [`Environment::var_os`], `None` when it is unset or empty.
    fn home_dir(&self) -> Option<PathBuf> {
        self.var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(PathBuf::from)
    }

    /// The bytes of the regular file at `path`, at most `max` of them; `Ok(None)` when nothing
    /// is there. Every file the credentials providers read comes through here. Default: the
    /// one bounded reader, [`read_file_bounded`], which refuses a directory, a FIFO, a device
    /// or a socket without blocking on it, and a file of more than `max` bytes
    /// ([`BoundedReadError::TooLarge`]) without reading past the bound. An implementation
    /// keeps those answers, so that a reader treats its files as it treats real ones.
    fn read_file(&self, path: &Path, max: usize) -> Result<Option<Vec<u8>>, BoundedReadError> {
        read_file_bounded(path, max)
    }
}

/// The process's clocks, Tokio's timer, a fast random generator, `std::env`, and the file
/// system through the one bounded reader ([`read_file_bounded`]).
///
/// Its timers need the Tokio runtime the client is called from, and that runtime must have
/// timers enabled: `enable_time()` or `enable_all()` on the runtime builder (`#[tokio::main]`
/// and `#[tokio::test]` enable them). As with reqwest and hyper, a runtime without them makes
/// Tokio panic when the client sets its first deadline: Tokio offers no way to ask whether a
/// runtime has timers, and this crate has no process-wide side effects (no panic hook) with
/// which to catch it. [`Environment::check_timers`] checks that there is a current Tokio
/// runtime, so that a call polled outside one fails with [`crate::ErrorKind::Runtime`],
/// nothing sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemEnvironment;

/// Whether the client is called from within a Tokio runtime (whose timers it uses).
fn tokio_runtime() -> Result<(), String> {
    tokio::runtime::Handle::try_current()
        .map(drop)
        .map_err(|_| {
            "not called from within a Tokio runtime: run the client's futures on one with \
            timers enabled (`#[tokio::main]`, or `block_on` of a runtime built with \
            `enable_all()`)"
                .to_owned()
        })
}

impl Environment for SystemEnvironment {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn monotonic(&self) -> Instant {
        // Tokio's reading of the clock, so that deadlines agree with its timer (also when a
        // test pauses Tokio's time).
        tokio::time::Instant::now().into_std()
    }

    fn sleep(&self, d: Duration) -> LiveFuture<'static, ()> {
        Box::pin(tokio::time::sleep(d))
    }

    fn check_timers(&self) -> Result<(), String> {
        tokio_runtime()
    }

    fn random_duration(&self, ceiling: Duration) -> Duration {
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

/// Draws a jittered duration for a ceiling (see [`ManualEnvironment::with_jitter`]).
pub type JitterFn = Arc<dyn Fn(Duration) -> Duration + Send + Sync>;

struct ManualState {
    wall: SystemTime,
    elapsed: Duration,
    sleeps: Vec<Duration>,
    /// Pending timers: when each falls due, its id, and the waker of its last poll.
    timers: Vec<(Duration, u64, Waker)>,
    next_timer: u64,
    vars: HashMap<String, OsString>,
    files: HashMap<PathBuf, Vec<u8>>,
}

/// A test double whose time moves only when told to, so that retries, deadlines and expiry
/// are tested without waiting.
///
/// - [`Environment::sleep`] records the wait, moves both clocks forward by it, and completes
///   at once.
/// - [`Environment::timer`] completes when the clock reaches it: after enough sleeps, or an
///   [`advance`](ManualEnvironment::advance).
/// - Jitter is the ceiling unless [`with_jitter`](ManualEnvironment::with_jitter) says
///   otherwise; variables are only those [`set_var`](ManualEnvironment::set_var) gave (the
///   home directory is `HOME` among them).
/// - Files are only those [`set_file`](ManualEnvironment::set_file) gave, held in memory:
///   nothing is read from the disk. [`Environment::read_file`] refuses one of more than its
///   bound as the bounded reader refuses a real one ([`BoundedReadError::TooLarge`]).
///
/// Clones share the same clock.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use live_api::env::{Environment, ManualEnvironment};
///
/// let env = ManualEnvironment::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// let start = env.monotonic();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// env.sleep(Duration::from_millis(250)).await;
/// # });
/// assert_eq!(env.monotonic() - start, Duration::from_millis(250));
/// assert_eq!(env.sleeps(), vec![Duration::from_millis(250)]);
/// env.set_var("VOLCENGINE_ACCESS_KEY", "AKLTexample");
/// assert_eq!(env.var_os("VOLCENGINE_ACCESS_KEY").unwrap(), "AKLTexample");
/// assert_eq!(env.var_os("HOME"), None);
///
/// env.set_var("HOME", "/home/user");
/// env.set_file("/home/user/.volc/config", r#"{"ak": "AKLTexample", "sk": "secret"}"#);
/// let home = env.home_dir().unwrap();
/// assert!(env.read_file(&home.join(".volc/config"), 1024).unwrap().is_some());
/// assert_eq!(env.read_file(&home.join(".volc/credentials"), 1024).unwrap(), None);
/// assert!(env.read_file(&home.join(".volc/config"), 8).is_err(), "over the bound");
/// ```
#[derive(Clone)]
pub struct ManualEnvironment {
    origin: Instant,
    state: Arc<Mutex<ManualState>>,
    jitter: JitterFn,
}

impl fmt::Debug for ManualEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.lock();
        f.debug_struct("ManualEnvironment")
            .field("wall", &s.wall)
            .field("elapsed", &s.elapsed)
            .field("sleeps", &s.sleeps.len())
            .field("vars", &s.vars.keys().collect::<Vec<_>>())
            .field("files", &s.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ManualEnvironment {
    /// An environment whose wall clock reads `wall`, with no variables set.
    pub fn new(wall: SystemTime) -> Self {
        Self {
            origin: Instant::now(),
            state: Arc::new(Mutex::new(ManualState {
                wall,
                elapsed: Duration::ZERO,
                sleeps: Vec::new(),
                timers: Vec::new(),
                next_timer: 0,
                vars: HashMap::new(),
                files: HashMap::new(),
            })),
            jitter: Arc::new(|ceiling| ceiling),
        }
    }

    /// Starts at the system's current time.
    pub fn starting_now() -> Self {
        Self::new(SystemTime::now())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the jitter (default: always the ceiling).
    pub fn with_jitter(mut self, jitter: JitterFn) -> Self {
        self.jitter = jitter;
        self
    }

    /// Moves both clocks forward by `d`, firing the timers that fall due.
    pub fn advance(&self, d: Duration) {
        let due: Vec<Waker> = {
            let mut s = self.lock();
            s.wall += d;
            s.elapsed += d;
            let now = s.elapsed;
            let (fire, keep): (Vec<_>, Vec<_>) =
                s.timers.drain(..).partition(|(at, _, _)| *at <= now);
            s.timers = keep;
            fire.into_iter().map(|(_, _, w)| w).collect()
        };
        due.into_iter().for_each(Waker::wake);
    }

    /// Sets the wall clock (the monotonic clock does not move).
    pub fn set_now(&self, wall: SystemTime) {
        self.lock().wall = wall;
    }

    /// Sets an environment variable.
    pub fn set_var(&self, name: impl Into<String>, value: impl Into<OsString>) {
        self.lock().vars.insert(name.into(), value.into());
    }

    /// Removes an environment variable.
    pub fn remove_var(&self, name: &str) {
        self.lock().vars.remove(name);
    }

    /// Puts a file at `path` holding `bytes` (replacing one there), for
    /// [`Environment::read_file`] to read.
    pub fn set_file(&self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) {
        self.lock().files.insert(path.into(), bytes.into());
    }

    /// Removes the file at `path`: nothing is there any more.
    pub fn remove_file(&self, path: impl AsRef<Path>) {
        self.lock().files.remove(path.as_ref());
    }

    /// Every wait made through [`Environment::sleep`], in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Time moved so far.
    pub fn elapsed(&self) -> Duration {
        self.lock().elapsed
    }
}

impl Environment for ManualEnvironment {
    fn now(&self) -> SystemTime {
        self.lock().wall
    }

    fn monotonic(&self) -> Instant {
        self.origin + self.lock().elapsed
    }

    fn sleep(&self, d: Duration) -> LiveFuture<'static, ()> {
        self.lock().sleeps.push(d);
        self.advance(d);
        Box::pin(std::future::ready(()))
    }

    fn timer(&self, d: Duration) -> LiveFuture<'static, ()> {
        let (at, id) = {
            let mut s = self.lock();
            s.next_timer += 1;
            (s.elapsed.saturating_add(d), s.next_timer)
        };
        Box::pin(ManualTimer {
            at,
            id,
            state: Arc::clone(&self.state),
        })
    }

    fn random_duration(&self, ceiling: Duration) -> Duration {
        (self.jitter)(ceiling).min(ceiling)
    }

    fn var_os(&self, name: &str) -> Option<OsString> {
        self.lock().vars.get(name).cloned()
    }

    fn read_file(&self, path: &Path, max: usize) -> Result<Option<Vec<u8>>, BoundedReadError> {
        match self.lock().files.get(path) {
            None => Ok(None),
            Some(bytes) if bytes.len() > max => Err(BoundedReadError::TooLarge {
                path: path.to_owned(),
                max,
            }),
            Some(bytes) => Ok(Some(bytes.clone())),
        }
    }
}

struct ManualTimer {
    at: Duration,
    id: u64,
    state: Arc<Mutex<ManualState>>,
}

impl Drop for ManualTimer {
    fn drop(&mut self) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        s.timers.retain(|(_, id, _)| *id != self.id);
    }
}

impl Future for ManualTimer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.elapsed >= self.at {
            return Poll::Ready(());
        }
        // One entry per timer, holding the waker of its latest poll.
        match s.timers.iter_mut().find(|(_, id, _)| *id == self.id) {
            Some(entry) => entry.2.clone_from(cx.waker()),
            None => s.timers.push((self.at, self.id, cx.waker().clone())),
        }
        Poll::Pending
    }
}

/// Runs `work` until `timer` completes first; `None` when it did.
///
/// The timer is made (`timer()`) only when `work` is not done at its first poll: work that
/// finishes at once (cached credentials, an in-memory answer) costs no timer at all. Made at
/// that first poll, it starts when the work does.
pub(crate) async fn within<T>(
    work: impl Future<Output = T>,
    timer: impl FnOnce() -> LiveFuture<'static, ()>,
) -> Option<T> {
    let mut work = std::pin::pin!(work);
    let mut timer = Some(timer);
    let mut running: Option<LiveFuture<'static, ()>> = None;
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(v) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        let running = match (&mut running, timer.take()) {
            (Some(t), _) => t,
            (slot, Some(make)) => slot.insert(make()),
            (None, None) => return Poll::Pending,
        };
        running.as_mut().poll(cx).map(|()| None)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn timers_fire_when_the_clock_reaches_them() {
        let env = ManualEnvironment::starting_now();
        let slow = std::future::pending::<()>();
        let deadline = env.timer(Duration::from_secs(1));
        let env2 = env.clone();
        let waiting = tokio::spawn(async move { within(slow, move || deadline).await });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        env2.advance(Duration::from_millis(999));
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        env2.sleep(Duration::from_millis(1)).await;
        assert_eq!(waiting.await.unwrap(), None);
        assert_eq!(
            within(async { 7 }, || env.timer(Duration::ZERO)).await,
            Some(7)
        );
    }

    #[tokio::test]
    async fn a_timer_holds_one_entry_however_often_it_is_polled_and_none_once_dropped() {
        let env = ManualEnvironment::starting_now();
        let mut timer = env.timer(Duration::from_secs(30));
        for _ in 0..100 {
            let polled = std::future::poll_fn(|cx| Poll::Ready(timer.as_mut().poll(cx))).await;
            assert!(polled.is_pending());
        }
        assert_eq!(env.lock().timers.len(), 1);
        drop(timer);
        assert!(env.lock().timers.is_empty());
    }

    #[test]
    fn manual_files_are_read_from_memory_within_the_bound_as_real_ones_are() {
        let env = ManualEnvironment::starting_now();
        let path = Path::new("/home/user/.volc/credentials");
        assert_eq!(env.read_file(path, 10).unwrap(), None);
        env.set_file(path, "0123456789");
        assert_eq!(
            env.read_file(path, 10).unwrap(),
            Some(b"0123456789".to_vec())
        );
        let manual = env.read_file(path, 9).unwrap_err();
        assert!(
            matches!(manual, BoundedReadError::TooLarge { max: 9, .. }),
            "{manual}"
        );
        // The same answer, in the same words, as the bounded reader gives for a real file.
        let dir = std::env::temp_dir().join(format!("env-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let real = dir.join("credentials");
        std::fs::write(&real, "0123456789").unwrap();
        let on_disk = SystemEnvironment.read_file(&real, 9).unwrap_err();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            manual.to_string().replace(&path.display().to_string(), "P"),
            on_disk
                .to_string()
                .replace(&real.display().to_string(), "P")
        );
        env.remove_file(path);
        assert_eq!(env.read_file(path, 10).unwrap(), None);
    }

    #[test]
    fn the_home_directory_is_home_unless_unset_or_empty() {
        let env = ManualEnvironment::starting_now();
        assert_eq!(env.home_dir(), None);
        env.set_var("HOME", "");
        assert_eq!(env.home_dir(), None);
        env.set_var("HOME", "/home/user");
        assert_eq!(env.home_dir(), Some(PathBuf::from("/home/user")));
    }

    #[test]
    fn jitter_is_bounded_by_the_ceiling() {
        let env = ManualEnvironment::starting_now().with_jitter(Arc::new(|c| c * 3));
        assert_eq!(
            env.random_duration(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        let sys = SystemEnvironment;
        for _ in 0..100 {
            assert!(sys.random_duration(Duration::from_millis(5)) <= Duration::from_millis(5));
        }
        assert_eq!(sys.random_duration(Duration::ZERO), Duration::ZERO);
    }
}
