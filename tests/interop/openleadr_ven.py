"""Run OpenLEADR 0.5.36's OpenADRClient (a VEN) against a VTN, for interop tests.

    $OADR_PYTHON tests/interop/openleadr_ven.py --vtn-url http://127.0.0.1:8080/OpenADR2/Simple/2.0b \
        --duration 30 [options]

Logs JSON lines on stdout (see _jsonlog.py): every message sent and received, scenario events,
and {"kind": "stopped"} last. The client runs in OpenLEADR's full-auto mode (`client.run()`):
oadrQueryRegistration, oadrCreatePartyRegistration, oadrRegisterReport with its reports,
oadrRequestEvent, then oadrPoll at the VTN's requested frequency, answering events and report
requests itself. Runs until --duration seconds have passed (bounded; default 30) or SIGINT/SIGTERM,
then stops the client. Exit status 0; 1 if registration failed; 2 on bad arguments.

Scenario (all optional, defaults in brackets):
* Events: every event gets --opt [optIn]; logged as {"kind": "event", "event_id",
  "modification_number", "event_status", "signals": [...], "opt": ...}.
* Reports: offers a TELEMETRY_USAGE report (powerReal, W, resource `meter-1`, minimum sampling
  period --report-seconds [10]) fed by a simulated meter (1000.0, 1001.0, ...) [on; --no-reports
  off]; OpenLEADR sends each sample when its cron job fires (aligned to the wall clock);
  --status-report adds TELEMETRY_STATUS (payloadFloat 1.0 = online).
* Opt schedule: --opt-schedule-after S creates an availability opt (oadrCreateOpt with a
  vavailability of one hour starting in one hour) S seconds after registration, and cancels it
  (oadrCancelOpt) one second later. Logged as {"kind": "opt_created"|"opt_cancelled", ...}.
* --cancel-registration-at-end sends oadrCancelPartyRegistration before stopping.

Security: --cert/--key make the VEN sign every message, and OpenLEADR's client then talks TLS
with that certificate as client certificate (--ca-file: the VTN's server certificate or its CA;
with an http:// URL it is unused but OpenLEADR still loads it, so it defaults to --cert).
--vtn-fingerprint makes the VEN verify the VTN's signatures. --no-check-hostname for test certs.
"""

import argparse
import asyncio
import contextlib
import contextvars
import itertools
import signal
import sys
from datetime import datetime, timedelta, timezone

from openleadr import OpenADRClient, objects

import _jsonlog
from _jsonlog import emit, message


def build_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vtn-url", required=True, help="e.g. http://127.0.0.1:8080/OpenADR2/Simple/2.0b")
    ap.add_argument("--ven-name", default="openleadr-ven")
    ap.add_argument("--ven-id", help="preassigned venID (default: assigned by the VTN)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds to run [30]")
    ap.add_argument("--cert", help="PEM certificate (signing and TLS client certificate)")
    ap.add_argument("--key", help="PEM private key")
    ap.add_argument("--ca-file", help="PEM file to verify the VTN's TLS certificate")
    ap.add_argument("--vtn-fingerprint", help="verify the VTN's message signatures against this fingerprint")
    ap.add_argument("--no-check-hostname", action="store_true")
    ap.add_argument("--opt", choices=["optIn", "optOut"], default="optIn")
    ap.add_argument("--no-reports", action="store_true")
    ap.add_argument("--status-report", action="store_true")
    ap.add_argument("--report-seconds", type=float, default=10.0,
                    help="minimum sampling period offered for the reports [10]")
    ap.add_argument("--opt-schedule-after", type=float)
    ap.add_argument("--cancel-registration-at-end", action="store_true")
    ap.add_argument("--log-xml", action="store_true", help="include the raw XML in message lines")
    args = ap.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        ap.error("--cert and --key go together")
    return args


