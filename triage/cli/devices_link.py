"""`triage devices listen | simulate | ports`: live links to devices."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from devices.gateway import DeviceStatus, Gateway, GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.operator_list import read_operator_list
from devices.profile import DeviceProfile
from devices.session import MonotonicClock
from devices.simulated_results import (
    DEVICE_KINDS,
    KIND_PROTOCOL,
    DeviceKind,
    generate_samples,
    simulator_profile,
)
from devices.simulator import (
    DeviceServer,
    FaultPlan,
    Playable,
    SimulatedDevice,
    SimulationReport,
    trace_messages,
)
from devices.transports.ble import require_bleak
from devices.transports.link import Link, LinkClosed, LinkError, SerialSpec, TcpConnectSpec, TcpListenSpec
from devices.transports.pty import open_pty
from devices.transports.serial_port import list_serial_ports, open_serial
from devices.transports.tcp import bind_problem, connect_tcp, parse_host_port
from triage.cli.context import AppContext
from triage.cli.devices_mapping import read_profile
from triage.cli.link_flags import check_serial_flags, flag_profile, transport_from_flags
from triage.cli.output import echo, print_table, shown, write
from triage.errors import UserInputError, json_text


def _err(text: str) -> None:
    echo(text, err=True)


def _result_line(result: GatewayResult) -> str:
    r = result.stored
    what = r.code or f"(unmapped {r.vendor_code})"
    held = "auto" if result.auto_feed else f"held: {result.hold_reason}"
    sample = r.sample_id or "-"
    return f"{r.received_at[11:19]}  {r.device_id}  sample {sample}  {what} = {r.shown_value}  [{r.status}; {held}]"


def _result_json(result: GatewayResult) -> str:
    r = result.stored
    return json.dumps(
        {
            "result_id": result.result_id,
            "device_id": r.device_id,
            "sample_id": r.sample_id or None,
            "patient_id": r.patient_id,
            "vendor_code": r.vendor_code,
            "code": r.code,
            "value": r.value,
            "value_num": r.value_num,
            "comparator": r.comparator,
            "unit": r.unit,
            "status": r.status,
            "qc": r.is_qc,
            "result_time": r.result_time,
            "received_at": r.received_at,
            "auto_feed": result.auto_feed,
            "hold_reason": result.hold_reason,
        },
        ensure_ascii=False,
    )


HOLD_WORDS = {
    "qc": "QC",
    "not_final": "not final",
    "ignored": "ignored by the profile",
    "unmapped": "code not mapped",
    "no_patient": "no patient link",
}


def status_line(s: DeviceStatus) -> str:
    """The per-device counts at the end of ``listen``. Each result is in exactly one bucket: new
    (for triage or held, with why) or duplicate; quarantined counts only what became no result."""
    held = sum(s.held.values())
    why = ", ".join(f"{n} {HOLD_WORDS.get(kind, kind)}" for kind, n in sorted(s.held.items()))
    tolerated = ", ".join(f"{k}={v}" for k, v in sorted(s.tolerance_counts.items())) or "none"
    # Only devices that can refuse the gateway's own requests (POCT1-A2) ever have a refusal.
    refused = ", ".join(f"{n} {what}" for what, n in sorted(s.refused_by_device.items()))
    total = sum(s.refused_by_device.values())
    refusals = f"{total} requests refused by the device ({refused}); " if total else ""
    # Only a POCT1-A2 device sends messages the gateway reads no further (OPL.R02, EVS.R01).
    ignored = ", ".join(f"{n} {what}" for what, n in sorted(s.unhandled.items()))
    unhandled = f"{sum(s.unhandled.values())} messages not handled ({ignored}); " if s.unhandled else ""
    # Only a link with checksums and frame numbers (ASTM) NAKs frames.
    naks = (
        f"{s.rejected_frames} frames rejected with NAK (resent by the device); " if s.rejected_frames else ""
    )
    noise = f"{s.ignored_bytes} bytes outside a session ignored; " if s.ignored_bytes else ""
    # Only a continuous device (a PLX oximeter) thins repeated readings.
    unchanged = f"{s.unchanged} readings without a significant change not stored; " if s.unchanged else ""
    return (
        f"{s.device_id}: {s.messages} messages; {s.results} new results stored "
        f"({s.results - held} for triage, {held} held{': ' + why if why else ''}); "
        f"{s.duplicates} duplicate results not stored again; {unchanged}"
        f"{s.quarantined} quarantined without a result (unreadable messages, parts or stray bytes); "
        f"{s.discarded} partial messages discarded; {naks}{noise}{s.refused_peers} refused connections; "
        f"{refusals}{unhandled}tolerance switches fired: {tolerated}"
    )


def _print_status(statuses: list[DeviceStatus]) -> None:
    for s in statuses:
        _err(status_line(s))


def register(app: typer.Typer) -> None:
    """Add the live-link commands to the devices group."""

    @app.command("listen")
    def listen(
        ctx: typer.Context,
        profile: Annotated[
            list[Path] | None,
            typer.Option(
                "--profile",
                help="Device profile TOML (repeat for several devices; a bare name is a bundled profile).",
            ),
        ] = None,
        port: Annotated[
            str | None,
            typer.Option(help="Serial port: /dev/ttyUSB0, /dev/serial/by-id/..., or a pyserial URL."),
        ] = None,
        baud: Annotated[
            int | None, typer.Option(help="Serial baud rate (default: the profile's, else 9600).")
        ] = None,
        bytesize: Annotated[
            int | None, typer.Option(help="Serial data bits, 5-8 (default: the profile's, else 8).")
        ] = None,
        parity: Annotated[
            str | None, typer.Option(help="Serial parity: N, E, O, M or S (default: the profile's, else N).")
        ] = None,
        stopbits: Annotated[
            float | None, typer.Option(help="Serial stop bits: 1, 1.5 or 2 (default: the profile's, else 1).")
        ] = None,
        protocol: Annotated[
            str | None, typer.Option(help="astm, hl7, line or poct1a (without --profile).")
        ] = None,
        tcp_listen: Annotated[
            str | None,
            typer.Option("--tcp-listen", help="Listen for the device on HOST:PORT (loopback by default)."),
        ] = None,
        allow_peer: Annotated[
            list[str] | None,
            typer.Option(
                "--allow-peer",
                help="IP address or network allowed to connect (repeatable; default loopback).",
            ),
        ] = None,
        device_id: Annotated[
            str, typer.Option("--device-id", help="Device id when no profile is given.")
        ] = "device-1",
        db: Annotated[
            Path | None, typer.Option(help="Clinic SQLite database (default: settings database.path).")
        ] = None,
        wire_log: Annotated[
            Path | None,
            typer.Option(
                "--wire-log", help="Write a per-session hex RX/TX log here. It CONTAINS PATIENT DATA."
            ),
        ] = None,
        json_output: Annotated[
            bool,
            typer.Option(
                "--json", help="Print machine-readable JSON: one object a line, each result as it arrives."
            ),
        ] = False,
    ) -> None:
        """Receive results from devices, store each exactly once, and print them as they arrive.

        Every message is committed to the database before the device gets its final ACK. Results
        that are QC, not final, unmapped or without a patient are printed as "held". Ctrl-C stops.
        """
        app_ctx: AppContext = ctx.obj
        settings = app_ctx.settings
        clock = MonotonicClock()
        profiles: list[DeviceProfile]
        if profile:
            profiles = [read_profile(p, option="--profile") for p in profile]
        elif protocol:
            profiles = [flag_profile(protocol, device_id)]
        elif settings.gateway.profiles:
            profiles = [read_profile(p) for p in settings.gateway.profiles]
        else:
            raise UserInputError(
                "nothing to listen to: give --profile FILE, or --protocol with --port/--tcp-listen"
            )
        flag_transport = transport_from_flags(
            port,
            baud,
            bytesize,
            parity,
            stopbits,
            tcp_listen,
            allow_peer or [],
            profiles[0].serial if len(profiles) == 1 else None,
        )
        if flag_transport is not None and len(profiles) != 1:
            raise UserInputError("--port/--tcp-listen apply to one device; give a single --profile")
        ble = [p.device_id for p in profiles if p.protocol == "ble"]
        if ble and flag_transport is not None:
            raise UserInputError(
                f"--port/--tcp-listen do not apply to the Bluetooth LE device {ble[0]}: its profile's [ble] table says how to find it"
            )
        if ble:
            require_bleak()  # one line naming the install command, before anything starts
        wire_dir = wire_log or (settings.data_dir / "wire" if settings.gateway.wire_log else None)
        endpoints = [endpoint_from_profile(p, clock=clock, transport=flag_transport) for p in profiles]
        for p in profiles:  # read (and checked) above; say now who the meters will accept
            if p.protocol == "poct1a" and p.poct1a.operator_list:
                operators = read_operator_list(Path(p.poct1a.operator_list))
                _err(f"{p.device_id}: {operators.describe(datetime.now(p.zone).date())}")
        db_path = db or settings.database.path

        def show(results: list[GatewayResult]) -> None:
            for result in results:
                # a result line names what the device sent: escaped (JSON escapes itself)
                write(_result_json(result) if json_output else shown(_result_line(result)))

        gateway = Gateway(
            endpoints,
            db_path,
            on_results=show,
            clock=clock,
            busy_timeout_ms=settings.database.busy_timeout_ms,
            wire_log_dir=wire_dir,
        )

        started = False

        async def main() -> None:
            nonlocal started
            task = asyncio.create_task(gateway.run())
            # SIGTERM (systemd, docker stop, kill) stops the gateway as Ctrl-C does: links closed,
            # the counts printed, exit 0 - not a silent death
            terminated = False

            def terminate() -> None:
                nonlocal terminated
                terminated = True
                task.cancel()

            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, terminate)
            try:
                await _serve(task)
            except asyncio.CancelledError:
                if not terminated:
                    raise
                _err("stopped (SIGTERM)")

        async def _serve(task: asyncio.Task[None]) -> None:
            nonlocal started
            ready = asyncio.create_task(gateway.wait_ready())
            await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                await task  # a configuration error: raise it
            started = True
            for endpoint in endpoints:
                where = endpoint.transport_label
                if isinstance(endpoint.transport, TcpListenSpec):
                    host, bound = gateway.listen_address(endpoint.device_id)
                    where = f"tcp listen {host}:{bound}"
                _err(f"listening: {endpoint.device_id} ({endpoint.protocol}) on {where}; database {db_path}")
            for p in profiles:
                if not p.mapping and (profile or not protocol):  # a profile file without a table
                    _err(
                        f"{p.device_id}: its profile has no [mapping] table, so every result is held "
                        "(docs/devices.md, 'Writing a mapping table')"
                    )
                elif not p.mapping:
                    _err(
                        f"{p.device_id}: no mapping table, so every result is shown as held; use --profile FILE"
                    )
            if wire_dir is not None:
                _err(f"wire log (contains patient data): {wire_dir}")
            _err("press Ctrl-C to stop")
            await task

        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            _err("stopped")
        finally:
            if started:
                _print_status(gateway.status())

    @app.command("simulate")
    def simulate(
        kind: Annotated[
            str, typer.Option(help=f"Device to simulate: {', '.join(DEVICE_KINDS)}.")
        ] = "astm-analyzer",
        trace: Annotated[
            Path | None,
            typer.Option(help="Play the messages of this capture file instead of generated results."),
        ] = None,
        count: Annotated[int, typer.Option(min=1, help="Number of generated samples.")] = 5,
        seed: Annotated[int, typer.Option(help="Seed for generated values and fault injection.")] = 1,
        pty: Annotated[
            bool, typer.Option("--pty", help="Create a pseudo-terminal and print its path.")
        ] = False,
        port: Annotated[
            str | None, typer.Option(help="Write to this serial port (e.g. a null-modem cable).")
        ] = None,
        tcp: Annotated[str | None, typer.Option(help="Connect to the gateway at HOST:PORT.")] = None,
        tcp_listen: Annotated[
            str | None,
            typer.Option(
                "--tcp-listen",
                help="Be the TCP server (a dock): wait on HOST:PORT for the gateway to connect "
                '(a profile whose tcp table says mode = "connect").',
            ),
        ] = None,
        baud: Annotated[int, typer.Option(help="Serial baud rate for --port.")] = 9600,
        chunk: Annotated[
            int, typer.Option(min=0, help="Fault: split writes into random pieces of 1..N bytes.")
        ] = 0,
        corrupt: Annotated[
            float, typer.Option(help="Fault: probability of corrupting each byte sent.")
        ] = 0.0,
        drop_ack: Annotated[
            float, typer.Option("--drop-ack", help="Fault: probability of losing each reply byte.")
        ] = 0.0,
        disconnect: Annotated[
            float, typer.Option(help="Fault: probability of a disconnect before each write (TCP).")
        ] = 0.0,
        drip: Annotated[float, typer.Option(min=0, help="Fault: seconds between pieces (slow drip).")] = 0.0,
        refuse_operator_list: Annotated[
            bool,
            typer.Option(
                "--refuse-operator-list",
                help="Fault (poct1a-meter): answer the host's operator list (OPL.R01) with AE.",
            ),
        ] = False,
        interval: Annotated[float, typer.Option(min=0, help="Seconds between samples.")] = 0.0,
        wait: Annotated[
            float,
            typer.Option(
                min=0, help="With --pty: seconds to wait for the gateway to open the port before sending."
            ),
        ] = 0.0,
        json_output: Annotated[
            bool,
            typer.Option(
                "--json",
                help="Print machine-readable JSON: one object a line, the pty path or listening "
                "address when known, then the counts.",
            ),
        ] = False,
    ) -> None:
        """Play SYNTHETIC results (or a capture) to a gateway as an instrument would, with fault injection.

        ASTM waits for every ACK and resends on NAK; HL7 waits for each ACK; a POCT1-A2 meter
        (poct1a-meter) runs HEL, DST, OBS..., EOT, resends an unacknowledged result as RES and
        accepts the host's operator list (prints who it holds); line devices just write.
        Prints which messages the gateway acknowledged (a line device: which lines it wrote).
        """
        if kind not in DEVICE_KINDS:
            raise UserInputError(f"--kind {json_text(kind)}: choose one of {', '.join(DEVICE_KINDS)}")
        device_kind: DeviceKind = kind
        targets = [t for t in (pty, port is not None, tcp is not None, tcp_listen is not None) if t]
        if len(targets) != 1:
            raise UserInputError(
                "give exactly one of --pty, --port PATH, --tcp HOST:PORT or --tcp-listen HOST:PORT"
            )
        if port is not None:
            check_serial_flags(baud=baud)  # the port's own error names the port, not --baud
        for option, rate in (("--corrupt", corrupt), ("--drop-ack", drop_ack), ("--disconnect", disconnect)):
            if not 0 <= rate <= 1:
                raise UserInputError(f"{option} {rate}: a probability, from 0 to 1")
        faults = FaultPlan(
            max_chunk=chunk,
            corruption_rate=corrupt,
            drop_ack_rate=drop_ack,
            disconnect_rate=disconnect,
            drip_s=drip,
            refuse_operator_list=refuse_operator_list,
        )
        items: list[Playable]
        if trace is not None:
            try:
                raw = trace.read_bytes()
            except OSError as exc:
                raise UserInputError(f"--trace {trace}: cannot read: {exc.strerror}") from None
            items = list(trace_messages(raw, KIND_PROTOCOL[kind]))
            if not items:
                raise UserInputError(
                    f"--trace {trace}: no {KIND_PROTOCOL[kind]} messages found; is --kind {kind} right for this capture?"
                )
        else:
            items = list(generate_samples(device_kind, random.Random(seed), count))
        report = asyncio.run(
            _simulate(
                device_kind,
                items,
                faults,
                seed,
                pty,
                port,
                tcp,
                baud,
                interval,
                wait,
                tcp_listen,
                json_output,
            )
        )
        if json_output:
            write(json.dumps(_simulation_json(report, synthetic=trace is None), ensure_ascii=False))
            if report.unacknowledged:
                raise typer.Exit(1)
            return
        # A line device (an oximeter) is never acknowledged: 'acknowledged' would vouch for a
        # gateway that may not even speak its protocol (listen --protocol hl7 took it as junk).
        done = "lines written (a line device gets no acknowledgement: see what listen stored)"
        write(
            f"{report.kind}: {len(set(report.acknowledged))}/{report.messages} "
            f"{done if KIND_PROTOCOL[device_kind] == 'line' else 'messages acknowledged'}, "
            f"{report.aborted} aborted tries, {report.reconnects} reconnects (SYNTHETIC data unless --trace)"
        )
        if report.operator_lists or report.operator_lists_refused:
            write(_operators_line(report))
        if report.unacknowledged:
            raise typer.Exit(1)

    @app.command("ports")
    def ports(
        json_output: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    ) -> None:
        """List the serial ports this computer has, with their stable /dev/serial/by-id names."""
        found = list_serial_ports()
        if json_output:
            write(json.dumps([p.__dict__ for p in found], indent=2))
            return
        if not found:
            write(
                "no serial ports found (USB adapters appear as /dev/ttyUSB* or /dev/ttyACM* when plugged in)"
            )
            return
        rows = [
            {"port": p.device, "by_id": p.by_id, "description": p.description, "hardware_id": p.hwid}
            for p in found
        ]
        print_table(rows, ("port", "by_id", "description", "hardware_id"))
        write("by_id: the stable name to use in a profile's [serial] port")


def _simulation_json(report: SimulationReport, *, synthetic: bool) -> dict[str, object]:
    """``simulate --json``'s counts: what the text line says, as numbers."""
    line_device = KIND_PROTOCOL[report.kind] == "line"
    return {
        "kind": report.kind,
        "messages": report.messages,
        # a line device is never acknowledged: its lines written (see the text line)
        "acknowledged": None if line_device else len(set(report.acknowledged)),
        "lines_written": len(set(report.acknowledged)) if line_device else None,
        "aborted_tries": report.aborted,
        "reconnects": report.reconnects,
        "synthetic": synthetic,
        "operator_lists_accepted": report.operator_lists,
        "operator_lists_refused": report.operator_lists_refused,
        "operators": [o.__dict__ for o in report.operators],
    }


