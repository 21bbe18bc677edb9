#!/usr/bin/env bash
# VTN load benchmark (issue 6): N simulated VENs polling over loopback, bounded in count and time.
# Runs, in one go and on the same machine (examples/vtn_load.rs is the load generator: one
# keep-alive connection per concurrent client, all driven by one event-driven client thread so
# that the generator takes as little of the 2 cores as it can; oadrPoll for the registered VENs
# in turn; CLIENT_THREADS=N spreads the connections over N client threads):
#   - `oadr vtn` (release, SQLite --sync normal, XML codec) with N registered VENs, concurrency 16/64
#   - OpenLEADR 0.5.36's OpenADRServer (bench/py/openleadr_vtn_load.py), same load
#   - a bare hyper server answering a fixed body (the machine's ceiling), same load: the same
#     XML oadrPolls, answered with the oadrResponse a VTN gives most polls (same bytes moved)
#   - the same for oadr and OpenLEADR with signed responses (RSA-2048, tests/fixtures/certs/vtn-rsa),
#     beside `openssl speed rsa2048` sign ops/s (the floor for signed answers)
# and prints polls/s, p50/p99, ratios, and resident memory per registered VEN: oadr's VmRSS after
# its second batch of N registrations (the c=64 run registers N more) minus after the first, / N.
# The first batch is not counted: it also pays for code pages touched for the first time
# (file-backed, about 5 MiB) and one-time buffers; its figure is printed too. OpenLEADR signs at about 12 messages/s (it reloads the key for
# every message), so its signed run registers only SIGNED_VENS VENs (default 64) to stay bounded.
#
# Latency: from the request's write to the answer's arrival at the client's socket, as the kernel
# stamps it (SO_TIMESTAMPNS): one client thread drives all the connections, and an answer that has
# arrived while that thread serves the other 63 would otherwise count the generator's own queue
# (64 real VENs on 64 machines do not queue behind each other). The time to the client's read of
# the answer is printed beside it (app_p50_us, app_p99_us), for every server measured.
#
#   bench/vtn_load.sh [VENS=1000] [SECONDS=5]
# The load generator and the servers share this machine. So that they do not preempt each other
# (a preempted server or generator thread waits a whole scheduler slice, a few ms, which is what
# p99 then measures), the servers get SERVER_THREADS worker threads (default: the cores the
# generator leaves, at least 1) pinned to their own cores with taskset, and the generator is
# pinned to the rest, as if they ran on separate machines. The same holds for every server
# measured (oadr, bare hyper, OpenLEADR). One more run, `oadr-shared`, gives the unpinned figure
# with oadr's default of one worker per core beside the generator (c=64). The signed runs are
# bound by RSA signing, not by the generator (a few thousand requests/s), so there the servers
# run unpinned with their defaults (oadr: one worker per core).
#   env: OADR_PYTHON (else scripts/venv.sh), OADR_BENCH_PROFILE=debug (only ratios mean anything),
#        CLIENT_THREADS (load generator threads, default 1), SERVER_THREADS, PIN=0 (no pinning),
#        SIGNED_VENS, BENCH_JSON=FILE (append one JSON line per run and a summary line, for
#        bench/compare.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
vens=${1:-1000}
secs=${2:-5}
signed_vens=${SIGNED_VENS:-64}
py=${OADR_PYTHON:-$(scripts/venv.sh)}
profile=${OADR_BENCH_PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release --quiet --bin oadr --example vtn_load >&2
else
  cargo build --quiet --bin oadr --example vtn_load >&2
fi
bin=target/$profile/oadr
load=target/$profile/examples/vtn_load
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
ncpu=$(nproc)
client_threads=${CLIENT_THREADS:-1}
server_threads=${SERVER_THREADS:-$(( ncpu > client_threads ? ncpu - client_threads : 1 ))}
on_server=(); on_client=(); pinned=0
if [ "${PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ $((server_threads + client_threads)) -le "$ncpu" ]; then
  on_server=(taskset -c "0-$((server_threads - 1))")
  on_client=(taskset -c "$server_threads-$((ncpu - 1))")
  pinned=1
fi
echo "== servers: $server_threads worker thread(s); load generator: $client_threads thread(s); pinned apart: $pinned" >&2
cert=tests/fixtures/certs/vtn-rsa.crt
key=tests/fixtures/certs/vtn-rsa.key

# run NAME SIGNED PORT VENS CONCURRENCY [extra vtn_load args]: one load run, one JSON line kept.
run() {
  local name=$1 signed=$2 p=$3 n=$4 c=$5; shift 5
  local client=("${on_client[@]}") threads=$server_threads pin=$pinned
  if [ "$name" = oadr-shared ] || [ "$signed" = 1 ]; then client=(); threads=$ncpu; pin=0; fi
  "${client[@]}" "$load" run --url "http://127.0.0.1:$p" --vens "$n" --concurrency "$c" --seconds "$secs" \
    --threads "$client_threads" "$@" \
    | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d.update(server=sys.argv[1], signed=sys.argv[2]=="1", server_threads=int(sys.argv[3]), pinned=sys.argv[4]=="1"); print(json.dumps(d))' "$name" "$signed" "$threads" "$pin" \
    | tee -a "$tmp/runs.jsonl"
}

echo "== oadr vtn (XML codec), $vens VENs" >&2
vp=$(port); ap=$(port)
OADR_ADMIN_TOKEN=bench "${on_server[@]}" "$bin" vtn --listen "127.0.0.1:$vp" --admin "127.0.0.1:$ap" --db "$tmp/vtn.db" \
  --accept-any --codec xml --sync normal --threads "$server_threads" 2>"$tmp/vtn.log" & vtn_pid=$!; pids+=($vtn_pid)
wait_port "$vp"
rss0=$(rss_kib "$vtn_pid")
run oadr 0 "$vp" "$vens" 16 --codec xml
rss1=$(rss_kib "$vtn_pid")
run oadr 0 "$vp" "$vens" 64 --codec xml
rss2=$(rss_kib "$vtn_pid")
stop "$vtn_pid"

echo "== oadr vtn unpinned, one worker per core (its default), beside the load generator" >&2
vp=$(port); ap=$(port)
OADR_ADMIN_TOKEN=bench "$bin" vtn --listen "127.0.0.1:$vp" --admin "127.0.0.1:$ap" --db "$tmp/vtn-shared.db" \
  --accept-any --codec xml --sync normal 2>"$tmp/vtn-shared.log" & vtn_pid=$!; pids+=($vtn_pid)
wait_port "$vp"
run oadr-shared 0 "$vp" "$vens" 64 --codec xml
stop "$vtn_pid"

echo "== bare hyper, fixed body" >&2
bp=$(port)
"${on_server[@]}" "$load" bare "127.0.0.1:$bp" --threads "$server_threads" --codec xml & bare_pid=$!; pids+=($bare_pid)
wait_port "$bp"
run bare 0 "$bp" "$vens" 16 --bare --codec xml
run bare 0 "$bp" "$vens" 64 --bare --codec xml
stop "$bare_pid"

echo "== OpenLEADR OpenADRServer, $vens VENs" >&2
op=$(port)
"${on_server[@]}" "$py" bench/py/openleadr_vtn_load.py --port "$op" >"$tmp/ol.log" 2>&1 & ol_pid=$!; pids+=($ol_pid)
wait_port "$op"
run openleadr 0 "$op" "$vens" 16 --codec xml
run openleadr 0 "$op" "$vens" 64 --codec xml
stop "$ol_pid"

echo "== signed responses (RSA-2048): oadr vtn $vens VENs, OpenLEADR $signed_vens VENs" >&2
vp=$(port); ap=$(port)
OADR_ADMIN_TOKEN=bench "$bin" vtn --listen "127.0.0.1:$vp" --admin "127.0.0.1:$ap" --db "$tmp/vtn-signed.db" \
  --accept-any --codec xml --sync normal --cert "$cert" --key "$key" 2>"$tmp/vtn-signed.log" & vtn_pid=$!; pids+=($vtn_pid)
wait_port "$vp"
run oadr 1 "$vp" "$vens" 16 --codec xml || echo "signed run failed (see above); left out of the summary" >&2
run oadr 1 "$vp" "$vens" 64 --codec xml || echo "signed run failed (see above); left out of the summary" >&2
stop "$vtn_pid"
op=$(port)
"$py" bench/py/openleadr_vtn_load.py --port "$op" --cert "$cert" --key "$key" >"$tmp/ol-signed.log" 2>&1 & ol_pid=$!; pids+=($ol_pid)
wait_port "$op"
run openleadr 1 "$op" "$signed_vens" 16 --codec xml || echo "signed run failed (see above); left out of the summary" >&2
run openleadr 1 "$op" "$signed_vens" 64 --codec xml || echo "signed run failed (see above); left out of the summary" >&2
stop "$ol_pid"
openssl speed -elapsed -seconds 3 rsa2048 2>/dev/null > "$tmp/openssl.txt"

python3 - "$tmp" "$vens" "$rss0" "$rss1" "$rss2" "${BENCH_JSON:-}" <<'PY'
import json, re, sys
tmp, vens, out = sys.argv[1], int(sys.argv[2]), sys.argv[6]
rss0, rss1, rss2 = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
runs = {(r["server"], r["signed"], r["concurrency"]): r for r in map(json.loads, open(f"{tmp}/runs.jsonl"))}
sign_ops = next((float(m[1]) for m in (re.match(r"rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)", l)
                 for l in open(f"{tmp}/openssl.txt")) if m), float("nan"))
for c in (16, 64):
    o, b, l = runs[("oadr", False, c)], runs[("bare", False, c)], runs[("openleadr", False, c)]
    print(f"concurrency {c}: oadr {o['polls_per_s']:.0f} polls/s (p50 {o['p50_us']} us, p99 {o['p99_us']} us, "
          f"{o['errors']} errors); OpenLEADR {l['polls_per_s']:.0f} polls/s (p50 {l['p50_us']} us, p99 {l['p99_us']} us) "
          f"-> {o['polls_per_s']/l['polls_per_s']:.1f}x (target >= 15x); bare hyper {b['polls_per_s']:.0f} polls/s "
          f"-> {100*o['polls_per_s']/b['polls_per_s']:.0f}% of bare (target >= 50%)")
    print(f"  latency to the client's read of the answer (the figures above stop at its arrival at the "
          f"client's socket): oadr p50 {o['app_p50_us']} us, p99 {o['app_p99_us']} us; "
          f"OpenLEADR p50 {l['app_p50_us']} us, p99 {l['app_p99_us']} us; bare p99 {b['app_p99_us']} us")
o = runs[("oadr", False, 64)]
print(f"servers: {o['server_threads']} worker thread(s), pinned apart from the load generator: {o['pinned']}")
if ("oadr-shared", False, 64) in runs:
    s = runs[("oadr-shared", False, 64)]
    print(f"concurrency 64, oadr unpinned with one worker per core beside the generator: {s['polls_per_s']:.0f} polls/s "
          f"(p50 {s['p50_us']} us, p99 {s['p99_us']} us)")
for c in (16, 64):
    if ("oadr", True, c) not in runs or ("openleadr", True, c) not in runs:
        print(f"signed, concurrency {c}: no figure (a signed run failed)")
        continue
    o, l = runs[("oadr", True, c)], runs[("openleadr", True, c)]
    print(f"signed, concurrency {c}: oadr {o['polls_per_s']:.0f} polls/s (p50 {o['p50_us']} us, p99 {o['p99_us']} us) "
          f"-> {100*o['polls_per_s']/sign_ops:.0f}% of openssl rsa2048 sign {sign_ops:.0f}/s (target >= 80%); "
          f"OpenLEADR {l['polls_per_s']:.1f} polls/s -> {o['polls_per_s']/l['polls_per_s']:.0f}x")
print(f"oadr resident memory: {rss0} KiB idle, {rss1} KiB after registering {vens} VENs, {rss2} KiB after "
      f"{2*vens} -> {(rss2-rss1)/vens:.2f} KiB per registered VEN (target <= 4 KiB; the first {vens}, "
      f"with first-touched code pages: {(rss1-rss0)/vens:.2f} KiB each)")
summary = json.dumps({"bench": "vtn_load", "openssl_rsa2048_sign_per_s": sign_ops, "rss_idle_kib": rss0,
                      "rss_registered_kib": rss1, "rss_registered_twice_kib": rss2, "vens": vens,
                      "kib_per_ven": round((rss2 - rss1) / vens, 2)})
print(summary)
if out:
    with open(out, "a") as f:
        for r in runs.values():
            f.write(json.dumps(dict(r, bench="vtn_load")) + "\n")
        f.write(summary + "\n")
PY
