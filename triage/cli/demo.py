"""`triage demo`: the whole pipeline live on embedded defaults (what `make run` runs)."""

from __future__ import annotations

import os
import shlex
import signal
import socket
from pathlib import Path
from types import FrameType

import typer

from triage.cli.output import write
from triage.cli.paths import output_folder, triage_command
from triage.cli.serve import (
    CTRL_C_EXIT,
    PORT_HELP,
    bind_address,
    check_named_paths,
    clinic_text,
    ctrl_c_stops,
)
from triage.errors import UserInputError


def _say(text: str, *, err: bool = False) -> None:
    """What the demo writes, each line after its ISO-8601 UTC time as `triage serve`'s lines
    (triage.service.logline): the demo's lines had none, so its output kept in a file could not be
    placed beside the service's own (stamped) log lines."""
    from triage.service.logline import stamped

    write(stamped(text), err=err)


class Terminated(BaseException):
    """SIGTERM, raised as Ctrl-C raises KeyboardInterrupt: not an ``Exception``, so no handler of a
    demo step swallows it on its way out."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def sigterm_stops() -> None:
    """SIGTERM (kill, systemd, docker stop) stops the demo as Ctrl-C does, and as it stops `triage
    devices listen | simulate`. uvicorn catches SIGTERM while it serves, shuts down (the gateway
    and the live-update streams) and then raises the signal again under the handler it found: with
    Python's default the process died of it there (-15, 143 in the shell), silently, before the
    demo stopped its synthetic patients and closed its simulated devices' pseudo-terminals. This
    handler makes that raise (or a SIGTERM before or after uvicorn serves) a :class:`Terminated`
    that unwinds the demo like Ctrl-C's KeyboardInterrupt."""
    signal.signal(signal.SIGTERM, _terminated)


def register(app: typer.Typer) -> None:
    """Add `triage demo` to the root application."""

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        host: str | None = typer.Option(
            None, "--host", help="Address the demo service binds to (default: service.host, 127.0.0.1)."
        ),
        port: int | None = typer.Option(None, "--port", min=0, max=65535, help=PORT_HELP),
        seconds: float | None = typer.Option(
            None,
            "--seconds",
            min=1,
            help="Stop by itself after this many seconds (default: run until Ctrl-C).",
        ),
        interval: float = typer.Option(
            4.0, "--interval", min=0.2, max=600, help="Seconds between synthetic patients."
        ),
        close_after: float = typer.Option(
            30.0,
            "--close-after",
            min=0,
            max=3600,
            help="Seconds after an assessment that the simulated nurse closes a finished visit"
            " (local care, or a referral a clinician has sent); visits waiting for a clinician stay open.",
        ),
        data_dir: Path | None = typer.Option(
            None,
            "--data-dir",
            help="Folder for the demo database; it must not hold a demo-clinic.db yet (default: a new temporary folder, kept when the demo stops).",
        ),
    ) -> None:
        """Run a live demo: fresh database, demo accounts, simulated devices on ptys, the service.

        Synthetic patients arrive every few seconds from an ASTM analyzer, an HL7 monitor and a
        pulse oximeter; a few are urgent, DEMO-0014 and every 24th after it is a hypertensive
        emergency (chest pain the nurse recorded beside 194/118 mmHg), and DEMO-0003 and every tenth
        after it is referred by the risk models alone (every rule says local care). A simulated nurse attaches the oximeter to each patient
        and closes finished visits (local care, or a referral a clinician has sent). The demo
        passwords are printed once. Ctrl-C stops it (exit 130, as `triage serve`); SIGTERM too (exit 0,
        as `triage devices listen`).
        """
        try:
            _demo(ctx, host, port, seconds, interval, close_after, data_dir)
        except Terminated:
            # a service manager's normal stop (kill, systemd, docker stop): the simulators, the
            # gateway and the server stopped as on Ctrl-C; 0 as `devices listen | simulate`
            _say("demo stopped (SIGTERM)", err=True)


