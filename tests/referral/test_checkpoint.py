"""WAL checkpoints on their own thread: the writer's commits never copy the log themselves."""

from __future__ import annotations

import time
from pathlib import Path

from referral import store
from referral.checkpoint import Checkpointer
from referral.records import PatientIn
from referral.schema import connect


def test_a_writer_without_automatic_checkpoints_is_checkpointed_by_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    writer = connect(path)
    writer.conn.execute("PRAGMA wal_autocheckpoint = 0")
    writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the schema is in the file, the WAL empty
    size_before = path.stat().st_size
    checkpointer = Checkpointer(path, every_s=0.1)
    checkpointer.start()
    for n in range(400):
        store.upsert_patient(writer, PatientIn(mrn=f"C{n}", name="x" * 200), actor="test", reason="t")
    time.sleep(0.35)
    checkpointer.stop()
    assert checkpointer.checkpoints >= 2
    # Only a checkpoint writes pages into the database file; the writer made none.
    assert path.stat().st_size > size_before, "the thread copied the WAL back into the file"
    writer.close()


def test_without_the_thread_the_file_does_not_grow(tmp_path: Path) -> None:
    """The control for the test above: with automatic checkpoints off and no thread, the pages
    stay in the WAL."""
    path = tmp_path / "clinic.db"
    writer = connect(path)
    writer.conn.execute("PRAGMA wal_autocheckpoint = 0")
    writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size_before = path.stat().st_size
    for n in range(400):
        store.upsert_patient(writer, PatientIn(mrn=f"C{n}", name="x" * 200), actor="test", reason="t")
    assert path.stat().st_size == size_before
    writer.close()
