"""Referrals whose basis a device later corrected: flagged for a clinician, never cancelled.

A referral is made from an assessment, and that assessment used certain readings
(``observations_used`` in its stored payload, each with the ``source_message_id`` of the device
result it came from, ``inbox:<result id>``). When a device corrects one of those results
(``referral.corrections``) the encounter is re-assessed, but the referral still stands on the old
value. This module records that its basis changed:

* **Which referrals** - precise linkage, not "everything older than the correction": every
  referral of the corrected encounter whose patient is or may be transferred
  (:data:`FLAGGED_STATUSES`: proposed, sent, accepted, arrived, completed) and whose assessment
  used the corrected device result. A correction of a reading the referral's assessment did not
  use (an older reading of the same code, another test) leaves it alone; a referral that ended
  without a transfer (declined, cancelled) is not flagged.
* **For information** when the patient has already arrived (:data:`INFORMATIONAL_STATUSES`:
  arrived, completed): the referral can no longer be cancelled, but the referring clinician and
  the receiving hospital still need to know that the transfer stood on a value a device corrected
  (glucose 28.0 -> 8.2 after arrival). Such a change (:attr:`BasisChange.informational`, from
  ``referral_status``) blocks nothing and is cleared only by :func:`acknowledge` with a note;
  cancelling is refused with a message saying so (:func:`refuse_cancel`).
* **What** - one row in ``referral_basis_changes`` per referral and correction (migration
  ``0013_referral_basis_changes``): when, the code, the value the referral's assessment used ->
  the value now in force (``None``: withdrawn, the device's correction is held for review), the
  disposition of the re-assessment and whether it is less urgent than the referral
  (:data:`referral.records.URGENCY_RANK`: emergency > urgent > insufficient data > routine >
  local care). An audit entry ``referral.basis_changed`` in the same transaction as the
  correction.
* **Cleared** only by a person: :func:`acknowledge` ("reviewed, keep", with a reason; audited
  ``referral.basis_reviewed``) or by the referral ending without a transfer
  (``referral.referrals.transition``: cancelled with its note, or declined), which closes the
  open changes that asked whether the referral should go ahead (not the informational ones) in
  the transition's own transaction. Completion closes nothing: the patient was transferred on the
  old value, so whoever has not yet reviewed the change must still acknowledge it (the receiving
  hospital may not know). While a change is open the clinic cannot send the referral
  (:func:`require_reviewed`).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from sqlite_utils import Database

from referral import audit, lifecycle
from referral.corrections import Correction, value_text
from referral.errors import ConflictError, ReferralNotFoundError, TransitionError, UserInputError
from referral.records import URGENCY_RANK, refuse_nul
from referral.transactions import utc_now, write

#: Final statuses of a referral that ended without a transfer: a corrected basis is moot.
NOT_TRANSFERRED: Final = ("declined", "cancelled")
#: Referrals a corrected basis is flagged on: every one whose patient is or may be transferred.
FLAGGED_STATUSES: Final = tuple(s for s in lifecycle.STATUSES if s not in NOT_TRANSFERRED)
#: Of those, the ones past cancelling (the patient has arrived): their flag is for information.
INFORMATIONAL_STATUSES: Final = tuple(s for s in FLAGGED_STATUSES if "cancelled" not in lifecycle.ALLOWED[s])
#: The disposition a referral of each urgency stands for.
URGENCY_DISPOSITION: Final = {
    "emergency": "emergency_transfer",
    "urgent": "urgent_referral",
    "routine": "routine_referral",
}
Resolution = Literal["acknowledged", "cancelled", "declined", "completed"]
_COLUMNS = (
    "id, referral_id, encounter_id, correction_id, assessment_id, code, old_value, new_value, disposition,"
    " referral_urgency, referral_status, less_urgent, changed_at, resolution, resolved_at, resolved_by,"
    " resolution_reason"
)


class BasisReviewError(ConflictError):
    """The referral's basis was corrected and nobody has reviewed that yet."""

    code = "basis_review_needed"
    key = "error.basis_review_needed"


