"""Opening the referral log: the pragmas every connection gets, and applying the schema's
migrations (``referral.migrations``: the ordered, append-only migration set of STRICT tables).

Foreign keys are enforced on every connection that :func:`connect` opens.

Durability: ``journal_mode=WAL`` with ``synchronous=FULL``. In WAL mode ``FULL`` syncs the
write-ahead log on every commit, so a transaction that :func:`connect`'s callers have committed
survives a process kill *and* a power cut. Devices receive their ASTM/HL7 ACK and web clients
their HTTP 201 only after that commit, so nothing acknowledged can be lost. (``NORMAL`` would be
faster but may lose the last transactions on power loss - see ``bench/referral.py`` for the cost.)

Temporary data stays in memory (``temp_store=MEMORY``): a walk-in writes its units inside nested
savepoints (``triage.service.commit``), and SQLite keeps the pages a savepoint may have to undo in a
sub-journal that, past 64 KiB (16 pages: every walk-in), it spilled to a new file in ``/var/tmp``
(created, unlinked, written and closed again for each walk-in). In memory it is at most the pages
the open transaction changed, freed at its end. Readers (:func:`connect_to_read`: exports, reports)
keep SQLite's default, so a large sort there still spills to disk.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlite_utils import Database

if TYPE_CHECKING:
    from referral.backup import BackupReport, UpgradeBackups

from referral.errors import SchemaTooNewError, SchemaTooOldError, StorageError, UserInputError
from referral.migrations import MIGRATIONS
from referral.transactions import db_path
from referral.upgrade_record import UPGRADE_ACTOR, record_upgrade

#: The size a write-ahead log is cut back to once checkpointed (``PRAGMA journal_size_limit``).
#: SQLite never shrinks a WAL by itself: one that a long reader or a burst grew to 147 MB (three
#: times the 46 MB log) stayed that size on disk until the service stopped. With the limit, the
#: first commit after a complete checkpoint cuts it back to this; 16 MiB is four of SQLite's
#: default 1,000-page checkpoint intervals, so a WAL in steady use is reused, not re-grown.
WAL_SIZE_LIMIT = 16 * 1024 * 1024


def connect(
    path: Path | str,
    *,
    busy_timeout_ms: int = 5000,
    migrate: bool = True,
    any_thread: bool = False,
    backups: UpgradeBackups | None = None,
) -> Database:
    """Open the referral log with the shipped pragmas; apply pending migrations by default.

    The parent folder is created if missing. ``busy_timeout`` makes a writer wait for the lock
    instead of failing at once with "database is locked". ``any_thread``: the connection may be
    used from several threads, one at a time (the caller serialises its use). ``backups``: where the
    backup an upgrade takes first goes, and how many are kept (:func:`upgrade`).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # SQLite's in-memory database (':memory:', '') has no file to create, give or remove: it was
    # made a file named ':memory:' in the working folder
    new = str(path) not in ("", ":memory:") and not target.exists()
    if new:
        create_private(target)
    db = Database(sqlite3.connect(str(target), check_same_thread=False)) if any_thread else Database(target)
    if new and os.geteuid() == 0:
        _give_to_folder_owner(target)
    try:
        db.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        refuse_not_a_log(db, target)  # before anything is written to it: WAL mode, the migrations
        db.conn.execute("PRAGMA journal_mode = WAL")
        db.conn.execute("PRAGMA synchronous = FULL")
        db.conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        db.conn.execute("PRAGMA foreign_keys = ON")
        db.conn.execute("PRAGMA temp_store = MEMORY")
        if migrate:
            kept = upgrade(db, backups=backups)[1]
            if kept is not None:
                from referral.backup import upgraded_log  # it reads the log through this module

                upgraded_log(target, kept)
        else:
            refuse_newer_schema(db, target)
    except BaseException:
        db.close()
        if new:
            _remove_if_empty(target)
        raise
    return db


