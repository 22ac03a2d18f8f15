"""An assessment scored by a risk model version the service no longer loads (ckd 1.0.0, retired
for 1.1.0) keeps its card's title as the hover of its code on the patient page: the version is
still registered, its card still resolves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.service.conftest import Staff
from triage.service.auth import Role

BODY = {
    "patient": {"mrn": "CKD-OLD-1", "sex": "female"},
    "age_years": 55,
    "context": {"hypertension": True, "diabetes": False},
    "observations": [
        {"code": "sbp", "value": 128, "unit": "mm[Hg]"},
        {"code": "dbp", "value": 80, "unit": "mm[Hg]"},
        {"code": "creatinine", "value": 80, "unit": "umol/L"},
        {"code": "urine_protein", "value": "neg"},
        {"code": "hemoglobin", "value": 135, "unit": "g/L"},
    ],
}


def test_an_assessment_by_a_retired_version_shows_its_cards_title(staff: Staff, tmp_path: Path) -> None:
    made = staff.client.post("/api/v1/assessments", json=BODY, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    ckd = next(m for m in made.json()["assessment"]["models"] if m["model"] == "ckd")
    assert ckd["version"] == "1.1.0" and ckd["probability"] is not None
    with sqlite3.connect(tmp_path / "clinic.db") as db:  # as a log from before 1.1.0 has it
        (payload,) = db.execute("SELECT payload FROM assessments").fetchone()
        scored = '{"model":"ckd","version":"1.1.0"'
        assert payload.count(scored) == 1
        db.execute(
            "UPDATE assessments SET payload = ?", (payload.replace(scored, scored.replace("1.1.0", "1.0.0")),)
        )
    staff.login(Role.nurse)
    page = staff.client.get(f"/encounters/{made.json()['encounter_id']}").text
    title = "Probability of chronic kidney disease (UCI CKD, logistic regression)"
    (row,) = [line for line in page.splitlines() if 'data-model="ckd"' in line]
    assert f'<small class="model-code" title="{title}">ckd 1.0.0</small>' in row, row
