"""The device-side records replayed from their audit trail (:func:`referral.audit_rows.verify_rows`):
reviews of held device results, device associations, device corrections of observations, and
the referrals whose basis a correction changed. A column these entries did not carry before
migration :data:`referral.audit_replay.DEVICE_RECORDED_FROM` is not compared (:func:`held`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from referral import lifecycle
from referral.audit_replay import (
    ENTRY_COLUMNS,
    Expected,
    Step,
    given,
    held,
    replay,
    selected_entries,
    trail_entries,
)


def _review(state: str) -> Step:
    def step(entry: dict[str, Any]) -> dict[str, Any]:
        data = entry["data"]
        return {
            "state": state,
            "encounter_id": data["encounter_id"],
            "observation_id": held(data, "observation_id"),
            "reviewed_by": entry["actor"],
            "reviewed_at": data["reviewed_at"],
            "reason": entry["reason"],
        }

    return step


def reviews(db: Database) -> Iterator[Expected]:
    """``device_result.assign`` / ``.dismiss`` (a later one replaces the review of a replaced
    result), then ``device_result.observation``: the observation an assignment was stored as."""
    creates = {"device_result.assign": _review("assigned"), "device_result.dismiss": _review("dismissed")}
    changes = {
        "device_result.observation": given("observation_id"),
        "device_result.review_recorded": given("observation_id"),
    }
    actions = ", ".join(f"'{a}'" for a in (*creates, *changes))
    entries = trail_entries(db, f"entity = 'device_result' AND action IN ({actions})", few=True)
    yield from replay(db, "device_result_reviews", entries, creates, changes)


def _association_start(entry: dict[str, Any]) -> dict[str, Any]:
    data = entry["data"]
    started = {k: data[k] for k in ("device_id", "encounter_id", "patient_id", "started_at")}
    return started | {
        "started_by": entry["actor"],
        "expires_at": held(data, "expires_at"),
        "ended_at": None,
        "ended_by": None,
        "end_reason": None,
    }


def associations(db: Database) -> Iterator[Expected]:
    """``device_association.start`` then ``.end`` (who ended it, when, why)."""
    creates = {"device_association.start": _association_start}
    changes = {
        "device_association.end": lambda e: {
            "ended_at": e["data"]["ended_at"],
            "ended_by": e["actor"],
            "end_reason": e["reason"],
        },
        "device_association.recorded": given("expires_at"),
    }
    actions = ", ".join(f"'{a}'" for a in (*creates, *changes))
    where = f"entity = 'device_association' AND action IN ({actions})"
    yield from replay(db, "device_associations", trail_entries(db, where, few=True), creates, changes)


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
            "corrected_at": held(data, "corrected_at"),
            "reviewed_by": None,
            "reviewed_at": None,
            "review_reason": None,
        }

    return step


def corrections(db: Database) -> Iterator[Expected]:
    """``observation.correct`` / ``.correction_held``, then ``.correction_dismiss`` (the review of
    a held one)."""
    creates = {
        "observation.correct": _correction("applied"),
        "observation.correction_held": _correction("held"),
    }
    changes = {
        "observation.correction_dismiss": lambda e: {
            "reviewed_by": e["actor"],
            "reviewed_at": held(e["data"], "reviewed_at"),
            "review_reason": e["reason"],
        },
        "observation.correction_recorded": given("corrected_at", "reviewed_at"),
    }
    actions = ", ".join(f"'{a}'" for a in (*creates, *changes))
    key = "CAST(json_extract(data, '$.correction') AS INTEGER)"
    entries = trail_entries(db, f"entity = 'encounter' AND action IN ({actions})", key)
    yield from replay(db, "observation_corrections", entries, creates, changes)


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
        "encounter_id": held(data, "encounter_id"),
        "correction_id": data["correction"],
        "less_urgent": int(data["less_urgent"]),
        "changed_at": held(data, "changed_at"),
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
        "resolved_at": held(data, "at"),
        "resolved_by": entry["actor"],
        "resolution_reason": entry["reason"],
    }


def basis_changes(db: Database) -> Iterator[Expected]:
    """``referral.basis_changed``, then its resolution. An acknowledgement or a transition closes
    several changes of a referral at once: each is read once per change it names."""
    finals = tuple(f"referral.{status}" for status in lifecycle.FINAL)
    creates: dict[str, Step] = {"referral.basis_changed": _basis_change}
    changes: dict[str, Step] = {
        "referral.basis_reviewed": _resolved,
        **dict.fromkeys(finals, _resolved),
        "referral.basis_recorded": given("encounter_id", "changed_at", "resolved_at"),
    }
    closing = ", ".join(f"'{a}'" for a in finals)
    query = (
        f"SELECT CAST(json_extract(data, '$.basis_change') AS INTEGER) AS row_id, {ENTRY_COLUMNS} FROM audit NOT INDEXED"
        " WHERE action IN ('referral.basis_changed', 'referral.basis_recorded')"
        f" UNION ALL SELECT CAST(j.value AS INTEGER) AS row_id, {ENTRY_COLUMNS} FROM audit NOT INDEXED,"
        " json_each(audit.data, '$.basis_changes') AS j WHERE action = 'referral.basis_reviewed'"
        f" UNION ALL SELECT CAST(j.value AS INTEGER) AS row_id, {ENTRY_COLUMNS} FROM audit NOT INDEXED,"
        f" json_each(audit.data, '$.basis_changes_closed') AS j WHERE action IN ({closing})"
    )
    yield from replay(db, "referral_basis_changes", selected_entries(db, query), creates, changes)
