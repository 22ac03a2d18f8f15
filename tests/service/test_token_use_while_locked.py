"""An API call while another process holds the referral log's write lock (``BEGIN IMMEDIATE``: a
backup, a migration, ``triage referrals ...`` from a shell): the token's last-use note
(``referral.users.touch_token``, on the event loop) waited for the lock - ``busy_timeout`` per try,
up to six tries - and the whole service waited with it: no other request, no ``/readyz``. The
note is bookkeeping and is now skipped while the log is locked (noted at a later use); the request
is answered, and a walk-in waits for the log in the group commit, off the event loop.

A real ``triage serve`` and a real second SQLite connection holding the lock. What is checked is
the order of events - answered before the other writer lets go - with a ``busy_timeout`` of 60 s
that makes a note waiting for the lock outlast the requests' timeouts (hang guards only)."""

from __future__ import annotations

import platform
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.test_stop_while_writing import _waiting_in_sqlite
from tests.service.test_storage_failures import Served, _mrns, _walk_in, serving

HANG_GUARD_S = 45.0  # a note waiting for the lock waits 60 s per try, six tries


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv("TRIAGE_DATABASE__BUSY_TIMEOUT_MS", "60000")  # the most the settings allow
    with serving(tmp_path / "clinic.db", tmp_path, "en") as running:  # (its start-up write done)
        yield running


def _last_used(path: Path) -> list[object]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT last_used_at FROM api_tokens ORDER BY created_at")]


def _answered(url: str, headers: dict[str, str]) -> httpx.Response:
    """The answer to GET ``url``; a failure saying so if none comes while the test waits."""
    try:
        return httpx.get(url, headers=headers, timeout=HANG_GUARD_S)
    except httpx.TimeoutException:
        pytest.fail(f"GET {url} was not answered while another writer held the log: the service waited")


def test_an_api_call_is_answered_while_another_writer_holds_the_log(served: Served) -> None:
    api = {"Authorization": f"Bearer {served.token}"}
    assert _last_used(served.db_path) == [None, None], "neither token was used yet"
    other = sqlite3.connect(served.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the log
    try:
        listed = _answered(f"{served.base}/api/v1/patients", api)
        ready = _answered(f"{served.base}/readyz", {})
        assert other.in_transaction, "answered while the other writer still holds the log"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert listed.status_code == 200 and listed.json()["data"] == [], listed.text  # authorised as before
    assert ready.status_code == 200, ready.text
    assert _last_used(served.db_path) == [None, None], "the use was not noted: the log was locked"
    again = httpx.get(f"{served.base}/api/v1/patients", headers=api, timeout=HANG_GUARD_S)
    assert again.status_code == 200, again.text
    assert _last_used(served.db_path)[0] is not None, "a later use is noted"
    log = "".join(served.log)
    assert "Traceback" not in log and "WARNING" not in log, log


def test_a_walk_in_waits_in_the_group_commit_while_readyz_is_answered(served: Served) -> None:
    """The walk-in's token note is skipped, the walk-in waits for the lock on the group-commit
    thread, and ``/readyz`` is answered meanwhile; the walk-in is stored once the other writer
    lets go."""
    if platform.machine() != "x86_64":
        pytest.skip("the sleep system calls' numbers are x86-64's")
    answer: dict[str, Any] = {}

    def send() -> None:
        body = {**_walk_in("LOCKED-1"), "idempotency_key": "locked-1"}
        response = httpx.post(
            f"{served.base}/api/v1/assessments",
            json=body,
            headers={"Authorization": f"Bearer {served.token}"},
            timeout=2 * HANG_GUARD_S,
        )
        answer["status"], answer["text"] = response.status_code, response.text

    other = sqlite3.connect(served.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the log
    sender = threading.Thread(target=send)
    try:
        assert not _waiting_in_sqlite(served.process.pid), "a thread waited for the log before the walk-in"
        sender.start()
        waiting: dict[int, str] = {}
        while not waiting and sender.is_alive():
            time.sleep(0.02)
            waiting = _waiting_in_sqlite(served.process.pid)
        assert waiting, f"the walk-in never waited for the log: {answer}"
        ready = _answered(f"{served.base}/readyz", {})
        assert ready.status_code == 200, ready.text
        assert "status" not in answer and other.in_transaction, "the walk-in still waits for the log"
        assert set(waiting.values()) == {"group-commit"}, f"waiting for the log: {waiting}"
    finally:
        other.execute("ROLLBACK")
        other.close()
        sender.join(2 * HANG_GUARD_S)
    assert answer["status"] == 201, answer
    assert _mrns(served.db_path) == ["LOCKED-1"]
