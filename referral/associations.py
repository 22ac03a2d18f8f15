"""Device association: a bedside device attached to a patient's encounter (IHE PCD idea).

A pulse oximeter sends readings with no patient id. A nurse or clinician *associates* the device
with the patient's encounter; while that association is active, results from the device that
carry no patient id are linked to that patient when they are stored (``link_unidentified``, called
by ``referral.inbox.record_message`` inside the same transaction). Rules:

* At most one active association per device (partial unique index in migration 0006). Attaching
  a device that is attached elsewhere is a :class:`ConflictError` unless the caller asks to
  replace it; replacing ends the old association with reason ``replaced``.
* The association in force is the one active at the result's *receipt* time: results received
  before it started stay unlinked (held for a person to review); results received after it ended
  are not linked either.
* Every association expires: ``expires_at`` (``started_at`` + the clinic's maximum, setting
  ``device_associations.max_duration_s``, 12 hours by default) is fixed when the device is
  attached, and a result received at or after it is never linked, whether or not the end has been
  written yet. The end (reason ``expired``, ``ended_at`` = ``expires_at``, audited) is written
  lazily in the first transaction that notices it (:func:`expire_due`): a result arriving for the
  device, a listing, an attach or a detach. A result held because of it says so
  (``details["association_expired"]``).
* Closing the encounter (the visit ends, ``referral/closure.py``) ends every association of it
  in the closing transaction, with reason ``encounter_closed`` (:func:`end_for_encounter`): a
  pulse oximeter still on the bed links nothing to a patient who has gone home, and its next
  results are held for review like any unlinked result. A closed encounter cannot get a device
  attached (:class:`ConflictError`: open a new encounter). The expiry still bounds an association
  whose encounter is never closed.
* A result that carries its own patient id is never re-linked, and QC results are never linked.
* Every start and end is written with an audit entry in the same transaction; so is every link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from referral import audit, store
from referral.association_bounds import DEFAULT_DURATION, MAX_DURATION, MIN_DURATION
from referral.errors import ConflictError, NotFoundError, UserInputError, json_text
from referral.records import required_text
from referral.transactions import when, write

if TYPE_CHECKING:
    from referral.inbox import NewDeviceResult

#: The device id rule of device profiles (``devices.profile``).
DEVICE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
REPLACED = "replaced"
EXPIRED = "expired"
ENCOUNTER_CLOSED = "encounter_closed"
#: Who ends an expired association (the audit actor: no person did it).
EXPIRY_ACTOR = "system"
_COLUMNS = (
    "a.id, a.device_id, a.encounter_id, a.patient_id, p.mrn, a.started_at, a.started_by,"
    " a.expires_at, a.ended_at, a.ended_by, a.end_reason"
)
_FROM = "device_associations a JOIN patients p ON p.id = a.patient_id"


def utc_now() -> str:
    """ISO 8601 UTC with microseconds: the format of ``device_results.received_at`` (text-sortable)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Association:
    id: int
    device_id: str
    encounter_id: int
    patient_id: int
    mrn: str
    started_at: str
    started_by: str
    expires_at: str | None  # None only for associations that ended before expiry existed
    ended_at: str | None
    ended_by: str | None
    end_reason: str | None

    @property
    def active(self) -> bool:
        """Not ended (it may still have expired if the end is not written yet: :meth:`expired`)."""
        return self.ended_at is None

    def expired(self, at: str) -> bool:
        """Whether ``at`` (stored format) is at or after the expiry: nothing received then is linked."""
        return self.expires_at is None or at >= self.expires_at

    @property
    def note(self) -> str:
        """Provenance text stamped on every result this association links (no patient identifiers)."""
        return f"patient linked by device association #{self.id}, started by {self.started_by}"

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "active": self.active}


