"""WAL checkpoints on their own thread: the writer's commits never copy the log themselves."""

from __future__ import annotations

import time
from pathlib import Path

from sqlite_utils import Database

from referral import store
from referral.checkpoint import Checkpointer
from referral.records import PatientIn
from referral.schema import WAL_SIZE_LIMIT, connect


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
    # the thread's own turns, however slowly it starts (a fixed 0.35 s pause stood for this), then
    # the one its stop makes after the last commit
    deadline = time.monotonic() + 60
    while checkpointer.checkpoints < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    checkpointer.stop()
    assert checkpointer.checkpoints >= 3, "two turns of the thread and the one at its stop"
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


FAILING = """
import logging, resource, signal, sys, threading
from pathlib import Path

from sqlite_utils import Database
from referral import store
from referral.checkpoint import Checkpointer
from referral.records import PatientIn
from referral.schema import WAL_SIZE_LIMIT, connect

logging.basicConfig(format="%(message)s")
failed = threading.Event()


class Failed(logging.Handler):
    def emit(self, record):
        if "failed" in record.getMessage():
            failed.set()


logging.getLogger("referral.checkpoint").addHandler(Failed())
path = Path(sys.argv[1])
writer = connect(path)
writer.conn.execute("PRAGMA wal_autocheckpoint = 0")
writer.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
for n in range(400):
    store.upsert_patient(writer, PatientIn(mrn=f"C{n}", name="x" * 200), actor="test", reason="t")
# the database file may not grow any more: as a full disk, every checkpoint now fails
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
size = path.stat().st_size
resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))
checkpointer = Checkpointer(path, every_s=0.02)
checkpointer.start()
assert failed.wait(60), "no checkpoint failed"  # (a fixed 1 s pause stood for it)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
checkpointer.stop()  # its last checkpoint works again
print(checkpointer.checkpoints)
"""


def test_a_checkpoint_that_keeps_failing_is_logged_once_and_its_recovery_once(tmp_path: Path) -> None:
    """A full disk made the thread log the same warning twice a second for as long as it lasted."""
    import subprocess
    import sys

    path = tmp_path / "clinic.db"
    done = subprocess.run(
        [sys.executable, "-c", FAILING, str(path)], capture_output=True, text=True, timeout=60, check=True
    )
    lines = done.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"WAL checkpoint of {path} failed",
        f"WAL checkpoint of {path} works again",
    ], done.stderr
    assert int(done.stdout) >= 1  # it did work again once the disk had room


def _grow_wal(path: Path, mib: int) -> Database:
    """A writer that left ``mib`` MiB in the WAL of the real file at ``path``, none copied back."""
    writer = connect(path)
    writer.conn.execute("PRAGMA wal_autocheckpoint = 0")
    writer.conn.execute("CREATE TABLE IF NOT EXISTS scratch (blob BLOB)")
    for _ in range(mib * 8):
        writer.conn.execute("INSERT INTO scratch VALUES (zeroblob(128 * 1024))")
        writer.conn.commit()
    assert Path(f"{path}-wal").stat().st_size > WAL_SIZE_LIMIT
    return writer


def test_the_first_commit_after_a_complete_checkpoint_cuts_the_wal_back_to_the_limit(tmp_path: Path) -> None:
    """A WAL grown three times the log's size stayed that size on disk until the service stopped."""
    path = tmp_path / "clinic.db"
    writer = _grow_wal(path, 20)
    Checkpointer(path).checkpoint(writer.conn)  # PASSIVE: copies everything, shrinks nothing
    store.upsert_patient(writer, PatientIn(mrn="C1", name="x"), actor="test", reason="t")
    assert Path(f"{path}-wal").stat().st_size <= WAL_SIZE_LIMIT
    writer.close()


def test_an_idle_wal_over_the_limit_is_truncated_by_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    writer = _grow_wal(path, 20)
    checkpointer = Checkpointer(path)
    reader = connect(path, migrate=False)
    checkpointer.checkpoint(reader.conn)  # copies everything
    assert Path(f"{path}-wal").stat().st_size > WAL_SIZE_LIMIT
    checkpointer.checkpoint(reader.conn)  # nothing new since: idle
    assert Path(f"{path}-wal").stat().st_size == 0
    assert checkpointer.truncations == 1
    reader.close()
    writer.close()


def test_a_wal_within_the_limit_is_left_to_be_reused(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    writer = connect(path)
    store.upsert_patient(writer, PatientIn(mrn="C1", name="x"), actor="test", reason="t")
    checkpointer = Checkpointer(path)
    checkpointer.checkpoint(writer.conn)
    checkpointer.checkpoint(writer.conn)
    assert checkpointer.truncations == 0
    assert Path(f"{path}-wal").stat().st_size > 0
    writer.close()
