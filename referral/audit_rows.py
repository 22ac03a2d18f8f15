"""The audited tables checked against their audit trail: an edit made behind the application's back.

The hash chain (:mod:`referral.audit`) proves the audit table itself. A row of ``referrals``
changed, added or deleted with plain ``sqlite3`` does not touch the audit table, so the chain
alone cannot see it. :func:`verify_rows` replays the (chain-verified) trail - each row's create
entry and the entries that changed it - and compares the result with what the tables hold:

- ``patients``: ``patient.create`` then ``patient.update`` (name, sex, birth date) and
  ``patient.correct`` (a person's correction of the name or sex);
- ``encounters``: the columns ``encounter.create`` recorded (who, where, when; later closing and
  the stated history are not compared);
- ``assessments``: ``assessment.create``, the stored payload by its SHA-256;
- ``overrides``: ``assessment.override`` (clinician, disposition, reason);
- ``referrals``: ``referral.create`` then every ``referral.<status>`` transition (status, each
  status time, feedback), and ``referral_events``: one event per create and transition.

A row whose values differ from the trail, a row the trail never created (inserted outside the
application) and a created row that is gone (deleted) are each reported, the first one found by
table and id. The walk streams both sides in id order, so memory does not grow with the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlite_utils import Database

from referral import lifecycle
from referral.audit import canonical_json

#: One expected row: the id, the values the trail says it holds, the entry that said it last.
Expected = tuple[int, dict[str, Any], int]


@dataclass(frozen=True)
class RowsReport:
    rows: dict[str, int] = field(default_factory=dict)  # rows compared, by table
    table: str | None = None
    row_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "ok": self.ok,
            "table": self.table,
            "row_id": self.row_id,
            "problem": self.problem,
        }


class _Mismatch(Exception):
    def __init__(self, table: str, row_id: int, problem: str) -> None:
        super().__init__(problem)
        self.table, self.row_id, self.problem = table, row_id, problem


def _entries(db: Database, where: str, key: str = "CAST(entity_id AS INTEGER)") -> Iterator[dict[str, Any]]:
    cursor = db.conn.execute(
        f"SELECT {key} AS row_id, seq, actor, action, reason, data FROM audit WHERE {where} ORDER BY row_id, seq"
    )
    for row_id, seq, actor, action, reason, data in cursor:
        yield {
            "row_id": int(row_id),
            "seq": seq,
            "actor": actor,
            "action": action,
            "reason": reason,
            "data": json.loads(data),
        }


def _grouped(entries: Iterator[dict[str, Any]]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    for row_id, group in groupby(entries, key=lambda e: int(e["row_id"])):
        yield row_id, list(group)


def _columns(db: Database, table: str) -> list[str]:
    return [str(row[1]) for row in db.conn.execute(f"PRAGMA table_info({table})")]


def _created(table: str, row_id: int, entries: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    first = entries[0]
    if not first["action"].endswith(".create"):
        raise _Mismatch(
            table,
            row_id,
            f"its audit trail starts with {first['action']} (entry {first['seq']}), not its creation",
        )
    return {k: v for k, v in first["data"].items() if k in columns}


def _patients(db: Database) -> Iterator[Expected]:
    columns = _columns(db, "patients")
    for row_id, entries in _grouped(
        _entries(
            db, "entity = 'patient' AND action IN ('patient.create', 'patient.update', 'patient.correct')"
        )
    ):
        expected = _created("patients", row_id, entries, columns)
        for entry in entries[1:]:
            expected.update(entry["data"]["after"])
        yield row_id, expected, int(entries[-1]["seq"])


def _encounters(db: Database) -> Iterator[Expected]:
    columns = _columns(db, "encounters")
    for row_id, entries in _grouped(_entries(db, "entity = 'encounter' AND action = 'encounter.create'")):
        yield row_id, _created("encounters", row_id, entries, columns), int(entries[-1]["seq"])


def _assessments(db: Database) -> Iterator[Expected]:
    columns = _columns(db, "assessments")
    for row_id, entries in _grouped(_entries(db, "entity = 'assessment' AND action = 'assessment.create'")):
        expected = _created("assessments", row_id, entries, columns)
        expected["payload"] = _Sha256(entries[0]["data"]["payload_sha256"])
        yield row_id, expected, int(entries[-1]["seq"])


def _overrides(db: Database) -> Iterator[Expected]:
    key = "CAST(json_extract(data, '$.override_id') AS INTEGER)"
    for row_id, entries in _grouped(_entries(db, "action = 'assessment.override'", key)):
        entry = entries[-1]
        values = {"clinician": entry["actor"], "disposition": entry["data"]["to"], "reason": entry["reason"]}
        yield row_id, values, int(entry["seq"])


_TRANSITIONS = tuple(f"referral.{status}" for status in lifecycle.STATUSES if status != lifecycle.INITIAL)


def _referrals(db: Database, counts: dict[str, int]) -> Iterator[Expected]:
    """Replays each referral and checks its lifecycle events on the way."""
    columns = _columns(db, "referrals")
    actions = ", ".join(f"'{a}'" for a in ("referral.create", *_TRANSITIONS))
    counts["referral_events"] = 0
    for row_id, entries in _grouped(_entries(db, f"entity = 'referral' AND action IN ({actions})")):
        expected = _created("referrals", row_id, entries, columns)
        expected |= {lifecycle.timestamp_column(s): None for s in lifecycle.STATUSES[1:]}
        expected |= {"justified": None, "feedback": None}
        first = entries[0]
        trail = [
            (None, expected["status"], expected["created_at"], first["actor"], first["reason"], first["seq"])
        ]
        for entry in entries[1:]:
            data = entry["data"]
            expected |= {
                "status": data["to"],
                "updated_at": data["at"],
                lifecycle.timestamp_column(data["to"]): data["at"],
            }
            if "feedback" in data:
                feedback = data["feedback"]
                expected |= {"justified": int(feedback["justified"]), "feedback": canonical_json(feedback)}
            trail.append(
                (data["from"], data["to"], data["at"], entry["actor"], entry["reason"], entry["seq"])
            )
        counts["referral_events"] += _check_events(db, row_id, trail)
        yield row_id, expected, int(entries[-1]["seq"])


def _check_events(db: Database, referral_id: int, trail: list[tuple[Any, ...]]) -> int:
    """The referral's ``referral_events`` rows against the create and transition entries."""
    found = db.conn.execute(
        "SELECT id, from_status, to_status, at, actor, note FROM referral_events WHERE referral_id = ? ORDER BY id",
        [referral_id],
    ).fetchall()
    for index, want in enumerate(trail):
        if index >= len(found):
            raise _Mismatch(
                "referral_events",
                referral_id,
                f"referral {referral_id}'s event -> {want[1]} is missing (entry {want[5]})",
            )
        event_id, *have = found[index]
        note = have[4] if have[4] is not None else f"referral {have[1]}"  # no note: the entry's reason
        if (*have[:4], note) != want[:5]:
            raise _Mismatch(
                "referral_events",
                int(event_id),
                f"referral {referral_id}'s event {event_id} ({have[0] or '-'} -> {have[1]} at {have[2]} by"
                f" {have[3]}) differs from its audit trail (entry {want[5]})",
            )
    if len(found) > len(trail):
        event_id = int(found[len(trail)][0])
        raise _Mismatch(
            "referral_events",
            event_id,
            f"referral {referral_id}'s event {event_id} is not in the audit trail",
        )
    return len(found)


