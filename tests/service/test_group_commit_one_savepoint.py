"""A walk-in's writes inside the group commit share its one savepoint (``commit.py``'s per-unit
savepoint; ``referral.transactions.one_savepoint``): the store's writes take none of their own, so a
unit that caught a failed write and went on would keep that write's half - it is rolled back whole
instead, and its caller is told (real SQLite file, real group committer)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import audit, store
from referral.records import PatientIn
from referral.schema import connect
from referral.transactions import one_savepoint, write
from triage.errors import UserInputError
from triage.service.commit import GroupCommitter


def _register(db: Database, mrn: str) -> str:
    return str(store.upsert_patient(db, PatientIn(mrn=mrn), actor="test", reason="t")["mrn"])


def test_a_unit_that_goes_on_after_a_failed_write_is_rolled_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    connect(path).close()

    def half_written(db: Database) -> None:
        _register(db, "HALF")  # written, then refused: with no savepoint of its own it stays
        raise UserInputError("refused half-way")

    def unit(db: Database) -> str:
        _register(db, "FIRST")
        with contextlib.suppress(UserInputError):  # caught, and the unit goes on
            write(db, half_written)
        return "went on"

    async def scenario() -> tuple[BaseException | str, str]:
        committer = GroupCommitter(path, 5000)
        committer.start()
        try:
            (outcome,) = await asyncio.gather(committer.run(unit), return_exceptions=True)
            after = await committer.run(lambda db: _register(db, "NEXT"))
        finally:
            await committer.stop()
        return outcome, after

    outcome, after = asyncio.run(scenario())
    assert isinstance(outcome, RuntimeError), outcome
    assert "refused half-way" in str(outcome) and "rolled back whole" in str(outcome)
    assert after == "NEXT"
    db = connect(path)
    assert [row[0] for row in db.conn.execute("SELECT mrn FROM patients")] == ["NEXT"]
    report = audit.verify(db)
    assert report.ok and report.entries == 1
    db.close()


def test_one_savepoint_needs_the_callers_transaction(tmp_path: Path) -> None:
    db = connect(tmp_path / "clinic.db")
    with pytest.raises(RuntimeError, match="savepoint must be open"), one_savepoint(db):
        pass
    db.close()


def test_a_unit_rolled_back_after_its_audit_entries_leaves_the_next_units_linked(tmp_path: Path) -> None:
    """A unit's later audit entries follow its own last one without reading the trail again; a unit
    rolled back after writing two leaves the next unit of the same batch (one transaction) to follow
    the trail as it is - no gap, no entry linked to one rolled back."""
    path = tmp_path / "clinic.db"
    connect(path).close()

    def refused(db: Database) -> None:
        _register(db, "GONE-1")
        _register(db, "GONE-2")
        raise UserInputError("refused after two entries")

    def kept(db: Database) -> str:
        return _register(db, "KEPT-1") + _register(db, "KEPT-2")

    async def scenario() -> list[BaseException | str]:
        committer = GroupCommitter(path, 5000)
        committer.start()
        try:
            first = await committer.run(lambda db: _register(db, "BEFORE"))
            rest = await asyncio.gather(committer.run(refused), committer.run(kept), return_exceptions=True)
            batches = committer.batches
        finally:
            await committer.stop()
        assert batches == 2  # the refused and the kept unit shared one transaction
        return [first, *rest]

    before, refused_outcome, kept_outcome = asyncio.run(scenario())
    assert before == "BEFORE" and kept_outcome == "KEPT-1KEPT-2"
    assert isinstance(refused_outcome, UserInputError)
    db = connect(path)
    assert [row[0] for row in db.conn.execute("SELECT mrn FROM patients ORDER BY id")] == [
        "BEFORE",
        "KEPT-1",
        "KEPT-2",
    ]
    report = audit.verify(db)
    assert report.ok and report.entries == 3, report
    db.close()
