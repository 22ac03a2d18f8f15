"""`triage devices listen`: live links to devices (what it prints: :mod:`triage.cli.devices_result_lines`;
`ports`: :mod:`triage.cli.devices_ports`; `simulate`: :mod:`triage.cli.devices_simulate`)."""

from __future__ import annotations

import asyncio
import signal
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from devices.operator_list import read_operator_list
from devices.profile import DeviceProfile
from devices.session import MonotonicClock
from devices.transports.ble import require_bleak
from devices.transports.link import TcpListenSpec
from triage.cli.context import AppContext
from triage.cli.devices_mapping import read_profile
from triage.cli.devices_result_lines import (
    NoResultCounts,
    ShownHoldKind,
    no_result_line,
    not_accepted_by_triage,
    result_json,
    result_line,
    status_line,
)
from triage.cli.link_flags import flag_profile, transport_from_flags
from triage.cli.output import echo, shown, write
from triage.cli.paths import in_existing_folder
from triage.ctrl_c import STARTING, ignore_more
from triage.errors import UserInputError

if TYPE_CHECKING:
    from devices.gateway import DeviceStatus, GatewayResult
    from devices.gateway_status import MessageStored


def _err(text: str) -> None:
    echo(text, err=True)


def _print_status(statuses: list[DeviceStatus], not_accepted: dict[str, set[int]]) -> None:
    for s in statuses:
        _err(status_line(s, len(not_accepted.get(s.device_id, ()))))


def register_listen(app: typer.Typer) -> None:
    """Add `devices listen` to the devices group."""

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
            str | None,
            typer.Option(
                help="astm, hl7, line or poct1a (without --profile); line reads the nonin oximeter grammar; "
                "any other line device needs its --profile."
            ),
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
            Path | None, typer.Option(help="Referral log SQLite file (default: settings database.path).")
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
                "--json",
                help="Print machine-readable JSON: one object a line as it arrives - each result (kind "
                "result), and each HL7 message with OBX lines that carried no result (kind no_result); "
                "docs/devices.md.",
            ),
        ] = False,
    ) -> None:
        """Receive results from devices, store each exactly once, and print them as they arrive.

        Every message is committed to the database before the device gets its final ACK. Results
        that are QC, not final, timed far from their arrival (a wrong device clock), unmapped or
        without a patient are printed as "held". Ctrl-C stops (exit 130), SIGTERM too (exit 0);
        both print the counts.
        """
        ctrl_c_aborts_the_start()
        # the gateway and its drivers store into the referral log (sqlite-utils): imported when it listens
        from devices.gateway import Gateway
        from devices.link_drivers import endpoint_from_profile

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
        # given on the command line: created only in a folder that exists (a typo made a new log)
        if db is not None:
            in_existing_folder(db, "--db")
        else:  # the settings' log: its folder is not created either, as triage serve creates none
            from triage.service.database import missing_folder

            if missing_folder(settings.database.path) is not None:
                in_existing_folder(settings.database.path, "database.path")
        if wire_log is not None:
            in_existing_folder(wire_log, "--wire-log")
        wire_dir = wire_log or (settings.data_dir / "wire" if settings.gateway.wire_log else None)
        endpoints = [endpoint_from_profile(p, clock=clock, transport=flag_transport) for p in profiles]
        for p in profiles:  # read (and checked) above; say now who the meters will accept
            if p.protocol == "poct1a" and p.poct1a.operator_list:
                operators = read_operator_list(Path(p.poct1a.operator_list))
                _err(f"{p.device_id}: {operators.describe(datetime.now(p.zone).date())}")
        db_path = db or settings.database.path
        # The service's own rule for what triage accepts; imported here, not for every command.
        from triage.service.pipeline import observation_from_stored

        clinic = app_ctx.clock
        refused: defaultdict[str, set[int]] = defaultdict(set)  # result ids by device
        # each message's OBX lines that carried no result, by status: gateway set below
        no_result = NoResultCounts(lambda message_id: gateway.no_result_of(message_id))

        def stored(message: MessageStored) -> None:
            no_result.stored(message)
            if message.no_result:
                write(no_result_line(message, json_output))

        def show(results: list[GatewayResult]) -> None:
            # Marked "auto" (and counted "for triage") while the service holds them for review,
            # results triage refuses are shown held with the engine's reason, as replay does.
            checked = not_accepted_by_triage(results, lambda r: observation_from_stored(r.stored, clinic))
            # the counts are of this run's new results: a version of one stored before is not one
            new_here = {status.device_id: status.holds_of for status in gateway.status()}
            for before, result in zip(results, checked, strict=True):
                kind: ShownHoldKind | None = result.hold_kind
                device = result.stored.device_id
                if before.auto_feed and not result.auto_feed:
                    kind = "not_accepted"
                    if result.result_id in new_here.get(device, {}):
                        refused[device].add(result.result_id)
                else:  # a later version (a correction) triage takes, or one held by the gateway
                    refused[device].discard(result.result_id)
                # a result line names what the device sent: escaped (JSON escapes itself)
                if json_output:
                    write(result_json(result, kind, no_result.of(result.stored.message_id)))
                else:
                    write(shown(result_line(result)))

        gateway = Gateway(
            endpoints,
            db_path,
            on_results=show,
            clock=clock,
            busy_timeout_ms=settings.database.busy_timeout_ms,
            wire_log_dir=wire_dir,
            upgrade_backups=settings.database.upgrade_backups(),
            on_stored=stored,
            start_said=True,  # "not listening yet" and "listening" below
        )

        started = False

        async def main() -> None:
            nonlocal started
            task = asyncio.create_task(gateway.run())
            # SIGTERM (systemd, docker stop, kill) stops the gateway as Ctrl-C does: links closed,
            # the counts printed - not a silent death; exit 0, a service manager's normal stop
            # (Ctrl-C: 130, below)
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

        waiting: list[asyncio.Task[None]] = []

        async def _opened(device: str, listening: str) -> None:
            await gateway.wait_open(device)
            _err(listening)

        async def _serve(task: asyncio.Task[None]) -> None:
            nonlocal started
            # every device's first open attempt made, so "listening" is said only of an open port
            ready = asyncio.create_task(gateway.wait_opened_once())
            await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                await task  # a configuration error: raise it
            started = True
            for endpoint in endpoints:
                where = endpoint.transport_label
                if isinstance(endpoint.transport, TcpListenSpec):
                    host, bound = gateway.listen_address(endpoint.device_id)
                    where = f"tcp listen {host}:{bound}"
                listening = (
                    f"listening: {endpoint.device_id} ({endpoint.protocol}) on {where}; database {db_path}"
                )
                failed = gateway.open_error(endpoint.device_id)
                if failed is None:
                    _err(listening)
                    continue
                # said only once the port is open: a serial port or device that is not there yet
                # is tried again with back-off (an adapter plugged in later is then found)
                _err(
                    f"not listening yet: {endpoint.device_id} ({endpoint.protocol}): {failed}; trying "
                    f"again every {endpoint.reopen_initial_s:g} s to {endpoint.reopen_max_s:g} s, and "
                    "saying so here when it opens"
                )
                waiting.append(asyncio.create_task(_opened(endpoint.device_id, listening)))
            for p in profiles:
                if not p.mapping and (profile or not protocol):  # a profile file without a table
                    _err(
                        f"{p.device_id}: its profile has no [mapping] table, so every result is held "
                        "(docs/devices.md, 'Writing a mapping table')"
                    )
                elif not p.mapping:
                    # the bundled profile of the grammar read without one (line: the Nonin's)
                    bundled = (
                        "nonin-oximeter for a Nonin oximeter" if p.protocol == "line" else "sysmex-xn550"
                    )
                    _err(
                        f"{p.device_id}: no mapping table, so every result is shown as held; use --profile "
                        f"FILE, or the name of a bundled profile (e.g. {bundled})"
                    )
            if wire_dir is not None:
                _err(f"wire log (contains patient data): {wire_dir}")
            _err("press Ctrl-C to stop")
            await task

        ctrl_c_stops()  # started: Ctrl-C stops the gateway, its counts printed
        try:
            asyncio.run(main())
        except KeyboardInterrupt:
            ignore_more()  # a Ctrl-C again while it stops: not a traceback, nor killed by SIGINT
            _err("stopped (Ctrl-C)")
            raise SystemExit(STOPPED_BY_CTRL_C) from None  # after the counts (finally)
        finally:
            if started:
                _print_status(gateway.status(), refused)


