"""Signing in and out while another process holds the referral log's write lock (``BEGIN
IMMEDIATE``: a backup, a migration, ``triage referrals ...`` in a shell). A sign-in must write its
session row and its ``user.login`` entry, so it cannot be skipped as a last-use note is
(``test_session_use_while_locked``); it waited ``busy_timeout`` per try, six tries - with the
default 5 s the login button spun for 33 s, then the page said "Something needs attention" with no
login form. Now the login page answers at once: 503, ``Retry-After``, the form again with the user
name kept, saying in the page's language that the log is busy with another task, nothing stored.
A logout drops the cookies at once and the session is refused from then on; its row and audit
entry are written at a later request once the log is free.

A real ``triage serve`` whose ``busy_timeout`` is 60 s and a real second SQLite connection holding
the lock. What is checked is the order of events - answered before the other writer lets go -
with request timeouts shorter than one wait of 60 s (hang guards only)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.service.test_storage_failures import Served
from tests.service.test_token_use_while_locked import HANG_GUARD_S, served

T = TypeVar("T")

__all__ = ["served"]  # the fixture: a real triage serve whose busy_timeout is 60 s

NURSE = {"username": "hushi", "password": "nurse-password-1"}


@contextmanager
def log_held(path: Path) -> Iterator[sqlite3.Connection]:
    """Another writer holds the log's write lock meanwhile."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def answered_together(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Each of ``calls`` at once, on a thread of its own; their results in their order. Requests (or
    commands) made while another writer holds the log each wait for the lock on their own - the
    service handles each on a thread of its own with a connection of its own, a command is a
    process of its own - so each must still be answered before the other writer lets go, and the
    waits (up to ``SIGN_IN_WAIT_MS`` each) run at once instead of one after another."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def _posted(url: str, data: dict[str, str], headers: dict[str, str]) -> httpx.Response:
    """The answer to POST ``url``; a failure saying so if none comes while the test waits."""
    try:
        return httpx.post(url, data=data, headers=headers, timeout=HANG_GUARD_S, follow_redirects=False)
    except httpx.TimeoutException:
        pytest.fail(f"POST {url} was not answered while another writer held the log: it waited")


def _sign_ins(path: Path) -> list[tuple[str, dict[str, str]]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT action, data FROM audit WHERE action LIKE 'user.log%' ORDER BY seq"
        ).fetchall()
    return [(action, json.loads(data)) for action, data in rows]


def _sessions(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM staff_sessions").fetchone()[0])


def _error(page: httpx.Response) -> str:
    found = re.search(r'<p class="error"[^>]*>(.*?)</p>', page.text, re.S)
    assert found is not None, page.text[:2000]
    return found[1]


def test_a_login_is_answered_at_once_while_another_writer_holds_the_log(served: Served) -> None:
    """The three sign-ins (English, Chinese, a wrong password) are sent at once while the log is
    held (:func:`answered_together`): each still has to be answered before the other writer lets go."""
    login = f"{served.base}/login"
    with log_held(served.db_path) as other:
        english, chinese, wrong = answered_together(
            [
                lambda: _posted(login, NURSE, {}),
                lambda: _posted(login, NURSE, {"Cookie": "triage_lang=zh"}),
                lambda: _posted(login, {**NURSE, "password": "not-her-password"}, {}),
            ]
        )
        assert other.in_transaction, "answered while the other writer still holds the log"
    for page in (english, chinese, wrong):
        assert page.status_code == 503, page.text[:2000]
        assert page.headers["Retry-After"] == "1"
        assert "set-cookie" not in page.headers, "no session given"
        assert 'name="password"' in page.text and 'value="hushi"' in page.text, "the form, the name kept"
    assert _error(english) == (
        "The record database is busy with another task (a backup or maintenance, for example): you"
        " are not logged in yet, and nothing was recorded. Try again in a moment."
    )
    assert (
        _error(chinese)
        == "记录数据库正忙于其他任务（例如备份或维护）：您尚未登录，未记录任何内容。请稍后重试。"
    )
    assert _error(wrong) == _error(english), "a wrong password says no more while the log is busy"
    assert _sessions(served.db_path) == 0 and _sign_ins(served.db_path) == [], "nothing half-written"
    again = httpx.post(login, data=NURSE, timeout=HANG_GUARD_S, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/", again.text[:2000]
    assert _sessions(served.db_path) == 1
    assert [action for action, _ in _sign_ins(served.db_path)] == ["user.login"]
    log = "".join(served.log)
    assert "Traceback" not in log, log


def nurse_signed_in(base: str) -> tuple[dict[str, str], str]:
    """The nurse logged in at ``base``: her session cookie's header and its CSRF token."""
    with httpx.Client(base_url=base, timeout=HANG_GUARD_S) as client:
        assert client.post("/login", data=NURSE, follow_redirects=False).status_code == 303
        found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
        assert found is not None
        return {"Cookie": f"triage_session={client.cookies['triage_session']}"}, found[1]


def test_a_logout_ends_the_session_at_once_while_another_writer_holds_the_log(served: Served) -> None:
    cookie, csrf = nurse_signed_in(served.base)
    with log_held(served.db_path) as other:
        out = _posted(f"{served.base}/logout", {}, {**cookie, "X-CSRF-Token": csrf})
        try:
            after = httpx.get(f"{served.base}/queue", headers=cookie, timeout=HANG_GUARD_S)
        except httpx.TimeoutException:
            pytest.fail("the queue was not answered while another writer held the log")
        assert other.in_transaction, "answered while the other writer still holds the log"
        assert _sessions(served.db_path) == 1, "the row is removed once the log is free"
    assert out.status_code == 303 and out.headers["location"] == "/login?ended=logout", out.text[:2000]
    dropped = out.headers.get_list("set-cookie")
    assert any(c.startswith("triage_session=") and "Max-Age=0" in c for c in dropped), dropped
    assert after.status_code == 303 and after.headers["location"].startswith("/login"), "ended"
    assert [action for action, _ in _sign_ins(served.db_path)] == ["user.login"]
    # the next request once the log is free writes the logout: the copied cookie is still refused
    later = httpx.get(f"{served.base}/queue", headers=cookie, timeout=HANG_GUARD_S, follow_redirects=False)
    assert later.status_code == 303 and later.headers["location"].startswith("/login")
    assert _sessions(served.db_path) == 0
    (_, login), (action, logout) = _sign_ins(served.db_path)
    assert action == "user.logout" and logout["client"] == login["client"] == "127.0.0.1"
    assert logout["logged_out_at"] <= _audit_time(served.db_path, "user.logout"), logout


def _audit_time(path: Path, action: str) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("SELECT at FROM audit WHERE action = ?", [action]).fetchone()[0])
