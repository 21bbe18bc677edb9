"""Run OpenLEADR 0.5.36's OpenADRServer (a VTN) on 127.0.0.1 with a scripted scenario, for interop tests.

    $OADR_PYTHON tests/interop/openleadr_vtn.py --port 0 --duration 30 [options]

Logs JSON lines on stdout (see _jsonlog.py): first {"kind": "listening", "url": ..., "port": ...},
then every message received and sent, scenario events, and {"kind": "stopped"} last. Runs until
--duration seconds have passed (bounded; default 30) or SIGINT/SIGTERM, then stops the server.
Exit status 0, or 2 on bad arguments.

Scenario (all optional, defaults in brackets):
* Registration: every VEN is accepted [--accept-any is implied without TLS]; with TLS
  (--tls-cert/--tls-key/--tls-ca) only VENs whose client certificate fingerprint is given with
  --ven-fingerprint (repeatable) are; a refused registration answers without venID/registrationID
  (OpenLEADR's behaviour). venID is --ven-id or `ven-<n>`; registrationID is `reg-<venID>`.
  Logs {"kind": "registered", "ven_id", "registration_id", "ven_name", "fingerprint"}.
* Events: after each registration, the events given with --event NAME,TYPE,VALUE,START_S,DURATION_S
  (repeatable; START_S relative to the registration time) are queued for that VEN and delivered
  on its next poll [one event: SIMPLE,level,1,60,300]; --no-event for none. --cancel-event-after S
  cancels them S seconds after creation. Opt answers are logged as {"kind": "opt_response",
  "ven_id", "event_id", "opt_type"}.
* Reports: every TELEMETRY_USAGE / TELEMETRY_STATUS data point a VEN offers is requested at its
  minimum sampling period [on; --no-reports off]; values arrive as {"kind": "report_values",
  "ven_id", "resource_id", "measurement", "values": [[dtstart, value], ...]}.
* EiOpt: OpenLEADR 0.5.36's server does not serve EiOpt (404). This driver mounts OpenLEADR's own
  OptService there, answering oadrCreatedOpt / oadrCanceledOpt [on; --no-opt-service gives the
  stock 404]. Logged as received messages.
* Cancel registration: --cancel-registration-after S has the VTN send oadrCancelPartyRegistration
  on the VEN's poll S seconds after it registered; the VEN is forgotten when its
  oadrCanceledPartyRegistration arrives (answered 200 here; stock OpenLEADR answers 459).
  A VEN's own oadrCancelPartyRegistration is answered with oadrCanceledPartyRegistration.

Signing: --cert/--key make the VTN sign everything it sends. OpenLEADR verifies the VEN's
signatures only on TLS connections (with the fingerprint from --ven-fingerprint).
"""

import argparse
import asyncio
import contextlib
import itertools
import signal
import socket
import sys
from datetime import datetime, timedelta, timezone

from aiohttp import web
from openleadr import OpenADRServer
from openleadr.service import OptService

import _jsonlog
from _jsonlog import emit, message


def parse_event(text):
    try:
        name, signal_type, value, start, duration = text.split(",")
        return {"signal_name": name, "signal_type": signal_type, "value": float(value),
                "start_s": float(start), "duration_s": float(duration)}
    except ValueError:
        raise argparse.ArgumentTypeError(f"--event wants NAME,TYPE,VALUE,START_S,DURATION_S, got {text!r}")


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def build_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1", help="bind address [127.0.0.1]")
    ap.add_argument("--port", type=int, default=0, help="port; 0 picks a free one [0]")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds to run [30]")
    ap.add_argument("--vtn-id", default="OPENLEADR-VTN")
    ap.add_argument("--poll-freq", type=float, default=1.0, help="oadrRequestedOadrPollFreq, seconds [1]")
    ap.add_argument("--cert", help="PEM certificate for signing messages")
    ap.add_argument("--key", help="PEM private key for signing messages")
    ap.add_argument("--tls-cert", help="PEM server certificate (enables HTTPS)")
    ap.add_argument("--tls-key", help="PEM server key")
    ap.add_argument("--tls-ca", help="PEM CA file for client certificates (a self-signed client cert itself works)")
    ap.add_argument("--ven-fingerprint", action="append", default=[],
                    help="allowed VEN certificate fingerprint (repeatable)")
    ap.add_argument("--ven-id", help="venID to assign (default ven-<n>)")
    ap.add_argument("--event", action="append", type=parse_event, default=None,
                    help="NAME,TYPE,VALUE,START_S,DURATION_S (repeatable) [SIMPLE,level,1,60,300]")
    ap.add_argument("--no-event", action="store_true")
    ap.add_argument("--cancel-event-after", type=float)
    ap.add_argument("--no-reports", action="store_true")
    ap.add_argument("--no-opt-service", action="store_true")
    ap.add_argument("--cancel-registration-after", type=float)
    ap.add_argument("--market-context", default="http://openleadr.example.com/interop")
    ap.add_argument("--log-xml", action="store_true", help="include the raw XML in message lines")
    args = ap.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        ap.error("--cert and --key go together")
    tls = [args.tls_cert, args.tls_key, args.tls_ca]
    if any(tls) and not all(tls):
        ap.error("--tls-cert, --tls-key and --tls-ca go together")
    if args.event is None:
        args.event = [] if args.no_event else [parse_event("SIMPLE,level,1,60,300")]
    elif args.no_event:
        ap.error("--event and --no-event exclude each other")
    return args


