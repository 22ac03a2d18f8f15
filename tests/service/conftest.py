"""Fixtures: a real service on a real SQLite file (in-process ASGI client), one user per role."""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from referral import facilities
from referral.records import FacilityIn
from referral.transactions import write
from tests.service.chromium import Driver
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role
from triage.settings import Settings, load_settings

PASSWORD = "clinic-pass-2026"

#: How long a test's HTTP request to a service it started waits for the answer (every httpx call
#: under tests/ names it). httpx's own 5 s was too short on a busy machine: CI runs two workers on
#: two cores, and a fixture's first request there failed with ReadTimeout at a load of 20 while the
#: service was only slow. A request that never gets its answer still fails, after this long.
HTTP_TIMEOUT_S = 60.0

#: How long a browser test waits for what the server does - a live refresh over server-sent events,
#: a form's answer (argon2 on a password form), the demo's next patient - as a Playwright
#: ``expect``'s timeout (``wait_until`` takes it in seconds): Playwright's own 5 s was a busy
#: machine's normal. What only the browser does (a focus given at load) keeps Playwright's 5 s.
SERVER_WAIT_MS = 30_000


@dataclass
class Staff:
    app: FastAPI
    client: TestClient
    tokens: dict[Role, str]

    def bearer(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def login(self, role: Role) -> str:
        """Log the client in as ``role`` through the form; returns the session's CSRF token."""
        response = self.client.post(
            "/login", data={"username": role.value, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        sid = self.client.cookies[SESSION_COOKIE]
        session = self.app.state.runtime.sessions.get(sid)
        assert session is not None
        return str(session.csrf_token)


def unspanned(html: str) -> str:
    """A page's HTML without the spans that keep a number on one line with its unit
    (``pages.rendering.measures``), to look for the text as shown: "91 %" in "<span ...>91 %</span>"."""
    return re.sub(r'<span class="with-unit">(.*?)</span>', r"\1", html)


def make_settings(tmp_path: Path, **service: object) -> Settings:
    return load_settings(
        None,
        data_dir=tmp_path,
        database={"path": tmp_path / "clinic.db"},
        service={"default_language": "en", **service},
    )


def seed(app: FastAPI) -> dict[Role, str]:
    runtime = app.state.runtime
    tokens = {}
    for role in Role:
        runtime.accounts.create(role.value, PASSWORD, role, "en", actor="test-setup")
        tokens[role] = runtime.accounts.issue_token(
            role.value, f"{role.value} test token", actor="test-setup"
        )
    db = runtime.databases.get()
    for fid, tier in (("clinic-demo", "primary"), ("county-hospital", "secondary")):
        facility = FacilityIn(
            id=fid,
            name=fid.replace("-", " ").title(),
            tier=tier,
            region_code="R1",
            lon=104.0,
            lat=30.6,
            beds=20,
            capacity=100,
            synthetic=True,
        )
        write(db, lambda d, f=facility: facilities.upsert(d, f, actor="test-setup", reason="test directory"))
    return tokens


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Role, str]]:
    """One seeded database (argon2 hashing is slow on purpose), copied for every test."""
    folder = tmp_path_factory.mktemp("seeded")
    app = create_app(make_settings(folder))
    with TestClient(app):
        tokens = seed(app)
    return folder, tokens


def copy_seeded(seeded: tuple[Path, dict[Role, str]], folder: Path) -> dict[Role, str]:
    """The seeded database copied into ``folder``; returns the roles' API tokens."""
    source, tokens = seeded
    for name in ("clinic.db", "clinic.db-wal"):
        if (source / name).exists():
            shutil.copy(source / name, folder / name)
    return tokens


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Driver]:
    """Playwright's driver, started once per test process (tests/service/chromium.py says why that
    needs tests/conftest.py's ``pytest_runtest_protocol``). Requested only by tests that skip when
    Chromium is missing."""
    driver = Driver()
    yield driver
    driver.stop()


@pytest.fixture(scope="module")
def chromium(playwright_driver: Driver) -> object:
    """Debian's Chromium, one per test process, shared by the browser modules (through their
    module-scoped ``browser`` fixture, tests/service/test_browser.py, which closes a module's pages
    when it ends)."""
    return playwright_driver.shared()


@pytest.fixture
def staff(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Staff]:
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as client:
        yield Staff(app, client, tokens)


