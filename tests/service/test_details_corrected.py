"""A detail the decision depended on, corrected after it: the sex (China-PAR, PCE, FINDRISC, CDRS,
eGFR and the cvd10/stroke10 models are sex-specific) or the birth date (the age those, CRB-65 and
the diabetes and ckd models use). The decision was made for someone else, and the patient page
says so beside it - one notice naming every such detail, in the user's language - until the visit
is assessed again, which uses the corrected details. Real service, real SQLite, the page's own
forms with CSRF."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from typing import Any

from referral import store
from tests.service.conftest import WALK_IN, Staff
from tests.service.test_page_wording import _walk_in
from triage.service.auth import Role


def _notice(page: str) -> str:
    """The notice's text (tags out), or "" when the page has none."""
    if 'id="details-corrected"' not in page:
        return ""
    return html.unescape(re.sub(r"<[^>]+>", "", page.split('id="details-corrected"')[1].split("</p>")[0]))


def _correct(staff: Staff, encounter: int, **change: str) -> None:
    patient = staff.client.get(f"/api/v1/encounters/{encounter}", headers=staff.bearer(Role.nurse)).json()
    fixed = staff.client.post(
        f"/api/v1/patients/{patient['patient']['id']}/corrections",
        json={**change, "reason": "typed wrong at registration"},
        headers=staff.bearer(Role.nurse),
    )
    assert fixed.status_code == 201, fixed.text


def _page(staff: Staff, encounter: int) -> str:
    return staff.client.get(f"/encounters/{encounter}").text


def _assess(staff: Staff, csrf: str, encounter: int) -> None:
    assessed = staff.client.post(
        f"/encounters/{encounter}/assess", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert assessed.status_code == 303


def _born(years: int, day: int = 2) -> str:
    """A birth date ``years`` (or one fewer) before today, in March or April."""
    return date(date.today().year - years, 3 if date.today().month > 3 else 4, day).isoformat()


def _age(born: str) -> int | None:
    return store.age_at(born, datetime.now().astimezone())


def _dated_walk_in(staff: Staff, mrn: str, born: str | None) -> int:
    """A man walked in with a birth date (no age typed); his visit's encounter id."""
    patient: dict[str, Any] = {"mrn": mrn, "sex": "male"} | ({"birth_date": born} if born else {})
    body = {"patient": patient, "observations": WALK_IN["observations"]}
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    return int(made.json()["encounter_id"])


def _crb65_age_point(staff: Staff, encounter: int) -> Any:
    visit = staff.client.get(f"/api/v1/encounters/{encounter}", headers=staff.bearer(Role.nurse)).json()
    return visit["assessment"]["assessment"]["scores"]["crb65"]["components"]["age"]


def test_a_sex_corrected_after_the_decision_is_said_beside_it_until_assessed_again(staff: Staff) -> None:
    encounter = _walk_in(staff, "SEXFIX-1")["encounter_id"]
    csrf = staff.login(Role.nurse)
    assert _notice(_page(staff, encounter)) == ""
    _correct(staff, encounter, sex="female")  # _walk_in registers a man
    page = _page(staff, encounter)
    notice = _notice(page.split('id="decision"')[1].split("</div>")[0])
    assert "This decision was made with the sex recorded as Male (corrected to Female after that)." in notice
    assert "eGFR (CKD-EPI) and the 10-year CVD and stroke risk models depend on sex," in notice
    assert 'id="details-corrected"' in page and 'href="#assess-form"' in page and 'id="assess-form"' in page
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    notice = _notice(_page(staff, encounter))
    assert "本次处置评估时使用的是性别“男”（之后已更正为“女”）。China-PAR、" in notice, "no space after 。"
    assert "立即评估" in notice
    _assess(staff, csrf, encounter)
    assert _notice(_page(staff, encounter)) == "", "assessed with the right sex"


def test_a_birth_date_corrected_after_the_decision_names_both_ages_until_assessed_again(staff: Staff) -> None:
    typo, right = _born(70), _born(61)
    encounter = _dated_walk_in(staff, "AGEFIX-1", typo)
    assert _crb65_age_point(staff, encounter) == 1, "70: CRB-65's age point"
    csrf = staff.login(Role.nurse)
    _correct(staff, encounter, birth_date=right)
    notice = _notice(_page(staff, encounter))
    assert (
        f"This decision was made with age {_age(typo)}, from the birth date recorded as {typo}"
        f" (corrected to {right} after that: age {_age(right)})." in notice
    ), notice
    assert "CRB-65" in notice and "depend on age, so the decision may differ" in notice
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    notice = _notice(_page(staff, encounter))
    assert (
        f"按出生日期 {typo} 计算的年龄 {_age(typo)} 岁（之后出生日期已更正为 {right}：{_age(right)} 岁）"
        in notice
    ), notice
    assert "都与年龄有关" in notice
    _assess(staff, csrf, encounter)
    assert _notice(_page(staff, encounter)) == ""
    assert _crb65_age_point(staff, encounter) == 0, "assessed again with the corrected age (61)"


def test_sex_and_birth_date_corrected_are_one_notice_naming_both(staff: Staff) -> None:
    typo, right = _born(70), _born(61)
    encounter = _dated_walk_in(staff, "AGEFIX-2", typo)
    staff.login(Role.nurse)
    _correct(staff, encounter, sex="female")
    _correct(staff, encounter, birth_date=right)
    page = _page(staff, encounter)
    assert page.count('id="details-corrected"') == 1
    notice = _notice(page)
    assert (
        "the sex recorded as Male (corrected to Female after that) and age" in notice
        and f"from the birth date recorded as {typo}" in notice
        and "depend on sex or age," in notice
    ), notice


def test_a_birth_date_set_after_the_decision_or_corrected_within_the_same_age(staff: Staff) -> None:
    staff.login(Role.nurse)
    blank = _dated_walk_in(staff, "AGEFIX-3", None)
    found = _born(61)
    _correct(staff, blank, birth_date=found)
    notice = _notice(_page(staff, blank))
    assert f"made with no birth date recorded ({found} recorded after that: age {_age(found)})." in notice
    # a day either side in the same age: the decision had the right age, nothing to say
    same = _dated_walk_in(staff, "AGEFIX-4", _born(70, day=2))
    _correct(staff, same, birth_date=_born(70, day=3))
    assert _notice(_page(staff, same)) == ""


def test_a_corrected_name_alone_says_nothing_beside_the_decision(staff: Staff) -> None:
    encounter = _walk_in(staff, "SEXFIX-2")["encounter_id"]
    staff.login(Role.nurse)
    _correct(staff, encounter, name="Corrected Name")
    assert _notice(_page(staff, encounter)) == ""
