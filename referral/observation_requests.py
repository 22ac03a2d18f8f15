"""Readings added under an idempotency key (migration ``0024``): a device bridge whose ``POST
/api/v1/encounters/{id}/observations`` timed out cannot tell whether the readings were stored, and
retries; with an ``Idempotency-Key`` the retry is answered the ids stored the first time and
nothing is written again. The key is kept with its encounter, the request body's fingerprint and
the readings' ids, in the same transaction as the readings (``referral.store.add_observations``),
so concurrent retries store them once: the log's writers take turns (``BEGIN IMMEDIATE``) and the
key is looked up inside the turn. The key used again with another body or for another encounter is
an :class:`IdempotencyConflictError` (409 ``idempotency_conflict``)."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from referral.errors import IdempotencyConflictError, json_text
from referral.transactions import insert_row, one_row, utc_now


def stored_ids(db: Database, key: str, encounter_id: int, body_sha256: str, actor: str) -> list[int] | None:
    """The ids of the readings a request of ``actor`` with ``key`` stored, when it is this request
    again; ``None`` for a key this account has not used (another account's request under the same
    key is another request: keys are unique per account, migration 0027). Call inside the write
    transaction."""
    row = one_row(
        db, "SELECT * FROM observation_requests WHERE idempotency_key = ? AND created_by = ?", [key, actor]
    )
    if row is None:
        return None
    if row["encounter_id"] != encounter_id:
        raise _conflict(key, f"readings of encounter {row['encounter_id']}")
    if row["body_sha256"] != body_sha256:
        raise _conflict(key, f"different readings of encounter {encounter_id} (request {row['id']})")
    found: list[int] = json.loads(row["observation_ids"])
    return found


def remember(
    db: Database, key: str, encounter_id: int, body_sha256: str, ids: list[int], *, actor: str
) -> None:
    """Keep ``key`` with the readings just stored (inside their write transaction)."""
    row: dict[str, Any] = {
        "encounter_id": encounter_id,
        "idempotency_key": key,
        "body_sha256": body_sha256,
        "observation_ids": json.dumps(ids),
        "created_at": utc_now(),
        "created_by": actor,
    }
    insert_row(db, "observation_requests", row)


def _conflict(key: str, what: str) -> IdempotencyConflictError:
    return IdempotencyConflictError(
        f"idempotency key {json_text(key)} was already used for {what}; use a new key for a new request"
    )
