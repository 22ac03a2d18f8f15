"""One referral-log connection per thread (request handlers run in a thread pool).

SQLite connections must not be shared across threads; each worker thread opens its own with the
referral log's pragmas (WAL, synchronous=FULL, foreign keys, busy timeout). Migrations are
applied once, when the service starts; if the log cannot be opened then for a reason that can
pass (its folder missing or read-only, a full disk, a mount not back yet), :class:`LogUnavailable`
says so and the service tries again (``triage/service/wiring.py``).
"""

from __future__ import annotations

import contextlib
import logging
import shlex
import sqlite3
import threading
from pathlib import Path
from typing import Any, cast

from sqlite_utils import Database

from referral.backup import BackupReport, UpgradeBackups, UpgradeRefused, removed_text, untrusted_trail
from referral.errors import ConfigError
from referral.schema import applied_migrations, connect, upgrade
from referral.storage import storage_error
from triage.command_name import runnable
from triage.errors import os_reason
from triage.settings import DatabaseSettings

log = logging.getLogger("triage.service")


def changed_text(path: Path, before: list[str], applied: list[str], kept: BackupReport | None = None) -> str:
    """The service log's line for a log start-up created, or upgraded from an older version (``kept``:
    the backup taken first, :func:`referral.backup.before_upgrade`)."""
    where = path.resolve()
    now = f"schema {len(before) + len(applied)} ({applied[-1]})"
    if not before:
        return (
            f"referral log {where}: there was none, a new empty one was created ({now}) - right on a"
            " first start; otherwise database.path does not name the clinic's log: stop the service"
            " and set it"
        )
    return runnable(
        f"referral log {where} upgraded from schema {len(before)} ({before[-1]}) to {now}: applied"
        f" {', '.join(applied)}; the previous version no longer opens it - going back means the previous"
        f" version and the backup taken before the upgrade, {kept and kept.path}"
        f" (`triage referrals restore --from {shlex.quote(str(kept and kept.path))}`; docs/referral-log.md,"
        f" 'Upgrading to a new version'){removed_text(kept) if kept else ''}{untrusted_trail(kept) if kept else ''}"
    )


def refuse_a_folder(path: Path) -> None:
    """``database.path`` naming a folder is a settings mistake (exit 2 before ``serve`` starts; not
    ready, not retried, if it became one later): retrying every 30 s could never open it, and the
    CLI's ``--db`` refuses a folder already (``referral.storage``, :class:`FolderGivenError`)."""
    if path.is_dir():
        raise ConfigError(
            f"database.path {path} is a folder; give the referral log's file, e.g. {path / 'clinic.db'}"
        )


def missing_folder(path: Path) -> str | None:
    """Why the referral log at ``path`` (``database.path``) is not opened because its folder does not
    exist, or None. The folder is not created: a mistyped path made a new, empty log nobody looks
    at (as ``devices listen --db`` refuses it: ``triage.cli.paths.in_existing_folder``), and a
    mount not back yet got a log of its own beneath the mount point. The default
    ``var/clinic.db`` (no ``database.path`` given, a first try in a working folder) is the exception."""
    folder = path.parent
    if folder.exists() or path == DatabaseSettings.model_fields["path"].default:
        return None
    return (
        f"database.path {path}: the folder {folder} does not exist (a mistyped path, or a mount not back"
        f" yet?); check database.path, or create the folder first (mkdir -p {folder}), owned by the"
        " service's user; the service creates no folder and tries again"
    )


class LogUnavailable(ConfigError):
    """The referral log cannot be opened for now (a folder that cannot be created or written, a
    full or read-only disk, an I/O error): worth trying again. A file that is not a referral log,
    or one a newer version migrated, is not."""


class LogNotUpgraded(LogUnavailable):
    """An older log left as it was because the backup an upgrade takes first could not be written
    (:class:`referral.backup.UpgradeRefused`): ``/readyz`` says ``upgrade_refused``, as the CLI
    does, not ``invalid_config`` - nothing in the settings is wrong; tried again."""

    code = UpgradeRefused.code


class ThreadBoundDatabase:
    """Stands in for a ``Database`` and resolves to the calling thread's connection on each use.

    FastAPI may resolve a dependency in one pool thread and run the endpoint in another; handing
    the endpoint this proxy keeps every SQLite call on a connection of the thread making it.
    """

    def __init__(self, databases: Databases) -> None:
        self._databases = databases

    def __getattr__(self, name: str) -> Any:
        return getattr(self._databases.get(), name)


class Databases:
    def __init__(self, path: Path, busy_timeout_ms: int, backups: UpgradeBackups | None = None) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self.backups = backups  # where the backup an upgrade takes first goes (database.backup_dir)
        self._local = threading.local()
        self._all: list[Database] = []
        self._lock = threading.Lock()

    def migrate(self) -> None:
        """Open the log and apply its pending migrations; the service log says when that created a
        new log or upgraded an older one (the ``ready:`` line gave only the schema it ended at)."""
        refuse_a_folder(self.path)
        if (missing := missing_folder(self.path)) is not None:  # can pass: a mount coming back
            raise LogUnavailable(missing)
        try:
            db = connect(self.path, busy_timeout_ms=self.busy_timeout_ms, migrate=False)
            try:
                before = applied_migrations(db)
                applied, kept = upgrade(db, backups=self.backups)
            finally:
                db.close()
        except UpgradeRefused as exc:  # no room for the backup taken first: it can pass, tried again
            raise LogNotUpgraded(f"database.path {self.path}: {exc}") from None
        except sqlite3.OperationalError as exc:  # cannot open, read-only, disk full, I/O error
            raise LogUnavailable(self._said(exc)) from None
        except sqlite3.DatabaseError as exc:  # a file that is not SQLite or is damaged: not ready
            raise ConfigError(self._said(exc)) from None
        except OSError as exc:  # its folder cannot be created (under a file, on a read-only disk)
            raise LogUnavailable(
                f"database.path {self.path}: cannot create the referral log's folder ({os_reason(exc)})"
            ) from None
        if applied:
            log.warning("%s", changed_text(self.path, before, applied, kept))

    def _said(self, exc: sqlite3.Error) -> str:
        """SQLite's bare "unable to open database file" or "database disk image is malformed" as
        what it means here and what to do (``referral.storage``: a file or folder this user may not
        use, a full disk, a damaged log to keep and restore from the latest backup ...)."""
        explained = storage_error(exc, self.path)
        what = str(explained).removeprefix("referral log: ") if explained else None
        if what is None and "not a database" in str(exc):  # not SQLite, or its first page overwritten
            what = (
                f"not a usable referral log (SQLite: {exc}) - the wrong file (check database.path in the"
                " settings), or a damaged log: keep it as it is, and with the service stopped restore the"
                f" latest backup (`triage referrals restore --from FILE --db"
                f" {shlex.quote(str(self.path))} --replace-damaged`)"
            )
        # a command it suggests names the triage that runs (the service's: not always on the PATH)
        return runnable(f"database.path {self.path}: {what or f'not a usable referral log (SQLite: {exc})'}")

    def get(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path, busy_timeout_ms=self.busy_timeout_ms, migrate=False)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def bound(self) -> Database:
        """A proxy that always uses the current thread's connection (see ``ThreadBoundDatabase``)."""
        return cast(Database, ThreadBoundDatabase(self))

    def close_all(self) -> None:
        with self._lock:
            for db in self._all:
                # A connection opened by another pool thread refuses close() from this one.
                with contextlib.suppress(Exception):
                    db.close()
            self._all.clear()
        self._local = threading.local()
