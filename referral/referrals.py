"""Referrals and their lifecycle transitions (proposed -> sent -> accepted -> arrived -> completed).

Each transition is checked against :mod:`referral.lifecycle`, timestamped (``<status>_at``),
recorded in ``referral_events`` and audited, all in one transaction. A transition's time may be
given (e.g. the arrival time the receiving hospital reports) but never before the previous one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast

from sqlite_utils import Database

from referral import audit, basis, facilities, lifecycle
from referral.errors import (
    OpenReferralError,
    ReferralNotFoundError,
    TransitionError,
    UserInputError,
    json_text,
)
from referral.records import URGENCY_RANK, FeedbackIn, ReferralIn, aware_timestamp, refuse_nul
from referral.store import _existing_by_key, get_assessment, request_digest
from referral.transactions import insert_row, utc_now, write


def create_referral(db: Database, referral: ReferralIn, *, actor: str) -> dict[str, Any]:
    """Propose a referral for an assessment; stored once per idempotency key.

    Both facilities must be in the directory: an unknown one is an :class:`UnknownFacilityError`
    raised before anything is written; ``to_facility`` the visit's own facility is refused. An encounter with an open referral (proposed, sent,
    accepted or arrived: not yet completed, declined or cancelled) gets a second one only when ``referral.alongside_open`` says so (the audit entry
    names the open ones); otherwise :class:`OpenReferralError` names the open referral.
    """
    digest = request_digest(referral)

    def work(db: Database) -> dict[str, Any]:
        existing = _existing_by_key(db, "referrals", referral.idempotency_key, digest, actor=actor)
        if existing is not None:
            return _decode(existing)
        facilities.require(db, referral.to_facility, "referral to_facility")
        assessment = get_assessment(db, referral.assessment_id)
        from_facility = referral.from_facility
        if from_facility is None:
            row = db.conn.execute(
                "SELECT facility_id FROM encounters WHERE id = ?", [assessment["encounter_id"]]
            ).fetchone()
            from_facility = row[0] if row else None
        if from_facility is not None:
            facilities.require(db, from_facility, "referral from_facility")
        # to the visit's own facility is no referral: the analyses would count a patient moved who stayed
        if from_facility == referral.to_facility:
            raise UserInputError(
                f"to_facility: {json_text(referral.to_facility)} is the facility the visit is at"
                f" (encounter {assessment['encounter_id']}); refer the patient to another facility"
            )
        already = open_referrals(db, int(assessment["encounter_id"]), limit=OPEN_LISTED)
        if already and not referral.alongside_open:
            raise _open_referral_error(already[0])
        now = utc_now()
        row_data: dict[str, Any] = {
            "assessment_id": referral.assessment_id,
            "encounter_id": assessment["encounter_id"],
            "from_facility": from_facility,
            "to_facility": referral.to_facility,
            "urgency": referral.urgency,
            "reason": referral.reason,
            "status": lifecycle.INITIAL,
            "idempotency_key": referral.idempotency_key,
            "request_sha256": digest,
            "created_at": now,
            "created_by": actor,
            "updated_at": now,
        }
        referral_id = insert_row(db, "referrals", row_data)
        db.conn.execute(
            "INSERT INTO referral_events (referral_id, from_status, to_status, at, actor, note)"
            " VALUES (?, NULL, ?, ?, ?, ?)",
            [referral_id, lifecycle.INITIAL, now, actor, referral.reason],
        )
        audit.append(
            db,
            actor=actor,
            action="referral.create",
            entity="referral",
            entity_id=referral_id,
            reason=referral.reason,
            data={k: v for k, v in row_data.items() if k != "request_sha256"}
            | ({"alongside_open": [int(r["id"]) for r in already]} if already else {}),
        )
        return get_referral(db, referral_id)

    return write(db, work)


#: How many of an encounter's open referrals a new one's audit entry names (the newest): a clinic
#: has one or two; a stream of deliberate referrals (a bridge, the benchmark) must not make each
#: write read and record all the earlier ones.
OPEN_LISTED = 5


def open_referrals(db: Database, encounter_id: int, limit: int | None = None) -> list[dict[str, Any]]:
    """The encounter's open referrals (:data:`referral.lifecycle.OPEN_STATUSES`: proposed, sent,
    accepted or arrived), newest first, with the receiving facility's name; at most ``limit``."""
    marks = ", ".join("?" * len(lifecycle.OPEN_STATUSES))
    return list(
        db.query(
            "SELECT r.*, f.name AS facility_name FROM referrals r"
            " LEFT JOIN facilities f ON f.id = r.to_facility"
            f" WHERE r.encounter_id = ? AND r.status IN ({marks}) ORDER BY r.id DESC"
            + (f" LIMIT {int(limit)}" if limit is not None else ""),
            [encounter_id, *lifecycle.OPEN_STATUSES],
        )
    )