def create_private(target: Path) -> None:
    """Create the new log's (empty) file readable and writable by its owner only (0600) before
    SQLite opens it: SQLite created it with the process's umask, 0644 under the usual 022, so every
    account of the machine read the patients in it - and its ``-wal`` and ``-shm``, which SQLite
    gives the log's own mode. An empty file is an empty database to SQLite. (A backup's or restore's
    copy is made so too, ``referral.backup``.)"""
    # another process made it meanwhile (theirs stands); a folder this user cannot write, a
    # read-only disk: SQLite then fails to create it and says so, as it did
    with contextlib.suppress(OSError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


def _remove_if_empty(target: Path) -> None:
    """A log this call created and could not set up (a full disk) is left as nothing, not as a
    0-byte file that the next command takes for a typo'd --db ("an empty file"): it and its
    ``-wal``, ``-shm`` go when the file itself is still empty (what the WAL holds is only schema)."""
    with contextlib.suppress(OSError):
        if target.stat().st_size != 0:
            return
        for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal"), target):
            leftover.unlink(missing_ok=True)


def _give_to_folder_owner(target: Path) -> None:
    """A log root creates (`sudo triage referrals migrate` on a new box) is its folder owner's -
    the service's data folder - not root's, which the service's user could not write. Done
    before the first write: SQLite, run as root, gives its -wal and -shm the log's owner."""
    with contextlib.suppress(OSError):
        folder = target.parent.stat()
        os.chown(target, folder.st_uid, folder.st_gid)


def connect_to_read(path: Path | str, *, busy_timeout_ms: int = 5000, as_is: bool = False) -> Database:
    """Open the log to read it only (exports, ``verify-audit``, backups, listings, the regional
    reports): SQLite's ``mode=ro``, plus ``query_only``, so nothing can be written through it.

    A copy on read-only media - a folder this user cannot write, a read-only filesystem - can be
    read even though SQLite cannot create ``-shm`` and ``-wal`` beside it: when ``mode=ro`` cannot
    open it there, it is opened ``immutable=1`` (SQLite then takes no locks and reads no ``-wal``:
    it assumes nobody writes the file meanwhile, which holds for such a copy). If a non-empty
    ``-wal`` lies beside it, its commits would be missed, so that is refused with a
    :class:`StorageError` saying what to copy where.

    A log a newer version migrated is refused (:func:`refuse_newer_schema`). One from an older
    version is never upgraded by a reader - a command that only reads (a listing, an export, a
    regional report given a clinic's log) would otherwise migrate that clinic's log for good, and
    the previous version then refuses it: it is refused (:func:`refuse_older_schema`), unless
    ``as_is``: checks that read any version (``verify-audit``, a backup) take it as it is.
    """
    target = Path(path)
    db = _read_only(target, busy_timeout_ms)
    try:
        refuse_not_a_log(db, target)
        refuse_newer_schema(db, target)
        if not as_is:
            refuse_older_schema(db, target)
    except BaseException:
        db.close()
        raise
    return db


#: How many of its tables the refusal of a database that is not a referral log names.
TABLES_NAMED = 5


def refuse_not_a_log(db: Database, path: Path) -> None:
    """Refuse, changing nothing, a database that holds tables but none of this log's migrations:
    another program's database at a mistyped ``--db`` or ``database.path``. It was taken for a log
    at schema 0 - a writer upgraded it in place (set to WAL, 28 migrations' tables added to the
    other program's, "there was no referral log there; created a new, empty one"), a reader said to
    run ``migrate`` on it, and ``verify-audit`` and ``backup`` ended in a traceback (no such table)."""
    tables = [
        str(row[0])
        for row in db.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            " ORDER BY name"
        )
    ]
    if not tables or applied_migrations(db):
        return
    named = ", ".join(tables[:TABLES_NAMED]) + (" ..." if len(tables) > TABLES_NAMED else "")
    raise UserInputError(
        f"{path}: not a referral log - SQLite reads it, but it holds another program's tables ({named}) and"
        " none of the referral log's; the wrong file (check --db, or database.path in the settings);"
        " nothing was changed"
    )


def refuse_older_schema(db: Database, path: Path) -> None:
    """Refuse, changing nothing, a log whose migrations this version has not all applied: its
    readers' queries need today's tables, and upgrading it is for a writer (``migrate``)."""
    if not MIGRATIONS.pending(db):
        return
    applied = applied_migrations(db)
    known = MIGRATIONS._migrations
    at = f"{len(applied)} ({applied[-1]})" if applied else "0 (no migrations)"
    quoted = shlex.quote(str(path))
    raise SchemaTooOldError(
        f"the referral log {path.resolve()} is at schema {at}; this version needs {len(known)}"
        f" ({known[-1].name}); nothing was changed - back it up (`triage referrals backup --db {quoted}"
        f" --out FILE`) and run `triage referrals migrate --db {quoted}`"
    )


