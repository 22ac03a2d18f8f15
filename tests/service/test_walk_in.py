"""The walk-in path: assessed before it joins the writer, stored as computed, replayable by key."""

from __future__ import annotations

import copy
import json

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role


def walk_in(mrn: str, **extra: object) -> dict[str, object]:
    body = copy.deepcopy(WALK_IN)
    body["patient"]["mrn"] = mrn  # type: ignore[index]
    body.update(extra)
    return body


def stored_payload(staff: Staff, assessment_id: int) -> str:
    db = staff.app.state.runtime.databases.get()
    return str(db.conn.execute("SELECT payload FROM assessments WHERE id = ?", [assessment_id]).fetchone()[0])


def test_response_is_the_stored_assessment_and_belongs_to_the_stored_patient(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    first = staff.client.post("/api/v1/assessments", json=walk_in("WI-1", age_years=67), headers=nurse)
    second = staff.client.post(
        "/api/v1/assessments",
        json=walk_in("WI-2", age_years=54, patient={"mrn": "WI-2", "sex": "female"}),
        headers=nurse,
    )
    for response in (first, second):
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["assessment"] == json.loads(stored_payload(staff, body["id"]))
        fetched = staff.client.get(f"/api/v1/assessments/{body['id']}", headers=nurse).json()
        assert body.pop("visit_already_open") is False  # the walk-in opened the visit
        assert fetched == body
    db = staff.app.state.runtime.databases.get()
    pseudo = db.conn.execute("SELECT pseudo_id FROM patients WHERE mrn = 'WI-2'").fetchone()[0]
    payload = second.json()["assessment"]
    assert payload["patient_id"] == pseudo, "computed for the patient the log stored"
    news2 = payload["scores"]["news2"]
    assert second.json()["news2"] == news2["value"]
    china_par = payload["scores"]["china_par"]
    assert "age" not in china_par["missing"] and "sex" not in china_par["missing"]


def test_age_from_the_birth_date_is_the_age_the_encounter_stores(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    staff.client.post("/api/v1/assessments", json=walk_in("WI-0"), headers=nurse)  # creates the secret
    body = walk_in("WI-3", patient={"mrn": "WI-3", "sex": "male", "birth_date": "1960-01-01"})
    body.pop("age_years")
    response = staff.client.post("/api/v1/assessments", json=body, headers=nurse)
    assert response.status_code == 201, response.text
    db = staff.app.state.runtime.databases.get()
    age = db.conn.execute(
        "SELECT e.age_years FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = 'WI-3'"
    ).fetchone()[0]
    assert age is not None and age >= 66
    crb65 = response.json()["assessment"]["scores"]["crb65"]
    assert crb65["components"]["age"] == 1, "age 65 or over scores a CRB-65 point"
    assert "age" not in crb65["missing"]


def test_replaying_a_keyed_walk_in_returns_the_same_assessment(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    body = walk_in("WI-4", idempotency_key="walk-in-0004")
    first = staff.client.post("/api/v1/assessments", json=body, headers=nurse)
    again = staff.client.post("/api/v1/assessments", json=body, headers=nurse)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    db = staff.app.state.runtime.databases.get()
    assert db.conn.execute("SELECT count(*) FROM assessments").fetchone()[0] == 1
    assert db.conn.execute("SELECT count(*) FROM encounters").fetchone()[0] == 1
    other = walk_in("WI-5", idempotency_key="walk-in-0004")
    conflict = staff.client.post("/api/v1/assessments", json=other, headers=nurse)
    assert conflict.status_code == 409, conflict.text
    assert "walk-in-0004" in conflict.json()["error"]
    assert db.conn.execute("SELECT count(*) FROM patients WHERE mrn = 'WI-5'").fetchone()[0] == 0
