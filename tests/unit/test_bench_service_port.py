"""The service benchmark starts `triage serve --port 0` and reads the port from the URL the server
prints: it picked a free port itself, closed it, and handed the number to the server, so another
program (a test, a second bench) could take it in between and the run failed 'address already in
use'. Real `triage serve` processes; the settings are the benchmark's own environment's kind."""

from __future__ import annotations

import signal
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bench.service import serve_command, start_server
from tests.service.conftest import HTTP_TIMEOUT_S
from tests.service.test_serve_startup import environment


def test_the_bench_asks_the_server_for_any_free_port() -> None:
    command = serve_command(1)
    assert command[command.index("--port") + 1] == "0", command


def test_the_url_it_reads_is_the_one_the_server_listens_on(tmp_path: Path) -> None:
    env = environment() | {"TRIAGE_DATABASE__PATH": str(tmp_path / "bench.db")}
    server, base, said = start_server(serve_command(1), env)
    try:
        port = urlsplit(base).port
        assert port not in (None, 0) and base == f"http://127.0.0.1:{port}", base
        assert httpx.get(f"{base}/healthz", timeout=HTTP_TIMEOUT_S).status_code == 200, said()
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(30) == 130, said()


def test_a_server_that_stops_before_listening_ends_the_bench_with_what_it_said(tmp_path: Path) -> None:
    env = environment() | {"TRIAGE_DATABASE__PATH": str(tmp_path)}  # a folder: refused, exit 2
    with pytest.raises(SystemExit) as info:
        start_server(serve_command(1), env)
    said = str(info.value)
    assert "printed no URL (exit 2)" in said and f"database.path {tmp_path} is a folder" in said, said


def test_a_server_that_never_gets_ready_ends_the_bench_with_the_reason_it_printed(tmp_path: Path) -> None:
    """/readyz tells the bench (anonymous) only the kind since e739772: 'server never became ready:
    invalid_config (the details are in the service log ...)' - and the bench had the log in a pipe
    it never read."""
    import time

    from bench.service import wait_ready

    missing = tmp_path / "no-such-folder"
    env = environment() | {"TRIAGE_DATABASE__PATH": str(missing / "bench.db")}  # not ready, retried
    server, base, said = start_server(serve_command(1), env)
    try:
        with pytest.raises(SystemExit) as info:
            wait_ready(base, 1, time.perf_counter(), said, timeout_s=1)  # its 503 comes at once
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    message = str(info.value)
    assert message.startswith("bench: the server was not ready after 1 s; /readyz: 503 "), message
    assert f"the folder {missing} does not exist" in message, message
