"""`triage devices simulate`: simulated devices on a pseudo-terminal, a serial port or TCP, for
wiring and testing a gateway without the analyzer (SYNTHETIC results unless --trace plays a capture)."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer

from devices.codecs.gatt_lines import is_gatt_capture
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
from devices.transports.link import Link, LinkClosed, LinkError, SerialSpec, TcpConnectSpec
from devices.transports.pty import open_pty
from devices.transports.serial_port import open_serial
from devices.transports.tcp import ConnectFailed, bind_problem, connect_tcp, parse_host_port
from referral.plurals import counted
from triage.cli.devices_link import STOPPED_BY_CTRL_C, ctrl_c_aborts_the_start, ctrl_c_stops
from triage.cli.link_flags import check_serial_flags
from triage.cli.output import echo, write
from triage.ctrl_c import ignore_more
from triage.errors import UserInputError, json_text


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate(
        kind: Annotated[
            str,
            typer.Option(
                help=f"Device to simulate: {', '.join(DEVICE_KINDS)} (with --trace, pulse-oximeter"
                " plays any line capture)."
            ),
        ] = "astm-analyzer",
        trace: Annotated[
            Path | None,
            typer.Option(
                help="Play the messages of this capture file instead of generated results: their "
                "records or segments, framed as this simulator frames them (the capture's own frame "
                "trailers, frame numbers, checksum case and LF segment ends are not played; "
                "`replay` reads those). A BLE capture is not played: `replay --protocol ble` reads it."
            ),
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
            float,
            typer.Option(
                help="Fault: probability of a disconnect before each write (--tcp, --port: the link closed "
                "and opened again; --pty: a power cycle, the device starting over on the same wire)."
            ),
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
                min=0,
                help="With --pty: seconds to pause before sending, for the gateway to open the port (the "
                "whole pause: the simulator does not see when it opens).",
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
        ctrl_c_aborts_the_start()
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
            if is_gatt_capture(raw):  # no --kind is a BLE device: "is --kind X right?" sent one hunting
                raise UserInputError(
                    f"--trace {trace}: a Bluetooth LE capture (GATT lines), which no --kind plays (simulate "
                    f"has no BLE device); read it with `triage devices replay {trace} --protocol ble`"
                )
            items = list(trace_messages(raw, KIND_PROTOCOL[kind]))
            if not items:
                raise UserInputError(
                    f"--trace {trace}: no {KIND_PROTOCOL[kind]} messages found, so --kind {kind} cannot play "
                    f"it; {_kind_that_plays(raw, device_kind)}"
                )
        else:
            items = list(generate_samples(device_kind, random.Random(seed), count))
        ctrl_c_stops()  # started: Ctrl-C stops the simulated device (exit 130)
        try:
            report = asyncio.run(
                _until_sigterm(
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
            )
        except KeyboardInterrupt:
            ignore_more()  # a Ctrl-C again while it stops: not a traceback, nor killed by SIGINT
            # click's "Aborted!" said nothing of what was sent; the progress lines above did
            echo("stopped (Ctrl-C); the lines above say which messages were sent", err=True)
            raise SystemExit(STOPPED_BY_CTRL_C) from None
        if report is None:
            # SIGTERM (kill, systemd, docker stop, a test harness) is a normal stop, as for listen
            echo("stopped (SIGTERM); the lines above say which messages were sent", err=True)
            return
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
        f"operator lists accepted: {report.operator_lists}{refused}; the meter holds {counted(len(report.operators), 'operators')}"
        + (f": {who}" if who else "")
    )


def _kind_that_plays(raw: bytes, asked: DeviceKind) -> str:
    """Which other --kind plays a capture: the first whose protocol finds messages in it, a line
    protocol's last (any text has lines: a SPOTCHEM's STX...ETX printout, a mini VIDAS packet)."""
    for kind, protocol in sorted(KIND_PROTOCOL.items(), key=lambda item: item[1] == "line"):
        if kind != asked and trace_messages(raw, protocol):
            if protocol == "line":
                return (
                    f"play it with --kind {kind} (it writes a line capture's lines as they are: an "
                    "oximeter's, a reader's or a printer-style device's) and listen with the device's "
                    "profile (its line_grammar)"
                )
            return f"it holds {protocol} messages: play it with --kind {kind}"
    return "it holds no messages any --kind plays"


async def _until_sigterm(run: Awaitable[SimulationReport]) -> SimulationReport | None:
    """``run``'s report, or None when SIGTERM stopped it: it cancels the simulation, so its link,
    pseudo-terminal or listening socket is closed (before, SIGTERM killed the process silently)."""
    task = asyncio.ensure_future(run)
    terminated = False

    def terminate() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, terminate)
    try:
        return await task
    except asyncio.CancelledError:
        if not terminated:
            raise
        return None
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


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
        link_holder.append(_PowerCycledPty(master))
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
            return link_holder[0]  # the pty: the same wire after a power cycle
        if port is not None:
            return open_serial(SerialSpec(url=port, baudrate=baud))
        if tcp is not None:
            host, tcp_port = parse_host_port(tcp, what="--tcp")
            try:
                return await connect_tcp(TcpConnectSpec(host=host, port=tcp_port))
            except ConnectFailed as exc:  # what failed and what to check, not the errno's text
                listen = (
                    f"triage devices listen --protocol {KIND_PROTOCOL[kind]} --tcp-listen {host}:{tcp_port}"
                )
                gateway = f" (the gateway: `{listen}`)" if exc.refused else ""
                raise LinkError(f"--tcp {tcp}: cannot connect: {exc.problem}{gateway}") from None
        raise LinkError("no link to the gateway: give --pty, --port, --tcp or --tcp-listen")

    try:
        return await _simulate_over(kind, items, faults, seed, connect, interval, tcp)
    finally:
        if pty:
            await master.close()


class _PowerCycledPty:
    """The device end of ``--pty``. A pseudo-terminal cannot be unplugged and plugged in again
    under its name: closing it at the first injected ``--disconnect`` ended the run with 'the
    pseudo-terminal was closed; a simulated pty device cannot reconnect' and took the port from the
    gateway. A disconnect is a power cycle here instead: the device drops the rest of what it was
    sending and starts over on the same wire (for ASTM the gateway's restart rule answers its new
    ENQ, docs/device-gateway.md).
    The pty itself is closed when the run ends."""

    def __init__(self, link: Link) -> None:
        self._link = link
        self.label = link.label

    async def read(self) -> bytes:
        return await self._link.read()

    async def write(self, data: bytes) -> None:
        await self._link.write(data)

    async def close(self) -> None:
        """The device restarts; the wire stays."""


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
        echo(
            f"[{done}/{len(items)}] {'written' if KIND_PROTOCOL[kind] == 'line' else 'acknowledged'}: {label}",
            err=True,
        )

    tries = 0

    def retrying(reason: str) -> None:
        # a real instrument retries for ever; say so, so a link nobody listens to is not silent
        nonlocal tries
        tries += 1
        hint = ""
        if tries == 1:
            hint = f" (is `triage devices listen --protocol {KIND_PROTOCOL[kind]}` running on the other end?)"
        echo(f"[{done}/{len(items)}] try {tries} failed: {reason}; trying again{hint}", err=True)

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
