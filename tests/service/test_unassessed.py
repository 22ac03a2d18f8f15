"""A reading typed in on its own is stored, not assessed: the patient page says beside the decision
which readings it does not include and how to assess them, in the user's language, until the visit
is assessed again. Real service, real SQLite, the page's own forms with CSRF."""

from __future__ import annotations

from tests.service.conftest import Staff, unspanned
from tests.service.test_page_wording import _walk_in  # an emergency walk-in with three readings
from triage.service.auth import Role


def _notice(page: str) -> str:
    return page.split('id="unassessed"')[1].split("</p>")[0] if 'id="unassessed"' in page else ""


def test_a_reading_typed_after_the_assessment_is_named_beside_the_decision_until_assessed(
    staff: Staff,
) -> None:
    encounter = _walk_in(staff, "UNASSESSED-1")["encounter_id"]
    csrf = staff.login(Role.nurse)
    page = unspanned(staff.client.get(f"/encounters/{encounter}").text)
    assert _notice(page) == "", "the walk-in's readings are all in its assessment"
    added = staff.client.post(
        f"/encounters/{encounter}/readings",
        data={"csrf_token": csrf, "code": "glucose_random", "value": "6.3"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = unspanned(staff.client.get(f"/encounters/{encounter}").text)
    decision = page.split('id="decision"')[1].split("</div>")[0]
    notice = _notice(decision)
    assert "Recorded after this assessment, not in its decision:" in notice
    assert "random glucose 6.3 mmol/l" in notice.lower()
    assert "SpO2" not in notice, "only the reading the assessment did not see"
    assert '<a href="#assess-form">' in notice and 'id="assess-form"' in page
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    notice = _notice(unspanned(staff.client.get(f"/encounters/{encounter}").text))
    assert "本次评估之后录入、未纳入上述处置的读数：" in notice and "随机血糖 6.3 mmol/L" in notice
    assert "立即评估" in notice
    assessed = staff.client.post(
        f"/encounters/{encounter}/assess", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert assessed.status_code == 303
    assert _notice(unspanned(staff.client.get(f"/encounters/{encounter}").text)) == "", (
        "assessed: in the decision"
    )


def test_a_new_walk_in_with_a_reading_and_no_assessment_says_it_is_not_assessed_yet(
    staff: Staff,
) -> None:
    csrf = staff.login(Role.nurse)
    opened = staff.client.post(
        "/walk-ins", data={"csrf_token": csrf, "mrn": "UNASSESSED-2"}, follow_redirects=False
    )
    patient = opened.headers["location"]
    assert _notice(staff.client.get(patient).text) == "", "nothing recorded yet, nothing to say"
    staff.client.post(f"{patient}/readings", data={"csrf_token": csrf, "code": "heart_rate", "value": "88"})
    notice = _notice(staff.client.get(patient).text)
    assert "Recorded, not assessed yet:" in notice and "88 /min" in notice
