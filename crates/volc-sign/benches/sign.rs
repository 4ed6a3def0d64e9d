//! `cargo bench -p volc-sign`: signing the GetPullRecordTask request with a cold and a cached
//! key, verifying it, and the crypto floor.

use criterion::{criterion_main, Criterion};

#[allow(dead_code)]
#[path = "support/fixture.rs"]
mod fixture;

fn bench(c: &mut Criterion) {
    let f = fixture::Fixture::prepare();
    let mut g = c.benchmark_group("get_pull_record_task");
    g.bench_function("sign_cold", |b| b.iter(|| f.sign_cold()));
    g.bench_function("sign_cached", |b| b.iter(|| f.sign_cached()));
    g.bench_function("verify", |b| b.iter(|| f.verify()));
    g.bench_function("floor", |b| b.iter(|| f.floor()));
    g.finish();
}

mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::bench);
}

criterion_main!(group::benches);
