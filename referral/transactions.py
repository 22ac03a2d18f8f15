"""Short write transactions: ``BEGIN IMMEDIATE``, commit, and retry while the log is busy.

``BEGIN IMMEDIATE`` takes the write lock up front, so a transaction never fails half-way with
"database is locked" after doing work. If another writer holds the lock longer than the
connection's ``busy_timeout``, the whole unit of work is retried (it has not written anything
yet, so the retry is safe) with a growing pause; only after the retry budget is spent does the
caller get a :class:`DatabaseBusyError` - never a raw ``sqlite3.OperationalError``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlite_utils import Database

from referral.errors import DatabaseBusyError
from referral.storage import failures_counted, storage_error, wrote

T = TypeVar("T")

RETRY_PAUSES_S = (0.01, 0.03, 0.1, 0.3, 1.0)


def utc_now() -> str:
    """The current time as ISO 8601 UTC with milliseconds (``2026-05-01T08:30:00.123+00:00``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def when(at: str) -> str:
    """A stored UTC time for a message: ``2026-05-01 13:00:00 UTC``."""
    return f"{at[:19].replace('T', ' ')} UTC"


def quoted(name: str) -> str:
    """An SQL identifier (a table's or a column's name) quoted for SQLite: in double quotes, any
    double quote in it doubled."""
    return '"' + name.replace('"', '""') + '"'


def one_row(db: Database, sql: str, params: list[Any]) -> dict[str, Any] | None:
    """The first row ``sql`` selects, as column name -> value, or ``None``."""
    cursor = db.conn.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([column[0] for column in cursor.description], row, strict=True))


def insert_row(db: Database, table: str, row: Mapping[str, object], *, upsert_on: str | None = None) -> int:
    """Insert ``row`` (column name -> value) into ``table``, inside the caller's transaction
    (:func:`write`); returns the new row's id. The names are quoted, the values always
    parameters. ``upsert_on``: a unique column whose conflict updates the stored row's other
    columns instead of failing."""
    cursor = db.conn.execute(_insert_sql(table, tuple(row), upsert_on), list(row.values()))
    return int(cursor.lastrowid or 0)


def insert_returning(db: Database, table: str, row: Mapping[str, object]) -> dict[str, Any]:
    """:func:`insert_row`, returning the new row as stored (every column, from the INSERT's own
    ``RETURNING *``) instead of its id: the row is not read back with a second statement."""
    cursor = db.conn.execute(_insert_sql(table, tuple(row), None) + " RETURNING *", list(row.values()))
    names = [column[0] for column in cursor.description]
    (stored,) = cursor.fetchall()
    return dict(zip(names, stored, strict=True))


@functools.lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...], upsert_on: str | None) -> str:
    """The INSERT statement of :func:`insert_row`, written once for each table and set of columns
    (the code's rows have a few fixed shapes): a walk-in inserts eight rows, and quoting every
    name of every row again cost about 2.7 of the 12.7 us a reading's row took."""
    names, marks = ", ".join(map(quoted, columns)), ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks})"
    if upsert_on is not None:
        updates = ", ".join(f"{quoted(c)} = excluded.{quoted(c)}" for c in columns if c != upsert_on)
        sql += f" ON CONFLICT({quoted(upsert_on)}) DO UPDATE SET {updates}"
    return sql


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


def write(db: Database, work: Callable[[Database], T]) -> T:
    """Run ``work(db)`` in one ``BEGIN IMMEDIATE`` transaction and commit it durably.

    The result is returned only after ``COMMIT`` returned, i.e. after the WAL was synced
    (``synchronous=FULL``), so the caller may acknowledge the write to its client. Called inside
    another ``write``, it joins that transaction (savepoint) and the outer one commits.
    """
    if db.conn.in_transaction:
        unit = _UNIT.get()
        if unit is not None and unit.conn == id(db.conn):
            return unit.run(db, work)
        return _nested(db, work)
    attempts = len(RETRY_PAUSES_S) + 1
    for attempt in range(attempts):
        try:
            db.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _is_busy(error) and attempt < attempts - 1:
                time.sleep(RETRY_PAUSES_S[attempt])
                continue
            if _is_busy(error):
                raise DatabaseBusyError(
                    f"the referral log {db_path(db)} stayed locked by another writer; "
                    f"gave up after {attempts} attempts - retry the request"
                ) from error
            _raise_explained(db, error)
            raise
        return _work_and_commit(db, work)
    raise AssertionError("unreachable: the retry loop always returns or raises")


