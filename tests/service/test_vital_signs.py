"""Readings typed by hand on the staff pages: the vital-signs form (a set of observations sent once,
stored with one time and assessed once; one bad field and none is stored) and forms that come back
with the error beside the field and what was typed kept (vital signs, walk-in). Real service, real
SQLite, forms with CSRF."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.service.conftest import Staff, unspanned
from triage.service.auth import Role

# a full set of observations as a nurse types them: temperature in °F (101.3 °F = 38.5 °C)
FULL_SET = {
    "resp_rate": "22",
    "spo2": "93",
    "supplemental_o2": "air",
    "sbp": "105",
    "dbp": "70",
    "heart_rate": "112",
    "consciousness": "A",
    "temperature": "101.3",
    "temperature_unit": "[degF]",
}


def _counts(staff: Staff, encounter_id: int) -> dict[str, int]:
    db = staff.app.state.runtime.databases.get()
    return {
        table: db.conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [value]).fetchone()[0]
        for table, column, value in (
            ("observations", "encounter_id", encounter_id),
            ("assessments", "encounter_id", encounter_id),
            ("audit", "entity_id", str(encounter_id)),
        )
    }


def _walk_in(staff: Staff, csrf: str, mrn: str) -> int:
    """A walk-in opened on the queue page's form: an encounter with no reading yet."""
    opened = staff.client.post(
        "/walk-ins",
        data={"csrf_token": csrf, "mrn": mrn, "sex": "female", "age_years": "67"},
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    return int(opened.headers["location"].rsplit("/", 1)[1])


def _vitals_form(html: str) -> str:
    return html.split('id="vitals-form"')[1].split("</form>")[0]


def _language(staff: Staff, csrf: str, language: str) -> None:
    staff.client.post("/language", data={"csrf_token": csrf, "language": language})


def test_the_vitals_form_stores_every_reading_given_with_one_time_and_one_assessment(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    encounter = _walk_in(staff, csrf, "VS-1")
    before = _counts(staff, encounter)
    sent = staff.client.post(
        f"/encounters/{encounter}/vitals", data={"csrf_token": csrf, **FULL_SET}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/encounters/{encounter}", sent.text
    after = _counts(staff, encounter)
    assert after["observations"] - before["observations"] == 8
    assert after["assessments"] - before["assessments"] == 1, "assessed once, not once per reading"
    db = staff.app.state.runtime.databases.get()
    rows = db.conn.execute(
        "SELECT code, value_num, value_text, unit, observed_at, device FROM observations WHERE encounter_id = ?",
        [encounter],
    ).fetchall()
    assert {row[0] for row in rows} == set(FULL_SET) - {"temperature_unit"}
    assert len({row[4] for row in rows}) == 1, "one observation time for the whole set"
    assert {row[5] for row in rows} == {"manual entry"}
    by_code = {row[0]: row for row in rows}
    assert by_code["temperature"][1:4:2] == (38.5, "Cel"), "101.3 °F is stored as 38.5 °C"
    assert by_code["consciousness"][2] == "A" and by_code["supplemental_o2"][2] == "air"
    # one audit entry for the set, naming every reading
    (data,) = db.conn.execute(
        "SELECT data FROM audit WHERE action = 'observations.create' AND entity_id = ?", [str(encounter)]
    ).fetchone()
    assert len(json.loads(data)["observation_ids"]) == 8
    (payload,) = db.conn.execute(
        "SELECT payload FROM assessments WHERE encounter_id = ?", [encounter]
    ).fetchone()
    news2 = json.loads(payload)["scores"]["news2"]
    # RR 22 (2) + SpO2 93 (2) + air (0) + SBP 105 (1) + HR 112 (2) + A (0) + 38.5 °C (1)
    assert news2["complete"] and news2["value"] == 8, news2
    page = staff.client.get(f"/encounters/{encounter}").text
    assert 'id="decision"' in page
    # a subset: two readings, one more assessment, blank fields are not readings
    subset = staff.client.post(
        f"/encounters/{encounter}/vitals",
        data={"csrf_token": csrf, "spo2": "96", "heart_rate": " 88 ", "sbp": "", "consciousness": ""},
        follow_redirects=False,
    )
    assert subset.status_code == 303, subset.text
    assert _counts(staff, encounter)["observations"] == after["observations"] + 2
    assert _counts(staff, encounter)["assessments"] == after["assessments"] + 1


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            {
                "form": "Nothing was recorded: correct the fields marked below",
                "spo2": "SpO2 186 % is outside the plausible range 40-100 %: the reading was not recorded.",
                "heart_rate": "heart rate: the value is not a number: the reading was not recorded.",
                "consciousness": "consciousness (ACVPU): the reading was not recorded. Give one of: A (alert),",
                "label": '<label for="vitals-heart_rate">Heart rate</label>',
            },
        ),
        (
            "zh",
            {
                "form": "未记录任何读数：请更正下方标出的栏目",
                "spo2": "血氧饱和度 186 % 超出可信范围（40-100 %），读数未记录。",
                "heart_rate": "心率：数值不是数字，读数未记录。",
                "consciousness": "意识水平（ACVPU）：读数未记录。请填写以下之一：A（清醒）",
                "label": '<label for="vitals-heart_rate">心率</label>',
            },
        ),
    ],
)
def test_a_bad_field_stores_nothing_and_the_form_comes_back_with_its_error_and_every_value(
    staff: Staff, language: str, words: dict[str, str]
) -> None:
    csrf = staff.login(Role.nurse)
    encounter = _walk_in(staff, csrf, f"VS-BAD-{language}")
    _language(staff, csrf, language)
    before = _counts(staff, encounter)
    typed = {**FULL_SET, "spo2": "186", "heart_rate": "fast", "consciousness": "X"}
    sent = staff.client.post(f"/encounters/{encounter}/vitals", data={"csrf_token": csrf, **typed})
    assert sent.status_code == 422
    assert _counts(staff, encounter) == before, "no reading, no assessment, no audit entry"
    form = _vitals_form(sent.text)
    assert words["form"] in form.split('role="alert" id="vitals-error">')[1].split("</p>")[0]
    assert words["label"] in form
    for field in ("spo2", "heart_rate", "consciousness"):
        error = unspanned(
            form.split(f'<p class="field-error" id="vitals-{field}-error">')[1].split("</p>")[0]
        )
        assert words[field] in error, (field, error)
        control = re.search(rf'<(input|select) id="vitals-{field}"[^>]*>', form)
        assert control is not None and 'aria-invalid="true"' in control[0]
        assert f"vitals-{field}-error" in control[0].split("aria-describedby=")[1], "the error is tied to it"
    assert form.count("autofocus") == 1 and 'id="vitals-spo2"' in form.split("autofocus")[0].rsplit("<", 1)[1]
    # every value typed is still there, the good ones too, and the °F choice
    for field in ("resp_rate", "spo2", "sbp", "dbp", "heart_rate", "temperature"):
        assert f'name="{field}" value="{typed[field]}"' in form, field
    assert '<option value="air" selected>' in form and '<option value="X" selected>X</option>' in form
    assert '<option value="[degF]" selected>°F</option>' in form
    # the good fields carry no error
    assert 'id="vitals-resp_rate-error"' not in form and 'id="vitals-temperature-error"' not in form
    assert '<p class="error" role="alert">' not in sent.text, "no separate error page"
    # the language switch on that page returns to the patient page, not to the form's address
    assert f'name="back" value="/encounters/{encounter}"' in sent.text


