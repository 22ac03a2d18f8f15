"""Readings stored under an idempotency key (migration ``0024``, ``referral.observation_requests``)
on real SQLite files: a log from before the migration opens, keeps its readings and takes keyed
readings after it; the key's row is written in the readings' own transaction, so two writer
processes retrying one request store it once; the audit trail still verifies."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from referral import audit, audit_rows, facilities, store
from referral.errors import IdempotencyConflictError
from referral.records import ObservationIn
from referral.schema import applied_migrations, connect

from .conftest import log_before, visit

MIGRATION = "0024_observation_requests"
DIGEST = "a" * 64


def _readings(value: float = 38.2) -> list[ObservationIn]:
    return [
        ObservationIn(
            code="temperature", value_num=value, unit="Cel", observed_at="2026-05-01T09:05:00+08:00"
        )
    ]


def _keyed(path: Path, key: str) -> list[int]:
    return store.add_observations(
        connect(path), 1, _readings(), actor="bridge", reason="manual entry", keyed=(key, DIGEST)
    )


def test_a_log_from_before_the_migration_opens_and_takes_keyed_readings(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = log_before(path, MIGRATION)
    encounter = visit(db)["encounter_id"]
    unkeyed = store.add_observations(db, encounter, _readings(), actor="nurse1", reason="manual entry")
    db.close()

    db = connect(path)  # migrates
    assert MIGRATION in applied_migrations(db)
    first = store.add_observations(
        db, encounter, _readings(), actor="b", reason="manual entry", keyed=("k", DIGEST)
    )
    again = store.add_observations(
        db, encounter, _readings(), actor="b", reason="manual entry", keyed=("k", DIGEST)
    )
    assert again == first and first != unkeyed
    with pytest.raises(IdempotencyConflictError, match='"k" was already used for different readings'):
        store.add_observations(
            db, encounter, _readings(), actor="b", reason="manual entry", keyed=("k", "b" * 64)
        )
    stored = db.execute("SELECT count(*) FROM observations WHERE encounter_id = ?", [encounter]).fetchone()[0]
    assert stored == 2
    assert audit.verify(db).ok and audit_rows.verify_rows(db).ok


def test_two_writer_processes_retrying_one_request_store_it_once(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    visit(db)
    db.close()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        answers = pool.starmap(_keyed, [(path, "retry-1")] * 8)
    assert len({tuple(a) for a in answers}) == 1
    db = connect(path)
    assert db.execute("SELECT count(*) FROM observations").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM observation_requests").fetchone()[0] == 1


def test_a_key_row_changed_or_added_behind_the_application_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    encounter = visit(db)["encounter_id"]
    for key in ("b-key", "a-key"):
        store.add_observations(
            db, encounter, _readings(), actor="bridge", reason="manual entry", keyed=(key, DIGEST)
        )
    report = audit_rows.verify_rows(db)
    assert report.ok and report.rows["observation_requests"] == 2, report
    raw = sqlite3.connect(path)
    raw.execute("UPDATE observation_requests SET observation_ids = '[99]' WHERE idempotency_key = 'b-key'")
    raw.commit()
    report = audit_rows.verify_rows(db)
    assert (report.table, report.row_id) == ("observation_requests", '["bridge","b-key"]'), report
    assert report.problem is not None and report.problem.startswith("observation_ids is '[99]'")
    raw.execute("UPDATE observation_requests SET observation_ids = '[1]' WHERE idempotency_key = 'b-key'")
    raw.execute(
        "INSERT INTO observation_requests (encounter_id, idempotency_key, body_sha256, observation_ids,"
        " created_at, created_by) VALUES (?, 'c-key', ?, '[1]', 'now', 'sqlite3')",
        [encounter, DIGEST],
    )
    raw.commit()
    raw.close()
    report = audit_rows.verify_rows(db)
    assert (report.table, report.row_id) == ("observation_requests", '["sqlite3","c-key"]'), report
