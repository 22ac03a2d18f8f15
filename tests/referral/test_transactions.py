from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import audit, store
from referral.errors import DatabaseBusyError, NotFoundError
from referral.records import PatientIn
from referral.schema import connect
from referral.transactions import insert_row, write


def test_nested_write_joins_the_outer_transaction(db: Database) -> None:
    def outer(db: Database) -> None:
        store.upsert_patient(db, PatientIn(mrn="A"), actor="svc", reason="r")
        with pytest.raises(NotFoundError):
            store.get_encounter(db, 999)
        store.upsert_patient(db, PatientIn(mrn="B"), actor="svc", reason="r")

    write(db, outer)
    assert {p["mrn"] for p in db.query("SELECT mrn FROM patients")} == {"A", "B"}
    assert audit.verify(db).ok


def test_failed_outer_transaction_leaves_nothing(db: Database) -> None:
    before = audit.verify(db).entries

    def outer(db: Database) -> None:
        store.upsert_patient(db, PatientIn(mrn="A"), actor="svc", reason="r")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write(db, outer)
    assert db.execute("SELECT count(*) FROM patients").fetchone()[0] == 0
    assert audit.verify(db).entries == before


def test_writer_waits_for_a_lock_and_gives_a_clear_error_only_when_it_never_frees(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    connect(path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, lambda: holder.execute("COMMIT")).start()
    waiting = connect(path, busy_timeout_ms=50)
    store.upsert_patient(waiting, PatientIn(mrn="late"), actor="svc", reason="r")  # retried, succeeds
    # stored only after the other writer let go (its COMMIT had ended its transaction): the writer
    # kept retrying past its own 50 ms instead of giving up
    assert not holder.in_transaction
    assert holder.execute("SELECT count(*) FROM patients WHERE mrn = 'late'").fetchone()[0] == 1
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(DatabaseBusyError, match="stayed locked by another writer"):
        store.upsert_patient(
            connect(path, busy_timeout_ms=10), PatientIn(mrn="never"), actor="svc", reason="r"
        )
    holder.execute("ROLLBACK")
    holder.close()


def test_insert_row_quotes_the_names_and_passes_the_values_as_parameters(tmp_path: Path) -> None:
    """A row's names are quoted (a keyword or a quote in a name is a name, not SQL) and its values
    are parameters (text that looks like SQL is stored as it is); ``upsert_on`` updates a row."""
    db = Database(tmp_path / "names.db")
    db.conn.execute('CREATE TABLE "order" (id INTEGER PRIMARY KEY, "group" TEXT, "say ""hi""" TEXT)')
    sneaky = 'x\'); DROP TABLE "order"; --'
    first = insert_row(db, "order", {"group": sneaky, 'say "hi"': "hello"})
    second = insert_row(db, "order", {"group": "b", 'say "hi"': None})
    assert (first, second) == (1, 2)
    insert_row(db, "order", {"id": 2, "group": "c", 'say "hi"': "again"}, upsert_on="id")
    rows = db.conn.execute('SELECT id, "group", "say ""hi""" FROM "order" ORDER BY id').fetchall()
    assert rows == [(1, sneaky, "hello"), (2, "c", "again")]
