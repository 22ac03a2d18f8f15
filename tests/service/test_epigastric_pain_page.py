"""Right upper quadrant or epigastric pain on the patient page's "assess now" form (en and zh).

The form's boxes are the engine's closed vocabulary (``triage.patient.ACUTE_SYMPTOMS``): the new
``epigastric_pain``, a severe feature of pre-eclampsia (ACOG Practice Bulletin 222, Box 3; NICE
NG133 1.1.1), is asked as a headache is - "in pregnancy or after birth", not for a man - and the
page's "ask now" prompt names it. Through the page's own form with CSRF on the real service and a
real SQLite file: ticked for a woman 30 weeks pregnant at 150/95 mmHg, she is an emergency transfer
by ``pre_eclampsia_severe_features``, and the reason names the pain in the page's language."""

from __future__ import annotations

import pytest

from tests.service.conftest import Staff
from tests.service.test_acute_symptoms_page_form import _group, _latest, _severe
from tests.service.test_page_wording import _language
from triage.service.auth import Role

LABEL = {
    "en": "right upper quadrant or epigastric pain in pregnancy or after birth",
    "zh": "妊娠期或产后上腹部或右上腹痛",
}
NAMED = {"en": "right upper quadrant or epigastric pain in pregnancy", "zh": "妊娠期上腹部或右上腹痛"}


def _walk_in(staff: Staff, mrn: str, sex: str, **history: object) -> tuple[str, str]:
    """A walk-in of 29 at 150/95 mmHg typed on the page, then ``history`` recorded through the API."""
    csrf, page = _severe(staff, mrn, sex, age="29", pressure=("150", "95"))
    if history:
        told = {"context": history}
        api = staff.client.post(f"/api/v1{page}/assessments", json=told, headers=staff.bearer(Role.nurse))
        assert api.status_code == 201, api.text
    return csrf, page


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_pregnant_woman_is_asked_and_ticking_it_routes_her(staff: Staff, language: str) -> None:
    csrf, page = _walk_in(staff, f"EPI-{language}", "female", pregnant=True, gestation_weeks=30)
    _language(staff, csrf, language)
    html = staff.client.get(page).text
    group = _group(html)
    assert 'value="epigastric_pain"' in group and LABEL[language] in group.lower()
    assert LABEL[language] in html.split('id="symptoms-ask"')[1].split("</p>")[0], "the prompt names it"
    told = {"csrf_token": csrf, "acute_symptoms": ["epigastric_pain"]}
    assert staff.client.post(f"{page}/assess", data=told, follow_redirects=False).status_code == 303
    latest = _latest(staff, page)
    assert latest["disposition"] == "emergency_transfer"
    assert "pre_eclampsia_severe_features" in latest["assessment"]["red_flags"]
    html = staff.client.get(page).text
    assert 'value="epigastric_pain" checked' in _group(html)
    assert NAMED[language] in html, "the reason names the pain in the page's language"


def test_a_man_is_not_asked_about_it(staff: Staff) -> None:
    _csrf, page = _walk_in(staff, "EPI-MAN", "male")
    group = _group(staff.client.get(page).text)
    assert 'value="chest_pain"' in group and 'value="epigastric_pain"' not in group
