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
- ``assessments``: ``assessment.create``, the stored payload by its SHA-256;
- ``overrides``: ``assessment.override`` (clinician, disposition, reason);
- ``referrals``: ``referral.create`` then every ``referral.<status>`` transition (status, each
  status time, feedback), and ``referral_events``: one event per create and transition;
- ``facilities``: the row the last ``facility.create`` / ``facility.update`` recorded;
- ``settings``: the pseudonym secret against the first patient's pseudonymous id (the HMAC it
  made); every other key against its last ``setting.set`` (by SHA-256), in a log at migration
  ``0019_audit_record_unrecorded`` or later (before it settings were written unaudited);
- ``users``: role (``user.create``), disabled (``user.disable`` / ``user.enable``) and the password
  hash by its SHA-256 where the trail recorded it (``user.create`` since 0019, ``user.recorded``
  at the upgrade); the display language is changed unaudited and not compared;
- ``api_tokens``: owner, label, revoked or not (``token.create``, ``token.revoke``), found by the
  first 8 hex digits of the token's SHA-256 the trail names, and the whole digest by its SHA-256
  where recorded (``token.create`` since 0019, ``token.recorded`` at the upgrade);
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
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlite_utils import Database

from referral import lifecycle
from referral.audit import canonical_json, text_sha256
from referral.clinic import SECRET_KEY, pseudonym

#: The migration from which settings, password hashes and token digests are in the trail.
RECORDED_FROM = "0019_audit_record_unrecorded"
#: The migration from which every column of device result reviews, device associations,
#: observation corrections and referral basis changes is in the trail.
DEVICE_RECORDED_FROM = "0020_audit_record_device_rows"

#: A row's key: ``id`` for most tables, a text key (facility id, user name, setting key, token).
RowKey = int | str
#: One expected row: its key, the values the trail says it holds, the entry that said it last.
Expected = tuple[RowKey, dict[str, Any], int]


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


class _Mismatch(Exception):
    def __init__(self, table: str, row_id: RowKey, problem: str) -> None:
        super().__init__(problem)
        self.table, self.row_id, self.problem = table, row_id, problem


def _entries(
    db: Database, where: str, key: str = "CAST(entity_id AS INTEGER)", *, few: bool = False
) -> Iterator[dict[str, Any]]:
    """The entries ``where`` selects, by row and in order. A table's entries are most of the trail
    (patients, referrals...): one pass over it beats the ``audit_entity`` index and a look-up per
    entry (3.5 times as fast at 30,000 entries). ``few`` (facilities, users, settings): the index."""
    source = "audit" if few else "audit NOT INDEXED"
    return _selected(db, f"SELECT {key} AS row_id, {_ENTRY} FROM {source} WHERE {where}")


#: The columns of an entry :func:`_selected` reads after its row key.
_ENTRY = "seq, actor, action, reason, data, entity_id"


def _selected(db: Database, query: str) -> Iterator[dict[str, Any]]:
    """The entries ``query`` selects (``row_id`` then :data:`_ENTRY`), by row and in order."""
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


def _grouped(entries: Iterator[dict[str, Any]]) -> Iterator[tuple[RowKey, list[dict[str, Any]]]]:
    for row_id, group in groupby(entries, key=lambda e: e["row_id"]):
        yield row_id, list(group)


def _columns(db: Database, table: str) -> list[str]:
    return [str(row[1]) for row in db.conn.execute(f"PRAGMA table_info({table})")]


