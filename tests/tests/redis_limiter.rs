//! The Redis limiter against a real `redis-server` (started here on a free loopback port) and
//! the emulator with its rate limits on: two clients in different runtimes share one budget;
//! a Redis that dies mid-run degrades to local pacing (warned once); a flushed script is loaded
//! again. These run in real time (a few seconds each): the emulator counts per second of the
//! system clock, Redis paces on its own clock.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use live_api::pacing::{Pacing, RateLimiter, RedisRateLimiter};
use live_api::{Credentials, LiveClient};
use live_emulator::{Emulator, EmulatorConfig, EXAMPLE_TASK_ID, OK_CODE};
use volc_live_tests::RedisServer;

fn client(endpoint: &str, limiter: &RedisRateLimiter) -> LiveClient {
    LiveClient::builder()
        .endpoint(endpoint)
        .credentials(
            Credentials::new(
                live_emulator::DEMO_ACCESS_KEY_ID,
                live_emulator::DEMO_SECRET_KEY,
            )
            .unwrap(),
        )
        .pacing(Pacing::Limiter(Arc::new(limiter.clone())))
        .build()
        .unwrap()
}

/// `n` Gets of the example task, 4 at a time; how many succeeded.
async fn gets(client: &LiveClient, n: usize) -> usize {
    let mut results = client
        .get_pull_record_tasks(vec![EXAMPLE_TASK_ID; n])
        .concurrency(4)
        .stream();
    let mut ok = 0;
    while let Some(r) = results.next().await {
        match r.result {
            Ok(_) => ok += 1,
            Err(e) => eprintln!("{}: {e}", r.task_id),
        }
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_in_different_runtimes_share_one_budget() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let endpoint = e.base_url();
    // Each on its own thread and runtime, with its own limiter: only Redis is shared. Alone,
    // each would send 9.8 Gets a second, together twice the limit.
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let endpoint = endpoint.clone();
            let url = redis.url();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let limiter = RedisRateLimiter::new(url).unwrap();
                    let c = client(&endpoint, &limiter);
                    let ok = gets(&c, 15).await;
                    (ok, limiter.is_degraded())
                })
            })
        })
        .collect();
    for run in runs {
        let (ok, degraded) = run.join().unwrap();
        assert_eq!(ok, 15);
        assert!(!degraded, "paced through Redis all along");
    }
    let stats = e.stats();
    assert_eq!(stats.throttled, 0, "{stats:?}");
    assert_eq!(stats.count("GetPullRecordTask", OK_CODE), 30, "{stats:?}");
    // One key for the one access key and action: a hash, not the key id; it expires.
    let keys = redis.array("KEYS volc-live:pace:*");
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(!keys[0].contains(live_emulator::DEMO_ACCESS_KEY_ID));
    let ttl: i64 = redis
        .command(&format!("PTTL {}", keys[0]))
        .unwrap()
        .trim_start_matches(':')
        .parse()
        .unwrap();
    assert!(ttl > 0 && ttl <= 62_000, "{ttl}");
    e.shutdown().await;
}

/// Collects what tracing writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_redis_that_dies_mid_run_degrades_to_local_pacing_and_warns_once() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let e = Emulator::start(EmulatorConfig::new()).await.unwrap();
    let limiter = RedisRateLimiter::builder(redis.url())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let c = client(&e.base_url(), &limiter);
    assert_eq!(gets(&c, 5).await, 5);
    assert!(!limiter.is_degraded());
    redis.kill();
    // Every call still goes out, paced in this process, none past its deadline.
    assert_eq!(gets(&c, 25).await, 25);
    assert!(limiter.is_degraded());
    let stats = e.stats();
    assert_eq!(stats.throttled, 0, "{stats:?}");
    assert_eq!(stats.count("GetPullRecordTask", OK_CODE), 30);
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        text.matches("Redis rate limiter unreachable").count(),
        1,
        "{text}"
    );
    assert!(text.contains("redis://127.0.0.1:"), "{text}");
    e.shutdown().await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_flushed_script_is_loaded_again() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let limits = live_api::pacing::RateLimits::documented().with_rate(
        "ListPullRecordTask",
        live_api::pacing::Rate::every(Duration::from_secs(10)).unwrap(),
    );
    let limiter = RedisRateLimiter::builder(redis.url())
        .limits(limits)
        .build()
        .unwrap();
    let key =
        live_api::pacing::RateKey::new("AKLTflush", live_model::Action::ListPullRecordTask.facts());
    assert_eq!(
        limiter.acquire(key, Duration::from_secs(1)).await,
        Ok(Duration::ZERO)
    );
    assert_eq!(redis.command("SCRIPT FLUSH").as_deref(), Some("+OK"));
    // The next call gets NOSCRIPT for its EVALSHA, loads the script and runs it: Redis still
    // holds the slot taken before, so the next one is about 10.2 s away, too late for 1 s.
    let refused = limiter
        .acquire(key, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        refused.next_in > Duration::from_secs(9)
            && refused.next_in <= Duration::from_millis(10_200),
        "{refused:?}"
    );
    assert!(!limiter.is_degraded());
    assert_eq!(redis.array("KEYS volc-live:pace:*").len(), 1);
}
