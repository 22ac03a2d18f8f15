from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from referral import audit
from referral.errors import AuditChainError

from .conftest import visit


def test_every_clinical_write_is_audited_with_who_what_when_why(db: Database) -> None:
    assessment = visit(db)
    rows = list(db.query("SELECT * FROM audit WHERE entity NOT IN ('facility', 'setting') ORDER BY seq"))
    assert [r["action"] for r in rows] == ["patient.create", "encounter.create", "assessment.create"]
    assert all(r["actor"] and r["at"] and r["reason"] for r in rows)
    assert rows[-1]["entity_id"] == str(assessment["id"])


def test_triggers_reject_update_and_delete(db: Database) -> None:
    visit(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only: UPDATE"):
        db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only: DELETE"):
        db.execute("DELETE FROM audit WHERE seq = 1")
    assert audit.verify(db).ok


def _drop_triggers(db: Database) -> None:
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("DROP TRIGGER audit_no_delete")


def test_tampering_names_the_first_broken_entry(db: Database) -> None:
    visit(db)
    visit(db, mrn="MRN-2")
    total = audit.verify(db).entries
    _drop_triggers(db)
    db.execute("UPDATE audit SET reason = 'edited' WHERE seq = 12")
    db.execute("UPDATE audit SET reason = 'edited' WHERE seq = 14")
    report = audit.verify(db)
    assert (report.ok, report.first_broken_seq, report.entries) == (False, 12, 12)
    assert "entry 12 was altered" in str(report.problem)
    with pytest.raises(AuditChainError, match="broken at entry 12"):
        audit.require_intact(db)
    assert total > 14


def test_deleted_entry_is_detected(db: Database) -> None:
    visit(db)
    _drop_triggers(db)
    db.execute("DELETE FROM audit WHERE seq = 3")
    report = audit.verify(db)
    assert report.first_broken_seq == 3 and "missing" in str(report.problem)


def test_rehashed_entry_breaks_the_next_link(db: Database) -> None:
    visit(db)
    _drop_triggers(db)
    row = next(db.query("SELECT * FROM audit WHERE seq = 2"))
    row["actor"] = "mallory"
    db.execute("UPDATE audit SET actor = ?, hash = ? WHERE seq = 2", [row["actor"], audit.entry_hash(row)])
    report = audit.verify(db)
    assert report.first_broken_seq == 3 and "does not link" in str(report.problem)


def test_an_entitys_history_is_read_by_index(db: Database) -> None:
    """`triage referrals show` reads one referral's entries; without the index that is the whole
    trail (SCAN audit) for every look-up."""
    visit(db)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    assert [e["action"] for e in audit.entries_for(db, "patient", 1)] == ["patient.create"]
    db.conn.set_trace_callback(None)
    (lookup,) = [s for s in statements if "FROM audit" in s]
    plan = " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {lookup}"))
    assert "SEARCH audit USING INDEX audit_entity (entity=? AND entity_id=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # seq is the rowid: the index gives the order