def _created(table: str, row_id: RowKey, entries: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
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
    actions = "('encounter.create', 'encounter.age_correct')"
    for row_id, entries in _grouped(_entries(db, f"entity = 'encounter' AND action IN {actions}")):
        expected = _created("encounters", row_id, entries, columns)
        for entry in entries[1:]:  # the age a corrected birth date gave the visit
            expected.update(entry["data"]["after"])
        yield row_id, expected, int(entries[-1]["seq"])


def _observations(db: Database) -> Iterator[Expected]:
    """Each ``observations.create`` entry lists the ids it stored and every column of each (a
    column it does not name - ``reported_*`` before migration 0016 - was NULL). Observations are
    never edited or deleted, and ids only grow, so the entries in ``seq`` order are in id order."""
    columns = [c for c in _columns(db, "observations") if c != "id"]
    last_id, last_seq = 0, 0
    cursor = db.conn.execute(
        "SELECT seq, entity_id, data FROM audit WHERE action = 'observations.create' ORDER BY seq"
    )
    for seq, encounter_id, data in cursor:
        stored = json.loads(data)
        for row_id, values in zip(stored["observation_ids"], stored["observations"], strict=True):
            if row_id <= last_id:
                raise _Mismatch(
                    "observations",
                    row_id,
                    f"the audit trail stores it (entry {seq}) after observation {last_id} (entry"
                    f" {last_seq}): rows were deleted and their ids used again",
                )
            expected = {column: values.get(column) for column in columns}
            expected["encounter_id"] = int(encounter_id)
            yield row_id, expected, seq
            last_id, last_seq = row_id, seq


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
        assert isinstance(row_id, int)
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


def _facilities(db: Database) -> Iterator[Expected]:
    """The whole row as the last load or ``PUT`` recorded it (each entry holds every column)."""
    columns = _columns(db, "facilities")
    where = "entity = 'facility' AND action IN ('facility.create', 'facility.update')"
    for row_id, entries in _grouped(_entries(db, where, "entity_id", few=True)):
        _created("facilities", row_id, entries, columns)
        last = entries[-1]
        yield row_id, {k: v for k, v in last["data"].items() if k in columns}, int(last["seq"])


def _settings(db: Database, recorded: bool) -> Iterator[Expected]:
    """The pseudonym secret is never in the trail; the first patient's pseudonymous id (checked
    against the trail before this) is the HMAC it made, so a replaced secret shows. The other
    keys against their last ``setting.set``, when the log has been recording them."""
    wanted: list[Expected] = []
    if recorded:
        for key, entries in _grouped(
            _entries(db, "entity = 'setting' AND action = 'setting.set'", "entity_id", few=True)
        ):
            last = entries[-1]
            wanted.append((key, {"value": _Sha256(last["data"]["value_sha256"])}, int(last["seq"])))
    first = db.conn.execute("SELECT id, mrn, pseudo_id FROM patients ORDER BY id LIMIT 1").fetchone()
    if first is not None:
        patient_id, mrn, pseudo_id = first
        created = db.conn.execute(
            "SELECT seq FROM audit WHERE entity = 'patient' AND entity_id = ? AND action = 'patient.create'",
            [str(patient_id)],
        ).fetchone()
        secret = _PseudonymSecret(int(patient_id), str(mrn), str(pseudo_id))
        wanted.append((SECRET_KEY, {"value": secret}, 0 if created is None else int(created[0])))
    yield from sorted(wanted, key=lambda want: str(want[0]))


def _users(db: Database) -> Iterator[Expected]:
    columns = _columns(db, "users")
    actions = "'user.create', 'user.disable', 'user.enable', 'user.recorded'"
    for row_id, entries in _grouped(
        _entries(db, f"entity = 'user' AND action IN ({actions})", "entity_id", few=True)
    ):
        expected = _created("users", row_id, entries, columns) | {"disabled": 0}
        for entry in entries:
            data = entry["data"]
            if "disabled" in data:
                expected["disabled"] = int(data["disabled"])
            if "password_hash_sha256" in data:
                expected["password_hash"] = _Sha256(data["password_hash_sha256"])
        expected.pop("language", None)  # a display preference, changed without an entry
        yield row_id, expected, int(entries[-1]["seq"])


def _tokens(db: Database) -> Iterator[Expected]:
    key = "json_extract(data, '$.token_sha256_prefix')"
    actions = "'token.create', 'token.revoke', 'token.recorded'"
    for prefix, entries in _grouped(
        _entries(db, f"entity = 'user' AND action IN ({actions})", key, few=True)
    ):
        first = entries[0]
        if first["action"] != "token.create":
            raise _Mismatch(
                "api_tokens",
                f"{prefix}...",
                f"its audit trail starts with {first['action']} (entry {first['seq']}), not its creation",
            )
        expected: dict[str, Any] = {
            "username": first["entity_id"],
            "label": first["data"]["label"],
            "revoked_at": _Set(revoked=False),
        }
        for entry in entries:
            if entry["action"] == "token.revoke":
                expected["revoked_at"] = _Set(revoked=True)
            if "token_digest_sha256" in entry["data"]:
                expected["token_sha256"] = _Sha256(entry["data"]["token_digest_sha256"])
        yield prefix, expected, int(entries[-1]["seq"])


#: One replay step: the values an entry gives its row (a creation: the whole row).
Step = Callable[[dict[str, Any]], dict[str, Any]]


def _replay(
    db: Database,
    table: str,
    entries: Iterator[dict[str, Any]],
    creates: Mapping[str, Step],
    changes: Mapping[str, Step],
) -> Iterator[Expected]:
    """Each row as its entries leave it: each creation gives the whole row (a review of a replaced
    device result replaces the review), each change some of its columns. A column the log's
    schema does not have yet (a backup checked before its restore migrates it) is left out."""
    columns = _columns(db, table)
    for row_id, group in _grouped(entries):
        expected: dict[str, Any] | None = None
        for entry in group:
            action = entry["action"]
            if action in creates:
                expected = creates[action](entry)
            elif expected is None:
                raise _Mismatch(
                    table,
                    row_id,
                    f"its audit trail starts with {action} (entry {entry['seq']}), not its creation",
                )
            else:
                expected |= changes[action](entry)
        assert expected is not None
        yield row_id, {k: v for k, v in expected.items() if k in columns}, int(group[-1]["seq"])


def _held(data: dict[str, Any], key: str) -> Any:
    """``data[key]``, or :data:`_NOT_HELD` when the entry does not carry it (written before
    migration :data:`DEVICE_RECORDED_FROM` by a version that did not record it)."""
    return data.get(key, _NOT_HELD)


def _given(*keys: str) -> Step:
    """A step giving the columns ``keys`` the entry's data carries (a record made at an upgrade)."""
    return lambda entry: {key: entry["data"][key] for key in keys if key in entry["data"]}


def _review(state: str) -> Step:
    def step(entry: dict[str, Any]) -> dict[str, Any]:
        data = entry["data"]
        return {
            "state": state,
            "encounter_id": data["encounter_id"],
            "observation_id": _held(data, "observation_id"),
            "reviewed_by": entry["actor"],
            "reviewed_at": data["reviewed_at"],
            "reason": entry["reason"],
        }

    return step


def _reviews(db: Database) -> Iterator[Expected]:
    """``device_result.assign`` / ``.dismiss`` (a later one replaces the review of a replaced
    result), then ``device_result.observation``: the observation an assignment was stored as."""
    creates = {"device_result.assign": _review("assigned"), "device_result.dismiss": _review("dismissed")}
    changes = {
        "device_result.observation": _given("observation_id"),
        "device_result.review_recorded": _given("observation_id"),
    }
    actions = ", ".join(f"'{a}'" for a in (*creates, *changes))
    entries = _entries(db, f"entity = 'device_result' AND action IN ({actions})", few=True)
    yield from _replay(db, "device_result_reviews", entries, creates, changes)


def _association_start(entry: dict[str, Any]) -> dict[str, Any]:
    data = entry["data"]
    started = {k: data[k] for k in ("device_id", "encounter_id", "patient_id", "started_at")}
    return started | {
        "started_by": entry["actor"],
        "expires_at": _held(data, "expires_at"),
        "ended_at": None,
        "ended_by": None,
        "end_reason": None,
    }


def _associations(db: Database) -> Iterator[Expected]:
    """``device_association.start`` then ``.end`` (who ended it, when, why)."""
    creates = {"device_association.start": _association_start}
    changes = {
        "device_association.end": lambda e: {
            "ended_at": e["data"]["ended_at"],
            "ended_by": e["actor"],
            "end_reason": e["reason"],
        },
        "device_association.recorded": _given("expires_at"),
    }
    actions = ", ".join(f"'{a}'" for a in (*creates, *changes))
    where = f"entity = 'device_association' AND action IN ({actions})"
    yield from _replay(db, "device_associations", _entries(db, where, few=True), creates, changes)


def _correction(state: str) -> Step:
    def step(entry: dict[str, Any]) -> dict[str, Any]:
        data = entry["data"]
        return {
            "encounter_id": int(entry["entity_id"]),
            "result_id": data["result_id"],
            "message_id": data["message_id"],
            "replaces_id": data["replaces_observation"],
            "state": state,
            "correction_id": data["observation"],
            "old_value": data["old_value"],
            "new_value": data["new_value"],
            "held_reason": entry["reason"] if state == "held" else None,
            "corrected_at": _held(data, "corrected_at"),
            "reviewed_by": None,
            "reviewed_at": None,
            "review_reason": None,
        }

    return step


def _corrections(db: Database) -> Iterator[Expected]:
    """``observation.correct`` / ``.correction_held``, then ``.correction_dismiss`` (the review of
    a held one)."""
    creates = {
        "observation.correct": _correction("applied"),
        "observation.correction_held": _correction("held"),
    }
    changes = {
        "observation.correction_dismiss": lambda e: {
            "reviewed_by": e["actor"],
            "reviewed_at": _held(e["data"], "reviewed_at"),
            "review_reason": e["reason"],
        },
        "observation.correction_recorded": _given("corrected_at", "reviewed_at"),
    }
    actions = ", ".join(f"'{a}'" for a in (*creates, *changes))
    key = "CAST(json_extract(data, '$.correction') AS INTEGER)"
    entries = _entries(db, f"entity = 'encounter' AND action IN ({actions})", key)
    yield from _replay(db, "observation_corrections", entries, creates, changes)


def _basis_change(entry: dict[str, Any]) -> dict[str, Any]:
    data = entry["data"]
    copied = (
        "assessment_id",
        "code",
        "old_value",
        "new_value",
        "disposition",
        "referral_urgency",
        "referral_status",
    )
    return {k: data[k] for k in copied} | {
        "referral_id": int(entry["entity_id"]),
        "encounter_id": _held(data, "encounter_id"),
        "correction_id": data["correction"],
        "less_urgent": int(data["less_urgent"]),
        "changed_at": _held(data, "changed_at"),
        "resolution": None,
        "resolved_at": None,
        "resolved_by": None,
        "resolution_reason": None,
    }


def _resolved(entry: dict[str, Any]) -> dict[str, Any]:
    """Acknowledged (``referral.basis_reviewed``) or closed by the referral's ``cancelled`` /
    ``declined`` transition, which names the changes it closed."""
    data = entry["data"]
    reviewed = entry["action"] == "referral.basis_reviewed"
    return {
        "resolution": data["resolution"] if reviewed else data["to"],
        "resolved_at": _held(data, "at"),
        "resolved_by": entry["actor"],
        "resolution_reason": entry["reason"],
    }


def _basis_changes(db: Database) -> Iterator[Expected]:
    """``referral.basis_changed``, then its resolution. An acknowledgement or a transition closes
    several changes of a referral at once: each is read once per change it names."""
    finals = tuple(f"referral.{status}" for status in lifecycle.FINAL)
    creates: dict[str, Step] = {"referral.basis_changed": _basis_change}
    changes: dict[str, Step] = {
        "referral.basis_reviewed": _resolved,
        **dict.fromkeys(finals, _resolved),
        "referral.basis_recorded": _given("encounter_id", "changed_at", "resolved_at"),
    }
    closing = ", ".join(f"'{a}'" for a in finals)
    query = (
        f"SELECT CAST(json_extract(data, '$.basis_change') AS INTEGER) AS row_id, {_ENTRY} FROM audit NOT INDEXED"
        " WHERE action IN ('referral.basis_changed', 'referral.basis_recorded')"
        f" UNION ALL SELECT CAST(j.value AS INTEGER) AS row_id, {_ENTRY} FROM audit NOT INDEXED,"
        " json_each(audit.data, '$.basis_changes') AS j WHERE action = 'referral.basis_reviewed'"
        f" UNION ALL SELECT CAST(j.value AS INTEGER) AS row_id, {_ENTRY} FROM audit NOT INDEXED,"
        f" json_each(audit.data, '$.basis_changes_closed') AS j WHERE action IN ({closing})"
    )
    yield from _replay(db, "referral_basis_changes", _selected(db, query), creates, changes)


class _Sha256(str):
    """An expected text known by its SHA-256 only (an assessment's payload, a password hash)."""

    shown = "a different text"

    def matches(self, value: object) -> bool:
        return isinstance(value, str) and text_sha256(value) == self


class _Set:
    """A time the trail records only happened or not (a token's revocation)."""

    def __init__(self, *, revoked: bool) -> None:
        self.revoked = revoked
        self.shown = "it was revoked" if revoked else "it was never revoked"

    def matches(self, value: object) -> bool:
        return (value is not None) == self.revoked


class _PseudonymSecret:
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


class _NotHeld:
    """A column the row's entries do not carry: written before migration
    :data:`DEVICE_RECORDED_FROM` (which records it at the upgrade) by a version that did not
    record it, as in a backup checked before its restore migrates it. Not compared."""

    shown = "nothing (written before it recorded this column)"

    def matches(self, value: object) -> bool:
        return True


_NOT_HELD = _NotHeld()
_MATCHERS = (_Sha256, _Set, _PseudonymSecret, _NotHeld)


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
    rows = (dict(zip(names, r, strict=True)) for r in stored)
    row = next(rows, None)
    want = next(expected, None)
    count = 0
    while row is not None or want is not None:
        if want is None or (row is not None and row["_key"] < want[0]):
            assert row is not None
            raise _Mismatch(table, _shown_key(table, row["_key"]), "not in the audit trail (inserted)")
        if row is None or row["_key"] > want[0]:
            raise _Mismatch(
                table,
                _shown_key(table, want[0]),
                f"missing: deleted (its audit trail has it, last entry {want[2]})",
            )
        row_id, values, seq = want
        for column, value in values.items():
            found = row[column]
            if isinstance(value, _MATCHERS):
                same, said = value.matches(found), value.shown
            else:
                same, said = found == value, repr(value)
            if not same:
                shown = "a different text" if column in _SECRET_COLUMNS else repr(found)
                raise _Mismatch(
                    table,
                    _shown_key(table, row_id),
                    f"{column} is {shown}, its audit trail says {said} (entry {seq})",
                )
        count += 1
        row, want = next(rows, None), next(expected, None)
    counts[table] = count


#: Columns whose stored value is never repeated in a report (a key, a password or token hash).
_SECRET_COLUMNS = frozenset({"value", "password_hash", "token_sha256"})


def _shown_key(table: str, key: RowKey) -> RowKey:
    """A token is named by the first 8 hex digits of its SHA-256, as the trail names it."""
    return f"{key}..." if table == "api_tokens" else key


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


def _recording(db: Database) -> bool:
    """Whether the log records settings (migration :data:`RECORDED_FROM` applied): an older log,
    such as a backup checked before its restore migrates it, wrote them without entries."""
    if db.conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone() is None:
        return False
    query = "SELECT 1 FROM _sqlite_migrations WHERE name = ?"
    return db.conn.execute(query, [RECORDED_FROM]).fetchone() is not None


def verify_rows(db: Database) -> RowsReport:
    """Compare the audited tables with the trail; report the first row that differs."""
    counts: dict[str, int] = {}
    recorded = _recording(db)
    secret_only = f"key = '{SECRET_KEY}'"
    checks: list[tuple[str, Callable[[], Iterator[Expected]], dict[str, str]]] = [
        ("patients", lambda: _patients(db), {}),
        ("encounters", lambda: _encounters(db), {}),
        ("observations", lambda: _observations(db), {}),
        ("assessments", lambda: _assessments(db), {}),
        ("overrides", lambda: _overrides(db), {}),
        ("referrals", lambda: _referrals(db, counts), {}),
        ("facilities", lambda: _facilities(db), {}),
        (
            "settings",
            lambda: _settings(db, recorded),
            {"key": "key", "where": "1" if recorded else secret_only},
        ),
        ("users", lambda: _users(db), {"key": "username"}),
        ("api_tokens", lambda: _tokens(db), {"key": "substr(token_sha256, 1, 8)"}),
        ("device_associations", lambda: _associations(db), {}),
        ("device_result_reviews", lambda: _reviews(db), {"key": "result_id"}),
        ("observation_corrections", lambda: _corrections(db), {}),
        ("referral_basis_changes", lambda: _basis_changes(db), {}),
    ]
    try:
        for table, expected, how in checks:
            if _columns(db, table):  # not a log from before the table existed
                _compare(table, expected(), counts, db, **how)
        _orphan_events(db, counts["referral_events"])
    except _Mismatch as found:
        return RowsReport(counts, found.table, found.row_id, found.problem)
    return RowsReport(counts)