def _open_referral_error(existing: dict[str, Any]) -> OpenReferralError:
    facility = existing.get("facility_name") or existing["to_facility"]
    return OpenReferralError(
        f"encounter {existing['encounter_id']} already has an open referral #{existing['id']}"
        f" ({existing['status']}, {existing['urgency']}, to {facility}); a second referral is created"
        " only when the request says so (alongside_open: true)",
        says="error.open_referral",
        params={
            "status": existing["status"],
            "urgency": existing["urgency"],
            "facility": facility,
            "referral_id": existing["id"],
        },
    )


def _normalise_time(at: str | None, previous: str) -> str:
    if at is None:
        return max(utc_now(), previous)
    try:
        moment = aware_timestamp(at, "at")
    except ValueError as error:
        raise UserInputError(str(error)) from error
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    if datetime.fromisoformat(text) < datetime.fromisoformat(previous):
        raise UserInputError(f"transition time {at} is before the referral's last change ({previous})")
    return text


def transition(
    db: Database,
    referral_id: int,
    target: str,
    *,
    actor: str,
    note: str | None = None,
    at: str | None = None,
    feedback: FeedbackIn | None = None,
) -> dict[str, Any]:
    """Move a referral to ``target``; ``completed`` needs the receiving hospital's feedback and
    ``declined``/``cancelled`` need a note saying why."""
    if target == "completed" and feedback is None:
        raise UserInputError("completing a referral needs the receiving hospital's feedback")
    if note is not None:
        refuse_nul(note, "note")
    if target != "completed" and feedback is not None:
        raise UserInputError("feedback is only recorded when a referral is completed")
    if target in lifecycle.NEEDS_NOTE and not (note and note.strip()):
        raise UserInputError(
            f"a referral can only be {target} with a note saying why",
            says="error.referral_note",
            params={"status": target},
        )

    def work(db: Database) -> dict[str, Any]:
        current = get_referral(db, referral_id)
        if target == "cancelled":  # an arrived patient's corrected basis: say what to do instead
            basis.refuse_cancel(db, referral_id, current["status"])
        lifecycle.check_transition(current["status"], target)
        if target == "sent":  # the clinic's own decision: not on a basis nobody has reviewed
            basis.require_reviewed(db, referral_id, target)
        when = _normalise_time(at, current["updated_at"])
        column = lifecycle.timestamp_column(target)
        assignments: dict[str, Any] = {"status": target, "updated_at": when, column: when}
        if feedback is not None:
            assignments["justified"] = int(feedback.justified)
            assignments["feedback"] = audit.canonical_json(feedback.model_dump(mode="json"))
        sets = ", ".join(f"{k} = :{k}" for k in assignments)
        changed = db.conn.execute(
            f"UPDATE referrals SET {sets} WHERE id = :id AND status = :current",
            {**assignments, "id": referral_id, "current": current["status"]},
        ).rowcount
        if changed != 1:
            raise TransitionError(f"referral {referral_id} changed while it was being updated")
        db.conn.execute(
            "INSERT INTO referral_events (referral_id, from_status, to_status, at, actor, note)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [referral_id, current["status"], target, when, actor, note],
        )
        closed = []
        if target in lifecycle.FINAL:  # moot once the referral ended without a transfer (basis.close)
            reason = note or f"referral {target}"
            closed = basis.close(
                db, referral_id, cast(basis.Resolution, target), actor=actor, reason=reason, at=when
            )
        audit.append(
            db,
            actor=actor,
            action=f"referral.{target}",
            entity="referral",
            entity_id=referral_id,
            reason=note or f"referral {target}",
            data={"from": current["status"], "to": target, "at": when}
            | ({"feedback": feedback.model_dump(mode="json")} if feedback else {})
            | ({"basis_changes_closed": closed} if closed else {}),
        )
        return get_referral(db, referral_id)

    return write(db, work)


