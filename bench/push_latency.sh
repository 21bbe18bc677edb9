#!/usr/bin/env bash
# Event latency benchmark (issue 8): time from event creation on the VTN to the VEN's event
# handler, for N oadr VENs on loopback, per transport, measured in one run on this machine:
#   - pull: the VENs poll at the VTN's default oadrRequestedOadrPollFreq (10 s, + the VEN's
#     default jitter of up to 1 s), so the expected mean is about half a poll period;
#   - push: the VTN POSTs the oadrDistributeEvent to each VEN's endpoint;
#   - xmpp: the VTN sends it in an IQ to each VEN's full JID through a Prosody started on
#     loopback for the run (Debian package prosody; one account per VEN, STARTTLS).
# Prints one JSON line per transport and a Markdown table with the ratios against pull, and
# the CPU seconds spent while the event travelled (oadr's process, Prosody) with the load.
# To add a transport: teach examples/push_latency.rs `--transport NAME` and append it to
# TRANSPORTS below (TRANSPORTS="pull xmpp" runs a subset).
#
#   bench/push_latency.sh [VENS=1000] [POLL_FREQ_S=10]     (OADR_BENCH_PROFILE=debug for a debug build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
vens=${1:-1000}
poll=${2:-10}
TRANSPORTS=${TRANSPORTS:-"pull push xmpp"}
profile=${OADR_BENCH_PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release --example push_latency >&2
else
  cargo build --example push_latency >&2
fi
bin=target/$profile/examples/push_latency
# Each VEN holds a socket in this process, and over XMPP one more in Prosody (which inherits
# this limit): 1 000 VENs need more than the common soft limit of 1 024 descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((vens + 200)) ]; then
  echo "push_latency.sh: $(ulimit -n) file descriptors are too few for $vens VENs (raise ulimit -n)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for t in $TRANSPORTS; do
  echo "== $t, $vens VENs (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  "$bin" --transport "$t" --vens "$vens" --poll-freq-s "$poll" --timeout-s 120 | tee "$tmp/$t.json"
done
python3 - "$tmp" $TRANSPORTS <<'PY'
import json, sys
tmp, transports = sys.argv[1], sys.argv[2:]
rows = {t: json.load(open(f"{tmp}/{t}.json")) for t in transports}
base = rows.get("pull")
print()
print("| transport | VENs reached | p50 ms | p90 ms | p99 ms | max ms | mean ms | mean vs pull | CPU s (oadr / Prosody) | load1 |")
print("|---|---|---|---|---|---|---|---|---|---|")
for t, r in rows.items():
    ratio = f"{r['mean_ms'] / base['mean_ms']:.4f}" if base else "n/a"
    cpu = f"{r.get('cpu_s')} / {r.get('prosody_cpu_s') if r.get('prosody_cpu_s') is not None else '-'}"
    print(f"| {t} | {r['reached']}/{r['vens']} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | {r['mean_ms']:.1f} | {ratio} | {cpu} | {r.get('load1')} |")
PY
