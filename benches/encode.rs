//! Criterion: encode throughput (model → wire → XML bytes, `oadr::model::encode`) over the
//! payloads of the valid fixtures, and the same followed by schema validation of the bytes (what
//! `oadr encode` and the runtimes' send path do). `bench/encode.sh` compares `encode` with
//! OpenLEADR's `create_message` over the same payloads in one run. Target (issue 3): ≥100×.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oadr::model::Message;
use std::hint::black_box;

/// The model value of every valid fixture that the model reads and writes back.
fn corpus() -> Vec<Message> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/valid");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| oadr::model::decode(&std::fs::read(p).expect("read")).ok())
        .filter(|m| oadr::model::encode(m).is_ok())
        .collect()
}

fn bench(c: &mut Criterion) {
    let corpus = corpus();
    let bytes: usize = corpus
        .iter()
        .filter_map(|m| oadr::model::encode(m).ok())
        .map(|x| x.len())
        .sum();
    let limits = oadr::wire::Limits::default();
    for (unit, throughput) in [
        ("msgs", Throughput::Elements(corpus.len() as u64)),
        ("bytes", Throughput::Bytes(bytes as u64)),
    ] {
        let mut g = c.benchmark_group(format!("encode/{unit}"));
        g.throughput(throughput);
        g.sample_size(20);
        g.bench_function("to_wire", |b| {
            b.iter(|| {
                corpus
                    .iter()
                    .filter(|m| black_box(m.to_wire()).is_ok())
                    .count()
            })
        });
        g.bench_function("encode", |b| {
            b.iter(|| {
                corpus
                    .iter()
                    .filter_map(|m| oadr::model::encode(black_box(m)).ok())
                    .map(|x| x.len())
                    .sum::<usize>()
            })
        });
        g.bench_function("encode_validate", |b| {
            b.iter(|| {
                corpus
                    .iter()
                    .filter_map(|m| oadr::model::encode(black_box(m)).ok())
                    .filter(|x| oadr::wire::validate(x, &limits).is_ok())
                    .count()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
