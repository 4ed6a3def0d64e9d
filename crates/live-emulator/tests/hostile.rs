//! Hostile input: slow heads, idle connections, the connection cap, and accept failures
//! (out of file descriptors) that must not make the accept loop spin. Timeouts are configured
//! short; every wait is bounded.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use live_emulator::{Emulator, EmulatorConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEALTH: &[u8] = b"GET /__emulator/health HTTP/1.1\r\nhost: emulator\r\n\r\n";
/// A safety net against a hang, not a timed assertion.
const NET: Duration = Duration::from_secs(10);

/// Reads one answer to a health check (head and `Content-Length` body); `None` when the
/// connection closed first.
async fn read_answer(tcp: &mut TcpStream) -> Option<u16> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..at]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if bytes.len() >= at + 4 + length {
                return head.split(' ').nth(1)?.parse().ok();
            }
        }
        let n = tokio::time::timeout(NET, tcp.read(&mut chunk))
            .await
            .expect("neither an answer nor a close")
            .unwrap_or(0);
        if n == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

/// Waits until the server closes `tcp` (EOF or reset); returns when, after `since`.
async fn closed_after(tcp: &mut TcpStream, since: Instant) -> Duration {
    let mut chunk = [0u8; 64];
    loop {
        match tokio::time::timeout(NET, tcp.read(&mut chunk))
            .await
            .expect("the connection was never closed")
        {
            Ok(0) | Err(_) => return since.elapsed(),
            Ok(_) => {}
        }
    }
}

async fn start(config: EmulatorConfig) -> (Emulator, SocketAddr) {
    let e = Emulator::start(config.rate_limit(false)).await.unwrap();
    let addr = e.addr();
    (e, addr)
}

