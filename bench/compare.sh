#!/usr/bin/env bash
# One comparison report (issue 7): oadr's benchmarks and the same work done by OpenLEADR 0.5.36,
# all in one run on this machine, as one table (figure, oadr, OpenLEADR, ratio) printed and
# written to bench/RESULTS.md with the date, CPU, core count and load average.
#
#   bench/compare.sh            (works on a fresh clone: builds what it needs in release and
#                                makes the OpenLEADR venv with scripts/venv.sh; about 10 minutes)
#   env: OADR_PYTHON (an existing venv's python), COMPARE_OUT (default bench/RESULTS.md),
#        VTN_VENS (default 1000), VTN_SECONDS (default 5)
#
# What each figure is (details in the scripts it runs):
#   decode+validate  bench/decode.sh  wire::decode vs OpenLEADR validate_xml_schema+parse_message
#   encode           bench/encode.sh  model::encode vs OpenLEADR create_message (unsigned)
#   sign, verify     bench/sign.sh    oadr Signer/Verifier vs OpenLEADR create_message with
#                                     cert/key and validate_xml_signature+parse_message
#   VTN polls/s      bench/vtn_load.sh oadr vtn vs OpenLEADR OpenADRServer, 1 000 VENs, XML
#   idle VEN RSS     bench/ven_memory.sh oadr ven vs OpenLEADR OpenADRClient after registration
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out_md=${COMPARE_OUT:-bench/RESULTS.md}
export OADR_PYTHON=${OADR_PYTHON:-$(scripts/venv.sh)}
export SIGN_SKIP_CRYPTO_COMPARE=1
export BENCH_NO_BUILD=1   # built once below (per-script builds of fewer targets rebuild the crate)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BENCH_JSON=$tmp/all.jsonl
: > "$BENCH_JSON"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== building (release)" >&2
cargo build --release --quiet --bin oadr --example bench_encode --example vtn_load
cargo build --release --quiet -p oadr-wire --example bench_decode
cargo bench --no-run --quiet $(pkg-config --exists openssl 2>/dev/null && echo --features openssl) --bench sign 2>/dev/null

echo "== decode + validate" >&2
bench/decode.sh > "$tmp/decode.txt"
echo "== encode" >&2
bench/encode.sh > "$tmp/encode.txt"
echo "== sign / verify" >&2
bench/sign.sh > "$tmp/sign.txt"
echo "== VTN load" >&2
bench/vtn_load.sh "${VTN_VENS:-1000}" "${VTN_SECONDS:-5}" > "$tmp/vtn.txt"
echo "== idle VEN memory" >&2
bench/ven_memory.sh > "$tmp/ven.txt"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
python3 - "$BENCH_JSON" "$out_md" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(nproc)" "$cpu" \
  "$load_before" "$load_after" "$(git describe --always --dirty 2>/dev/null || echo unknown)" <<'PY'
import json, sys
path, out_md, date, nproc, cpu, load_before, load_after, rev = sys.argv[1:]
lines = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
tool = {l["tool"]: l for l in lines if "tool" in l}
ol_decode, lxml = tool["openleadr-decode"], tool["lxml-validate"]
sign = {(l["key"], l["message_type"], l["op"]): l for l in lines if l.get("bench") == "sign"}
vtn = {(l["server"], l["signed"], l["concurrency"]): l for l in lines if l.get("bench") == "vtn_load" and "server" in l}
vtn_sum = next(l for l in lines if l.get("bench") == "vtn_load" and "server" not in l)
ven = {l["ven"]: l for l in lines if "ven" in l}

rows = []  # (figure, oadr, openleadr, ratio, note)
def row(fig, o, l, higher_better=True, fmt="{:,.0f}", note=""):
    ratio = (o / l) if higher_better else (l / o)
    rows.append((fig, fmt.format(o), fmt.format(l), f"{ratio:,.1f}x", note))

d = tool["oadr-decode"]
row("decode + schema validation, msgs/s", d["msgs_per_s"], ol_decode["msgs_per_s"],
    note=f"{d['files']} fixtures; lxml XMLSchema.validate alone: {lxml['msgs_per_s']:,.0f}/s "
         f"({d['msgs_per_s'] / lxml['msgs_per_s']:.1f}x); raw quick-xml scan: "
         f"{tool['oadr-scan']['msgs_per_s']:,.0f}/s ({tool['oadr-scan']['msgs_per_s'] / d['msgs_per_s']:.1f}x faster than oadr)")
e, ole = tool["oadr-encode"], tool["openleadr-encode"]
row("encode (model to XML), msgs/s", e["msgs_per_s"], ole["msgs_per_s"],
    note=f"{e['files']} payloads OpenLEADR can re-encode; oadr encode + validate: {tool['oadr-encode-validate']['msgs_per_s']:,.0f}/s")
for key, alg in (("rsa", "RSA-2048"), ("ecdsa", "ECDSA P-256")):
    for op in ("sign", "verify"):
        s = sign[(key, "oadrDistributeEvent", op)]
        row(f"{op} oadrDistributeEvent {alg}, msgs/s", s["oadr_per_s"], s["openleadr_per_s"],
            note=f"openssl speed {op}: {s['openssl_per_s']:,.0f}/s ({s['oadr_per_s'] / s['openssl_per_s']:.2f}x)")