@pytest.fixture(scope="module")
def refusing_staff(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[Staff]:
    """One service for a module's requests that are all refused, so store nothing (a bad cursor, a
    body with a wrong field): a long parametrized list of them started a service, from a copy of
    the seeded log, for each one. A test that stores something takes its own ``staff``."""
    folder = tmp_path_factory.mktemp("refusing")
    tokens = copy_seeded(seeded, folder)
    app = create_app(make_settings(folder))
    with TestClient(app) as client:
        before = _clinical_rows(app)
        yield Staff(app, client, tokens)
        assert _clinical_rows(app) == before, "a refused request stored something: share no service for it"


def _clinical_rows(app: FastAPI) -> dict[str, int]:
    """How many rows each table of patients, visits and referrals holds."""
    conn = app.state.runtime.databases.get().conn
    tables = ("patients", "encounters", "observations", "assessments", "overrides", "referrals")
    return {table: int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in tables}


WALK_IN = {
    "patient": {"mrn": "MRN-001", "name": "Synthetic Patient", "sex": "male"},
    "age_years": 70,
    "observations": [
        {"code": "spo2", "value": 86, "unit": "%"},
        {"code": "heart_rate", "value": 128, "unit": "/min"},
        {"code": "resp_rate", "value": 26, "unit": "/min"},
    ],
}


#: How long :func:`live_server` waits for uvicorn to start and ``/readyz`` to answer 200.
READY_WAIT_S = 20.0


class _Said(logging.Handler):
    """The log lines (warnings and errors) a server in this process wrote while it was started."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")


@contextmanager
def live_server(app: FastAPI, ready_wait_s: float = READY_WAIT_S) -> Iterator[str]:
    """``app`` on a real uvicorn server, ready; yields its base URL. The server binds loopback port
    0 itself and the port is read from its socket: no other process can take the port between
    choosing it and binding it. A server whose ``/readyz`` does not answer 200 within
    ``ready_wait_s`` fails the test there, saying what ``/readyz`` last answered and what the
    server logged while it started (it went on, and the test failed later at a page's 503)."""
    said = _Said()
    logging.getLogger().addHandler(said)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    try:
        thread.start()
        deadline = time.monotonic() + ready_wait_s
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not server.started:
            server.should_exit = True
            pytest.fail(f"uvicorn did not start (its own lines are above); the server logged: {_lines(said)}")
        port = int(server.servers[0].sockets[0].getsockname()[1])
        base = f"http://127.0.0.1:{port}"
        answered = "nothing (no answer yet)"
        while True:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=HTTP_TIMEOUT_S)
                if ready.status_code == 200:
                    break
                answered = f"{ready.status_code} {ready.text[:2000]}"
            except httpx.TransportError as exc:
                answered = f"no answer ({type(exc).__name__}: {exc})"
            if time.monotonic() >= deadline:
                server.should_exit = True
                thread.join(10)
                pytest.fail(
                    f"the service at {base} was not ready within {ready_wait_s:g} s: /readyz last"
                    f" answered {answered}; the server logged: {_lines(said)}"
                )
            time.sleep(0.1)
    finally:
        logging.getLogger().removeHandler(said)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(10)


def _lines(said: _Said) -> str:
    return " | ".join(said.lines[-20:]) or "nothing at warning level or above"


def clock_kept(path: Path) -> float | None:
    """The time a service last kept in the log at ``path`` (``service_clock.counted_at``); None when
    none did yet."""
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute("SELECT counted_at FROM service_clock").fetchone()
    return None if row is None else float(row[0])


def start_up_written(path: Path, before: float | None) -> None:
    """Wait until the service just started on the log at ``path`` has written its start-up
    bookkeeping: its clock kept (``triage.service.auth_clock.remember_forever``'s first turn, in a
    thread of its own that starts as ``/readyz`` first answers 200; the idempotency keys' first
    purge writes only keys past their retention, none in a test's log). Until then that write can
    hold the log's lock just when a request notes a token's or a session's use or ends a session -
    writes that never wait for the lock, by design - and the note is skipped. ``before``: what
    :func:`clock_kept` said before the service started."""
    deadline = time.monotonic() + HTTP_TIMEOUT_S
    while (kept := clock_kept(path)) is None or (before is not None and kept <= before):
        if time.monotonic() >= deadline:
            pytest.fail(f"the service did not keep its clock in {path} within {HTTP_TIMEOUT_S:g} s")
        time.sleep(0.02)
