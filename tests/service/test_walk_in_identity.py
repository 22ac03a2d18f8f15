"""A record number (MRN) that is already registered: the same patient, or refused - never renamed.

A typo in the MRN of a walk-in used to overwrite the stored name and sex of the patient the number
belongs to, and open a second visit the same day."""

from __future__ import annotations

import copy
import html
import re

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role


def _rows(staff: Staff, sql: str) -> list[tuple[object, ...]]:
    db = staff.app.state.runtime.databases.get()
    return [tuple(row) for row in db.conn.execute(sql).fetchall()]


def _stored(staff: Staff) -> tuple[object, ...]:
    return (
        _rows(staff, "SELECT mrn, name, sex, birth_date FROM patients ORDER BY id"),
        _rows(staff, "SELECT count(*) FROM encounters"),
        _rows(staff, "SELECT count(*) FROM audit"),
    )


def _walk_in(staff: Staff, csrf: str, **form: str) -> object:
    return staff.client.post("/walk-ins", data={**form, "csrf_token": csrf}, follow_redirects=False)


def test_a_walk_in_with_another_patients_record_number_is_refused_beside_the_field(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    first = _walk_in(staff, csrf, mrn="ID-1", name="张三", sex="male", age_years="40")
    assert first.status_code == 303
    before = _stored(staff)
    for language, says in (
        ("en", "Record number ID-1 already belongs to another patient (张*). Check the number"),
        ("zh", "病历号 ID-1 已属于另一位患者（张*）。请核对病历号"),
    ):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        for name, sex in (("李四", "male"), ("张三", "female")):
            typo = _walk_in(staff, csrf, mrn=" ID-1 ", name=name, sex=sex, age_years="52")
            assert typo.status_code == 422, typo.status_code
            page = html.unescape(typo.text)
            error = re.search(r'id="walk-in-mrn-error">(.*?)</p>', page)
            assert error is not None and says in error[1], page[-1500:]
            assert "张三" not in error[1], "the stored name is shown masked"
            for typed in (f'value="{name}"', 'value=" ID-1 "', 'value="52"'):
                assert typed in page, typed
    assert _stored(staff) == before, "nothing stored: the patient keeps its name and sex"


def test_the_same_patient_again_leads_to_todays_open_visit(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    first = _walk_in(staff, csrf, mrn="ID-2", name="Wang  Fang", sex="female", age_years="30")
    assert first.status_code == 303
    before = _stored(staff)
    again = _walk_in(staff, csrf, mrn="ID-2", name=" wang fang ", sex="female", age_years="30")
    assert again.status_code == 303, again.text[-800:]
    assert again.headers["location"] == first.headers["location"], "the visit already open today"
    assert _stored(staff) == before, "no second visit, the record unchanged"
    said = staff.client.get(again.headers["location"]).text
    assert "This patient already has a visit open today" in said


def test_the_api_refuses_another_patients_record_number_naming_the_field(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post(
        "/api/v1/patients", json={"mrn": "ID-3", "name": "Li Na", "sex": "female"}, headers=nurse
    )
    assert made.status_code == 201 and made.json()["already_registered"] is False, made.text
    before = _stored(staff)
    renamed = staff.client.post(
        "/api/v1/patients", json={"mrn": "ID-3", "name": "Zhou Wei", "sex": "male"}, headers=nurse
    )
    assert renamed.status_code == 422, renamed.text
    assert renamed.json()["error"].startswith('mrn: record number "ID-3" is already registered'), renamed.text
    assert "Li Na" not in renamed.text and "L*" in renamed.text
    assert renamed.json()["code"] == "patient_mismatch"
    body = copy.deepcopy(WALK_IN)
    body["patient"] = {"mrn": "ID-3", "name": "Zhou Wei", "sex": "female"}
    walk_in = staff.client.post("/api/v1/assessments", json=body, headers=nurse)
    assert walk_in.status_code == 422, walk_in.text
    assert walk_in.json()["error"].startswith('patient.mrn: record number "ID-3"'), walk_in.text
    assert _stored(staff) == before, "nothing stored"
    same = staff.client.post(
        "/api/v1/patients", json={"mrn": "ID-3", "name": "LI NA", "sex": "female"}, headers=nurse
    )
    # found, not created: 200 with the stored record (as POST /api/v1/encounters's already_open)
    assert same.status_code == 200 and same.json()["already_registered"] is True, same.text
    assert {**same.json(), "already_registered": False} == made.json(), "the stored record, as stored"
    assert _stored(staff) == before, "nothing written"


def test_details_stored_blank_are_filled_in_and_audited(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    first = staff.client.post("/api/v1/patients", json={"mrn": "ID-4"}, headers=nurse)  # as a device does
    assert first.status_code == 201 and first.json()["name"] is None, first.text
    named = staff.client.post(
        "/api/v1/patients", json={"mrn": "ID-4", "name": "Chen Jie", "sex": "male"}, headers=nurse
    )
    assert named.status_code == 200 and named.json()["already_registered"] is True, named.text
    assert named.json()["id"] == first.json()["id"]
    assert (named.json()["name"], named.json()["sex"]) == ("Chen Jie", "male")
    actions = _rows(staff, "SELECT action FROM audit WHERE entity = 'patient' ORDER BY seq")
    assert actions[-2:] == [("patient.create",), ("patient.update",)]
    other = staff.client.post("/api/v1/patients", json={"mrn": "ID-4", "name": "Chen Li"}, headers=nurse)
    assert other.status_code == 422 and other.json()["error"].startswith("mrn: "), other.text
