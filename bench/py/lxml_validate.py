"""libxml2 (through lxml) schema validation over a directory of messages: one JSON line.

    $OADR_PYTHON bench/py/lxml_validate.py DIR [--rounds N] [--xsd xsd/oadr_20b.xsd]

For every *.xml in DIR: `etree.fromstring(bytes)` then `XMLSchema.validate(tree)` with the schema
compiled once up front, i.e. parse + validate, the same work as a decode-and-validate. Files that
are not valid are still timed (validate returns False) and counted in `invalid`.
One untimed warm-up round, then N timed rounds (default 50).
Prints {"tool": "lxml-validate", "msgs_per_s": ..., "mb_per_s": ..., "libxml2": "2.14.6", ...}.
"""

import argparse

from lxml import etree

from _common import DEFAULT_XSD, load_corpus, report, run_rounds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--xsd", default=str(DEFAULT_XSD))
    args = ap.parse_args()
    schema = etree.XMLSchema(etree.parse(args.xsd))
    corpus = load_corpus(args.dir)

    def validate(data):
        return schema.validate(etree.fromstring(data))

    invalid = [name for name, data in corpus if not validate(data)]
    seconds = run_rounds(corpus, validate, args.rounds)
    report("lxml-validate", corpus, args.rounds, seconds, invalid=invalid,
           libxml2=".".join(map(str, etree.LIBXML_VERSION)), what="etree.fromstring + XMLSchema.validate")


if __name__ == "__main__":
    main()
