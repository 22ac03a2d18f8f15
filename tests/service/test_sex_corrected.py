"""A sex corrected after the decision shown: the decision was made with the wrong sex (China-PAR,
PCE, FINDRISC, CDRS and the cvd10/stroke10 models are sex-specific), and the patient page says so
beside it, in the user's language, until the visit is assessed again. Real service, real SQLite,
the page's own forms with CSRF."""

from __future__ import annotations

from tests.service.conftest import Staff
from tests.service.test_page_wording import _walk_in
from triage.service.auth import Role


def _notice(page: str) -> str:
    return page.split('id="sex-corrected"')[1].split("</p>")[0] if 'id="sex-corrected"' in page else ""


def _correct(staff: Staff, encounter: int, **change: str) -> None:
    patient = staff.client.get(f"/api/v1/encounters/{encounter}", headers=staff.bearer(Role.nurse)).json()
    fixed = staff.client.post(
        f"/api/v1/patients/{patient['patient']['id']}/corrections",
        json={**change, "reason": "typed wrong at registration"},
        headers=staff.bearer(Role.nurse),
    )
    assert fixed.status_code == 201, fixed.text


def test_a_sex_corrected_after_the_decision_is_said_beside_it_until_assessed_again(staff: Staff) -> None:
    encounter = _walk_in(staff, "SEXFIX-1")["encounter_id"]
    csrf = staff.login(Role.nurse)
    assert _notice(staff.client.get(f"/encounters/{encounter}").text) == ""
    other = "female"  # _walk_in registers a man
    _correct(staff, encounter, sex=other)
    page = staff.client.get(f"/encounters/{encounter}").text
    notice = _notice(page.split('id="decision"')[1].split("</div>")[0])
    assert "This decision was made with the sex recorded as" in notice
    assert f"it was corrected to {other.capitalize()} after that" in notice
    assert '<a href="#assess-form">' in notice and 'id="assess-form"' in page
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    notice = _notice(staff.client.get(f"/encounters/{encounter}").text)
    assert f"之后性别已更正为“{'女' if other == 'female' else '男'}”" in notice and "立即评估" in notice
    assessed = staff.client.post(
        f"/encounters/{encounter}/assess", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert assessed.status_code == 303
    assert _notice(staff.client.get(f"/encounters/{encounter}").text) == "", "assessed with the right sex"


def test_a_corrected_name_alone_says_nothing_beside_the_decision(staff: Staff) -> None:
    encounter = _walk_in(staff, "SEXFIX-2")["encounter_id"]
    staff.login(Role.nurse)
    _correct(staff, encounter, name="Corrected Name")
    assert _notice(staff.client.get(f"/encounters/{encounter}").text) == ""