def raise_urgency(
    db: Database,
    referral_id: int,
    urgency: str,
    *,
    assessment_id: int,
    reason: str,
    actor: str,
    why: str,
) -> dict[str, Any] | None:
    """Raise a proposed referral's urgency to ``urgency`` because a later assessment of its visit
    (``assessment_id``, which it now stands on, with its ``reason``) decided more urgently; audited
    ``referral.urgency_raised`` with ``why``. Never lowers an urgency and never changes a referral
    past proposed (a clinician sent it: theirs to change): returns None then, as for the same one."""

    def work(db: Database) -> dict[str, Any] | None:
        current = get_referral(db, referral_id)
        rank = {u: URGENCY_RANK[d] for u, d in basis.URGENCY_DISPOSITION.items()}
        if current["status"] != lifecycle.INITIAL or rank[urgency] >= rank[current["urgency"]]:
            return None
        get_assessment(db, assessment_id)
        when = max(utc_now(), current["updated_at"])
        db.conn.execute(
            "UPDATE referrals SET urgency = ?, assessment_id = ?, reason = ?, updated_at = ? WHERE id = ?",
            [urgency, assessment_id, reason, when, referral_id],
        )
        audit.append(
            db,
            actor=actor,
            action="referral.urgency_raised",
            entity="referral",
            entity_id=referral_id,
            reason=why,
            data={
                "from": current["urgency"],
                "to": urgency,
                "at": when,
                "assessment_id": assessment_id,
                "referral_reason": reason,
            },
        )
        return get_referral(db, referral_id)

    return write(db, work)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    decoded = dict(row)
    decoded["feedback"] = json.loads(row["feedback"]) if row["feedback"] else None
    decoded["justified"] = None if row["justified"] is None else bool(row["justified"])
    return decoded


def get_referral(db: Database, referral_id: int) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM referrals WHERE id = ?", [referral_id]))
    if not rows:
        raise ReferralNotFoundError(referral_id)
    return _decode(rows[0])


def events(db: Database, referral_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT * FROM referral_events WHERE referral_id = ? ORDER BY id", [referral_id]))


def _matching(
    status: str | None,
    basis_review_needed: bool | None,
    since_id: int,
    before_id: int | None,
    encounter_id: int | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of the referrals :func:`list_referrals` lists."""
    if status is not None and status not in lifecycle.STATUSES:
        raise UserInputError(
            f"unknown referral status {json_text(status)}; choose one of {', '.join(lifecycle.STATUSES)}"
        )
    where = "WHERE id > ?" + (" AND status = ?" if status else "")
    params: list[Any] = [since_id] + ([status] if status else [])
    if before_id is not None:
        where += " AND id < ?"
        params.append(before_id)
    if encounter_id is not None:  # one visit's referrals (index referrals_encounter)
        where += " AND encounter_id = ?"
        params.append(encounter_id)
    if basis_review_needed is not None:
        where += (" AND " if basis_review_needed else " AND NOT ") + (
            "EXISTS (SELECT 1 FROM referral_basis_changes b"
            " WHERE b.referral_id = referrals.id AND b.resolved_at IS NULL)"
        )
    return where, params


def list_referrals(
    db: Database,
    *,
    status: str | None = None,
    basis_review_needed: bool | None = None,
    limit: int = 50,
    since_id: int = 0,
    before_id: int | None = None,
    encounter_id: int | None = None,
) -> list[dict[str, Any]]:
    """Referrals newest first, optionally of one status, of one visit (``encounter_id``) and only
    those whose basis a device corrected and nobody has reviewed (``basis_review_needed=True``) or
    only the others (False). Filtered in SQL, so ``limit`` counts the referrals that match;
    ``before_id`` keeps only those older than that referral (the next page of a list already read)."""
    where, params = _matching(status, basis_review_needed, since_id, before_id, encounter_id)
    rows = db.query(f"SELECT * FROM referrals {where} ORDER BY id DESC LIMIT ?", [*params, limit])
    return [_decode(row) for row in rows]


def count_referrals(
    db: Database,
    *,
    status: str | None = None,
    basis_review_needed: bool | None = None,
    before_id: int | None = None,
    encounter_id: int | None = None,
) -> int:
    """How many referrals :func:`list_referrals` with these filters lists over all its pages
    (``before_id``: over the pages after the one that ended with that referral)."""
    where, params = _matching(status, basis_review_needed, 0, before_id, encounter_id)
    return int(db.conn.execute(f"SELECT count(*) FROM referrals {where}", params).fetchone()[0])


def counts_by_status(db: Database) -> dict[str, int]:
    counts = dict.fromkeys(lifecycle.STATUSES, 0)
    for status, count in db.conn.execute("SELECT status, count(*) FROM referrals GROUP BY status"):
        counts[str(status)] = int(count)
    return counts
