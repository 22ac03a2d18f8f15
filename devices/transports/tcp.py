"""TCP links on asyncio streams, as listener (server) and as client.

Not pyserial's ``socket://``: its ``open()`` resets the input buffer and so throws away bytes a
device sends right after connecting, such as an ASTM ``ENQ`` (devices.md section 5).

A listener binds only where configured (loopback by default) and accepts only the peer addresses
the profile allows; any other connection is closed at once and logged with the peer's address.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable

from devices.transports.link import LinkClosed, LinkError, TcpConnectSpec, TcpListenSpec
from referral.errors import json_text

log = logging.getLogger("devices.transports.tcp")

_READ_SIZE = 65536


def parse_host_port(text: str, *, what: str = "address") -> tuple[str, int]:
    """``HOST:PORT`` or ``[v6]:PORT`` to a pair; ``LinkError`` says what is wrong."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise LinkError(f"{what} {json_text(text)}: expected HOST:PORT, e.g. 127.0.0.1:5000")
    host = host.strip("[]")
    try:
        port = int(port_text)
    except ValueError:
        raise LinkError(f"{what} {json_text(text)}: port {json_text(port_text)} is not a number") from None
    if not 0 <= port <= 65535:
        raise LinkError(f"{what} {json_text(text)}: port {port} is outside 0-65535")
    return host, port


class TcpLink:
    """One TCP connection implementing ``Link``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, label: str) -> None:
        self._reader = reader
        self._writer = writer
        self.label = label

    @property
    def peer(self) -> str:
        info = self._writer.get_extra_info("peername")
        return str(info[0]) if info else "?"

    async def read(self) -> bytes:
        try:
            data = await self._reader.read(_READ_SIZE)
        except (ConnectionError, OSError) as exc:
            raise LinkClosed(f"{self.label}: {exc}") from None
        if not data:
            raise LinkClosed(f"{self.label}: connection closed by peer")
        return data

    async def write(self, data: bytes) -> None:
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            raise LinkClosed(f"{self.label}: write failed: {exc}") from None

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()


class ConnectFailed(LinkClosed):
    """A TCP connection could not be made; ``problem`` says why and what to check, ``refused``
    whether the host answered that nothing listens on the port."""

    def __init__(self, host: str, port: int, problem: str, *, refused: bool = False) -> None:
        super().__init__(f"tcp {host}:{port}: cannot connect: {problem}")
        self.problem = problem
        self.refused = refused


def connect_problem(exc: OSError, host: str, port: int, timeout_s: float) -> str:
    """Why connecting to ``host:port`` failed, and what to check - Python's own words were the
    errno's ('[Errno 111] Connect call failed ('127.0.0.1', 4000)'), or nothing for a timeout."""
    if isinstance(exc, TimeoutError):
        return (
            f"no answer from {host} within {timeout_s:g} s: check the address, and that no firewall "
            f"drops connections to port {port}"
        )
    if isinstance(exc, socket.gaierror):
        return (
            f"the host name {json_text(host)} is not known ({exc.strerror}): check its spelling, "
            "or give its IP address"
        )
    if exc.errno == errno.ECONNREFUSED:
        return (
            f"nothing listens on port {port} of {host} (connection refused): check the port, and "
            "that the program or device meant to listen there is running"
        )
    if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"{host} cannot be reached ({exc.strerror}): check the address and this computer's network"
    return f"{exc.strerror or exc}: check the address {host} and port {port}"


