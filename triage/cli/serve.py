"""`triage serve`: run the clinic service (API, staff pages, device gateway) with uvicorn."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from referral.plurals import counted
from triage.cli.devices_mapping import read_profile
from triage.cli.output import write
from triage.ctrl_c import STARTING
from triage.errors import ClinicError, ConfigError, UserInputError, json_text
from triage.log_levels import LOG_LEVELS  # uvicorn's: another name failed in the server, a KeyError traceback

if TYPE_CHECKING:
    from sqlite_utils import Database

    from triage.service.runtime import Runtime
    from triage.settings import Settings


#: What the shell reports for a program Ctrl-C ended: ``serve`` and ``demo`` exit with it.
CTRL_C_EXIT = 128 + signal.SIGINT


def ctrl_c_stops() -> None:
    """Python's Ctrl-C handling, also when started with SIGINT ignored (a script's ``triage serve &``
    or ``triage demo &``): uvicorn stopped on Ctrl-C all the same, then re-raised the ignored
    SIGINT and the service exited 0 as if it had ended by itself; the demo's asyncio loop left
    SIGINT ignored and Ctrl-C did not stop it. Ctrl-C is exit 130 wherever it started."""
    if signal.getsignal(signal.SIGINT) in STARTING:  # ignored, or the start's (triage.ctrl_c)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def bind_address(settings: Settings, host: str | None, port: int | None) -> tuple[str, int]:
    """Where `serve` and `demo` listen: ``--host`` and ``--port`` when given, else the settings'
    ``service.host`` and ``service.port`` (their defaults 127.0.0.1 and 8000). ``--port 0``: any free
    port, the one the listener got said in the URL printed (:func:`triage.service.acceptor.listener_url`)."""
    return host or settings.service.host, settings.service.port if port is None else port


#: ``--port``'s help for `serve` and `demo`.
PORT_HELP = "Port to bind (default: service.port, 8000); 0: any free port, the URL printed names it."


def check_named_paths(settings: Settings, config: Path | None, *, gateway: bool = True) -> None:
    """The policy file, the models' folder and (``gateway``) the device profiles the settings name
    are there; one that is not stops start-up as a settings mistake (exit 2: a service manager does
    not restart it), naming the key and the settings file or variable it was written in - it said
    "policy file PATH does not exist" (which setting?) and, for a models folder without a registry,
    exit 1, restarted every few seconds for good."""
    from triage.settings import ENV_PREFIX, setting_problem

    policy = settings.policy.file
    if policy is not None and not policy.exists():
        raise ConfigError(
            setting_problem(
                ("policy", "file"),
                f"{policy} does not exist; give the clinic's policy TOML, or leave policy.file out for the"
                " built-in policy",
                config,
            )
        )
    folder = settings.models.directory
    if folder is not None and not (folder / "registry.json").is_file():
        raise ConfigError(
            setting_problem(
                ("models", "directory"),
                f"{folder} has no registry.json: not a folder of risk models (docs/models.md); leave"
                " models.directory out for the shipped models",
                config,
            )
        )
    if not gateway:
        return
    # a list from the environment is one variable; from the file, each entry is named by its place
    listed = any(v.upper() == f"{ENV_PREFIX}GATEWAY__PROFILES" for v in os.environ)
    for index, path in enumerate(settings.gateway.profiles):
        try:
            # As `devices listen` does: a typo in a profile's [mapping] refused now, not found when
            # every result of that test is quarantined (the gateway reads the profiles again).
            read_profile(path)
        except ClinicError as exc:
            if Path(path).exists():
                raise  # the profile's own mistake, named in its file
            loc: tuple[str | int, ...] = ("gateway", "profiles") if listed else ("gateway", "profiles", index)
            raise ConfigError(setting_problem(loc, str(exc), config)) from None


def clinic_text(db: Database, clinic_id: str) -> str:
    """The clinic id for the `ready:` line of `serve` and the banner of `demo`: a ``clinic_id``
    the facility directory lacks is said there (visits are recorded without a facility), and one
    that is not the clinic the log records (``facilities load --clinic``: a log moved to a new
    machine without its settings file), with the log's."""
    from referral.clinic import CLINIC_KEY, get_setting
    from triage.settings import ENV_PREFIX

    known = db.conn.execute("SELECT 1 FROM facilities WHERE id = ?", [clinic_id]).fetchone()
    own = get_setting(db, CLINIC_KEY)
    recorded = (
        f"this log's clinic is {json_text(own)}, as `triage referrals facilities load --clinic` recorded"
    )
    if own is None or own == clinic_id:
        note = "" if known else "triage referrals facilities load"
    elif known:
        note = f"{recorded}: new visits are recorded at {json_text(clinic_id)}, its exports name {json_text(own)}"
    else:
        note = (
            f"{recorded}: set clinic_id = {json_text(own)} in the settings ({ENV_PREFIX}CLINIC_ID), as on the"
            " machine it came from"
        )
    if not known:
        note = f"not in the facility directory: visits get no facility; {note}"
    return json_text(clinic_id) + (f" ({note})" if note else "")


