"""The patient history stated with an assessment is kept on the encounter (migration 0015), so a
later assessment of the same visit - a device result arriving, "assess now" - still has it."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Staff
from triage.service.auth import Role

HISTORY = {"diabetes": True, "on_antihypertensives": True, "current_smoker": True}
VISIT = {
    "patient": {"mrn": "MRN-HIST-1", "name": "Synthetic Patient", "sex": "male"},
    "age_years": 64,
    "context": HISTORY,
    "observations": [
        {"code": "sbp", "value": 152, "unit": "mmHg"},
        {"code": "dbp", "value": 88, "unit": "mmHg"},
        {"code": "heart_rate", "value": 76, "unit": "/min"},
        {"code": "spo2", "value": 97, "unit": "%"},
        {"code": "total_cholesterol", "value": 5.6, "unit": "mmol/L"},
        {"code": "hdl_cholesterol", "value": 1.1, "unit": "mmol/L"},
    ],
}


def _cvd(assessment: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in assessment["assessment"]["models"] if m["model"] == "cvd10")


def test_a_reassessment_of_the_visit_keeps_the_stated_history(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    first = staff.client.post("/api/v1/assessments", json=VISIT, headers=nurse)
    assert first.status_code == 201, first.text
    encounter_id = first.json()["encounter_id"]
    assert _cvd(first.json())["probability"] is not None, "the history lets the model score"
    more = [{"code": "resp_rate", "value": 16, "unit": "/min"}]
    added = staff.client.post(f"/api/v1/encounters/{encounter_id}/observations", json=more, headers=nurse)
    assert added.status_code == 201, added.text

    again = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse)

    assert again.status_code == 201, again.text
    cvd = _cvd(again.json())
    assert cvd["probability"] == _cvd(first.json())["probability"], cvd
    assert not {"current_smoker", "diabetes", "on_antihypertensives"} & set(cvd["missing"])


def test_a_later_answer_replaces_the_earlier_one_and_is_audited(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    first = staff.client.post("/api/v1/assessments", json=VISIT, headers=nurse).json()
    encounter_id = first["encounter_id"]

    quit_smoking = {"context": {"current_smoker": False}}
    again = staff.client.post(
        f"/api/v1/encounters/{encounter_id}/assessments", json=quit_smoking, headers=nurse
    )

    assert again.status_code == 201, again.text
    assert _cvd(again.json())["probability"] < _cvd(first)["probability"], "a non-smoker's risk is lower"
    db = staff.app.state.runtime.databases.get()
    entries = [
        row[0]
        for row in db.conn.execute(
            "SELECT data FROM audit WHERE action = 'encounter.context' AND entity_id = ? ORDER BY seq",
            [str(encounter_id)],
        )
    ]
    assert len(entries) == 2, entries  # stated once, then one answer changed
    assert '"current_smoker"' in entries[1] and "diabetes" not in entries[1]
    # the answers given once stay: an assessment with no context uses smoker = False and the rest
    third = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=nurse)
    assert _cvd(third.json())["probability"] == _cvd(again.json())["probability"]


def test_the_page_asks_the_history_keeps_it_and_shows_it_next_time(staff: Staff) -> None:
    no_history = {k: v for k, v in VISIT.items() if k != "context"} | {
        "patient": {"mrn": "MRN-HIST-2", "name": "Synthetic Patient", "sex": "male"}
    }
    made = staff.client.post("/api/v1/assessments", json=no_history, headers=staff.bearer(Role.nurse)).json()
    assert _cvd(made)["probability"] is None, "without the history the model cannot score"
    page = f"/encounters/{made['encounter_id']}"
    csrf = staff.login(Role.nurse)
    html = staff.client.get(page).text
    assert "Patient history" in html and 'name="current_smoker"' in html

    answered = {"csrf_token": csrf, "diabetes": "no", "on_antihypertensives": "yes", "current_smoker": "yes"}
    assert staff.client.post(f"{page}/assess", data=answered, follow_redirects=False).status_code == 303

    latest = staff.client.get(
        f"/api/v1/encounters/{made['encounter_id']}", headers=staff.bearer(Role.nurse)
    ).json()
    assert _cvd(latest["assessment"])["probability"] is not None, "the answers let the model score"
    html = staff.client.get(page).text
    smoker = html.split('name="current_smoker"')[1].split("</select>")[0]
    assert '<option value="yes" selected>' in smoker, "the answer is shown on the next visit to the page"
    ckd = html.split('name="ckd"')[1].split("</select>")[0]
    assert '<option value="" selected>' in ckd, "a question never asked stays blank"
    assert 'name="pregnant"' not in html, "a man is not asked whether he is pregnant"
    bad = staff.client.post(f"{page}/assess", data={"csrf_token": csrf, "current_smoker": "maybe"})
    assert bad.status_code == 422 and "current_smoker" in bad.text
