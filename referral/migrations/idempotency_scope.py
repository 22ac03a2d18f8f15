"""An idempotency key is the account's that sent it (migration 0027; registered by
``referral.migrations``).

Until this migration a key was UNIQUE across the whole log: two accounts that chose the same key -
two device bridges, each numbering its requests from 1 - collided, and the second account's request
was refused 409 however new it was (``idempotency key "K" was already used by another account``),
its readings or walk-in lost unless the bridge made up another key. Keys are now unique per
account, as Stripe scopes them to the account whose API key sent them and as the IETF draft
"The Idempotency-Key HTTP Header Field" leaves their uniqueness to the resource's owner: the tables
that keep a key are UNIQUE on ``(idempotency_key, created_by)`` (overrides: ``clinician``), the key
first, so the hourly purge's ``idempotency_key IS NOT NULL`` still reads the index.

A column's UNIQUE cannot be dropped in SQLite: ``encounters``, ``assessments``, ``referrals`` and
``observation_requests`` are rebuilt - the table made again from its own stored definition without
that UNIQUE, every row copied with its id, the old table dropped and the new one renamed, then its
indexes and triggers made again (SQLite's "making other kinds of table schema changes", with the
foreign keys off, as ``referral.schema.upgrade`` runs every migration). Nothing is written to a row
and no audit entry changes: the trail still verifies. ``overrides`` had a unique index: it is
replaced.
"""

from __future__ import annotations

import re

from sqlite_utils import Database

#: The tables whose ``idempotency_key`` column was declared UNIQUE, with their author's column.
REBUILT = ("encounters", "assessments", "referrals", "observation_requests")
#: The column as migrations 0001, 0002 and 0024 declared it.
_UNIQUE_KEY = re.compile(r"\bidempotency_key TEXT (NOT NULL )?UNIQUE\b")


def m0027_idempotency_key_per_account(db: Database) -> None:
    """Idempotency keys unique per account (the module says why and how)."""
    for table in REBUILT:
        _rebuild_without_unique_key(db, table)
        db.execute(f"CREATE UNIQUE INDEX {table}_idempotency_key ON {table}(idempotency_key, created_by)")
    db.execute("DROP INDEX overrides_idempotency_key")
    db.execute("CREATE UNIQUE INDEX overrides_idempotency_key ON overrides(idempotency_key, clinician)")


def _rebuild_without_unique_key(db: Database, table: str) -> None:
    """Make ``table`` again from its own definition with its key column no longer UNIQUE, keeping
    every row (and id), index and trigger."""
    (definition,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    rebuilt, found = _UNIQUE_KEY.subn(lambda m: f"idempotency_key TEXT {m[1] or ''}".rstrip(), definition)
    if found != 1:
        raise RuntimeError(f"migration 0027: {table}'s idempotency_key is not declared as expected")
    head = f"CREATE TABLE {table} ("
    if not rebuilt.startswith(head):
        raise RuntimeError(f"migration 0027: {table}'s definition does not start with {head!r}")
    scratch = f"{table}_0027"
    kept = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL ORDER BY rowid",
            [table],
        )
    ]
    db.execute(f"CREATE TABLE {scratch} ({rebuilt[len(head) :]}")
    db.execute(f"INSERT INTO {scratch} SELECT * FROM {table}")
    db.execute(f"DROP TABLE {table}")
    db.execute(f"ALTER TABLE {scratch} RENAME TO {table}")
    for sql in kept:
        db.execute(sql)
