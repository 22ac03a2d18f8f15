"""What one walk-in asks of the referral log: each row read once, counted statement by statement.

The real app on a real SQLite file; every statement each of its connections runs is traced
(``sqlite3.Connection.set_trace_callback``) while one walk-in of a new patient is stored. The
counts are deterministic (no timing): a row read again that the walk-in already holds is CPU spent
on every walk-in at 300 a second.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral import audit
from tests.service.conftest import WALK_IN, copy_seeded, make_settings
from triage.service import create_app
from triage.service.auth import Role


class Traced:
    """The statements the service's connections ran while :attr:`on` was set."""

    def __init__(self) -> None:
        self.on = False
        self.statements: list[str] = []
        self._lock = threading.Lock()

    def connect(self, real: Callable[..., sqlite3.Connection]) -> Callable[..., sqlite3.Connection]:
        def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = real(*args, **kwargs)
            conn.set_trace_callback(self._said)
            return conn

        return traced

    def _said(self, sql: str) -> None:
        if self.on:
            with self._lock:
                self.statements.append(" ".join(sql.split()))

    def count(self, pattern: str) -> int:
        """How many statements begin with ``pattern`` (a regular expression)."""
        return sum(1 for s in self.statements if re.match(pattern, s, re.IGNORECASE))


@pytest.fixture
def traced_walk_in(
    tmp_path: Path, seeded: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Traced, TestClient, dict[str, str]]]:
    tokens = copy_seeded(seeded, tmp_path)
    traced = Traced()
    monkeypatch.setattr(sqlite3, "connect", traced.connect(sqlite3.connect))
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as client:
        nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
        # the first walk-in makes the clinic's pseudonym secret and builds the API's routes
        first = client.post(
            "/api/v1/assessments", json={**WALK_IN, "patient": {"mrn": "S-0", "sex": "male"}}, headers=nurse
        )
        assert first.status_code == 201, first.text
        yield traced, client, nurse


def one_walk_in(
    traced: Traced, client: TestClient, headers: dict[str, str], mrn: str, *, already_open: bool = False
) -> None:
    traced.statements.clear()
    traced.on = True
    response = client.post(
        "/api/v1/assessments", json={**WALK_IN, "patient": {"mrn": mrn, "sex": "female"}}, headers=headers
    )
    traced.on = False
    assert response.status_code == 201, response.text
    assert response.json()["visit_already_open"] is already_open


def test_a_walk_in_reads_its_patient_by_record_number_once(
    traced_walk_in: tuple[Traced, TestClient, dict[str, str]],
) -> None:
    """The patient was looked up by MRN three times (registration, the patient's creation inside
    it, the visit's opening) and read back by id after its insert; once now, the new row coming
    back from its own INSERT."""
    traced, client, nurse = traced_walk_in
    one_walk_in(traced, client, nurse, "S-1")
    assert traced.count(r"SELECT \* FROM patients WHERE mrn =") == 1, traced.statements
    assert traced.count(r"SELECT \* FROM patients WHERE id =") == 0, traced.statements
    assert traced.count(r"INSERT INTO patients .* RETURNING \*") == 1, traced.statements


def test_the_walk_in_is_stored_as_before(traced_walk_in: tuple[Traced, TestClient, dict[str, str]]) -> None:
    """What the fewer statements store: one patient, one visit, its readings, one assessment, and
    the four audit entries of the chain, which still verifies."""
    traced, client, nurse = traced_walk_in
    one_walk_in(traced, client, nurse, "S-2")
    db = client.app.state.runtime.databases.get()  # type: ignore[attr-defined]
    patient = db.conn.execute("SELECT id, sex, pseudo_id FROM patients WHERE mrn = 'S-2'").fetchone()
    assert patient[1] == "female" and len(patient[2]) == 32
    (encounter,) = db.conn.execute("SELECT id FROM encounters WHERE patient_id = ?", [patient[0]]).fetchall()
    readings = db.conn.execute(
        "SELECT count(*) FROM observations WHERE encounter_id = ?", encounter
    ).fetchone()
    assert readings[0] == len(WALK_IN["observations"])  # type: ignore[arg-type]
    actions = [
        row[0]
        for row in db.conn.execute(
            "SELECT action FROM audit WHERE seq > (SELECT max(seq) - 4 FROM audit) ORDER BY seq"
        )
    ]
    assert actions == ["patient.create", "encounter.create", "observations.create", "assessment.create"]
    assert audit.verify(db).ok


def test_a_walk_in_reads_the_visit_it_opens_not_once(
    traced_walk_in: tuple[Traced, TestClient, dict[str, str]],
) -> None:
    """The visit a walk-in opens was read back by id after its insert, then again before its
    readings and before its assessment were stored (each checking it was still open); it comes
    back from its own INSERT now and is handed down, checked open as it is."""
    traced, client, nurse = traced_walk_in
    one_walk_in(traced, client, nurse, "S-3")
    assert traced.count(r"SELECT \* FROM encounters WHERE id =") == 0, traced.statements
    # (SQLite's trace names the INSERT again for the program of the table's BEFORE INSERT trigger)
    assert traced.count(r'INSERT INTO "encounters" .* RETURNING \*') >= 1, traced.statements


def test_a_walk_in_takes_one_savepoint(traced_walk_in: tuple[Traced, TestClient, dict[str, str]]) -> None:
    """The group commit runs each walk-in in a savepoint of its own; the store's five writes inside
    it each took another (SAVEPOINT referral_write / RELEASE: ten statements) that nothing rolled
    back to alone - a failure rolls the walk-in's whole savepoint back."""
    traced, client, nurse = traced_walk_in
    one_walk_in(traced, client, nurse, "S-5")
    assert traced.count(r"SAVEPOINT ") == 1, traced.statements
    assert traced.count(r"RELEASE ") == 1, traced.statements


def test_a_walk_in_reads_the_clinics_facility_once(
    traced_walk_in: tuple[Traced, TestClient, dict[str, str]],
) -> None:
    """A walk-in opening a visit read the clinic's facility row twice: once to decide whether the
    directory lists it (``Clinic.open_visit``), then again in the store to check it was there. The
    store reads it once now, in its transaction, and the visit is recorded at it as before; a
    walk-in whose readings join the visit already open today reads it not at all."""
    traced, client, nurse = traced_walk_in
    one_walk_in(traced, client, nurse, "S-6")
    assert traced.count(r"SELECT .* FROM facilities\b") == 1, traced.statements
    db = client.app.state.runtime.databases.get()  # type: ignore[attr-defined]
    (facility,) = db.conn.execute(
        "SELECT e.facility_id FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE p.mrn = 'S-6'"
    ).fetchone()
    assert facility == "clinic-demo"
    one_walk_in(traced, client, nurse, "S-6", already_open=True)
    assert traced.count(r"SELECT .* FROM facilities\b") == 0, traced.statements


def test_a_walk_in_reads_the_audit_trails_tail_once(
    traced_walk_in: tuple[Traced, TestClient, dict[str, str]],
) -> None:
    """Each of a walk-in's four audit entries read the trail's newest entry to follow it; the first
    does now, the later ones follow the entry the walk-in wrote just before - and the chain, whose
    every link and hash the check recomputes, still verifies."""
    traced, client, nurse = traced_walk_in
    one_walk_in(traced, client, nurse, "S-7")
    assert traced.count(r"SELECT seq, hash, at FROM audit ORDER BY seq DESC") == 1, traced.statements
    assert traced.count(r"INSERT INTO audit ") == 4, traced.statements
    db = client.app.state.runtime.databases.get()  # type: ignore[attr-defined]
    assert audit.verify(db).ok
