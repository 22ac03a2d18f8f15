"""Checkpoints of the referral log's write-ahead log, away from the writers.

SQLite copies the WAL back into the database file (a checkpoint) when a committing connection
finds the WAL over 1,000 pages: that commit then also copies and fsyncs the pages. Under a steady
stream of walk-ins this made every ~200th commit take 7-10 ms instead of about 1 ms (measured:
commit p99 7.5 ms, 32 of 1,500 over 5 ms; with checkpoints moved off the writer, p99 3.4 ms).

A busy writer turns its own automatic checkpoints off and runs a :class:`Checkpointer`: a thread
with its own connection that runs a PASSIVE checkpoint every half second. PASSIVE never waits for
or blocks writers or readers; it copies what it can.

SQLite never shrinks the WAL file itself: one grown to 147 MB under load stayed that size until
the service stopped. Every connection sets ``journal_size_limit`` (:data:`WAL_SIZE_LIMIT`), so the
first commit after a complete checkpoint cuts the file back to the limit; and when the log is
idle - a checkpoint found everything copied and nothing new since the last one - the thread
truncates a WAL still over the limit to zero (a TRUNCATE checkpoint, tried without waiting: if a
reader or writer is busy it is left for the next idle turn).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from referral.schema import WAL_SIZE_LIMIT, connect

log = logging.getLogger("referral.checkpoint")
EVERY_S = 0.5


class Checkpointer:
    def __init__(self, path: Path, every_s: float = EVERY_S) -> None:
        self._path = path
        self._every_s = every_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self.checkpoints = 0
        self._failing: str | None = None  # the failure last logged, until a checkpoint succeeds
        self._last: tuple[int, int, int] | None = None  # the last PASSIVE checkpoint's (busy, log, copied)
        self.truncations = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)

    def _run(self) -> None:
        db = connect(self._path, migrate=False)
        try:
            while not self._stopping.wait(self._every_s):
                self.checkpoint(db.conn)
            self.checkpoint(db.conn)
        finally:
            db.close()

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
            idle = (busy, frames, copied) == self._last and frames == copied
            self._last = (busy, frames, copied)
            if idle and frames > 0 and self._wal_size() > WAL_SIZE_LIMIT:
                self._truncate(conn)
        except sqlite3.Error as exc:  # never fatal: SQLite's own checkpoints are the fallback
            # Once per kind of failure: a full disk logged it twice a second, 7,200 lines an hour
            # into the service log, for as long as the disk stayed full.
            if str(exc) != self._failing:
                log.warning(
                    "WAL checkpoint of %s failed: %s (said once; again when it works or fails otherwise)",
                    self._path,
                    exc,
                )
                self._failing = str(exc)
            return
        if self._failing is not None:
            log.warning("WAL checkpoint of %s works again", self._path)
            self._failing = None

    def _wal_size(self) -> int:
        try:
            return Path(f"{self._path}-wal").stat().st_size
        except OSError:
            return 0

    def _truncate(self, conn: sqlite3.Connection) -> None:
        """Cut an idle WAL to zero, without waiting: a TRUNCATE checkpoint takes the writer's lock
        and waits for readers, so with a busy handler it could hold a writer up for seconds."""
        timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0]
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")
        if not busy:
            self.truncations += 1
            self._last = None
