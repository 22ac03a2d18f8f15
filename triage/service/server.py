"""uvicorn's server, told to end live-update streams when asked to stop (Ctrl-C, SIGTERM).

Server-sent-event responses never finish by themselves, so a plain uvicorn would wait for them
until its graceful-shutdown timeout; ending them first makes Ctrl-C stop at once and cleanly.

Given a ``connections`` source (``triage serve``), the server takes its connections from it - the
primary's :class:`~triage.service.acceptor.Acceptor`, or a worker's
:class:`~triage.service.acceptor.HandedConnections` - instead of its own accept loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import signal
import socket
import threading
from collections.abc import Iterator
from types import FrameType

import uvicorn
from fastapi import FastAPI

from triage.service.acceptor import ConnectionSource
from triage.service.logline import log_config

# The event loop thread is busy nearly all the time under load; the threads beside it (the
# group committer's fsync, the acceptor) only need the interpreter for a moment. Python's default
# 5 ms switch interval made them wait up to that long for it - while holding the referral log's
# write turn. ``triage serve`` and its workers use 1 ms.
SWITCH_INTERVAL_S = 0.001


#: What a request may need beyond its wait for the referral log's lock: its own work, the commit's
#: fsync and the answer (milliseconds on a quiet box; a loaded one takes longer).
STOP_MARGIN_S = 2


#: What asked the service to stop, as its readiness says while it stops (``stopping: sigterm``): in
#: lower-case words, which ``/readyz`` and a refusal say to any caller (``api.deps.public_reason``).
STOP_CAUSES: dict[int, str] = {signal.SIGINT: "ctrl-c", signal.SIGTERM: "sigterm", signal.SIGHUP: "sighup"}


def stop_grace_s(busy_timeout_ms: int) -> int:
    """How long a stopping service waits for the requests still running before it cancels them: as
    long as a write may wait for another writer's lock (``database.busy_timeout_ms``), plus
    :data:`STOP_MARGIN_S`. A walk-in held up at a stop then ends as it would have without the stop -
    stored and answered 201 once the lock is freed, or ``database_busy`` (nothing stored: send it
    again) once the busy timeout is over - instead of a cancelled "may or may not be stored"."""
    return math.ceil(busy_timeout_ms / 1000) + STOP_MARGIN_S


class ClinicServer(uvicorn.Server):
    def __init__(
        self,
        app: FastAPI,
        host: str,
        port: int,
        log_level: str = "warning",
        *,
        connections: ConnectionSource | None = None,
        stopped_by_primary: bool = False,
        stop_on_hangup: bool = False,
    ) -> None:
        trusted = app.state.runtime.settings.service.trusted_proxies
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level=log_level,
                log_config=log_config(),  # every line stamped with its UTC time (triage.service.logline)
                # "auto" (uvicorn's default) picks the C parser httptools and the uvloop event loop,
                # both dependencies of this project: about 1.5x the walk-ins per second of h11+asyncio.
                http="auto",
                loop="auto",
                access_log=False,  # access lines would carry URLs naming patients' encounters
                server_header=False,
                # X-Forwarded-For and -Proto only from the proxies the administrator names: uvicorn
                # believed them from 127.0.0.1 by default, so any local process chose its own client
                # address (and a fresh per-address login limit with each)
                proxy_headers=bool(trusted),
                forwarded_allow_ips=[str(network) for network in trusted],
                # a walk-in waiting for another writer's lock at a stop gets its own answer
                timeout_graceful_shutdown=stop_grace_s(app.state.runtime.settings.database.busy_timeout_ms),
            )
        )
        self.fastapi_app = app
        self.connections = connections
        self.stopped_by_primary = stopped_by_primary
        self.stop_on_hangup = stop_on_hangup

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's SIGINT and SIGTERM, and for ``triage serve`` SIGHUP (the terminal or SSH session
        it ran in closed): it killed the primary on the spot, in the middle of its group commit and
        with its worker left to notice; now it stops cleanly as on SIGTERM and then ends with
        SIGHUP (129 in a shell; systemd counts it a clean stop). Settings are not re-read. Started
        with SIGHUP ignored (``nohup triage serve &``: keep running when the terminal closes), it
        stays ignored: the service stopped on the hangup nohup was asked to ignore, and exited 0
        (the ignored SIGHUP raised again did nothing), as if it had ended by itself."""
        with super().capture_signals():
            if (
                not self.stop_on_hangup
                or threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            ):
                yield
                return
            before = signal.signal(signal.SIGHUP, self.handle_exit)
            try:
                yield
            finally:
                signal.signal(signal.SIGHUP, before)  # uvicorn then raises it again, as SIGTERM

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if self.connections is None:
            await super().startup(sockets)
            return
        # An empty socket list: uvicorn runs the lifespan and opens no listener of its own.
        await super().startup([])
        if self.should_exit or not self.started:
            return
        config = self.config

        def protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        self.connections.start(asyncio.get_running_loop(), protocol)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.connections is not None:
            await asyncio.to_thread(self.connections.stop)
        await super().shutdown(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGINT and self.stopped_by_primary:
            # Ctrl-C in a terminal reaches every process of the group: a ``serve --workers`` worker
            # leaves it to the primary, which stops it (SIGTERM). It stopped by itself, printed
            # uvicorn's re-raised KeyboardInterrupt as a traceback, and the primary, not yet
            # stopping, logged it as a crash to restart.
            return
        runtime = self.fastapi_app.state.runtime
        pool = runtime.extras.get("workers")
        if pool is not None:  # the primary of ``serve --workers``: its workers' ends are no crashes now
            pool.stopping()
        runtime.stopping = True
        runtime.stop_cause = runtime.stop_cause or STOP_CAUSES.get(sig, f"signal {int(sig)}")
        runtime.hub.close()
        super().handle_exit(sig, frame)

    def stop(self) -> None:
        """Stop from inside the event loop (``triage demo --seconds``)."""
        self.fastapi_app.state.runtime.stopping = True
        self.fastapi_app.state.runtime.hub.close()
        self.should_exit = True
