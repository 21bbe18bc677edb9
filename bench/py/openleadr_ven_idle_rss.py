"""Resident memory of an idle OpenLEADR 0.5.36 VEN after registration: one JSON line.

    $OADR_PYTHON bench/py/openleadr_ven_idle_rss.py [--vtn-url URL] [--idle S] [--samples N]

Starts tests/interop/openleadr_ven.py (OpenLEADR's OpenADRClient in full-auto mode, offering
one TELEMETRY_USAGE report as `oadr ven` does by default) against --vtn-url, or, without it,
against tests/interop/openleadr_vtn.py started here on 127.0.0.1 (no events). Waits until the
VEN has registered, lets it idle (polling) for --idle seconds (default 10), then samples VmRSS
of the VEN process from /proc N times a second apart (default 5) and prints
{"tool": "openleadr-ven-idle-rss", "rss_kib": [...], "rss_kib_median": ..., "rss_mib_median": ...}.
Both processes are stopped at the end. Linux only (/proc).
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "tests" / "interop"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def wait_for(proc, kind, timeout):
    """Read JSON lines from proc.stdout until one has "kind" == kind."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"process ended before {kind!r}")
        obj = json.loads(line)
        if obj.get("kind") == kind:
            return obj
    raise SystemExit(f"no {kind!r} within {timeout} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vtn-url")
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--samples", type=int, default=5)
    args = ap.parse_args()
    budget = args.idle + args.samples + 60
    procs = []
    try:
        url = args.vtn_url
        if not url:
            vtn = subprocess.Popen([sys.executable, str(INTEROP / "openleadr_vtn.py"), "--port", "0",
                                    "--no-event", "--duration", str(budget), "--poll-freq", "10"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            procs.append(vtn)
            url = wait_for(vtn, "listening", 30)["url"]
        ven = subprocess.Popen([sys.executable, str(INTEROP / "openleadr_ven.py"), "--vtn-url", url,
                                "--duration", str(budget)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(ven)
        wait_for(ven, "registered", 60)
        time.sleep(args.idle)
        samples = []
        for _ in range(args.samples):
            samples.append(rss_kib(ven.pid))
            time.sleep(1)
        median = statistics.median(samples)
        print(json.dumps({"tool": "openleadr-ven-idle-rss", "vtn_url": url, "idle_s": args.idle,
                          "rss_kib": samples, "rss_kib_median": median,
                          "rss_mib_median": round(median / 1024, 1),
                          "python": sys.version.split()[0]}, sort_keys=True))
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
