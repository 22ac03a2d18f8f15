"""The API refuses a stated height and weight whose BMI is implausible (100 cm and 300 kg: 300),
naming both fields the client sent; a measured pair is taken but not used for the BMI, and the
model's explanation says why (tests/triage/test_bmi_size_plausible.py: the engine and the CLI)."""

from __future__ import annotations

import copy

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role


def test_a_stated_height_and_weight_whose_bmi_is_implausible_are_refused(staff: Staff) -> None:
    """Named as the client sent them (``context.``), nothing stored; a weight joining a height
    stated earlier in the visit is taken, and the pair is not used (the engine's check)."""
    nurse = staff.bearer(Role.nurse)
    said = (
        "height 100 cm and weight 300 kg give a BMI of 300.0 kg/m2, outside the plausible range 8-90"
        " kg/m2; check both (a height in metres, a weight in pounds or grams?)"
    )
    walk_in = copy.deepcopy(WALK_IN) | {"context": {"height_cm": 100, "weight_kg": 300}}
    answer = staff.client.post("/api/v1/assessments", json=walk_in, headers=nurse)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == f"context.height_cm, context.weight_kg: {said}", answer.text
    assert answer.json()["fields"] == ["context.height_cm", "context.weight_kg"], answer.text
    db = staff.app.state.runtime.databases.get()
    assert db.conn.execute("SELECT count(*) FROM assessments").fetchone()[0] == 0
    opened = copy.deepcopy(WALK_IN) | {
        "context": {"height_cm": 100, "current_smoker": False, "diabetes": False}
    }
    opened["observations"] += [{"code": "sbp", "value": 150}, {"code": "total_cholesterol", "value": 6}]
    first = staff.client.post("/api/v1/assessments", json=opened, headers=nurse)
    assert first.status_code == 201, first.text
    visit = f"/api/v1/encounters/{first.json()['encounter_id']}/assessments"
    # a weight joining a height stated earlier in the visit: the pair is not used, and said
    weight = staff.client.post(visit, json={"context": {"weight_kg": 300}}, headers=nurse)
    assert weight.status_code == 201, weight.text
    later = staff.client.post(visit, json={}, headers=nurse)
    assert later.status_code == 201, "the visit still assesses"
    models = {m["model"]: m for m in later.json()["assessment"]["models"]}
    assert "bmi" in models["cvd10"]["imputed"], models["cvd10"]
    assert "(weight as stated, height as stated) gives bmi 300.0" in models["cvd10"]["explanation"], models


def test_a_measured_pair_is_not_used_for_the_bmi_and_the_model_says_why(staff: Staff) -> None:
    body = copy.deepcopy(WALK_IN)
    for code, value, unit in (
        ("sbp", 150, "mmHg"),
        ("total_cholesterol", 6, "mmol/L"),
        ("weight", 300, "kg"),
    ):
        body["observations"].append({"code": code, "value": value, "unit": unit})
    body["observations"].append({"code": "height", "value": 100, "unit": "cm"})
    body["context"] = {"current_smoker": True, "diabetes": True, "on_antihypertensives": False}
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    cvd10 = next(m for m in made.json()["assessment"]["models"] if m["model"] == "cvd10")
    assert "bmi" in cvd10["imputed"] and "bmi" not in cvd10["out_of_range"], cvd10
    note = "(weight measured, height measured) gives bmi 300.0, outside the plausible 8-90 kg/m2: not used"
    assert note in cvd10["explanation"], cvd10["explanation"]
