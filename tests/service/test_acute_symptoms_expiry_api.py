"""An answer of "none" about acute symptoms kept on the visit answers for the blood pressures
measured up to then only (``triage.readings.unasked``): the service records when it was given, a
severe pressure measured later lists ``acute_symptoms`` as missing again with a note, and answering
again clears it; a symptom recorded keeps counting for a later severe pressure. Before, "none"
silenced the question for every later pressure of the visit. Real SQLite log, the API in process."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role
from triage.service.pages.engine_text import EngineText

PATIENT = {"mrn": "MRN-SYMPTOMS-LATER", "name": "Synthetic Patient", "sex": "female"}


def _pressure(sbp: int, dbp: int, at: str | None = None) -> list[dict[str, Any]]:
    return [
        {"code": code, "value": value, "unit": "mmHg", **({"observed_at": at} if at else {})}
        for code, value in (("sbp", sbp), ("dbp", dbp))
    ]


def _visit(staff: Staff, symptoms: list[str]) -> tuple[int, dict[str, str]]:
    nurse = staff.bearer(Role.nurse)
    body = WALK_IN | {"patient": PATIENT, "age_years": 58, "observations": _pressure(186, 112)}
    first = staff.client.post(
        "/api/v1/assessments", json=body | {"context": {"acute_symptoms": symptoms}}, headers=nurse
    )
    assert first.status_code == 201, first.text
    assert "acute_symptoms" not in first.json()["assessment"]["missing_inputs"]
    encounter_id = first.json()["encounter_id"]
    # a severe pressure measured after the answer (the clock has moved on since the request)
    later = _pressure(192, 114, datetime.now(UTC).isoformat())
    stored = staff.client.post(f"/api/v1/encounters/{encounter_id}/observations", json=later, headers=nurse)
    assert stored.status_code == 201, stored.text
    return encounter_id, nurse


def test_none_is_asked_again_for_a_severe_pressure_measured_after_it(staff: Staff) -> None:
    encounter_id, nurse = _visit(staff, [])
    again = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse)
    assessment = again.json()["assessment"]
    assert "acute_symptoms" in assessment["missing_inputs"], assessment
    assert any(n.startswith("acute symptoms: none was recorded at ") for n in assessment["notes"])
    assert "before the blood pressure measured at" in " ".join(assessment["notes"])

    answered = {"context": {"acute_symptoms": []}}  # asked again: none
    now = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json=answered, headers=nurse)
    assert "acute_symptoms" not in now.json()["assessment"]["missing_inputs"]
    kept = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse)
    assert "acute_symptoms" not in kept.json()["assessment"]["missing_inputs"], "the new answer is kept"


def test_a_symptom_recorded_keeps_counting_for_a_later_severe_pressure(staff: Staff) -> None:
    encounter_id, nurse = _visit(staff, ["visual_loss"])
    again = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse)
    assessment = again.json()["assessment"]
    assert (
        assessment["disposition"] == "emergency_transfer"
        and "hypertensive_emergency" in assessment["red_flags"]
    )
    assert "acute_symptoms" not in assessment["missing_inputs"]


def test_the_note_reads_in_chinese_on_the_staff_pages(staff: Staff) -> None:
    encounter_id, nurse = _visit(staff, [])
    payload = staff.client.post(
        f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse
    ).json()
    (note,) = [n for n in payload["assessment"]["notes"] if n.startswith("acute symptoms:")]
    zh = EngineText("zh", payload["assessment"]).note(note)
    assert zh.startswith("急性症状：") and "请重新询问并记录" in zh and "acute" not in zh, zh
    assert (
        EngineText("en", payload["assessment"]).note(note).startswith("acute symptoms: none was recorded at ")
    )
