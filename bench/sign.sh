#!/usr/bin/env bash
# XML-DSig throughput of oadr beside its floors and baselines, all measured in this run:
#   - openssl speed rsa2048 / ecdsap256 (the raw private/public-key operations: the floor),
#   - OpenLEADR 0.5.36 signing and verification of the same messages (bench/py/openleadr_sign.py),
#   - ring vs RustCrypto (rsa, p256) for the same key operations (bench/crypto-compare).
# Targets (issue 4): oadr >= 0.75x the openssl figures, oadr verify >= 20x OpenLEADR's.
# oadr runs once per crypto backend: ring, and OpenSSL (built with `--features openssl` when
# pkg-config finds libssl; the same bench binary measures both). The default backend
# (Backend::Auto) is ring everywhere in a default build; with the `openssl` feature it verifies
# RSA with OpenSSL (the output says which rows are the default).
# Usage: bench/sign.sh   (needs openssl; OADR_PYTHON for OpenLEADR, else scripts/venv.sh)
#   env: SIGN_SKIP_CRYPTO_COMPARE=1 skips the ring vs RustCrypto build and run;
#        BENCH_JSON=FILE appends one JSON line per figure (bench/compare.sh reads them).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
py=${OADR_PYTHON:-$(scripts/venv.sh)}

# -elapsed: wall-clock time, as criterion measures (the default divides by CPU user time,
# which on a loaded machine overstates openssl several-fold).
echo "== openssl speed -elapsed (3 s per figure)" >&2
openssl speed -elapsed -seconds 3 rsa2048 ecdsap256 > "$out/openssl.txt" 2>/dev/null

echo "== oadr criterion benches/sign.rs" >&2
features=()
pkg-config --exists openssl 2>/dev/null && features=(--features openssl)
cargo bench "${features[@]}" --bench sign -- --warm-up-time 1 --measurement-time 3 > "$out/criterion.txt" 2>&1

: > "$out/crypto.jsonl"
if [ "${SIGN_SKIP_CRYPTO_COMPARE:-0}" != 1 ]; then
  echo "== ring vs RustCrypto (bench/crypto-compare)" >&2
  features=()
  [ "${CRYPTO_COMPARE_AWS_LC:-0}" = 1 ] && features=(--features aws-lc)
  cargo run -q --release --manifest-path bench/crypto-compare/Cargo.toml "${features[@]}" -- tests/fixtures/certs \
    > "$out/crypto.jsonl"
fi

echo "== OpenLEADR (bench/py/openleadr_sign.py)" >&2
"$py" bench/py/openleadr_sign.py > "$out/openleadr.jsonl"

python3 - "$out" "${BENCH_JSON:-}" <<'PY'
import json, re, sys
from pathlib import Path
out = Path(sys.argv[1])
bench_json = open(sys.argv[2], "a") if sys.argv[2] else None
ossl = {}
for line in (out / "openssl.txt").read_text().splitlines():
    m = re.match(r"rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", line)
    if m:
        ossl["rsa"] = (float(m[1]), float(m[2]))
    m = re.match(r"\s*256 bits ecdsa \(nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", line)
    if m:
        ossl["ecdsa"] = (float(m[1]), float(m[2]))

def ours(op, key, backend, msg):
    path = Path("target/criterion") / f"{op}_{key}_{backend}" / msg / "new/estimates.json"
    if not path.exists():
        return None
    return 1e9 / json.loads(path.read_text())["mean"]["point_estimate"]

ol = {}
for line in (out / "openleadr.jsonl").read_text().splitlines():
    r = json.loads(line)
    ol[(r["key"], r["message_type"])] = (r["sign_msgs_per_s"], r["verify_msgs_per_s"])

msgs = {"distribute_event": "oadrDistributeEvent", "update_report": "oadrUpdateReport"}
print("targets: oadr >= 0.75x openssl speed (sign and verify), verify >= 20x OpenLEADR")
print(f"{'key':6} {'backend':8} {'message':20} {'op':7} {'oadr/s':>10} {'openssl/s':>10} {'x openssl':>9} {'OpenLEADR/s':>11} {'x OpenLEADR':>11}  met")
for key in ("rsa", "ecdsa"):
    # ring (the default backend) last: bench/compare.sh keeps the last row per figure.
    for backend in ("openssl", "ring"):
        for msg, mtype in msgs.items():
            for i, op in enumerate(("sign", "verify")):
                o = ours(op, key, backend, msg)
                if o is None:
                    continue
                s = ossl[key][i]
                l = ol.get((key, mtype), (float("nan"), float("nan")))[i]
                met = o / s >= 0.75 and (op == "sign" or o / l >= 20)
                print(f"{key:6} {backend:8} {mtype:20} {op:7} {o:10.0f} {s:10.0f} {o/s:9.2f} {l:11.1f} {o/l:11.1f}  {'yes' if met else 'NO'}")
                if bench_json:
                    bench_json.write(json.dumps({"bench": "sign", "key": key, "backend": backend, "message_type": mtype, "op": op,
                                                 "oadr_per_s": o, "openssl_per_s": s, "openleadr_per_s": l}) + "\n")
print()
print("Which rows are the default (Backend::Auto, sign/src/sign/backend.rs): in a default build (no")
print("features) every figure is the ring row; built with --features openssl, RSA verify is the")
print("openssl row and every other figure the ring row.")
print()
print("ring vs RustCrypto (ops/s, same keys):")
for line in (out / "crypto.jsonl").read_text().splitlines():
    r = json.loads(line)
    print(f"  {r['lib']:16} {r['alg']:18} {r['op']:7} {r['ops_per_s']:10.0f}")
print()
print("parts (criterion mean):")
for part in sorted((Path("target/criterion") / "parts").rglob("new/estimates.json")):
    est = json.loads(part.read_text())
    print(f"  {str(part.parent.parent.relative_to(Path('target/criterion'))):50} {est['mean']['point_estimate'] / 1000:8.1f} us")
PY
