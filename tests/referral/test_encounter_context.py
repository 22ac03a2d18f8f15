"""The history stated for a visit, on a real SQLite file: merged answer by answer, audited only
when something changed, the patient id never kept, and nothing but a JSON object stored."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from referral import audit, encounter_context, store

from .conftest import visit


def _entries(db: Database) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT data FROM audit WHERE action = 'encounter.context'")]


def test_answers_merge_and_only_changes_are_audited(db: Database) -> None:
    encounter = int(visit(db, mrn="MRN-1")["encounter_id"])
    assert encounter_context.stated(store.get_encounter(db, encounter)) == {}

    first = encounter_context.remember(
        db, encounter, {"current_smoker": True, "diabetes": False, "patient_id": "p-1"}, actor="nurse_li"
    )
    same = encounter_context.remember(db, encounter, {"current_smoker": True}, actor="nurse_li")
    later = encounter_context.remember(db, encounter, {"current_smoker": None}, actor="dr_wang")

    assert first == same == {"current_smoker": True, "diabetes": False}, "the patient id is not kept"
    assert later == {"current_smoker": None, "diabetes": False}, "null records 'not known' now"
    assert encounter_context.stated(store.get_encounter(db, encounter)) == later
    entries = _entries(db)
    assert len(entries) == 2, "an unchanged answer writes no audit entry"
    assert '"before":{"current_smoker":true}' in entries[1].replace(" ", "")
    assert audit.verify(db).ok


def test_only_a_json_object_can_be_stored(db: Database) -> None:
    encounter = int(visit(db, mrn="MRN-1")["encounter_id"])
    for bad in ("[1, 2]", "not json"):
        with pytest.raises(sqlite3.IntegrityError):
            db.conn.execute("UPDATE encounters SET context = ? WHERE id = ?", [bad, encounter])
