//! `live-emulator`: the Live API emulator as a command.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::task::Poll;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use live_emulator::{
    DomainGrant, Emulator, EmulatorConfig, EmulatorCredential, SeedTask, TlsConfig,
};
use live_model::GetShape;

/// A local, signature-verifying emulator of Volcengine Live's pull-record-task API.
///
/// With no options it listens on 127.0.0.1:8787, accepts the demo credential (the public
/// example key of Volcengine's signing documentation) and holds the documented example task.
#[derive(Debug, Parser)]
#[command(name = "live-emulator", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// A credential, AK:SK[:ACCOUNT[:SESSION_TOKEN]] (repeatable; replaces the demo one).
    /// The example and seed tasks belong to the first one's account.
    #[arg(long = "credential", value_name = "AK:SK[:ACCOUNT]")]
    credentials: Vec<String>,
    /// Tasks to start with: a JSON array of {TaskId, Vhost, Domain, App, Stream, StartTime, EndTime, Stopped}.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// GetPullRecordTask's result shape: flat (the API page) or nested (TaskDetail, the SDKs).
    #[arg(long, value_enum, default_value_t = Shape::Flat)]
    get_shape: Shape,
    /// Turn the documented per-user rate limits off.
    #[arg(long)]
    no_rate_limit: bool,
    /// Accepted clock skew of X-Date, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    max_skew: u64,
    /// Serve HTTPS with a self-signed certificate generated at start.
    #[arg(long)]
    tls: bool,
    /// Where to write that certificate (PEM).
    #[arg(long, value_name = "FILE", requires = "tls")]
    cert_out: Option<PathBuf>,
    /// A vhost and domain an account owns, ACCOUNT:VHOST:DOMAIN (repeatable). An account with
    /// none accepts any.
    #[arg(long = "domain", value_name = "ACCOUNT:VHOST:DOMAIN")]
    domains: Vec<String>,
    /// How long a client may take to send a request head, from its first byte (for a new
    /// connection, from the start); a slower one is disconnected. Fractions allowed (0.2).
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = seconds)]
    header_read_timeout: Duration,
    /// How long a keep-alive connection may sit idle between requests before it is closed.
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = seconds)]
    idle_timeout: Duration,
    /// The most connections open at once; beyond it, a new connection is accepted and closed
    /// at once, unanswered. [default: 10000, or the open-file limit less 64 when lower]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: Option<u64>,
    /// Where recordings are stored: tos (files have a Bucket and a Path) or vod (a Vid).
    /// DescribeRecordTaskFileHistory finds them with that Type.
    #[arg(long, value_enum, default_value_t = Storage::Tos)]
    record_storage: Storage,
    /// The TOS bucket of recorded files.
    #[arg(long, value_name = "NAME", default_value = live_emulator::DEFAULT_RECORD_BUCKET)]
    record_bucket: String,
    /// Cut each recording into files of at most this many seconds (at least 60).
    /// [default: one file per recording]
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(60..))]
    record_segment: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Storage {
    Tos,
    Vod,
}

/// A positive number of seconds, fractions allowed.
fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    match Duration::try_from_secs_f64(secs) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Shape {
    Flat,
    Nested,
}

fn config(args: &Args) -> Result<EmulatorConfig, String> {
    let mut config = EmulatorConfig::new()
        .listen(args.listen)
        .get_shape(match args.get_shape {
            Shape::Flat => GetShape::Flat,
            Shape::Nested => GetShape::Nested,
        })
        .rate_limit(!args.no_rate_limit)
        .max_skew(Duration::from_secs(args.max_skew))
        .header_read_timeout(args.header_read_timeout)
        .idle_timeout(args.idle_timeout)
        .record_storage(match args.record_storage {
            Storage::Tos => live_model::RecordStorage::Tos,
            Storage::Vod => live_model::RecordStorage::Vod,
        })
        .record_bucket(&args.record_bucket);
    if let Some(secs) = args.record_segment {
        config = config.record_segment(Duration::from_secs(secs));
    }
    if let Some(max) = args.max_connections {
        config = config.max_connections(usize::try_from(max).unwrap_or(usize::MAX));
    }
    if !args.credentials.is_empty() {
        let creds = args
            .credentials
            .iter()
            .map(|c| EmulatorCredential::parse(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        config = config.credentials(creds);
    }
    for d in &args.domains {
        config = config.domain(DomainGrant::parse(d).map_err(|e| e.to_string())?);
    }
    if let Some(path) = &args.seed {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        config = config.seed(SeedTask::parse_list(&text).map_err(|e| e.to_string())?);
    }
    if args.tls {
        config = config.tls(TlsConfig {
            cert_out: args.cert_out.clone(),
        });
    }
    Ok(config)
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("live-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("live-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let emulator = match Emulator::start(config).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("live-emulator: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Polled once before the address is printed: that installs the handler, so an
        // interrupt sent as soon as the address is read is not missed.
        let mut interrupt = std::pin::pin!(tokio::signal::ctrl_c());
        let interrupted =
            std::future::poll_fn(|cx| Poll::Ready(interrupt.as_mut().poll(cx).is_ready())).await;
        println!("listening on {}", emulator.base_url());
        if !interrupted {
            let _ = interrupt.await;
        }
        eprintln!("live-emulator: shutting down");
        emulator.shutdown().await;
        ExitCode::SUCCESS
    })
}
