"""The API takes the acute symptoms a clinician recorded (``context.acute_symptoms``, a closed
vocabulary): with a severe pressure they make the assessment an emergency transfer, they are kept
on the visit like the rest of the history, and a symptom outside the vocabulary is a 422 naming it."""

from __future__ import annotations

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role

PRESSURE = [{"code": "sbp", "value": 186, "unit": "mmHg"}, {"code": "dbp", "value": 112, "unit": "mmHg"}]
PATIENT = {"mrn": "MRN-HTN-EMERG-1", "name": "Synthetic Patient", "sex": "female"}
VISIT = WALK_IN | {"patient": PATIENT, "age_years": 58, "observations": PRESSURE}


def test_a_recorded_symptom_makes_a_severe_pressure_an_emergency_and_stays_on_the_visit(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    first = staff.client.post("/api/v1/assessments", json=VISIT, headers=nurse)
    assert first.status_code == 201, first.text
    assessment = first.json()["assessment"]
    assert assessment["disposition"] == "urgent_referral"
    assert "acute_symptoms" in assessment["missing_inputs"]
    encounter_id = first.json()["encounter_id"]

    told = {"context": {"acute_symptoms": ["neurological_deficit"]}}
    again = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json=told, headers=nurse)

    assert again.status_code == 201, again.text
    assert again.json()["assessment"]["disposition"] == "emergency_transfer"
    assert "hypertensive_emergency" in again.json()["assessment"]["red_flags"]
    later = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse)
    assert later.json()["assessment"]["disposition"] == "emergency_transfer", "kept on the visit"


def test_a_symptom_outside_the_vocabulary_is_refused_naming_it(staff: Staff) -> None:
    body = {**VISIT, "context": {"acute_symptoms": ["chest pain"]}}
    refused = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert refused.status_code == 422, refused.text
    assert "acute_symptoms" in refused.text and "chest_pain" in refused.text, refused.text
