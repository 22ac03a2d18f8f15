"""The acute symptoms on the patient page's "assess now" form, through the page's own form with
CSRF on the real service and a real SQLite file: nothing ticked stays "not asked" (the engine still
lists the symptoms as missing and the page asks for them, naming them, in en and zh), what cannot
be an answer comes back beside the group with everything chosen kept and nothing stored, and a man
is not asked about a headache in pregnancy. The browser flows are in test_acute_symptoms_page.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language
from triage.service.auth import Role


def _severe(
    staff: Staff, mrn: str, sex: str = "female", age: str = "61", pressure: tuple[str, str] = ("185", "100")
) -> tuple[str, str]:
    """A walk-in whose nurse typed 185/100 (or ``pressure``) on the page: (CSRF token, the patient
    page's path)."""
    csrf = staff.login(Role.nurse)
    made = staff.client.post(
        "/walk-ins",
        data={"csrf_token": csrf, "mrn": mrn, "sex": sex, "age_years": age},
        follow_redirects=False,
    )
    page = made.headers["location"]
    sbp, dbp = pressure
    vitals = staff.client.post(f"{page}/vitals", data={"csrf_token": csrf, "sbp": sbp, "dbp": dbp})
    assert vitals.status_code == 200, vitals.text
    return csrf, page


def _latest(staff: Staff, page: str) -> dict[str, Any]:
    """The visit's latest assessment as the API gives it (``assessment``: the engine's output)."""
    got = staff.client.get(f"/api/v1{page}", headers=staff.bearer(Role.nurse))
    assert got.status_code == 200, got.text
    latest: dict[str, Any] = got.json()["assessment"]
    return latest


def _group(html: str) -> str:
    return html.split('<fieldset id="acute-symptoms"')[1].split("</fieldset>")[0]


@pytest.mark.parametrize(
    ("language", "asks"),
    [
        (
            "en",
            "ask about chest pain, breathlessness, a new neurological deficit, confusion, visual loss,"
            " headache in pregnancy or after birth, right upper quadrant or epigastric pain in pregnancy or"
            " after birth, tick them and assess again.",
        ),
        (
            "zh",
            "请询问有无胸痛、呼吸困难、新发神经功能缺损、意识模糊、视力丧失、妊娠期或产后头痛、"
            "妊娠期或产后上腹部或右上腹痛，勾选后重新评估。",
        ),
    ],
)
def test_nothing_ticked_stays_not_asked_and_the_page_asks(staff: Staff, language: str, asks: str) -> None:
    csrf, page = _severe(staff, f"SYM-ASK-{language}")
    _language(staff, csrf, language)
    sent = staff.client.post(f"{page}/assess", data={"csrf_token": csrf}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert "acute_symptoms" in _latest(staff, page)["assessment"]["missing_inputs"], "not asked is no answer"
    html = staff.client.get(page).text
    prompt = html.split('id="symptoms-ask"')[1].split("</p>")[0]
    assert asks in prompt and 'href="#acute-symptoms"' in prompt
    assert 'class="symptoms asked-for"' in html, "the group itself says it is asked for"
    assert " checked" not in _group(html)
    assert 'id="symptoms-recorded"' not in html, "nobody recorded anything"


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "Tick either “Asked - none of these” or the symptoms the patient has, not both."),
        ("zh", "请勾选“已询问，以上均无”或患者目前有的症状，二者不能同时勾选。"),
    ],
)
def test_none_with_a_symptom_comes_back_beside_the_group_with_everything_kept(
    staff: Staff, language: str, says: str
) -> None:
    csrf, page = _severe(staff, f"SYM-BOTH-{language}")
    _language(staff, csrf, language)
    before = _latest(staff, page)
    sent = {"csrf_token": csrf, "acute_symptoms": ["dyspnoea", "none"], "current_smoker": "yes"}
    back = staff.client.post(f"{page}/assess", data=sent)
    assert back.status_code == 422, back.text
    group = _group(back.text)
    assert says in group.split('id="acute-symptoms-error"')[1].split("</p>")[0]
    assert 'value="dyspnoea" checked' in group and 'value="none" checked' in group, "what was ticked is kept"
    assert group.count('aria-invalid="true" aria-describedby="acute-symptoms-error"') == 8
    assert group.count("autofocus") == 1 and 'value="chest_pain" aria-invalid="true"' in group
    smoker = back.text.split('name="current_smoker"')[1].split("</select>")[0]
    assert '<option value="yes" selected>' in smoker, "the history chosen beside it is kept too"
    latest = _latest(staff, page)
    assert "acute_symptoms" in latest["assessment"]["missing_inputs"], "nothing was stored"
    assert latest["id"] == before["id"], "and nothing assessed"


def test_unticking_a_recorded_symptom_is_no_answer_and_an_unknown_one_is_refused(staff: Staff) -> None:
    csrf, page = _severe(staff, "SYM-UNTICK")
    told = {"csrf_token": csrf, "acute_symptoms": ["visual_loss"]}
    assert staff.client.post(f"{page}/assess", data=told, follow_redirects=False).status_code == 303
    assert _latest(staff, page)["disposition"] == "emergency_transfer"

    back = staff.client.post(f"{page}/assess", data={"csrf_token": csrf})
    assert back.status_code == 422, back.text
    assert "Acute symptoms were recorded earlier" in _group(back.text)
    assert " checked" not in _group(back.text), "the form shows what was sent: nothing"
    assert _latest(staff, page)["disposition"] == "emergency_transfer", "nothing changed"

    odd = staff.client.post(f"{page}/assess", data={"csrf_token": csrf, "acute_symptoms": ["chest pain"]})
    assert odd.status_code == 422, odd.text
    assert "“chest pain” is not one of the symptoms listed." in _group(odd.text)


def test_a_man_is_not_asked_about_a_headache_in_pregnancy(staff: Staff) -> None:
    _csrf, page = _severe(staff, "SYM-MAN", sex="male")
    group = _group(staff.client.get(page).text)
    assert 'value="chest_pain"' in group and 'value="headache"' not in group
    assert "headache" not in staff.client.get(page).text.split('id="symptoms-ask"')[1].split("</p>")[0]
    # one recorded for him through the API stays in view, ticked: sending the form keeps it
    told = {"context": {"acute_symptoms": ["headache", "confusion"]}}
    api = staff.client.post(f"/api/v1{page}/assessments", json=told, headers=staff.bearer(Role.nurse))
    assert api.status_code == 201, api.text
    group = _group(staff.client.get(page).text)
    assert 'value="headache" checked' in group and 'value="confusion" checked' in group
