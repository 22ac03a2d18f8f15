"""A stopping `triage serve` waits for a walk-in as long as the walk-in itself may wait for the
referral log: its graceful shutdown is `database.busy_timeout_ms` plus a margin. It was 3 s,
shorter than the 5 s a writer waits for another's lock, so a walk-in that another writer (a
`triage referrals` command, a backup's migration) held up at a stop answered 503 "may or may not be
stored" though the lock was freed in time and the walk-in could be stored and confirmed.

A real `triage serve`, a real SQLite write lock held by another connection, SIGTERM while the
walk-in waits in SQLite's busy handler; the lock is freed once the walk-in has waited past the old
3 s (unless it was answered first): it is stored and answered 201."""

from __future__ import annotations

import platform
import signal
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.test_stop_while_writing import sigterm_once_it_waits
from tests.service.test_storage_failures import _mrns, _walk_in, serving
from triage.service.commit import HELPER_THREAD
from triage.service.server import STOP_MARGIN_S, stop_grace_s

#: The graceful shutdown the service had, whatever the busy timeout.
OLD_GRACE_S = 3


def test_the_stop_grace_covers_the_busy_timeout_and_a_margin() -> None:
    assert stop_grace_s(5000) == 5 + STOP_MARGIN_S >= 7
    assert stop_grace_s(0) == STOP_MARGIN_S and stop_grace_s(1) == 1 + STOP_MARGIN_S  # rounded up
    assert stop_grace_s(30_000) == 30 + STOP_MARGIN_S


def test_a_walk_in_waiting_for_another_writer_at_a_stop_is_stored_once_the_lock_is_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if platform.machine() != "x86_64":
        pytest.skip("the sleep system calls' numbers are x86-64's")
    monkeypatch.setenv("TRIAGE_DATABASE__BUSY_TIMEOUT_MS", "10000")  # well past the old 3 s
    with serving(tmp_path / "clinic.db", tmp_path, "en") as served:
        api = {"Authorization": f"Bearer {served.token}"}
        answered = threading.Event()
        answer: dict[str, Any] = {}

        def send() -> None:
            body = {**_walk_in("GRACE-1"), "idempotency_key": "grace-1"}
            response = httpx.post(f"{served.base}/api/v1/assessments", json=body, headers=api, timeout=60)
            answer["status"], answer["text"] = response.status_code, response.text
            answered.set()

        # The token's use is noted now (at most once a minute), so the walk-in's own note does
        # not wait for the other writer first - on the event loop, ahead of the group commit
        # whose wait this is about (Accounts.user_for_token).
        assert httpx.get(f"{served.base}/api/v1/patients", headers=api, timeout=60).status_code == 200
        other = sqlite3.connect(tmp_path / "clinic.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the log
        sender = sigterm_once_it_waits(served.process, send, thread=HELPER_THREAD)
        # The other writer is done a second after the old limit, well inside the busy timeout;
        # the walk-in answered before then was cut short by the stop.
        answered.wait(OLD_GRACE_S + 1)
        other.execute("ROLLBACK")
        other.close()
        sender.join(60)
        assert served.process.wait(30) == -signal.SIGTERM
    assert answer["status"] == 201, answer
    assert _mrns(served.db_path) == ["GRACE-1"]
    log = "".join(served.log)
    assert "Traceback" not in log, log
