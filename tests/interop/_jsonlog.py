"""JSON-lines logging shared by openleadr_vtn.py and openleadr_ven.py (one object per line, stdout).

Every line has "ts" (UTC, ISO 8601) and "kind":
  {"kind": "listening", "url": ...}                       VTN is up (first line of the VTN)
  {"kind": "message", "direction": "received"|"sent", "service": ..., "message_type": ...,
   "payload": {...}, ["xml": "..."], ["error": "..."]}      every OpenADR message in or out
  {"kind": "<scenario event>", ...}                       registered, event_created, opt, ...
  {"kind": "stopped", "reason": "duration"|"signal"|...}  last line
Payloads are OpenLEADR's parse_message dicts, normalized as documented in parse_message.py.
OpenLEADR's own banners and log output go to stderr.
"""

import json
import sys
from datetime import datetime, timezone

from openleadr.messaging import parse_message

from parse_message import iso_datetime, normalize

LOG_XML = False
# The real stdout, captured at import: the drivers send OpenLEADR's own prints to stderr with
# contextlib.redirect_stdout, and JSON lines must not follow them there.
OUT = sys.stdout


def emit(kind, **fields):
    line = {"ts": iso_datetime(datetime.now(timezone.utc)), "kind": kind}
    line.update(normalize(fields))
    OUT.write(json.dumps(line, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n")
    OUT.flush()


def message(direction, service, data):
    """Log one OpenADR message (bytes or str); empty bodies (OpenLEADR's reply to oadrResponse) too."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    fields = {"direction": direction, "service": service}
    if not data:
        fields["message_type"] = None
        fields["empty"] = True
    else:
        try:
            message_type, payload = parse_message(data)
            fields["message_type"] = message_type
            fields["payload"] = payload
        except Exception as err:
            fields["message_type"] = None
            fields["error"] = f"{type(err).__name__}: {err}"
        if LOG_XML:
            fields["xml"] = data.decode("utf-8", errors="replace")
    emit("message", **fields)
