"""The line between the service's worker processes (``triage serve --workers N``).

The primary process (which also runs the device gateway) holds one socket pair with each worker
it started. Small JSON messages travel on it: live-update events, failed logins (so the login
limit counts attempts made on any process), and each process's metrics snapshot. The primary
relays what one worker says to the others, so every process hears everything.

The pair is ``SOCK_SEQPACKET``: one ``send`` is one message, never split or merged. Sends never
block a request: if the other side is not reading, the message is dropped and counted (events
are hints to re-read the queue; nothing clinical travels here). When the other end closes - a
worker ended, or the primary did - the link reports it once, so the primary can start a new
worker and a worker can stop instead of serving on alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Callable
from typing import Any

log = logging.getLogger("triage.service")
MAX_MESSAGE = 1 << 20

Message = dict[str, Any]


def drain(sock: socket.socket, size: int) -> tuple[list[bytes], bool]:
    """Every packet waiting on a non-blocking ``SOCK_SEQPACKET`` socket, and whether the other end
    has gone (closed, or the socket failed)."""
    packets: list[bytes] = []
    while True:
        try:
            data = sock.recv(size)
        except BlockingIOError:
            return packets, False
        except OSError:
            return packets, True
        if not data:
            return packets, True
        packets.append(data)


def hang_up(sock: socket.socket, loop: asyncio.AbstractEventLoop | None) -> None:
    """Stop watching ``sock`` on ``loop`` (if it was) and close it."""
    if loop is not None and not loop.is_closed():
        loop.remove_reader(sock.fileno())
    sock.close()


def link_pair() -> tuple[socket.socket, socket.socket]:
    """A connected pair: keep one end, hand the other to the child process."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    for end in (ours, theirs):
        end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, MAX_MESSAGE)
    return ours, theirs


class PeerLink:
    """One end of the line to another process of the same service."""

    def __init__(self, sock: socket.socket, name: str) -> None:
        sock.setblocking(False)
        self.sock = sock
        self.name = name
        self.dropped = 0
        self.closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def send(self, message: Message) -> bool:
        """Send one message now, from any thread; False when it could not be sent."""
        if self.closed:
            return False
        data = json.dumps(message, separators=(",", ":")).encode()
        if len(data) > MAX_MESSAGE:
            self.dropped += 1
            return False
        try:
            self.sock.send(data)
        except BlockingIOError:
            self.dropped += 1
            return False
        except OSError:
            return False  # the other side is gone; the reader reports it
        return True

    def listen(
        self,
        loop: asyncio.AbstractEventLoop,
        on_message: Callable[[PeerLink, Message], None],
        on_closed: Callable[[PeerLink], None],
    ) -> None:
        """Call ``on_message`` on the event loop for each message; ``on_closed`` once at the end."""
        self._loop = loop

        def readable() -> None:
            packets, ended = drain(self.sock, MAX_MESSAGE)
            for data in packets:
                try:
                    message = json.loads(data)
                except ValueError:
                    log.error("ignored a malformed message from %s (%d bytes)", self.name, len(data))
                    continue
                if isinstance(message, dict):
                    on_message(self, message)
            if ended:
                self.close()
                on_closed(self)

        loop.add_reader(self.sock.fileno(), readable)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        hang_up(self.sock, self._loop)
