"""What the service's processes tell each other of the log's disk (full, failing, written again) is
ordered by the machine's monotonic clock, not the wall clock: a report made after a probe beside the
log found room is taken, one made before it is stale. With the wall clock, a clock set back an hour
after the probe made every later report an hour "older" than it: a worker's full disk was ignored by
the primary, which stayed ready while every write failed. Real SQLite (a real SQLITE_FULL, from
``max_page_count``), real probes beside the log; the clock is the module's own ``clock`` parameter."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from referral import storage


def _full(path: Path) -> sqlite3.Error:
    """A real "database or disk is full" from SQLite, writing the log at ``path``."""
    db = sqlite3.connect(path)
    try:
        db.execute("CREATE TABLE t (x BLOB)")
        db.execute("PRAGMA max_page_count = 3")
        db.execute("INSERT INTO t VALUES (zeroblob(100000))")
    except sqlite3.Error as exc:
        return exc
    finally:
        db.close()
    raise AssertionError("SQLite found room")


def test_reports_of_a_full_disk_are_ordered_by_the_monotonic_clock(tmp_path: Path) -> None:
    log = tmp_path / "clinic.db"
    now = [5000.0]  # the monotonic clock (seconds since boot, for every process of the machine)
    failed = storage.storage_error(_full(log), log, clock=lambda: now[0])
    assert failed is not None and failed.says == "error.storage.full"
    assert storage.full_since(log) == 5000.0
    now[0] = 5010.0
    assert storage.full_disk(log, clock=lambda: now[0]) is None, "room beside it: forgotten"
    assert storage.full_since(log) is None

    storage.heard_full(log, 5005.0)  # another process's report from before that probe: stale
    assert storage.full_since(log) is None
    storage.heard_full(log, 5020.0)  # made after it (whatever the wall clock said meanwhile)
    assert storage.full_since(log) == 5020.0
