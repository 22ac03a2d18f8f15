"""Group commit: many requests' writes share one durable SQLite commit.

The referral log commits with ``synchronous=FULL`` (an fsync per commit) and each store function
runs its own short transaction, so a walk-in assessment (patient, encounter, readings,
assessment) costs four fsyncs. Under load the service instead queues each request's whole unit of
work and runs a batch of units in ONE transaction - each unit inside its own savepoint, so a unit
that fails rolls back alone - and commits once. Every caller gets its result only after that
commit returned, so "acknowledged means durable" still holds.

Where each step runs matters more than the SQL:

- the units run on the event loop, inside the transaction. They are short CPU work (about 1 ms
  a walk-in). Run on a writer thread of their own instead (the first design), they had to win the
  interpreter lock from the busy event loop statement by statement: a walk-in cost 5.4 ms of CPU
  and one process topped out at about 185 walk-ins/s; on the loop it costs 3.2-4.5 ms (the box
  varies) and one process serves 234-290/s;
- ``BEGIN IMMEDIATE`` is tried on the loop without waiting. When another writer holds the log,
  the wait (for our turn, then for SQLite's lock, up to ``busy_timeout``) happens on one helper
  thread, off the loop;
- ``COMMIT`` runs on the helper thread too: its fsync takes 0.3 ms on a quiet box and 1 ms or
  more on a busy one (measured), time the loop spends serving other requests instead. The service
  shortens Python's thread switch interval (``triage serve``) so the helper thread gets the
  interpreter back quickly after the fsync and hands the turn on;
- with ``triage serve --workers N`` the processes take turns through
  :class:`referral.writer_lock.WriterLock`, waiting in the kernel instead of SQLite's sleep-and-poll.

The helper thread is named ``group-commit`` for the system too (``top -H``, ``ps -L -o tid,comm``,
``/proc/PID/task/TID/comm``): Python 3.11 names its threads for Python alone, so every thread of
the service showed as ``triage`` and a service stuck waiting for the log did not show which one
waited.

The store's own ``BEGIN IMMEDIATE`` / ``COMMIT`` / ``ROLLBACK`` (``referral.transactions.write``)
become savepoint operations on the connection a unit sees (:class:`_NestedConnection`).

The live events a unit publishes (a walk-in's ``queue`` event) wait for the batch's commit: sent
from inside the transaction, a page re-reading the queue on them while the commit's fsync ran read
the log without the walk-in, and nothing corrected it. A unit that fails publishes none.

When the disk is full or fails (or the file is read-only), SQLite may roll the whole transaction
back on its own: every unit of the batch is then lost, not only the one that failed, and none was
acknowledged. Each request of the batch gets the one-line :class:`StorageError` naming the file
(HTTP 503, "nothing of this request was stored"); the next batch tries the disk again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlite_utils import Database

from referral.checkpoint import Checkpointer
from referral.errors import ClinicError, DatabaseBusyError
from referral.schema import connect
from referral.storage import storage_error, wrote
from referral.transactions import one_savepoint
from referral.writer_lock import WriterLock
from triage.service.events import HeldEvents

T = TypeVar("T")
log = logging.getLogger("triage.service.commit")
MAX_BATCH = 64
#: The helper thread's name, for Python and for the system (at most 15 bytes: the kernel's limit).
HELPER_THREAD = "group-commit"


def _name_helper_thread() -> None:
    """Helper thread, first thing: take :data:`HELPER_THREAD` as its name for the system too."""
    with contextlib.suppress(OSError):  # not Linux, or no /proc: the name only helps to look
        Path(f"/proc/self/task/{threading.get_native_id()}/comm").write_text(HELPER_THREAD, encoding="ascii")


class _BatchLost(Exception):
    """SQLite rolled the whole batch back (a full or failing disk): no unit of it is stored."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


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
    """Batches of units in one transaction each; :meth:`run` returns once the unit is durable.

    Start, run and stop it on the service's event loop.
    """

    def __init__(self, path: Path, busy_timeout_ms: int) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._pending: list[tuple[Callable[[Database], Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._db: Database | None = None
        self._nested: Database | None = None
        self._checkpointer: Checkpointer | None = None
        # Other service processes (``triage serve --workers``) write to the same log: take turns.
        self._turn = WriterLock(path)
        self._io = ThreadPoolExecutor(1, thread_name_prefix=HELPER_THREAD, initializer=_name_helper_thread)
        self.batches = 0
        self.units = 0
        self._stored_rows = 0

    def start(self) -> None:
        self._db = connect(self._path, busy_timeout_ms=self._busy_timeout_ms, migrate=False, any_thread=True)
        # WAL checkpoints on a thread of their own, not inside one of our commits (see referral.checkpoint).
        self._db.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._checkpointer = Checkpointer(self._path)
        self._checkpointer.start()
        self._nested = cast(Database, _NestedDatabase(self._db))

    async def stop(self) -> None:
        """Finish what is queued, then close."""
        while self._flusher is not None and not self._flusher.done():
            await self._flusher
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        self._turn.close()
        self._io.shutdown(wait=True)

    async def run(self, unit: Callable[[Database], T]) -> T:
        """Run ``unit(db)`` in the next batch; return (or raise) once the batch is committed."""
        if self._db is None:
            raise RuntimeError("the group committer is not started")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append((unit, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            try:
                if not self._begin_now():
                    await loop.run_in_executor(self._io, self._begin_waiting)
            except BaseException as exc:
                self._fail(self._take(), exc)
                continue
            batch = self._take()  # requests that arrived while we waited join this batch
            self._stored_rows = 0  # rows its units that succeeded changed
            try:
                outcomes = [self._run_unit(unit) for unit, _ in batch]
            except _BatchLost as lost:
                self._abandon()
                self._fail(batch, lost.error)
                continue
            except BaseException as exc:  # the units catch Exception; this is an interrupt
                self._abandon()
                self._fail(batch, exc)
                raise
            try:
                await loop.run_in_executor(self._io, self._commit)
            except BaseException as exc:
                self._fail(batch, exc)
                continue
            if self._stored_rows:  # the disk took them: failures counted before are forgotten
                wrote(self._path)
            self.batches += 1
            self.units += len(batch)
            for (ok, value, events), (_, future) in zip(outcomes, batch, strict=True):
                if ok:
                    events.publish()  # what they announce is committed now
                if future.done():  # the request was cancelled (client gone); its unit is stored
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _take(self) -> list[tuple[Callable[[Database], Any], asyncio.Future[Any]]]:
        batch = self._pending[:MAX_BATCH]
        del self._pending[:MAX_BATCH]
        return batch

    def _begin_now(self) -> bool:
        """Event loop: start the transaction if nobody else is writing (never waits)."""
        assert self._db is not None
        if not self._turn.try_acquire():
            return False
        conn = self._db.conn
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self._turn.release()
            if "locked" in str(exc) or "busy" in str(exc):
                return False  # a writer outside the service (the CLI) holds the log: wait for it
            raise
        return True

    def _begin_waiting(self) -> None:
        """Helper thread: wait for our turn and for SQLite's write lock (up to busy_timeout)."""
        assert self._db is not None
        self._turn.acquire()
        try:
            self._db.conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            self._db.conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._turn.release()
            raise

    def _run_unit(self, unit: Callable[[Database], Any]) -> tuple[bool, Any, HeldEvents]:
        """Event loop, write lock held: one unit in its own savepoint; the events it publishes are
        held for the batch's commit."""
        assert self._db is not None and self._nested is not None
        conn = self._db.conn
        conn.execute("SAVEPOINT unit")
        rows = conn.total_changes
        events = HeldEvents()
        try:
            with events, one_savepoint(self._nested):  # the store's writes inside take none of their own
                result = unit(self._nested)
        except Exception as exc:
            if not conn.in_transaction:  # SQLite rolled back the batch (SQLITE_FULL, SQLITE_IOERR)
                raise _BatchLost(exc) from exc
            try:
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
            except sqlite3.DatabaseError as undo:  # the disk refused the undo too: the batch is lost
                raise _BatchLost(exc) from undo
            return False, self._explained(exc), events
        conn.execute("RELEASE unit")
        self._stored_rows += conn.total_changes - rows
        return True, result, events

    def _commit(self) -> None:
        """Helper thread: commit (the fsync: 0.3 ms on a quiet box, 1 ms and more on a busy one,
        so not on the event loop), then give the turn to the next writer."""
        assert self._db is not None
        try:
            self._db.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._turn.release()

    def _abandon(self) -> None:
        assert self._db is not None
        try:
            self._rollback()
        finally:
            self._turn.release()

    def _rollback(self) -> None:
        assert self._db is not None
        if self._db.conn.in_transaction:
            # a full or failing disk may refuse the rollback too: SQLite then rolls back on its own
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.conn.execute("ROLLBACK")

    def _explained(self, exc: BaseException) -> BaseException:
        """A locked log, a full, read-only or failing disk as the error its requests answer (a
        :class:`ClinicError` naming the file); any other error as it is."""
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return DatabaseBusyError(f"the referral log {self._path} stayed locked by another writer; retry")
        if isinstance(exc, sqlite3.DatabaseError):
            return storage_error(exc, self._path) or exc
        return exc

    def _fail(
        self, batch: list[tuple[Callable[[Database], Any], asyncio.Future[Any]]], exc: BaseException
    ) -> None:
        error = self._explained(exc)
        if not isinstance(error, ClinicError):  # a ClinicError is logged once, by each request's answer
            log.error("group commit of %d units failed: %s", len(batch), type(exc).__name__)
        for _, future in batch:
            if not future.done():
                future.set_exception(error)
