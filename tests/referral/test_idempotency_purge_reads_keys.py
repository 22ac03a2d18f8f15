"""The hourly purge's look for keys to forget reads the keys still kept, not every row of the log:
``idempotency_key IS NOT NULL ... ORDER BY id`` made SQLite walk each keyed table in id order,
through every visit and assessment whose key was forgotten long ago (30-100 ms at 20,000 rows, and
the whole table read from disk every hour, where the docs said one indexed read). It reads the
key's index now. Counted in SQLite's own steps on a real log (no timing): they do not grow with the
rows whose keys are gone."""

from __future__ import annotations

import json
from pathlib import Path

from sqlite_utils import Database

from referral import idempotency_keys
from referral.schema import connect

KEPT = 5
BEFORE = "2026-12-05T00:00:00.000+00:00"


def _log(path: Path, forgotten: int) -> Database:
    """A log with ``forgotten`` visits and assessments whose keys were purged, and :data:`KEPT` with
    keys stored after ``BEFORE`` (nothing to forget)."""
    db = connect(path)
    payload = json.dumps({"reasons": ["a reason"] * 20})
    with db.conn:
        for i in range(1, forgotten + KEPT + 1):
            key = f"k{i}" if i > forgotten else None
            db.conn.execute(
                "INSERT INTO patients (id, mrn, sex, pseudo_id, created_at) VALUES (?, ?, 'female', ?, 't')",
                [i, f"M{i}", f"p{i}"],
            )
            db.conn.execute(
                "INSERT INTO encounters (id, patient_id, started_at, day, idempotency_key, created_by)"
                " VALUES (?, ?, '2026-12-06T09:00:00+08:00', '2026-12-06', ?, 'nurse')",
                [i, i, key],
            )
            db.conn.execute(
                "INSERT INTO assessments (id, encounter_id, idempotency_key, request_sha256, created_at,"
                " created_by, disposition, urgency_rank, policy_version, engine_version, model_versions,"
                " red_flags, risks, payload) VALUES (?, ?, ?, 'x', '2026-12-06T01:00:00.000+00:00',"
                " 'nurse', 'local_care', 0, 'p', 'e', '{}', '[]', '{}', ?)",
                [i, i, key, payload],
            )
    return db


def _steps(db: Database) -> int:
    """SQLite's virtual machine steps of the purge's look for expired keys (finding none)."""
    counted = [0]

    def count() -> int:
        counted[0] += 1
        return 0

    db.conn.set_progress_handler(count, 1)
    try:
        assert idempotency_keys._expired(db, BEFORE, 1) == {}
    finally:
        db.conn.set_progress_handler(None, 1)
    return counted[0]


def test_the_look_for_expired_keys_does_not_read_the_rows_whose_keys_are_gone(tmp_path: Path) -> None:
    small = _steps(_log(tmp_path / "small.db", 10))
    large = _steps(_log(tmp_path / "large.db", 3000))
    assert large <= small * 1.2, (small, large)
