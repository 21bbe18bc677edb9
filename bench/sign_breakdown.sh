#!/usr/bin/env bash
# Where the time of sign and verify goes (issue 4): perf samples of benches/sign.rs's routines
# (ring backend, the default for everything but RSA verification with `--features openssl`),
# split into phases by bench/py/perf_breakdown.py, for RSA and ECDSA, oadrDistributeEvent and
# oadrUpdateReport. Shares of samples are independent of machine load; the µs column applies
# them to the criterion mean of the last `bench/sign.sh` run (target/criterion), so it is only
# as good as that run's conditions.
# Usage: bench/sign_breakdown.sh [BENCH_BINARY]   (default: the newest target/release/deps/sign-*;
#        build it with `cargo bench --bench sign --no-run`). Needs perf.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${1:-$(ls -t target/release/deps/sign-* | grep -v '\.d$' | head -1)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "binary: $bin; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for op in sign verify; do
  case $op in sign) fn=Signer::sign ;; verify) fn=Verifier::verify ;; esac
  for key in rsa ecdsa; do
    for msg in distribute_event update_report; do
      name="$op/$key/ring/$msg"
      perf record -q -F 999 --call-graph dwarf,16384 -o "$out/perf.data" \
        "$bin" --bench --profile-time 4 "^$name\$" > /dev/null 2>&1
      est="target/criterion/${op}_${key}_ring/$msg/new/estimates.json"
      mean=""
      [ -f "$est" ] && mean=$(python3 -c "import json;print(json.load(open('$est'))['mean']['point_estimate']/1000)")
      echo "== $name${mean:+ (criterion mean $(printf %.1f "$mean") us)}"
      perf script -i "$out/perf.data" --no-inline 2> /dev/null \
        | python3 bench/py/perf_breakdown.py "$fn" ${mean:+--mean-us "$mean"}
    done
  done
done
