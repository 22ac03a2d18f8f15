"""Sign-ins are in the audit trail: who logged in, who was refused and why, who logged out, from
where - what was typed as a user name that is no account is not kept (it may be a password)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from referral import audit, audit_rows, users
from tests.service.conftest import PASSWORD, Staff, make_settings
from triage.service import create_app
from triage.service.auth import NO_SUCH_ACCOUNT, SIGN_IN_ACTIONS, Role


def sign_ins(app: FastAPI) -> list[dict[str, Any]]:
    db = app.state.runtime.databases.get()
    marks = ", ".join("?" * len(SIGN_IN_ACTIONS))
    rows = db.query(
        f"SELECT actor, action, entity, entity_id, data FROM audit WHERE action IN ({marks}) ORDER BY seq",
        list(SIGN_IN_ACTIONS),
    )
    return [dict(row, data=json.loads(row["data"])) for row in rows]


def test_logins_refusals_and_logouts_are_audited_with_the_client(staff: Staff) -> None:
    typed_password = "Nurse-Secret-2026"  # typed into the user name field by mistake
    for username, password in (("nurse", "wrong-password"), (typed_password, PASSWORD)):
        assert (
            staff.client.post("/login", data={"username": username, "password": password}).status_code == 401
        )
    csrf = staff.login(Role.nurse)
    staff.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)

    client = {"client": "testclient"}
    assert sign_ins(staff.app) == [
        {
            "actor": "nurse",
            "action": "user.login_failed",
            "entity": "user",
            "entity_id": "nurse",
            "data": client | {"why": "wrong_password"},
        },
        {
            "actor": "anonymous",
            "action": "user.login_failed",
            "entity": "user",
            "entity_id": NO_SUCH_ACCOUNT,
            "data": client | {"why": "no_such_account"},
        },
        {
            "actor": "nurse",
            "action": "user.login",
            "entity": "user",
            "entity_id": "nurse",
            "data": client | {"via": "password"},
        },
        {"actor": "nurse", "action": "user.logout", "entity": "user", "entity_id": "nurse", "data": client},
    ]
    db = staff.app.state.runtime.databases.get()
    everything = " ".join(str(v) for row in db.query("SELECT * FROM audit") for v in row.values())
    assert typed_password.lower() not in everything.lower(), "what was typed as a user name is not kept"
    assert audit.verify(db).ok and audit_rows.verify_rows(db).ok, "the trail and the tables still agree"


def test_a_disabled_accounts_login_is_audited_as_such(staff: Staff) -> None:
    users.set_disabled(staff.app.state.runtime.databases.get(), "clinician", True, actor="admin")
    refused = staff.client.post("/login", data={"username": "clinician", "password": PASSWORD})
    assert refused.status_code == 401
    assert sign_ins(staff.app)[-1]["data"] == {"client": "testclient", "why": "disabled"}


def test_the_first_administrators_sign_in_at_setup_is_audited(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as client:
        made = client.post("/setup", data={"username": "boss", "password": PASSWORD}, follow_redirects=False)
        assert made.status_code == 303
    assert [(e["action"], e["entity_id"], e["data"]) for e in sign_ins(app)] == [
        ("user.login", "boss", {"client": "testclient", "via": "setup"})
    ]
