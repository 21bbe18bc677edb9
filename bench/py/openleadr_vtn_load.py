"""OpenLEADR 0.5.36's OpenADRServer as the load-test target of bench/vtn_load.sh.

    $OADR_PYTHON bench/py/openleadr_vtn_load.py --port PORT [--cert PEM --key PEM] [--duration S]

A stock OpenADRServer on 127.0.0.1 with the smallest registration handler (every VEN accepted,
venID `ven-<n>`), its own internal polling (oadrPoll answers oadrResponse when nothing is queued)
and no logging, so that the load measures OpenLEADR's request path and not a test driver's
logging. --cert/--key make it sign every answer, as `oadr vtn --cert/--key` does. Prints
{"kind": "listening", "port": ...} once serving; stops on SIGTERM/SIGINT or after --duration
seconds (bounded; default 600).
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import signal
import sys
from datetime import timedelta

from openleadr import OpenADRServer


async def serve(args):
    counter = itertools.count(1)
    with contextlib.redirect_stdout(sys.stderr):
        server = OpenADRServer(vtn_id="OPENLEADR-VTN", cert=args.cert, key=args.key,
                               http_port=args.port, http_host="127.0.0.1",
                               requested_poll_freq=timedelta(seconds=10), show_fingerprint=False)

    def on_create_party_registration(info):
        ven_id = f"ven-{next(counter)}"
        return ven_id, f"reg-{ven_id}"
    server.add_handler("on_create_party_registration", on_create_party_registration)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with contextlib.redirect_stdout(sys.stderr):
        await server.run()
    print(json.dumps({"kind": "listening", "port": args.port, "signing": bool(args.cert)}), flush=True)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.duration)
    except asyncio.TimeoutError:
        pass
    await server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--duration", type=float, default=600.0)
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
