//! Conformance runs over a signing-vector file.

use std::process::ExitCode;

use volc_sign::vectors::{check_sign, check_verify, parse_lines};

/// Runs `mode` (`sign` or `verify`) over every vector in `file`; prints each failure with the
/// vector's name and the first thing that differs, then `N passed, M failed`.
pub fn run(mode: &str, file: &str) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut passed, mut failed) = (0usize, 0usize);
    for (i, entry) in parse_lines(&text).into_iter().enumerate() {
        let vector = match entry {
            Ok(v) => v,
            Err(e) => {
                println!("FAIL vector #{}: unreadable: {e}", i + 1);
                failed += 1;
                continue;
            }
        };
        let result = if mode == "sign" {
            check_sign(&vector)
        } else {
            check_verify(&vector)
        };
        match result {
            Ok(()) => passed += 1,
            Err(m) => {
                println!("FAIL {}: {m}", vector.name);
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
