"""Assessments: a triage Assessment stored once per idempotency key with its audit entry, read
back decoded (JSON columns parsed). Moved from ``referral.store``, which still exports these names.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlite_utils import Database

from referral import audit
from referral.errors import NotFoundError
from referral.records import URGENCY_RANK, AssessmentIn
from referral.transactions import insert_row, one_row, utc_now, write

_one = one_row


def record_assessment(
    db: Database,
    encounter_id: int,
    assessment: AssessmentIn,
    *,
    actor: str,
    reason: str,
    after_close: bool = False,
    body_sha256: str | None = None,
) -> dict[str, Any]:
    """Store a triage Assessment (stored once per idempotency key); returns the decoded row."""
    return _decode_assessment(
        insert_assessment(
            db,
            encounter_id,
            assessment,
            actor=actor,
            reason=reason,
            after_close=after_close,
            body_sha256=body_sha256,
        )
    )


def assessment_digest(assessment: AssessmentIn, payload_text: str) -> str:
    """The request fingerprint of an assessment: its key fields, then the payload text as stored."""
    fields = assessment.model_dump(mode="json", exclude={"idempotency_key", "payload", "payload_json"})
    # hashed in two parts: the payload (about 10 KB) is not copied into one more text first
    digest = hashlib.sha256(f"{audit.canonical_json(fields)}\n".encode())
    digest.update(payload_text.encode("utf-8"))
    return digest.hexdigest()


def insert_assessment(
    db: Database,
    encounter_id: int,
    assessment: AssessmentIn,
    *,
    actor: str,
    reason: str,
    after_close: bool = False,
    body_sha256: str | None = None,
    encounter: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Like :func:`record_assessment`, but returns the row as stored: JSON columns stay text.

    The payload is stored as given in ``payload_json`` (serialised once by the engine), else as
    canonical JSON of ``payload``; the audit entry records its SHA-256.

    A closed encounter takes no new assessment (``ConflictError``: open a new encounter); a
    repeated request with a stored idempotency key still returns its assessment. ``after_close``
    is only for the re-assessment after a device corrected a reading the encounter already holds
    (``triage/service/corrections.py``): the record must follow the correction, and a referral
    made from the old value must be flagged, whether or not the visit has ended. ``body_sha256``,
    the fingerprint of the API request that asked for the assessment, is stored with it.
    ``encounter``: its row as the caller's write transaction read or wrote it (a walk-in's visit,
    opened a moment before): checked open as it is, not read again.
    """
    payload_text = (
        assessment.payload_json
        if assessment.payload_json is not None
        else audit.canonical_json(assessment.payload)
    )
    digest = assessment_digest(assessment, payload_text)
    from referral import store  # store exports this module's names: imported when called

    def work(db: Database) -> dict[str, Any]:
        existing = store._existing_by_key(db, "assessments", assessment.idempotency_key, digest, actor=actor)
        if existing is not None:
            return existing
        if after_close:
            store.get_encounter(db, encounter_id)
        else:
            store.require_open(db, encounter_id, "a new assessment", encounter)
        row: dict[str, Any] = {
            "encounter_id": encounter_id,
            "idempotency_key": assessment.idempotency_key,
            "request_sha256": digest,
            "created_at": utc_now(),
            "created_by": actor,
            "disposition": assessment.disposition,
            "urgency_rank": URGENCY_RANK[assessment.disposition],
            "target_tier": assessment.target_tier,
            "policy_version": assessment.policy_version,
            "engine_version": assessment.engine_version,
            "model_versions": audit.canonical_json(assessment.model_versions),
            "news2": assessment.news2,
            "red_flags": audit.canonical_json(assessment.red_flags),
            "risks": audit.canonical_json(assessment.risks),
            "digital": int(assessment.digital),
            "payload": payload_text,
            **store._with_body(body_sha256),
        }
        row_id = insert_row(db, "assessments", row)
        audit.append(
            db,
            actor=actor,
            action="assessment.create",
            entity="assessment",
            entity_id=row_id,
            reason=reason,
            data={k: v for k, v in row.items() if k != "payload"} | {"payload_sha256": _sha(payload_text)},
        )
        return {"id": row_id, **row}

    return write(db, work)


def assessment_by_key(db: Database, key: str, actor: str) -> dict[str, Any] | None:
    """The assessment ``actor`` stored under an idempotency key (decoded), or ``None`` (another
    account's assessment under the same key is not this account's request)."""
    from referral.store import OWN_KEY  # store exports this module's names: imported when called

    row = _one(db, f"SELECT * FROM assessments WHERE {OWN_KEY}", [key, actor])
    if row is None:
        return None
    return _decode_assessment(row)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _decode_assessment(row: dict[str, Any]) -> dict[str, Any]:
    decoded = dict(row)
    for key in ("model_versions", "red_flags", "risks", "payload"):
        decoded[key] = json.loads(row[key])
    decoded["digital"] = bool(row["digital"])
    return decoded


def get_assessment(db: Database, assessment_id: int) -> dict[str, Any]:
    row = _one(db, "SELECT * FROM assessments WHERE id = ?", [assessment_id])
    if row is None:
        raise NotFoundError(f"assessment {assessment_id} not found")
    return _decode_assessment(row)


def latest_assessment(db: Database, encounter_id: int) -> dict[str, Any] | None:
    row = _one(
        db, "SELECT * FROM assessments WHERE encounter_id = ? ORDER BY id DESC LIMIT 1", [encounter_id]
    )
    return None if row is None else _decode_assessment(row)