def _row(row: Sequence[Any]) -> Association:
    return Association(
        id=int(row[0]),
        device_id=str(row[1]),
        encounter_id=int(row[2]),
        patient_id=int(row[3]),
        mrn=str(row[4]),
        started_at=str(row[5]),
        started_by=str(row[6]),
        expires_at=row[7],
        ended_at=row[8],
        ended_by=row[9],
        end_reason=row[10],
    )


def _utc_text(at: str) -> str:
    """``at`` in the stored format (UTC, microseconds), so times compare correctly as text."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise UserInputError(f"device association lookup: time {json_text(at)} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise UserInputError(f"device association lookup: time {json_text(at)} has no UTC offset")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def check_device_id(device_id: str) -> str:
    if not DEVICE_ID.match(device_id):
        raise UserInputError(
            f"device id {json_text(device_id)}: use 1-64 letters, digits,"
            ' ".", "_" or "-" (as in device profiles)'
        )
    return device_id


def check_max_duration(max_duration: timedelta) -> timedelta:
    if not MIN_DURATION <= max_duration <= MAX_DURATION:
        raise UserInputError(
            f"device association: maximum duration {max_duration} is outside"
            f" {MIN_DURATION} .. {MAX_DURATION} (setting device_associations.max_duration_s)"
        )
    return max_duration


def _check_text(value: str, field: str, limit: int = 500) -> str:
    return required_text(value, field, "device association", limit)


# --- reads ------------------------------------------------------------------------------------


def get(db: Database, association_id: int) -> Association:
    row = db.conn.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.id = ?", [association_id]).fetchone()
    if row is None:
        raise NotFoundError(f"device association #{association_id} not found")
    return _row(row)


def active_for_device(db: Database, device_id: str) -> Association | None:
    """The device's association in force now, if any."""
    row = db.conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.device_id = ? AND a.ended_at IS NULL", [device_id]
    ).fetchone()
    return None if row is None else _row(row)


def active_at(db: Database, device_id: str, at: str) -> Association | None:
    """The device's association in force at ``at`` (an ISO time with offset): started at or
    before it, not expired at or before it and not ended at or before it."""
    at = _utc_text(at)
    row = db.conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.device_id = ? AND a.started_at <= ? AND a.expires_at > ?"
        " AND (a.ended_at IS NULL OR a.ended_at > ?) ORDER BY a.started_at DESC LIMIT 1",
        [device_id, at, at, at],
    ).fetchone()
    return None if row is None else _row(row)


def expired_at(db: Database, device_id: str, at: str) -> Association | None:
    """The device's association that had expired by ``at`` and was the last one started before it,
    if it ran until its expiry (not detached or replaced earlier): why a result received at ``at``
    found no association in force."""
    at = _utc_text(at)
    row = db.conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.device_id = ? AND a.started_at <= ?"
        " ORDER BY a.started_at DESC LIMIT 1",
        [device_id, at],
    ).fetchone()
    if row is None:
        return None
    last = _row(row)
    ran_to_expiry = last.ended_at is None or last.end_reason == EXPIRED
    return last if last.expires_at is not None and last.expired(at) and ran_to_expiry else None


def list_active(db: Database) -> list[Association]:
    """Every active association, by device id (call :func:`expire_due` first to end expired ones)."""
    rows = db.conn.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.ended_at IS NULL ORDER BY a.device_id")
    return [_row(row) for row in rows]


def as_of(rows: Sequence[Association], at: str | None = None) -> list[Association]:
    """``rows`` as :func:`expire_due` would leave them at ``at`` (default: now), without writing:
    an active association whose expiry has passed shows as ended at its expiry, ``expired``, by
    ``system``. For a reader that may not write the log (``triage devices associations list``
    opens it read-only); the next change of the device's associations writes that end."""
    at = _utc_text(at) if at is not None else utc_now()
    return [
        replace(a, ended_at=a.expires_at, ended_by=EXPIRY_ACTOR, end_reason=EXPIRED)
        if a.active and a.expires_at is not None and a.expires_at <= at
        else a
        for a in rows
    ]