for signed in (False, True):
    for c in (64,):
        what = "signed " if signed else ""
        if ("oadr", signed, c) not in vtn or ("openleadr", signed, c) not in vtn:
            rows.append((f"VTN {what}polls/s, concurrency {c}", "failed", "", "", "a run failed: see bench/vtn_load.sh output"))
            continue
        o, l = vtn[("oadr", signed, c)], vtn[("openleadr", signed, c)]
        bare = vtn.get(("bare", False, c))
        note = f"{o['vens']} VENs (OpenLEADR: {l['vens']})" if signed else \
            f"{o['vens']} VENs; bare hyper: {bare['polls_per_s']:,.0f}/s ({100 * o['polls_per_s'] / bare['polls_per_s']:.0f}%)"
        if signed:
            note += f"; openssl rsa2048 sign: {vtn_sum['openssl_rsa2048_sign_per_s']:,.0f}/s"
        row(f"VTN {what}polls/s, concurrency {c}", o["polls_per_s"], l["polls_per_s"], note=note)
        lat_note = ""
        if o.get("pinned"):
            lat_note = f"servers: {o['server_threads']} worker thread(s) pinned apart from the load generator"
            shared = vtn.get(("oadr-shared", False, c))
            if shared and not signed:
                lat_note += (f"; unpinned, one worker per core beside it: {shared['p50_us'] / 1000:.2f} / "
                             f"{shared['p99_us'] / 1000:.2f} ms")
        if "app_p99_us" in o:
            lat_note += ("; " if lat_note else "") + (
                f"from the request's write to the answer's arrival at the client's socket (kernel stamp); "
                f"to the client's read of it: {o['app_p50_us'] / 1000:.2f} / {o['app_p99_us'] / 1000:.2f} ms "
                f"(OpenLEADR {l['app_p50_us'] / 1000:.1f} / {l['app_p99_us'] / 1000:.1f} ms)")
        rows.append((f"VTN {what}poll latency p50 / p99, concurrency {c}",
                     f"{o['p50_us'] / 1000:.2f} / {o['p99_us'] / 1000:.2f} ms",
                     f"{l['p50_us'] / 1000:.1f} / {l['p99_us'] / 1000:.1f} ms",
                     f"{l['p99_us'] / max(o['p99_us'], 1):,.1f}x (p99)", lat_note))
o16, l16 = vtn[("oadr", False, 16)], vtn[("openleadr", False, 16)]
row("VTN polls/s, concurrency 16", o16["polls_per_s"], l16["polls_per_s"],
    note=f"p99 {o16['p99_us'] / 1000:.2f} ms vs {l16['p99_us'] / 1000:.1f} ms")
ov, lv = ven["oadr-bench"], ven["openleadr-bench"]
row("idle VEN resident memory after registration, MiB", ov["rss_mib_median"], lv["rss_mib_median"],
    higher_better=False, fmt="{:.1f}", note="ratio: OpenLEADR / oadr")
# Marginal: the second batch of registrations (vtn_load.sh); the first also pays for code pages.
per_ven = vtn_sum.get("kib_per_ven",
                      (vtn_sum["rss_registered_kib"] - vtn_sum["rss_idle_kib"]) / vtn_sum["vens"])

header = ["figure", "oadr", "OpenLEADR 0.5.36", "ratio", "notes"]
md = [f"# oadr vs OpenLEADR 0.5.36", "",
      f"Measured {date} by `bench/compare.sh` (oadr {rev}) on {nproc} cores ({cpu}); "
      f"load average {load_before} before, {load_after} after (the machine is shared: compare "
      f"figures only within one run).", "",
      "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
md += ["| " + " | ".join(r) + " |" for r in rows]
md += ["", f"oadr VTN resident memory per registered VEN: {per_ven:.2f} KiB "
           f"({vtn_sum['rss_idle_kib']} KiB idle, {vtn_sum['rss_registered_kib']} KiB with {vtn_sum['vens']} VENs, "
           f"{vtn_sum.get('rss_registered_twice_kib', '?')} KiB with twice as many).",
       "Ratios are oadr / OpenLEADR (for memory, OpenLEADR / oadr): higher is better for oadr.",
       "Re-run: `bench/compare.sh` (rewrites this file)."]
text = "\n".join(md) + "\n"
open(out_md, "w").write(text)
print(text)

# The README's Performance section shows the latest default run (between its heading and the
# next section or subsection: subsections such as "### Build time and binary size" stay).
if out_md == "bench/RESULTS.md":
    readme = open("README.md").read()
    start = readme.find("## Performance\n")
    ends = [e for e in (readme.find("\n## ", start + 1), readme.find("\n### ", start + 1)) if e >= 0]
    end = min(ends) if ends else -1
    if start >= 0 and end > start:
        section = ["## Performance", "",
                   "oadr against OpenLEADR 0.5.36 doing the same work on the same machine, in one run of "
                   "`bench/compare.sh` (it rewrites this table and [bench/RESULTS.md](bench/RESULTS.md); "
                   "about 15 minutes, more on a loaded machine). "
                   f"Latest: {date}, {nproc} cores ({cpu}), load average {load_before} before and "
                   f"{load_after} after (a shared machine: only ratios within one run mean anything).", ""]
        section += md[4:4 + 2 + len(rows)]
        section += ["", md[-3], md[-2]]
        open("README.md", "w").write(readme[:start] + "\n".join(section) + "\n" + readme[end:])
PY
