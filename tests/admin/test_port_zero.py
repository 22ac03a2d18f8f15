"""`triage serve --port 0` and `triage demo --port 0`: any free port, bound at once and named in
the URL they print. They took 1-65535 only, so a test (or a script starting a service beside
others) had to pick a free port first and hope no other program took it before the service bound
it. The printed URL is one a browser takes: an IPv6 address in brackets."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.ports import collected, port_said
from tests.service.conftest import HTTP_TIMEOUT_S
from tests.service.test_serve_startup import TRIAGE, environment, unstamped


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()


def _answers(url: str) -> int:
    return httpx.get(f"{url}healthz", timeout=HTTP_TIMEOUT_S).status_code


def test_serve_on_port_0_binds_any_free_port_and_prints_it(tmp_path: Path) -> None:
    env = environment() | {"TRIAGE_DATABASE__PATH": str(tmp_path / "clinic.db")}
    process = subprocess.Popen(
        [TRIAGE, "serve", "--port", "0", "--workers", "1"], env=env, stderr=subprocess.PIPE, text=True
    )
    said = collected(process.stderr)
    try:
        port = port_said(said, process)
        assert port != 0
        assert unstamped(said())[0].startswith(f"clinic service on http://127.0.0.1:{port}/ (1 process; "), (
            said()
        )
        assert _answers(f"http://127.0.0.1:{port}/") == 200
    finally:
        assert _stop(process) == 130, said()


def test_demo_on_port_0_binds_any_free_port_and_prints_it(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [TRIAGE, "demo", "--port", "0", "--interval", "5", "--data-dir", str(tmp_path / "demo")],
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    said = collected(process.stdout)
    try:
        port = port_said(said, process)
        assert port != 0 and f"clinic service: http://127.0.0.1:{port}/  (API docs: /docs)\n" in said()
        assert _answers(f"http://127.0.0.1:{port}/") == 200
    finally:
        assert _stop(process) == 130, said()


def test_serve_on_an_ipv6_address_prints_a_url_with_it_in_brackets(tmp_path: Path) -> None:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    env = environment() | {"TRIAGE_DATABASE__PATH": str(tmp_path / "clinic.db")}
    process = subprocess.Popen(
        [TRIAGE, "serve", "--host", "::1", "--port", "0", "--workers", "1"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    said = collected(process.stderr)
    try:
        port = port_said(said, process)
        assert unstamped(said())[0].startswith(f"clinic service on http://[::1]:{port}/ "), said()
        assert _answers(f"http://[::1]:{port}/") == 200
    finally:
        assert _stop(process) == 130, said()
