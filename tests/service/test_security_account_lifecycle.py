"""An administrator can take access away: disable an account (a member of staff who left) and
revoke an API token (one leaked, or its device bridge retired). Neither had a route or a command:
the referral log could do both, the service offered neither."""

from __future__ import annotations

from fastapi.testclient import TestClient

from referral import audit, audit_rows
from tests.service.conftest import PASSWORD, Staff
from triage.service.auth import SESSION_COOKIE, Role


def test_a_disabled_account_is_logged_out_and_its_tokens_refused_until_enabled(staff: Staff) -> None:
    staff.login(Role.nurse)
    assert staff.client.get("/queue", follow_redirects=False).status_code == 200
    admin = TestClient(staff.app)
    disabled = admin.post("/api/v1/users/nurse/disable", headers=staff.bearer(Role.admin))
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert staff.client.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
    assert staff.client.get("/api/v1/queue", headers=staff.bearer(Role.nurse)).status_code == 401
    staff.client.cookies.delete(SESSION_COOKIE)
    again = staff.client.post("/login", data={"username": "nurse", "password": PASSWORD})
    assert again.status_code == 401

    enabled = admin.post("/api/v1/users/nurse/enable", headers=staff.bearer(Role.admin))
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    assert staff.client.get("/api/v1/queue", headers=staff.bearer(Role.nurse)).status_code == 200
    db = staff.app.state.runtime.databases.get()
    actions = [e["action"] for e in audit.entries_for(db, "user", "nurse")]
    assert actions[-3:] == ["user.disable", "user.login_failed", "user.enable"]
    assert audit_rows.verify_rows(db).ok


def test_an_administrator_cannot_disable_their_own_account(staff: Staff) -> None:
    refused = staff.client.post("/api/v1/users/admin/disable", headers=staff.bearer(Role.admin))
    assert refused.status_code == 409 and "your own account" in refused.json()["error"]
    unknown = staff.client.post("/api/v1/users/nobody/disable", headers=staff.bearer(Role.admin))
    assert unknown.status_code == 404


def test_a_revoked_token_is_refused_from_its_next_request(staff: Staff) -> None:
    leaked = staff.tokens[Role.integrator]
    assert staff.client.get("/api/v1/devices", headers=staff.bearer(Role.integrator)).status_code == 200
    revoked = staff.client.post(
        "/api/v1/tokens/revoke", json={"token": leaked}, headers=staff.bearer(Role.admin)
    )
    assert revoked.status_code == 200, revoked.text
    refused = staff.client.get("/api/v1/devices", headers=staff.bearer(Role.integrator))
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]
    twice = staff.client.post(
        "/api/v1/tokens/revoke", json={"token": leaked}, headers=staff.bearer(Role.admin)
    )
    assert twice.status_code == 404 and twice.json()["error"].startswith("token: not known")
    assert leaked not in twice.text
    db = staff.app.state.runtime.databases.get()
    assert audit.verify(db).ok and audit_rows.verify_rows(db).ok
