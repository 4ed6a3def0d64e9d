//! `cargo xtask bench sign`: median nanoseconds per operation, measured in one run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[path = "../../crates/volc-sign/benches/support/fixture.rs"]
mod fixture;

/// Counts allocations so the bench can report allocations per signature.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

/// Allocations (and reallocations) made by this process so far.
pub fn allocations() -> u64 {
    ALLOCS.load(Ordering::Relaxed)
}

// SAFETY: delegates every call to the system allocator unchanged; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Median ns per call of each operation. Operations are measured in interleaved rounds so
/// they share the machine's conditions; each sample times a batch sized to about 2 ms.
fn medians(ops: &mut [(&str, &mut dyn FnMut())], rounds: usize) -> Vec<f64> {
    let batch: Vec<u64> = ops
        .iter_mut()
        .map(|(_, op)| {
            let start = Instant::now();
            let mut n = 0u64;
            while start.elapsed() < Duration::from_millis(20) {
                op();
                n += 1;
            }
            (n / 10).max(1)
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(rounds); ops.len()];
    for _ in 0..rounds {
        for (i, (_, op)) in ops.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..batch[i] {
                op();
            }
            samples[i].push(start.elapsed().as_nanos() as f64 / batch[i] as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

pub fn sign() -> ExitCode {
    let f = fixture::Fixture::prepare();
    // For profilers: `VOLC_BENCH_PROFILE_LOOPS=N` only signs N times with the cached key.
    if let Some(n) = std::env::var("VOLC_BENCH_PROFILE_LOOPS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        for _ in 0..n {
            black_box(f.sign_cached());
        }
        return ExitCode::SUCCESS;
    }
    let before = ALLOCS.load(Ordering::Relaxed);
    const N: u64 = 1000;
    for _ in 0..N {
        black_box(f.sign_cached());
    }
    let allocs = (ALLOCS.load(Ordering::Relaxed) - before) as f64 / N as f64;

    let mut cold = || {
        black_box(f.sign_cold());
    };
    let mut cached = || {
        black_box(f.sign_cached());
    };
    let mut verify = || f.verify();
    let mut floor = || {
        black_box(f.floor());
    };
    let m = medians(
        &mut [
            ("sign_cold", &mut cold),
            ("sign_cached", &mut cached),
            ("verify", &mut verify),
            ("floor", &mut floor),
        ],
        101,
    );
    println!(
        "{{\"bench\":\"sign\",\"sign_cold_ns\":{:.0},\"sign_cached_ns\":{:.0},\"verify_ns\":{:.0},\"floor_ns\":{:.0},\"sign_cached_allocs\":{allocs}}}",
        m[0], m[1], m[2], m[3]
    );
    ExitCode::SUCCESS
}
