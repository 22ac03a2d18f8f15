"""A logout while another writer holds the referral log (a backup, a migration) is refused by every
process of ``triage serve --workers 2``: the logout was kept in the memory of the process that took
it, so the other process took the logged-out cookie - a copy of it, or a tab's - until the log was
free and the logout written. Now it is also written to ``<log>.logouts`` beside the log, which every
process reads; once the log is free it is written once, by whichever process comes first.

A real two-process ``triage serve`` (connections dealt in turn to the two processes) whose
``busy_timeout`` is 60 s, and a real second SQLite connection holding the lock (hang guards only)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import HTTP_TIMEOUT_S
from tests.service.test_sign_in_while_locked import NURSE, log_held, nurse_signed_in
from tests.service.test_storage_failures import Served, serving
from tests.service.test_token_use_while_locked import HANG_GUARD_S
from triage.service.accounts import Accounts
from triage.service.auth import Role, SessionStore
from triage.service.database import Databases


def sessions_and_logouts(path: Path) -> tuple[int, int]:
    """The sessions stored in the log at ``path`` and its ``user.logout`` audit entries."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT count(*) FROM staff_sessions").fetchone()[0]
        logouts = conn.execute("SELECT count(*) FROM audit WHERE action = 'user.logout'").fetchone()[0]
    conn.close()
    return int(rows), int(logouts)


def _fresh(served: Served, path: str, headers: dict[str, str]) -> httpx.Response:
    """GET ``path`` on a new connection (the primary deals each to the next process)."""
    try:
        return httpx.get(
            f"{served.base}{path}",
            headers={**headers, "Connection": "close"},
            timeout=HANG_GUARD_S,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        pytest.fail(f"GET {path} was not answered while another writer held the log: it waited")


@pytest.fixture
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv("TRIAGE_DATABASE__BUSY_TIMEOUT_MS", "60000")  # the most the settings allow
    with serving(tmp_path / "clinic.db", tmp_path, "en", workers=2) as running:
        seen: set[int] = set()
        deadline = time.monotonic() + 60
        while seen != {0, 1} and time.monotonic() < deadline:
            ready = httpx.get(
                f"{running.base}/readyz", headers={"Connection": "close"}, timeout=HTTP_TIMEOUT_S
            )
            if ready.status_code == 200:
                seen.add(int(ready.json()["worker"]))
            time.sleep(0.1)
        assert seen == {0, 1}, f"only processes {sorted(seen)} became ready"
        yield running


def _processes(served: Served, cookie: dict[str, str]) -> dict[int, int]:
    """GET /queue on new connections until both processes answered twice: process -> status."""
    answers: dict[int, list[int]] = {0: [], 1: []}
    for attempt in range(12):
        # the process before or after /queue in turn names the other one: the queue on each in turn
        if attempt % 2:
            status = _fresh(served, "/queue", cookie).status_code
            worker = int(_fresh(served, "/readyz", {}).json()["worker"])
        else:
            worker = int(_fresh(served, "/readyz", {}).json()["worker"])
            status = _fresh(served, "/queue", cookie).status_code
        answers[1 - worker].append(status)
        if min(len(a) for a in answers.values()) >= 2:
            break
    assert min(len(a) for a in answers.values()) >= 2, answers
    return {worker: max(statuses) if len(set(statuses)) == 1 else -1 for worker, statuses in answers.items()}


def test_a_logout_while_the_log_is_held_is_refused_by_every_process(two: Served) -> None:
    cookie, csrf = nurse_signed_in(two.base)
    assert _processes(two, cookie) == {0: 200, 1: 200}, "both processes take the session"
    with log_held(two.db_path) as other:
        out = httpx.post(
            f"{two.base}/logout",
            headers={**cookie, "X-CSRF-Token": csrf},
            timeout=HANG_GUARD_S,
            follow_redirects=False,
        )
        assert out.status_code == 303 and out.headers["location"] == "/login?ended=logout"
        refused = _processes(two, cookie)
        assert other.in_transaction, "answered while the other writer still holds the log"
    assert refused == {0: 303, 1: 303}, "every process refuses the logged-out cookie"
    assert _processes(two, cookie) == {0: 303, 1: 303}, "and once the log is free"
    assert sessions_and_logouts(two.db_path) == (0, 1), "the logout written once, by one process"
    log = "".join(two.log)
    assert "Traceback" not in log, log


def test_a_restarted_service_still_refuses_a_logout_it_could_not_write(tmp_path: Path) -> None:
    """The logout waiting was in the memory of the process alone: a restart before the log was free
    forgot it, and the session (a copy of its cookie) was taken again until its idle limit. The
    service's session stores on a real SQLite file, the second one started as a restarted service's
    is, with a real second connection holding the lock (``busy_timeout`` 100 ms: the logout waits
    that long at most)."""
    path = tmp_path / "clinic.db"
    databases = Databases(path, 100)
    databases.migrate()
    Accounts(databases).create("hushi", NURSE["password"], Role.nurse, "en", actor="test-setup")
    before = SessionStore(databases, max_age_s=3600, idle_s=600)
    sid = before.create("hushi", "en", client="127.0.0.1")
    with log_held(path) as other:
        assert before.log_out(sid, "hushi", "127.0.0.1") is False, "not written: the log is held"
        assert before.get(sid) is None
        again = Databases(path, 100)
        restarted = SessionStore(again, max_age_s=3600, idle_s=600)
        assert restarted.get(sid) is None and not restarted.alive(sid), "refused after a restart too"
        assert other.in_transaction
    assert restarted.get(sid) is None, "written now, by the restarted service"
    assert before.get(sid) is None
    databases.close_all()
    again.close_all()
    assert sessions_and_logouts(path) == (0, 1), "the logout written once"
    assert Path(f"{path}.logouts").read_text(encoding="utf-8") == "", "nothing waits any more"
