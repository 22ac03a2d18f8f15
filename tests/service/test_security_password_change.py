"""A user changes their own password: the current one is required, the new one is checked (not the
user name, not on the shipped list of common passwords), the account's other sessions end, and
both the change and a refused attempt are in the audit trail. There was no way for a user to change
a password (an administrator made a new account and disabled the old), and "password1234" or the
user name itself were taken. Real SQLite; the pages' form as the browser sends it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral import audit, audit_rows
from tests.service.conftest import PASSWORD, Staff
from triage.errors import UserInputError
from triage.service.auth import SESSION_COOKIE, Role
from triage.service.security import check_password_strength, common_passwords

NEW = "night-shift-47-quince"


def trail(staff: Staff, action: str) -> list[dict[str, Any]]:
    rows = staff.app.state.runtime.databases.get().query(
        "SELECT actor, entity_id, data FROM audit WHERE action = ? ORDER BY seq", [action]
    )
    return [dict(row, data=json.loads(row["data"])) for row in rows]


def change(client: TestClient, csrf: str, current: str, new: str) -> Any:
    return client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": current, "new_password": new},
        follow_redirects=False,
    )


def test_a_nurse_changes_her_password_and_her_other_session_ends(staff: Staff) -> None:
    other = TestClient(staff.app)  # the same nurse logged in at another PC
    assert other.post("/login", data={"username": "nurse", "password": PASSWORD}).status_code == 200
    csrf = staff.login(Role.nurse)
    page = staff.client.get("/account/password")
    assert page.status_code == 200 and 'name="current_password"' in page.text
    assert 'href="/account/password"' in staff.client.get("/queue").text, "the menu leads there"

    done = change(staff.client, csrf, PASSWORD, NEW)
    assert done.status_code == 303 and done.headers["location"] == "/account/password?changed=true"
    assert "Your password was changed" in staff.client.get(done.headers["location"]).text
    assert staff.client.get("/queue", follow_redirects=False).status_code == 200, "this session stays"
    assert other.get("/queue", follow_redirects=False).headers["location"].startswith("/login"), (
        "the other ended"
    )

    accounts = staff.app.state.runtime.accounts
    assert (
        accounts.authenticate("nurse", NEW) is not None and accounts.authenticate("nurse", PASSWORD) is None
    )
    [entry] = trail(staff, "user.password_change")
    assert entry["actor"] == "nurse" and entry["entity_id"] == "nurse"
    assert entry["data"]["sessions_ended"] == 1 and entry["data"]["client"] == "testclient"
    assert NEW not in json.dumps(entry) and "password_hash_sha256" in entry["data"]
    db = staff.app.state.runtime.databases.get()
    assert audit.verify(db).ok and audit_rows.verify_rows(db).ok, "verify-audit follows the new hash"


@pytest.fixture(scope="module")
def clinician1(refusing_staff: Staff) -> tuple[TestClient, str]:
    """clinician1, signed in once on a client of her own (its cookies, its CSRF token), on the
    module's service for refused requests (``refusing_staff``), shared by the refused changes: each
    case made a service, an account (an argon2id hash) and a login (a verify) of its own. A refused
    change stores its audit entry alone - no password, no session ended - so the next case finds her
    as the last left her; each reads only the audit entries its own change added."""
    staff = refusing_staff
    staff.app.state.runtime.accounts.create("clinician1", PASSWORD, Role.clinician, "en", actor="test-setup")
    client = TestClient(staff.app)
    response = client.post("/login", data={"username": "clinician1", "password": PASSWORD})
    assert response.status_code == 200
    return client, staff.app.state.runtime.sessions.get(client.cookies[SESSION_COOKIE]).csrf_token


@pytest.mark.parametrize(
    ("current", "new", "field", "said", "why"),
    [
        ("not-my-password", NEW, "current_password", "The current password is wrong.", "wrong_password"),
        (PASSWORD, "password1234", "new_password", "one of the most common passwords", "password_common"),
        (PASSWORD, "QWERTYUIOP", "new_password", "one of the most common passwords", "password_common"),
        (PASSWORD, "Clinician1", "new_password", "must not be the user name", "password_username"),
        (PASSWORD, PASSWORD, "new_password", "must differ from the current one", "password_same"),
        (PASSWORD, "Tiny-pw1", "new_password", "too short", "password_short"),
    ],
)
def test_a_refused_change_changes_nothing_says_why_and_is_audited(
    refusing_staff: Staff,
    clinician1: tuple[TestClient, str],
    current: str,
    new: str,
    field: str,
    said: str,
    why: str,
) -> None:
    staff, (client, csrf) = refusing_staff, clinician1
    earlier = trail(staff, "user.password_change_refused")
    refused = change(client, csrf, current, new)
    assert refused.status_code == 422
    assert said in refused.text and f'id="password-{field.split("_")[0]}-error"' in refused.text
    assert new not in refused.text and current not in refused.text, "no password is sent back"
    assert staff.app.state.runtime.accounts.authenticate("clinician1", PASSWORD) is not None
    assert trail(staff, "user.password_change") == []
    [entry] = trail(staff, "user.password_change_refused")[len(earlier) :]
    assert entry["entity_id"] == "clinician1" and entry["data"] == {"client": "testclient", "why": why}


def test_wrong_current_passwords_meet_the_login_limit(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    answers = [change(staff.client, csrf, f"guess-number-{n}", NEW).status_code for n in range(6)]
    assert answers == [422] * 5 + [429]
    assert staff.app.state.runtime.accounts.authenticate("nurse", PASSWORD) is not None


def test_a_page_or_api_never_takes_a_common_password_or_the_user_name(refusing_staff: Staff) -> None:
    staff = refusing_staff  # every account it asks for is refused
    for password in ("1234567890", "Password123", "woaini1314"):
        made = staff.client.post(
            "/api/v1/users",
            json={"username": "newnurse", "password": password, "role": "nurse"},
            headers=staff.bearer(Role.admin),
        )
        assert made.status_code == 422 and "most common passwords" in made.json()["error"], made.text
    same = staff.client.post(
        "/api/v1/users",
        json={"username": "ward.nurse.two", "password": "Ward.Nurse.Two", "role": "nurse"},
        headers=staff.bearer(Role.admin),
    )
    assert same.status_code == 422 and same.json()["error"] == "password: must not be the user name"


def test_the_shipped_list_is_read_and_every_entry_is_refused() -> None:
    listed = common_passwords()
    assert len(listed) >= 100 and PASSWORD not in listed
    for password in listed:
        with pytest.raises(UserInputError):
            check_password_strength(password)


def test_a_password_too_long_for_the_form_is_not_repeated(clinician1: tuple[TestClient, str]) -> None:
    client, csrf = clinician1  # refused before the change is tried: nothing stored
    typed = "Her-Real-Password-" + "x" * 200  # over the form's 200 characters
    for current, new in ((typed, NEW), (PASSWORD, typed)):
        refused = change(client, csrf, current, new)
        assert refused.status_code == 422 and "not repeated: a password" in refused.text
        assert typed[:18] not in refused.text, "the 422 page repeated the password typed"


def test_the_session_goes_on_under_a_new_cookie_and_the_old_one_ends(staff: Staff) -> None:
    """Whoever copied this PC's session cookie (the reason to change a password) is out too."""
    csrf = staff.login(Role.nurse)
    copied = staff.client.cookies[SESSION_COOKIE]
    done = change(staff.client, csrf, PASSWORD, NEW)
    assert done.status_code == 303
    renewed = staff.client.cookies[SESSION_COOKIE]
    assert renewed != copied and staff.client.get("/queue", follow_redirects=False).status_code == 200
    thief = TestClient(staff.app, cookies={SESSION_COOKIE: copied})
    assert thief.get("/queue", follow_redirects=False).headers["location"].startswith("/login")
    new_csrf = staff.app.state.runtime.sessions.get(renewed).csrf_token
    assert new_csrf != csrf, "a new CSRF token with it"
    back = staff.client.post(
        "/language", data={"csrf_token": new_csrf, "language": "zh"}, follow_redirects=False
    )
    assert back.status_code == 303, "the page's forms work with the new token"
