#!/usr/bin/env bash
# Decode throughput, in one run over the same files: oadr (raw quick-xml scan, validate,
# validate+decode) against OpenLEADR 0.5.36's receive path (validate_xml_schema +
# parse_message) and libxml2 via lxml (XMLSchema.validate). Prints the JSON lines and ratios.
#   bench/decode.sh [DIR]        (default tests/fixtures/valid; env BENCH_JSON=FILE appends the
#                                 JSON lines to FILE)
# Targets (issue 2): oadr decode >= 100x OpenLEADR, >= 3x lxml; decode within 3x of the scan.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=${1:-tests/fixtures/valid}
py=${OADR_PYTHON:-$(scripts/venv.sh)}
cargo build --release --quiet -p oadr-wire --example bench_decode
ol=$("$py" bench/py/openleadr_decode.py "$dir")
lx=$("$py" bench/py/lxml_validate.py "$dir")
skip=$(printf '%s' "$ol" | "$py" -c 'import json,sys; print(",".join(json.loads(sys.stdin.read()).get("skipped", [])))')
rs=$(target/release/examples/bench_decode "$dir" --rounds 300 ${skip:+--skip "$skip"} 2>/dev/null)
printf '%s\n%s\n%s\n' "$rs" "$ol" "$lx"
# BENCH_JSON=FILE: append the JSON lines (bench/compare.sh reads them).
[ -n "${BENCH_JSON:-}" ] && printf '%s\n%s\n%s\n' "$rs" "$ol" "$lx" >> "$BENCH_JSON"
"$py" - "$rs" "$ol" "$lx" <<'PY'
import json, sys
m = {}
for line in "\n".join(sys.argv[1:]).splitlines():
    line = line.strip()
    if line.startswith("{"):
        d = json.loads(line)
        m[d["tool"]] = d
dec, scan = m["oadr-decode"], m["oadr-scan"]
ol = next(v for k, v in m.items() if k.startswith("openleadr"))
lx = next(v for k, v in m.items() if k.startswith("lxml"))
print(f"oadr decode (validate+typed): {dec['msgs_per_s']:.0f} msgs/s, {dec['mb_per_s']:.1f} MB/s")
print(f"  vs OpenLEADR receive path : {dec['msgs_per_s'] / ol['msgs_per_s']:.1f}x msgs/s (target >= 100x)")
print(f"  vs lxml XMLSchema.validate: {dec['msgs_per_s'] / lx['msgs_per_s']:.1f}x msgs/s (target >= 3x)")
print(f"  vs raw quick-xml scan     : {scan['msgs_per_s'] / dec['msgs_per_s']:.2f}x slower (target <= 3x)")
v = m["oadr-validate"]
print(f"oadr validate only: {v['msgs_per_s']:.0f} msgs/s; {scan['msgs_per_s'] / v['msgs_per_s']:.2f}x the scan; {v['msgs_per_s'] / lx['msgs_per_s']:.1f}x lxml")
if ol.get("skipped"):
    print(f"(OpenLEADR refuses {len(ol['skipped'])} files; all tools were timed without them except lxml)")
PY