def test_an_empty_set_or_an_unknown_temperature_unit_is_refused_beside_its_field(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    encounter = _walk_in(staff, csrf, "VS-EMPTY")
    before = _counts(staff, encounter)
    empty = staff.client.post(f"/encounters/{encounter}/vitals", data={"csrf_token": csrf, "spo2": "  "})
    assert empty.status_code == 422
    assert "fill in at least one vital sign" in _vitals_form(empty.text)
    unit = staff.client.post(
        f"/encounters/{encounter}/vitals",
        data={"csrf_token": csrf, "spo2": "95", "temperature": "37", "temperature_unit": "K"},
    )
    assert unit.status_code == 422
    error = _vitals_form(unit.text).split('id="vitals-temperature-error">')[1].split("</p>")[0]
    assert "temperature: the reading was not recorded. Check the value and its unit." in error
    assert 'name="spo2" value="95"' in _vitals_form(unit.text)
    assert _counts(staff, encounter) == before, "SpO2 95 was good, but not stored alone"


def test_a_fahrenheit_temperature_typed_with_celsius_chosen_says_to_choose_fahrenheit(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    encounter = _walk_in(staff, csrf, "VS-DEGF")
    for language, hint in (
        ("en", "101.5 is a body temperature in °F: choose °F beside the field."),
        ("zh", "101.5 是华氏度的体温：请在旁边选择 °F。"),
    ):
        _language(staff, csrf, language)
        sent = staff.client.post(
            f"/encounters/{encounter}/vitals", data={"csrf_token": csrf, "temperature": "101.5"}
        )
        assert sent.status_code == 422
        error = _vitals_form(sent.text).split('id="vitals-temperature-error">')[1].split("</p>")[0]
        assert hint in error, error
    # a value that is no temperature in either unit gets no such hint
    wrong = staff.client.post(
        f"/encounters/{encounter}/vitals", data={"csrf_token": csrf, "temperature": "370"}
    )
    assert (
        wrong.status_code == 422
        and "°F" not in _vitals_form(wrong.text).split('id="vitals-temperature-error">')[1].split("</p>")[0]
    )


def test_every_vitals_control_has_a_label_and_units_are_shown_in_the_user_s_language(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    encounter = _walk_in(staff, csrf, "VS-LABELS")
    for language, per_minute in (("en", "/min"), ("zh", "次/分")):
        _language(staff, csrf, language)
        form = _vitals_form(staff.client.get(f"/encounters/{encounter}").text)
        ids = re.findall(r'<(?:input|select) id="([^"]+)"', form)
        assert len(ids) == 8
        for control in ids:
            assert f'<label for="{control}">' in form, control
        assert re.search(r'aria-label="[^"]+"', form.split('name="temperature_unit"')[1].split(">")[0])
        assert f'<span class="unit" id="vitals-heart_rate-unit">{per_minute}</span>' in form
        assert '<span class="unit" id="vitals-sbp-unit">mmHg</span>' in form


def _walk_in_form(html: str) -> str:
    return html.split('<details class="card" id="walk-in"')[1].split("</details>")[0]


@pytest.mark.parametrize(
    ("language", "age", "mrn"),
    [
        ("en", "Age &#34;abc&#34; is not valid: give whole years from 0 to 130", "Give the record number"),
        ("zh", "年龄“abc”无效：请填写 0 到 130 的整数（岁），或留空。", "请填写病历号（该栏只有空格）。"),
    ],
)
def test_a_bad_walk_in_comes_back_open_on_the_queue_with_what_was_typed(
    staff: Staff, language: str, age: str, mrn: str
) -> None:
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, language)
    db = staff.app.state.runtime.databases.get()
    patients = db.conn.execute("SELECT count(*) FROM patients").fetchone()[0]
    typed: dict[str, Any] = {"mrn": "WI-9", "name": "Wang Fang", "sex": "female", "age_years": "abc"}
    wrong = staff.client.post("/walk-ins", data={"csrf_token": csrf, **typed})
    assert wrong.status_code == 422
    form = _walk_in_form(wrong.text)
    assert form.startswith(" open>"), "the walk-in form is open"
    assert age in form.split('id="walk-in-age-error">')[1].split("</p>")[0]
    assert 'value="abc" aria-invalid="true" autofocus aria-describedby="walk-in-age-error"' in form
    assert 'value="WI-9"' in form and 'value="Wang Fang"' in form
    assert '<option value="female" selected>' in form
    blank = staff.client.post("/walk-ins", data={"csrf_token": csrf, "mrn": "   ", "name": "Li"})
    assert blank.status_code == 422
    assert mrn in _walk_in_form(blank.text).split('id="walk-in-mrn-error">')[1]
    assert db.conn.execute("SELECT count(*) FROM patients").fetchone()[0] == patients, "nobody registered"
    assert 'name="back" value="/queue"' in wrong.text


def test_the_form_model_has_a_field_for_every_vital_sign_the_page_shows() -> None:
    from triage.service.pages import vitals

    shown = {field.code for field in vitals.FIELDS} | {vitals.TEMPERATURE_UNIT}
    assert set(vitals.VitalSigns.model_fields) == shown and len(vitals.FIELDS) == 8


def test_a_walk_in_with_two_bad_fields_focuses_the_first_one_in_the_form(staff: Staff) -> None:
    """A blank record number and an age that is no number: both errors were shown, but the focus
    (autofocus) went to the age, the form's last field, because the route checks the age first; a
    keyboard user landed past the first error. The record number, first in the form, takes it."""
    csrf = staff.login(Role.nurse)
    sent = staff.client.post("/walk-ins", data={"csrf_token": csrf, "mrn": "  ", "age_years": "abc"})
    assert sent.status_code == 422
    form = _walk_in_form(sent.text)
    assert 'id="walk-in-mrn-error"' in form and 'id="walk-in-age-error"' in form, "both errors are shown"
    assert form.count("autofocus") == 1, form
    assert 'name="mrn"' in form.split("autofocus")[0].rsplit("<input", 1)[1], (
        "the record number has the focus"
    )
