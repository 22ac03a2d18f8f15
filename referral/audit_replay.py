"""What the audited tables are checked with (:mod:`referral.audit_rows`): reading the trail row
by row, replaying its entries into the values a row should hold, and the values the trail knows
only in part (by a SHA-256, as happened or not, or not at all before a migration recorded them).

The tables' replays use these: the clinical records (:mod:`referral.audit_rows_clinical`), access
to the log (:mod:`referral.audit_rows_access`) and the device-side records
(:mod:`referral.audit_rows_devices`).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from itertools import groupby
from typing import Any

from sqlite_utils import Database

from referral.audit import text_sha256
from referral.clinic import pseudonym

#: The migration from which settings, password hashes and token digests are in the trail.
RECORDED_FROM = "0019_audit_record_unrecorded"
#: The migration from which every column of device result reviews, device associations,
#: observation corrections and referral basis changes is in the trail.
DEVICE_RECORDED_FROM = "0020_audit_record_device_rows"

#: A row's key: ``id`` for most tables, a text key (facility id, user name, setting key, token).
RowKey = int | str
#: One expected row: its key, the values the trail says it holds, the entry that said it last.
Expected = tuple[RowKey, dict[str, Any], int]


class Mismatch(Exception):
    """The first row found to differ from its trail: which table and row, and how."""

    def __init__(self, table: str, row_id: RowKey, problem: str) -> None:
        super().__init__(problem)
        self.table, self.row_id, self.problem = table, row_id, problem


def trail_entries(
    db: Database, where: str, key: str = "CAST(entity_id AS INTEGER)", *, few: bool = False
) -> Iterator[dict[str, Any]]:
    """The entries ``where`` selects, by row and in order. A table's entries are most of the trail
    (patients, referrals...): one pass over it beats the ``audit_entity`` index and a look-up per
    entry (3.5 times as fast at 30,000 entries). ``few`` (facilities, users, settings): the index."""
    source = "audit" if few else "audit NOT INDEXED"
    return selected_entries(db, f"SELECT {key} AS row_id, {ENTRY_COLUMNS} FROM {source} WHERE {where}")


#: The columns of an entry :func:`selected_entries` reads after its row key.
ENTRY_COLUMNS = "seq, actor, action, reason, data, entity_id"


def selected_entries(db: Database, query: str) -> Iterator[dict[str, Any]]:
    """The entries ``query`` selects (``row_id`` then :data:`ENTRY_COLUMNS`), by row and in order."""
    cursor = db.conn.execute(f"{query} ORDER BY row_id, seq")
    for row_id, seq, actor, action, reason, data, entity_id in cursor:
        yield {
            "row_id": row_id,
            "seq": seq,
            "actor": actor,
            "action": action,
            "reason": reason,
            "data": json.loads(data),
            "entity_id": entity_id,
        }


def by_row(entries: Iterator[dict[str, Any]]) -> Iterator[tuple[RowKey, list[dict[str, Any]]]]:
    for row_id, group in groupby(entries, key=lambda e: e["row_id"]):
        yield row_id, list(group)


def table_columns(db: Database, table: str) -> list[str]:
    return [str(row[1]) for row in db.conn.execute(f"PRAGMA table_info({table})")]


def created_row(
    table: str, row_id: RowKey, entries: list[dict[str, Any]], columns: list[str]
) -> dict[str, Any]:
    first = entries[0]
    if not first["action"].endswith(".create"):
        raise Mismatch(
            table,
            row_id,
            f"its audit trail starts with {first['action']} (entry {first['seq']}), not its creation",
        )
    return {k: v for k, v in first["data"].items() if k in columns}


#: One replay step: the values an entry gives its row (a creation: the whole row).
Step = Callable[[dict[str, Any]], dict[str, Any]]


def replay(
    db: Database,
    table: str,
    entries: Iterator[dict[str, Any]],
    creates: Mapping[str, Step],
    changes: Mapping[str, Step],
) -> Iterator[Expected]:
    """Each row as its entries leave it: each creation gives the whole row (a review of a replaced
    device result replaces the review), each change some of its columns. A column the log's
    schema does not have yet (a backup checked before its restore migrates it) is left out."""
    columns = table_columns(db, table)
    for row_id, group in by_row(entries):
        expected: dict[str, Any] | None = None
        for entry in group:
            action = entry["action"]
            if action in creates:
                expected = creates[action](entry)
            elif expected is None:
                raise Mismatch(
                    table,
                    row_id,
                    f"its audit trail starts with {action} (entry {entry['seq']}), not its creation",
                )
            else:
                expected |= changes[action](entry)
        assert expected is not None
        yield row_id, {k: v for k, v in expected.items() if k in columns}, int(group[-1]["seq"])


def held(data: dict[str, Any], key: str) -> Any:
    """``data[key]``, or :data:`NOT_HELD` when the entry does not carry it (written before
    migration :data:`DEVICE_RECORDED_FROM` by a version that did not record it)."""
    return data.get(key, NOT_HELD)


def given(*keys: str) -> Step:
    """A step giving the columns ``keys`` the entry's data carries (a record made at an upgrade)."""
    return lambda entry: {key: entry["data"][key] for key in keys if key in entry["data"]}


