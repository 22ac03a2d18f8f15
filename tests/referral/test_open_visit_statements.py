"""``store.open_visit`` looks for the patient's visit open today on the connection itself: through
sqlite_utils' ``db.query`` each look was wrapped in a savepoint of its own (``SAVEPOINT
"sqlite_utils_query"`` / ``RELEASE``), two statements more on every walk-in, inside the write
transaction that already holds the log. The visit found, or opened, is the same (real SQLite file)."""

from __future__ import annotations

from sqlite_utils import Database

from referral import closure, store
from referral.records import EncounterIn, PatientIn
from referral.transactions import write

MORNING = "2026-05-01T09:00:00+08:00"
AFTERNOON = "2026-05-01T15:00:00+08:00"


def _open(db: Database, started_at: str) -> tuple[dict[str, object], bool, list[str]]:
    ran: list[str] = []
    db.conn.set_trace_callback(ran.append)
    try:
        row, already = write(
            db,
            lambda db: store.open_visit(
                db, EncounterIn(patient_mrn="MRN-7", started_at=started_at), actor="nurse1", reason="walk-in"
            ),
        )
    finally:
        db.conn.set_trace_callback(None)
    return row, already, ran


def test_the_visit_open_today_is_looked_for_without_a_savepoint_of_its_own(db: Database) -> None:
    store.upsert_patient(db, PatientIn(mrn="MRN-7", sex="male"), actor="nurse1", reason="registration")

    opened, already, ran = _open(db, MORNING)
    assert not already
    looks = [sql for sql in ran if sql.startswith("SELECT * FROM encounters WHERE patient_id")]
    assert len(looks) == 1, ran
    assert not [sql for sql in ran if "sqlite_utils_query" in sql], ran

    # the same visit found again that afternoon, still without the savepoint
    joined, already, ran = _open(db, AFTERNOON)
    assert already
    assert joined["id"] == opened["id"]
    assert not [sql for sql in ran if "sqlite_utils_query" in sql], ran

    # closed: the next walk-in that day opens a new visit, the closed one is passed over
    closure.close(db, int(opened["id"]), actor="nurse1", reason="went home", without_referral=True)
    second, already, _ = _open(db, AFTERNOON)
    assert not already
    assert second["id"] != opened["id"]
    assert second["closed_at"] is None
