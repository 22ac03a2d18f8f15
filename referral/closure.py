"""Closing an encounter: the patient's visit ends (migration ``0014_encounter_close``).

Rules this module keeps:

* One write transaction: the encounter's ``closed_at`` / ``closed_by`` / ``close_reason``, the end
  of every active device association of the encounter (reason ``encounter_closed``, one
  ``device_association.end`` audit entry each, ``referral/associations.py``) and the
  ``encounter.closed`` audit entry (who, why, which associations it ended) commit together. A
  device result received after the close is not linked to the patient: it is held for review like
  any unlinked result.
* Once: an unknown encounter is a :class:`NotFoundError`, an encounter already closed a
  :class:`ConflictError` naming when, by whom and why (but the staff page's close sent again with
  its form key, by the same user, is answered the close it made: ``key``); a trigger keeps the close from being
  changed afterwards. There is no reopening: the patient's next visit is a new encounter.
* After the close the encounter takes no new readings, assessments or device attachments
  (``referral.store.require_open``: a :class:`ConflictError` saying "open a new encounter"). A
  device's correction of a reading the encounter already holds is still recorded and re-assessed
  (``triage/service/corrections.py``), so the record follows the device and a referral made from
  the old value is flagged.
* Referrals of the encounter are not touched: a referral outlives the visit and goes on through
  its own lifecycle.
* A visit whose latest decision (after a clinician's override) sends the patient on - emergency
  transfer, urgent or routine referral - and that has no referral sent (none, or only proposed,
  declined or cancelled ones: a proposal nobody sent refers nobody) is closed only when the request
  says so (``without_referral``): else a
  :class:`ReferralNotMadeError` naming the decision. The audit entry records the decision the
  visit was closed without (``without_referral``), next to the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from referral import associations, audit, lifecycle, store
from referral.associations import Association
from referral.errors import ConflictError, NotFoundError, ReferralNotMadeError
from referral.records import required_text
from referral.transactions import when, write

#: Decisions that send the patient on: closing such a visit with no referral needs a confirmation.
REFERRING = ("emergency_transfer", "urgent_referral", "routine_referral")
#: Referral statuses that do not count as a referral made: declined, cancelled, and proposed - triage's
#: proposal (or one a clinician created) that nobody sent; closing over it the patient left unreferred.
NOT_MADE = ("proposed", "declined", "cancelled")
#: At most this many characters in a close reason (after trimming).
REASON_LIMIT = 500
ACTOR_LIMIT = 200


@dataclass(frozen=True)
class Closure:
    """A closed encounter (its row, ``closed_*`` set) and the device associations the close ended."""

    encounter: dict[str, Any]
    ended: tuple[Association, ...]


def closed_text(encounter: dict[str, Any]) -> str:
    """``closed at <time> by <who> (<reason>)`` of a closed encounter row."""
    return (
        f"closed at {when(encounter['closed_at'])} by {encounter['closed_by']} ({encounter['close_reason']})"
    )


def unreferred_decision(db: Database, encounter_id: int) -> str | None:
    """The encounter's latest decision when it sends the patient on and no referral was made
    (see the module notes), else None."""
    latest = store.latest_assessment(db, encounter_id)
    if latest is None:
        return None
    decision = store.final_disposition(db, latest)
    if decision not in REFERRING:
        return None
    made = db.conn.execute(
        f"SELECT 1 FROM referrals WHERE encounter_id = ? AND status NOT IN ({', '.join('?' * len(NOT_MADE))})"
        " LIMIT 1",
        [encounter_id, *NOT_MADE],
    ).fetchone()
    return None if made else decision


def proposed_not_sent(db: Database, encounter_id: int) -> list[int]:
    """The ids, oldest first, of the encounter's referrals proposed and not sent - a close leaves
    them open, waiting for a clinician to send or cancel each; the API's close answers them
    (``proposed_referrals``), ``devices associations close-encounter`` names them and the patient
    page's notice after an override says one is still open."""
    rows = db.conn.execute(
        "SELECT id FROM referrals WHERE encounter_id = ? AND status = ? ORDER BY id",
        [encounter_id, lifecycle.INITIAL],
    )
    return [int(row[0]) for row in rows]


