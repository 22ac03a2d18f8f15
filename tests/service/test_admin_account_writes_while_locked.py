"""An administrator's account writes while another writer holds the referral log (a backup, a
migration, ``triage referrals ...`` in a shell): ``POST /api/v1/users`` (a new account), a token
issued or revoked (by the token or by its listed id), an account disabled or enabled. Each waited
``busy_timeout`` per try, six tries (33 s with the default 5 s, 6 min with 60 s), then answered 503
``database_busy``; now each waits 2 s at most (``SIGN_IN_WAIT_MS``, as a sign-in), then answers
the same 503 with ``Retry-After: 1`` at once, nothing stored, never the password sent.

The app on a real uvicorn server and a real SQLite file whose ``busy_timeout`` is 60 s, and a real
second connection holding the lock (``BEGIN IMMEDIATE``). What is checked is the order of events -
answered before the other writer lets go - with a request timeout shorter than one wait of 60 s (a
hang guard only); answers checked against /openapi.json.

The six writes are sent at once while the one log is held, each on a connection of its own: the
service handles each on a thread of its own with its own connection to the log, so each still
waits on its own and has to be answered before the other writer lets go - one that waited would
outlast the hang guard as it did alone - while the 2 s each waits are waited once, not six times.
What each write needs first is done before the log is held; after it is free each is sent again and
stored. The two revocations revoke two tokens (the integrator's by the token, the clinician's by its
listed id): one revoked already would be a 404."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import copy_seeded, live_server
from tests.service.openapi_check import conforms
from tests.service.test_sign_in_while_locked import answered_together, log_held
from tests.service.test_token_use_while_locked import HANG_GUARD_S
from triage.service import create_app
from triage.service.auth import Role
from triage.settings import load_settings

NEW_PASSWORD = "a-long-passphrase-for-nurse2"
TABLES = ("users", "api_tokens", "staff_sessions", "audit")


def _listed_id(client: httpx.Client, username: str) -> str:
    """The id GET /api/v1/tokens lists for ``username``'s token."""
    rows = client.get("/api/v1/tokens").json()["data"]
    return str(next(row["id"] for row in rows if row["username"] == username))


WRITES = ("create", "token", "disable", "enable", "revoke", "revoke_id")


def _request(write: str, client: httpx.Client, tokens: dict[Role, str]) -> tuple[str, dict[str, Any] | None]:
    """The path and JSON body of ``write`` (one of :data:`WRITES`), after what it needs first."""
    if write == "create":
        return "/api/v1/users", {"username": "nurse2", "password": NEW_PASSWORD, "role": "nurse"}
    if write == "token":
        return "/api/v1/tokens", {"username": "nurse", "label": "ward screen"}
    if write == "disable":
        return "/api/v1/users/nurse/disable", None
    if write == "enable":
        client.post("/api/v1/users/analyst/disable").raise_for_status()
        return "/api/v1/users/analyst/enable", None
    if write == "revoke":
        return "/api/v1/tokens/revoke", {"token": tokens[Role.integrator]}
    return "/api/v1/tokens/revoke", {"id": _listed_id(client, "clinician")}


@pytest.fixture
def admin(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[tuple[httpx.Client, dict[Role, str]]]:
    """The seeded clinic's service on a log whose ``busy_timeout`` is 60 s (the most the settings
    allow), and an administrator's API client; with the seeded roles' tokens."""
    tokens = copy_seeded(seeded, tmp_path)
    database = {"path": tmp_path / "clinic.db", "busy_timeout_ms": 60000}
    app = create_app(load_settings(None, data_dir=tmp_path, database=database))
    with (
        live_server(app) as base,
        httpx.Client(
            base_url=base, timeout=HANG_GUARD_S, headers={"Authorization": f"Bearer {tokens[Role.admin]}"}
        ) as client,
    ):
        yield client, tokens


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the account tables and the audit trail, but the token's last use (noted when
    the log is free: bookkeeping, not the write)."""
    with sqlite3.connect(path) as conn:
        rows = {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in TABLES}
        rows["api_tokens"] = conn.execute(
            "SELECT token_sha256, username, label, revoked_at, expires_at FROM api_tokens ORDER BY 1"
        ).fetchall()
    return rows


def _sent(client: httpx.Client, path: str, body: dict[str, Any] | None) -> Callable[[], httpx.Response]:
    """POST ``path`` on a connection of its own (as ``client``); a failure saying so if no answer
    comes while the test waits."""

    def send() -> httpx.Response:
        with httpx.Client(base_url=client.base_url, timeout=HANG_GUARD_S, headers=client.headers) as own:
            try:
                return own.post(path, json=body)
            except httpx.TimeoutException:
                pytest.fail(f"POST {path} was not answered while another writer held the log: it waited")

    return send


def test_an_administrators_account_write_while_another_writer_holds_the_log_is_answered_at_once(
    admin: tuple[httpx.Client, dict[Role, str]], tmp_path: Path
) -> None:
    client, tokens = admin
    requests = {write: _request(write, client, tokens) for write in WRITES}
    before = _tables(tmp_path / "clinic.db")
    with log_held(tmp_path / "clinic.db") as other:
        answers = answered_together([_sent(client, path, body) for path, body in requests.values()])
        assert other.in_transaction, "answered while the other writer still holds the log"
    document = client.get("/openapi.json").json()
    for write, busy in zip(WRITES, answers, strict=True):
        conforms(document, busy)
        assert busy.status_code == 503 and busy.json()["code"] == "database_busy", (write, busy.text)
        assert busy.headers["Retry-After"] == "1", write
        said = busy.json()["error"]
        assert "is locked by another writer" in said and "was not stored - send it again in a moment" in said
        assert NEW_PASSWORD not in busy.text, "never the password"
    assert _tables(tmp_path / "clinic.db") == before, "nothing stored"
    for write, (path, body) in requests.items():
        done = client.post(path, json=body)
        assert done.status_code in (200, 201), (write, done.text)
