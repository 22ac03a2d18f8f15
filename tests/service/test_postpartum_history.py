"""A birth in the last 6 weeks (``postpartum``) reaches the engine through the API's ``context`` and
the staff page's history questions (not asked of a man, as pregnancy is not), and her raised
pressure is assessed as in pregnancy (docs/assessment.md, "A pregnant patient" and "After birth")."""

from __future__ import annotations

from tests.service.conftest import Staff, unspanned
from tests.service.test_known_ascvd_history import answered_on_the_page
from triage.service.auth import Role

VISIT = {
    "patient": {"mrn": "MRN-BIRTH-1", "name": "Synthetic Patient", "sex": "female"},
    "age_years": 29,
    "observations": [
        {"code": "sbp", "value": 152, "unit": "mmHg"},
        {"code": "dbp", "value": 96, "unit": "mmHg"},
    ],
}


def test_the_api_and_the_page_take_a_recent_birth(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post(
        "/api/v1/assessments", json=VISIT | {"context": {"postpartum": True}}, headers=nurse
    )
    assert made.status_code == 201, made.text
    assessment = made.json()["assessment"]
    assert assessment["disposition"] == "urgent_referral", assessment["reasons"]
    assert "postpartum_hypertension" in assessment["red_flags"]

    other = VISIT | {"patient": {"mrn": "MRN-BIRTH-2", "name": "Synthetic Patient", "sex": "female"}}
    plain = staff.client.post("/api/v1/assessments", json=other, headers=nurse).json()
    assert plain["assessment"]["disposition"] == "local_care"
    page = f"/encounters/{plain['encounter_id']}"
    html, latest, csrf = answered_on_the_page(staff, plain["encounter_id"], postpartum="yes")
    assert 'name="postpartum"' in html and "Gave birth in the last 6 weeks" in html
    assert latest["disposition"] == "urgent_referral"
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    html = staff.client.get(page).text
    text = unspanned(html)
    assert "近 6 周内分娩" in text and "产后（6 周内）血压升高" in text, (
        "the question and the reason in Chinese"
    )

    man = VISIT | {"patient": {"mrn": "MRN-BIRTH-3", "name": "Synthetic Patient", "sex": "male"}}
    his = staff.client.post("/api/v1/assessments", json=man, headers=nurse).json()
    assert 'name="postpartum"' not in staff.client.get(f"/encounters/{his['encounter_id']}").text


def test_a_birth_and_a_pregnancy_together_are_refused_naming_both(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    both = VISIT | {"context": {"pregnant": True, "postpartum": True}}
    refused = staff.client.post("/api/v1/assessments", json=both, headers=nurse)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"].startswith("context.postpartum, context.pregnant: both true"), refused.text
    made = staff.client.post(
        "/api/v1/assessments", json=VISIT | {"context": {"pregnant": True}}, headers=nurse
    )
    later = {"context": {"postpartum": True}}  # joining the pregnancy the visit records: the engine's check
    joined = staff.client.post(
        f"/api/v1/encounters/{made.json()['encounter_id']}/assessments", json=later, headers=nurse
    )
    assert joined.status_code == 422 and "patient.postpartum, patient.pregnant: both true" in joined.text


def test_the_page_says_a_birth_and_a_pregnancy_cannot_both_be_yes_in_the_nurses_language(
    staff: Staff,
) -> None:
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post(
        "/api/v1/assessments", json=VISIT | {"context": {"pregnant": True}}, headers=nurse
    )
    page = f"/encounters/{made.json()['encounter_id']}"
    csrf = staff.login(Role.nurse)
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    refused = staff.client.post(f"{page}/assess", data={"csrf_token": csrf, "postpartum": "yes"})
    assert refused.status_code == 422
    text = unspanned(refused.text)
    assert "“近 6 周内分娩”和“怀孕”不能同时为“是”" in text and "both true" not in text, "said in Chinese"
    field = refused.text.split('name="postpartum"')[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in field, "beside the question"
    answered = {"csrf_token": csrf, "postpartum": "yes", "pregnant": "no"}
    assert staff.client.post(f"{page}/assess", data=answered, follow_redirects=False).status_code == 303
