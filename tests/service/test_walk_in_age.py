"""An age given for a patient whose visit is already open today, or who has a birth date stored.

A patient has one open visit a day: a second walk-in joins the visit open today. Its age was
dropped without a word - the page led to the visit, the API added the readings and assessed the
visit again with the age it had (the age typed the second time, or the one a birth date given
makes, went nowhere) - and a visit opened for a patient with a stored birth date took an age typed
against it. Now an age that differs is refused beside its field, naming the age the visit or the
birth date has and the way to correct it (the patient page's Patient details); nothing is stored.
Real service, real SQLite, the page's own form with CSRF."""

from __future__ import annotations

import copy
import html
import re
from datetime import date, datetime
from typing import Any

from referral import store
from tests.service.conftest import WALK_IN, Staff, unspanned
from tests.service.test_walk_in_identity import _walk_in as _page_walk_in
from triage.service.auth import Role


def _counts(staff: Staff) -> tuple[object, ...]:
    db = staff.app.state.runtime.databases.get()
    return tuple(
        db.conn.execute(sql).fetchall()
        for sql in (
            "SELECT mrn, name, sex, birth_date FROM patients ORDER BY id",
            "SELECT id, age_years FROM encounters ORDER BY id",
            "SELECT count(*) FROM observations",
            "SELECT count(*) FROM assessments",
            "SELECT count(*) FROM audit",
        )
    )


def _api_walk_in(staff: Staff, mrn: str, **change: Any) -> Any:
    body = copy.deepcopy(WALK_IN)
    body["patient"]["mrn"] = mrn
    patient = change.pop("patient", {})
    body["patient"].update(patient)
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    return staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))


def test_an_api_walk_in_with_another_age_for_the_visit_open_today_is_refused(staff: Staff) -> None:
    first = _api_walk_in(staff, "AGE-1")  # age 70
    assert first.status_code == 201, first.text
    encounter = first.json()["encounter_id"]
    before = _counts(staff)
    other = _api_walk_in(staff, "AGE-1", age_years=45)
    assert other.status_code == 422, other.text
    error = other.json()["error"]
    assert error.startswith("age_years: age 45 differs from the age of the visit open today"), error
    assert f"(encounter {encounter}: age 70)" in error and "patient's details" in error
    assert other.json()["code"] == "age_mismatch"
    assert _counts(staff) == before, "nothing stored: not the readings, not an assessment"
    for same in ({"age_years": 70}, {"age_years": None}):
        joined = _api_walk_in(staff, "AGE-1", **same)
        assert joined.status_code == 201, joined.text
        assert joined.json()["visit_already_open"] is True and joined.json()["encounter_id"] == encounter


def test_a_birth_date_given_for_an_open_visit_of_another_age_is_refused_and_not_filled_in(
    staff: Staff,
) -> None:
    assert _api_walk_in(staff, "AGE-2").status_code == 201  # age 70 typed, no birth date stored
    before = _counts(staff)
    born = date(date.today().year - 50, 1, 1).isoformat()  # 49 or 50: not 70
    other = _api_walk_in(staff, "AGE-2", age_years=None, patient={"birth_date": born})
    assert other.status_code == 422, other.text
    assert other.json()["error"].startswith("patient.birth_date: "), other.text
    assert "age 70" in other.json()["error"], other.text
    assert _counts(staff) == before, "the birth date was not filled in either"


def test_an_encounter_opened_with_another_age_than_the_open_visit_or_the_birth_date_is_refused(
    staff: Staff,
) -> None:
    nurse = staff.bearer(Role.nurse)
    born = date(date.today().year - 70, 1, 1)
    age = store.age_at(born.isoformat(), datetime.now().astimezone())
    made = staff.client.post(
        "/api/v1/patients", json={"mrn": "AGE-3", "birth_date": born.isoformat()}, headers=nurse
    )
    assert made.status_code == 201, made.text
    before = _counts(staff)
    typed = staff.client.post("/api/v1/encounters", json={"mrn": "AGE-3", "age_years": 45}, headers=nurse)
    assert typed.status_code == 422, typed.text
    assert typed.json()["error"].startswith(
        f"age_years: age 45 differs from the age {age} the stored birth date {born} gives"
    ), typed.text
    assert _counts(staff) == before
    opened = staff.client.post("/api/v1/encounters", json={"mrn": "AGE-3", "age_years": age}, headers=nurse)
    assert opened.status_code == 201 and opened.json()["age_years"] == age, opened.text
    again = staff.client.post("/api/v1/encounters", json={"mrn": "AGE-3", "age_years": 45}, headers=nurse)
    assert again.status_code == 422 and "the visit open today" in again.json()["error"], again.text
    same = staff.client.post("/api/v1/encounters", json={"mrn": "AGE-3"}, headers=nurse)
    assert same.status_code == 200 and same.json()["already_open"] is True, same.text


def test_the_walk_in_page_says_the_age_differs_beside_the_field_in_both_languages(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    first = _page_walk_in(staff, csrf, mrn="AGE-4", name="王五", sex="male", age_years="70")
    assert first.status_code == 303
    visit = first.headers["location"]
    before = _counts(staff)
    for language, says in (
        ("en", "Age 45 differs from the age of this patient's visit open today (70 years)."),
        ("zh", "年龄 45 与该患者今天未结束就诊的年龄（70 岁）不一致。"),
    ):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        refused = _page_walk_in(staff, csrf, mrn="AGE-4", name="王五", sex="male", age_years="45")
        assert refused.status_code == 422
        shown = html.unescape(unspanned(refused.text))
        error = re.search(r'id="walk-in-age-error">(.*?)</p>', shown, re.S)
        assert error is not None and says in error[1], shown[-3000:]
        assert 'value="45"' in shown, "what was typed is kept"
    assert _counts(staff) == before
    blank = _page_walk_in(staff, csrf, mrn="AGE-4", name="王五", sex="male", age_years="")
    assert blank.status_code == 303 and blank.headers["location"] == visit, "no age: the open visit"


def test_a_birth_date_registered_for_a_patient_in_a_visit_of_another_age_is_not_filled_in(
    staff: Staff,
) -> None:
    """POST /api/v1/patients fills in a birth date stored blank: it was filled in while the visit
    open today kept the age typed at the walk-in, which the next assessment used."""
    csrf = staff.login(Role.nurse)
    opened = _page_walk_in(staff, csrf, mrn="AGE-5", sex="female", age_years="70")
    assert opened.status_code == 303
    encounter = int(opened.headers["location"].rsplit("/", 1)[1])
    nurse = staff.bearer(Role.nurse)
    before = _counts(staff)
    other = date(date.today().year - 50, 1, 1).isoformat()  # 49 or 50
    refused = staff.client.post("/api/v1/patients", json={"mrn": "AGE-5", "birth_date": other}, headers=nurse)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error.startswith(f"birth_date: birth date {other} gives age ") and "has age 70" in error, error
    assert f"(encounter {encounter})" in error and "patient's details" in error
    assert _counts(staff) == before, "not filled in"
    born = date(date.today().year - 70, 1, 1).isoformat()  # 70 on this visit's day
    filled = staff.client.post("/api/v1/patients", json={"mrn": "AGE-5", "birth_date": born}, headers=nurse)
    assert filled.status_code == 200 and filled.json()["birth_date"] == born, filled.text