def list_all(db: Database, *, limit: int = 1000) -> list[Association]:
    """Associations active and ended, newest first."""
    rows = db.conn.execute(f"SELECT {_COLUMNS} FROM {_FROM} ORDER BY a.id DESC LIMIT ?", [limit])
    return [_row(row) for row in rows]


def for_encounter(db: Database, encounter_id: int, *, active_only: bool = True) -> list[Association]:
    where = " AND a.ended_at IS NULL" if active_only else ""
    rows = db.conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.encounter_id = ?{where} ORDER BY a.id", [encounter_id]
    )
    return [_row(row) for row in rows]


def history(db: Database, device_id: str, *, limit: int = 100) -> list[Association]:
    """The device's associations, newest first (ended ones included)."""
    rows = db.conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.device_id = ? ORDER BY a.id DESC LIMIT ?", [device_id, limit]
    )
    return [_row(row) for row in rows]


def encounter_of_day(db: Database, mrn: str, day: str) -> int:
    """The patient's latest encounter on ``day`` (the clinic's local date, ``encounters.day``)."""
    patient = store.find_patient(db, mrn)
    if patient is None:
        raise NotFoundError(f"no patient with record number {json_text(mrn)}")
    encounter = store.latest_encounter_on(db, int(patient["id"]), day)
    if encounter is None:
        raise NotFoundError(
            f"patient {json_text(mrn)} has no encounter on {day}: open one first, or name the encounter"
        )
    return int(encounter["id"])


def logged_devices(db: Database) -> list[str]:
    """Distinct device ids in ``device_messages`` (index skip-scan: one lookup per device)."""
    found: list[str] = []
    row = db.conn.execute("SELECT min(device_id) FROM device_messages").fetchone()
    while row is not None and row[0] is not None:
        found.append(str(row[0]))
        row = db.conn.execute(
            "SELECT min(device_id) FROM device_messages WHERE device_id > ?", [found[-1]]
        ).fetchone()
    return found


def known_devices(db: Database, configured: Sequence[str]) -> list[str]:
    """Devices staff may attach: ``configured`` (the gateway's devices) first, then others seen in the log."""
    return [*configured, *(d for d in logged_devices(db) if d not in configured)]


def require_known(device_id: str, known: Sequence[str]) -> None:
    """Only devices the clinic knows may be attached (configured in the gateway, or seen in the
    log): a typo must be an error, not an association that silently never links anything."""
    check_device_id(device_id)
    if device_id not in known:
        listed = ", ".join(known) if known else "none"
        raise NotFoundError(
            f"device {json_text(device_id)} is unknown here: it is not configured in the device gateway and"
            f" has never sent a result (known devices: {listed})"
        )


# --- writes -----------------------------------------------------------------------------------


