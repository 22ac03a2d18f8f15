"""Clinician overrides of an assessment's disposition: recording one (reason required, audited),
listing them, the latest on an earlier assessment, and the disposition in force.

Moved from ``referral.store``, which still exports these names.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from referral import audit
from referral.errors import IdempotencyConflictError, json_text
from referral.records import OverrideIn
from referral.transactions import insert_row, one_row, utc_now, write


def override_assessment(
    db: Database, assessment_id: int, override: OverrideIn, *, keyed: tuple[str, str] | None = None
) -> dict[str, Any]:
    """A clinician replaces the engine's disposition; the reason is required and audited - also
    when the disposition stays the same (a confirmation is a decision on record). The audit entry's
    ``from`` is the decision in force before it (an earlier override's, else the engine's), and
    ``engine`` the engine's: a reversal of an earlier override no longer reads as a confirmation.

    ``keyed``: the request's idempotency key and body fingerprint, kept with the override (one key
    names one override in the log, migration 0026) and in its audit entry - the request again (its
    retry after a timeout) returns the override stored the first time and writes nothing; the key
    with another body or on another assessment is an :class:`IdempotencyConflictError`, another
    account's key one that names nothing. ``referral.idempotency_keys`` forgets it after the
    retention."""
    from referral import store  # store exports this module's names: imported when called

    def work(db: Database) -> dict[str, Any]:
        if keyed is not None:
            earlier = _keyed_override(db, assessment_id, keyed, override.clinician)
            if earlier is not None:
                return earlier
        assessment = store.get_assessment(db, assessment_id)
        in_force = final_disposition(db, assessment)
        row = {
            "assessment_id": assessment_id,
            "clinician": override.clinician,
            "disposition": override.disposition,
            "reason": override.reason,
            "created_at": utc_now(),
        }
        row_id = insert_row(db, "overrides", row | store._key_of(keyed))
        audit.append(
            db,
            actor=override.clinician,
            action="assessment.override",
            entity="assessment",
            entity_id=assessment_id,
            reason=override.reason,
            data={
                "override_id": row_id,
                "from": in_force,
                "to": override.disposition,
                "engine": assessment["disposition"],
            }
            | store._key_of(keyed),
        )
        return {"id": row_id, **row, **store._key_of(keyed)}

    return write(db, work)


def _keyed_override(
    db: Database, assessment_id: int, keyed: tuple[str, str], actor: str
) -> dict[str, Any] | None:
    """The override this clinician's request with this key stored (the key's row: one key names
    one override of an account, migrations 0026 and 0027), or ``None``; the key of another
    assessment's override or with another body is an :class:`IdempotencyConflictError`. Another
    clinician's override under the same key is another request."""
    key, body_sha256 = keyed
    row = one_row(db, "SELECT * FROM overrides WHERE idempotency_key = ? AND clinician = ?", [key, actor])
    if row is None:
        return None
    if row["assessment_id"] != assessment_id:
        raise IdempotencyConflictError(
            f"idempotency key {json_text(key)} was already used for an override of assessment"
            f" {row['assessment_id']}; use a new key for a new request"
        )
    if row["body_sha256"] != body_sha256:
        raise IdempotencyConflictError(
            f"idempotency key {json_text(key)} was already used for a different override (id"
            f" {row['id']}); use a new key for a new request"
        )
    return row


def overrides_for(db: Database, assessment_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM overrides WHERE assessment_id = ? ORDER BY id", [assessment_id]))


def earlier_override(db: Database, assessment: dict[str, Any]) -> dict[str, Any] | None:
    """The latest clinician override on an earlier assessment of ``assessment``'s encounter, when
    ``assessment`` itself has none: a newer assessment is the engine's own, and the clinician's
    decision on the one before must not drop out of view without a word."""
    rows = db.query(
        "SELECT o.*, a.disposition AS engine_disposition FROM overrides o"
        " JOIN assessments a ON a.id = o.assessment_id"
        " WHERE a.encounter_id = ? AND o.assessment_id < ?"
        " AND NOT EXISTS (SELECT 1 FROM overrides n WHERE n.assessment_id = ?)"
        " ORDER BY o.id DESC LIMIT 1",
        [assessment["encounter_id"], assessment["id"], assessment["id"]],
    )
    return next(iter(rows), None)


def final_disposition(db: Database, assessment: dict[str, Any]) -> str:
    """The disposition after the latest clinician override, else the engine's."""
    row = db.conn.execute(
        "SELECT disposition FROM overrides WHERE assessment_id = ? ORDER BY id DESC LIMIT 1",
        [assessment["id"]],
    ).fetchone()
    return str(row[0]) if row else str(assessment["disposition"])
