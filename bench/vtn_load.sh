#!/usr/bin/env bash
# VTN load benchmark (issue 6): N simulated VENs polling over loopback, bounded in count and time.
# Runs, in one go and on the same machine:
#   - `oadr vtn` (release, SQLite, --sync normal) with 1000 registered VENs, concurrency 16 and 64
#   - a bare hyper server answering a fixed body (the machine's ceiling), same load
# and prints polls/s, p50/p99, ratios against the bare server, and resident memory per
# registered VEN (VmRSS after registering minus before, / N).
# Not measured here yet (gaps stated in the closing note): OpenLEADR's OpenADRServer under the
# same load, signed responses, XML payloads (the load uses the JSON codec).
#
#   bench/vtn_load.sh [VENS=1000] [SECONDS=5]      (OADR_BENCH_PROFILE=debug for a debug build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
vens=${1:-1000}
secs=${2:-5}
# OADR_BENCH_PROFILE=debug measures an unoptimised build (only the ratios mean anything then).
profile=${OADR_BENCH_PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release --bin oadr --example vtn_load >&2
else
  cargo build --bin oadr --example vtn_load >&2
fi
bin=target/$profile/oadr
load=target/$profile/examples/vtn_load
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

vp=$(port); ap=$(port); bp=$(port)
OADR_ADMIN_TOKEN=bench "$bin" vtn --listen "127.0.0.1:$vp" --admin "127.0.0.1:$ap" --db "$tmp/vtn.db" \
  --accept-any --codec json --sync normal 2>"$tmp/vtn.log" & pids+=($!)
vtn_pid=$!
"$load" bare "127.0.0.1:$bp" & pids+=($!)
wait_port "$vp"; wait_port "$bp"
rss0=$(rss_kib "$vtn_pid")
echo "== oadr vtn, $vens VENs"
for c in 16 64; do
  if [ "$c" = 16 ]; then
    "$load" run --url "http://127.0.0.1:$vp" --vens "$vens" --concurrency "$c" --seconds "$secs" | tee "$tmp/oadr-$c.json"
    rss1=$(rss_kib "$vtn_pid")
  else
    "$load" run --url "http://127.0.0.1:$vp" --vens "$vens" --concurrency "$c" --seconds "$secs" | tee "$tmp/oadr-$c.json"
  fi
done
echo "== bare hyper, fixed body"
for c in 16 64; do
  "$load" run --bare --url "http://127.0.0.1:$bp" --vens "$vens" --concurrency "$c" --seconds "$secs" | tee "$tmp/bare-$c.json"
done
python3 - "$tmp" "$vens" "$rss0" "$rss1" <<'PY'
import json, sys
tmp, vens, rss0, rss1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for c in (16, 64):
    o = json.load(open(f"{tmp}/oadr-{c}.json")); b = json.load(open(f"{tmp}/bare-{c}.json"))
    print(f"concurrency {c}: oadr {o['polls_per_s']:.0f} polls/s (p50 {o['p50_us']} us, p99 {o['p99_us']} us), "
          f"bare hyper {b['polls_per_s']:.0f} polls/s -> {100*o['polls_per_s']/b['polls_per_s']:.0f}% of bare")
print(f"resident memory: {rss0} KiB idle, {rss1} KiB after registering {vens} VENs "
      f"-> {(rss1-rss0)/vens:.2f} KiB per VEN")
PY
