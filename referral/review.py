"""The held device results worklist: results a person must assign to an encounter or dismiss.

A device result is *held* when it is not a QC result, no observation was stored from it
(``observations.device_message_id = 'inbox:<id>'``) and nobody has reviewed it yet. Each held row
says why (:data:`WHY`): it has no patient link, the device's clock was wrong when it timed it (the
gateway held it for its time, flags :data:`CLOCK_FLAGS`), its status is not final, its vendor code is not
mapped to the vocabulary, its code is mapped but the device's unit is not one the profile takes
(:func:`unit_reason` names both units and the setting), or triage did not accept it although it was complete. QC results are
not patient results: they are only counted (:func:`qc_counts`). Nor is a result whose vendor code
the device profile lists in ``ignored_codes`` held (a Sysmex XN-550 sends 37 such parameters with
every sample): nobody is to review it, so it is stored, counted apart (:func:`ignored_counts`) and
never listed; it can still be dismissed by id, and its row and raw message stay in the inbox.
Why triage did not accept a complete result is stored with it as a code (``not_accepted_code``,
``referral.inbox.note_not_accepted``); the list can be narrowed to one reason, a why or such a
code (:data:`REASONS`), by the same rule in SQL, so it pages and counts.

Rules this module keeps:

* One review per result (``device_result_reviews`` primary key); a second one is a
  :class:`ConflictError`, and so is reviewing a result already stored as an observation. When the
  device later replaces the result (a final result for a dismissed preliminary one, same
  idempotency key, ``referral.inbox._supersede``), the new version is held again and its review
  replaces the old row; the audit trail keeps both.
* Only a final (or corrected), mapped result may be *assigned*: an unmapped one has no vocabulary
  code and a preliminary one must not feed a decision - both can only be *dismissed*
  (:class:`UserInputError` saying so). A result that carries the device's own patient id can be
  assigned only to an encounter of that patient (:class:`ConflictError`).
* A reason is required for both, and every review is written with an audit entry in the same
  transaction. :func:`assign` is called by the service inside the transaction that also stores
  the observation (``referral.transactions.write`` nests), so the review, the observation and
  their audit entries commit together or not at all.
* A device correction of a result already stored as an observation that triage could not use
  (``referral.corrections``, state ``held``) is listed too, with why ``correction_rejected``; it
  can only be dismissed, and the dismissal is recorded on the correction (the review that assigned
  the result, if any, is kept as the reading's provenance).
* A device's correction replaces its inbox row in place (the row is the version in force), but the
  replaced versions stay in the row's ``details["replaced"]`` and in a ``device_result.replaced``
  audit entry (``referral.inbox``), and the raw message is kept: nothing the device sent is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlite_utils import Database

from referral import audit, corrections
from referral.errors import ConflictError, NotFoundError, UserInputError, json_text
from referral.held_why import CLOCK_FLAGS, IGNORED_FLAG, REASONS, HeldResult, why_held
from referral.held_why import WHY as WHY  # re-exported with Why, Reason, unit_reason: callers read them here
from referral.held_why import Reason as Reason
from referral.held_why import Why as Why
from referral.held_why import unit_reason as unit_reason
from referral.inbox import (
    FINAL_STATUSES,
    NOT_ACCEPTED_CODES,
    StoredDeviceResult,
    stored_from_row,
    utc_now,
)
from referral.records import required_text
from referral.transactions import write

ReviewState = Literal["assigned", "dismissed"]
REASON_LIMIT = 2000

_IGNORED = f"(r.code IS NULL AND instr(',' || coalesce(r.flags, '') || ',', ',{IGNORED_FLAG},') > 0)"
_FINAL = f"r.status IN ({', '.join(repr(s) for s in sorted(FINAL_STATUSES))})"

# Not QC, not a code the profile ignores, not reviewed since its current version arrived (a final result that replaces a
# dismissed preliminary one is a new result to review), no observation stored from it. A complete (final, mapped, linked) result
# is listed only after its hand-off to triage, so one still in flight is never offered twice.
# Or: a device correction of a result already stored as an observation that triage could not use,
# not yet dismissed (``referral.corrections``).
_HELD_WHERE = (
    f"r.is_qc = 0 AND ((NOT {_IGNORED} AND NOT EXISTS (SELECT 1 FROM device_result_reviews v"
    " WHERE v.result_id = r.id AND v.reviewed_at >= r.received_at)"
    " AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.device_message_id = 'inbox:' || r.id)"
    " AND (r.delivered_at IS NOT NULL OR r.code IS NULL OR coalesce(r.patient_id, '') = ''"
    f" OR NOT {_FINAL}))"
    f" OR {corrections.OPEN_HELD})"
)
_CLOCK = (
    "(" + " OR ".join(f"instr(',' || coalesce(r.flags, '') || ',', ',{f},') > 0" for f in CLOCK_FLAGS) + ")"
)
_NO_PATIENT = "coalesce(r.patient_id, '') = ''"
#: the gateway's ``details["problem"]`` of a mapped code whose unit its profile does not take
_PROBLEM = "coalesce(json_extract(r.details, '$.problem'), '')"
_UNIT = f"{_PROBLEM} = 'unexpected_unit'"
_VALUE = f"{_PROBLEM} = 'unscalable_value'"
_NOT_ACCEPTED = f"NOT {_CLOCK} AND {_FINAL} AND r.code IS NOT NULL AND NOT {_NO_PATIENT}"
#: A held row that :func:`why_held` gives each why (the same rule in SQL, so a filtered list pages).
_WHY_WHERE: dict[str, str] = {
    "no_patient_link": _NO_PATIENT,
    "device_clock": _CLOCK,
    "not_final": f"NOT {_CLOCK} AND NOT {_FINAL}",
    "unmapped": f"r.code IS NULL AND NOT {_UNIT} AND NOT {_VALUE}",
    "unexpected_unit": f"r.code IS NULL AND {_UNIT}",
    "unscalable_value": f"r.code IS NULL AND {_VALUE}",
    "not_accepted": _NOT_ACCEPTED,
}


def _reason_where(reason: str | None) -> tuple[str, list[str]]:
    """The condition (and its parameters) a held row meets when it is held for ``reason``
    (:data:`REASONS`; None: any); :class:`UserInputError` naming ``reason`` and the codes otherwise."""
    if reason is None:
        return "1", []
    if reason == "correction_rejected":
        return corrections.OPEN_HELD, []
    if reason in _WHY_WHERE:
        return f"NOT {corrections.OPEN_HELD} AND {_WHY_WHERE[reason]}", []
    if reason in NOT_ACCEPTED_CODES:
        return f"NOT {corrections.OPEN_HELD} AND {_NOT_ACCEPTED} AND r.not_accepted_code = ?", [reason]
    raise UserInputError(
        f"held results: reason {json_text(reason)} is not one of the codes: {', '.join(REASONS)}"
    )


@dataclass(frozen=True)
class Review:
    result_id: int
    state: ReviewState
    encounter_id: int | None
    observation_id: int | None
    reviewed_by: str
    reviewed_at: str
    reason: str


def held_since(days: int, now: datetime | None = None) -> str:
    """The receipt-time bound (inbox format) of a worklist covering the last ``days`` days."""
    if not 1 <= days <= 3650:
        raise UserInputError(f"held results: days {days} is outside 1..3650")
    return ((now or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="microseconds")


def held_results(
    db: Database,
    limit: int = 100,
    offset: int = 0,
    since: str = "",
    before_id: int | None = None,
    reason: str | None = None,
) -> list[HeldResult]:
    """Held results received at or after ``since`` (see :func:`held_since`; all when empty), newest
    first; ``before_id`` keeps only those older than that result (the next page of a list read),
    ``reason`` only those held for it (one of :data:`REASONS`)."""
    if not 1 <= limit <= 1000:
        raise UserInputError(f"held results: limit {limit} is outside 1..1000")
    if offset < 0:
        raise UserInputError(f"held results: offset {offset} is negative")
    narrowed, params = _reason_where(reason)
    rows = db.execute_returning_dicts(
        f"SELECT r.*, {corrections.OPEN_HELD} AS correction_held FROM device_results r"
        f" WHERE r.received_at >= ? AND r.id < ? AND {_HELD_WHERE} AND {narrowed}"
        " ORDER BY r.id DESC LIMIT ? OFFSET ?",
        [since, 2**63 - 1 if before_id is None else before_id, *params, limit, offset],
    )
    return [
        HeldResult(
            stored,
            ("correction_rejected",) if row["correction_held"] else why_held(stored),
            row["not_accepted_code"],
        )
        for row, stored in zip(rows, map(stored_from_row, rows), strict=True)
    ]


def held_count(db: Database, since: str = "", reason: str | None = None) -> dict[str, int]:
    """Held results by device id, received at or after ``since`` (all when empty), only those held
    for ``reason`` when one is given (:data:`REASONS`).

    The window keeps the worklist fast on a clinic's years-long inbox: it reads only the window's
    rows through ``device_results_received``.
    """
    narrowed, params = _reason_where(reason)
    rows = db.conn.execute(
        f"SELECT r.device_id, count(*) FROM device_results r WHERE r.received_at >= ? AND {_HELD_WHERE}"
        f" AND {narrowed} GROUP BY r.device_id ORDER BY r.device_id",
        [since, *params],
    )
    return {str(device): int(n) for device, n in rows}


def ignored_counts(db: Database, since: str = "") -> dict[str, int]:
    """Results whose vendor code the device profile ignores, by device id, received at or after
    ``since`` (all when empty): stored, never held for review (read through the window, as
    :func:`held_count`)."""
    rows = db.conn.execute(
        f"SELECT r.device_id, count(*) FROM device_results r WHERE r.received_at >= ? AND r.is_qc = 0"
        f" AND {_IGNORED} GROUP BY r.device_id ORDER BY r.device_id",
        [since],
    )
    return {str(device): int(n) for device, n in rows}


#: read through the partial index ``device_results_qc`` (migration 0012): QC rows only
QC_COUNTS = (
    "SELECT device_id, count(*) FROM device_results WHERE is_qc = 1 GROUP BY device_id ORDER BY device_id"
)


def qc_counts(db: Database) -> dict[str, int]:
    """QC results by device id (not patient results: counted, never listed for review)."""
    return {str(device): int(n) for device, n in db.conn.execute(QC_COUNTS)}


def get_review(db: Database, result_id: int) -> Review | None:
    row = db.conn.execute(
        "SELECT result_id, state, encounter_id, observation_id, reviewed_by, reviewed_at, reason"
        " FROM device_result_reviews WHERE result_id = ?",
        [result_id],
    ).fetchone()
    return None if row is None else Review(*row)


def assigned_readings(db: Database, encounter_id: int) -> dict[int, Review]:
    """Observation id -> the review that assigned its device result to this encounter (provenance)."""
    rows = db.conn.execute(
        "SELECT result_id, state, encounter_id, observation_id, reviewed_by, reviewed_at, reason"
        " FROM device_result_reviews WHERE encounter_id = ? AND observation_id IS NOT NULL",
        [encounter_id],
    )
    return {int(row[3]): Review(*row) for row in rows}


def _check_text(value: str, field: str, result_id: int) -> str:
    return required_text(value, field, f"device result {result_id}", REASON_LIMIT, empty_hint=" - say why")


def _reviewable(db: Database, result_id: int, doing: str) -> StoredDeviceResult:
    rows = db.execute_returning_dicts("SELECT * FROM device_results WHERE id = ?", [result_id])
    if not rows:
        raise NotFoundError(f"cannot {doing} device result {result_id}: no such result in the inbox")
    result = stored_from_row(rows[0])
    if result.is_qc:
        raise ConflictError(
            f"cannot {doing} device result {result_id}: it is a quality-control result, not a patient result"
        )
    done = get_review(db, result_id)
    if done is not None and done.reviewed_at >= result.received_at:
        where = f" to encounter {done.encounter_id}" if done.encounter_id is not None else ""
        raise ConflictError(
            f"cannot {doing} device result {result_id}: it was already {done.state}{where}"
            f" by {done.reviewed_by} at {done.reviewed_at[:19]}",
            says="error.held_reviewed",
            # what was done, for a client whose retry meets its own first request (API context)
            params={
                "user": done.reviewed_by,
                "reviewed_at": done.reviewed_at,
                "state": done.state,
                "encounter_id": done.encounter_id,
                "observation_id": done.observation_id,
                "reason": done.reason,
            },
        )
    if held := corrections.open_held(db, result_id):
        raise ConflictError(
            f"cannot {doing} device result {result_id}: it is a reading of encounter {held[0].encounter_id}"
            f" whose device correction could not be used ({held[0].held_reason}) - dismiss the correction"
        )
    stored = db.conn.execute(
        "SELECT encounter_id FROM observations WHERE device_message_id = ? LIMIT 1", [f"inbox:{result_id}"]
    ).fetchone()
    if stored is not None:
        raise ConflictError(
            f"cannot {doing} device result {result_id}: it is already stored as an observation"
            f" of encounter {stored[0]}"
        )
    return result


def assign(
    db: Database,
    result_id: int,
    encounter_id: int,
    *,
    actor: str,
    reason: str,
) -> StoredDeviceResult:
    """Record that a held result belongs to the encounter; returns the result.

    The caller stores the observation in the same transaction: it calls this inside its own
    ``write``, then stores the observation and names it with :func:`set_observation`.
    """
    reason = _check_text(reason, "reason", result_id)
    actor = _check_text(actor, "actor", result_id)

    def work(db: Database) -> StoredDeviceResult:
        result = _reviewable(db, result_id, "assign")
        if result.code is None:
            raise UserInputError(
                f"device result {result_id}: vendor code {json_text(result.vendor_code)} is not mapped to the"
                " vocabulary, so it cannot be assigned to an encounter - dismiss it, or map the code"
                " in the device profile"
            )
        if "device_clock" in why_held(result):  # stored preliminary for it: "wait for the final" misleads
            raise UserInputError(
                f"device result {result_id}: held for a wrong device clock (device time"
                f" {result.result_time}, received {result.received_at}), so it cannot be assigned - set the"
                " device's clock; a resend keeps this time: check it, and measure again or dismiss it"
            )
        if result.status not in FINAL_STATUSES:
            raise UserInputError(
                f"device result {result_id}: status {json_text(result.status)} is not final; only final or"
                " corrected results feed decisions - dismiss it, or wait for the final result"
            )
        encounter = db.conn.execute(
            "SELECT e.id, p.mrn FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE e.id = ?",
            [encounter_id],
        ).fetchone()
        if encounter is None:
            raise NotFoundError(
                f"cannot assign device result {result_id}: encounter {encounter_id} not found"
            )
        if result.patient_id and result.patient_id != encounter[1]:
            raise ConflictError(
                f"device result {result_id} carries another patient's id from the device; it can be"
                f" assigned only to an encounter of that patient, not to encounter {encounter_id}",
                says="error.held_other_patient",
                params={"patient": result.patient_id},
            )
        _insert(db, result, "assigned", actor, reason, encounter_id, None)
        return result

    return write(db, work)


def set_observation(db: Database, result_id: int, observation_id: int, *, actor: str) -> None:
    """Name the observation an assigned result was stored as (inside the assigning transaction),
    with its audit entry ``device_result.observation`` (``verify-audit`` compares the review)."""
    if not db.conn.in_transaction:
        raise RuntimeError("set_observation must run inside the transaction that assigned the result")
    changed = db.conn.execute(
        "UPDATE device_result_reviews SET observation_id = ? WHERE result_id = ? AND state = 'assigned'",
        [observation_id, result_id],
    ).rowcount
    if changed != 1:
        raise RuntimeError(
            f"device result {result_id} has no assignment to name observation {observation_id} in"
        )
    audit.append(
        db,
        actor=actor,
        action="device_result.observation",
        entity="device_result",
        entity_id=result_id,
        reason=f"stored as observation {observation_id}",
        data={"observation_id": observation_id},
    )


def dismiss(db: Database, result_id: int, *, actor: str, reason: str) -> tuple[StoredDeviceResult, Review]:
    """Record that a held result is not to be used (test strip, wrong sample...); a reason is required.

    A held device correction (``referral.corrections``) is dismissed on the correction itself: the
    corrected value is not used and the reading it withdrew stays withdrawn; an earlier review of
    the result (the assignment that made it a reading) is kept.
    """
    reason = _check_text(reason, "reason", result_id)
    actor = _check_text(actor, "actor", result_id)

    def work(db: Database) -> tuple[StoredDeviceResult, Review]:
        if corrections.open_held(db, result_id):
            (row,) = db.execute_returning_dicts("SELECT * FROM device_results WHERE id = ?", [result_id])
            first = corrections.dismiss_held(db, result_id, actor=actor, reason=reason)[0]
            assert first.reviewed_by is not None and first.reviewed_at is not None
            done = Review(
                result_id, "dismissed", first.encounter_id, None, first.reviewed_by, first.reviewed_at, reason
            )
            return stored_from_row(row), done
        result = _reviewable(db, result_id, "dismiss")
        _insert(db, result, "dismissed", actor, reason, None, None)
        review = get_review(db, result_id)
        assert review is not None
        return result, review

    return write(db, work)


def _insert(
    db: Database,
    result: StoredDeviceResult,
    state: ReviewState,
    actor: str,
    reason: str,
    encounter_id: int | None,
    observation_id: int | None,
) -> None:
    now = utc_now()
    # A review of an earlier version of this result (replaced since by a final or corrected one)
    # gives way; the audit trail keeps it and this entry names it.
    earlier = get_review(db, result.id)
    if earlier is not None:
        db.conn.execute("DELETE FROM device_result_reviews WHERE result_id = ?", [result.id])
    db.conn.execute(
        "INSERT INTO device_result_reviews"
        " (result_id, state, encounter_id, observation_id, reviewed_by, reviewed_at, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [result.id, state, encounter_id, observation_id, actor, now, reason],
    )
    audit.append(
        db,
        actor=actor,
        action=f"device_result.{'assign' if state == 'assigned' else 'dismiss'}",
        entity="device_result",
        entity_id=result.id,
        reason=reason,
        data={
            "device_id": result.device_id,
            "message_id": result.message_id,
            "encounter_id": encounter_id,
            "observation_id": observation_id,
            "why_held": list(why_held(result)),
            "reviewed_at": now,
            "replaces": None
            if earlier is None
            else {"state": earlier.state, "reviewed_at": earlier.reviewed_at},
        },
    )
