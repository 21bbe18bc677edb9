"""Decode OpenADR 2.0b messages with OpenLEADR 0.5.36 and print its dict form as JSON lines.

    $OADR_PYTHON tests/interop/parse_message.py FILE...

For each FILE, one line on stdout:

    {"file": "<FILE as given>", "message_type": "oadrDistributeEvent", "payload": {...}}

where message_type and payload are exactly what `openleadr.messaging.parse_message(bytes)` returns
(the decoder OpenLEADR's client and server use after schema validation), made JSON-safe by the
normalization below. If OpenLEADR raises, the line is {"file": ..., "error": "<Type>: <message>"}
and the exit status is 1 (after all files are printed). Keys are sorted; output is deterministic.

Normalization (the Rust side must apply the same to its own JSON before comparing):

* datetime -> ISO 8601 in UTC with a `Z`: `2020-01-01T00:00:00Z`. Fractional seconds only when
  non-zero, with trailing zeros removed (`2020-01-01T00:00:00.25Z`). OpenLEADR keeps at most
  6 fractional digits and drops the rest (it does not round). A naive datetime (OpenLEADR never
  produces one from parse_message) would be taken as UTC.
* timedelta -> ISO 8601 duration in a canonical form: `[-]P[nD][T[nH][nM][n[.f]S]]`, days not
  folded into weeks, hours < 24, minutes < 60, seconds < 60 (fraction only when non-zero),
  zero as `PT0S`. So `PT60M` on the wire prints as `PT1H`, `PT24H` as `P1D`. Note what OpenLEADR
  itself already did: it reads years as 365 days, months as 30 days and weeks as 7 days
  (`P1M` -> `P30D`, `P1W` -> `P7D`), and only converts durations under the keys `duration`,
  `startafter`, `min_period` and `max_period`; elsewhere (e.g. `granularity`,
  `report_back_duration`, `requested_oadr_poll_freq`) the value stays as OpenLEADR left it, a dict
  such as `{"duration": "PT1M"}` whose inner `duration` key was converted.
* Enum members -> their `.value`.
* Non-finite floats -> the xs:float spellings `"NaN"`, `"INF"`, `"-INF"` (JSON has no literal).
  Values that OpenLEADR's normalize_dict leaves as strings stay strings: it makes ints of
  `-?\\d+`, floats of `-?[\\d.]+`, booleans of `true`/`false` (not `1`/`0`), and leaves `1.2E-1`,
  `INF`, `+5` etc. as text.
* bytes -> UTF-8 text; tuples -> lists; other objects -> `str()`.
"""

import json
import math
import sys
from datetime import date, datetime, timedelta, timezone
from enum import Enum

from openleadr.messaging import parse_message


def iso_datetime(value):
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def iso_duration(value):
    sign = ""
    if value < timedelta(0):
        sign, value = "-", -value
    days = value.days
    rest = value.seconds
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    micro = value.microseconds
    out = f"{sign}P"
    if days:
        out += f"{days}D"
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if seconds or micro:
        time += f"{seconds}" + (f".{micro:06d}".rstrip("0") if micro else "") + "S"
    if time:
        out += "T" + time
    if out in ("P", "-P"):
        out = "PT0S"
    return out


def normalize(value):
    if isinstance(value, Enum):
        return normalize(value.value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        return value
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
            message_type, payload = parse_message(data)
            line = {"file": path, "message_type": message_type, "payload": normalize(payload)}
        except Exception as err:  # report and carry on with the next file
            line = {"file": path, "error": f"{type(err).__name__}: {err}"}
            status = 1
        print(json.dumps(line, sort_keys=True, ensure_ascii=False, allow_nan=False))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
