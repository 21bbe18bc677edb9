#!/usr/bin/env python3
"""Where the time of one XML-DSig operation goes: reads `perf script --no-inline` output of
a `perf record --call-graph dwarf` run of benches/sign.rs (see bench/sign_breakdown.sh) and
splits the samples taken inside the measured routine (a `Bencher` frame above `ROOT`, so the
benchmark's setup is left out) into phases, by the first phase whose pattern matches a frame
between the sample and ROOT (the order below is the priority).

Usage: perf script -i perf.data --no-inline | perf_breakdown.py ROOT [--mean-us US]
  ROOT: a frame substring, `Verifier::verify` or `Signer::sign`; with --mean-us, each share
  is also shown as that many µs of a mean operation time US.
"""
import collections
import re
import sys

PHASES = [
    ("key operation", r"Certificate::verify_with|SigningKey::sign|ring::ec|ring::rsa|ring::signature"
     r"|ring::arithmetic|ring_core.*(nistz|bn_|mont|point|rsaz)|libcrypto|EVP_|RSA_"),
    ("SHA-256", r"sha256|ring::digest"),
    ("base64", r"base64"),
    ("c14n", r"stream_c14n|write_element|exclusive_fragment|c14n::"),
    ("tokenizing/locating (outline scan)", r"Outline::scan|outline::|lex::"),
    ("certificate parse/lookup/fingerprint/trust", r"key_info_certificates|cert_cache|Certificate::from|trust::|Fingerprint|der::"),
    ("replay check (nonce cache, window)", r"replay::|NonceCache|ReplayWindow|Verifier::remember"),
    ("timestamps (parse, format, now)", r"chrono|rfc3339|clock_gettime"),
    ("nonce randomness", r"SecureRandom|getrandom|SigningKey::random|crng"),
    ("UTF-8 check", r"from_utf8"),
    ("allocation/copy", r"malloc|free|realloc|memmove|memcpy|_int_|cfree|alloc::"),
    ("structure checks, assembly, rest", r"."),
]


def main():
    root = sys.argv[1]
    mean = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--mean-us" else None
    phases = collections.Counter()
    total = 0
    frames = []

    def flush():
        nonlocal total
        if not any("Bencher" in f for f in frames):
            return
        depth = next((i for i, f in enumerate(frames) if root in f), None)
        if depth is None:
            return
        total += 1
        inside = frames[: depth + 1]
        for name, pattern in PHASES:
            if any(re.search(pattern, f) for f in inside[:-1] or inside):
                phases[name] += 1
                return

    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            frames = []
        elif line.startswith((" ", "\t")):
            parts = line.strip().split(None, 1)
            if len(parts) == 2:
                frames.append(re.sub(r"\s*\(.*\)$", "", parts[1]).strip())
        else:
            frames = []
    flush()
    print(f"{total} samples inside {root}")
    if total == 0:
        return
    for name, _ in PHASES:
        if phases[name]:
            share = phases[name] / total
            us = f"{share * mean:8.1f} us" if mean else ""
            print(f"  {100 * share:5.1f}% {us}  {name}")


if __name__ == "__main__":
    main()
