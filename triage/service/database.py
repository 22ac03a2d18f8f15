"""One referral-log connection per thread (request handlers run in a thread pool).

SQLite connections must not be shared across threads; each worker thread opens its own with the
referral log's pragmas (WAL, synchronous=FULL, foreign keys, busy timeout). Migrations are
applied once, when the service starts.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from sqlite_utils import Database

from referral.schema import connect


class Databases:
    def __init__(self, path: Path, busy_timeout_ms: int) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[Database] = []
        self._lock = threading.Lock()

    def migrate(self) -> None:
        db = connect(self.path, busy_timeout_ms=self.busy_timeout_ms, migrate=True)
        db.close()

    def get(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path, busy_timeout_ms=self.busy_timeout_ms, migrate=False)
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def close_all(self) -> None:
        with self._lock:
            for db in self._all:
                # A connection opened by another pool thread refuses close() from this one.
                with contextlib.suppress(Exception):
                    db.close()
            self._all.clear()
        self._local = threading.local()
