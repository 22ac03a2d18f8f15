"""HEAD is answered wherever GET is (RFC 9110 9.3.2), on a real uvicorn server: the GET's status and
headers, no body. Every page and API path answered HEAD with 405 before (only /static took it)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.service.conftest import copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seeded: Any) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("head")
    tokens = copy_seeded(seeded, folder)
    with live_server(create_app(make_settings(folder))) as base:
        yield {"base": base, "token": tokens[Role.admin]}


def exchange(base: str, request: bytes, timeout_s: float = 10) -> bytes:
    """``request`` sent on one connection that the server closes after answering; every byte it sent."""
    where = urlsplit(base)
    with socket.create_connection((where.hostname or "", where.port or 80), timeout=timeout_s) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def ask(live: dict[str, Any], method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    request = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {live['token']}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    head, _, body = exchange(live["base"], request).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


PATHS = [
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/docs",
    "/login",
    "/queue",
    "/referrals",
    "/devices",
    "/api/v1/referrals?limit=5",
    "/api/v1/patients",
    "/api/v1/queue",
    "/api/v1/facilities",
    "/api/v1/devices/held",
    "/api/v1/referrals/424242",
    "/api/v1/no-such-path",
    "/static/app.css",
]


@pytest.mark.parametrize("path", PATHS)
def test_head_answers_the_get_status_and_headers_without_a_body(live: dict[str, Any], path: str) -> None:
    got_status, got_headers, got_body = ask(live, "GET", path)
    status, headers, body = ask(live, "HEAD", path)
    assert status == got_status, f"HEAD {path}: {status}, GET: {got_status}"
    assert body == b"", f"HEAD {path} sent a body: {body[:80]!r}"
    assert len(got_body) > 0
    for name in ("content-type", "content-length", "x-total-count", "link", "cache-control", "allow"):
        assert headers.get(name) == got_headers.get(name), (path, name, headers, got_headers)


def test_head_on_the_live_event_stream_answers_at_once(live: dict[str, Any]) -> None:
    # the stream answers its GET with headers, then waits for events: HEAD must not wait with it
    started = time.monotonic()
    status, headers, body = ask(live, "HEAD", "/events")
    assert status == 200 and headers["content-type"].startswith("text/event-stream"), headers
    assert body == b"" and time.monotonic() - started < 5


def test_a_path_that_takes_no_get_still_refuses_head(live: dict[str, Any]) -> None:
    status, headers, body = ask(live, "HEAD", "/api/v1/tokens/revoke")
    assert status == 405 and headers["allow"] == "POST" and body == b""


def test_head_and_get_on_one_kept_alive_connection(live: dict[str, Any]) -> None:
    # a body after a HEAD answer would be read as the start of the next answer
    request = (
        b"HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    answers = exchange(live["base"], request)
    first, _, rest = answers.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200") and b"content-length: 15" in first.lower()
    assert rest.startswith(b"HTTP/1.1 200"), rest[:80]
    assert rest.endswith(b'{"status":"ok"}')
