"""The clinical records replayed from their audit trail (:func:`referral.audit_rows.verify_rows`):
patients, encounters, observations, assessments, overrides, referrals and their events, and the
facilities referrals go to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from referral import idempotency_keys, lifecycle
from referral.audit import canonical_json
from referral.audit_replay import (
    Expected,
    Mismatch,
    Sha256,
    by_row,
    created_row,
    table_columns,
    trail_entries,
)


def patients(db: Database) -> Iterator[Expected]:
    columns = table_columns(db, "patients")
    for row_id, entries in by_row(
        trail_entries(
            db, "entity = 'patient' AND action IN ('patient.create', 'patient.update', 'patient.correct')"
        )
    ):
        expected = created_row("patients", row_id, entries, columns)
        for entry in entries[1:]:
            expected.update(entry["data"]["after"])
        yield row_id, expected, int(entries[-1]["seq"])


def encounters(db: Database) -> Iterator[Expected]:
    columns = table_columns(db, "encounters")
    actions = "('encounter.create', 'encounter.age_correct')"
    forgotten = idempotency_keys.purged(db)["encounters"]
    for row_id, entries in by_row(trail_entries(db, f"entity = 'encounter' AND action IN {actions}")):
        expected = created_row("encounters", row_id, entries, columns)
        for entry in entries[1:]:  # the age a corrected birth date gave the visit
            expected.update(entry["data"]["after"])
        yield _key_kept(row_id, expected, int(entries[-1]["seq"]), forgotten)


def observations(db: Database) -> Iterator[Expected]:
    """Each ``observations.create`` entry lists the ids it stored and every column of each (a
    column it does not name - ``reported_*`` before migration 0016 - was NULL). Observations are
    never edited or deleted, and ids only grow, so the entries in ``seq`` order are in id order."""
    columns = [c for c in table_columns(db, "observations") if c != "id"]
    last_id, last_seq = 0, 0
    cursor = db.conn.execute(
        "SELECT seq, entity_id, data FROM audit WHERE action = 'observations.create' ORDER BY seq"
    )
    for seq, encounter_id, data in cursor:
        stored = json.loads(data)
        for row_id, values in zip(stored["observation_ids"], stored["observations"], strict=True):
            if row_id <= last_id:
                raise Mismatch(
                    "observations",
                    row_id,
                    f"the audit trail stores it (entry {seq}) after observation {last_id} (entry"
                    f" {last_seq}): rows were deleted and their ids used again",
                )
            expected = {column: values.get(column) for column in columns}
            expected["encounter_id"] = int(encounter_id)
            yield row_id, expected, seq
            last_id, last_seq = row_id, seq


def _key_kept(row_id: Any, expected: dict[str, Any], seq: int, forgotten: dict[int | str, int]) -> Expected:
    """A keyed record as its entries leave it, its key cleared when an ``idempotency.purge`` entry
    forgot it (``referral.idempotency_keys``)."""
    purged_at = forgotten.get(row_id)
    if purged_at is None:
        return row_id, expected, seq
    return row_id, expected | {"idempotency_key": None}, max(seq, purged_at)


_REQUEST = "json_extract(data, '$.idempotency_key')"


def observation_requests(db: Database) -> Iterator[Expected]:
    """Each keyed ``observations.create`` entry (migration 0024) names the key, the request body's
    fingerprint and the readings it stored: the row kept for the account's key
    (:data:`referral.idempotency_keys.REQUEST_ROW`, keys are per account since migration 0027), in
    that order - unless an ``idempotency.purge`` entry after it deleted the row (the key forgotten;
    it may name a new request since; a purge before 0027 named the key alone, unique then)."""
    forgotten = idempotency_keys.purged(db)["observation_requests"]
    cursor = db.conn.execute(
        "SELECT"
        f" {idempotency_keys.REQUEST_ROW.format(author='actor', key=_REQUEST)} AS row_key,"
        f" {_REQUEST} AS request, seq, actor, entity_id, data FROM audit"
        " WHERE action = 'observations.create' AND request IS NOT NULL ORDER BY row_key, seq"
    )
    for row_key, key, seq, actor, encounter_id, data in cursor:
        if max(forgotten.get(row_key, 0), forgotten.get(key, 0)) > seq:
            continue
        stored = json.loads(data)
        expected = {
            "encounter_id": int(encounter_id),
            "body_sha256": stored["body_sha256"],
            "observation_ids": json.dumps(stored["observation_ids"]),
            "created_by": actor,
        }
        yield row_key, expected, seq


def assessments(db: Database) -> Iterator[Expected]:
    columns = table_columns(db, "assessments")
    forgotten = idempotency_keys.purged(db)["assessments"]
    for row_id, entries in by_row(
        trail_entries(db, "entity = 'assessment' AND action = 'assessment.create'")
    ):
        expected = created_row("assessments", row_id, entries, columns)
        expected["payload"] = Sha256(entries[0]["data"]["payload_sha256"])
        yield _key_kept(row_id, expected, int(entries[-1]["seq"]), forgotten)


def overrides(db: Database) -> Iterator[Expected]:
    """Each ``assessment.override`` entry; from migration 0026 the override keeps the request's key
    and fingerprint its entry names - a key an older log used again on another assessment only on
    its first override (as the migration left it), and none once an ``idempotency.purge`` entry
    forgot it. A key is held per clinician from migration 0027 (the upgrade's entry on; a log made
    with it: throughout), before it in the whole log."""
    keyed = "idempotency_key" in table_columns(db, "overrides")
    forgotten = idempotency_keys.purged(db)["overrides"]
    per_account_from = idempotency_keys.per_account_from(db)
    holders: dict[object, Any] = {}  # each key, and each (clinician, key) -> the override holding it
    key = "CAST(json_extract(data, '$.override_id') AS INTEGER)"
    for row_id, entries in by_row(trail_entries(db, "action = 'assessment.override'", key)):
        entry = entries[-1]
        values = {"clinician": entry["actor"], "disposition": entry["data"]["to"], "reason": entry["reason"]}
        if not keyed:
            yield row_id, values, int(entry["seq"])
            continue
        request, seq = entry["data"].get("idempotency_key"), int(entry["seq"])
        own = (entry["actor"], request)
        scopes = [own] if seq > per_account_from else [request, own]
        holder = holders.get(scopes[0])
        # the key's (the clinician's key's) first override, or the first since a purge forgot it
        first = request is not None and (holder is None or forgotten.get(holder, seq) < seq)
        if first:
            holders.update(dict.fromkeys(scopes, row_id))
        values |= {
            "idempotency_key": request if first else None,
            "body_sha256": entry["data"].get("body_sha256") if first else None,
        }
        yield _key_kept(row_id, values, seq, forgotten)


_TRANSITIONS = tuple(f"referral.{status}" for status in lifecycle.STATUSES if status != lifecycle.INITIAL)
#: A proposal's urgency raised by a later, more urgent assessment (``referrals.raise_urgency``).
URGENCY_RAISED = "referral.urgency_raised"


def referrals(db: Database, counts: dict[str, int]) -> Iterator[Expected]:
    """Replays each referral and checks its lifecycle events on the way."""
    columns = table_columns(db, "referrals")
    actions = ", ".join(f"'{a}'" for a in ("referral.create", *_TRANSITIONS, URGENCY_RAISED))
    counts["referral_events"] = 0
    forgotten = idempotency_keys.purged(db)["referrals"]
    for row_id, entries in by_row(trail_entries(db, f"entity = 'referral' AND action IN ({actions})")):
        assert isinstance(row_id, int)
        expected = created_row("referrals", row_id, entries, columns)
        expected |= {lifecycle.timestamp_column(s): None for s in lifecycle.STATUSES[1:]}
        expected |= {"justified": None, "feedback": None}
        first = entries[0]
        trail = [
            (None, expected["status"], expected["created_at"], first["actor"], first["reason"], first["seq"])
        ]
        for entry in entries[1:]:
            data = entry["data"]
            if entry["action"] == URGENCY_RAISED:  # triage's proposal raised: no lifecycle event
                expected |= {
                    "urgency": data["to"],
                    "assessment_id": data["assessment_id"],
                    "reason": data["referral_reason"],
                    "updated_at": data["at"],
                }
                continue
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
        yield _key_kept(row_id, expected, int(entries[-1]["seq"]), forgotten)


def _check_events(db: Database, referral_id: int, trail: list[tuple[Any, ...]]) -> int:
    """The referral's ``referral_events`` rows against the create and transition entries."""
    found = db.conn.execute(
        "SELECT id, from_status, to_status, at, actor, note FROM referral_events WHERE referral_id = ? ORDER BY id",
        [referral_id],
    ).fetchall()
    for index, want in enumerate(trail):
        if index >= len(found):
            raise Mismatch(
                "referral_events",
                referral_id,
                f"referral {referral_id}'s event -> {want[1]} is missing (entry {want[5]})",
            )
        event_id, *have = found[index]
        note = have[4] if have[4] is not None else f"referral {have[1]}"  # no note: the entry's reason
        if (*have[:4], note) != want[:5]:
            raise Mismatch(
                "referral_events",
                int(event_id),
                f"referral {referral_id}'s event {event_id} ({have[0] or '-'} -> {have[1]} at {have[2]} by"
                f" {have[3]}) differs from its audit trail (entry {want[5]})",
            )
    if len(found) > len(trail):
        event_id = int(found[len(trail)][0])
        raise Mismatch(
            "referral_events",
            event_id,
            f"referral {referral_id}'s event {event_id} is not in the audit trail",
        )
    return len(found)


