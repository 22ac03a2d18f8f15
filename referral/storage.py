"""What SQLite's file and disk errors mean for the person who runs the clinic's box.

SQLite reports a full disk, a read-only file, a damaged file or a failing disk as a bare
``sqlite3.OperationalError``/``DatabaseError`` ("database or disk is full") that names neither the
file nor what to do. :func:`storage_error` turns one into a one-line :class:`StorageError` saying
which file, what is wrong and how to recover; any other SQLite error (a constraint, a lock) is
left to its caller (``None``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from referral.errors import StorageError

#: Where an operator reads how to back up and restore the log.
RESTORE_HINT = "restore the latest backup (docs/referral-log.md, 'Backup and restore')"


def _advice(name: str, path: str) -> tuple[str, str] | None:
    """The kind of problem (its ``error.storage.<kind>`` message on the staff pages) and the advice."""
    if name == "SQLITE_FULL":
        return "full", (
            f"the disk holding {path} is full; nothing of this request was stored -"
            " free space on that filesystem and retry"
        )
    if name.startswith("SQLITE_READONLY"):
        return "read_only", (
            f"{path} is read-only (the file, its folder or the filesystem); nothing of this request"
            f" was stored - make it writable for this user (SQLite also writes {path}-wal and"
            f" {path}-shm beside it)"
        )
    if name == "SQLITE_CANTOPEN":
        return "cannot_open", (
            f"cannot open {path}: check that the file and its folder exist and can be read and"
            f" written by this user (SQLite also writes {path}-wal and {path}-shm beside it)"
        )
    if name == "SQLITE_CORRUPT":
        return "damaged", f"{path} is damaged; stop every writer, keep the file as it is, and {RESTORE_HINT}"
    if name.startswith("SQLITE_IOERR"):
        return "disk_failed", (
            f"reading or writing {path} failed at the disk (a full or failing disk?); nothing of"
            f" this request was stored - check free space and the disk, then retry"
        )
    return None


def storage_error(exc: sqlite3.Error, path: Path | str) -> StorageError | None:
    """The one-line error for a file or disk problem of the log at ``path``; ``None`` for others.

    The staff pages say it in the user's language (``error.storage.<kind>``, the file as ``file``)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    found = _advice(name, str(path))
    if found is None:
        return None
    kind, advice = found
    return StorageError(
        f"referral log: {advice} (SQLite: {exc})", says=f"error.storage.{kind}", params={"file": str(path)}
    )