def write_unless_locked(db: Database, work: Callable[[Database], object], *, wait_ms: int = 0) -> bool:
    """Run ``work(db)`` as :func:`write` does if the log's write lock is free now (or within
    ``wait_ms``, one try), else not at all: whether it ran. For bookkeeping done on the service's
    event loop (a token's last use), which must not wait for another writer - :func:`write` waits
    ``busy_timeout`` per try, six tries, and the whole service with it -, and for a staff sign-in,
    which waits a moment for another writer's short commit, not for a backup or a migration.
    SQLite's wait is ``wait_ms`` for this one transaction."""
    if db.conn.in_transaction:
        _nested(db, work)
        return True
    timeout = db.conn.execute("PRAGMA busy_timeout").fetchone()[0]
    db.conn.execute(f"PRAGMA busy_timeout = {max(0, int(wait_ms))}")
    try:
        try:
            db.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                return False
            _raise_explained(db, error)
            raise
        _work_and_commit(db, work)
        return True
    finally:
        db.conn.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def _work_and_commit(db: Database, work: Callable[[Database], T]) -> T:
    """The transaction ``BEGIN IMMEDIATE`` opened: ``work(db)``, then ``COMMIT``, or a rollback."""
    rows = db.conn.total_changes
    try:
        result = work(db)
        db.conn.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        _rollback(db)
        _raise_explained(db, error)
        raise
    except BaseException:
        _rollback(db)
        raise
    if failures_counted() and db.conn.total_changes > rows:  # the disk took them (readiness)
        wrote(db_path(db))
    return result


def _rollback(db: Database) -> None:
    if db.conn.in_transaction:
        # a full or failing disk may refuse the rollback too: SQLite then rolls back on its own
        with contextlib.suppress(sqlite3.DatabaseError):
            db.conn.execute("ROLLBACK")


def _raise_explained(db: Database, error: sqlite3.DatabaseError) -> None:
    """A full, read-only or damaged log: one line naming the file and the way out (any other
    error returns, for the caller to re-raise as it is)."""
    explained = storage_error(error, db_path(db))
    if explained is not None:
        raise explained from error


def _nested(db: Database, work: Callable[[Database], T]) -> T:
    """Called inside an open write transaction: join it under a savepoint (the outer
    transaction commits; a failure here undoes only this unit of work)."""
    db.conn.execute("SAVEPOINT referral_write")
    try:
        result = work(db)
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK TO SAVEPOINT referral_write")
            db.conn.execute("RELEASE SAVEPOINT referral_write")
        raise
    db.conn.execute("RELEASE SAVEPOINT referral_write")
    return result


class _Unit:
    """A unit of work inside one savepoint of its own (:func:`one_savepoint`)."""

    def __init__(self, conn: int) -> None:
        self.conn = conn
        self.failed: BaseException | None = None
        #: the audit trail's newest entry as this unit's last append wrote it (``seq``, ``hash``,
        #: ``at``), for its next append (``referral.audit.append``): nothing inside the unit is
        #: rolled back alone, so it is the trail's tail until the unit ends
        self.audit_tail: tuple[int, str, str] | None = None

    def run(self, db: Database, work: Callable[[Database], T]) -> T:
        try:
            return work(db)
        except BaseException as exc:
            self.failed = exc
            raise


_UNIT: contextvars.ContextVar[_Unit | None] = contextvars.ContextVar("referral_unit", default=None)


def current_unit(db: Database) -> _Unit | None:
    """The unit of work (:func:`one_savepoint`) running on ``db``'s connection now, while no write
    inside it failed; else ``None``. What it holds is good for this unit alone: the next unit, or
    any write outside one, reads the log again."""
    unit = _UNIT.get()
    if unit is None or unit.conn != id(db.conn) or unit.failed is not None:
        return None
    return unit


@contextlib.contextmanager
def one_savepoint(db: Database) -> Iterator[None]:
    """Inside, the :func:`write` calls on ``db`` take no savepoint of their own: the caller holds
    one for the whole unit (the group commit's per-walk-in savepoint, ``triage/service/commit.py``)
    and rolls all of it back when an error leaves this block - a walk-in's five writes took ten
    savepoint statements more. A write that failed inside leaves its partial changes for that
    rollback, so an error caught inside and not raised out of the block is raised here, as a
    :class:`RuntimeError`: the unit must not be kept half-written."""
    if not db.conn.in_transaction:
        raise RuntimeError("one_savepoint: the caller's savepoint must be open (no transaction is)")
    unit = _Unit(id(db.conn))
    token = _UNIT.set(unit)
    try:
        yield
    finally:
        _UNIT.reset(token)
    if unit.failed is not None:
        raise RuntimeError(
            f"a write failed ({type(unit.failed).__name__}: {unit.failed}) and its error was caught inside"
            " a unit of work: the unit is rolled back whole"
        ) from unit.failed


@contextlib.contextmanager
def snapshot(db: Database) -> Iterator[None]:
    """Read the log as of one moment: every query inside sees the same committed state while
    writers go on (a WAL read transaction). Checks that compare tables must not see a write
    land between two queries."""
    if db.conn.in_transaction:  # inside a write: already one consistent view
        yield
        return
    db.conn.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")  # nothing was written: just end the read


def db_path(db: Database) -> str:
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row and row[2] else ":memory:"
