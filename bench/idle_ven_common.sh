# Shared by bench/ven_memory.sh and bench/ven_hot_text.sh (sourced, not run): a temporary
# directory and the processes to stop on exit, the release `oadr` binary, and one OpenLEADR
# 0.5.36 VTN on 127.0.0.1 (no events, reports requested, 10 s poll frequency, OpenLEADR's
# default) for an `oadr ven` to register with.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${OADR_PYTHON:-$ROOT/.venv/bin/python}"
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# BENCH_NO_BUILD=1 (bench/compare.sh): already built. OADR_BIN=PATH: measure another build
# of `oadr` (e.g. an older one, for a before/after in one session).
[ "${BENCH_NO_BUILD:-0}" = 1 ] || [ -n "${OADR_BIN:-}" ] || (cd "$ROOT" && cargo build --release --quiet --bin oadr)
OADR="${OADR_BIN:-$ROOT/target/release/oadr}"

# start_vtn SECONDS: starts the VTN for SECONDS; sets URL; its log is $TMP/vtn.log.
start_vtn() {
  (cd "$ROOT/tests/interop" && exec "$PY" openleadr_vtn.py --port 0 --duration "$1" \
    --no-event --poll-freq 10 >"$TMP/vtn.log" 2>/dev/null) &
  PIDS+=($!)
  for _ in $(seq 300); do grep -q '"listening"' "$TMP/vtn.log" 2>/dev/null && break; sleep 0.1; done
  URL="$("$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l)
    if o["kind"]=="listening": print(o["url"]); break' "$TMP/vtn.log")"
  [ -n "$URL" ] || { echo "VTN did not start" >&2; exit 1; }
}
