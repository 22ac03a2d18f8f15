"""A patient's visits (``GET /api/v1/patients/{id}/encounters``) carry each visit's latest decision
- ``disposition``, ``decided_at``, ``overridden``, ``assessment_id`` - read for the whole page in
one query: a client (an EMR pulling a patient's history) had to fetch every visit apart for it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

import triage.service.database
from tests.service.conftest import Staff
from triage.service.auth import Role

NURSE = Role.nurse


def _visit(staff: Staff, mrn: str, *, assess: bool = True, close: bool = True) -> dict[str, Any]:
    """One visit of ``mrn``: opened, assessed without readings (``insufficient_data``), closed."""
    nurse = staff.bearer(NURSE)
    opened = staff.client.post("/api/v1/encounters", json={"mrn": mrn}, headers=nurse)
    assert opened.status_code == 201, opened.text
    visit = {"id": int(opened.json()["id"]), "assessment": None}
    if assess:
        assessed = staff.client.post(f"/api/v1/encounters/{visit['id']}/assessments", json={}, headers=nurse)
        assert assessed.status_code == 201, assessed.text
        visit["assessment"] = assessed.json()
    if close:
        closed = staff.client.post(
            f"/api/v1/encounters/{visit['id']}/close", json={"reason": "seen"}, headers=nurse
        )
        assert closed.status_code == 200, closed.text
    return visit


def _patient(staff: Staff, mrn: str) -> int:
    created = staff.client.post("/api/v1/patients", json={"mrn": mrn}, headers=staff.bearer(NURSE))
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _list(staff: Staff, patient_id: int, **query: Any) -> Any:
    answer = staff.client.get(
        f"/api/v1/patients/{patient_id}/encounters", params=query, headers=staff.bearer(NURSE)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_each_visit_carries_its_latest_decision_as_the_encounter_shows_it(staff: Staff) -> None:
    patient = _patient(staff, "DEC-1")
    engine = _visit(staff, "DEC-1")
    overridden = _visit(staff, "DEC-1", close=False)
    override = staff.client.post(
        f"/api/v1/assessments/{overridden['assessment']['id']}/overrides",
        json={"disposition": "routine_referral", "reason": "known patient, seen last week"},
        headers=staff.bearer(Role.clinician),
    )
    assert override.status_code == 201, override.text
    staff.client.post(
        f"/api/v1/encounters/{overridden['id']}/close",
        json={"reason": "seen", "without_referral": True},
        headers=staff.bearer(NURSE),
    )
    never = _visit(staff, "DEC-1", assess=False, close=False)

    listed = {e["id"]: e for e in _list(staff, patient)["data"]}

    decision = ("assessment_id", "disposition", "decided_at", "overridden")
    assert [listed[never["id"]][k] for k in decision] == [None, None, None, False]
    assert listed[engine["id"]]["assessment_id"] == engine["assessment"]["id"]
    assert listed[engine["id"]]["disposition"] == "insufficient_data"
    assert listed[engine["id"]]["decided_at"] == engine["assessment"]["created_at"]
    assert listed[engine["id"]]["overridden"] is False
    assert listed[overridden["id"]]["disposition"] == "routine_referral"
    assert listed[overridden["id"]]["overridden"] is True
    assert listed[overridden["id"]]["decided_at"] == override.json()["created_at"]
    for visit in listed.values():
        detail = staff.client.get(f"/api/v1/encounters/{visit['id']}", headers=staff.bearer(NURSE)).json()
        assert visit["disposition"] == detail["final_disposition"]
        if visit["decided_at"] is not None:
            assert datetime.fromisoformat(visit["decided_at"]).utcoffset() is not None


@pytest.fixture
def statements(staff: Staff, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement the service's connections run from now on (sqlite3's trace callback on
    each connection the service opens; the ones it had are closed, to be opened again traced)."""
    ran: list[str] = []
    connect: Callable[..., Any] = triage.service.database.connect

    def traced(*args: Any, **kwargs: Any) -> Any:
        db = connect(*args, **kwargs)
        conn: sqlite3.Connection = db.conn
        conn.set_trace_callback(ran.append)
        return db

    monkeypatch.setattr(triage.service.database, "connect", traced)
    staff.app.state.runtime.databases.close_all()
    return ran


def _statements_to_list(staff: Staff, statements: list[str], patient_id: int) -> int:
    statements.clear()
    body = _list(staff, patient_id, limit=500)
    assert all(e["disposition"] == "insufficient_data" for e in body["data"])
    return len(statements)


def test_the_decisions_of_a_page_take_as_many_statements_for_forty_visits_as_for_two(
    staff: Staff, statements: list[str]
) -> None:
    few = _patient(staff, "DEC-FEW")
    many = _patient(staff, "DEC-MANY")
    for _ in range(2):
        _visit(staff, "DEC-FEW")
    for _ in range(40):
        _visit(staff, "DEC-MANY")
    assert len(_list(staff, many, limit=500)["data"]) == 40

    for_few = _statements_to_list(staff, statements, few)
    for_many = _statements_to_list(staff, statements, many)

    assert for_few > 0  # the callback saw the request's statements
    assert for_many == for_few, statements
