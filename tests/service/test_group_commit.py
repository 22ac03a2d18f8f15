"""Group commit: units share one commit, a failing unit rolls back alone, store writes nest."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlite_utils import Database

from referral import store
from referral.records import PatientIn
from referral.schema import connect
from triage.errors import UserInputError
from triage.service.commit import GroupCommitter


def test_units_commit_together_and_a_failure_rolls_back_alone(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    connect(path).close()
    committer = GroupCommitter(path, 5000)
    committer.start()
    results: dict[int, object] = {}

    def register(i: int) -> None:
        def unit(db: Database) -> int:
            row = store.upsert_patient(db, PatientIn(mrn=f"M{i}"), actor="test", reason="t")
            if i % 5 == 0:
                raise UserInputError(f"unit {i} refused")
            return int(row["id"])

        try:
            results[i] = committer.run(unit)
        except UserInputError as exc:
            results[i] = exc

    threads = [threading.Thread(target=register, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    committer.stop()
    db = connect(path)
    stored = {row[0] for row in db.conn.execute("SELECT mrn FROM patients")}
    assert stored == {f"M{i}" for i in range(40) if i % 5}
    assert all(isinstance(results[i], UserInputError) for i in range(0, 40, 5))
    assert committer.units == 40 and committer.batches < 40, "units were batched"
    from referral import audit

    assert audit.verify(db).ok and audit.verify(db).entries == 32


def test_a_unit_sees_its_own_writes_before_the_commit(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    connect(path).close()
    committer = GroupCommitter(path, 5000)
    committer.start()

    def unit(db: Database) -> str | None:
        store.upsert_patient(db, PatientIn(mrn="A"), actor="t", reason="t")
        found = store.find_patient(db, "A")
        return None if found is None else str(found["mrn"])

    assert committer.run(unit) == "A"
    committer.stop()