async def connect_tcp(spec: TcpConnectSpec, *, timeout_s: float = 10.0) -> TcpLink:
    """Connect to a device (or its terminal server). :class:`ConnectFailed` if it does not answer."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(spec.host, spec.port), timeout_s)
    except (OSError, TimeoutError) as exc:
        problem = connect_problem(exc, spec.host, spec.port, timeout_s)
        refused = exc.errno == errno.ECONNREFUSED and not isinstance(exc, TimeoutError)
        raise ConnectFailed(spec.host, spec.port, problem, refused=refused) from None
    return TcpLink(reader, writer, f"tcp {spec.host}:{spec.port}")


def _is_allowed(peer: str, allowed: frozenset[str]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def bound_address(server: asyncio.Server | None, what: str) -> tuple[str, int]:
    """The (host, port) a started server is bound to: the real port when 0 was asked for."""
    if server is None or not server.sockets:
        raise RuntimeError(f"{what} is not started")
    host, port = server.sockets[0].getsockname()[:2]
    return str(host), int(port)


def bind_problem(exc: OSError, host: str, port: int) -> str:
    """Why listening on ``host:port`` failed, and what to do. asyncio words a port in use as
    "error while attempting to bind on address ('127.0.0.1', 4010): address already in use"."""
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} is already in use (another gateway, or another program, listens there): "
            "stop it, or give this device another port"
        )
    if exc.errno == errno.EACCES and 0 < port < 1024:
        return f"port {port} is below 1024, which only the administrator may use: choose a port from 1024"
    if exc.errno == errno.EADDRNOTAVAIL:
        return (
            f"{host} is not an address of this computer (0.0.0.0: all its addresses; "
            "127.0.0.1: this computer only)"
        )
    return exc.strerror or str(exc)


class TcpListener:
    """Accepts device connections on one address and hands each allowed one to ``on_link``.

    ``allowed_peers`` entries are IP addresses or networks (``192.168.1.20``, ``10.0.5.0/24``).
    """

    def __init__(
        self,
        spec: TcpListenSpec,
        on_link: Callable[[TcpLink], Awaitable[None]],
        *,
        name: str,
        on_refused: Callable[[str], None] | None = None,
    ) -> None:
        for entry in spec.allowed_peers:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise LinkError(
                    f"device {name}: allowed peer {json_text(entry)} is not an IP address or network"
                ) from None
        self._spec = spec
        self._on_link = on_link
        self._on_refused = on_refused
        self._name = name
        self._server: asyncio.Server | None = None
        self._address: tuple[str, int] | None = None
        #: each accepted connection's session, by its writer: :meth:`close` ends them
        self._sessions: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._closing = False
        self.refused = 0
        self._refused_peers: set[str] = set()  # peers refused so far: each said once

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); the port is the real one when 0 was configured."""
        if self._address is None:
            return bound_address(self._server, "listener")
        return self._address

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._connected, self._spec.host, self._spec.port)
        except OSError as exc:
            raise LinkError(
                f"device {self._name}: cannot listen on {self._spec.host}:{self._spec.port}: "
                f"{bind_problem(exc, self._spec.host, self._spec.port)}"
            ) from None
        self._address = bound_address(self._server, "listener")
        log.info("device %s listening on %s:%d", self._name, *self.address)

    def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """start_server's callback. A connection the loop accepted as the gateway stopped (the
        device connecting in the same moment as Ctrl-C or SIGTERM, seen under load) reached
        ``_accept`` after :meth:`close`: 'listener is not started' and a traceback after "stopped".
        It is closed now; the others run as tasks of the listener's own, which ``close`` ends."""
        if self._closing:
            writer.close()
            return
        task = asyncio.get_running_loop().create_task(self._accept(reader, writer))
        self._sessions[task] = writer
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._sessions.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("device %s: session failed", self._name, exc_info=task.exception())

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer_info = writer.get_extra_info("peername")
        peer = str(peer_info[0]) if peer_info else "?"
        if not _is_allowed(peer, self._spec.allowed_peers):
            self.refused += 1
            # a device that retries every few seconds: said once a peer, counted each time
            level = logging.DEBUG if peer in self._refused_peers else logging.WARNING
            self._refused_peers.add(peer)
            allowed = self._spec.allowed_peers
            why = f"not in allowed_peers {sorted(allowed)}" if allowed else "no allowed_peers: loopback only"
            log.log(
                level,
                "device %s: refused TCP connection from %s (%s); if it is the "
                'device, allow it: --allow-peer %s, or [tcp] allowed_peers = ["%s"] in its profile',
                self._name,
                peer,
                why,
                peer,
                peer,
            )
            if self._on_refused is not None:
                self._on_refused(peer)
            writer.close()
            return
        link = TcpLink(reader, writer, f"tcp {peer}->{self._spec.host}:{self.address[1]}")
        try:
            await self._on_link(link)
        except asyncio.CancelledError:
            # The gateway stopping (Ctrl-C, SIGTERM) with a device connected cancels this task.
            # Ended cancelled, Python 3.11's start_server callback calls task.exception() on it and
            # the loop printed a CancelledError traceback after "stopped"; the session's own
            # cleanup has run, so this task ends normally instead.
            pass
        finally:
            await link.close()

    async def close(self) -> None:
        """Stop listening and end every session (before the gateway closes its database)."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        sessions = dict(self._sessions)
        for task in sessions:
            task.cancel()
        await asyncio.gather(*sessions, return_exceptions=True)
        for task, writer in sessions.items():
            if task.cancelled():  # cancelled before it began: its finally never ran
                writer.close()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
