"""One open visit per patient and day, kept by the log itself (migration ``0022``): a partial
unique index over the open encounters, on a real SQLite file. A log from before with two open
visits of one patient on one day still migrates: the older is marked ``duplicate_of`` the newest,
nothing is closed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from referral import closure, facilities, store
from referral.records import EncounterIn
from referral.schema import applied_migrations, connect
from referral.transactions import write

from .conftest import log_before, visit

INDEX = "0022_one_open_visit_a_day"
OPEN_ROW = (
    "INSERT INTO encounters (patient_id, facility_id, started_at, day, created_by)"
    " VALUES (1, 'ZJ-C01', '2026-05-01T11:00:00+08:00', '2026-05-01', 'sqlite3')"
)


def test_a_second_open_visit_the_same_day_is_refused_by_the_log_whoever_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    db = connect(path)
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    visit(db)  # patient 1, encounter 1 open on 2026-05-01
    raw = sqlite3.connect(path)
    with pytest.raises(
        sqlite3.IntegrityError, match=r"UNIQUE constraint failed: encounters\.patient_id, encounters\.day"
    ):
        raw.execute(OPEN_ROW)
    raw.rollback()
    row = {
        "patient_id": 1,
        "facility_id": "ZJ-C01",
        "started_at": "2026-05-01T11:00:00+08:00",
        "day": "2026-05-01",
        "created_by": "nurse1",
    }
    # a writer that did not look for the open visit first: a 409 naming it, not a raw SQLite error
    with pytest.raises(store.VisitAlreadyOpenError) as refused:
        write(db, lambda db: store.insert_encounter(db, row))
    assert str(refused.value) == (
        "encounter: patient 1 already has a visit open on 2026-05-01 (encounter 1); add to that"
        " visit, or close it before opening another"
    )
    assert refused.value.status_hint == 409
    closure.close(db, 1, actor="nurse1", reason="went home", without_referral=True)
    raw.execute(OPEN_ROW)  # the first visit closed: a second one that day opens
    raw.commit()
    raw.close()
    assert db.execute("SELECT count(*) FROM encounters WHERE closed_at IS NULL").fetchone()[0] == 1


def test_a_log_holding_two_open_visits_of_a_patient_on_a_day_still_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = log_before(path, INDEX)
    visit(db)  # encounter 1
    raw = sqlite3.connect(path)
    for _ in range(2):  # as the API opened them before open_visit: encounters 2 and 3, all open
        raw.execute(OPEN_ROW)
    raw.execute(OPEN_ROW.replace("2026-05-01", "2026-05-02"))  # another day: 4, alone
    raw.commit()
    db.close()

    db = connect(path)  # migrates
    assert INDEX in applied_migrations(db)
    marks = dict(db.execute("SELECT id, duplicate_of FROM encounters ORDER BY id").fetchall())
    assert marks == {1: 3, 2: 3, 3: None, 4: None}
    assert db.execute("SELECT count(*) FROM encounters WHERE closed_at IS NULL").fetchone()[0] == 4
    # the newest is the visit the application goes on with, as before
    opened, already_open = store.open_visit(
        db,
        EncounterIn(patient_mrn="MRN-1", facility_id="ZJ-C01", started_at="2026-05-01T12:00:00+08:00"),
        actor="nurse1",
        reason="visit",
    )
    assert (opened["id"], already_open) == (3, True)
    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE constraint failed"):
        raw.execute(OPEN_ROW)  # the index holds for new rows
    for sql in (
        OPEN_ROW.replace("created_by)", "created_by, duplicate_of)").replace("'sqlite3')", "'sqlite3', 3)"),
        "UPDATE encounters SET duplicate_of = 1 WHERE id = 3",
        "UPDATE encounters SET duplicate_of = NULL WHERE id = 1",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="duplicate_of is set by migration 0022 only"):
            raw.execute(sql)
    raw.close()
    # the marked visits are closed by a person, as any other
    for encounter_id in (1, 2):
        closure.close(db, encounter_id, actor="nurse1", reason="duplicate visit", without_referral=True)
    assert store.get_encounter(db, 2)["duplicate_of"] == 3