def associate(
    db: Database,
    device_id: str,
    encounter_id: int,
    *,
    actor: str,
    replace_existing: bool = False,
    reason: str = "device attached to the patient",
    max_duration: timedelta = DEFAULT_DURATION,
) -> Association:
    """Attach ``device_id`` to the encounter's patient from now until now + ``max_duration``;
    returns the association.

    Attaching a device to the encounter it is already attached to returns that association
    unchanged (a repeated click is harmless; it does not extend the expiry). An expired
    association of the device is ended first (reason ``expired``), so it never conflicts.
    """
    check_device_id(device_id)
    actor = _check_text(actor, "actor", 200)
    reason = _check_text(reason, "reason", 2000)
    check_max_duration(max_duration)

    def work(db: Database) -> Association:
        encounter = store.require_open(db, encounter_id, f"cannot attach device {json_text(device_id)}")
        now = utc_now()
        _expire(db, now, device_id)
        expires = (datetime.fromisoformat(now) + max_duration).isoformat(timespec="microseconds")
        current = active_for_device(db, device_id)
        if current is not None:
            if current.encounter_id == encounter_id:
                return current
            if not replace_existing:
                raise ConflictError(
                    f"device {json_text(device_id)} is already attached to encounter {current.encounter_id}"
                    f" (association #{current.id}, started {when(current.started_at)} by {current.started_by});"
                    " detach it first or ask to replace it",
                    says="error.device_attached",
                    params={
                        "device": device_id,
                        "encounter": current.encounter_id,
                        "started_at": current.started_at,
                        "user": current.started_by,
                    },
                )
            _end(db, current, actor=actor, reason=REPLACED, at=now)
        cursor = db.conn.execute(
            "INSERT INTO device_associations"
            " (device_id, encounter_id, patient_id, started_at, started_by, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [device_id, encounter_id, int(encounter["patient_id"]), now, actor, expires],
        )
        association_id = int(cursor.lastrowid or 0)
        audit.append(
            db,
            actor=actor,
            action="device_association.start",
            entity="device_association",
            entity_id=association_id,
            reason=reason,
            data={
                "device_id": device_id,
                "encounter_id": encounter_id,
                "patient_id": int(encounter["patient_id"]),
                "started_at": now,
                "expires_at": expires,
                "replaces": current.id if current is not None else None,
            },
        )
        return get(db, association_id)

    return write(db, work)


def end(db: Database, device_id: str, *, actor: str, reason: str) -> Association:
    """End the device's active association (a reason is required); returns the ended row.

    Raises ``NotFoundError`` when the device has no active association, saying when the last one
    expired, or that its encounter was closed, if that is why (an expired association is ended as
    ``expired`` first, and that end is kept).
    """
    check_device_id(device_id)
    actor = _check_text(actor, "actor", 200)
    reason = _check_text(reason, "reason", 2000)
    expire_due(db, device_id=device_id)

    def work(db: Database) -> Association:
        current = active_for_device(db, device_id)
        if current is None:
            last = history(db, device_id, limit=1)
            why = ""
            if last and last[0].end_reason == EXPIRED:
                why = f" (association #{last[0].id} expired at {when(str(last[0].ended_at))})"
            elif last and last[0].end_reason == ENCOUNTER_CLOSED:
                why = (
                    f" (association #{last[0].id} ended when encounter {last[0].encounter_id} was closed"
                    f" at {when(str(last[0].ended_at))} by {last[0].ended_by})"
                )
            raise NotFoundError(f"device {json_text(device_id)} is not attached to any encounter{why}")
        _end(db, current, actor=actor, reason=reason, at=utc_now())
        return get(db, current.id)

    return write(db, work)


def end_for_encounter(db: Database, encounter_id: int, *, actor: str, at: str) -> list[Association]:
    """Inside the write transaction that closes the encounter: end its active associations at
    ``at`` with reason ``encounter_closed`` (one audit entry each); returns the ended rows. One
    whose expiry had passed is ended as ``expired`` at its expiry instead, as anywhere else, and is
    not returned."""
    _expire(db, at)
    ended = []
    for current in for_encounter(db, encounter_id):
        _end(db, current, actor=actor, reason=ENCOUNTER_CLOSED, at=at)
        ended.append(get(db, current.id))
    return ended


def expire_due(db: Database, *, device_id: str | None = None, now: str | None = None) -> list[Association]:
    """End every active association (of ``device_id``, or all) whose expiry is at or before
    ``now`` (default: the current time), with reason ``expired`` and an audit entry each; returns
    the ended rows. Reads first and takes the write lock only when something is due, so listing
    pages may call it on every refresh."""
    at = _utc_text(now) if now is not None else utc_now()
    if not _due(db, at, device_id):
        return []
    return write(db, lambda db: _expire(db, at, device_id))


def _due(db: Database, at: str, device_id: str | None) -> list[Association]:
    where = "" if device_id is None else " AND a.device_id = ?"
    rows = db.conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.ended_at IS NULL AND a.expires_at <= ?{where} ORDER BY a.id",
        [at] if device_id is None else [at, device_id],
    )
    return [_row(row) for row in rows]


