from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral.migrations import MIGRATIONS
from referral.schema import applied_migrations, apply_migrations, connect


def test_fresh_database_gets_every_migration_and_pragmas(tmp_path: Path) -> None:
    db = connect(tmp_path / "new" / "clinic.db")
    assert applied_migrations(db) == [m.name for m in MIGRATIONS._migrations]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_migrations_are_registered_in_name_order() -> None:
    """Pending migrations apply in registration order; two changes landing in either order
    (e.g. 0010 added after 0011 was appended) must still apply by name."""
    names = [m.name for m in MIGRATIONS._migrations]
    assert names == sorted(names)


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "clinic.db"
    first = connect(path)
    before = first.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert apply_migrations(connect(path)) == []
    assert first.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == before


def test_every_table_is_strict(tmp_path: Path) -> None:
    db = connect(tmp_path / "clinic.db")
    for name in db.table_names():
        if name.startswith("_sqlite"):
            continue
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]
        assert sql.rstrip().endswith("STRICT"), name


def test_strict_rejects_wrong_type_and_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="cannot store TEXT value in INTEGER"):
        db.execute("INSERT INTO facilities VALUES ('X', 'x', 'primary', '1', 1.0, 1.0, 'many', 1, NULL, 0)")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute(
            "INSERT INTO encounters (patient_id, started_at, day, created_by)"
            " VALUES (999, '2026-01-01T00:00:00+00:00', '2026-01-01', 'x')"
        )
