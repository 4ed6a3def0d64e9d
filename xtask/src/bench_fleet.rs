//! `cargo xtask bench fleet [--calls N] [--concurrency C] [--scenario NAME]`: many
//! GetPullRecordTask calls against the emulator with its documented rate limits on (10/s per
//! account for this action), from one process or from three sharing one account, with and
//! without pacing. One JSON line per scenario:
//!
//! `{"bench":"fleet","scenario":…,"processes":…,"calls":…,"throttled":…,"calls_per_sec":…,"wall_s":…}`
//!
//! - `unpaced`: one process, pacing off (throttled calls are retried after `Retry-After`);
//! - `paced`: one process, the default local pacing;
//! - `local-x3`: three processes, each pacing locally (they do not know of each other);
//! - `redis-x3`: three processes drawing from one budget in a `redis-server` that this bench
//!   starts on a free loopback port (skipped, with a note, when `redis-server` is missing).
//!
//! `calls` is the total over all processes (each process makes its share), `throttled` the
//! emulator's count of 429 answers during the scenario (from `GET /__emulator/stats`),
//! `calls_per_sec` the successful calls over the wall time of the slowest process.
//!
//! Each client process is this program again: `bench fleet --child --endpoint URL --pacing
//! off|local|redis://HOST:PORT --calls N --concurrency C`, printing one JSON line.

use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use live_api::pacing::{Pacing, RateLimits};
use live_api::{Credentials, LiveClient};
use live_emulator::{
    Emulator, EmulatorConfig, DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY, EXAMPLE_TASK_ID,
};

use crate::load::{drive, runtime};
use volc_live_tests::RedisServer;

const DEFAULT_CALLS: usize = 300;
const DEFAULT_CONCURRENCY: usize = 32;
const SCENARIOS: [&str; 4] = ["unpaced", "paced", "local-x3", "redis-x3"];

struct Args {
    child: bool,
    endpoint: Option<String>,
    pacing: String,
    calls: usize,
    concurrency: usize,
    scenario: Option<String>,
}

fn parse(args: &[&str]) -> Result<Args, String> {
    let mut a = Args {
        child: false,
        endpoint: None,
        pacing: "local".into(),
        calls: DEFAULT_CALLS,
        concurrency: DEFAULT_CONCURRENCY,
        scenario: None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .map(|v| (*v).to_owned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match *flag {
            "--child" => a.child = true,
            "--endpoint" => a.endpoint = Some(value()?),
            "--pacing" => a.pacing = value()?,
            "--calls" => a.calls = value()?.parse().map_err(|_| "--calls takes a number")?,
            "--concurrency" => {
                a.concurrency = value()?
                    .parse()
                    .map_err(|_| "--concurrency takes a number")?
            }
            "--scenario" => {
                let s = value()?;
                if !SCENARIOS.contains(&s.as_str()) {
                    return Err(format!("--scenario takes one of {}", SCENARIOS.join(", ")));
                }
                a.scenario = Some(s);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if a.calls == 0 || a.concurrency == 0 {
        return Err("--calls and --concurrency must be at least 1".into());
    }
    Ok(a)
}

pub fn run(args: &[&str]) -> ExitCode {
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench fleet: {e}");
            return ExitCode::from(2);
        }
    };
    let result = if args.child {
        child(&args).map(|line| println!("{line}"))
    } else {
        scenarios(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench fleet: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One client process: its share of the calls, at its concurrency.
fn child(args: &Args) -> Result<String, String> {
    let endpoint = args.endpoint.as_deref().ok_or("--child needs --endpoint")?;
    let rt = runtime()?;
    let client = rt.block_on(async {
        LiveClient::builder()
            .endpoint(endpoint)
            .allow_insecure_http(true)
            .credentials(
                Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_SECRET_KEY).map_err(|e| e.to_string())?,
            )
            .pacing(
                Pacing::parse(&args.pacing, RateLimits::documented()).map_err(|e| e.to_string())?,
            )
            .build()
            .map_err(|e| e.to_string())
    })?;
    let call = move || {
        let c = client.clone();
        async move {
            c.get_pull_record_task()
                .task_id(EXAMPLE_TASK_ID)
                .send()
                .await
                .is_ok()
        }
    };
    let started = Instant::now();
    let r = rt.block_on(drive(args.concurrency, args.calls, call));
    let wall = started.elapsed().as_secs_f64();
    Ok(serde_json::json!({
        "calls": args.calls,
        "errors": r.errors,
        "wall_s": wall,
    })
    .to_string())
}

/// The emulator's count of throttled answers so far.
fn throttled(emulator: &Emulator) -> u64 {
    emulator.stats().throttled
}

fn scenarios(args: &Args) -> Result<(), String> {
    let server_rt = runtime()?;
    let emulator = server_rt
        .block_on(Emulator::start(EmulatorConfig::new().rate_limit(true)))
        .map_err(|e| e.to_string())?;
    let endpoint = emulator.base_url();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut redis: Option<RedisServer> = None;
    for scenario in SCENARIOS {
        if args.scenario.as_deref().is_some_and(|s| s != scenario) {
            continue;
        }
        let (processes, spec) = match scenario {
            "unpaced" => (1, "off".to_owned()),
            "paced" => (1, "local".to_owned()),
            "local-x3" => (3, "local".to_owned()),
            _ => {
                if redis.is_none() {
                    match RedisServer::start() {
                        Some(r) => redis = Some(r),
                        None => {
                            eprintln!("bench fleet: redis-x3 skipped: no redis-server");
                            continue;
                        }
                    }
                }
                (3, redis.as_ref().map(RedisServer::url).unwrap_or_default())
            }
        };
        // Let the previous scenario's second run out, so it does not count here.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let before = throttled(&emulator);
        let share = args.calls.div_ceil(processes);
        let children: Vec<_> = (0..processes)
            .map(|_| {
                Command::new(&exe)
                    .args([
                        "bench",
                        "fleet",
                        "--child",
                        "--endpoint",
                        &endpoint,
                        "--pacing",
                        &spec,
                        "--calls",
                        &share.to_string(),
                        "--concurrency",
                        &args.concurrency.to_string(),
                    ])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        let (mut calls, mut errors, mut wall) = (0u64, 0u64, 0f64);
        for c in children {
            let out = c.wait_with_output().map_err(|e| e.to_string())?;
            if !out.status.success() {
                return Err(String::from_utf8_lossy(&out.stderr).into_owned());
            }
            let line = String::from_utf8_lossy(&out.stdout);
            let v: serde_json::Value =
                serde_json::from_str(line.trim()).map_err(|e| format!("{e}: {line}"))?;
            calls += v["calls"].as_u64().unwrap_or(0);
            errors += v["errors"].as_u64().unwrap_or(0);
            wall = wall.max(v["wall_s"].as_f64().unwrap_or(0.0));
        }
        let throttled = throttled(&emulator).saturating_sub(before);
        let ok = calls.saturating_sub(errors);
        println!(
            "{{\"bench\":\"fleet\",\"scenario\":\"{scenario}\",\"processes\":{processes},\"calls\":{calls},\"throttled\":{throttled},\"calls_per_sec\":{:.2},\"wall_s\":{wall:.2},\"errors\":{errors}}}",
            ok as f64 / wall.max(f64::EPSILON)
        );
    }
    Ok(())
}
