"""`triage serve --host NAME`: the name given on the command line is a name of the service, as
``service.host`` is (DNS rebinding, ``triage/service/hosts.py``). Only the settings' host was
allowed, so a service started ``--host triage.clinic.example`` answered every request under that
name 400 ``host_not_allowed``.

A real ``triage serve`` process; the name is made to resolve to the loopback address in that
process only, by Python's own start-up hook (a ``sitecustomize`` module on ``PYTHONPATH``, as
tests/unit/test_ctrl_c_at_start.py does), as an ``/etc/hosts`` line would - nothing in the product.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx

from tests.admin.test_port_zero import _stop
from tests.ports import collected, port_said
from tests.service.conftest import HTTP_TIMEOUT_S
from tests.service.test_serve_startup import TRIAGE, environment

NAME = "triage.clinic.example"
RESOLVES = f"""
import socket

_bind = socket.socket.bind


def _bind_by_name(self, address):
    if isinstance(address, tuple) and address[0] == {NAME!r}:
        address = ("127.0.0.1", *address[1:])
    return _bind(self, address)


socket.socket.bind = _bind_by_name
"""


def test_the_name_serve_listens_on_is_a_name_of_the_service(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(RESOLVES, encoding="utf-8")
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    env = environment() | {"TRIAGE_DATABASE__PATH": str(tmp_path / "clinic.db"), "PYTHONPATH": path}
    command = [TRIAGE, "serve", "--host", NAME, "--port", "0", "--workers", "2"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    said = collected(process.stderr)
    try:
        port = port_said(said, process)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=HTTP_TIMEOUT_S) as client:
            # several requests: the two processes each take some (the settings reach both)
            named = [client.get("/healthz", headers={"Host": f"{NAME}:{port}"}) for _ in range(6)]
            other = client.get("/healthz", headers={"Host": f"rebind.example:{port}"})
    finally:
        _stop(process)
    assert [answer.status_code for answer in named] == [200] * 6, [a.text for a in named]
    assert other.status_code == 400 and "not a name of this service" in other.text, said()


def test_the_settings_host_name_stays_allowed_when_serve_listens_on_another_host(tmp_path: Path) -> None:
    """``service.host = "triage.clinic.example"`` in the settings and ``--host 127.0.0.1`` given:
    both name the service."""
    env = environment() | {"TRIAGE_DATABASE__PATH": str(tmp_path / "clinic.db"), "TRIAGE_SERVICE__HOST": NAME}
    command = [TRIAGE, "serve", "--host", "127.0.0.1", "--port", "0", "--workers", "1"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    said = collected(process.stderr)
    try:
        port = port_said(said, process)
        named = httpx.get(
            f"http://127.0.0.1:{port}/healthz", headers={"Host": f"{NAME}:{port}"}, timeout=HTTP_TIMEOUT_S
        )
    finally:
        _stop(process)
    assert named.status_code == 200, named.text


def test_the_settings_host_name_stays_allowed_when_the_demo_listens_on_another_host(
    tmp_path: Path,
) -> None:
    """`triage demo --host` replaced ``service.host`` with the address given and did not keep the
    settings' name among the names it answers to, as `serve` does: the clinic's name answered 400."""
    env = environment() | {"TRIAGE_SERVICE__HOST": NAME}
    command = [TRIAGE, "demo", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(tmp_path / "demo")]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = collected(process.stdout)
    try:
        port = port_said(said, process)
        named = httpx.get(
            f"http://127.0.0.1:{port}/healthz", headers={"Host": f"{NAME}:{port}"}, timeout=HTTP_TIMEOUT_S
        )
        other = httpx.get(
            f"http://127.0.0.1:{port}/healthz",
            headers={"Host": f"rebind.example:{port}"},
            timeout=HTTP_TIMEOUT_S,
        )
    finally:
        _stop(process)
    assert named.status_code == 200, named.text
    assert other.status_code == 400, other.text
