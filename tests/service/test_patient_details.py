"""Correcting a stored name, sex or birth date (a typo at registration): with a reason, the old and new values,
who and why in the append-only audit trail, and that history on the patient page.

There was no way to do it: registering never changes a stored patient (test_walk_in_identity.py),
so a name misspelt at registration stayed for ever."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from typing import Any

from referral import audit, audit_rows, store
from tests.service.conftest import Staff, unspanned
from triage.service.auth import Role
from triage.service.pages.rendering import ident


def _visit(staff: Staff, mrn: str, name: str, sex: str) -> tuple[int, int]:
    """A patient registered as typed and a visit opened: ``(patient id, encounter id)``."""
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post("/api/v1/patients", json={"mrn": mrn, "name": name, "sex": sex}, headers=nurse)
    assert made.status_code == 201, made.text
    opened = staff.client.post("/api/v1/encounters", json={"mrn": mrn}, headers=nurse)
    assert opened.status_code == 201, opened.text
    return int(made.json()["id"]), int(opened.json()["id"])


def _trail(staff: Staff, patient_id: int) -> list[dict[str, Any]]:
    return audit.entries_for(staff.app.state.runtime.databases.get(), "patient", patient_id)


def test_a_nurse_corrects_a_misspelt_name_and_the_trail_keeps_both(staff: Staff) -> None:
    patient_id, _ = _visit(staff, "PD-1", "Wang Fnag", "male")
    nurse = staff.bearer(Role.nurse)
    fixed = staff.client.post(
        f"/api/v1/patients/{patient_id}/corrections",
        json={"name": "Wang Fang", "sex": "female", "reason": " misspelt at registration "},
        headers=nurse,
    )
    assert fixed.status_code == 201, fixed.text
    body = fixed.json()
    assert (body["patient"]["name"], body["patient"]["sex"], body["patient"]["mrn"]) == (
        "Wang Fang",
        "female",
        "PD-1",
    )
    correction = body["correction"]
    assert correction["before"] == {"name": "Wang Fnag", "sex": "male"}
    assert correction["after"] == {"name": "Wang Fang", "sex": "female"}
    assert (correction["actor"], correction["reason"]) == ("nurse", "misspelt at registration")
    listed = staff.client.get(f"/api/v1/patients/{patient_id}/corrections", headers=nurse)
    assert listed.json() == [correction]
    stored = staff.client.get(f"/api/v1/patients/{patient_id}", headers=nurse).json()
    assert (stored["name"], stored["sex"]) == ("Wang Fang", "female")
    entry = _trail(staff, patient_id)[-1]
    assert (entry["action"], entry["actor"], entry["reason"]) == (
        "patient.correct",
        "nurse",
        "misspelt at registration",
    )
    db = staff.app.state.runtime.databases.get()
    assert audit.verify(db).ok
    rows = audit_rows.verify_rows(db)
    assert rows.ok, rows.problem  # the corrected row is what the trail says, not an edit behind its back
    # the corrected details are the patient's now: registering with the old typo is refused
    again = staff.client.post("/api/v1/patients", json={"mrn": "PD-1", "name": "Wang Fnag"}, headers=nurse)
    assert again.status_code == 422, again.text


def test_a_correction_without_a_reason_or_changing_nothing_is_refused_naming_the_field(staff: Staff) -> None:
    patient_id, _ = _visit(staff, "PD-2", "Li Na", "female")
    nurse = staff.bearer(Role.nurse)
    before = _trail(staff, patient_id)
    url = f"/api/v1/patients/{patient_id}/corrections"
    for body, field in (
        ({"name": "Li Na2"}, "reason"),
        ({"name": "Li Na2", "reason": "   "}, "reason"),
        ({"name": "  ", "reason": "typo"}, "name"),
        ({"sex": "other", "reason": "typo"}, "sex"),
    ):
        refused = staff.client.post(url, json=body, headers=nurse)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"].startswith(f"{field}: "), refused.text
    same = staff.client.post(url, json={"name": " li  na ", "sex": "female", "reason": "typo"}, headers=nurse)
    assert same.status_code == 201, "the name's spacing and case are a correction too"
    nothing = staff.client.post(url, json={"name": " li  na", "reason": "typo"}, headers=nurse)
    assert nothing.status_code == 422 and "nothing to correct" in nothing.json()["error"], nothing.text
    neither = staff.client.post(url, json={"reason": "typo"}, headers=nurse)
    assert neither.status_code == 422 and '"name", the "sex" or the "birth_date"' in neither.json()["error"]
    assert len(_trail(staff, patient_id)) == len(before) + 1, "only the one correction was recorded"
    unknown = staff.client.post(
        "/api/v1/patients/999/corrections", json={"name": "X", "reason": "r"}, headers=nurse
    )
    assert unknown.status_code == 404, unknown.text
    integrator = staff.client.post(
        url, json={"name": "X", "reason": "r"}, headers=staff.bearer(Role.integrator)
    )
    assert integrator.status_code == 403, integrator.text


def test_the_patient_page_corrects_with_a_reason_and_shows_the_history(staff: Staff) -> None:
    patient_id, encounter_id = _visit(staff, "PD-3", "张山", "male")
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{encounter_id}"
    assert 'id="no-patient-corrections"' in staff.client.get(page).text
    before = _trail(staff, patient_id)
    sent = {"name": "张三", "sex": "male", "reason": "", "csrf_token": csrf}
    refused = staff.client.post(f"{page}/patient-details", data=sent, follow_redirects=False)
    assert refused.status_code == 422
    shown = html.unescape(refused.text)
    error = re.search(r'id="patient-reason-error">(.*?)</p>', shown)
    assert error is not None and "Please give a reason" in error[1], shown[-2000:]
    assert 'value="张三"' in shown, "what was typed is kept"
    assert _trail(staff, patient_id) == before, "nothing stored"
    done = staff.client.post(
        f"{page}/patient-details", data={**sent, "reason": "同音字登记错误"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == page
    shown = html.unescape(staff.client.get(page).text)
    assert "<h1>Patient: <bdi>张三</bdi>" in shown  # a name isolated (test_api_name_bidi)
    history = re.search(r'<ul id="patient-corrections">(.*?)</ul>', shown, re.S)
    assert history is not None, shown[-2000:]
    assert f"{ident('nurse')}: name <bdi>张山</bdi> → <bdi>张三</bdi> (reason: 同音字登记错误)" in history[1]
    assert "Patient details corrected" in shown


def _text(page: str) -> str:
    """The page's text, its tags taken out (a user name is a span of its own)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _born(years: int) -> str:
    """A birth date ``years`` (or one fewer) before today, on the 2nd of March or of April."""
    return date(date.today().year - years, 3 if date.today().month > 3 else 4, 2).isoformat()