@dataclass(frozen=True)
class BasisChange:
    id: int
    referral_id: int
    encounter_id: int
    correction_id: int
    assessment_id: int  # the re-assessment after the correction
    code: str
    old_value: str  # the value the referral's assessment used
    new_value: str | None  # the value in force now; None: withdrawn
    disposition: str  # of the re-assessment
    referral_urgency: str
    referral_status: str  # when the correction arrived
    less_urgent: bool  # the re-assessment is less urgent than the referral
    changed_at: str
    resolution: Resolution | None
    resolved_at: str | None
    resolved_by: str | None
    resolution_reason: str | None

    @property
    def withdrawn(self) -> bool:
        return self.new_value is None

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def informational(self) -> bool:
        """The correction came after the patient arrived (or the referral was completed): nothing
        to decide, only to acknowledge."""
        return self.referral_status in INFORMATIONAL_STATUSES

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "withdrawn": self.withdrawn,
            "open": self.open,
            "informational": self.informational,
        }

    def summary(self, readings: Readings = (None, None)) -> str:
        """The change in words (CLI, exports): what changed, the re-assessment, and its review;
        a value received in another unit with the value as reported, from the stored readings
        (:func:`readings`): "glucose_random 27.975133215 mmol/L (reported 504 mg/dL) -> ..."."""
        after = (
            "the patient arrived"
            if self.referral_status == "arrived"
            else f"the referral was {self.referral_status}"
        )
        before, now = readings
        new = "withdrawn" if self.new_value is None else as_reported(self.new_value, now)
        text = (
            f"{self.code} {as_reported(self.old_value, before)} -> {new} after {after};"
            f" re-assessed: {self.disposition}"
            + (" (less urgent than the referral)" if self.less_urgent else "")
        )
        if self.open:
            return f"{text}; REVIEW NEEDED" + (
                " (for information: acknowledge with a note)" if self.informational else ""
            )
        return (
            f"{text}; {self.resolution} by {self.resolved_by} at {self.resolved_at}: {self.resolution_reason}"
        )


#: The stored observations a basis change names: the reading the referral's assessment used and
#: the one in force after the correction (None: withdrawn, or not found).
Readings = tuple[dict[str, Any] | None, dict[str, Any] | None]
_VALUE = re.compile(r"([<>]?=?)([0-9.eE+-]+) ?(.*)")  # ">33.3 mmol/L": comparator, number, unit


def readings(db: Database, changes: Iterable[BasisChange]) -> dict[int, Readings]:
    """The stored readings each change names, by change id, read at display time: a change keeps
    its values as written then (every digit of a conversion, the UCUM unit, no value as
    reported), unchanged; pages and exports show the readings from these rows."""
    changes = list(changes)
    ids = sorted({c.correction_id for c in changes})
    if not ids:
        return {}
    pairs = {
        int(cid): (old, new)
        for cid, old, new in db.conn.execute(
            "SELECT id, replaces_id, correction_id FROM observation_corrections"
            f" WHERE id IN ({', '.join('?' * len(ids))})",
            ids,
        )
    }
    wanted = sorted({i for pair in pairs.values() for i in pair if i is not None})
    rows = (
        db.query(f"SELECT * FROM observations WHERE id IN ({', '.join('?' * len(wanted))})", wanted)
        if wanted
        else ()
    )
    found = {int(r["id"]): r for r in rows}
    named = {}
    for change in changes:
        old, new = pairs.get(change.correction_id, (None, None))
        before, after = found.get(old) if old else None, found.get(new) if new else None
        named[change.id] = (
            before if _same(before, change.old_value) else None,
            after if change.new_value is not None else None,
        )
    return named


def _same(row: dict[str, Any] | None, text: str) -> bool:
    """The stored reading is the one the referral's assessment used (``old_value``, as written
    then): same comparator, number and unit (in a chain of corrections it can be another one)."""
    if row is None:
        return False
    found = _VALUE.fullmatch(text)
    if found is None or row.get("value_num") is None:
        return value_text(row) == text
    op, number, unit = found.groups()
    try:
        close = math.isclose(float(number), float(row["value_num"]), rel_tol=1e-9)
    except ValueError:
        return False
    return close and (op or None, unit) == (row.get("comparator"), row.get("unit") or "")


def as_reported(text: str, row: Mapping[str, Any] | None) -> str:
    """A value as written, with the value as reported when the stored reading ``row`` was
    received in another unit: ``27.975 mmol/L (reported 504 mg/dL)``, as the engine writes it."""
    if row is None or row.get("reported_value") is None or not row.get("reported_unit"):
        return text
    return f"{text} (reported {row.get('comparator') or ''}{row['reported_value']:g} {row['reported_unit']})"


def _changes(db: Database, where: str, params: Iterable[Any] = ()) -> list[BasisChange]:
    rows = db.conn.execute(f"SELECT {_COLUMNS} FROM referral_basis_changes WHERE {where}", list(params))
    found = []
    for row in rows:
        values = list(row)
        values[11] = bool(values[11])  # less_urgent
        found.append(BasisChange(*values))
    return found