def started_line(runtime: Runtime, config: Path | None, url: str | None = None) -> str:
    """What a ready service runs on, for the administrator reading the service log: the settings
    file, the clinic (a ``clinic_id`` the facility directory lacks records visits without one), the referral log (absolute: a relative ``database.path`` is the working folder's), its
    schema, the policy and the risk models with their versions, and the device gateway; while the
    log has no staff account, the page at ``url`` that creates the administrator (first run)."""
    from referral.schema import applied_migrations
    from triage.settings import CONFIG_ENV, ENV_PREFIX, settings_file

    settings = runtime.settings
    engine = runtime.extras["clinic"].engine
    db = runtime.databases.get()
    schema = applied_migrations(db)
    clinic = clinic_text(db, settings.clinic_id)
    config, origin = settings_file(config)
    variables = sorted(v for v in os.environ if v.upper().startswith(ENV_PREFIX) and v.upper() != CONFIG_ENV)
    policy = settings.policy.file.resolve() if settings.policy.file is not None else "built in"
    models = ", ".join(f"{name} {version}" for name, version in engine.models.versions.items())
    profiles = len(settings.gateway.profiles) if settings.service.run_gateway else 0
    return (
        f"ready: settings {f'{config.resolve()}{origin}' if config is not None else 'built-in defaults'}"
        + (f" and {', '.join(variables)}" if variables else "")
        + f"; clinic {clinic}; referral log {settings.database.path.resolve()} (schema {schema[-1] if schema else 'none'})"
        f"; policy {json_text(engine.policy.version)} ({policy}); risk models {models or 'none'}"
        f"; device gateway {counted(profiles, 'profiles') if profiles else 'off'}"
        + (
            f"; no staff account yet: open {url}setup to create the administrator"
            if url is not None and runtime.accounts.count() == 0
            else ""
        )
    )


def register(app: typer.Typer) -> None:
    """Add `triage serve` to the root application."""

    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: str | None = typer.Option(
            None,
            "--host",
            help="Address to bind (default: service.host, 127.0.0.1); a host name given here is one"
            " the service answers to, as service.host and service.allowed_hosts are.",
        ),
        port: int | None = typer.Option(None, "--port", min=0, max=65535, help=PORT_HELP),
        workers: int | None = typer.Option(
            None,
            "--workers",
            min=0,
            max=16,
            help="Processes serving HTTP; the first also runs the device gateway. 0 (the default, "
            "service.workers): one per CPU core, at most 2.",
        ),
        log_level: str | None = typer.Option(
            None,
            "--log-level",
            help=f"uvicorn log level: {', '.join(LOG_LEVELS)} (default: the setting log_level, warning).",
        ),
    ) -> None:
        """Run the clinic service until Ctrl-C. On first run, open the page to create the administrator.

        Settings: `triage --config FILE serve` (--config before `serve`) or TRIAGE_CONFIG=FILE;
        TRIAGE_ variables win (TRIAGE_DATABASE__PATH=...). The `ready:` line names what it runs on.

        It stops cleanly on Ctrl-C (exit 130), SIGTERM (143) or SIGHUP (129, a closed terminal; the
        settings are not re-read), waiting for the requests still running at most as long as a write
        may wait for the log (database.busy_timeout_ms + 2 s: 7 s by default). Exit 2: a mistake in the settings, policy, device profiles or
        address, found before it starts (restarting would not fix it). Exit 75: the port is busy
        (try again later; a service manager may restart it). A referral log it cannot
        open yet keeps it up but not ready, trying again: GET /readyz says why and when next."""
        if log_level is not None and log_level.lower() not in LOG_LEVELS:
            raise UserInputError(f"--log-level {json_text(log_level)}: choose one of {', '.join(LOG_LEVELS)}")
        ctrl_c_stops()
        from triage.policy import load_policy
        from triage.riskmodels import check_models_setting
        from triage.service import create_app
        from triage.service.acceptor import bind_listener, listener_url
        from triage.service.database import refuse_a_folder
        from triage.service.hosts import with_host_allowed
        from triage.service.logline import stamped
        from triage.service.server import SWITCH_INTERVAL_S, ClinicServer
        from triage.service.workers import WorkerPool

        sys.setswitchinterval(SWITCH_INTERVAL_S)
        settings = ctx.obj.settings
        level = (log_level or settings.log_level).lower()
        # A mistake in the clinic's policy file or the models' settings stops start-up (exit 2,
        # naming the file or variable, key or line), as a bad settings file does; it left a
        # service that answered but never got ready.
        check_named_paths(settings, ctx.obj.config_path, gateway=settings.service.run_gateway)
        load_policy(settings.policy.file)
        check_models_setting(settings.models, ctx.obj.config_path)
        refuse_a_folder(settings.database.path)
        bind_host, bind_port = bind_address(settings, host, port)
        settings = with_host_allowed(settings, host)
        count = settings.service.workers if workers is None else workers
        if count == 0:
            count = min(2, os.cpu_count() or 1)
        listener = bind_listener(bind_host, bind_port)
        bind_port = listener.getsockname()[1]  # --port 0: the port it got
        application = create_app(settings)
        runtime = application.state.runtime
        pool = WorkerPool(settings, listener, runtime.hub, count, level, runtime.extras["peer_state"])
        runtime.extras["workers"] = pool  # started once this process is ready (see wiring)
        runtime.extras["freeze_gc"] = True
        url = listener_url(listener)
        runtime.extras["announce"] = lambda ready: write(
            stamped(started_line(ready, ctx.obj.config_path, url)), err=True
        )
        processes = "1 process" if count == 1 else f"{count} processes"
        write(stamped(f"clinic service on {url} ({processes}; API docs: /docs); Ctrl-C stops"), err=True)
        try:
            server = ClinicServer(
                application, bind_host, bind_port, level, connections=pool.acceptor(), stop_on_hangup=True
            )
            server.run()
        finally:
            pool.stop()
            listener.close()
