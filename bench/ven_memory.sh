#!/usr/bin/env bash
# Resident memory of an idle `oadr ven` after registration, beside an OpenLEADR 0.5.36 VEN
# doing the same (one TELEMETRY_USAGE report, polling), measured in one run against one
# OpenLEADR VTN on 127.0.0.1. Target (issue 5): oadr ven ≤ 8 MiB. Each line also splits the
# RSS into anonymous memory (heap, stacks: what each further process costs) and file-backed
# pages (the mapped executable and libraries, shared and reclaimable).
#
#   OADR_PYTHON=.venv/bin/python bench/ven_memory.sh [IDLE_SECONDS] [SAMPLES]
#
# Prints one JSON line per VEN and a ratio line. Linux only (/proc). Every process started
# here is stopped on exit.
set -euo pipefail
IDLE="${1:-10}"
SAMPLES="${2:-5}"
# (Building the binary alone gives the same binary as bench/compare.sh's build with the
# examples: Cargo.toml asks for the features the dev-dependencies would add.)
source "$(dirname "$0")/idle_ven_common.sh"
start_vtn $((IDLE * 4 + 120))

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
rss_part() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$2/status"; }

measure() { # name pid
  local name="$1" pid="$2" samples=()
  for _ in $(seq 300); do
    grep '"kind": "registered"' "$TMP/vtn.log" | grep -q "\"ven_name\": \"$name\"" && break
    sleep 0.1
  done
  grep '"kind": "registered"' "$TMP/vtn.log" | grep -q "\"ven_name\": \"$name\"" \
    || { echo "$name did not register" >&2; exit 1; }
  sleep "$IDLE"
  # VmRSS, and its anonymous (heap, stacks) and file-backed (mapped binary and libraries) parts.
  for _ in $(seq "$SAMPLES"); do samples+=("$(rss_kib "$pid") $(rss_part RssAnon "$pid") $(rss_part RssFile "$pid")"); sleep 1; done
  printf '%s\n' "${samples[@]}" | sort -n | awk -v n="$name" '
    {a[NR]=$1; an[NR]=$2; f[NR]=$3} END {i=int((NR+1)/2); m=a[i]
     printf "{\"ven\": \"%s\", \"rss_kib_median\": %d, \"rss_mib_median\": %.2f, \"anon_kib\": %d, \"file_kib\": %d}\n", n, m, m/1024, an[i], f[i]}'
}

RUST_LOG=warn "$OADR" ven --vtn-url "$URL" --ven-name oadr-bench --state "$TMP/state.json" \
  >"$TMP/oadr.log" 2>&1 &
OADR_PID=$!; PIDS+=($OADR_PID)
OADR_LINE="$(measure oadr-bench "$OADR_PID")"
echo "$OADR_LINE"

(cd "$ROOT/tests/interop" && exec "$PY" openleadr_ven.py --vtn-url "$URL" --ven-name openleadr-bench \
  --duration $((IDLE * 2 + 60)) >"$TMP/py.log" 2>/dev/null) &
PY_PID=$!; PIDS+=($PY_PID)
PY_LINE="$(measure openleadr-bench "$PY_PID")"
echo "$PY_LINE"

# BENCH_JSON=FILE: append the two JSON lines (bench/compare.sh reads them).
if [ -n "${BENCH_JSON:-}" ]; then printf '%s\n%s\n' "$OADR_LINE" "$PY_LINE" >> "$BENCH_JSON"; fi

"$PY" - "$OADR_LINE" "$PY_LINE" <<'PYEOF'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"ratio_openleadr_over_oadr": round(b["rss_kib_median"] / a["rss_kib_median"], 1),
                  "anon_ratio_openleadr_over_oadr": round(b["anon_kib"] / max(a["anon_kib"], 1), 1),
                  "oadr_target_mib": 8, "oadr_within_target": a["rss_mib_median"] <= 8}))
PYEOF
