"""Shared helpers for the bench/py scripts: corpus loading, bounded timing, one JSON line out."""

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_XSD = ROOT / "xsd" / "oadr_20b.xsd"


def load_corpus(directory):
    """Every *.xml directly in `directory` (sorted), as (name, bytes)."""
    files = sorted(Path(directory).glob("*.xml"))
    if not files:
        raise SystemExit(f"no *.xml in {directory}")
    return [(f.name, f.read_bytes()) for f in files]


def run_rounds(corpus, work, rounds, warmup=1):
    """Call work(data) for every message, `warmup` untimed rounds then `rounds` timed rounds."""
    for _ in range(warmup):
        for _, data in corpus:
            work(data)
    start = time.perf_counter()
    for _ in range(rounds):
        for _, data in corpus:
            work(data)
    return time.perf_counter() - start


def report(tool, corpus, rounds, seconds, **extra):
    messages = len(corpus) * rounds
    total_bytes = sum(len(d) for _, d in corpus) * rounds
    line = {
        "tool": tool,
        "files": len(corpus),
        "rounds": rounds,
        "messages": messages,
        "bytes": total_bytes,
        "seconds": round(seconds, 6),
        "msgs_per_s": round(messages / seconds, 1),
        "mb_per_s": round(total_bytes / seconds / 1e6, 3),  # MB = 10^6 bytes
        "python": sys.version.split()[0],
    }
    line.update(extra)
    print(json.dumps(line, sort_keys=True))