async def run(args):
    tls = bool(args.tls_cert)
    port = args.port or free_port(args.host)
    registry = {}           # ven_id -> {ven_id, ven_name, fingerprint, registration_id}
    counter = itertools.count(1)
    poll_queue = {}         # ven_id -> [(message_type, payload)]
    tasks = []

    def ven_lookup(ven_id):
        return registry.get(ven_id)

    with contextlib.redirect_stdout(sys.stderr):
        server = OpenADRServer(vtn_id=args.vtn_id, cert=args.cert, key=args.key, http_port=port,
                               http_host=args.host, http_cert=args.tls_cert, http_key=args.tls_key,
                               http_ca_file=args.tls_ca, ven_lookup=ven_lookup,
                               requested_poll_freq=timedelta(seconds=args.poll_freq),
                               show_fingerprint=False)

    @web.middleware
    async def log_messages(request, handler):
        service = request.path.rsplit("/", 1)[-1]
        message("received", service, await request.read())
        response = await handler(request)
        if isinstance(response, web.Response) and response.status == 200:
            message("sent", service, response.body or b"")
        else:
            emit("http_error", service=service, status=response.status, text=getattr(response, "text", None))
        return response
    server.app.middlewares.append(log_messages)

    def opt_callback(ven_id, event_id, opt_type):
        emit("opt_response", ven_id=ven_id, event_id=event_id, opt_type=opt_type)

    async def schedule_events(ven_id):
        now = datetime.now(timezone.utc).replace(microsecond=0)
        created = []
        for i, ev in enumerate(args.event):
            event_id = f"{ven_id}-event-{i + 1}"
            server.add_event(ven_id=ven_id, signal_name=ev["signal_name"], signal_type=ev["signal_type"],
                             intervals=[{"dtstart": now + timedelta(seconds=ev["start_s"]),
                                         "duration": timedelta(seconds=ev["duration_s"]),
                                         "signal_payload": ev["value"]}],
                             event_id=event_id, market_context=args.market_context,
                             callback=opt_callback)
            created.append(event_id)
            emit("event_created", ven_id=ven_id, event_id=event_id, **ev)
        if args.cancel_event_after is not None and created:
            await asyncio.sleep(args.cancel_event_after)
            for event_id in created:
                server.cancel_event(ven_id, event_id)
                emit("event_cancelled", ven_id=ven_id, event_id=event_id)

    async def schedule_cancel_registration(ven_id):
        await asyncio.sleep(args.cancel_registration_after)
        info = registry.get(ven_id)
        if info:
            poll_queue.setdefault(ven_id, []).append(("oadrCancelPartyRegistration", {
                "request_id": f"cancel-{info['registration_id']}",
                "registration_id": info["registration_id"], "ven_id": ven_id}))
            emit("cancel_registration_queued", ven_id=ven_id)

    def on_create_party_registration(info):
        fingerprint = info.get("fingerprint")
        if tls and fingerprint not in args.ven_fingerprint:
            emit("registration_refused", ven_name=info.get("ven_name"), fingerprint=fingerprint)
            return False
        ven_id = info.get("ven_id") or args.ven_id or f"ven-{next(counter)}"
        registration_id = f"reg-{ven_id}"
        fresh = ven_id not in registry
        registry[ven_id] = {"ven_id": ven_id, "ven_name": info.get("ven_name"),
                            "fingerprint": fingerprint or (args.ven_fingerprint or [None])[0],
                            "registration_id": registration_id}
        emit("registered", ven_id=ven_id, registration_id=registration_id,
             ven_name=info.get("ven_name"), fingerprint=fingerprint)
        if fresh:
            tasks.append(asyncio.ensure_future(schedule_events(ven_id)))
            if args.cancel_registration_after is not None:
                tasks.append(asyncio.ensure_future(schedule_cancel_registration(ven_id)))
        return ven_id, registration_id
    server.add_handler("on_create_party_registration", on_create_party_registration)

    def on_cancel_party_registration(payload):
        ven_id = payload.get("ven_id")
        registry.pop(ven_id, None)
        emit("registration_cancelled", ven_id=ven_id, by="ven")
        return "oadrCanceledPartyRegistration", {"registration_id": payload.get("registration_id"),
                                                 "ven_id": ven_id}
    server.add_handler("on_cancel_party_registration", on_cancel_party_registration)

    # OpenLEADR's VTN has no handler for these acknowledgements and answers 459; answer 200 and,
    # for the registration, forget the VEN only once it has confirmed the cancellation.
    async def canceled_party_registration(payload):
        ven_id = payload.get("ven_id")
        registry.pop(ven_id, None)
        emit("registration_cancelled", ven_id=ven_id, by="vtn")
        return "oadrResponse", {}

    async def canceled_report(payload):
        return "oadrResponse", {}
    server.services["registration_service"].handlers["oadrCanceledPartyRegistration"] = canceled_party_registration
    server.services["report_service"].handlers["oadrCanceledReport"] = canceled_report

    if not args.no_reports:
        def on_register_report(ven_id, resource_id, measurement, unit, scale,
                               min_sampling_interval, max_sampling_interval):
            def values(data):
                emit("report_values", ven_id=ven_id, resource_id=resource_id, measurement=measurement,
                     values=[list(v) for v in data])
            emit("report_requested", ven_id=ven_id, resource_id=resource_id, measurement=measurement,
                 granularity=min_sampling_interval)
            return values, min_sampling_interval
        server.add_handler("on_register_report", on_register_report)

    # VTN-initiated messages from the scenario go out on poll first, then OpenLEADR's event queue
    # (its internal polling logic, reproduced because an on_poll handler switches it off).
    poll_service = server.services["poll_service"]

    async def on_poll(ven_id):
        queued = poll_queue.get(ven_id)
        if queued:
            return queued.pop(0)
        if poll_service.events_updated.get(ven_id):
            poll_service.events_updated[ven_id] = False
            return await server.services["event_service"].request_event({"ven_id": ven_id})
        return None
    poll_service.polling_method = "external"
    poll_service.on_poll = on_poll

    if not args.no_opt_service:
        opt_service = OptService(args.vtn_id)

        async def create_opt(payload):
            return opt_service.on_create_opt(payload)

        async def cancel_opt(payload):
            return opt_service.on_cancel_opt(payload["ven_id"], payload["opt_id"])
        opt_service.handlers["oadrCreateOpt"] = create_opt
        opt_service.handlers["oadrCancelOpt"] = cancel_opt
        server.services["opt_service"] = opt_service
        server.app.router.add_post(f"{server.http_path_prefix}/EiOpt", opt_service.handler)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    reason = {"why": "duration"}
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda s=sig: (reason.update(why=signal.Signals(s).name), stop.set()))

    with contextlib.redirect_stdout(sys.stderr):
        await server.run()
    scheme = "https" if tls else "http"
    emit("listening", url=f"{scheme}://{args.host}:{port}{server.http_path_prefix}", port=port,
         vtn_id=args.vtn_id, signing=bool(args.cert), tls=tls)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.duration)
    except asyncio.TimeoutError:
        pass
    for task in tasks:
        task.cancel()
    await server.stop()
    emit("stopped", reason=reason["why"])


def main(argv=None):
    args = build_args(argv)
    _jsonlog.LOG_XML = args.log_xml
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
