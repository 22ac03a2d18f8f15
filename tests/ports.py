"""The port a server under test listens on, without a race for it.

``triage serve --port 0`` and ``triage demo --port 0`` bind any free port and print the URL with
the port they got (``clinic service on http://127.0.0.1:PORT/ ...``, ``clinic service:
http://127.0.0.1:PORT/ ...``): :func:`port_said` reads it from their output. uvicorn in-process
(tests/service/conftest.py live_server) reads ``server.servers[0].sockets``, and ``triage devices
listen --tcp-listen 127.0.0.1:0`` says its port in its "listening: ... on tcp listen HOST:PORT"
line (tests/devices/gateway/devices_cli.py listening_port).

:func:`free_port` remains for a port that must be known before the server starts - a device
profile's ``[tcp] port`` (1-65535), a port no one listens on. Residual race: the port is found free,
then released before the server binds it, so another process on the machine can take it in
between; the server then fails with "address already in use" and the test with it (rare; run
again).
"""

from __future__ import annotations

import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, Any

#: What `triage serve` (``clinic service on URL``) and `triage demo` (``clinic service: URL``) print
#: once they listen; the port is the group.
LISTENING = re.compile(r"clinic service(?: on|:) http://(?:\[[0-9a-f:.]+\]|[^:/\s]+):([0-9]+)/")


def free_port() -> int:
    """A loopback TCP port no one listens on now (see the race above)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def collected(stream: IO[str] | None) -> Callable[[], str]:
    """Read ``stream`` (a process's pipe) in the background; the function returns what came so far."""
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(stream or ()), daemon=True).start()
    return lambda: "".join(lines)


def port_said(read: Callable[[], str], process: subprocess.Popen[Any], timeout_s: float = 60) -> int:
    """The port `triage serve | demo --port 0` says it listens on: waits until ``read()`` (its
    output so far) has the line, failing with that output if the process ends or ``timeout_s``
    passes first."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = LISTENING.search(read())
        if found is not None:
            return int(found[1])
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"no 'clinic service on URL' line (exit {process.poll()}): {read()}")
        time.sleep(0.05)