def _basis_reading(payload: Any, source: str) -> Mapping[str, Any] | None:
    """The reading from device result ``source`` that an assessment's payload used, if any."""
    data = json.loads(payload) if isinstance(payload, str | bytes) else payload
    for used in (data or {}).get("observations_used") or ():
        if used.get("source_message_id") == source:
            return dict(used)
    return None


def _shown(reading: Mapping[str, Any]) -> str:
    value = reading.get("value")
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return value_text(
        {
            "value_num": value if numeric else None,
            "value_text": None if numeric else value,
            "comparator": reading.get("comparator"),
            "unit": reading.get("unit"),
        }
    )


def less_urgent(disposition: str, urgency: str) -> bool:
    """Is ``disposition`` less urgent than a referral of ``urgency``?"""
    return URGENCY_RANK[disposition] > URGENCY_RANK[URGENCY_DISPOSITION[urgency]]


def flag(
    db: Database, correction: Correction, assessment: Mapping[str, Any], *, actor: str
) -> list[BasisChange]:
    """Flag every referral of the correction's encounter that is not final and whose assessment used
    the corrected device result (an arrived one for information). Runs inside the caller's write transaction (the correction's), after the
    re-assessment ``assessment`` was stored and before any new referral is proposed from it.

    A held correction that withdrew nothing (the reading was already withdrawn) changes no basis.
    """
    if not db.conn.in_transaction:
        raise RuntimeError("basis.flag must run inside the correction's write transaction")
    if correction.state == "held" and correction.replaces_id is None:
        return []
    source = f"inbox:{correction.result_id}"
    new_value = correction.new_value if correction.state == "applied" else None
    disposition = str(assessment["disposition"])
    marks = ", ".join("?" * len(FLAGGED_STATUSES))
    candidates = db.conn.execute(
        "SELECT r.id, r.urgency, r.status, a.payload FROM referrals r JOIN assessments a ON a.id = r.assessment_id"
        f" WHERE r.encounter_id = ? AND r.status IN ({marks}) AND r.assessment_id != ? ORDER BY r.id",
        [correction.encounter_id, *FLAGGED_STATUSES, assessment["id"]],
    ).fetchall()
    at = utc_now()
    flagged = []
    for referral_id, urgency, status, payload in candidates:
        reading = _basis_reading(payload, source)
        if reading is None:
            continue  # the referral's assessment did not use this result
        old_value = _shown(reading)
        weaker = less_urgent(disposition, str(urgency))
        cursor = db.conn.execute(
            "INSERT INTO referral_basis_changes (referral_id, encounter_id, correction_id, assessment_id, code,"
            " old_value, new_value, disposition, referral_urgency, referral_status, less_urgent, changed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                referral_id,
                correction.encounter_id,
                correction.id,
                assessment["id"],
                str(reading["code"]),
                old_value,
                new_value,
                disposition,
                urgency,
                status,
                int(weaker),
                at,
            ],
        )
        audit.append(
            db,
            actor=actor,
            action="referral.basis_changed",
            entity="referral",
            entity_id=referral_id,
            reason=f"device correction of {reading['code']} the referral was based on: {old_value} -> "
            f"{new_value or 'withdrawn'}; re-assessed: {disposition}",
            data={
                "basis_change": cursor.lastrowid,
                "encounter_id": correction.encounter_id,
                "changed_at": at,
                "correction": correction.id,
                "result_id": correction.result_id,
                "code": reading["code"],
                "old_value": old_value,
                "new_value": new_value,
                "withdrawn": new_value is None,
                "assessment_id": assessment["id"],
                "disposition": disposition,
                "referral_urgency": urgency,
                "referral_status": status,
                "less_urgent": weaker,
                "informational": status in INFORMATIONAL_STATUSES,
            },
        )
        flagged.extend(_changes(db, "id = ?", [cursor.lastrowid]))
    return flagged


def open_for(db: Database, referral_id: int) -> list[BasisChange]:
    """The referral's basis changes nobody has reviewed yet, oldest first."""
    return _changes(db, "referral_id = ? AND resolved_at IS NULL ORDER BY id", [referral_id])


def for_referrals(db: Database, referral_ids: Iterable[int] | None = None) -> dict[int, list[BasisChange]]:
    """Basis changes by referral id, oldest first (all referrals when ``referral_ids`` is None)."""
    if referral_ids is None:
        found = _changes(db, "1 ORDER BY id")
    else:
        ids = sorted({int(i) for i in referral_ids})
        found = _changes(db, f"referral_id IN ({', '.join('?' * len(ids))}) ORDER BY id", ids) if ids else []
    grouped: dict[int, list[BasisChange]] = defaultdict(list)
    for change in found:
        grouped[change.referral_id].append(change)
    return dict(grouped)


