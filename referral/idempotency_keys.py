"""How long a request's idempotency key is kept: at least the retention (``[service]
idempotency_retention_s``, 24 hours unless set), then forgotten by the next :func:`purge`.

A key is kept with the record the request stored - an encounter, an assessment, a referral, an
override (their ``idempotency_key`` column) or a request of readings (a row of ``observation_requests``) - so the
request sent again is answered that record (``referral.store``, ``referral.observation_requests``).
They were kept for ever: a client whose keys start again (a bridge numbering its requests anew
after a restart, a key made from the readings' values) was answered a record of last month as if
its new request were a retry, and ``observation_requests`` grew by a row a keyed request.

:func:`purge` clears the key of every record older than the retention (``observation_requests``:
deletes the row, which holds nothing else), in batches of :data:`BATCH` keys, each batch one short
write transaction with its ``idempotency.purge`` audit entry naming the rows it cleared, so the
service's requests take turns with it and ``verify-audit`` replays it
(``referral.audit_rows_clinical``). The key stays in the audit trail's creation entry: history,
no longer the name of a request. A forgotten key is a key never seen: the request sent with it
again is a new request, stored again (201).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from referral import audit
from referral.transactions import write
from referral.upgrade_record import recorded_upgrades

#: Keys cleared in one write transaction: a few milliseconds, so requests are not held up.
BATCH = 500
ACTION = "idempotency.purge"
#: Who forgets (the audit entry's actor): the service itself, not a person.
PURGE_ACTOR = "system"
#: How the audit replay and a purge's entry name a row of ``observation_requests`` (SQL over its
#: author and key columns): keys are unique per account from migration 0027.
REQUEST_ROW = "json_array({author}, {key})"
#: The migration from which a key is unique per account (before it: in the whole log).
PER_ACCOUNT = "0027_idempotency_key_per_account"
#: The tables that keep a key beside their record, with the column that says when it was stored.
KEPT_IN = (
    ("encounters", "started_at"),
    ("assessments", "created_at"),
    ("referrals", "created_at"),
    ("observation_requests", "created_at"),
    ("overrides", "created_at"),
)


@dataclass
class PurgeReport:
    """What one :func:`purge` forgot: keys cleared per table, and the audit entries it wrote."""

    before: str
    cleared: dict[str, int] = field(default_factory=lambda: {table: 0 for table, _ in KEPT_IN})
    entries: int = 0

    @property
    def total(self) -> int:
        return sum(self.cleared.values())


def utc_text(at: datetime) -> str:
    """``at`` as the log writes times (ISO 8601 UTC with milliseconds)."""
    if at.tzinfo is None:
        raise ValueError("a purge's time must carry its UTC offset")
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def _expired(db: Database, before: str, limit: int) -> dict[str, list[int]]:
    """Up to ``limit`` rows whose key was stored before ``before``, by table (read by the key's
    unique index: after a purge only the retention's keys are left in it)."""
    found: dict[str, list[int]] = {}
    for table, stored_at in KEPT_IN:
        if limit <= 0:
            break
        # by julianday(): an encounter's start is stored in the clinic's zone (its date is the visit's
        # day), and "22:43-05:00" is later than "02:43+00:00" though it reads earlier. A key is never
        # empty, so "> ''" is "is kept" and reads the key's index; "IS NOT NULL ... ORDER BY id" walked
        # the table in id order through every row whose key was forgotten (the whole log, hourly)
        query = (
            f"SELECT id FROM {table} WHERE idempotency_key > ''"
            f" AND julianday({stored_at}) < julianday(?) ORDER BY +id LIMIT ?"
        )
        ids = [int(row_id) for (row_id,) in db.conn.execute(query, [before, limit])]
        if ids:
            found[table] = ids
            limit -= len(ids)
    return found


def _forget(db: Database, before: str, batch: int) -> dict[str, int]:
    """Forget one batch of keys stored before ``before`` (inside a write transaction), with its
    audit entry; how many of each table (empty: none left)."""
    found = _expired(db, before, batch)
    if not found:
        return {}
    cleared: dict[str, list[int] | list[list[str]]] = {}
    for table, ids in found.items():
        marks = ", ".join("?" for _ in ids)
        if table == "observation_requests":
            # the row is the key and its request's fingerprint: the trail names it by its author
            # and key (the key alone before migration 0027)
            row = REQUEST_ROW.format(author="created_by", key="idempotency_key")
            query = f"SELECT {row} FROM observation_requests WHERE id IN ({marks}) ORDER BY 1"
            cleared[table] = [json.loads(named) for (named,) in db.conn.execute(query, ids)]
            db.conn.execute(f"DELETE FROM observation_requests WHERE id IN ({marks})", ids)
        else:
            cleared[table] = ids
            db.conn.execute(f"UPDATE {table} SET idempotency_key = NULL WHERE id IN ({marks})", ids)
    audit.append(
        db,
        actor=PURGE_ACTOR,
        action=ACTION,
        entity="idempotency",
        entity_id="purge",
        reason=f"idempotency keys stored before {before} forgotten: their retention ended",
        data={"before": before, "cleared": cleared},
    )
    return {table: len(ids) for table, ids in found.items()}


def purge(
    db: Database, *, now: datetime, retention: timedelta, batch: int = BATCH, most: int | None = None
) -> PurgeReport:
    """Forget every idempotency key stored more than ``retention`` before ``now`` (the module says
    how), one batch of at most ``batch`` keys per write transaction; ``most``: stop after that many
    batches (the service pauses between them). Nothing expired (most hours): one read, no write -
    the log's write lock is not taken, and a read-only log is not written."""
    report = PurgeReport(utc_text(now - retention))
    while (
        (most is None or report.entries < most)
        and _expired(db, report.before, 1)
        and (counts := write(db, lambda d: _forget(d, report.before, batch)))
    ):
        report.entries += 1
        for table, count in counts.items():
            report.cleared[table] += count
    return report


def purged(db: Database) -> dict[str, dict[int | str, int]]:
    """What the ``idempotency.purge`` entries cleared, by table: each row's id (for
    ``observation_requests``, its :data:`REQUEST_ROW` - its key alone in an entry from before
    migration 0027) -> the entry's number; for the audit replay."""
    found: dict[str, dict[int | str, int]] = {table: {} for table, _ in KEPT_IN}
    query = "SELECT seq, data FROM audit WHERE entity = 'idempotency' AND action = ? ORDER BY seq"
    for seq, data in db.conn.execute(query, [ACTION]):
        for table, keys in json.loads(data)["cleared"].items():
            named = (_request_row(db, key) if isinstance(key, list) else key for key in keys)
            found.setdefault(table, {}).update(dict.fromkeys(named, int(seq)))
    return found


def _request_row(db: Database, pair: list[str]) -> str:
    """A purge entry's ``[author, key]`` as :data:`REQUEST_ROW` writes it (SQLite's own JSON)."""
    (named,) = db.conn.execute("SELECT json_array(?, ?)", pair).fetchone()
    return str(named)


def per_account_from(db: Database) -> float:
    """The audit number after which idempotency keys are unique per account: the entry recording
    the upgrade that applied migration 0027; 0 for a log made with it; infinity for a log not yet
    upgraded to it (a backup checked before its restore migrates it)."""
    applied = db.conn.execute("SELECT 1 FROM _sqlite_migrations WHERE name = ?", [PER_ACCOUNT]).fetchone()
    if applied is None:
        return float("inf")
    for upgrade in recorded_upgrades(db):
        if PER_ACCOUNT in upgrade["applied"]:
            return float(upgrade["seq"])
    return 0.0
