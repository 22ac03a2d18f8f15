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

A lock file this process may not open (left by a process run as another user - `sudo triage
serve` once - with its mode 0600) is said once and done without: the writers then take turns
through SQLite alone. It failed every write of the service with a PermissionError traceback (500)
while ``/readyz`` said ready. Run as root, the file is given to the log's owner, as SQLite does
with its ``-wal`` and ``-shm``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("referral.writer_lock")


class WriterLock:
    def __init__(self, database: Path | str) -> None:
        name = str(database)
        self.path: Path | None = None if name in ("", ":memory:") else Path(name + ".writer-lock")
        self._database = Path(name)
        self._fd: int | None = None

    def _descriptor(self) -> int | None:
        """The lock file, opened once; ``None`` (and the lock done without) if it cannot be."""
        if self._fd is None and self.path is not None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as exc:
                log.warning("%s", _unusable(self.path, exc))
                self.path = None  # said once: from now on, SQLite's own lock alone
                return None
            if os.geteuid() == 0:
                with contextlib.suppress(OSError):  # the log's owner, as SQLite does with its -wal
                    owner = self._database.stat()
                    os.fchown(self._fd, owner.st_uid, owner.st_gid)
        return self._fd

    def acquire(self) -> None:
        """Wait for this writer's turn, blocking in the kernel (call it off the event loop)."""
        fd = self._descriptor()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)

    def try_acquire(self) -> bool:
        """Take the turn if it is free right now (never waits)."""
        fd = self._descriptor()
        if fd is None:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
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


def _unusable(path: Path, exc: OSError) -> str:
    try:
        info = path.stat()
        whose = f"; owner uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):04o}, this process uid {os.getuid()}"
    except OSError:
        whose = ""
    return (
        f"cannot open {path} ({exc.strerror or exc}{whose}): the service's writers take turns through"
        " SQLite alone, slower under load - stop the service and delete the file (a process run as"
        " another user left it), or give it to the service's user"
    )