#: What SQLite says when ``mode=ro`` cannot open a WAL log because it cannot create its ``-shm``.
_NO_SHM = ("SQLITE_CANTOPEN", "SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_CANTINIT")


def _read_only(target: Path, busy_timeout_ms: int) -> Database:
    try:
        return _open_uri(target, "mode=ro", busy_timeout_ms)
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "") not in _NO_SHM or not target.is_file():
            raise
        wal = Path(f"{target}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise _unreadable(
                target,
                f"cannot be read where it is: {wal.name} beside it holds commits not yet in the"
                f" file, and SQLite can read them only if it may create {target.name}-shm there"
                f" (the folder is read-only); copy {target.name} with {wal.name} into a folder you"
                " can write and give the copy, or take a backup (`triage referrals backup`) where"
                " the log is written",
                exc,
            ) from None
        return _open_uri(target, "mode=ro&immutable=1", busy_timeout_ms)


def _unreadable(target: Path, problem: str, exc: sqlite3.Error) -> StorageError:
    """A read-only log that cannot be read as it is, as the staff pages and the CLI say it."""
    return StorageError(
        f"referral log: {target} {problem} (SQLite: {exc})",
        says="error.storage.read_only",
        params={"file": str(target)},
    )


def _open_uri(target: Path, options: str, busy_timeout_ms: int) -> Database:
    uri = f"file:{quote(str(target.absolute()))}?{options}"
    conn = sqlite3.connect(uri, uri=True)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the file (and -shm) now
    except BaseException:
        conn.close()
        raise
    return Database(conn)


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
    """Apply pending migrations (idempotent); return the names that were applied now (:func:`upgrade`)."""
    return upgrade(db)[0]


def upgrade(
    db: Database, back_up: bool = True, backups: UpgradeBackups | None = None, actor: str = UPGRADE_ACTOR
) -> tuple[list[str], BackupReport | None]:
    """Apply pending migrations (idempotent); return the names that were applied now, and the
    backup taken first. A log migrated by a newer version is refused (:func:`refuse_newer_schema`).

    A log that had migrations already (not a new one) is backed up first, beside it, with its
    schema in the name (:func:`referral.backup.before_upgrade`: checked and synced, taken while
    this connection holds the writers' lock, so nothing is written between the copy and the
    upgrade); a backup that cannot be written refuses the upgrade, the log left as it was.
    ``back_up=False``: the log was just restored from a backup file, which is that copy already.
    ``backups``: the folder for that backup (default: beside the log) and how many of them it keeps.
    The upgrade of a log that had migrations is recorded in its audit trail by ``actor``, in the same
    transaction (:func:`referral.upgrade_record.record_upgrade`: from, to, the backup).

    All pending migrations run in one ``BEGIN IMMEDIATE`` transaction, so two processes starting
    at the same moment cannot both apply them: the second waits, then finds nothing pending.

    They run with SQLite's default ``temp_store`` (files), not :func:`connect`'s ``MEMORY``: an
    index an upgrade builds on a large log is sorted all in memory otherwise, growing with the log
    (``CREATE INDEX`` alone on a million audit entries: 75 MB at its peak instead of 16 MB; the
    whole ``triage referrals migrate`` of such a log from schema 17 peaks at 157 MB either way).
    """
    refuse_newer_schema(db, db_path(db))
    if not MIGRATIONS.pending(db):
        return [], None
    db.conn.execute("PRAGMA foreign_keys = OFF")
    kept_store = int(db.conn.execute("PRAGMA temp_store").fetchone()[0])
    db.conn.execute("PRAGMA temp_store = DEFAULT")
    try:
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            refuse_newer_schema(db, db_path(db))  # another process may have upgraded meanwhile
            pending = [m.name for m in MIGRATIONS.pending(db)]
            before = applied_migrations(db)
            kept = None
            if pending and before and back_up:
                from referral.backup import before_upgrade  # it reads the log through this module

                kept = before_upgrade(Path(db_path(db)), before, MIGRATIONS._migrations[-1].name, backups)
            MIGRATIONS.apply(db)
            if pending and before:
                record_upgrade(db, db_path(db), before, pending, kept, actor)
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
    finally:
        db.conn.execute("PRAGMA foreign_keys = ON")
        db.conn.execute(f"PRAGMA temp_store = {kept_store}")
    return pending, kept


def applied_migrations(db: Database) -> list[str]:
    return [m.name for m in MIGRATIONS.applied(db)]
