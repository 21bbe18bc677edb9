"""Verify signed OpenADR messages with OpenLEADR 0.5.36, the way its VTN/VEN do.

Usage: openleadr_verify.py FILE FINGERPRINT [FILE FINGERPRINT ...]
Prints one line per file: "ok FILE TYPE" or "fail FILE REASON". Exit 0 if all ok.

OpenLEADR's replay window (5 s) is widened to 10 minutes here, only because the test signs a
batch first and then starts this interpreter; the freshness check itself still runs.
"""
import sys
from datetime import timedelta

from openleadr import messaging

messaging.REPLAY_PROTECT_MAX_TIME_DELTA = timedelta(minutes=10)

args = sys.argv[1:]
failed = 0
for path, fingerprint in zip(args[0::2], args[1::2]):
    try:
        data = open(path, "rb").read()
        tree = messaging.validate_xml_schema(data)
        messaging.validate_xml_signature(tree, cert_fingerprint=fingerprint)
        message_type, _ = messaging.parse_message(data)
        print(f"ok {path} {message_type}")
    except Exception as e:  # report every failure, keep going
        failed += 1
        print(f"fail {path} {type(e).__name__}: {e}")
sys.exit(1 if failed else 0)
