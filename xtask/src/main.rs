//! Project tasks: `cargo xtask demo`, `cargo xtask conformance sign|verify FILE` and
//! `cargo xtask bench [sign|transport|emulator|client|overhead|fleet]`.

use std::process::ExitCode;

mod bench;
mod bench_all;
mod bench_client;
mod bench_emulator;
mod bench_fleet;
mod bench_overhead;
mod bench_transport;
mod conformance;
mod demo;
mod load;

const USAGE: &str = "usage:
  cargo xtask demo                      the SDK at work against the embedded emulator, offline
  cargo xtask bench                     every benchmark, and a markdown table (target/bench-results.md)
  cargo xtask conformance sign FILE     sign every vector in FILE and compare each stage
  cargo xtask conformance verify FILE   verify every vector's signed request, and three alterations
  cargo xtask bench sign                median ns per signature (cold key, cached key), verification, crypto floor
  cargo xtask bench transport           the hyper transport vs a bare hyper-util client, concurrency 1 and 64
  cargo xtask bench emulator            GetPullRecordTask with verification vs a bare hyper server, concurrency 64
  cargo xtask bench client [--endpoint URL] [--concurrency C] [--requests N] [--rounds R]
                           [--ak AK --sk SK] [--task-id ID] [--side client|handwritten|replay]
                                        LiveClient vs the same work by hand and vs a pre-signed replay,
                                        alternating rounds in child processes
  cargo xtask bench overhead [--calls N] [--rounds R]
                                        µs per call in LiveClient over an in-memory transport: total, sign, decode, engine
  cargo xtask bench fleet [--calls N] [--concurrency C] [--scenario unpaced|paced|local-x3|redis-x3]
                                        calls under the emulator's rate limits, paced or not, from 1 or 3 processes";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["conformance", mode @ ("sign" | "verify"), file] => conformance::run(mode, file),
        ["demo"] => demo::run(),
        ["bench"] => bench_all::run(),
        ["bench", "sign"] => bench::sign(),
        ["bench", "transport"] => bench_transport::run(),
        ["bench", "emulator"] => bench_emulator::run(),
        ["bench", "client", rest @ ..] => bench_client::run(rest),
        ["bench", "overhead", rest @ ..] => bench_overhead::run(rest),
        ["bench", "fleet", rest @ ..] => bench_fleet::run(rest),
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
