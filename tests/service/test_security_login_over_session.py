"""The next person on a shared clinic PC who logs in without the previous one having logged out
ends the previous session: it stayed valid (its cookie and CSRF token usable) until idle."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import Staff
from triage.service.auth import SESSION_COOKIE, Role


def test_logging_in_over_a_session_ends_it(staff: Staff) -> None:
    staff.login(Role.clinician)
    left_open = staff.client.cookies[SESSION_COOKIE]
    staff.login(Role.nurse)
    assert staff.client.cookies[SESSION_COOKIE] != left_open
    sessions = staff.app.state.runtime.sessions
    assert sessions.get(left_open) is None, "the clinician's session ended"
    kept = TestClient(staff.app, cookies={SESSION_COOKIE: left_open})  # a copy of the cookie
    assert kept.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
