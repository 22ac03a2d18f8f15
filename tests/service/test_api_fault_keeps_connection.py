"""A fault in the service (an exception no handler answers) answers its 500 ``internal_error`` and
keeps the client's connection open for its next request, as any other answer does: the exception was
raised again once answered, and uvicorn closes the connection of a request whose application raised
after its answer started - a client keeping its connection alive (every HTTP library does) could
read a reset instead of the 500, and its next request on that connection got nothing. The log still
has the line naming the request, once, with the traceback - written after the 500 is sent, so the
test waits for it (``tests/service/logged.py``). A real uvicorn server, a raw socket sending two
requests on one connection."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from tests.service.conftest import copy_seeded, live_server
from tests.service.logged import awaited
from tests.service.test_api_fault import _faulty
from triage.service.auth import Role

TIMEOUT_S = 60.0


def _answer(connection: socket.socket) -> bytes:
    """One HTTP answer read from ``connection`` (its head and a body of its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data  # closed by the server
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_a_fault_answers_500_and_the_connection_serves_the_next_request(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], caplog: pytest.LogCaptureFixture
) -> None:
    copy_seeded(seeded, tmp_path)
    with (
        caplog.at_level(logging.ERROR),
        awaited("triage.service") as logged,
        live_server(_faulty(tmp_path)) as base,
    ):
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=TIMEOUT_S) as connection:
            request = "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: {}\r\n\r\n"
            connection.sendall(request.format("/api/v1/fault", "ehr-fault-1").encode())
            fault = _answer(connection)
            connection.sendall(request.format("/healthz", "ehr-next-1").encode())
            following = _answer(connection)
        logged.wait_for(lambda record: "ehr-fault-1" in record.getMessage())  # written after the 500
    assert fault.startswith(b"HTTP/1.1 500 "), fault
    assert b'"code":"internal_error"' in fault and b"connection: close" not in fault.lower(), fault
    assert following.startswith(b"HTTP/1.1 200 ") and b'"status":"ok"' in following, following
    records = [r for r in caplog.records if r.name == "triage.service" and "ehr-fault-1" in r.getMessage()]
    assert [r.getMessage() for r in records] == [
        "request ehr-fault-1: GET /api/v1/fault failed: RuntimeError (traceback below)"
    ], records
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in records), "the traceback is logged"