def _demo(
    ctx: typer.Context,
    host: str | None,
    port: int | None,
    seconds: float | None,
    interval: float,
    close_after: float,
    data_dir: Path | None,
) -> None:
    """`triage demo` until it ends by itself (``--seconds``) or Ctrl-C (exit 130); SIGTERM raises
    :class:`Terminated` for the command to say."""
    from triage.policy import load_policy
    from triage.service.acceptor import PortBusyError, bind_listener
    from triage.service.demo import DEMO_DATABASE

    ctrl_c_stops()
    sigterm_stops()
    if data_dir is not None:
        output_folder(data_dir, "--data-dir")
        if (held := data_dir / DEMO_DATABASE).exists():  # what was given is wrong: 2, as a busy --port
            raise UserInputError(
                f"--data-dir {data_dir}: already holds a demo ({held}); the demo starts from a fresh"
                " folder: give a new or empty one, or omit --data-dir (a new temporary folder)"
            )
    # a mistake in the clinic's policy file (a red flag lowered ...) stops it (exit 2), as it stops
    # `triage serve`: the demo ran "not ready" and assessed nobody, the reason in one log line
    check_named_paths(ctx.obj.settings, ctx.obj.config_path, gateway=False)  # its devices are its own
    load_policy(ctx.obj.settings.policy.file)
    bind_host, bind_port = bind_address(ctx.obj.settings, host, port)  # as `triage serve`
    # bound now and kept for the server: no other program can take it meanwhile; --port 0: any
    try:
        listener = bind_listener(bind_host, bind_port)
    except PortBusyError as busy:
        # `make run` (its CLINIC_TRIAGE_VIA_MAKE): another port is make's PORT=, not --port
        if os.environ.get("CLINIC_TRIAGE_VIA_MAKE") == "run":
            raise PortBusyError(
                f"{busy}; with make: make run PORT=8080 (HOST=0.0.0.0 for other machines)"
            ) from None
        raise
    try:
        _run(ctx, bind_host, listener, data_dir, seconds, interval, close_after)
    finally:
        listener.close()


def _run(
    ctx: typer.Context,
    bind_host: str,
    listener: socket.socket,
    data_dir: Path | None,
    seconds: float | None,
    interval: float,
    close_after: float,
) -> None:
    import asyncio

    from referral.schema import connect
    from triage.service.demo import prepare, run_demo

    bind_port = listener.getsockname()[1]  # --port 0: the one it got, in the URL the demo prints
    settings, passwords = prepare(ctx.obj.settings, data_dir, bind_host, bind_port)
    _say("clinic-triage demo - SYNTHETIC patients, not for clinical use")
    # a folder of its own (not --data-dir): left behind by every run, so say it is the user's to delete
    kept = "" if data_dir is not None else " (new; kept when the demo stops: delete it when done)"
    _say(f"data folder: {settings.data_dir}{kept}")
    own_folder = settings.data_dir if data_dir is None else None
    db = connect(settings.database.path)
    _say(f"clinic: {clinic_text(db, settings.clinic_id)}")  # as `serve`'s ready: line
    db.close()
    _say("demo accounts (shown once):")
    for username, password in passwords.items():
        _say(f"  {username:<8} {password}")
    try:
        measured = asyncio.run(
            run_demo(
                settings,
                seconds=seconds,
                interval_s=interval,
                echo=_say,
                close_after_s=close_after,
                listener=listener,
            )
        )
    except KeyboardInterrupt:
        # stopped by Ctrl-C, not ended by itself (--seconds): what `triage serve` says with 130
        _say_kept(settings.database.path, own_folder)
        _say("demo stopped", err=True)
        raise typer.Exit(CTRL_C_EXIT) from None
    except Terminated:
        _say_kept(settings.database.path, own_folder)
        raise
    _say_kept(settings.database.path, own_folder)
    _say(f"demo stopped after {measured} synthetic patients", err=True)


def _say_kept(log: Path, folder: Path | None) -> None:
    """However the demo stops, where what it did stays and a command that reads it (it ended with
    'demo stopped after N synthetic patients' alone); ``folder``: its own temporary one, the user's
    to delete."""
    delete = f"; delete {folder} when done" if folder is not None else ""
    db = shlex.quote(str(log))
    triage = triage_command()
    _say(
        f"its referral log stays: {log} (what the demo did: {triage} referrals stats --db {db};"
        f" {triage} referrals list --db {db}){delete}",
        err=True,
    )
