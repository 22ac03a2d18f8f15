"""An online backup of the referral log: a consistent copy taken while the service keeps writing.

SQLite's backup API copies the log as of one moment (a read transaction: in WAL mode writers go
on meanwhile and their later commits are simply not in the copy). The copy is written to
``<out>.partial``, turned into a single self-contained file (rollback journal, no ``-wal`` to
carry along), checked - ``PRAGMA integrity_check``, the audit chain (:func:`referral.audit.verify`) and the tables
against it (:func:`referral.audit_rows.verify_rows`) - synced to disk, and only then renamed to ``out``: a backup that exists under its name is complete
and proven. Copying ``clinic.db`` with ``cp`` while the service runs is **not** a backup: the
last commits sit in ``clinic.db-wal`` and a copy of the two files taken at different moments can
be damaged.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from referral import audit
from referral.audit_rows import RowsReport, verify_rows
from referral.errors import IntegrityError
from referral.storage import storage_error


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    referrals: int
    audit: audit.AuditReport
    rows: RowsReport | None  # None when the chain is broken: the trail cannot be trusted

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "bytes": self.bytes,
            "referrals": self.referrals,
            "integrity": "ok",
            "audit": self.audit.as_dict(),
            "rows": self.rows and self.rows.as_dict(),
        }


def backup(db: Database, out: Path) -> BackupReport:
    """Copy the open log ``db`` to ``out`` (replacing a file there only once the copy is proven)."""
    partial = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial.unlink(missing_ok=True)
    try:
        target = sqlite3.connect(str(partial))
        try:
            db.conn.backup(target)  # one step: a consistent snapshot, writers are not blocked
            target.execute("PRAGMA journal_mode = DELETE")  # one file, nothing beside it
            report = _check(Database(target), out)
        except sqlite3.DatabaseError as exc:  # the backup's disk is full, read-only...
            raise storage_error(exc, partial) or exc from exc
        finally:
            target.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        partial.replace(out)
        _sync_folder(out.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(out, out.stat().st_size, *report)


def _check(copy: Database, out: Path) -> tuple[int, audit.AuditReport, RowsReport | None]:
    """A copy SQLite finds damaged is refused. A broken audit chain or a table that differs from
    it is reported, not refused: the copy is still the faithful record of what the log holds,
    which is what an inquiry needs."""
    try:
        problems = [row[0] for row in copy.conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:  # damaged beyond what the check can list
        problems = [str(exc)]
    if problems != ["ok"]:
        raise IntegrityError(
            f"backup {out}: the copy fails SQLite's integrity check ({problems[0]}), so the log itself"
            " is damaged; nothing was written under that name - keep the log as it is and restore"
            " the latest good backup (docs/referral-log.md, 'Backup and restore')"
        )
    referrals = int(copy.conn.execute("SELECT count(*) FROM referrals").fetchone()[0])
    chain = audit.verify(copy)
    return referrals, chain, verify_rows(copy) if chain.ok else None


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a power cut right after would otherwise undo it)."""
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened and synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