def _expire(db: Database, at: str, device_id: str | None = None) -> list[Association]:
    """Inside a write transaction: end the associations due at ``at`` (see :func:`expire_due`)."""
    ended = []
    for current in _due(db, at, device_id):
        expires = str(current.expires_at)
        _end(db, current, actor=EXPIRY_ACTOR, reason=EXPIRED, at=expires, noticed_at=at)
        ended.append(get(db, current.id))
    return ended


def _end(
    db: Database, current: Association, *, actor: str, reason: str, at: str, noticed_at: str | None = None
) -> None:
    db.conn.execute(
        "UPDATE device_associations SET ended_at = ?, ended_by = ?, end_reason = ?"
        " WHERE id = ? AND ended_at IS NULL",
        [at, actor, reason, current.id],
    )
    data = {"device_id": current.device_id, "encounter_id": current.encounter_id, "ended_at": at}
    if noticed_at is not None:
        data |= {"expires_at": current.expires_at, "noticed_at": noticed_at}
    audit.append(
        db,
        actor=actor,
        action="device_association.end",
        entity="device_association",
        entity_id=current.id,
        reason=reason,
        data=data,
    )


# --- linking results (called by referral.inbox inside its write transaction) -------------------


def link_unidentified(
    db: Database, device_id: str, received_at: str, results: Sequence[NewDeviceResult]
) -> tuple[list[NewDeviceResult], Association | None]:
    """Stamp the patient of the association in force at ``received_at`` on results that carry no
    patient id (QC results excepted); returns the results and the association used (or None).

    The patient link is the patient's record number (``device_results.patient_id`` holds MRNs),
    and ``details["patient_link"]`` keeps the provenance: association id, encounter, who started it.
    An association that has expired by ``received_at`` (or by now) is ended here, in the storing
    transaction, and the results it did not link say so in ``details["association_expired"]``.
    """
    if not any(not r.patient_id and not r.is_qc for r in results):
        return list(results), None
    _expire(db, max(_utc_text(received_at), utc_now()), device_id)
    association = active_at(db, device_id, received_at)
    if association is None:
        lapsed = expired_at(db, device_id, received_at)
        if lapsed is None:
            return list(results), None
        expired = {"association_id": lapsed.id, "expired_at": lapsed.expires_at}
        return _stamp(results, association_expired=expired), None
    link = {
        "association_id": association.id,
        "encounter_id": association.encounter_id,
        "started_by": association.started_by,
        "note": association.note,
    }
    return _stamp(results, patient_link=link, patient_id=association.mrn), association


def _stamp(
    results: Sequence[NewDeviceResult], patient_id: str | None = None, **details: Any
) -> list[NewDeviceResult]:
    """``details`` (and ``patient_id`` if given) added to each result without a patient id, QC excepted."""
    return [
        replace(r, patient_id=patient_id or r.patient_id, details={**r.details, **details})
        if not r.patient_id and not r.is_qc
        else r
        for r in results
    ]


def audit_links(
    db: Database, association: Association, *, message_id: int, result_ids: Sequence[int]
) -> None:
    """The audit entry for results linked by ``association`` (inside the storing transaction)."""
    audit.append(
        db,
        actor="device-gateway",
        action="device_result.link",
        entity="device_association",
        entity_id=association.id,
        reason=association.note,
        data={
            "device_id": association.device_id,
            "encounter_id": association.encounter_id,
            "message_id": message_id,
            "result_ids": list(result_ids),
        },
    )


def expired_note(details: dict[str, Any]) -> str | None:
    """Why a held result found no association, when it expired: "device association #N expired
    at <time>" (``details`` of a stored device result); None otherwise."""
    lapsed = details.get("association_expired")
    if not isinstance(lapsed, dict):
        return None
    return (
        f"device association #{lapsed.get('association_id')} expired at {when(str(lapsed.get('expired_at')))}"
    )
