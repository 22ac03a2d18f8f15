"""An override retried after a timeout is recorded once: the override endpoint took no
Idempotency-Key (a 422 when sent), so a client whose POST timed out and sent it again recorded the
clinician's decision twice. Now the header (or the body's ``idempotency_key``) replays the stored
override on the same body and is a 409 ``idempotency_conflict`` on another. Real uvicorn, real
accounts on a real SQLite file; every answer checked against /openapi.json."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.service.conftest import WALK_IN
from tests.service.test_api_idempotency_header import Api, api  # noqa: F401
from triage.service.auth import Role

KEY = ("Idempotency-Key", "override-1")


def test_an_override_retried_with_its_key_is_recorded_once(api: Api, tmp_path: Path) -> None:  # noqa: F811
    made = api.post(Role.nurse, "/api/v1/assessments", WALK_IN).json()
    path = f"/api/v1/assessments/{made['id']}/overrides"
    body = {"disposition": "urgent_referral", "reason": "seen in person"}
    first = api.post(Role.clinician, path, body, KEY)
    assert first.status_code == 201, first.text
    again = api.post(Role.clinician, path, body, KEY)  # the retry after a timeout
    assert again.status_code == 201 and again.json() == first.json(), again.text
    keyed_in_body = api.post(Role.clinician, path, body | {"idempotency_key": "override-1"})
    assert keyed_in_body.status_code == 201 and keyed_in_body.json()["id"] == first.json()["id"]
    other = api.post(Role.clinician, path, body | {"reason": "changed my mind"}, KEY)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict", other.text
    shown = api.get(f"/api/v1/encounters/{made['encounter_id']}").json()
    assert shown["final_disposition"] == "urgent_referral"
    with sqlite3.connect(tmp_path / "clinic.db") as db:  # recorded once
        assert db.execute("SELECT count(*) FROM overrides").fetchone()[0] == 1
    # another account's request with the key is its own (keys are per account, migration 0027)
    admin = api.post(Role.admin, path, body, KEY)
    assert admin.status_code == 201 and admin.json()["id"] != first.json()["id"], admin.text
    assert admin.json()["clinician"] == "admin"
