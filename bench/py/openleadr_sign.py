"""OpenLEADR 0.5.36's XML-DSig signing and verification throughput: JSON lines.

    $OADR_PYTHON bench/py/openleadr_sign.py [--sign-count N] [--verify-rounds R] [--keys rsa,ecdsa] [FILE...]

FILEs default to a typical oadrDistributeEvent (one SIMPLE event) and oadrUpdateReport (telemetry) from the OpenLEADR captures
in tests/fixtures/valid/. For each file and key type (test certificates in tests/fixtures/certs/,
VTN side):

* sign: `create_message(type, cert=..., key=..., **payload)` N times (default 30), timed. This is
  what OpenLEADR does for every outgoing message when it has a key; it re-loads the PEM key for
  each message, which is most of its cost.
* verify: the receive path of a signed message, `validate_xml_schema` then
  `validate_xml_signature(tree, cert_fingerprint=FP)` (fingerprint check, signxml verification,
  ReplayProtect check) then `parse_message`, over the N signed messages, R rounds (default 20).
  ReplayProtect would refuse the second round (nonce already seen) and anything older than 5 s,
  so the nonce cache is cleared between rounds (untimed) and the window is set to one hour for
  the run. Each verified message was signed in this run.

One JSON line per (file, key): {"tool": "openleadr-sign", "message_type": ..., "key": "rsa",
"sign_msgs_per_s": ..., "verify_msgs_per_s": ..., "bytes": <size of one signed message>, ...}.
"""

import argparse
import json
import logging
import sys
import time
from datetime import timedelta
from pathlib import Path

from openleadr import messaging, utils
from openleadr.messaging import create_message, parse_message, validate_xml_schema, validate_xml_signature

ROOT = Path(__file__).resolve().parents[2]
CERTS = ROOT / "tests" / "fixtures" / "certs"
DEFAULT_FILES = [
    ROOT / "tests/fixtures/valid/oadrDistributeEvent--openleadr-one-event.xml",
    ROOT / "tests/fixtures/valid/oadrUpdateReport--openleadr-telemetry.xml",
]


def bench(path, key_type, sign_count, verify_rounds):
    message_type, payload = parse_message(Path(path).read_bytes())
    cert = (CERTS / f"vtn-{key_type}.crt").read_bytes()
    key = (CERTS / f"vtn-{key_type}.key").read_bytes()
    fingerprint = utils.certificate_fingerprint(cert)

    create_message(message_type, cert=cert, key=key, **payload)  # warm-up
    signed = []
    start = time.perf_counter()
    for _ in range(sign_count):
        signed.append(create_message(message_type, cert=cert, key=key, **payload).encode("utf-8"))
    sign_s = time.perf_counter() - start

    def receive(data):
        tree = validate_xml_schema(data)
        validate_xml_signature(tree, cert_fingerprint=fingerprint)
        return parse_message(data)

    messaging.NONCE_CACHE.clear()
    receive(signed[0])  # warm-up
    verify_s = 0.0
    for _ in range(verify_rounds):
        messaging.NONCE_CACHE.clear()
        start = time.perf_counter()
        for data in signed:
            receive(data)
        verify_s += time.perf_counter() - start
    verified = sign_count * verify_rounds
    return {
        "tool": "openleadr-sign", "file": Path(path).name, "message_type": message_type,
        "key": key_type, "bytes": len(signed[0]),
        "signed": sign_count, "sign_seconds": round(sign_s, 6),
        "sign_msgs_per_s": round(sign_count / sign_s, 2),
        "verified": verified, "verify_seconds": round(verify_s, 6),
        "verify_msgs_per_s": round(verified / verify_s, 1),
        "what": "sign: create_message with cert/key; verify: validate_xml_schema + "
                "validate_xml_signature(fingerprint) + parse_message",
        "python": sys.version.split()[0],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", default=[str(f) for f in DEFAULT_FILES])
    ap.add_argument("--sign-count", type=int, default=30)
    ap.add_argument("--verify-rounds", type=int, default=20)
    ap.add_argument("--keys", default="rsa,ecdsa")
    args = ap.parse_args()
    logging.getLogger("openleadr").setLevel(logging.ERROR)
    messaging.REPLAY_PROTECT_MAX_TIME_DELTA = timedelta(hours=1)
    for path in args.files:
        for key_type in args.keys.split(","):
            print(json.dumps(bench(path, key_type, args.sign_count, args.verify_rounds), sort_keys=True),
                  flush=True)


if __name__ == "__main__":
    main()
