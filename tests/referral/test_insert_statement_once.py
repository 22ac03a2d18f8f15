"""``insert_row`` writes its INSERT statement once for each table and set of columns: it quoted
every name of every row again (a walk-in inserts eight rows: its visit, six readings and its
assessment). The statement SQLite runs is the same text as before, names quoted, values parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import transactions
from referral.transactions import insert_row

from .conftest import counted_calls


def test_a_row_of_columns_inserted_before_is_inserted_without_quoting_its_names_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = f"readings {tmp_path.name}"  # a table no other test inserted into in this process
    db = Database(tmp_path / "log.db")
    db.conn.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, code TEXT, "value" REAL)')
    ran: list[str] = []
    db.conn.set_trace_callback(ran.append)
    quoted = counted_calls(monkeypatch, transactions, "quoted")

    first = insert_row(db, table, {"code": "spo2", "value": 97.0})
    assert quoted, "the first row's statement is written"
    written = len(quoted)
    second = insert_row(db, table, {"code": "heart_rate", "value": 76.0})
    third = insert_row(db, table, {"code": "resp_rate", "value": None})
    assert len(quoted) == written, "a row of the same table and columns is not written again"
    assert (first, second, third) == (1, 2, 3)

    insert_row(db, table, {"code": "sbp"})  # other columns: a statement of their own
    assert len(quoted) > written
    insert_row(db, table, {"id": 2, "code": "dbp", "value": 82.0}, upsert_on="id")

    # as SQLite traces them: each value bound to its parameter, written in
    inserts = [sql for sql in ran if sql.startswith("INSERT")]
    assert inserts == [
        f'INSERT INTO "{table}" ("code", "value") VALUES (\'spo2\', 97.0)',
        f'INSERT INTO "{table}" ("code", "value") VALUES (\'heart_rate\', 76.0)',
        f'INSERT INTO "{table}" ("code", "value") VALUES (\'resp_rate\', NULL)',
        f'INSERT INTO "{table}" ("code") VALUES (\'sbp\')',
        f'INSERT INTO "{table}" ("id", "code", "value") VALUES (2, \'dbp\', 82.0)'
        ' ON CONFLICT("id") DO UPDATE SET "code" = excluded."code", "value" = excluded."value"',
    ]
    rows = db.conn.execute(f'SELECT id, code, "value" FROM "{table}" ORDER BY id').fetchall()
    assert rows == [(1, "spo2", 97.0), (2, "dbp", 82.0), (3, "resp_rate", None), (4, "sbp", None)]