class _Matcher(ABC):
    """An expected value that a stored one equals when it :meth:`matches` it, so that a row's
    values are compared with a tuple of expected ones in one comparison (``==`` calls
    :meth:`__eq__` of a matcher whichever side it is on). A matcher without its own
    :meth:`matches` cannot be made (``TypeError``)."""

    shown = ""

    @abstractmethod
    def matches(self, value: object) -> bool:
        """Whether the stored ``value`` is what the trail says."""

    def __eq__(self, value: object) -> bool:
        return self.matches(value)

    def __ne__(self, value: object) -> bool:
        return not self.matches(value)

    __hash__ = None  # type: ignore[assignment]


class Sha256(str):
    """An expected text known by its SHA-256 only (an assessment's payload, a password hash); equal
    (``==``) to a text whose SHA-256 it is, as a matcher (:class:`_Matcher`), never to itself."""

    shown = "a different text"

    def matches(self, value: object) -> bool:
        return isinstance(value, str) and str.__eq__(self, text_sha256(value))

    def __eq__(self, value: object) -> bool:
        return self.matches(value)

    def __ne__(self, value: object) -> bool:
        return not self.matches(value)

    __hash__ = str.__hash__


class Revocation(_Matcher):
    """A time the trail records only happened or not (a token's revocation)."""

    def __init__(self, *, revoked: bool) -> None:
        self.revoked = revoked
        self.shown = "it was revoked" if revoked else "it was never revoked"

    def matches(self, value: object) -> bool:
        return (value is not None) == self.revoked


class PseudonymSecret(_Matcher):
    """The secret that made the first patient's pseudonymous id."""

    def __init__(self, patient_id: int, mrn: str, pseudo_id: str) -> None:
        self.mrn, self.pseudo_id = mrn, pseudo_id
        self.shown = f"the secret that made patient {patient_id}'s pseudonymous id"

    def matches(self, value: object) -> bool:
        try:
            secret = bytes.fromhex(str(value))
        except ValueError:
            return False
        return pseudonym(secret, "patient", self.mrn) == self.pseudo_id


class NotHeld(_Matcher):
    """A column the row's entries do not carry: written before migration
    :data:`DEVICE_RECORDED_FROM` (which records it at the upgrade) by a version that did not
    record it, as in a backup checked before its restore migrates it. Not compared."""

    shown = "nothing (written before it recorded this column)"

    def matches(self, value: object) -> bool:
        return True


NOT_HELD = NotHeld()
MATCHERS = (Sha256, Revocation, PseudonymSecret, NotHeld)