def open_in_encounters(db: Database, encounter_ids: Iterable[int]) -> dict[int, list[BasisChange]]:
    """Open basis changes by encounter id (the queue shows them), oldest first."""
    ids = sorted({int(i) for i in encounter_ids})
    if not ids:
        return {}
    grouped: dict[int, list[BasisChange]] = defaultdict(list)
    where = f"encounter_id IN ({', '.join('?' * len(ids))}) AND resolved_at IS NULL ORDER BY id"
    for change in _changes(db, where, ids):
        grouped[change.encounter_id].append(change)
    return dict(grouped)


def require_reviewed(db: Database, referral_id: int, target: str) -> None:
    """Refuse to send a referral whose corrected basis nobody has reviewed."""
    pending = open_for(db, referral_id)
    if pending:
        last = pending[-1]
        raise BasisReviewError(
            f"referral {referral_id} cannot be {target}: a device corrected its basis ({last.code} "
            f"{last.old_value} -> {last.new_value or 'withdrawn'}); review it first - acknowledge "
            "(reviewed, keep, with a reason) or cancel the referral"
        )


def refuse_cancel(db: Database, referral_id: int, status: str) -> None:
    """Refuse to cancel a referral whose patient has arrived while a device's correction of its basis
    waits for acknowledgement, saying what to do instead (the lifecycle's own refusal would only
    name the allowed transitions)."""
    pending = open_for(db, referral_id) if status in INFORMATIONAL_STATUSES else []
    if pending:
        last = pending[-1]
        raise TransitionError(
            f"referral {referral_id} cannot be cancelled: the patient has arrived (status {status});"
            f" the device's correction of its basis ({last.code} {last.old_value} ->"
            f" {last.new_value or 'withdrawn'}) is for information - acknowledge it with a note"
            " (basis review) instead"
        )


def close(
    db: Database, referral_id: int, resolution: Resolution, *, actor: str, reason: str, at: str
) -> list[int]:
    """Close the referral's open basis changes (inside the caller's transaction); their ids.

    Ending without a transfer (``declined``, ``cancelled``) closes only the changes that asked
    whether the referral should go ahead; an informational one stays open until a person
    acknowledges it. ``completed`` closes nothing: the patient went on the old value."""
    if resolution == "completed":
        return []
    pending = [c.id for c in open_for(db, referral_id) if resolution == "acknowledged" or not c.informational]
    if pending:
        db.conn.execute(
            "UPDATE referral_basis_changes SET resolution = ?, resolved_at = ?, resolved_by = ?,"
            f" resolution_reason = ? WHERE id IN ({', '.join('?' * len(pending))}) AND resolved_at IS NULL",
            [resolution, at, actor, reason, *pending],
        )
    return pending


def acknowledge(db: Database, referral_id: int, *, actor: str, reason: str) -> list[BasisChange]:
    """A clinician reviewed the corrected basis and keeps the referral, saying why (for an arrived
    patient: took note of it, with a note). Closes every open change of the referral at once, with
    an audit entry in the same transaction."""
    why = refuse_nul(reason, "reason").strip()
    if not why:
        raise UserInputError("reason: acknowledging a corrected referral basis needs a reason (it was empty)")
    if not actor.strip():
        raise UserInputError("actor: say who reviewed the referral (it was empty)")

    def work(db: Database) -> list[BasisChange]:
        row = db.conn.execute("SELECT status FROM referrals WHERE id = ?", [referral_id]).fetchone()
        if row is None:
            raise ReferralNotFoundError(referral_id)
        at = utc_now()
        closed = close(db, referral_id, "acknowledged", actor=actor, reason=why, at=at)
        if not closed:
            raise ConflictError(
                f"referral {referral_id} has no corrected basis waiting for review (status {row[0]})"
            )
        changes = _changes(db, f"id IN ({', '.join('?' * len(closed))}) ORDER BY id", closed)
        audit.append(
            db,
            actor=actor,
            action="referral.basis_reviewed",
            entity="referral",
            entity_id=referral_id,
            reason=why,
            data={
                "basis_changes": closed,
                "resolution": "acknowledged",
                "at": at,
                "status": row[0],
                "informational": [c.id for c in changes if c.informational],
            },
        )
        return changes

    return write(db, work)
