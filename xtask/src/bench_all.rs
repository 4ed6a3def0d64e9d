//! `cargo xtask bench`: every benchmark, one after another (each in its own process), and a
//! markdown table of the figures, printed and written to `target/bench-results.md`.

use std::process::{Command, ExitCode};

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

pub fn run() -> ExitCode {
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("bench: cannot find this program");
        return ExitCode::FAILURE;
    };
    let runs: [&[&str]; 6] = [
        &["bench", "sign"],
        &["bench", "overhead"],
        &["bench", "transport"],
        &["bench", "emulator"],
        &[
            "bench",
            "client",
            "--concurrency",
            "1",
            "--requests",
            "10000",
        ],
        &[
            "bench",
            "client",
            "--concurrency",
            "64",
            "--requests",
            "10000",
        ],
    ];
    let mut rows = Vec::new();
    for args in runs {
        eprintln!("running cargo xtask {}", args.join(" "));
        let out = match Command::new(&exe).args(args).output() {
            Ok(o) if o.status.success() => o,
            Ok(o) => {
                eprintln!("{}", String::from_utf8_lossy(&o.stderr));
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("bench: {e}");
                return ExitCode::FAILURE;
            }
        };
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            println!("{line}");
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let bench = v["bench"].as_str().unwrap_or("?").to_owned();
            let figures: Vec<String> = v
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(k, _)| k.as_str() != "bench")
                        .map(|(k, val)| format!("{k} {val}"))
                        .collect()
                })
                .unwrap_or_default();
            rows.push(format!("| {bench} | {} |", figures.join(", ")));
        }
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let table = format!(
        "Benchmarks on {cores} cores ({}), `cargo xtask bench`:\n\n| bench | figures |\n|---|---|\n{}\n",
        cpu_model(),
        rows.join("\n")
    );
    println!("\n{table}");
    let _ = std::fs::create_dir_all("target");
    if let Err(e) = std::fs::write("target/bench-results.md", &table) {
        eprintln!("bench: cannot write target/bench-results.md: {e}");
    }
    ExitCode::SUCCESS
}