#[tokio::test]
async fn a_client_that_trickles_its_head_is_disconnected_after_the_header_read_timeout() {
    let timeout = Duration::from_millis(200);
    let (e, addr) = start(
        EmulatorConfig::new()
            .header_read_timeout(timeout)
            .idle_timeout(Duration::from_secs(5)),
    )
    .await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut read, mut write) = tcp.into_split();
    let first_byte = Instant::now();
    // One byte every 100 ms: the head would take 5 s.
    let writer = tokio::spawn(async move {
        for b in HEALTH {
            if write.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut chunk = [0u8; 64];
    let read = tokio::time::timeout(NET, read.read(&mut chunk))
        .await
        .expect("never disconnected");
    let elapsed = first_byte.elapsed();
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "no answer, a close: {read:?}"
    );
    assert!(elapsed >= timeout, "not before the timeout: {elapsed:?}");
    assert!(
        elapsed < Duration::from_secs(2),
        "at the timeout: {elapsed:?}"
    );
    writer.abort();

    // A silent new connection is held to the same timeout for its first head.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let elapsed = closed_after(&mut silent, Instant::now()).await;
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    e.shutdown().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout_and_a_busy_one_is_not() {
    let idle = Duration::from_millis(300);
    let (e, addr) = start(
        EmulatorConfig::new()
            .header_read_timeout(Duration::from_secs(5))
            .idle_timeout(idle),
    )
    .await;

    let mut quiet = TcpStream::connect(addr).await.unwrap();
    quiet.write_all(HEALTH).await.unwrap();
    assert_eq!(read_answer(&mut quiet).await, Some(200));
    let answered = Instant::now();

    // Meanwhile, a busy connection asks every 100 ms, for four idle timeouts.
    let mut busy = TcpStream::connect(addr).await.unwrap();
    let busy_task = tokio::spawn(async move {
        for _ in 0..12 {
            busy.write_all(HEALTH).await.unwrap();
            assert_eq!(read_answer(&mut busy).await, Some(200), "busy is served");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    let elapsed = closed_after(&mut quiet, answered).await;
    assert!(elapsed >= idle - Duration::from_millis(20), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    busy_task.await.unwrap();
    assert_eq!(
        e.connections_accepted(),
        2,
        "the busy one kept its connection"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn beyond_the_cap_a_connection_is_closed_at_once_and_served_again_once_one_closes() {
    let cap = 3;
    let (e, addr) = start(EmulatorConfig::new().max_connections(cap)).await;
    assert_eq!(e.max_connections(), cap);
    let mut held = Vec::new();
    for _ in 0..cap {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(HEALTH).await.unwrap();
        assert_eq!(read_answer(&mut tcp).await, Some(200));
        held.push(tcp);
    }
    assert_eq!(e.open_connections(), cap);

    // Connection N+1: accepted, then closed before anything is read or answered.
    let mut refused = TcpStream::connect(addr).await.unwrap();
    let _ = refused.write_all(HEALTH).await;
    assert_eq!(read_answer(&mut refused).await, None);
    assert_eq!(e.connections_refused(), 1);

    // One closes; once the emulator has seen it, a new connection is served.
    drop(held.pop());
    let deadline = Instant::now() + NET;
    while e.open_connections() >= cap {
        assert!(
            Instant::now() < deadline,
            "the closed connection is never let go"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut fresh = TcpStream::connect(addr).await.unwrap();
    fresh.write_all(HEALTH).await.unwrap();
    assert_eq!(read_answer(&mut fresh).await, Some(200));
    assert_eq!(e.connections_refused(), 1);
    e.shutdown().await;
}

#[tokio::test]
async fn zero_timeouts_and_a_zero_cap_are_refused_at_start() {
    for config in [
        EmulatorConfig::new().header_read_timeout(Duration::ZERO),
        EmulatorConfig::new().idle_timeout(Duration::ZERO),
        EmulatorConfig::new().max_connections(0),
    ] {
        let err = Emulator::start(config).await.unwrap_err();
        assert!(
            matches!(err, live_emulator::EmulatorError::Config(_)),
            "{err}"
        );
    }
}

/// CPU time (user + system) of process `pid`, from `/proc/<pid>/stat`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 of the rest.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let per_sec: u64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100);
    Duration::from_millis(ticks * 1000 / per_sec)
}

#[test]
#[cfg(target_os = "linux")]
fn out_of_file_descriptors_the_accept_loop_backs_off_and_warns_once() {
    // The binary under `ulimit -n 64`, with a cap above it so accept itself fails (EMFILE).
    let mut child = Command::new("sh")
        .args([
            "-c",
            r#"ulimit -n 64 && exec "$0" --listen 127.0.0.1:0 --max-connections 100000"#,
            env!("CARGO_BIN_EXE_live-emulator"),
        ])
        .env("RUST_LOG", "live_emulator=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr: SocketAddr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .parse()
        .unwrap();

    // More connections than it has descriptors for; they wait in the listen backlog.
    let clients: Vec<std::net::TcpStream> = (0..100)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let before = cpu_time(pid);
    std::thread::sleep(Duration::from_secs(1));
    let spent = cpu_time(pid) - before;
    assert!(
        spent < Duration::from_millis(200),
        "the accept loop spins: {spent:?} of CPU in 1 s"
    );

    // Once the clients go, descriptors are free again and it serves.
    drop(clients);
    let deadline = Instant::now() + NET;
    let served = loop {
        assert!(Instant::now() < deadline, "it never serves again");
        let Ok(mut tcp) = std::net::TcpStream::connect(addr) else {
            continue;
        };
        tcp.set_read_timeout(Some(NET)).unwrap();
        use std::io::Write;
        let _ = tcp.write_all(HEALTH);
        let mut answer = [0u8; 12];
        if tcp.read_exact(&mut answer).is_ok() {
            break answer;
        }
    };
    assert_eq!(&served, b"HTTP/1.1 200");

    assert!(Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert_eq!(
        log.matches("accept failed").count(),
        1,
        "one warning per episode: {log}"
    );
    assert!(
        log.contains("Too many open files"),
        "it names the error: {log}"
    );
    assert!(log.contains("accepting connections again"), "{log}");
}

#[test]
fn the_command_refuses_zero_limits() {
    for args in [
        ["--header-read-timeout", "0"],
        ["--idle-timeout", "-1"],
        ["--max-connections", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_live-emulator"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

#[tokio::test]
async fn a_body_that_stalls_is_dropped_and_frees_its_slot() {
    let (e, addr) = start(
        EmulatorConfig::new()
            .max_connections(2)
            .header_read_timeout(Duration::from_millis(200)),
    )
    .await;
    let head = b"POST /?Action=GetPullRecordTask&Version=2023-01-01 HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{";
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(head).await.unwrap();
        stalled.push((tcp, Instant::now()));
    }
    for (tcp, since) in &mut stalled {
        let after = closed_after(tcp, *since).await;
        assert!(after >= Duration::from_millis(150), "{after:?}");
    }
    let deadline = Instant::now() + NET;
    while e.open_connections() > 0 {
        assert!(Instant::now() < deadline, "the slots are never freed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut fresh = TcpStream::connect(addr).await.unwrap();
    fresh.write_all(HEALTH).await.unwrap();
    assert_eq!(read_answer(&mut fresh).await, Some(200));
    e.shutdown().await;
}