def _operators_line(report: SimulationReport) -> str:
    """What the simulated meter did with the host's operator lists, and who it now lets measure."""
    who = "; ".join(
        f"{o.operator_id} {o.name or '?'} (level {o.permission_level or '?'}, until {o.expires or '?'})"
        for o in report.operators
    )
    refused = (
        f", {report.operator_lists_refused} OPL.R01 refused (fault injected)"
        if report.operator_lists_refused
        else ""
    )
    return (
        f"operator lists accepted: {report.operator_lists}{refused}; the meter holds {len(report.operators)} operator(s)"
        + (f": {who}" if who else "")
    )


async def _simulate(
    kind: DeviceKind,
    items: list[Playable],
    faults: FaultPlan,
    seed: int,
    pty: bool,
    port: str | None,
    tcp: str | None,
    baud: int,
    interval: float,
    wait: float,
    tcp_listen: str | None = None,
    json_output: bool = False,
) -> SimulationReport:
    if tcp_listen is not None:
        host, listen_port = parse_host_port(tcp_listen, what="--tcp-listen")
        server = DeviceServer(host, listen_port)
        try:
            await server.start()
        except OSError as exc:
            raise UserInputError(
                f"--tcp-listen {tcp_listen}: cannot listen: {bind_problem(exc, host, listen_port)}"
            ) from None
        try:
            bound = server.address
            if json_output:
                write(json.dumps({"listening": f"{bound[0]}:{bound[1]}"}))
            else:
                write(
                    f"listening on {bound[0]}:{bound[1]} for the gateway (a profile with [tcp] mode = "
                    f'"connect", host = "{bound[0]}", port = {bound[1]})'
                )
            sys.stdout.flush()
            return await _simulate_over(kind, items, faults, seed, server.accept, interval, None)
        finally:
            await server.close()
    link_holder: list[Link] = []
    if pty:
        master = open_pty()
        link_holder.append(master)
        if json_output:
            write(json.dumps({"pty": master.slave_path}))
        else:
            write(
                f"pty: {master.slave_path}  (e.g. triage devices listen --port {master.slave_path} "
                f"--protocol {KIND_PROTOCOL[kind]})"
            )
        sys.stdout.flush()
        if wait:
            await asyncio.sleep(wait)

    async def connect() -> Link:
        if link_holder:
            return link_holder.pop()
        if port is not None:
            return open_serial(SerialSpec(url=port, baudrate=baud))
        if tcp is not None:
            host, tcp_port = parse_host_port(tcp, what="--tcp")
            return await connect_tcp(TcpConnectSpec(host=host, port=tcp_port))
        raise LinkError("the pseudo-terminal was closed; a simulated pty device cannot reconnect")

    return await _simulate_over(kind, items, faults, seed, connect, interval, tcp)