async def run(args):
    # The service of the request in flight, per asyncio task (polls run in their own tasks,
    # concurrently with the scenario's requests).
    current_service = contextvars.ContextVar("service", default=None)

    with contextlib.redirect_stdout(sys.stderr):
        client = OpenADRClient(ven_name=args.ven_name, vtn_url=args.vtn_url, ven_id=args.ven_id,
                               cert=args.cert, key=args.key, ca_file=args.ca_file or args.cert,
                               vtn_fingerprint=args.vtn_fingerprint,
                               check_hostname=not args.no_check_hostname, show_fingerprint=False)

    # Log the exact bytes around every request (OpenLEADR's documented hooks).
    original_perform = client._perform_request

    async def perform_request(service, msg):
        current_service.set(service)
        return await original_perform(service, msg)
    client._perform_request = perform_request
    client.add_hook("before_send_xml", lambda xml: message("sent", current_service.get(), xml))
    client.add_hook("after_receive_xml", lambda xml: message("received", current_service.get(), xml))

    async def on_event(event):
        descriptor = event.get("event_descriptor", {})
        emit("event", event_id=descriptor.get("event_id"),
             modification_number=descriptor.get("modification_number"),
             event_status=descriptor.get("event_status"),
             signals=[{"signal_name": s.get("signal_name"), "signal_type": s.get("signal_type"),
                       "intervals": s.get("intervals")} for s in event.get("event_signals", [])],
             opt=args.opt)
        return args.opt
    client.add_handler("on_event", on_event)
    client.add_handler("on_update_event", on_event)

    if not args.no_reports:
        meter = itertools.count(1000)
        client.add_report(callback=lambda: float(next(meter)), resource_id="meter-1",
                          measurement="REAL_POWER", unit="W", report_specifier_id="ven-telemetry-usage",
                          r_id="meter-1-power", report_duration=timedelta(hours=1),
                          sampling_rate=timedelta(seconds=args.report_seconds))
        if args.status_report:
            client.add_report(callback=lambda: 1.0, resource_id="meter-1", report_name="TELEMETRY_STATUS",
                              report_specifier_id="ven-telemetry-status", r_id="meter-1-status",
                              report_type="x-resourceStatus", reading_type="x-notApplicable",
                              report_duration=timedelta(hours=1),
                              sampling_rate=timedelta(seconds=args.report_seconds))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    reason = {"why": "duration"}
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda s=sig: (reason.update(why=signal.Signals(s).name), stop.set()))

    deadline = loop.time() + args.duration
    status = 0
    with contextlib.redirect_stdout(sys.stderr):
        await client.run()
    if not client.registration_id:
        emit("registration_failed")
        status = 1
    else:
        emit("registered", ven_id=client.ven_id, registration_id=client.registration_id,
             poll_frequency=client.poll_frequency)
        if args.opt_schedule_after is not None:
            try:
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, min(args.opt_schedule_after,
                                                                          deadline - loop.time())))
            except asyncio.TimeoutError:
                start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1)
                opt_id = await client.create_opt(
                    opt_type="optOut", opt_reason="participating",
                    targets=[objects.Target(ven_id=client.ven_id)],
                    vavailability=objects.Vavailability(components=[
                        objects.VavailabilityComponent(dtstart=start, duration=timedelta(hours=1))]))
                emit("opt_created", opt_id=opt_id)
                await asyncio.sleep(1)
                if opt_id:
                    emit("opt_cancelled", opt_id=opt_id, acknowledged=await client.cancel_opt(opt_id))
        try:
            await asyncio.wait_for(stop.wait(), timeout=max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            pass
        if args.cancel_registration_at_end:
            await client.cancel_party_registration()
            emit("registration_cancelled", by="ven")
    if client.scheduler.running:
        client.scheduler.shutdown(wait=False)
    if client.report_queue_task:
        client.report_queue_task.cancel()
    if client.client_session:
        await client.client_session.close()
    emit("stopped", reason=reason["why"])
    return status


def main(argv=None):
    args = build_args(argv)
    _jsonlog.LOG_XML = args.log_xml
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
