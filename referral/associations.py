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
* A result that carries its own patient id is never re-linked, and QC results are never linked.
* Every start and end is written with an audit entry in the same transaction; so is every link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from referral import audit
from referral.errors import ConflictError, NotFoundError, UserInputError
from referral.transactions import write

if TYPE_CHECKING:
    from referral.inbox import NewDeviceResult

#: The device id rule of device profiles (``devices.profile``).
DEVICE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
REPLACED = "replaced"
_COLUMNS = (
    "a.id, a.device_id, a.encounter_id, a.patient_id, p.mrn, a.started_at, a.started_by,"
    " a.ended_at, a.ended_by, a.end_reason"
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
    ended_at: str | None
    ended_by: str | None
    end_reason: str | None

    @property
    def active(self) -> bool:
        return self.ended_at is None

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
        ended_at=row[7],
        ended_by=row[8],
        end_reason=row[9],
    )


def _utc_text(at: str) -> str:
    """``at`` in the stored format (UTC, microseconds), so times compare correctly as text."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise UserInputError(f"device association lookup: time {at!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise UserInputError(f"device association lookup: time {at!r} has no UTC offset")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def check_device_id(device_id: str) -> str:
    if not DEVICE_ID.match(device_id):
        raise UserInputError(
            f"device id {device_id!r}: use 1-64 letters, digits, '.', '_' or '-' (as in device profiles)"
        )
    return device_id


def _check_text(value: str, field: str, limit: int = 500) -> str:
    text = value.strip()
    if not text:
        raise UserInputError(f"device association: {field!r} is empty")
    if len(text) > limit:
        raise UserInputError(f"device association: {field!r} is {len(text)} characters; at most {limit}")
    return text


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
    before it and not ended at or before it."""
    at = _utc_text(at)
    row = db.conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.device_id = ? AND a.started_at <= ?"
        " AND (a.ended_at IS NULL OR a.ended_at > ?) ORDER BY a.started_at DESC LIMIT 1",
        [device_id, at, at],
    ).fetchone()
    return None if row is None else _row(row)


def list_active(db: Database) -> list[Association]:
    """Every active association, by device id."""
    rows = db.conn.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE a.ended_at IS NULL ORDER BY a.device_id")
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


# --- writes -----------------------------------------------------------------------------------


def associate(
    db: Database,
    device_id: str,
    encounter_id: int,
    *,
    actor: str,
    replace_existing: bool = False,
    reason: str = "device attached to the patient",
) -> Association:
    """Attach ``device_id`` to the encounter's patient from now on; returns the association.

    Attaching a device to the encounter it is already attached to returns that association
    unchanged (a repeated click is harmless).
    """
    check_device_id(device_id)
    actor = _check_text(actor, "actor", 200)
    reason = _check_text(reason, "reason", 2000)

    def work(db: Database) -> Association:
        encounter = db.conn.execute(
            "SELECT id, patient_id FROM encounters WHERE id = ?", [encounter_id]
        ).fetchone()
        if encounter is None:
            raise NotFoundError(f"cannot attach device {device_id!r}: encounter {encounter_id} not found")
        now = utc_now()
        current = active_for_device(db, device_id)
        if current is not None:
            if current.encounter_id == encounter_id:
                return current
            if not replace_existing:
                raise ConflictError(
                    f"device {device_id!r} is already attached to encounter {current.encounter_id}"
                    f" (association #{current.id}, started {current.started_at[:19]} by {current.started_by});"
                    " detach it first or ask to replace it"
                )
            _end(db, current, actor=actor, reason=REPLACED, at=now)
        cursor = db.conn.execute(
            "INSERT INTO device_associations (device_id, encounter_id, patient_id, started_at, started_by)"
            " VALUES (?, ?, ?, ?, ?)",
            [device_id, encounter_id, int(encounter[1]), now, actor],
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
                "patient_id": int(encounter[1]),
                "started_at": now,
                "replaces": current.id if current is not None else None,
            },
        )
        return get(db, association_id)

    return write(db, work)


def end(db: Database, device_id: str, *, actor: str, reason: str) -> Association:
    """End the device's active association (a reason is required); returns the ended row.

    Raises ``NotFoundError`` when the device has no active association.
    """
    check_device_id(device_id)
    actor = _check_text(actor, "actor", 200)
    reason = _check_text(reason, "reason", 2000)

    def work(db: Database) -> Association:
        current = active_for_device(db, device_id)
        if current is None:
            raise NotFoundError(f"device {device_id!r} is not attached to any encounter")
        _end(db, current, actor=actor, reason=reason, at=utc_now())
        return get(db, current.id)

    return write(db, work)


def _end(db: Database, current: Association, *, actor: str, reason: str, at: str) -> None:
    db.conn.execute(
        "UPDATE device_associations SET ended_at = ?, ended_by = ?, end_reason = ?"
        " WHERE id = ? AND ended_at IS NULL",
        [at, actor, reason, current.id],
    )
    audit.append(
        db,
        actor=actor,
        action="device_association.end",
        entity="device_association",
        entity_id=current.id,
        reason=reason,
        data={"device_id": current.device_id, "encounter_id": current.encounter_id, "ended_at": at},
    )


# --- linking results (called by referral.inbox inside its write transaction) -------------------


def link_unidentified(
    db: Database, device_id: str, received_at: str, results: Sequence[NewDeviceResult]
) -> tuple[list[NewDeviceResult], Association | None]:
    """Stamp the patient of the association in force at ``received_at`` on results that carry no
    patient id (QC results excepted); returns the results and the association used (or None).

    The patient link is the patient's record number (``device_results.patient_id`` holds MRNs),
    and ``details["patient_link"]`` keeps the provenance: association id, encounter, who started it.
    """
    if not any(not r.patient_id and not r.is_qc for r in results):
        return list(results), None
    association = active_at(db, device_id, received_at)
    if association is None:
        return list(results), None
    link = {
        "association_id": association.id,
        "encounter_id": association.encounter_id,
        "started_by": association.started_by,
        "note": association.note,
    }
    linked = [
        replace(r, patient_id=association.mrn, details={**r.details, "patient_link": link})
        if not r.patient_id and not r.is_qc
        else r
        for r in results
    ]
    return linked, association


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