#: How the staff page's user confirms a close without a referral (the API and the CLI name their field).
CONFIRM_ON_PAGE = "confirm closing the visit without one"
CONFIRM_IN_API = 'send "without_referral": true to close the visit without one'
CONFIRM_IN_CLI = "add --without-referral to close the visit without one"


def close(
    db: Database,
    encounter_id: int,
    *,
    actor: str,
    reason: str,
    without_referral: bool = False,
    confirm: str = CONFIRM_ON_PAGE,
    key: str | None = None,
) -> Closure:
    """Close the encounter now and end its device associations, in one audited transaction.

    ``reason`` is required (trimmed, at most :data:`REASON_LIMIT` characters). Raises
    ``NotFoundError`` for an unknown encounter, ``ConflictError`` for one already closed and
    ``ReferralNotMadeError`` for one whose decision needs a referral that was not made, unless
    ``without_referral``; its message says how to confirm in the caller's words (``confirm``:
    the API's field, the CLI's option). ``key`` (the staff page's form key) is kept in the audit
    entry: the close sent again with it by the same ``actor`` - a form pressed again after its
    answer was slow - is answered the close it made, not refused as already closed.
    """
    where = f"closing encounter {encounter_id}"
    actor = required_text(actor, "actor", where, ACTOR_LIMIT, empty_hint=" (it is required)")
    reason = required_text(reason, "reason", where, REASON_LIMIT, empty_hint=" (it is required)")

    def work(db: Database) -> Closure:
        try:
            encounter = store.get_encounter(db, encounter_id)
        except NotFoundError:
            raise NotFoundError(f"cannot close encounter {encounter_id}: not found") from None
        if encounter["closed_at"] is not None:
            if key is not None and _closed_with(db, encounter_id, key, actor):
                return Closure(encounter, tuple(ended_by_close(db, encounter_id)))
            raise ConflictError(
                f"encounter {encounter_id} is already {closed_text(encounter)}",
                says="error.already_closed",
                params={"closed_at": encounter["closed_at"], "user": encounter["closed_by"]},
            )
        unreferred = unreferred_decision(db, encounter_id)
        if unreferred is not None and not without_referral:
            raise ReferralNotMadeError(
                f"encounter {encounter_id}: the decision is {unreferred} and no referral was made (one"
                f" proposed and not sent refers nobody); send the referral first, or {confirm} (the reason is"
                " recorded)",
                says="error.referral_not_made",
                params={"disposition": unreferred},
            )
        now = associations.utc_now()
        ended = associations.end_for_encounter(db, encounter_id, actor=actor, at=now)
        db.conn.execute(
            "UPDATE encounters SET closed_at = ?, closed_by = ?, close_reason = ? WHERE id = ?",
            [now, actor, reason, encounter_id],
        )
        audit.append(
            db,
            actor=actor,
            action="encounter.closed",
            entity="encounter",
            entity_id=encounter_id,
            reason=reason,
            data={
                "closed_at": now,
                "ended_associations": [a.id for a in ended],
                "devices": [a.device_id for a in ended],
            }
            | ({"without_referral": unreferred} if unreferred is not None else {})
            | ({"idempotency_key": key} if key is not None else {}),
        )
        return Closure(store.get_encounter(db, encounter_id), tuple(ended))

    return write(db, work)


def _closed_with(db: Database, encounter_id: int, key: str, actor: str) -> bool:
    """Whether ``actor``'s close of the encounter was sent with ``key``."""
    return any(
        entry["action"] == "encounter.closed"
        and entry["actor"] == actor
        and entry["data"].get("idempotency_key") == key
        for entry in audit.entries_for(db, "encounter", encounter_id)
    )


def ended_by_close(db: Database, encounter_id: int) -> list[Association]:
    """The device associations that closing the encounter ended (empty while it is open)."""
    return [
        a
        for a in associations.for_encounter(db, encounter_id, active_only=False)
        if a.end_reason == associations.ENCOUNTER_CLOSED
    ]
