"""Where a server process gets its connections: its own listening socket, or the primary's hand.

With ``triage serve --workers N`` only the primary process accepts connections. If every process
watched the shared listening socket itself, the kernel would wake the most recently idle event
loop first and one process would win almost every connection: with a handful of keep-alive
clients (the clinic's devices, an integrator's pool) one core works and the other idles - measured
here at 15.4 against 4.5 CPU-seconds. Instead the primary's :class:`Acceptor` deals connections
round the processes in turn and passes each worker's share over a Unix socket (``SCM_RIGHTS``);
the worker's :class:`HandedConnections` receives them. Either way the event loop then serves the
socket exactly as uvicorn's own server would (same protocol class, same server state).

The listening socket carries a receive timeout (``SO_RCVTIMEO``, set by :func:`bind_listener`),
so the blocked ``accept()`` returns every half second and the thread notices when it must stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from typing import Protocol

from triage.errors import UserInputError, json_text

log = logging.getLogger("triage.service")
ACCEPT_WAKE_S = 0.5
ProtocolFactory = Callable[[], asyncio.Protocol]


class PortBusyError(UserInputError):
    """The address is taken - often for a moment only (the previous service still stopping, a
    restart racing its predecessor's socket): exit 75 (EX_TEMPFAIL, "try again later"), which the
    documented systemd unit restarts, where exit 2 (a settings mistake) it does not."""

    exit_code = 75


def listener_url(listener: socket.socket) -> str:
    """The URL a bound listener serves, with the port it got (``--port 0``) and an IPv6 address in
    brackets (RFC 3986: ``http://[::1]:8000/``; ``http://::1:8000/`` is no URL) - what `serve` and
    `demo` print."""
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def bind_listener(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """The service's listening socket; a clear error when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.create_server((host, port), family=family, backlog=backlog)
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        if isinstance(exc, socket.gaierror) or (exc.errno or 0) < 0:  # getaddrinfo: EAI_NONAME ...
            # create_server re-raises it as a plain OSError; os.strerror said "Unknown error -2"
            why = f"{json_text(host)} is not an IP address or a known host name"
            fix = "give an IP address (--host), e.g. 127.0.0.1 or 0.0.0.0"
        elif exc.errno == errno.EADDRNOTAVAIL:
            fix = "give an IP address of this computer (--host)"
        elif exc.errno == errno.EADDRINUSE:
            raise PortBusyError(
                f"cannot listen on {host}:{port}: {why}; stop the other program or choose --port"
            ) from None
        else:
            fix = "choose another --host or --port"
        raise UserInputError(f"cannot listen on {host}:{port}: {why}; {fix}") from None
    seconds = int(ACCEPT_WAKE_S)
    micros = int((ACCEPT_WAKE_S - seconds) * 1_000_000)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", seconds, micros))
    return listener


class ConnectionSource(Protocol):
    def start(self, loop: asyncio.AbstractEventLoop, protocol_factory: ProtocolFactory) -> None: ...

    def stop(self) -> None: ...


def serve_connection(
    loop: asyncio.AbstractEventLoop, protocol_factory: ProtocolFactory, connection: socket.socket
) -> None:
    """On the event loop: serve an accepted connection like uvicorn's own server would."""
    connection.setblocking(False)
    if connection.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    task = loop.create_task(loop.connect_accepted_socket(protocol_factory, connection))
    task.add_done_callback(_report_failure)


def _report_failure(task: asyncio.Task[object]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("could not serve an accepted connection: %s", task.exception())


class Acceptor:
    """One thread accepting connections; ``deal`` may hand each to another process instead.

    ``deal(connection)`` returns True when it passed the connection on (and closed its copy);
    False keeps it here.
    """

    def __init__(self, listener: socket.socket, deal: Callable[[socket.socket], bool] | None = None) -> None:
        self._listener = listener
        self._deal = deal
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.accepted = 0

    def start(self, loop: asyncio.AbstractEventLoop, protocol_factory: ProtocolFactory) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(loop, protocol_factory), name="acceptor", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting (returns within about half a second)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(ACCEPT_WAKE_S * 3)

    def _run(self, loop: asyncio.AbstractEventLoop, protocol_factory: ProtocolFactory) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except (BlockingIOError, TimeoutError, InterruptedError):
                continue  # the half-second wake-up: look at the stop flag
            except OSError as exc:
                if self._stopping.is_set():
                    return
                log.error("accepting a connection failed: %s", exc)
                self._stopping.wait(0.1)
                continue
            self.accepted += 1
            if self._deal is not None and self._deal(connection):
                continue
            try:
                loop.call_soon_threadsafe(serve_connection, loop, protocol_factory, connection)
            except RuntimeError:  # the loop has closed under us: the process is ending
                connection.close()
                return


class HandedConnections:
    """A worker's side: connections the primary accepted, arriving over a Unix socket."""

    def __init__(self, channel: socket.socket) -> None:
        channel.setblocking(False)
        self._channel = channel
        self._loop: asyncio.AbstractEventLoop | None = None
        self.received = 0

    def start(self, loop: asyncio.AbstractEventLoop, protocol_factory: ProtocolFactory) -> None:
        self._loop = loop

        def readable() -> None:
            while True:
                try:
                    data, fds, _, _ = socket.recv_fds(self._channel, 16, 8)
                except BlockingIOError:
                    return
                except OSError:
                    data, fds = b"", []
                for fd in fds:
                    self.received += 1
                    serve_connection(loop, protocol_factory, socket.socket(fileno=fd))
                if not data:
                    loop.remove_reader(self._channel.fileno())
                    return

        loop.add_reader(self._channel.fileno(), readable)

    def stop(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(ValueError, OSError):
                self._loop.remove_reader(self._channel.fileno())
        self._channel.close()


def hand_over(channel: socket.socket, connection: socket.socket) -> bool:
    """Pass ``connection`` to the process at the other end of ``channel``; False if it is gone."""
    try:
        socket.send_fds(channel, [b"c"], [connection.fileno()])
    except OSError:
        return False
    connection.close()
    return True