def facilities(db: Database) -> Iterator[Expected]:
    """The whole row as the last load or ``PUT`` recorded it (each entry holds every column)."""
    columns = table_columns(db, "facilities")
    where = "entity = 'facility' AND action IN ('facility.create', 'facility.update')"
    for row_id, entries in by_row(trail_entries(db, where, "entity_id", few=True)):
        created_row("facilities", row_id, entries, columns)
        last = entries[-1]
        yield row_id, {k: v for k, v in last["data"].items() if k in columns}, int(last["seq"])


def orphan_events(db: Database, matched: int) -> None:
    """Events of no audited referral (its row and trail both absent)."""
    if int(db.conn.execute("SELECT count(*) FROM referral_events").fetchone()[0]) == matched:
        return
    orphan = db.conn.execute(
        "SELECT id, referral_id FROM referral_events WHERE referral_id NOT IN"
        " (SELECT CAST(entity_id AS INTEGER) FROM audit WHERE action = 'referral.create') ORDER BY id LIMIT 1"
    ).fetchone()
    if orphan is None:  # pragma: no cover - every other event was matched to its referral's trail
        raise Mismatch("referral_events", 0, "more events than the audit trail records")
    event_id, referral_id = orphan
    raise Mismatch(
        "referral_events",
        int(event_id),
        f"an event of referral {referral_id}, which the audit trail never created",
    )
