"""A queue for the referral log's writers that works across processes: ``flock`` on a side file.

SQLite lets one writer in at a time; a writer that finds the log locked polls with growing sleeps
(1, 2, 5, 10 ... ms - SQLite's busy handler). With several service processes writing all the
time, those sleeps - not the work - decide the latency. Writers that take this lock first wait in
the kernel instead and are woken the moment the previous writer is done, in turn.

The lock is advisory: writers that do not take it (the CLI, a migration, the device pipeline)
still meet SQLite's own lock, and the holder of this lock then waits for them through
``busy_timeout`` as before, so nothing can deadlock. One instance is one writer: it may be taken
in one thread and given back in another, but two threads sharing an instance do not exclude each
other. An in-memory log needs no lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriterLock:
    def __init__(self, database: Path | str) -> None:
        name = str(database)
        self.path: Path | None = None if name in ("", ":memory:") else Path(name + ".writer-lock")
        self._fd: int | None = None

    def _descriptor(self, path: Path) -> int:
        if self._fd is None:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def acquire(self) -> None:
        """Wait for this writer's turn, blocking in the kernel (call it off the event loop)."""
        if self.path is not None:
            fcntl.flock(self._descriptor(self.path), fcntl.LOCK_EX)

    def try_acquire(self) -> bool:
        """Take the turn if it is free right now (never waits)."""
        if self.path is None:
            return True
        try:
            fcntl.flock(self._descriptor(self.path), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
