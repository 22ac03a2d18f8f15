"""X-Forwarded-For is believed only from the reverse proxies the administrator names
(``service.trusted_proxies``, none by default): uvicorn believed it from 127.0.0.1 unless told
otherwise, so any process on the service's machine named its own client address with each failed
login and the per-address login limit never counted it. docs/service.md, "Behind a reverse proxy".

Real `triage serve` subprocesses on loopback over a real SQLite log.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S
from tests.service.test_serve_startup import TRIAGE, environment, wait_ready


@contextlib.contextmanager
def serving(tmp_path: Path, trusted: list[str] | None) -> Iterator[str]:
    """A real `triage serve` on loopback whose ``service.trusted_proxies`` is ``trusted`` (``None``: not
    set), 2 failed logins a minute per address; yields its base URL."""
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
            yield f"http://127.0.0.1:{wait_ready({0}, process, log)}"
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 130


Trusted = tuple[str, ...] | None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Trusted], str]]:
    """The base URL of this module's service whose ``service.trusted_proxies`` is the one asked
    (:func:`serving`), started on first use and shared by the tests asking the same: each test
    started its own (five start-ups, two of them of a service another test had started the same).
    What one test does there cannot answer another's question: only one test sends failed logins
    to each service (a limit already reached there would refuse sooner, failing it, never pass it)
    and the other only sets up the first account, which the login limit does not count. Stopped
    (with Ctrl-C, exit 130 checked) when the module ends."""
    started: dict[Trusted, str] = {}
    with contextlib.ExitStack() as stack:

        def base(trusted: Trusted) -> str:
            if trusted not in started:
                folder = tmp_path_factory.mktemp("proxy" if trusted else "none")
                started[trusted] = stack.enter_context(
                    serving(folder, None if trusted is None else list(trusted))
                )
            return started[trusted]

        yield base


def failed_logins(base: str, clients: list[str]) -> list[int]:
    """The status of a failed login from each of ``clients`` (its X-Forwarded-For; each with a user
    name of its own, so only the per-address limit can refuse one) sent from loopback to the
    service at ``base``."""
    return [
        httpx.post(
            f"{base}/login",
            data={"username": f"user{n}", "password": "not-the-password"},
            headers={"X-Forwarded-For": client},
            timeout=HTTP_TIMEOUT_S,
        ).status_code
        for n, client in enumerate(clients)
    ]


def test_a_forged_forwarded_address_from_this_machine_does_not_dodge_the_login_limit(
    served: Callable[[Trusted], str],
) -> None:
    """No proxy named: three failed logins from loopback, each claiming another client address, are
    three from 127.0.0.1 - the third is refused (it was 401 each time, and so on for ever)."""
    assert failed_logins(served(None), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [401, 401, 429]


def test_a_proxy_on_another_address_is_not_believed_either(served: Callable[[Trusted], str]) -> None:
    """A named proxy elsewhere (10.0.0.0/24) does not make loopback a proxy."""
    assert failed_logins(served(("10.0.0.0/24",)), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) == [401, 401, 429]


def test_behind_the_named_local_proxy_the_limit_counts_each_forwarded_client(
    served: Callable[[Trusted], str],
) -> None:
    """`trusted_proxies = ["127.0.0.1"]` (the proxy on this machine, docs/service.md): one client's
    failed logins do not lock out another behind the same proxy."""
    statuses = failed_logins(served(("127.0.0.1",)), ["10.0.0.1", "10.0.0.1", "10.0.0.1", "10.0.0.2"])
    assert statuses == [401, 401, 429, 401]


def test_a_forged_https_from_this_machine_does_not_mark_the_cookie_secure(
    served: Callable[[Trusted], str],
) -> None:
    """X-Forwarded-Proto too is believed from the named proxy only: the first administrator's
    session cookie, set up over plain HTTP from loopback claiming HTTPS, is not Secure (the browser
    would never send it back); through the named proxy it is."""
    cookies = []
    for trusted in (None, ("127.0.0.1",)):
        made = httpx.post(
            f"{served(trusted)}/setup",
            data={"username": "admin", "password": "a long enough password", "language": "en"},
            headers={"X-Forwarded-Proto": "https"},
            timeout=30,
        )
        assert made.status_code == 303, made.text
        cookies.append(made.headers["set-cookie"].lower())
    assert all(cookie.startswith("triage_session=") for cookie in cookies), cookies
    assert ["; secure" in cookie for cookie in cookies] == [False, True], cookies
