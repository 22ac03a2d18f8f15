"""A patient record number (MRN) with a control or invisible character (tab, line feed, NUL, ESC,
zero-width space) is refused where it comes in - the API, the walk-in page (the CLI's ``--mrn``:
``tests/referral/test_associations_cli.py``) - by one check (``referral.records.check_record_number``)
naming the field; nothing is stored. A number stored before the check stays readable."""

from __future__ import annotations

import pytest

from referral import store
from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role

BAD = ["MRN\t7", "MRN\n7", "MRN\x007", "MRN\x1b[2J7", "MRN\u200b7", "MRN\x7f7"]


def patients(staff: Staff) -> int:
    return int(staff.client.get("/api/v1/patients", headers=staff.bearer(Role.nurse)).json()["count"])


@pytest.mark.parametrize("bad", BAD)
def test_the_api_refuses_a_record_number_with_a_control_character(staff: Staff, bad: str) -> None:
    nurse = staff.bearer(Role.nurse)
    for path, body in (
        ("/api/v1/patients", {"mrn": bad}),
        ("/api/v1/assessments", {**WALK_IN, "patient": {"mrn": bad}}),
        ("/api/v1/encounters", {"mrn": bad}),
    ):
        response = staff.client.post(path, json=body, headers=nurse)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert "mrn: the record number has a control or invisible character (U+" in error, error
        assert "at character 4" in error
        assert bad not in error, "the value (patient data) is not echoed"
    assert patients(staff) == 0


@pytest.mark.parametrize("bad", ["W\t1", "W\x1b[31m1", "W\x001"])
def test_the_walk_in_page_refuses_a_record_number_with_a_control_character(staff: Staff, bad: str) -> None:
    csrf = staff.login(Role.nurse)
    response = staff.client.post(
        "/walk-ins", data={"csrf_token": csrf, "mrn": bad, "sex": "female"}, follow_redirects=False
    )
    assert response.status_code == 422
    assert "The record number has a control or invisible character" in response.text
    assert "at character 2" in response.text
    assert patients(staff) == 0


def test_a_record_number_stored_before_the_check_stays_readable(staff: Staff) -> None:
    """A row an earlier version stored (inserted here directly) is listed, shown and still gets
    its device results and new encounters through the service's own paths."""
    db = staff.app.state.runtime.databases.get()
    db.execute(
        "INSERT INTO patients (mrn, sex, pseudo_id, created_at)"
        " VALUES ('OLD\t42', 'female', 'p-old-42', '2026-05-01T09:00:00+00:00')"
    )
    db.conn.commit()
    listed = staff.client.get("/api/v1/patients", headers=staff.bearer(Role.nurse)).json()
    assert [p["mrn"] for p in listed["data"]] == ["OLD\t42"]
    clinic = staff.app.state.runtime.extras["clinic"]  # as the device pipeline opens one
    encounter = clinic.open_encounter(db, "OLD\t42", actor="device-gateway")
    staff.login(Role.nurse)
    assert staff.client.get(f"/encounters/{encounter['id']}").status_code == 200
    assert staff.client.get("/").status_code == 200
    assert store.find_patient(db, "OLD\t42") is not None
