"""Group commit: units share one commit, a failing unit rolls back alone, store writes nest,
and the event loop stays free while a commit waits for another writer."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import audit, store
from referral.records import PatientIn
from referral.schema import connect
from triage.errors import UserInputError
from triage.service.commit import HELPER_THREAD, GroupCommitter


def _register(i: int) -> Callable[[Database], int]:
    def unit(db: Database) -> int:
        row = store.upsert_patient(db, PatientIn(mrn=f"M{i}"), actor="test", reason="t")
        if i % 5 == 0:
            raise UserInputError(f"unit {i} refused")
        return int(row["id"])

    return unit


def test_units_commit_together_and_a_failure_rolls_back_alone(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    connect(path).close()

    async def scenario() -> tuple[GroupCommitter, list[object]]:
        committer = GroupCommitter(path, 5000)
        committer.start()
        results = await asyncio.gather(
            *(committer.run(_register(i)) for i in range(40)), return_exceptions=True
        )
        await committer.stop()
        return committer, list(results)

    committer, results = asyncio.run(scenario())
    db = connect(path)
    stored = {row[0] for row in db.conn.execute("SELECT mrn FROM patients")}
    assert stored == {f"M{i}" for i in range(40) if i % 5}
    assert all(isinstance(results[i], UserInputError) for i in range(0, 40, 5))
    assert all(isinstance(results[i], int) for i in range(40) if i % 5)
    assert committer.units == 40 and committer.batches < 40, "units were batched"
    assert audit.verify(db).ok and audit.verify(db).entries == 32


def test_a_unit_sees_its_own_writes_before_the_commit(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    connect(path).close()

    def unit(db: Database) -> str | None:
        store.upsert_patient(db, PatientIn(mrn="A"), actor="t", reason="t")
        found = store.find_patient(db, "A")
        return None if found is None else str(found["mrn"])

    async def scenario() -> str | None:
        committer = GroupCommitter(path, 5000)
        committer.start()
        try:
            return await committer.run(unit)
        finally:
            await committer.stop()

    assert asyncio.run(scenario()) == "A"


def _waiting_for_the_log() -> bool:
    """Whether the committer's helper thread waits for the log now: in ``_begin_waiting`` (for its
    turn, then for SQLite's write lock)."""
    frames = sys._current_frames()
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or 0) if thread.name.startswith(HELPER_THREAD) else None
        while frame is not None:
            if frame.f_code.co_name == "_begin_waiting":
                return True
            frame = frame.f_back
    return False


def test_waiting_for_another_writer_does_not_block_the_event_loop(tmp_path: Path) -> None:
    """Another process-like writer holds the log: the unit waits for it on the helper thread - not
    stored, not answered - while the event loop goes on with other work (here: looking for that
    wait), and it is stored once the other writer commits. Order of events, not durations: a wait
    on the loop would end (the unit refused) before the loop looked at all."""
    path = tmp_path / "clinic.db"
    connect(path).close()
    other = connect(path, migrate=False, any_thread=True)
    other.conn.execute("BEGIN IMMEDIATE")

    async def scenario() -> int:
        committer = GroupCommitter(path, 60_000)  # longer than any look below (a hang guard)
        committer.start()
        unit = asyncio.ensure_future(committer.run(_register(1)))
        looks = 0
        while not _waiting_for_the_log() and not unit.done() and looks < 3000:  # (a hang guard)
            await asyncio.sleep(0.01)  # the loop's other work: it runs while the unit waits
            looks += 1
        assert _waiting_for_the_log() and not unit.done(), f"the unit did not wait off the loop: {unit}"
        assert other.conn.execute("SELECT count(*) FROM patients").fetchone()[0] == 0, "nothing stored yet"
        other.conn.execute("COMMIT")  # the other writer lets go
        row_id = await unit
        await committer.stop()
        return row_id

    row_id = asyncio.run(scenario())
    assert connect(path).conn.execute("SELECT id FROM patients").fetchone()[0] == row_id
    other.close()


def test_run_before_start_is_refused(tmp_path: Path) -> None:
    committer = GroupCommitter(tmp_path / "clinic.db", 5000)
    with pytest.raises(RuntimeError, match="not started"):
        asyncio.run(committer.run(_register(1)))


def _system_thread_names() -> set[str]:
    """The names this process's threads have for the system (``/proc/self/task/TID/comm``)."""
    names = set()
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            names.add((task / "comm").read_text(encoding="utf-8").strip())
    return names


def test_the_helper_thread_has_its_name_for_the_system_too(tmp_path: Path) -> None:
    """``top -H``, ``ps -L`` and ``/proc/PID/task/TID/comm`` show the helper thread - where a write
    waits for another writer's lock and for the disk - as ``group-commit``: it showed as the
    process's name, as every thread of the service did."""
    if not Path("/proc/self/task").is_dir():
        pytest.skip("the system's names of threads are read from Linux's /proc")
    path = tmp_path / "clinic.db"
    connect(path).close()

    async def scenario() -> set[str]:
        committer = GroupCommitter(path, 5000)
        committer.start()
        try:
            await committer.run(_register(1))  # its commit runs on the helper thread
            return _system_thread_names()
        finally:
            await committer.stop()

    assert "group-commit" in asyncio.run(scenario())
