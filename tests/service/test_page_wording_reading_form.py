"""The reading form on the staff patient page in both languages: a reading triage cannot take is
explained beside its field, units typed as the page shows them, no preselected measurement, and the
measurements grouped as a nurse works. Real service, real SQLite, forms with CSRF."""

from __future__ import annotations

import re

from tests.service.conftest import WALK_IN, Staff, unspanned
from tests.service.test_page_wording import _language, _walk_in
from triage.service.auth import Role


def _reading_form(html: str) -> str:
    return html.split('id="reading-form"')[1].split("</form>")[0]


def test_a_reading_triage_cannot_take_is_explained_beside_its_field_with_what_was_typed_kept(
    staff: Staff,
) -> None:
    made = _walk_in(staff, "E-1")
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{made['encounter_id']}"
    expected = {
        "en": (
            "SpO2 186 % is outside the plausible range 40-100 %: the reading was not recorded.",
            "heart rate: the value is not a number: the reading was not recorded.",
        ),
        "zh": ("血氧饱和度 186 % 超出可信范围（40-100 %），读数未记录。", "心率：数值不是数字，读数未记录。"),
    }
    for language, (sentence, no_number) in expected.items():
        _language(staff, csrf, language)
        typed = staff.client.post(
            f"{page}/readings", data={"csrf_token": csrf, "code": "spo2", "value": "186", "unit": "%"}
        )
        assert typed.status_code == 422
        form = _reading_form(typed.text)  # the patient page again, the form as it was sent
        error = unspanned(form.split('<p class="field-error" id="reading-value-error">')[1].split("</p>")[0])
        record = "spo2: value 186 % is outside the plausible range 40-100 %"
        assert sentence in error and (record in error) == (language != "en"), (
            "the engine's words under it - not on an English page, where they said it twice"
        )
        assert 'value="186" aria-invalid="true" autofocus aria-describedby="reading-value-error"' in form
        assert '<option value="spo2" selected>' in form and 'name="unit" maxlength="32" value="%"' in form
        assert '<p class="error" role="alert">' not in typed.text, "no separate error page"
        words = staff.client.post(
            f"{page}/readings", data={"csrf_token": csrf, "code": "heart_rate", "value": "fast", "unit": ""}
        )
        assert words.status_code == 422 and no_number in _reading_form(words.text)
        assert 'value="fast" aria-invalid="true"' in _reading_form(words.text)
    observations = staff.client.get(
        f"/api/v1/encounters/{made['encounter_id']}", headers=staff.bearer(Role.nurse)
    )
    assert len(observations.json()["observations"]) == len(WALK_IN["observations"]), "nothing was stored"
    back = f'<a href="{page}">'
    closed = staff.client.post(
        f"{page}/close", data={"csrf_token": csrf, "reason": "went home", "without_referral": "1"}
    )
    assert closed.status_code == 200
    again = staff.client.post(f"{page}/assess", data={"csrf_token": csrf})
    assert again.status_code == 409 and back in again.text, "any form on the patient page leads back to it"


def test_a_unit_typed_as_the_page_shows_it_is_understood(staff: Staff) -> None:
    made = _walk_in(staff, "T-1")
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, "zh")
    page = f"/encounters/{made['encounter_id']}"
    form = staff.client.get(page).text.split('id="reading-form"')[1].split("</form>")[0]
    assert '<option value="heart_rate">心率（次/分）</option>' in form and "(/min)" not in form
    assert '<option value="creatinine">肌酐（μmol/L）</option>' in form
    for code, value, unit in (
        ("heart_rate", "96", "次/分"),
        ("creatinine", "88", "μmol/L"),
        ("sbp", "150", "mmHg"),
    ):
        typed = staff.client.post(
            f"{page}/readings", data={"csrf_token": csrf, "code": code, "value": value, "unit": unit}
        )
        assert typed.status_code == 200, typed.text  # back on the patient page
    stored = staff.client.get(f"/api/v1/encounters/{made['encounter_id']}", headers=staff.bearer(Role.nurse))
    units = {o["code"]: o["unit"] for o in stored.json()["observations"] if o["device"] == "manual entry"}
    assert units == {"heart_rate": "/min", "creatinine": "umol/L", "sbp": "mm[Hg]"}
    wrong = staff.client.post(
        f"{page}/readings", data={"csrf_token": csrf, "code": "heart_rate", "value": "96", "unit": "次"}
    )
    assert (
        wrong.status_code == 422
        and "心率：不能使用单位 次，单位请留空（即为 次/分）。读数未记录。" in wrong.text
    )


def test_the_reading_form_preselects_no_measurement_and_says_what_a_blank_unit_means(staff: Staff) -> None:
    made = _walk_in(staff, "C-1")
    csrf = staff.login(Role.nurse)
    for language, choose, unit in (
        ("en", "- choose the measurement -", "Unit (leave blank for the unit in brackets above)"),
        ("zh", "- 选择测量项目 -", "单位（留空即为上方括号中的单位）"),
    ):
        _language(staff, csrf, language)
        form = staff.client.get(f"/encounters/{made['encounter_id']}").text.split('id="reading-form"')[1]
        form = form.split("</form>")[0]
        assert f'<select name="code" required><option value="">{choose}</option>' in form
        assert " selected" not in form, "the nurse picks the measurement; none is taken for granted"
        assert f"{unit} <input" in form and "canonical" not in form


def test_the_reading_form_groups_the_measurements_as_a_nurse_works_in_both_languages(staff: Staff) -> None:
    made = _walk_in(staff, "C-2")
    csrf = staff.login(Role.nurse)
    for language, groups in (
        (
            "en",
            ["Vital signs (observed at the bedside)", "Body measurements", "Laboratory", "Urine dipstick"],
        ),
        ("zh", ["生命体征（床旁观察）", "身体测量", "化验", "尿液试纸"]),
    ):
        _language(staff, csrf, language)
        form = staff.client.get(f"/encounters/{made['encounter_id']}").text.split('id="reading-form"')[1]
        select = form.split("</select>")[0]
        assert re.findall(r'<optgroup label="([^"]+)">', select) == groups
        chunks = dict(zip(groups, select.split("<optgroup")[1:], strict=True))
        vital = re.findall(r'<option value="(\w+)">', chunks[groups[0]])
        assert vital == [
            "resp_rate",
            "spo2",
            "supplemental_o2",
            "sbp",
            "dbp",
            "heart_rate",
            "consciousness",
            "temperature",
        ], "the NEWS2 chart's order, the same in both languages"
        assert re.findall(r'<option value="(\w+)">', chunks[groups[3]])[0] == "urine_protein"
        laboratory = chunks[groups[2]]
        assert "total_cholesterol" in laboratory and "creatinine" in laboratory and "urine_" not in laboratory
