"""Opening the referral log: the pragmas every connection gets, and applying the schema's
migrations (``referral.migrations``: the ordered, append-only migration set of STRICT tables).

Foreign keys are enforced on every connection that :func:`connect` opens.

Durability: ``journal_mode=WAL`` with ``synchronous=FULL``. In WAL mode ``FULL`` syncs the
write-ahead log on every commit, so a transaction that :func:`connect`'s callers have committed
survives a process kill *and* a power cut. Devices receive their ASTM/HL7 ACK and web clients
their HTTP 201 only after that commit, so nothing acknowledged can be lost. (``NORMAL`` would be
faster but may lose the last transactions on power loss - see ``bench/referral.py`` for the cost.)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from referral.errors import SchemaTooNewError
from referral.migrations import MIGRATIONS
from referral.transactions import db_path


def connect(
    path: Path | str, *, busy_timeout_ms: int = 5000, migrate: bool = True, any_thread: bool = False
) -> Database:
    """Open the referral log with the shipped pragmas; apply pending migrations by default.

    The parent folder is created if missing. ``busy_timeout`` makes a writer wait for the lock
    instead of failing at once with "database is locked". ``any_thread``: the connection may be
    used from several threads, one at a time (the caller serialises its use).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    db = Database(sqlite3.connect(str(target), check_same_thread=False)) if any_thread else Database(target)
    db.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("PRAGMA synchronous = FULL")
    db.conn.execute("PRAGMA foreign_keys = ON")
    try:
        if migrate:
            apply_migrations(db)
        else:
            refuse_newer_schema(db, target)
    except BaseException:
        db.close()
        raise
    return db


def refuse_newer_schema(db: Database, path: Path | str) -> None:
    """Refuse a log that a newer version migrated: this version would read and write tables whose
    shape it does not know (a NOT NULL column it leaves empty, a value set it does not check)."""
    known = {m.name for m in MIGRATIONS._migrations}
    unknown = [name for name in applied_migrations(db) if name not in known]
    if unknown:
        newest = MIGRATIONS._migrations[-1].name
        raise SchemaTooNewError(
            f"{path}: the referral log was written by a newer clinic-triage (migration"
            f" {', '.join(unknown)}; this version knows up to {newest}); nothing was changed -"
            " run the newer version, or restore a backup taken before the upgrade"
        )


def apply_migrations(db: Database) -> list[str]:
    """Apply pending migrations (idempotent); return the names that were applied now. A log
    migrated by a newer version is refused (:func:`refuse_newer_schema`).

    All pending migrations run in one ``BEGIN IMMEDIATE`` transaction, so two processes starting
    at the same moment cannot both apply them: the second waits, then finds nothing pending.
    """
    refuse_newer_schema(db, db_path(db))
    if not MIGRATIONS.pending(db):
        return []
    db.conn.execute("PRAGMA foreign_keys = OFF")
    try:
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            refuse_newer_schema(db, db_path(db))  # another process may have upgraded meanwhile
            pending = [m.name for m in MIGRATIONS.pending(db)]
            MIGRATIONS.apply(db)
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
    finally:
        db.conn.execute("PRAGMA foreign_keys = ON")
    return pending


def applied_migrations(db: Database) -> list[str]:
    return [m.name for m in MIGRATIONS.applied(db)]
