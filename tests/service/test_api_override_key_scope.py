"""An override's idempotency key names one override in the log: the key used again on another
assessment recorded a second override there (the key was looked up on the same assessment only);
now it is a 409 ``idempotency_conflict`` naming the assessment it was used for, nothing recorded,
as the other creations' keys. Real uvicorn, real accounts on a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.service.conftest import WALK_IN
from tests.service.test_api_idempotency_header import Api, api  # noqa: F401
from triage.service.auth import Role

KEY = ("Idempotency-Key", "override-1")
BODY = {"disposition": "urgent_referral", "reason": "seen in person"}


def test_an_override_key_used_again_on_another_assessment_is_a_conflict(api: Api, tmp_path: Path) -> None:  # noqa: F811
    first = api.post(Role.nurse, "/api/v1/assessments", WALK_IN).json()
    other = api.post(
        Role.nurse, "/api/v1/assessments", WALK_IN | {"patient": {"mrn": "MRN-OTHER", "sex": "female"}}
    ).json()
    assert other["id"] != first["id"]
    stored = api.post(Role.clinician, f"/api/v1/assessments/{first['id']}/overrides", BODY, KEY)
    assert stored.status_code == 201, stored.text
    reused = api.post(Role.clinician, f"/api/v1/assessments/{other['id']}/overrides", BODY, KEY)
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_conflict", reused.text
    assert f"already used for an override of assessment {first['id']}" in reused.json()["error"]
    with sqlite3.connect(tmp_path / "clinic.db") as db:
        assert db.execute("SELECT assessment_id FROM overrides").fetchall() == [(first["id"],)]
    shown = api.get(f"/api/v1/encounters/{other['encounter_id']}").json()
    assert shown["final_disposition"] == other["disposition"]
