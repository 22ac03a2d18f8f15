"""X-Forwarded-For is believed only from the reverse proxies the administrator names
(``service.trusted_proxies``, none by default): uvicorn believed it from 127.0.0.1 unless told
otherwise, so any process on the service's machine named its own client address with each failed
login and the per-address login limit never counted it. docs/service.md, "Behind a reverse proxy".

Real `triage serve` subprocesses on loopback over a real SQLite log.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import httpx

from tests.service.test_serve_startup import TRIAGE, environment, wait_ready


def failed_logins(tmp_path: Path, trusted: list[str] | None, clients: list[str]) -> list[int]:
    """The status of a failed login from each of ``clients`` (its X-Forwarded-For; each with a user
    name of its own, so only the per-address limit, 2 a minute, can refuse one) sent from loopback to
    a real `triage serve` whose ``service.trusted_proxies`` is ``trusted`` (``None``: not set)."""
    log = tmp_path / "serve.log"
    env = environment() | {
        "TRIAGE_DATABASE__PATH": str(tmp_path / "clinic.db"),
        "TRIAGE_SERVICE__LOGIN_ATTEMPTS_PER_MINUTE": "2",
    }
    if trusted is not None:
        env["TRIAGE_SERVICE__TRUSTED_PROXIES"] = json.dumps(trusted)
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [TRIAGE, "serve", "--workers", "1", "--port", "0"], env=env, stderr=err, text=True
        )
        try:
            port = wait_ready({0}, process, log)
            return [
                httpx.post(
                    f"http://127.0.0.1:{port}/login",
                    data={"username": f"user{n}", "password": "not-the-password"},
                    headers={"X-Forwarded-For": client},
                    timeout=10,
                ).status_code
                for n, client in enumerate(clients)
            ]
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 130


def test_a_forged_forwarded_address_from_this_machine_does_not_dodge_the_login_limit(tmp_path: Path) -> None:
    """No proxy named: three failed logins from loopback, each claiming another client address, are
    three from 127.0.0.1 - the third is refused (it was 401 each time, and so on for ever)."""
    assert failed_logins(tmp_path, None, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [401, 401, 429]


def test_a_proxy_on_another_address_is_not_believed_either(tmp_path: Path) -> None:
    """A named proxy elsewhere (10.0.0.0/24) does not make loopback a proxy."""
    assert failed_logins(tmp_path, ["10.0.0.0/24"], ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [401, 401, 429]


def test_behind_the_named_local_proxy_the_limit_counts_each_forwarded_client(tmp_path: Path) -> None:
    """`trusted_proxies = ["127.0.0.1"]` (the proxy on this machine, docs/service.md): one client's
    failed logins do not lock out another behind the same proxy."""
    statuses = failed_logins(tmp_path, ["127.0.0.1"], ["10.0.0.1", "10.0.0.1", "10.0.0.1", "10.0.0.2"])
    assert statuses == [401, 401, 429, 401]
