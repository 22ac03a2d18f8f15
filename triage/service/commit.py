"""Group commit: many requests' writes share one durable SQLite commit.

The referral log commits with ``synchronous=FULL`` (an fsync per commit) and each store function
runs its own short transaction, so a walk-in assessment (patient, encounter, readings,
assessment) costs four fsyncs. Under load the service instead hands each request's whole unit of
work to one writer thread, which runs a batch of units in ONE transaction - each unit inside its
own savepoint, so a unit that fails rolls back alone - and commits once. Every caller gets its
result only after that commit returned, so "acknowledged means durable" still holds.

The store's own ``BEGIN IMMEDIATE`` / ``COMMIT`` / ``ROLLBACK`` (``referral.transactions.write``)
become savepoint operations on the connection a unit sees (:class:`_NestedConnection`).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlite_utils import Database

from referral.errors import DatabaseBusyError
from referral.schema import connect

T = TypeVar("T")
log = logging.getLogger("triage.service.commit")
MAX_BATCH = 64


class _NestedConnection:
    """A connection on which the store's transaction statements act on the unit's savepoint."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if len(sql) > 20:  # the three transaction statements are short; skip the rest fast
            return self._conn.execute(sql, *args)
        statement = sql.strip().upper()
        if statement == "BEGIN IMMEDIATE":
            return self._conn.execute("SAVEPOINT store_write")
        if statement == "COMMIT":
            return self._conn.execute("RELEASE store_write")
        if statement == "ROLLBACK":
            self._conn.execute("ROLLBACK TO store_write")
            return self._conn.execute("RELEASE store_write")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class _NestedDatabase:
    """A ``Database`` whose ``conn`` is the nested connection; everything else is the real one."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.conn = _NestedConnection(db.conn)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


class GroupCommitter:
    """One writer thread with its own connection; :meth:`run` blocks until the unit is durable."""

    def __init__(self, path: Path, busy_timeout_ms: int) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._queue: queue.Queue[tuple[Callable[[Database], Any], Future[Any]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
        self.batches = 0
        self.units = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(10)

    def run(self, unit: Callable[[Database], T]) -> T:
        """Run ``unit(db)`` in the next batch; return (or raise) once the batch is committed."""
        return self.submit(unit).result()

    def submit(self, unit: Callable[[Database], T]) -> Future[T]:
        """Queue ``unit`` for the next batch; the future resolves after the batch's commit."""
        future: Future[T] = Future()
        self._queue.put((unit, future))
        return future

    def _loop(self) -> None:
        db = connect(self._path, busy_timeout_ms=self._busy_timeout_ms, migrate=False)
        nested = cast(Database, _NestedDatabase(db))
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first]
                while len(batch) < MAX_BATCH:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        self._queue.put(None)
                        break
                    batch.append(item)
                self._commit(db, nested, batch)
        finally:
            db.close()

    def _commit(
        self, db: Database, nested: Database, batch: list[tuple[Callable[[Database], Any], Future[Any]]]
    ) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            db.conn.execute("BEGIN IMMEDIATE")
            for unit, _ in batch:
                db.conn.execute("SAVEPOINT unit")
                try:
                    outcomes.append((True, unit(nested)))
                    db.conn.execute("RELEASE unit")
                except BaseException as exc:
                    db.conn.execute("ROLLBACK TO unit")
                    db.conn.execute("RELEASE unit")
                    outcomes.append((False, exc))
            db.conn.execute("COMMIT")
        except BaseException as exc:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            log.error("group commit of %d units failed: %s", len(batch), type(exc).__name__)
            error: BaseException = exc
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                error = DatabaseBusyError(
                    f"the referral log {self._path} stayed locked by another writer; retry"
                )
            for _, future in batch:
                future.set_exception(error)
            return
        self.batches += 1
        self.units += len(batch)
        for (ok, value), (_, future) in zip(outcomes, batch, strict=True):
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