class _Sha256(str):
    """An expected text known by its SHA-256 only (an assessment's payload)."""

    def matches(self, value: object) -> bool:
        return isinstance(value, str) and hashlib.sha256(value.encode("utf-8")).hexdigest() == self


def _compare(table: str, expected: Iterator[Expected], counts: dict[str, int], db: Database) -> None:
    stored = db.conn.execute(f"SELECT * FROM {table} ORDER BY id")
    names = [d[0] for d in stored.description]
    rows = (dict(zip(names, r, strict=True)) for r in stored)
    row = next(rows, None)
    want = next(expected, None)
    count = 0
    while row is not None or want is not None:
        if want is None or (row is not None and int(row["id"]) < want[0]):
            assert row is not None
            raise _Mismatch(table, int(row["id"]), "not in the audit trail (inserted)")
        if row is None or int(row["id"]) > want[0]:
            raise _Mismatch(
                table, want[0], f"missing: deleted (its audit trail has it, last entry {want[2]})"
            )
        row_id, values, seq = want
        for column, value in values.items():
            found = row[column]
            same = value.matches(found) if isinstance(value, _Sha256) else found == value
            if not same:
                said = "a different text" if isinstance(value, _Sha256) else repr(value)
                raise _Mismatch(
                    table, row_id, f"{column} is {found!r}, its audit trail says {said} (entry {seq})"
                )
        count += 1
        row, want = next(rows, None), next(expected, None)
    counts[table] = count


def _orphan_events(db: Database, matched: int) -> None:
    """Events of no audited referral (its row and trail both absent)."""
    if int(db.conn.execute("SELECT count(*) FROM referral_events").fetchone()[0]) == matched:
        return
    orphan = db.conn.execute(
        "SELECT id, referral_id FROM referral_events WHERE referral_id NOT IN"
        " (SELECT CAST(entity_id AS INTEGER) FROM audit WHERE action = 'referral.create') ORDER BY id LIMIT 1"
    ).fetchone()
    if orphan is None:  # pragma: no cover - every other event was matched to its referral's trail
        raise _Mismatch("referral_events", 0, "more events than the audit trail records")
    event_id, referral_id = orphan
    raise _Mismatch(
        "referral_events",
        int(event_id),
        f"an event of referral {referral_id}, which the audit trail never created",
    )


def verify_rows(db: Database) -> RowsReport:
    """Compare the audited tables with the trail; report the first row that differs."""
    counts: dict[str, int] = {}
    checks: list[tuple[str, Callable[[], Iterator[Expected]]]] = [
        ("patients", lambda: _patients(db)),
        ("encounters", lambda: _encounters(db)),
        ("assessments", lambda: _assessments(db)),
        ("overrides", lambda: _overrides(db)),
        ("referrals", lambda: _referrals(db, counts)),
    ]
    try:
        for table, expected in checks:
            _compare(table, expected(), counts, db)
        _orphan_events(db, counts["referral_events"])
    except _Mismatch as found:
        return RowsReport(counts, found.table, found.row_id, found.problem)
    return RowsReport(counts)
