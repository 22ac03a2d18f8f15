"""An override's idempotency key (migration ``0026``, ``referral.overrides``) on real SQLite
files: it names one override in the log - used again on another assessment it is a 409
``idempotency_conflict``, where it recorded a second override (the key was looked up per
assessment); it is forgotten after the retention with the other keys (``referral.idempotency_keys``),
where it was kept for ever; a log from before the migration keeps the keys its audit entries name,
a key used on two assessments then staying with the first override; the audit trail verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from referral import audit, audit_rows, idempotency_keys, store
from referral.errors import IdempotencyConflictError
from referral.records import OverrideIn
from referral.schema import applied_migrations, connect
from referral.transactions import insert_row, utc_now, write

from .conftest import log_before, visit

MIGRATION = "0026_override_idempotency_key"
DIGEST = "a" * 64
DAY = timedelta(days=1)


def _override(db: Database, assessment_id: int, key: str, digest: str = DIGEST) -> dict[str, Any]:
    decision = OverrideIn(clinician="dr1", disposition="local_care", reason="seen in person")
    return store.override_assessment(db, assessment_id, decision, keyed=(key, digest))


def _count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM overrides").fetchone()[0])


def _verified(db: Database) -> None:
    assert audit.verify(db).ok
    rows = audit_rows.verify_rows(db)
    assert rows.ok, rows.as_dict()


def test_a_key_used_again_on_another_assessment_is_a_conflict(db: Database) -> None:
    first = visit(db, "MRN-1")["id"]
    second = visit(db, "MRN-2")["id"]
    stored = _override(db, first, "k-1")
    assert _override(db, first, "k-1") == stored  # the retry: the stored override
    with pytest.raises(
        IdempotencyConflictError, match=f'"k-1" was already used for an override of assessment {first}'
    ):
        _override(db, second, "k-1")
    assert _count(db) == 1
    assert store.overrides_for(db, second) == []
    _verified(db)


def test_an_override_key_is_forgotten_after_the_retention(db: Database) -> None:
    assessment = visit(db)["id"]
    stored = _override(db, assessment, "k-1")
    kept = idempotency_keys.purge(db, now=datetime.now(UTC) + DAY - timedelta(minutes=5), retention=DAY)
    assert kept.total == 0 and _override(db, assessment, "k-1") == stored
    report = idempotency_keys.purge(db, now=datetime.now(UTC) + DAY + timedelta(minutes=5), retention=DAY)
    assert report.cleared["overrides"] == 1 and report.entries == 1
    assert store.overrides_for(db, assessment)[0]["idempotency_key"] is None
    _verified(db)  # the purge's entry replays: the override's key cleared
    again = _override(db, assessment, "k-1")  # a forgotten key is a new request
    assert again["id"] != stored["id"] and _count(db) == 2
    _verified(db)


def _old_keyed_override(db: Database, assessment_id: int, key: str | None, clinician: str = "dr1") -> int:
    """An override as the service wrote it before migration 0026: its key in its audit entry only."""

    def work(db: Database) -> int:
        row = {
            "assessment_id": assessment_id,
            "clinician": clinician,
            "disposition": "local_care",
            "reason": "seen in person",
            "created_at": utc_now(),
        }
        row_id = insert_row(db, "overrides", row)
        keyed = {} if key is None else {"idempotency_key": key, "body_sha256": DIGEST}
        data = {"override_id": row_id, "from": "urgent_referral", "to": "local_care"}
        audit.append(
            db,
            actor=clinician,
            action="assessment.override",
            entity="assessment",
            entity_id=assessment_id,
            reason="seen in person",
            data=data | {"engine": "urgent_referral"} | keyed,
        )
        return row_id

    return int(write(db, work))


def test_a_log_from_before_the_migration_keeps_the_keys_its_trail_names(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = log_before(path, MIGRATION)
    first, second = visit(db, "MRN-1")["id"], visit(db, "MRN-2")["id"]
    keyed = _old_keyed_override(db, first, "k-1")
    reused = _old_keyed_override(db, second, "k-1")  # the same key on another assessment, then recorded
    unkeyed = _old_keyed_override(db, second, None)
    db.close()

    db = connect(path)  # migrates
    assert MIGRATION in applied_migrations(db)
    keys = dict(db.execute("SELECT id, idempotency_key FROM overrides").fetchall())
    assert keys == {keyed: "k-1", reused: None, unkeyed: None}
    _verified(db)
    assert _override(db, first, "k-1")["id"] == keyed  # the retry after the upgrade: recorded once
    with pytest.raises(IdempotencyConflictError, match="already used for an override of assessment"):
        _override(db, second, "k-1")
    assert _count(db) == 3
    report = idempotency_keys.purge(db, now=datetime.now(UTC) + DAY + timedelta(minutes=5), retention=DAY)
    assert report.cleared["overrides"] == 1
    _verified(db)
