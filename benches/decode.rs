//! Criterion: decode+validate throughput over the valid fixtures, beside a raw quick-xml
//! event scan of the same bytes (the floor). Target: `decode` within 3x of `scan`.
//! `bench/decode.sh` compares the same path with OpenLEADR and lxml in one run.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quick_xml::events::Event;
use quick_xml::NsReader;

fn corpus() -> Vec<Vec<u8>> {
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
        .map(|p| std::fs::read(p).expect("read"))
        .collect()
}

fn scan(data: &[u8]) -> usize {
    let mut r = NsReader::from_reader(data);
    let mut n = 0;
    loop {
        match r.read_resolved_event() {
            Ok((_, Event::Eof)) | Err(_) => break,
            Ok((_, Event::Start(e) | Event::Empty(e))) => n += e.attributes().count(),
            Ok(_) => n += 1,
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let corpus = corpus();
    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let limits = oadr::wire::Limits::default();
    for (unit, throughput) in [
        ("msgs", Throughput::Elements(corpus.len() as u64)),
        ("bytes", Throughput::Bytes(bytes as u64)),
    ] {
        let mut g = c.benchmark_group(format!("decode/{unit}"));
        g.throughput(throughput);
        g.sample_size(20);
        g.bench_function("scan", |b| {
            b.iter(|| corpus.iter().map(|d| scan(d)).sum::<usize>())
        });
        g.bench_function("validate", |b| {
            b.iter(|| {
                corpus
                    .iter()
                    .filter(|d| oadr::wire::validate(d, &limits).is_ok())
                    .count()
            })
        });
        g.bench_function("decode", |b| {
            b.iter(|| {
                corpus
                    .iter()
                    .filter(|d| oadr::wire::decode(d).is_ok())
                    .count()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
