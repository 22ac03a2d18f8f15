"""Staff sessions live in the referral log: they survive a restart, expire, and end with the account."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi.testclient import TestClient

from referral import users
from tests.service.conftest import PASSWORD, Staff, copy_seeded, make_settings
from triage.service import create_app
from triage.service.auth import SESSION_COOKIE, Role, SessionStore
from triage.service.database import Databases


def log_in(client: TestClient, role: Role) -> str:
    response = client.post(
        "/login", data={"username": role.value, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return str(client.cookies[SESSION_COOKIE])


def test_a_restart_keeps_staff_logged_in_and_the_log_holds_only_the_hash(
    staff: Staff, tmp_path: Path
) -> None:
    sid = log_in(staff.client, Role.nurse)
    assert staff.client.get("/queue", follow_redirects=False).status_code == 200
    db = staff.app.state.runtime.databases.get()
    stored = [row[0] for row in db.conn.execute("SELECT id_sha256 FROM staff_sessions")]
    assert stored == [hashlib.sha256(sid.encode()).hexdigest()], "only the digest of the cookie is kept"
    staff.client.close()  # the service stops ...

    restarted = create_app(make_settings(tmp_path))  # ... and starts again on the same folder
    with TestClient(restarted) as client:
        client.cookies.set(SESSION_COOKIE, sid)
        page = client.get("/queue", follow_redirects=False)
        assert page.status_code == 200, "still logged in after the restart"
        client.cookies.set(SESSION_COOKIE, "not-a-session")
        assert client.get("/queue", follow_redirects=False).status_code == 303


def test_idle_and_absolute_limits_end_a_session(seeded: tuple[Path, dict[Role, str]], tmp_path: Path) -> None:
    # The seeded log alone, no service on it: a running service's own writes (its clock kept at
    # start-up, idempotency keys purged) could hold the lock just when a touch - which never waits
    # for it, by design - noted the request, and the next step then counted idleness from login.
    copy_seeded(seeded, tmp_path)
    now = [1_000_000.0]
    store = SessionStore(
        Databases(tmp_path / "clinic.db", 5000), max_age_s=3600, idle_s=600, clock=lambda: now[0]
    )
    idle = store.create("nurse", "en")
    now[0] += 599
    assert store.get(idle) is not None, "599 s idle is within the limit"
    now[0] += 599  # last seen was written at the previous request (more than a minute before)
    assert store.get(idle) is not None
    now[0] += 601
    assert store.get(idle) is None, "601 s without a request ends it"
    assert store.get(idle) is None, "and it stays ended"

    busy = store.create("nurse", "en")
    for _ in range(7):
        now[0] += 500
        assert store.get(busy) is not None, "requests every 500 s keep it alive up to 3600 s"
    now[0] += 500
    assert store.get(busy) is None, "4000 s after login it has ended, however busy"


def test_disabling_an_account_ends_its_sessions_for_good(staff: Staff) -> None:
    store: SessionStore = staff.app.state.runtime.sessions
    sid = store.create("clinician", "zh")
    session = store.get(sid)
    assert session is not None and session.role is Role.clinician and session.language == "zh"
    db = staff.app.state.runtime.databases.get()
    users.set_disabled(db, "clinician", True, actor="admin")
    assert store.get(sid) is None
    users.set_disabled(db, "clinician", False, actor="admin")
    assert store.get(sid) is None, "re-enabling the account does not revive old sessions"
