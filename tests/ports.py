"""One free loopback TCP port, for a server under test that cannot bind port 0 itself and report the
port it got.

Residual race: the port is found free, then released before the server binds it, so another
process on the machine can take it in between; the server then fails with "address already in
use" and the test with it (rare; run again). Where the server binds port 0 itself and reports its
port, the tests do that instead: uvicorn in-process (tests/service/conftest.py live_server, from
``server.servers[0].sockets``) and ``triage devices listen --tcp-listen 127.0.0.1:0`` (its
"listening: ... on tcp listen HOST:PORT" line, tests/devices/gateway/devices_cli.py
listening_port). ``triage serve`` and ``triage demo`` take ``--port`` 1-65535 only and a device
profile's ``[tcp] port`` 1-65535, so their tests use this.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback TCP port no one listens on now (see the race above)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
