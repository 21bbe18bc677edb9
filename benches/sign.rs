//! XML-DSig throughput: sign and verify a typical oadrDistributeEvent (one SIMPLE event) and
//! oadrUpdateReport (telemetry), with the test VTN's RSA-2048 and ECDSA P-256 keys, the same
//! messages and keys as `bench/py/openleadr_sign.py`. `bench/sign.sh` prints the figures as
//! messages/s beside `openssl speed` and OpenLEADR from the same run.
//!
//! - `sign/*`: `Signer::sign` (parse, c14n of the signed object, ReplayProtect with a fresh
//!   nonce, c14n of SignedInfo, private-key operation, splice into the bytes).
//! - `verify/*`: `Verifier::verify` on the received bytes with fingerprint trust and
//!   ReplayProtect checked (timestamp window and nonce cache), as a VTN does it: one Verifier
//!   for a batch of distinct signed messages (fresh nonces) from the same signer.
//! - `parts/*`: the pieces, to see where the time goes.
//!
//! Every group runs once per crypto backend of the build (`sign/rsa/ring`,
//! `sign/rsa/openssl` with `--features openssl`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oadr::sign::c14n::{self, Method};
use oadr::sign::{Backend, Signer, Trust, Verifier, VerifyOptions};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Distinct signed messages verified by one Verifier (each is accepted once).
const VERIFY_BATCH: usize = 200;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).expect(rel)
}

const MESSAGES: [(&str, &str); 2] = [
    (
        "distribute_event",
        "tests/fixtures/valid/oadrDistributeEvent--openleadr-one-event.xml",
    ),
    (
        "update_report",
        "tests/fixtures/valid/oadrUpdateReport--openleadr-telemetry.xml",
    ),
];

fn bench(c: &mut Criterion) {
    for key in ["rsa", "ecdsa"] {
        for &backend in Backend::available() {
            bench_backend(c, key, backend);
        }
    }
}

fn bench_backend(c: &mut Criterion, key: &str, backend: Backend) {
    let be = backend.name();
    let signer = Signer::from_pem_with(
        &read(&format!("tests/fixtures/certs/vtn-{key}.crt")),
        &read(&format!("tests/fixtures/certs/vtn-{key}.key")),
        backend,
    )
    .expect("signer");
    let mut options = VerifyOptions::new(Trust::Fingerprints(vec![signer
        .certificate()
        .fingerprint()]));
    options.backend = backend;
    for (name, path) in MESSAGES {
        let payload = read(path);
        let batch: Vec<Vec<u8>> = (0..VERIFY_BATCH)
            .map(|_| signer.sign(&payload).expect("sign"))
            .collect();
        let signed = batch[0].clone();
        let now = chrono::Utc::now();

        let mut g = c.benchmark_group(format!("sign/{key}/{be}"));
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| {
            b.iter(|| signer.sign(black_box(&payload)).expect("sign"))
        });
        g.finish();

        let mut g = c.benchmark_group(format!("verify/{key}/{be}"));
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = usize::try_from(left)
                        .unwrap_or(VERIFY_BATCH)
                        .min(VERIFY_BATCH);
                    let verifier = Verifier::new(options.clone());
                    let start = Instant::now();
                    for m in &batch[..n] {
                        black_box(verifier.verify(black_box(m), now).expect("verify"));
                    }
                    total += start.elapsed();
                    left -= n as u64;
                }
                total
            })
        });
        g.finish();

        if name == "distribute_event" {
            // The crypto provider alone over a SignedInfo-sized message, as the verifier calls
            // it (ring parses the key per call; OpenSSL's key is prepared once per
            // certificate). The rest of `verify/*` is ours: parsing, structure checks, c14n,
            // digests, certificate.
            let cert = signer.certificate().clone();
            let private = oadr::sign::SigningKey::from_pem_with(
                &read(&format!("tests/fixtures/certs/vtn-{key}.key")),
                backend,
            )
            .expect("key");
            let message = vec![b'x'; 900];
            let sig = private.sign(&message).expect("sign");
            let mut g = c.benchmark_group("parts");
            g.bench_function(format!("crypto_verify/{key}/{be}"), |b| {
                b.iter(|| {
                    cert.verify_with(
                        backend,
                        private.method(),
                        black_box(&message),
                        black_box(&sig),
                    )
                    .expect("verify")
                })
            });
            g.bench_function(format!("crypto_sign/{key}/{be}"), |b| {
                b.iter(|| private.sign(black_box(&message)).expect("sign"))
            });
            g.finish();
        }
        if key == "rsa" && backend == Backend::Ring {
            let text = std::str::from_utf8(&signed).expect("utf-8");
            let mut g = c.benchmark_group("parts");
            g.bench_function(format!("parse/{name}"), |b| {
                b.iter(|| roxmltree::Document::parse(black_box(text)).expect("parse"))
            });
            g.bench_function(format!("c14n_exclusive_signed_object/{name}"), |b| {
                b.iter(|| {
                    c14n::canonicalize_id(black_box(text), "oadrSignedObject", &Method::exclusive())
                        .expect("c14n")
                })
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
