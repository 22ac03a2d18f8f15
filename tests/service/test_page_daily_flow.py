"""What the staff pages say along a nurse's and a GP's day, in Chinese and English, as HTML (real
service, real SQLite, forms with CSRF); the same day in a real browser is
``test_browser_daily_flow.py``."""

from __future__ import annotations

import re

import pytest

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role


def _in_language(staff: Staff, role: Role, language: str) -> str:
    csrf = staff.login(role)
    staff.client.post("/language", data={"csrf_token": csrf, "language": language})
    return csrf


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "No reading recorded for this visit yet."), ("zh", "本次就诊尚未记录读数。")],
)
def test_a_new_visit_without_readings_says_so_instead_of_an_empty_table(
    staff: Staff, language: str, said: str
) -> None:
    """A walk-in's page showed the readings table's four headings over nothing - a screen reader
    announced a table with no rows - until a reading came: it says there is none yet instead."""
    csrf = _in_language(staff, Role.nurse, language)
    opened = staff.client.post(
        "/walk-ins", data={"csrf_token": csrf, "mrn": "EMPTY-1"}, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text
    page = staff.client.get(opened.headers["location"]).text
    readings = page.split("</h2>", 1)[1].split('id="vitals-form"')[0]
    assert f'<p class="empty" id="no-readings">{said}</p>' in readings
    assert "<table" not in readings and "<thead" not in readings


@pytest.mark.parametrize(("language", "switch", "other"), [("zh", "English", "en"), ("en", "中文", "zh-CN")])
def test_the_language_switch_is_marked_in_the_language_it_names(
    staff: Staff, language: str, switch: str, other: str
) -> None:
    """The header's switch on a Chinese page says "English" and on an English page 中文, each in
    the language it leads to; it was marked as the page's language, so a screen reader read
    "English" with its Chinese voice (and 中文 with its English one)."""
    _in_language(staff, Role.nurse, language)
    page = staff.client.get("/queue").text
    form = page.split('action="/language"')[1].split("</form>")[0]
    button = re.search(r"<button[^>]*>([^<]*)</button>", form)
    assert button is not None and button.group(1) == switch, form
    assert f'lang="{other}"' in button.group(0), button.group(0)


def test_two_patients_of_the_same_name_are_told_apart_in_the_referrals_list(staff: Staff) -> None:
    """Two patients named 张伟, both referred: the referrals list named each by name alone - two
    identical rows but for the hospital's reason - where the queue shows the record number under the
    name. It does here too (analysts, who see no patient, still see neither)."""
    for mrn in ("ZW-0001", "ZW-0002"):
        made = staff.client.post(
            "/api/v1/assessments",
            json={**WALK_IN, "patient": {"mrn": mrn, "name": "张伟", "sex": "male"}},
            headers=staff.bearer(Role.nurse),
        )
        assert made.status_code == 201, made.text
        body = {"assessment_id": made.json()["id"], "to_facility": "county-hospital", "urgency": "emergency"}
        referred = staff.client.post(
            "/api/v1/referrals", json={**body, "reason": "SpO2 86"}, headers=staff.bearer(Role.clinician)
        )
        assert referred.status_code == 201, referred.text
    _in_language(staff, Role.clinician, "zh")
    page = staff.client.get("/referrals").text
    cells = re.findall(r'<td class="patient" role="cell">(.*?)</td>', page)
    assert len(cells) == 2, cells
    for cell, mrn in zip(cells, ("ZW-0002", "ZW-0001"), strict=True):  # newest first
        assert "><bdi>张伟</bdi></a>" in cell and f">{mrn}</span>" in cell, cell
    staff.login(Role.analyst)
    hidden = staff.client.get("/referrals").text
    assert "ZW-000" not in hidden and "张伟" not in hidden


def test_a_mistyped_password_keeps_the_user_name_and_puts_the_cursor_in_the_password(
    staff: Staff,
) -> None:
    """A nurse who mistyped her password got the login form back empty, the cursor in the user
    name: she typed both again. The user name is kept (never the password), the password field
    takes the focus, and both fields are described by the error above them."""
    staff.client.cookies.set("triage_lang", "zh")
    page = staff.client.post("/login", data={"username": "nurse", "password": "not-her-password"})
    assert page.status_code == 401
    assert '<p class="error" role="alert" id="login-error">用户名或密码错误。</p>' in page.text
    username = page.text.split('name="username"')[1].split(">")[0]
    password = page.text.split('name="password"')[1].split(">")[0]
    assert 'value="nurse"' in username and "autofocus" not in username, username
    assert "autofocus" in password and "value=" not in password, password
    assert 'aria-describedby="login-error"' in username and 'aria-describedby="login-error"' in password
    fresh = staff.client.get("/login").text  # a first visit: the cursor in the user name
    assert "autofocus" in fresh.split('name="username"')[1].split(">")[0]


@pytest.mark.parametrize(("language", "said"), [("en", "- not recorded -"), ("zh", "- 未记录 -")])
def test_the_walk_in_s_unknown_sex_is_said_in_words(staff: Staff, language: str, said: str) -> None:
    """The walk-in form's sex started at "-": a screen reader said "dash" (连字符), and it was not
    clear that leaving it means "not recorded". The choice says so, as the vital signs' "- not
    measured -" does; the value sent is unchanged."""
    _in_language(staff, Role.nurse, language)
    form = staff.client.get("/queue").text.split('id="walk-in"')[1].split("</form>")[0]
    assert f'<option value="unknown">{said}</option>' in form, form