def _age(born: str | None) -> int | None:
    return store.age_at(born, datetime.now().astimezone())


def test_a_birth_date_is_corrected_the_visit_takes_its_age_and_the_trail_keeps_both(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    typo, right = _born(70), _born(61)
    made = staff.client.post("/api/v1/patients", json={"mrn": "PD-4", "birth_date": typo}, headers=nurse)
    assert made.status_code == 201, made.text
    patient_id = int(made.json()["id"])
    encounter = staff.client.post("/api/v1/encounters", json={"mrn": "PD-4"}, headers=nurse).json()
    assert encounter["age_years"] == _age(typo)
    fixed = staff.client.post(
        f"/api/v1/patients/{patient_id}/corrections",
        json={"birth_date": right, "name": None, "reason": "year typed wrong"},
        headers=nurse,
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["patient"]["birth_date"] == right
    correction = fixed.json()["correction"]
    assert (correction["before"], correction["after"]) == ({"birth_date": typo}, {"birth_date": right})
    listed = staff.client.get(f"/api/v1/patients/{patient_id}/corrections", headers=nurse).json()
    assert listed == [correction]
    visit = staff.client.get(f"/api/v1/encounters/{encounter['id']}", headers=nurse).json()
    assert visit["encounter"]["age_years"] == _age(right), "the visit's age is the corrected date's"
    db = staff.app.state.runtime.databases.get()
    aged = audit.entries_for(db, "encounter", encounter["id"])[-1]
    assert aged["action"] == "encounter.age_correct"
    assert aged["data"] == {"before": {"age_years": _age(typo)}, "after": {"age_years": _age(right)}}
    assert audit.verify(db).ok
    rows = audit_rows.verify_rows(db)
    assert rows.ok, rows.problem
    csrf = staff.login(Role.nurse)
    shown = _text(staff.client.get(f"/encounters/{encounter['id']}").text)
    assert f"nurse: birth date {typo} → {right} (reason: year typed wrong)" in shown
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    shown = _text(staff.client.get(f"/encounters/{encounter['id']}").text)
    assert f"出生日期 {typo} → {right}（原因：year typed wrong）" in shown
    # the old date is no longer this patient's: registering with it is a mismatch
    again = staff.client.post("/api/v1/patients", json={"mrn": "PD-4", "birth_date": typo}, headers=nurse)
    assert again.status_code == 422 and "the birth_date differs" in again.json()["error"], again.text


def test_a_birth_date_that_is_no_date_in_the_future_or_too_old_is_refused_naming_the_field(
    staff: Staff,
) -> None:
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post("/api/v1/patients", json={"mrn": "PD-5", "name": "Zhao Liu"}, headers=nurse)
    patient_id = int(made.json()["id"])
    url = f"/api/v1/patients/{patient_id}/corrections"
    before = _trail(staff, patient_id)
    future = date.today().replace(year=date.today().year + 1, day=1).isoformat()
    for given in ("1956-02-30", "02/03/1956", future, "1850-01-01", 19560302, True):
        refused = staff.client.post(url, json={"birth_date": given, "reason": "typo"}, headers=nurse)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"].startswith("birth_date: "), refused.text
    assert _trail(staff, patient_id) == before
    # a birth date stored blank is set by a correction: before it, none
    born = _born(40)
    fixed = staff.client.post(url, json={"birth_date": born, "reason": "date of birth found"}, headers=nurse)
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["correction"]["before"] == {"birth_date": None}
    same = staff.client.post(url, json={"birth_date": born, "reason": "again"}, headers=nurse)
    assert same.status_code == 422 and "nothing to correct" in same.json()["error"], same.text


def test_the_patient_page_corrects_the_birth_date_and_keeps_what_was_typed_when_refused(
    staff: Staff,
) -> None:
    typo, right = _born(70), _born(61)
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post(
        "/api/v1/patients", json={"mrn": "PD-6", "name": "Sun Qi", "birth_date": typo}, headers=nurse
    )
    patient_id = int(made.json()["id"])
    encounter_id = staff.client.post("/api/v1/encounters", json={"mrn": "PD-6"}, headers=nurse).json()["id"]
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{encounter_id}"
    assert 'name="birth_date" type="date"' in staff.client.get(page).text
    assert f'value="{typo}"' in staff.client.get(page).text, "the form starts from the stored date"
    before = _trail(staff, patient_id)
    sent = {"name": "Sun Qi", "sex": "unknown", "reason": "year typed wrong", "csrf_token": csrf}
    for language, typed, says in (
        ("en", "1956-02-30", "“1956-02-30” is not a date: give year, month and day"),
        ("zh", "1956-02-30", "“1956-02-30”不是日期"),
        ("en", "1850-03-02", "The birth date 1850-03-02 is not between"),
        ("zh", "1850-03-02", "出生日期 1850-03-02 不在"),
        ("en", "", "Give the right birth date: a birth date cannot be corrected to nothing."),
    ):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        refused = staff.client.post(
            f"{page}/patient-details", data={**sent, "birth_date": typed}, follow_redirects=False
        )
        assert refused.status_code == 422
        shown = html.unescape(unspanned(refused.text))
        error = re.search(r'id="patient-birth-date-error">(.*?)</p>', shown, re.S)
        assert error is not None and says in error[1], shown[-3000:]
        assert 'name="birth_date" type="date"' in shown and f'value="{typed}"' in shown, "typed kept"
    assert _trail(staff, patient_id) == before, "nothing stored"
    staff.client.post("/language", data={"csrf_token": csrf, "language": "en"})
    done = staff.client.post(
        f"{page}/patient-details", data={**sent, "birth_date": right}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    shown = _text(staff.client.get(page).text)
    assert f"birth date {typo} → {right} (reason: year typed wrong)" in shown
    assert f"· {_age(right)} years" in shown, "the visit's age is the corrected date's"


def test_a_correction_pressed_again_after_no_answer_is_said_done(staff: Staff) -> None:
    """The patient-details form sent again (pressed after app.js said there was no answer, the first
    press recorded) came back as an error, "the name, sex and birth date given are the ones stored;
    nothing to correct", as though nothing had been done; now it is said done, recorded once. The
    same details sent with another reason, or by someone else, are still refused so."""
    patient_id, encounter_id = _visit(staff, "PD-AGAIN", "张山", "male")
    csrf = staff.login(Role.nurse)
    page = f"/encounters/{encounter_id}"
    sent = {"name": "张三", "sex": "male", "reason": "同音字登记错误", "csrf_token": csrf}
    for _press in range(2):
        done = staff.client.post(f"{page}/patient-details", data=sent, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == page
    db = staff.app.state.runtime.databases.get()
    assert [e["action"] for e in audit.entries_for(db, "patient", patient_id)].count("patient.correct") == 1
    other = staff.client.post(
        f"{page}/patient-details", data={**sent, "reason": "again"}, follow_redirects=False
    )
    assert other.status_code == 422 and "nothing to correct" in html.unescape(other.text)
