//! Cross-crate tests of the volc-live workspace live in `tests/`. This library holds what they
//! share: [`RedisServer`], a real `redis-server` on a free loopback port.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A real `redis-server` (the distribution's package), started on `127.0.0.1` with a
/// configuration written for it (no persistence, loopback only), killed when dropped.
///
/// `redis-server` is found on `PATH`, or at `$REDIS_SERVER`. When it is missing,
/// [`RedisServer::start`] returns `None` after printing a note, so that a developer without it
/// can still run the other tests; with `CI=true` it panics instead: in CI the Redis tests must
/// run (`.ci/run` installs it).
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

fn binary() -> String {
    std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned())
}

fn installed() -> bool {
    Command::new(binary())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl RedisServer {
    /// Starts one; `None` when `redis-server` is not installed and `CI` is not `true`.
    ///
    /// # Panics
    ///
    /// When it cannot be started, or is missing in CI.
    pub fn start() -> Option<RedisServer> {
        if !installed() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("redis-server is not installed, and CI=true: the Redis tests must run (apt-get install redis-server)");
            }
            eprintln!("note: redis-server is not installed; skipping this Redis test (install the redis-server package to run it)");
            return None;
        }
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "volc-live-redis-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        // A free port: bound and released, then given to redis-server. Another process may
        // take it in between; then redis-server exits and another port is tried.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
            let config = dir.join("redis.conf");
            std::fs::write(
                &config,
                format!(
                    "bind 127.0.0.1\nport {port}\nprotected-mode yes\nsave \"\"\nappendonly no\ndaemonize no\ndir {}\nlogfile \"\"\n",
                    dir.display()
                ),
            )
            .expect("writing redis.conf");
            let child = Command::new(binary())
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("starting redis-server");
            let mut server = RedisServer {
                child: Some(child),
                port,
                dir: dir.clone(),
            };
            if server.wait_ready() {
                return Some(server);
            }
            server.kill();
        }
        panic!("redis-server did not start on a free port");
    }

    /// Waits until it answers PING (up to 10 s); `false` when it exited or never answered.
    fn wait_ready(&mut self) -> bool {
        for _ in 0..500 {
            if let Some(child) = self.child.as_mut() {
                if child.try_wait().ok().flatten().is_some() {
                    return false;
                }
            }
            if self.command("PING").is_some_and(|r| r == "+PONG") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sends one inline command (`PING`, `SCRIPT FLUSH`, `KEYS volc-live:*`) and returns the
    /// first line of the answer, or `None` when it does not answer.
    pub fn command(&self, line: &str) -> Option<String> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        stream.write_all(format!("{line}\r\n").as_bytes()).ok()?;
        let mut reader = BufReader::new(stream);
        let mut first = String::new();
        reader.read_line(&mut first).ok()?;
        Some(first.trim_end().to_owned())
    }

    /// Sends one inline command and returns every line of an array answer's elements (for
    /// `KEYS pattern`).
    pub fn array(&self, line: &str) -> Vec<String> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
            return Vec::new();
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        if stream.write_all(format!("{line}\r\n").as_bytes()).is_err() {
            return Vec::new();
        }
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        let _ = reader.read_line(&mut head);
        let n: usize = head.trim_end().trim_start_matches('*').parse().unwrap_or(0);
        let mut out = Vec::new();
        for _ in 0..n {
            let (mut len, mut value) = (String::new(), String::new());
            let _ = reader.read_line(&mut len);
            let _ = reader.read_line(&mut value);
            out.push(value.trim_end().to_owned());
        }
        out
    }

    /// Kills it now (as a crash would: no shutdown, nothing saved).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
