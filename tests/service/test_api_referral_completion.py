"""A hospital's system or a clinic's integration completes an arrived referral through the API
with the receiving hospital's feedback, as a clinician does on the referrals page: the status
route took sent, accepted, arrived, declined and cancelled only, and its document said completion
came by "CLI/import", which did not exist."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role


def walk_in_referral(staff: Staff, reason: str = "SpO2 86 % on air") -> dict[str, Any]:
    """A walk-in's urgent referral to the county hospital, made through the API by a clinician
    (proposed, with ``reason``)."""
    doctor = staff.bearer(Role.clinician)
    assessment = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=doctor).json()
    body = {"assessment_id": assessment["id"], "to_facility": "county-hospital", "urgency": "urgent"}
    made = staff.client.post("/api/v1/referrals", json=body | {"reason": reason}, headers=doctor)
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def test_an_arrived_referral_is_completed_with_the_hospitals_feedback(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)
    made = walk_in_referral(staff)
    status = f"/api/v1/referrals/{made['id']}/status"
    for step in ("sent", "accepted", "arrived"):
        assert staff.client.post(status, json={"status": step}, headers=doctor).status_code == 200
    unanswered = staff.client.post(status, json={"status": "completed"}, headers=doctor)
    assert unanswered.status_code == 422, unanswered.text
    assert "feedback" in unanswered.json()["error"]
    stray = staff.client.post(
        status, json={"status": "arrived", "feedback": {"justified": True}}, headers=doctor
    )
    assert stray.status_code == 422 and "feedback" in stray.json()["error"], stray.text
    done = staff.client.post(
        status,
        json={"status": "completed", "feedback": {"justified": False, "diagnosis": "COPD, stable"}},
        headers=doctor,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    db = staff.app.state.runtime.databases.get()
    (justified, feedback) = db.conn.execute(
        "SELECT justified, feedback FROM referrals WHERE id = ?", [made["id"]]
    ).fetchone()
    assert justified == 0 and "COPD, stable" in feedback
    document = staff.client.get("/openapi.json", headers=doctor).text
    assert "CLI/import" not in document
