//! Throughput of oadr's receive path over a directory of messages, as JSON lines (used by
//! `bench/decode.sh`, which runs OpenLEADR and lxml over the same files in the same run).
//!
//!     cargo run --release -p oadr-wire --example bench_decode -- DIR [--rounds N] [--skip a.xml,b.xml]
//!         [--only scan|validate|decode]
//!
//! Three measurements over the same bytes: `scan` (a raw quick-xml namespace-resolving event
//! scan, the floor), `validate` (`wire::validate`) and `decode` (`wire::decode`: validate,
//! then the typed decoder). One untimed warm-up round, then N timed rounds.

use std::time::Instant;

use quick_xml::events::Event;
use quick_xml::NsReader;

fn scan(data: &[u8]) -> usize {
    let mut r = NsReader::from_reader(data);
    let mut n = 0;
    loop {
        match r.read_resolved_event() {
            Ok((_, Event::Eof)) | Err(_) => break,
            Ok((_, Event::Start(e) | Event::Empty(e))) => {
                n += e.attributes().count();
            }
            Ok(_) => n += 1,
        }
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!(
            "usage: bench_decode DIR [--rounds N] [--skip a.xml,b.xml] [--only scan|validate|decode]"
        );
        std::process::exit(2);
    };
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let rounds: u32 = opt("--rounds").and_then(|r| r.parse().ok()).unwrap_or(200);
    let skip: Vec<&str> = opt("--skip")
        .map(|s| s.split(',').collect())
        .unwrap_or_default();
    let mut corpus: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|p| {
            (
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                p,
            )
        })
        .filter(|(n, _)| !skip.contains(&n.as_str()))
        .map(|(n, p)| (n, std::fs::read(p).expect("read file")))
        .collect();
    corpus.sort();
    let bytes: usize = corpus.iter().map(|(_, d)| d.len()).sum();
    let limits = oadr_wire::wire::Limits::default();
    let mut sink = 0usize;
    // `--only TOOL`: one measurement (for profiling a single path under callgrind).
    let only = opt("--only").map(String::as_str);
    let mut measure = |tool: &str, f: &mut dyn FnMut(&[u8]) -> usize| {
        if only.is_some_and(|o| !tool.ends_with(o)) {
            return;
        }
        for (_, d) in &corpus {
            sink = sink.wrapping_add(f(d));
        }
        let start = Instant::now();
        for _ in 0..rounds {
            for (_, d) in &corpus {
                sink = sink.wrapping_add(f(d));
            }
        }
        let s = start.elapsed().as_secs_f64();
        let msgs = corpus.len() as f64 * f64::from(rounds);
        println!(
            "{{\"tool\": \"{tool}\", \"files\": {}, \"rounds\": {rounds}, \"msgs_per_s\": {:.1}, \"mb_per_s\": {:.2}}}",
            corpus.len(),
            msgs / s,
            bytes as f64 * f64::from(rounds) / s / 1e6
        );
    };
    measure("oadr-scan", &mut |d| scan(d));
    measure("oadr-validate", &mut |d| {
        usize::from(oadr_wire::wire::validate(d, &limits).is_ok())
    });
    measure("oadr-decode", &mut |d| {
        usize::from(oadr_wire::wire::decode(d).is_ok())
    });
    eprintln!("({sink})");
}
