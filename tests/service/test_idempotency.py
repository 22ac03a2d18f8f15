"""An ``idempotency_key`` used again on a walk-in, an "assess now" or a new encounter: with the
same body it is a retry and gets the stored result; with a different body it is a 409
``idempotency_conflict`` (as for referrals), never the stored result with the new readings or
context silently dropped. On a real uvicorn server and a real SQLite file; migration 0021 keeps
the rows stored before it answering as they did. The three tests on a service share one
(:func:`live`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlite_utils import Database

from referral import audit, store
from referral.audit_rows import verify_rows
from referral.migrations import MIGRATIONS
from referral.records import EncounterIn
from referral.schema import apply_migrations, connect
from tests.service.conftest import WALK_IN, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

TABLES = ("patients", "encounters", "observations", "assessments", "audit")


@dataclass
class Live:
    app: FastAPI
    client: httpx.Client

    def stored(self) -> dict[str, list[tuple[object, ...]]]:
        db = self.app.state.runtime.databases.get()
        return {t: db.conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}

    def trail_intact(self) -> None:
        db = self.app.state.runtime.databases.get()
        assert audit.verify(db).ok
        rows = verify_rows(db)
        assert rows.ok, rows.problem


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seeded: Any) -> Iterator[Live]:
    """One service for the module's three tests on one (each started its own: a copy of the seeded
    log, create_app, uvicorn). They do not interfere: each uses a key and a patient of its own
    (walk-in-1 and MRN-001, assess-1 and AN-1, visit-1 and EN-1), and "stores nothing" compares the
    whole log before and after its own refused requests."""
    tmp_path = tmp_path_factory.mktemp("idempotency")
    tokens = copy_seeded(seeded, tmp_path)
    app = create_app(make_settings(tmp_path))
    with live_server(app) as base:
        headers = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            yield Live(app, client)


def assert_conflict(response: httpx.Response, key: str, what: str) -> None:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "idempotency_conflict"
    assert response.json()["error"].startswith(
        f"idempotency key {json.dumps(key)} was already used for a different {what} (id "
    ), response.text
    assert response.json()["error"].endswith("; use a new key for a new request")


def test_a_walk_in_key_reused_with_other_readings_is_409_and_stores_nothing(live: Live) -> None:
    body = {**WALK_IN, "idempotency_key": "walk-in-1"}
    first = live.client.post("/api/v1/assessments", json=body)
    assert first.status_code == 201, first.text
    again = live.client.post("/api/v1/assessments", json=body)
    assert again.status_code == 201 and again.json() == first.json(), "a retry: the stored assessment"
    before = live.stored()
    readings = [
        {"code": "spo2", "value": 97, "unit": "%"},
        {"code": "heart_rate", "value": 72, "unit": "/min"},
    ]
    other = live.client.post("/api/v1/assessments", json={**body, "observations": readings})
    assert_conflict(other, "walk-in-1", "assessment")
    context = live.client.post("/api/v1/assessments", json={**body, "context": {"current_smoker": True}})
    assert_conflict(context, "walk-in-1", "assessment")
    assert live.stored() == before, "the second request wrote nothing"
    assert live.client.post("/api/v1/assessments", json=body).json() == first.json(), "the retry still works"
    live.trail_intact()


def _encounter_with_reading(live: Live, mrn: str) -> int:
    assert live.client.post("/api/v1/patients", json={"mrn": mrn}).status_code == 201
    encounter = live.client.post("/api/v1/encounters", json={"mrn": mrn})
    assert encounter.status_code == 201, encounter.text
    reading = [{"code": "spo2", "value": 91, "unit": "%"}]
    added = live.client.post(f"/api/v1/encounters/{encounter.json()['id']}/observations", json=reading)
    assert added.status_code == 201, added.text
    return int(encounter.json()["id"])


def test_an_assess_now_key_reused_with_other_context_is_409_and_stores_nothing(live: Live) -> None:
    encounter = _encounter_with_reading(live, "AN-1")
    body = {"idempotency_key": "assess-1", "context": {"current_smoker": True}}
    first = live.client.post(f"/api/v1/encounters/{encounter}/assessments", json=body)
    assert first.status_code == 201, first.text
    again = live.client.post(f"/api/v1/encounters/{encounter}/assessments", json=body)
    assert again.status_code == 201 and again.json() == first.json(), "a retry: the stored assessment"
    before = live.stored()
    other = live.client.post(
        f"/api/v1/encounters/{encounter}/assessments",
        json={"idempotency_key": "assess-1", "context": {"current_smoker": False, "diabetes": True}},
    )
    assert_conflict(other, "assess-1", "assessment")
    bare = live.client.post(
        f"/api/v1/encounters/{encounter}/assessments", json={"idempotency_key": "assess-1"}
    )
    assert_conflict(bare, "assess-1", "assessment")
    assert live.stored() == before, "the second request wrote nothing (nor the context it stated)"
    live.trail_intact()


def test_an_encounter_key_reused_with_another_age_is_409_and_stores_nothing(live: Live) -> None:
    assert live.client.post("/api/v1/patients", json={"mrn": "EN-1"}).status_code == 201
    body = {"mrn": "EN-1", "age_years": 54, "idempotency_key": "visit-1"}
    first = live.client.post("/api/v1/encounters", json=body)
    assert first.status_code == 201, first.text
    again = live.client.post("/api/v1/encounters", json=body)
    assert again.status_code == 201 and again.json() == first.json(), "a retry: the stored encounter"
    before = live.stored()
    other = live.client.post("/api/v1/encounters", json={**body, "age_years": 45})
    assert_conflict(other, "visit-1", "encounter")
    assert live.stored() == before
    live.trail_intact()


def test_a_key_stored_before_migration_0021_has_no_fingerprint_and_still_returns_its_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="0021_idempotency_body")
    old.execute(
        "INSERT INTO patients (mrn, sex, pseudo_id, created_at) VALUES ('OLD-1', 'female', 'p1', 'x')"
    )
    old.execute(
        "INSERT INTO encounters (patient_id, started_at, day, created_by, idempotency_key)"
        " VALUES (1, '2026-05-01T09:00:00+08:00', '2026-05-01', 'nurse1', 'old-key')"
    )
    assert apply_migrations(old)[0] == "0021_idempotency_body"
    db = connect(path)
    assert db.conn.execute("SELECT body_sha256 FROM encounters").fetchone() == (None,)
    encounter = EncounterIn(
        patient_mrn="OLD-1", started_at="2026-05-01T10:00:00+08:00", idempotency_key="old-key"
    )
    row, already_open = store.open_visit(db, encounter, actor="nurse1", reason="r", body_sha256="0" * 64)
    assert (row["id"], already_open) == (1, False), "NULL: nothing to compare, the stored row as before"
