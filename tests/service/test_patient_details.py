"""Correcting a stored name or sex (a typo at registration): with a reason, the old and new values,
who and why in the append-only audit trail, and that history on the patient page.

There was no way to do it: registering never changes a stored patient (test_walk_in_identity.py),
so a name misspelt at registration stayed for ever."""

from __future__ import annotations

import html
import re
from typing import Any

from referral import audit, audit_rows
from tests.service.conftest import Staff
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
    assert neither.status_code == 422 and "'name' or the 'sex'" in neither.json()["error"], neither.text
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
    assert "<h1>Patient: 张三" in shown
    history = re.search(r'<ul id="patient-corrections">(.*?)</ul>', shown, re.S)
    assert history is not None, shown[-2000:]
    assert f"{ident('nurse')}: name 张山 → 张三 (reason: 同音字登记错误)" in history[1]
    assert "Patient details corrected" in shown
