"""OpenLEADR 0.5.36's encoder (create_message) for the payloads of a corpus: one JSON line.

    $OADR_PYTHON bench/py/openleadr_encode.py DIR [--rounds N]

Each *.xml in DIR is decoded once with `parse_message` (untimed); then `create_message(type,
**payload)` (preflight, Jinja2 template, flatten; no signature) is timed for every payload.
Payloads that OpenLEADR cannot re-encode from its own dict form are left out and listed in
`skipped`: create_message raises, or its output is not schema-valid (OpenLEADR's dict form is not
closed under create_message, e.g. a parsed event tolerance renders as an empty startafter). One untimed warm-up round, then N timed rounds (default 10).
Prints {"tool": "openleadr-encode", "msgs_per_s": ..., "mb_per_s": ...}; the byte count is that
of the messages OpenLEADR produces, not of the input files.
"""

import argparse
import copy
import json
import logging
import sys
import time

from openleadr.messaging import create_message, parse_message

from lxml import etree

from _common import DEFAULT_XSD, load_corpus

SCHEMA = etree.XMLSchema(etree.parse(str(DEFAULT_XSD)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    logging.getLogger("openleadr").setLevel(logging.CRITICAL)
    payloads, skipped = [], []
    for name, data in load_corpus(args.dir):
        try:
            message_type, payload = parse_message(data)
            out = create_message(message_type, **copy.deepcopy(payload))
            if not SCHEMA.validate(etree.fromstring(out.encode("utf-8"))):
                skipped.append(f"{name}: output not schema-valid: {SCHEMA.error_log.last_error.message}")
                continue
            payloads.append((message_type, payload, len(out.encode("utf-8"))))
        except Exception as err:
            skipped.append(f"{name}: {type(err).__name__}")
    # create_message's preflight mutates the payload dict, so each call gets its own copy;
    # the copies are made before the clock starts.
    for _ in range(1):
        for message_type, payload, _ in payloads:
            create_message(message_type, **copy.deepcopy(payload))
    work = [[copy.deepcopy(p) for _, p, _ in payloads] for _ in range(args.rounds)]
    start = time.perf_counter()
    for r in range(args.rounds):
        for (message_type, _, _), payload in zip(payloads, work[r]):
            create_message(message_type, **payload)
    seconds = time.perf_counter() - start
    messages = len(payloads) * args.rounds
    out_bytes = sum(n for _, _, n in payloads) * args.rounds
    print(json.dumps({
        "tool": "openleadr-encode", "files": len(payloads), "rounds": args.rounds,
        "messages": messages, "bytes": out_bytes, "seconds": round(seconds, 6),
        "msgs_per_s": round(messages / seconds, 1), "mb_per_s": round(out_bytes / seconds / 1e6, 3),
        "skipped": skipped, "what": "create_message(type, **payload), unsigned",
        "python": sys.version.split()[0]}, sort_keys=True))


if __name__ == "__main__":
    main()
