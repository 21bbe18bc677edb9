//! Throughput of oadr's send path over the payloads of a directory of messages, as JSON lines
//! (used by `bench/encode.sh`, which runs OpenLEADR's `create_message` over the same payloads in
//! the same run).
//!
//!     cargo run --release --example bench_encode -- DIR [--rounds N] [--skip a.xml,b.xml] [--only TOOL]
//!
//! Every `*.xml` in DIR is decoded once into the model ([`oadr::model::decode`], untimed); files
//! the model cannot read, and the `--skip` list (the files OpenLEADR cannot re-encode), are left
//! out. Two measurements over the same messages, one untimed warm-up round then N timed rounds:
//! `encode` (`model::encode`: model → wire → XML bytes, what OpenLEADR's `create_message` does)
//! and `encode-validate` (the same, then `wire::validate` of the bytes, as `oadr encode` does).
//! The byte count is that of the XML oadr produces. `--only oadr-encode` runs that measurement
//! alone (for callgrind: instructions per message are the difference between two runs with
//! different `--rounds`, divided by the extra messages, so that start-up drops out).

use std::time::Instant;

use oadr::model::Message;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: bench_encode DIR [--rounds N] [--skip a.xml,b.xml]");
        std::process::exit(2);
    };
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let rounds: u32 = opt("--rounds").and_then(|r| r.parse().ok()).unwrap_or(200);
    let only = opt("--only");
    let skip: Vec<&str> = opt("--skip")
        .map(|s| s.split(',').collect())
        .unwrap_or_default();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    paths.sort();
    let mut corpus: Vec<Message> = Vec::new();
    let mut unreadable = Vec::new();
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if skip.contains(&name.as_str()) {
            continue;
        }
        let data = std::fs::read(&p).expect("read file");
        match oadr::model::decode(&data) {
            Ok(m) if oadr::model::encode(&m).is_ok() => corpus.push(m),
            _ => unreadable.push(name),
        }
    }
    let bytes: usize = corpus
        .iter()
        .filter_map(|m| oadr::model::encode(m).ok())
        .map(|x| x.len())
        .sum();
    let limits = oadr::wire::Limits::default();
    let mut sink = 0usize;
    let mut measure = |tool: &str, f: &mut dyn FnMut(&Message) -> usize| {
        if only.is_some_and(|o| o != tool) {
            return;
        }
        for m in &corpus {
            sink = sink.wrapping_add(f(m));
        }
        let start = Instant::now();
        for _ in 0..rounds {
            for m in &corpus {
                sink = sink.wrapping_add(f(m));
            }
        }
        let s = start.elapsed().as_secs_f64();
        let msgs = corpus.len() as f64 * f64::from(rounds);
        let unread = unreadable
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "{{\"tool\": \"{tool}\", \"files\": {}, \"rounds\": {rounds}, \"msgs_per_s\": {:.1}, \"mb_per_s\": {:.2}, \"unreadable\": [{unread}]}}",
            corpus.len(),
            msgs / s,
            bytes as f64 * f64::from(rounds) / s / 1e6
        );
    };
    measure("oadr-encode", &mut |m| {
        oadr::model::encode(m).map_or(0, |x| x.len())
    });
    measure("oadr-encode-validate", &mut |m| {
        oadr::model::encode(m)
            .ok()
            .filter(|x| oadr::wire::validate(x, &limits).is_ok())
            .map_or(0, |x| x.len())
    });
    // The split of `encode`: model → wire structs, and wire structs → XML bytes (without the
    // schema validation `model::encode` adds), over the same messages.
    measure("oadr-to-wire", &mut |m| m.to_wire().map_or(0, |_| 1));
    let wire: Vec<_> = corpus.iter().filter_map(|m| m.to_wire().ok()).collect();
    let mut next = 0;
    measure("oadr-to-xml", &mut |_| {
        next = (next + 1) % wire.len();
        oadr::wire::to_xml(&wire[next]).map_or(0, |x| x.len())
    });
    eprintln!("({sink})");
}
