"""A password change and the new cookie it gives its own session are one write: the session was
re-keyed (``SessionStore.rekey``) in a second transaction after the change had committed, so another
writer taking the referral log between the two (a backup, a migration, ``triage referrals ...``
starting) held the re-key up - ``busy_timeout`` per try, six tries - and the page then answered
503 "nothing was stored" for a password that had been changed, the session kept under the cookie
value it was changed from. The app on a real SQLite file; a second connection takes the lock the
moment the change's write has returned."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import PASSWORD, clock_kept, copy_seeded, start_up_written
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role
from triage.service.security import token_digest
from triage.settings import load_settings

NEW = "night-shift-47-quince"
T = TypeVar("T")


@pytest.fixture
def locker() -> Iterator[list[sqlite3.Connection]]:
    """The other writers the test starts: their transactions end with the test."""
    held: list[sqlite3.Connection] = []
    yield held
    for other in held:
        other.execute("ROLLBACK")
        other.close()


def another_writer_after(
    write: Callable[..., T], path: Path, held: list[sqlite3.Connection]
) -> Callable[..., T]:
    """``write`` whose return is followed at once by another writer taking the log ``path`` (a
    backup starting the moment it is written), its connection put in ``held``."""

    def then_another_writer(*args: Any, **kwargs: Any) -> T:
        done = write(*args, **kwargs)
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        held.append(other)
        return done

    return then_another_writer


def test_the_changed_password_and_the_new_cookie_are_written_together(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]], locker: list[sqlite3.Connection]
) -> None:
    copy_seeded(seeded, tmp_path)
    path = tmp_path / "clinic.db"
    counted = clock_kept(path)
    app = create_app(load_settings(None, data_dir=tmp_path, database={"path": path, "busy_timeout_ms": 200}))
    accounts = app.state.runtime.accounts
    then_another_writer = another_writer_after(accounts.change_password, path, locker)

    with TestClient(app) as client:
        start_up_written(path, counted)  # (the sign-in waits at most the 200 ms busy timeout for it)
        assert client.post("/login", data={"username": "nurse", "password": PASSWORD}).status_code == 200
        old = client.cookies[SESSION_COOKIE]
        found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
        assert found is not None
        accounts.change_password = then_another_writer
        done = client.post(
            "/account/password",
            data={"csrf_token": found[1], "current_password": PASSWORD, "new_password": NEW},
            follow_redirects=False,
        )
        assert locker, "the change was written"
        assert done.status_code == 303, done.text[:2000]
        assert done.headers["location"] == "/account/password?changed=true"
        new = client.cookies[SESSION_COOKIE]
        assert new != old, "the session goes on under a new cookie value"
        for other in locker:
            other.execute("ROLLBACK")
            other.close()
        locker.clear()
        assert "Your password was changed" in client.get(done.headers["location"]).text
        assert accounts.authenticate("nurse", NEW) is not None
    with sqlite3.connect(path) as conn:  # the session goes on under the new value only
        kept = [row[0] for row in conn.execute("SELECT id_sha256 FROM staff_sessions")]
    assert kept == [token_digest(new)], "the cookie value it was changed from ended"
