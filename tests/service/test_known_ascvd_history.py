"""Established ASCVD (``known_ascvd``) reaches the engine through the API's ``context`` and the staff
page's history questions (en and zh), is kept on the visit, and makes the 10-year equations and the
first-event models stand aside: secondary prevention, said in the reasons (docs/assessment.md)."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Staff
from tests.service.test_encounter_context import VISIT
from triage.service.auth import Role


def _model(assessment: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in assessment["models"] if m["model"] == name)


def _secondary_prevention(assessment: dict[str, Any]) -> None:
    assert assessment["scores"]["pce"]["band"] == "not_applicable", assessment["scores"]["pce"]
    assert assessment["scores"]["pce"]["detail"].startswith("not applicable: established ASCVD")
    for name in ("cvd10", "stroke10"):
        model = _model(assessment, name)
        assert model["probability"] is None and "patient.known_ascvd is true" in model["explanation"], model
    assert "established_ascvd" in {r["rule"] for r in assessment["reasons"]}


def answered_on_the_page(staff: Staff, encounter_id: int, **answers: str) -> tuple[str, dict[str, Any], str]:
    """The visit's page as a nurse sees it before, then the history ``answers`` sent with "assess
    now": (the page's HTML before, the visit's latest assessment after, the session's CSRF token)."""
    page = f"/encounters/{encounter_id}"
    csrf = staff.login(Role.nurse)
    html = staff.client.get(page).text
    sent = staff.client.post(f"{page}/assess", data={"csrf_token": csrf, **answers}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    latest = staff.client.get(f"/api/v1/encounters/{encounter_id}", headers=staff.bearer(Role.nurse)).json()
    return html, latest["assessment"]["assessment"], csrf


def test_the_api_takes_known_ascvd_in_the_context_and_the_document_says_what_it_means(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    body = VISIT | {
        "patient": {"mrn": "MRN-ASCVD-1", "name": "Synthetic Patient", "sex": "male"},
        "context": {**VISIT["context"], "known_ascvd": True},  # type: ignore[dict-item]
    }
    made = staff.client.post("/api/v1/assessments", json=body, headers=nurse)
    assert made.status_code == 201, made.text
    _secondary_prevention(made.json()["assessment"])
    # kept on the visit: a reassessment without a context still knows it
    again = staff.client.post(
        f"/api/v1/encounters/{made.json()['encounter_id']}/assessments", json={}, headers=nurse
    )
    assert again.status_code == 201, again.text
    _secondary_prevention(again.json()["assessment"])
    wrong = staff.client.post(
        "/api/v1/assessments",
        json=body | {"context": {"known_ascvd": "yes"}, "patient": {"mrn": "MRN-ASCVD-2", "name": "S P"}},
        headers=nurse,
    )
    assert wrong.status_code == 422 and "known_ascvd" in wrong.text, wrong.text
    schema = staff.client.get("/openapi.json").json()["components"]["schemas"]["PatientContextIn"]
    described = schema["properties"]["known_ascvd"]["description"]
    assert "myocardial infarction" in described and "peripheral artery disease" in described, described


def test_the_page_asks_it_in_both_languages_and_the_answer_is_used(staff: Staff) -> None:
    no_history = {k: v for k, v in VISIT.items() if k != "context"} | {
        "patient": {"mrn": "MRN-ASCVD-3", "name": "Synthetic Patient", "sex": "male"},
        "context": {"diabetes": False, "on_antihypertensives": True, "current_smoker": True},
    }
    made = staff.client.post("/api/v1/assessments", json=no_history, headers=staff.bearer(Role.nurse)).json()
    assert _model(made["assessment"], "cvd10")["probability"] is not None
    page = f"/encounters/{made['encounter_id']}"
    html, latest, csrf = answered_on_the_page(staff, made["encounter_id"], known_ascvd="yes")
    assert 'name="known_ascvd"' in html and "stroke or TIA, peripheral artery disease" in html
    _secondary_prevention(latest)
    html = staff.client.get(page).text
    shown = html.split('name="known_ascvd"')[1].split("</select>")[0]
    assert '<option value="yes" selected>' in shown, "the answer is shown on the next visit to the page"
    assert "Established ASCVD: secondary prevention" in html
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    html = staff.client.get(page).text
    assert "已确诊动脉粥样硬化性心血管病（心肌梗死" in html, "the question in Chinese"
    assert "二级预防" in html and "Established ASCVD" not in html
