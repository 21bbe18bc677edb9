"""OpenLEADR 0.5.36's receive path over a directory of messages: throughput as one JSON line.

    $OADR_PYTHON bench/py/openleadr_decode.py DIR [--rounds N]

For every *.xml in DIR: `openleadr.messaging.validate_xml_schema(bytes)` (lxml parse with the
2.0b schema attached to the parser) then `parse_message(bytes)` (xmltodict + normalize_dict),
which is what OpenLEADR's client and server do with each message they receive (before any
signature check). Files that fail this path are left out of the timing and listed in `skipped`.
One untimed warm-up round, then N timed rounds over all files (default 20): bounded, fixed work.
Prints {"tool": "openleadr-decode", "msgs_per_s": ..., "mb_per_s": ... (MB = 10^6 bytes), ...}.
"""

import argparse
import logging

from openleadr.messaging import parse_message, validate_xml_schema

from _common import load_corpus, report, run_rounds


def receive(data):
    validate_xml_schema(data)
    return parse_message(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    logging.getLogger("openleadr").setLevel(logging.ERROR)
    corpus, skipped = [], []
    for name, data in load_corpus(args.dir):
        try:
            receive(data)
            corpus.append((name, data))
        except Exception:
            skipped.append(name)
    seconds = run_rounds(corpus, receive, args.rounds)
    report("openleadr-decode", corpus, args.rounds, seconds, skipped=skipped,
           what="validate_xml_schema + parse_message")


if __name__ == "__main__":
    main()
