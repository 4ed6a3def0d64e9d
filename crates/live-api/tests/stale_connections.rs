//! A server that closes each connection right after answering, without `Connection: close`:
//! the client's pooled connection is dead by the time the next call reuses it. A request that
//! never reached the server must be sent again on a fresh connection, for every operation,
//! the create included, whether retries are on or off.
//!
//! The server runs on its own thread and says when it has closed a connection; the test
//! waits for that by blocking its thread, so that the close is in the socket before the next
//! call starts while the client's runtime has had no chance to read it: the pool still holds
//! the dead connection, as it does when a close arrives between two calls.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use live_api::retry::StandardRetry;
use live_api::{Credentials, LiveClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const GET: &str = r#"{"ResponseMetadata":{"RequestId":"r-get","Action":"GetPullRecordTask"},"Result":{"TaskId":"t","StartTime":"","EndTime":"","Vhost":"v","Domain":"d","App":"a","Stream":"s","Status":"生效中"}}"#;
const CREATE: &str = r#"{"ResponseMetadata":{"RequestId":"r-create"},"Result":{"TaskId":"new"}}"#;

/// Counts what the server saw.
#[derive(Default)]
struct Seen {
    connections: AtomicU64,
    requests: AtomicU64,
    creates: AtomicU64,
}

/// Reads one request (head and `Content-Length` body); `None` when the peer closed first.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(head);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Answers one request per connection, then closes it (no `Connection: close` header) and
/// says so on `closed`.
async fn serve(listener: TcpListener, seen: Arc<Seen>, closed: mpsc::Sender<()>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let seen = seen.clone();
        let closed = closed.clone();
        seen.connections.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let Some(head) = read_request(&mut stream).await else {
                return;
            };
            seen.requests.fetch_add(1, Ordering::SeqCst);
            let body = if head.contains("Action=CreatePullRecordTask") {
                seen.creates.fetch_add(1, Ordering::SeqCst);
                CREATE
            } else {
                GET
            };
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.flush().await;
            let _ = stream.shutdown().await;
            drop(stream);
            let _ = closed.send(());
        });
    }
}

async fn run(retries: bool) -> (u32, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let (closed_tx, closed) = mpsc::channel();
    let (addr_tx, addr_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_seen = seen.clone();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            tokio::select! {
                () = serve(listener, server_seen, closed_tx) => {}
                _ = stop_rx => {}
            }
        });
    });
    let addr = addr_rx.recv().unwrap();
    // Blocks this thread until the server has closed the connection it answered on, and
    // then a little longer: the connection has sat idle with the close in it, as a pooled
    // connection does when its server's keep-alive timeout ends it (the transport checks a
    // connection for a close only after it has sat idle for a millisecond).
    let wait_closed = || {
        closed
            .recv_timeout(Duration::from_secs(10))
            .expect("the server closes each connection");
        std::thread::sleep(Duration::from_millis(5));
    };
    let policy = if retries {
        StandardRetry::default().initial_backoff(Duration::from_millis(1))
    } else {
        StandardRetry::none()
    };
    let client = LiveClient::builder()
        .endpoint(format!("http://{addr}"))
        .credentials(Credentials::new("AKLTtest", "secret").unwrap())
        .retry(policy)
        .attempt_timeout(Duration::from_secs(5))
        .pacing(live_api::pacing::Pacing::Off)
        .build()
        .unwrap();
    let mut failures = 0;
    for i in 0..60 {
        let got = client.get_pull_record_task().task_id("t").send().await;
        if got.is_ok() {
            wait_closed();
        }
        let created = client
            .create_pull_record_task()
            .domain("d.example.com")
            .app("live")
            .stream(format!("s{i}"))
            .stream_url("http://d.example.com/live/s.flv")
            .send()
            .await;
        if created.is_ok() {
            wait_closed();
        }
        for e in [got.err(), created.err()].into_iter().flatten() {
            eprintln!("iteration {i}: {e}");
            failures += 1;
        }
    }
    let _ = stop_tx.send(());
    server.join().unwrap();
    (failures, seen)
}

fn check(failures: u32, seen: &Seen) {
    assert_eq!(failures, 0, "spurious failures on stale pooled connections");
    // Every create that was answered was sent once: nothing was sent twice.
    assert_eq!(seen.creates.load(Ordering::SeqCst), 60);
    assert_eq!(seen.requests.load(Ordering::SeqCst), 120);
}

#[tokio::test(flavor = "current_thread")]
async fn current_thread_retries_off() {
    let (failures, seen) = run(false).await;
    check(failures, &seen);
}

#[tokio::test(flavor = "current_thread")]
async fn current_thread_retries_on() {
    let (failures, seen) = run(true).await;
    check(failures, &seen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_retries_off() {
    let (failures, seen) = run(false).await;
    check(failures, &seen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_retries_on() {
    let (failures, seen) = run(true).await;
    check(failures, &seen);
}