#: The exit code of a command stopped by Ctrl-C (128 + SIGINT), as `triage serve` and the shell
#: give it: `listen` and `simulate` run until stopped, and a script tells Ctrl-C from the end.
STOPPED_BY_CTRL_C = 130


def ctrl_c_stops() -> None:
    """Started with SIGINT ignored (a script's ``triage devices listen &``: a non-interactive
    shell ignores it in background jobs), Ctrl-C or ``kill -INT`` did nothing at all; Python's
    own handler back, as ``triage serve`` does, so it stops the command wherever it started
    (called once the command has started: :func:`ctrl_c_aborts_the_start` before)."""
    if signal.getsignal(signal.SIGINT) in (*STARTING, _abort_the_start):
        signal.signal(signal.SIGINT, signal.default_int_handler)


def ctrl_c_aborts_the_start() -> None:
    """The first thing `listen` and `simulate` do: a Ctrl-C while they start (reading profiles or
    a capture, opening the database) says "aborted", exit 130, as one while the CLI starts does -
    also when started with Ctrl-C ignored, where it was lost and the command then ran on for ever
    (typer ended a Ctrl-C in a command with 130 and no word). :func:`ctrl_c_stops` then gives
    Ctrl-C to the running command's own stop."""
    signal.signal(signal.SIGINT, _abort_the_start)


def _abort_the_start(_signum: int, _frame: object) -> None:
    # ending now: Ctrl-C pressed again (or kill -INT sent again) while it ends is ignored - it
    # broke the "aborted" line into a traceback, or came once Python had given SIGINT back its
    # default action and killed the command (no exit 130)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise typer.Abort()
