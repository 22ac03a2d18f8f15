"""A staff page viewed while another process holds the referral log's write lock: the session's
last-use note (``referral.sessions.touch``, on the event loop, at most once a minute) waited for
the lock - ``busy_timeout`` per try, six tries - and the whole service with it, where the code
said the pages still show. It is now skipped while the log is locked, as a token's note is
(``test_token_use_while_locked``): the page is answered, ``/readyz`` too, and the use is noted
at the next page once the log is free. Order of events, hang guards only (busy_timeout 60 s)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from tests.service.test_storage_failures import Served, _idle_for_two_minutes
from tests.service.test_token_use_while_locked import HANG_GUARD_S, _answered, served

__all__ = ["served"]  # the fixture: a real triage serve whose busy_timeout is 60 s


def _last_seen(path: Path) -> float:
    with sqlite3.connect(path) as conn:
        return float(conn.execute("SELECT last_seen FROM staff_sessions").fetchone()[0])


def _cookie(client: httpx.Client) -> dict[str, str]:
    """The signed-in client's cookies as a header, for a request of its own."""
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in client.cookies.items())}


def test_a_page_is_answered_while_another_writer_holds_the_log(served: Served) -> None:
    with httpx.Client(base_url=served.base, timeout=HANG_GUARD_S) as client:
        login = {"username": "hushi", "password": "nurse-password-1"}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        _idle_for_two_minutes(served.db_path)  # the next page notes the session's use (a write)
        idle = _last_seen(served.db_path)
        other = sqlite3.connect(served.db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the log
        try:
            page = _answered(f"{served.base}/queue", _cookie(client))
            ready = _answered(f"{served.base}/readyz", {})
            assert other.in_transaction, "answered while the other writer still holds the log"
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert page.status_code == 200 and "walk-in" in page.text.lower(), page.text[:500]  # signed in
        assert ready.status_code == 200, ready.text
        assert _last_seen(served.db_path) == idle, "the use was not noted: the log was locked"
        assert client.get("/queue").status_code == 200
        assert _last_seen(served.db_path) > idle, "a later use is noted"


def test_an_ended_session_is_answered_while_another_writer_holds_the_log(served: Served) -> None:
    """A session past its idle limit is ended when next seen (bookkeeping too): while the log is
    locked the page is answered - the session ended, to the login page - and the row goes later."""
    with httpx.Client(base_url=served.base, timeout=HANG_GUARD_S) as client:
        login = {"username": "hushi", "password": "nurse-password-1"}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        with sqlite3.connect(served.db_path) as conn:  # an hour without use: past the 30 minutes
            conn.execute(
                "UPDATE staff_sessions SET created_at = created_at - 3600, last_seen = last_seen - 3600"
            )
        other = sqlite3.connect(served.db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the log
        try:
            page = _answered(f"{served.base}/queue", _cookie(client))
            assert other.in_transaction, "answered while the other writer still holds the log"
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert page.status_code == 303 and "/login" in page.headers["location"], page.text[:500]
        with sqlite3.connect(served.db_path) as conn:
            assert conn.execute("SELECT count(*) FROM staff_sessions").fetchone()[0] == 1, "not ended yet"
        assert client.get("/queue", follow_redirects=False).status_code == 303
        with sqlite3.connect(served.db_path) as conn:
            assert conn.execute("SELECT count(*) FROM staff_sessions").fetchone()[0] == 0, "ended later"
