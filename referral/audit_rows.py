"""The audited tables checked against their audit trail: an edit made behind the application's back.

The hash chain (:mod:`referral.audit`) proves the audit table itself. A row of ``referrals``
changed, added or deleted with plain ``sqlite3`` does not touch the audit table, so the chain
alone cannot see it. :func:`verify_rows` replays the (chain-verified) trail - each row's create
entry and the entries that changed it - and compares the result with what the tables hold:

- ``patients``: ``patient.create`` then ``patient.update`` (name, sex, birth date) and
  ``patient.correct`` (a person's correction of the name, sex or birth date);
- ``encounters``: the columns ``encounter.create`` recorded (who, where, when; later closing and
  the stated history are not compared), the age as each ``encounter.age_correct`` (a corrected
  birth date) set it;
- ``observations``: every column ``observations.create`` recorded (the readings as stored);
- ``observation_requests``: by author and key, the encounter, body fingerprint, reading ids and author a keyed
  ``observations.create`` recorded (migration ``0024``);
- ``assessments``: ``assessment.create``, the stored payload by its SHA-256;
- ``overrides``: ``assessment.override`` (clinician, disposition, reason);
- ``referrals``: ``referral.create`` then every ``referral.<status>`` transition (status, each
  status time, feedback) and ``referral.urgency_raised`` (a proposal's urgency, assessment and
  reason), and ``referral_events``: one event per create and transition;
- ``facilities``: the row the last ``facility.create`` / ``facility.update`` recorded;
- ``settings``: the pseudonym secret against the first patient's pseudonymous id (the HMAC it
  made); every other key against its last ``setting.set`` (by SHA-256), in a log at migration
  ``0019_audit_record_unrecorded`` or later (before it settings were written unaudited);
- ``users``: role (``user.create``), disabled (``user.disable`` / ``user.enable``) and the password
  hash by its SHA-256 where the trail recorded it (``user.create`` since 0019, ``user.recorded``
  at the upgrade, ``user.password_change``: a user's own new password); the display language is
  changed unaudited and not compared;
- ``api_tokens``: owner, label, revoked or not (``token.create``, ``token.revoke``), found by the
  first 8 hex digits of the token's SHA-256 the trail names, and the whole digest by its SHA-256
  where recorded (``token.create`` since 0019, ``token.recorded`` at the upgrade), and the expiry
  ``token.create`` recorded (since 0025);
- ``device_associations``: ``device_association.start`` then ``.end`` (who ended it, when, why);
- ``device_result_reviews``: ``device_result.assign`` / ``.dismiss`` (a later review of a replaced
  result replaces the row), then ``device_result.observation`` (the observation it was stored as);
- ``observation_corrections``: ``observation.correct`` / ``.correction_held`` then
  ``.correction_dismiss``;
- ``referral_basis_changes``: ``referral.basis_changed`` then ``referral.basis_reviewed`` or the
  ``cancelled`` / ``declined`` transition that closed it. The columns these entries did not carry
  before migration ``0020_audit_record_device_rows`` (a correction's or a change's time, a
  review's observation...) are recorded by it at the upgrade; in a log before it they are not
  compared.

A row whose values differ from the trail, a row the trail never created (inserted outside the
application) and a created row that is gone (deleted) are each reported, the first one found by
table and id. The walk streams both sides in id order, so memory does not grow with the log.

Here the tables are compared with their replays, which are by domain: the clinical records
(:mod:`referral.audit_rows_clinical`), access to the log - accounts, API tokens, settings
(:mod:`referral.audit_rows_access`) - and the device-side records
(:mod:`referral.audit_rows_devices`), on the shared reading and replaying of the trail
(:mod:`referral.audit_replay`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlite_utils import Database

from referral import audit_rows_access as access
from referral import audit_rows_clinical as clinical
from referral import audit_rows_devices as devices
from referral import idempotency_keys
from referral.audit_replay import (
    DEVICE_RECORDED_FROM,
    MATCHERS,
    RECORDED_FROM,
    Expected,
    Mismatch,
    RowKey,
    table_columns,
)
from referral.clinic import SECRET_KEY

__all__ = ["DEVICE_RECORDED_FROM", "RECORDED_FROM", "RowsReport", "verify_rows"]


@dataclass(frozen=True)
class RowsReport:
    rows: dict[str, int] = field(default_factory=dict)  # rows compared, by table
    table: str | None = None
    row_id: RowKey | None = None
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


def _compare(
    table: str,
    expected: Iterator[Expected],
    counts: dict[str, int],
    db: Database,
    *,
    key: str = "id",
    where: str = "1",
) -> None:
    stored = db.conn.execute(f"SELECT *, {key} AS _key FROM {table} WHERE {where} ORDER BY _key")
    names = [d[0] for d in stored.description]
    at = {name: index for index, name in enumerate(names)}
    key_at = at["_key"]
    getters: dict[tuple[str, ...], Callable[[tuple[Any, ...]], tuple[Any, ...]]] = {}
    row = next(stored, None)
    want = next(expected, None)
    count = 0
    while row is not None or want is not None:
        if want is None or (row is not None and row[key_at] < want[0]):
            assert row is not None
            raise Mismatch(table, _shown_key(table, row[key_at]), "not in the audit trail (inserted)")
        if row is None or row[key_at] > want[0]:
            raise Mismatch(
                table,
                _shown_key(table, want[0]),
                f"missing: deleted (its audit trail has it, last entry {want[2]})",
            )
        row_id, values, seq = want
        columns = tuple(values)
        getter = getters.get(columns)
        if getter is None:
            getter = getters[columns] = _getter([at[column] for column in columns])
        # every column at once (a matcher compares by its ``matches``); the first that differs named
        if getter(row) != tuple(values.values()):
            _name_difference(table, row_id, dict(zip(names, row, strict=True)), values, seq)
        count += 1
        row, want = next(stored, None), next(expected, None)
    counts[table] = count


def _getter(indexes: list[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """The values at ``indexes`` of a row, as a tuple (``itemgetter`` gives a lone value bare)."""
    if len(indexes) == 1:
        (index,) = indexes
        return lambda row: (row[index],)
    return itemgetter(*indexes) if indexes else lambda row: ()


def _name_difference(
    table: str, row_id: RowKey, row: dict[str, Any], values: dict[str, Any], seq: int
) -> None:
    """The first column of ``row`` that differs from what its trail says, as a :class:`Mismatch`."""
    for column, value in values.items():
        found = row[column]
        if isinstance(value, MATCHERS):
            same, said = value.matches(found), value.shown
        else:
            same, said = found == value, repr(value)
        if not same:
            shown = "a different text" if column in _SECRET_COLUMNS else repr(found)
            raise Mismatch(
                table,
                _shown_key(table, row_id),
                f"{column} is {shown}, its audit trail says {said} (entry {seq})",
            )


#: Columns whose stored value is never repeated in a report (a key, a password or token hash).
_SECRET_COLUMNS = frozenset({"value", "password_hash", "token_sha256"})


def _shown_key(table: str, key: RowKey) -> RowKey:
    """A token is named by the first 8 hex digits of its SHA-256, as the trail names it."""
    return f"{key}..." if table == "api_tokens" else key


def _recording(db: Database) -> bool:
    """Whether the log records settings (migration :data:`RECORDED_FROM` applied): an older log,
    such as a backup checked before its restore migrates it, wrote them without entries."""
    if db.conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone() is None:
        return False
    query = "SELECT 1 FROM _sqlite_migrations WHERE name = ?"
    return db.conn.execute(query, [RECORDED_FROM]).fetchone() is not None


def verify_rows(db: Database, progress: Callable[[str], None] | None = None) -> RowsReport:
    """Compare the audited tables with the trail; report the first row that differs. ``progress``:
    called with each table's name as its comparison begins."""
    counts: dict[str, int] = {}
    recorded = _recording(db)
    secret_only = f"key = '{SECRET_KEY}'"
    checks: list[tuple[str, Callable[[], Iterator[Expected]], dict[str, str]]] = [
        ("patients", lambda: clinical.patients(db), {}),
        ("encounters", lambda: clinical.encounters(db), {}),
        ("observations", lambda: clinical.observations(db), {}),
        ("assessments", lambda: clinical.assessments(db), {}),
        ("overrides", lambda: clinical.overrides(db), {}),
        ("referrals", lambda: clinical.referrals(db, counts), {}),
        ("facilities", lambda: clinical.facilities(db), {}),
        (
            "settings",
            lambda: access.settings(db, recorded),
            {"key": "key", "where": "1" if recorded else secret_only},
        ),
        ("users", lambda: access.users(db), {"key": "username"}),
        ("api_tokens", lambda: access.tokens(db), {"key": "substr(token_sha256, 1, 8)"}),
        ("device_associations", lambda: devices.associations(db), {}),
        ("device_result_reviews", lambda: devices.reviews(db), {"key": "result_id"}),
        ("observation_corrections", lambda: devices.corrections(db), {}),
        ("referral_basis_changes", lambda: devices.basis_changes(db), {}),
        (
            "observation_requests",
            lambda: clinical.observation_requests(db),
            {"key": idempotency_keys.REQUEST_ROW.format(author="created_by", key="idempotency_key")},
        ),
    ]
    try:
        for table, expected, how in checks:
            if table_columns(db, table):  # not a log from before the table existed
                if progress is not None:
                    progress(table)
                _compare(table, expected(), counts, db, **how)
        clinical.orphan_events(db, counts["referral_events"])
        if counts.get("observation_requests") == 0:  # named only in a log with keyed readings
            del counts["observation_requests"]
    except Mismatch as found:
        return RowsReport(counts, found.table, found.row_id, found.problem)
    return RowsReport(counts)