async def _simulate_over(
    kind: DeviceKind,
    items: list[Playable],
    faults: FaultPlan,
    seed: int,
    connect: Callable[[], Awaitable[Link]],
    interval: float,
    tcp: str | None,
) -> SimulationReport:
    profile = simulator_profile(kind, f"sim-{kind}")
    done = 0

    def progress(label: str) -> None:
        nonlocal done
        done += 1
        _err(
            f"[{done}/{len(items)}] {'written' if KIND_PROTOCOL[kind] == 'line' else 'acknowledged'}: {label}"
        )

    tries = 0

    def retrying(reason: str) -> None:
        # a real instrument retries for ever; say so, so a link nobody listens to is not silent
        nonlocal tries
        tries += 1
        hint = ""
        if tries == 1:
            hint = f" (is `triage devices listen --protocol {KIND_PROTOCOL[kind]}` running on the other end?)"
        _err(f"[{done}/{len(items)}] try {tries} failed: {reason}; trying again{hint}")

    device = SimulatedDevice(
        kind,
        connect,
        items,
        rng=random.Random(seed),
        faults=faults,
        profile=profile,
        interval_s=interval,
        on_acknowledged=progress,
        on_aborted=retrying,
    )
    try:
        return await device.run()
    except KeyboardInterrupt:
        return device.report
    except LinkClosed as exc:
        hint = (
            "is `triage devices listen --tcp-listen HOST:PORT` running there?"
            if tcp
            else "is the device end open?"
        )
        raise LinkError(f"{exc}; {hint}") from None
