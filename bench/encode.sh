#!/usr/bin/env bash
# Encode throughput, in one run over the same payloads: oadr (model -> wire -> XML bytes, and the
# same followed by schema validation) against OpenLEADR 0.5.36's create_message (unsigned).
# Prints the JSON lines and the ratio.
#   bench/encode.sh [DIR]        (default tests/fixtures/valid)
# Target (issue 3): oadr encode >= 100x OpenLEADR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=${1:-tests/fixtures/valid}
py=${OADR_PYTHON:-$(scripts/venv.sh)}
cargo build --release --quiet --example bench_encode
# About a second of timed work on each side (shorter runs swing with the CPU's clock and the
# scheduler: 300 rounds were 0.1 s).
ol=$("$py" bench/py/openleadr_encode.py "$dir" --rounds 60)
# The payloads OpenLEADR cannot re-encode are left out on both sides ("name: reason" entries).
skip=$(printf '%s' "$ol" | "$py" -c 'import json,sys; print(",".join(s.split(":")[0] for s in json.loads(sys.stdin.read()).get("skipped", [])))')
rs=$(target/release/examples/bench_encode "$dir" --rounds 3000 ${skip:+--skip "$skip"} 2>/dev/null)
printf '%s\n%s\n' "$rs" "$ol"
# BENCH_JSON=FILE: append the JSON lines (bench/compare.sh reads them).
[ -n "${BENCH_JSON:-}" ] && printf '%s\n%s\n' "$rs" "$ol" >> "$BENCH_JSON"
"$py" - "$rs" "$ol" <<'PY'
import json, sys
m = {}
for line in "\n".join(sys.argv[1:]).splitlines():
    line = line.strip()
    if line.startswith("{"):
        d = json.loads(line)
        m[d["tool"]] = d
enc, encv, ol = m["oadr-encode"], m["oadr-encode-validate"], m["openleadr-encode"]
print(f"oadr encode (model -> XML): {enc['msgs_per_s']:.0f} msgs/s over {enc['files']} payloads; OpenLEADR create_message: {ol['msgs_per_s']:.0f} msgs/s over {ol['files']}")
print(f"  ratio: {enc['msgs_per_s'] / ol['msgs_per_s']:.1f}x (target >= 100x)")
print(f"oadr encode + validate: {encv['msgs_per_s']:.0f} msgs/s, {encv['msgs_per_s'] / ol['msgs_per_s']:.1f}x OpenLEADR")
if enc.get("unreadable"):
    print(f"(oadr left out {len(enc['unreadable'])} payloads it could not decode+encode: {enc['unreadable']})")
PY
