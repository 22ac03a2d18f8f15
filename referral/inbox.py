"""The device inbox: raw device messages, their results and the quarantine, stored exactly once.

Rules this module keeps:

* A message and all its results are written in ONE transaction (``record_message``). The gateway
  sends the device's final ACK only after this function returns, so an acknowledged result is
  always on disk (``referral.schema.connect`` runs WAL with ``synchronous=FULL``).
* ``device_results`` is unique on (device_id, sample_id, vendor_code, result_time): the
  idempotency key. A retransmitted frame, a re-sent message or a replayed capture hits the key and
  is counted as a duplicate, never stored twice. A message whose results are all duplicates is
  still stored (raw bytes are evidence) and linked to nothing new. Exceptions, which update the
  one row in place: a final result replaces a stored non-final one, a correction replaces a
  stored result with another value, and a withdrawal (HL7 ``W``, posted as wrong) marks the stored
  result withdrawn (``_supersede``) - nothing is deleted. The row then holds the version in force;
  every version it replaced is kept in ``details["replaced"]`` (value, status, message, receipt
  time; oldest first) and a ``device_result.replaced`` audit entry records old -> new, so staff
  can see what a correction changed (:attr:`StoredDeviceResult.corrected_from`).
* ``delivered_at`` marks the hand-off to triage. Results not yet delivered survive a crash and are
  handed over again on start (store-and-forward), so the subscriber must itself be idempotent on
  the result id.
* Results that carry no patient id are linked to the patient of the device's association in
  force at the message's receipt time (``referral.associations``), in the same transaction, with
  the provenance in ``details["patient_link"]`` and an audit entry. A device's own patient id wins.
* Nothing here knows about protocols or the ``devices`` package: callers pass plain records
  (:class:`NewDeviceResult`, :class:`StoredDeviceResult` and :func:`replaces` live in the pure
  ``referral.device_results``, the statuses in ``referral.value_sets``; both re-exported here).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlite_utils import Database

from referral import audit
from referral.associations import audit_links, link_unidentified
from referral.device_results import NewDeviceResult as NewDeviceResult
from referral.device_results import NewQuarantineItem as NewQuarantineItem
from referral.device_results import StoredDeviceResult as StoredDeviceResult
from referral.device_results import replaces as replaces
from referral.device_results import unit_contradicted
from referral.errors import ConflictError, json_text
from referral.result_flags import flag_list, flags_text
from referral.transactions import insert_row, write
from referral.value_sets import CORRECTION_STATUSES as CORRECTION_STATUSES
from referral.value_sets import FINAL_STATUSES as FINAL_STATUSES
from referral.value_sets import STATUS_CHANGE_FLAG, STATUS_CHANGE_UNIT_CONFLICT, WITHDRAWN

MessageState = Literal["accepted", "quarantined"]
#: Why triage did not accept a complete result (``device_results.not_accepted_code``, migration
#: 0023; :func:`note_not_accepted`): its value is outside the code's plausible range, its unit cannot
#: be used for the code, it is one of the two pressures of a message whose diastolic is not below
#: its systolic, or its value cannot be used otherwise (not a number, a coded value censored...).
NotAcceptedCode = Literal["implausible_value", "unit_not_accepted", "pressures_swapped", "value_not_accepted"]
NOT_ACCEPTED_CODES: tuple[NotAcceptedCode, ...] = get_args(NotAcceptedCode)


def utc_now() -> str:
    """Current time as an ISO 8601 UTC string with microseconds (sortable as text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, kw_only=True)
class NewDeviceMessage:
    device_id: str
    session_id: str
    protocol: str
    raw: bytes
    parsed: dict[str, Any] | None = None
    state: MessageState = "accepted"
    reason: str | None = None
    received_at: str = field(default_factory=utc_now)


@dataclass(frozen=True)
class RecordedMessage:
    """What ``record_message`` stored: the message id, the new results, how many were duplicates."""

    message_id: int
    new_results: tuple[StoredDeviceResult, ...]
    duplicate_count: int


def _result_row(result: NewDeviceResult, message_id: int, received_at: str) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "device_id": result.device_id,
        "sample_id": result.sample_id,
        "vendor_code": result.vendor_code,
        "result_time": result.result_time,
        "patient_id": result.patient_id,
        "code": result.code,
        "value": result.value,
        "value_num": result.value_num,
        "comparator": result.comparator,
        "unit": result.unit,
        "status": result.status,
        "is_qc": int(result.is_qc),
        "flags": result.flags,
        "details": json.dumps(result.details, sort_keys=True) if result.details else None,
        "received_at": received_at,
        "delivered_at": None,
        # a new version is handed to triage again: why an earlier one was not accepted is gone
        "not_accepted_code": None,
    }


def _stored(row: dict[str, Any]) -> StoredDeviceResult:
    return StoredDeviceResult(
        id=row["id"],
        message_id=row["message_id"],
        device_id=row["device_id"],
        sample_id=row["sample_id"],
        vendor_code=row["vendor_code"],
        result_time=row["result_time"],
        patient_id=row["patient_id"],
        code=row["code"],
        value=row["value"],
        value_num=row["value_num"],
        comparator=row["comparator"],
        unit=row["unit"],
        status=row["status"],
        is_qc=bool(row["is_qc"]),
        flags=row["flags"],
        details=json.loads(row["details"]) if row["details"] else {},
        received_at=row["received_at"],
        delivered_at=row["delivered_at"],
    )


#: A ``device_results`` row (as a dict) as a :class:`StoredDeviceResult` (``referral.review`` reads rows too).
stored_from_row = _stored


#: A stored message's raw bytes and receipt time -> its results as the device's decoder gives them
#: today (``devices.link_drivers.make_redecoder``): what :func:`record_message` asks of a result
#: stored before the device's results had the sample ids they have now.
DecodeAgain = Callable[[bytes, str], Sequence[NewDeviceResult]]


def record_message(
    db: Database,
    message: NewDeviceMessage,
    results: Sequence[NewDeviceResult] = (),
    quarantine: Sequence[NewQuarantineItem] = (),
    *,
    decode_again: DecodeAgain | None = None,
) -> RecordedMessage:
    """Store a device message, its results and its quarantined parts in one durable transaction.

    Results whose idempotency key is already stored (or repeated inside this message) are
    counted as duplicates and not stored again. Returns only the newly stored results.
    With ``decode_again``, a result stored by an older gateway without the sample id its device's
    results have now is recognised too (:func:`_stored_without_sample_id`).
    Raises ``ConflictError`` if a result names a different device than its message.
    """
    for result in results:
        if result.device_id != message.device_id:
            raise ConflictError(
                f"result for device {json_text(result.device_id)} inside a message from device {json_text(message.device_id)}"
            )
    new_rows: list[dict[str, Any]] = []
    linked_ids: list[int] = []
    duplicates = 0
    with db.atomic():
        message_id = insert_row(db, "device_messages", _message_row(message, message.state, message.reason))
        # After the first write, so the lookup runs under this transaction's write lock.
        stamped, association = link_unidentified(db, message.device_id, message.received_at, results)
        for result in stamped:
            row = _result_row(result, message_id, message.received_at)
            if decode_again is not None and _stored_without_sample_id(db, result, decode_again):
                row["sample_id"] = ""  # the key it is stored under: a duplicate, or its later version
            cursor = db.execute(
                "INSERT INTO device_results ("
                + ", ".join(row)
                + ") VALUES ("
                + ", ".join("?" for _ in row)
                + ") ON CONFLICT (device_id, sample_id, vendor_code, result_time) DO NOTHING",
                list(row.values()),
            )
            if cursor.rowcount == 1:
                row["id"] = cursor.lastrowid
                new_rows.append(row)
            elif (superseded := _supersede(db, row)) is not None:
                new_rows.append(superseded)
                if superseded["patient_id"] != row["patient_id"]:
                    continue  # kept the patient of the result it replaces: not linked now
            else:
                duplicates += 1
                continue
            if association is not None and "patient_link" in result.details:
                linked_ids.append(int(new_rows[-1]["id"]))
        if association is not None and linked_ids:
            audit_links(db, association, message_id=message_id, result_ids=linked_ids)
        for item in quarantine:
            insert_row(db, "device_quarantine", _quarantine_row(message, message_id, item))
        db.execute(
            "UPDATE device_messages SET result_count = ?, duplicate_count = ? WHERE id = ?",
            [len(new_rows), duplicates, message_id],
        )
    return RecordedMessage(message_id, tuple(_stored(row) for row in new_rows), duplicates)


def _stored_without_sample_id(db: Database, result: NewDeviceResult, decode_again: DecodeAgain) -> bool:
    """``result`` is stored already, under an empty sample id: a gateway older than its device's
    sample ids (a BLE measurement's own bytes, ``PT <patient id>``) stored it so, and the device
    sends it again (its memory after a reconnect). The stored row of the same device, test and
    device time is this result when its message, decoded as today, gives exactly one result of
    that test and time with the stored value (and patient, when the device sent one), and that one
    has this result's key - so another measurement of the same device time, which the old key
    took for a resend and dropped, is not taken for the stored one."""
    if not result.sample_id:
        return False
    stored = db.execute(
        "SELECT r.value, r.patient_id, m.raw, m.received_at FROM device_results r"
        " JOIN device_messages m ON m.id = r.message_id"
        " WHERE r.device_id = ? AND r.sample_id = '' AND r.vendor_code = ? AND r.result_time = ?",
        [result.device_id, result.vendor_code, result.result_time],
    ).fetchone()
    if stored is None:
        return False
    value, patient_id, raw, received_at = stored
    same = [
        again
        for again in decode_again(bytes(raw), received_at)
        if (again.vendor_code, again.result_time, again.value)
        == (result.vendor_code, result.result_time, value)
        and again.patient_id in (None, patient_id)
    ]
    return len(same) == 1 and same[0].key == result.key


def record_quarantine(
    db: Database,
    message: NewDeviceMessage,
    *,
    reason: str,
    byte_offset: int | None = None,
) -> int:
    """Store undecodable or unmapped input with its raw bytes and the reason; returns the quarantine id.

    The raw message is stored too (state ``quarantined``), so nothing a device sent is lost.
    """
    with db.atomic():
        message_id = insert_row(db, "device_messages", _message_row(message, "quarantined", reason))
        item = NewQuarantineItem(reason=reason, raw=message.raw, byte_offset=byte_offset)
        return insert_row(db, "device_quarantine", _quarantine_row(message, message_id, item))


def extend_quarantine(db: Database, quarantine_id: int, more: bytes) -> None:
    """Append ``more`` to a quarantined run of stray bytes (a device at the wrong baud rate sends
    nothing else): one row per run, its raw bytes whole, in the quarantine row and its message."""
    with db.atomic():
        message_id, before = db.execute(
            "SELECT message_id, raw FROM device_quarantine WHERE id = ?", [quarantine_id]
        ).fetchone()
        raw = bytes(before) + more
        db.execute("UPDATE device_quarantine SET raw = ? WHERE id = ?", [raw, quarantine_id])
        db.execute(
            "UPDATE device_messages SET raw = ?, sha256 = ? WHERE id = ?",
            [raw, hashlib.sha256(raw).hexdigest(), message_id],
        )


def _message_row(message: NewDeviceMessage, state: str, reason: str | None) -> dict[str, Any]:
    """The ``device_messages`` row of a message as received, in ``state`` for ``reason``."""
    return {
        "device_id": message.device_id,
        "session_id": message.session_id,
        "protocol": message.protocol,
        "received_at": message.received_at,
        "raw": message.raw,
        "sha256": hashlib.sha256(message.raw).hexdigest(),
        "parsed": json.dumps(message.parsed, sort_keys=True, default=str)
        if message.parsed is not None
        else None,
        "state": state,
        "reason": reason,
    }


def _quarantine_row(message: NewDeviceMessage, message_id: int, item: NewQuarantineItem) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "device_id": message.device_id,
        "session_id": message.session_id,
        "protocol": message.protocol,
        "received_at": message.received_at,
        "raw": item.raw,
        "reason": item.reason,
        "byte_offset": item.byte_offset,
    }


def _supersede(db: Database, row: dict[str, Any]) -> dict[str, Any] | None:
    """Same key already stored: a FINAL result replaces a stored non-final one (e.g. the partial
    copy of an aborted transfer), and a CORRECTED result replaces a stored one with another value.
    The replaced row keeps its id and is handed to triage again (``delivered_at`` cleared); when it
    was already stored as an observation, the service corrects that observation
    (``referral.corrections``), keeping the original. The version replaced is appended to the
    row's ``details["replaced"]`` and audited (``device_result.replaced``)."""
    key = [row["device_id"], row["sample_id"], row["vendor_code"], row["result_time"]]
    stored = db.execute_returning_dicts(
        "SELECT id, status, code, value, value_num, comparator, unit, message_id, received_at, details, patient_id"
        " FROM device_results "
        "WHERE device_id = ? AND sample_id = ? AND vendor_code = ? AND result_time = ?",
        key,
    )
    if not stored:
        return None
    (old,) = stored
    if not replaces(row["status"], row["value"], old["status"], old["value"]):
        return None
    version = {k: old[k] for k in ("value", "comparator", "unit", "status", "message_id", "received_at")}
    conflict = False
    if not row["value"] and STATUS_CHANGE_FLAG in flag_list(row["flags"]):
        # HL7 U: final now, the value sent before not sent again - kept, not replaced by none
        kept = {k: old[k] for k in ("value", "value_num", "comparator", "unit", "code")}
        flags = [f for f in flag_list(row["flags"]) if f != "no_value"]
        sent = json.loads(row["details"]) if row["details"] else {}
        before = json.loads(old["details"]) if old["details"] else {}
        said = sent.get("device_unit")
        if conflict := unit_contradicted(said, row["unit"], before.get("device_unit"), old["unit"]):
            # a unit that is not the value's: the U does not confirm it - kept as sent, held
            kept["status"] = old["status"]
            flags.append(STATUS_CHANGE_UNIT_CONFLICT)
            sent["status_change_unit"] = said
        # the unit is the kept value's: its problem too (code None for it), none of the U's own
        for name in ("problem", "expected_units", "fix", "fix_says", "device_unit"):
            sent.pop(name, None)
            if name in before and (name == "device_unit" or kept["code"] is None):
                sent[name] = before[name]
        row = {**row, **kept, "flags": flags_text(flags), "details": json.dumps(sent, sort_keys=True)}
    stamped = json.loads(row["details"]) if row["details"] else {}
    if "patient_link" in stamped:
        # linked by the association in force now, which may be the next patient's: a later version
        # of a result is that result's, so it keeps the patient (and the link) the result had
        linked = json.loads(old["details"]).get("patient_link") if old["details"] else None
        stamped.pop("patient_link")
        if linked is not None:
            stamped["patient_link"] = linked
        row = {**row, "patient_id": old["patient_id"], "details": json.dumps(stamped, sort_keys=True)}
    earlier = json.loads(old["details"]).get("replaced", []) if old["details"] else []
    details = json.loads(row["details"]) if row["details"] else {}
    row = {**row, "details": json.dumps(details | {"replaced": [*earlier, version]}, sort_keys=True)}
    columns = [c for c in row if c not in {"device_id", "sample_id", "vendor_code", "result_time"}]
    db.execute(
        "UPDATE device_results SET " + ", ".join(f"{c} = ?" for c in columns) + " WHERE id = ?",
        [row[c] for c in columns] + [old["id"]],
    )
    correction = row["status"] in CORRECTION_STATUSES
    withdrawal = row["status"] == WITHDRAWN
    audit.append(
        db,
        actor="device-gateway",
        action="device_result.replaced",
        entity="device_result",
        entity_id=old["id"],
        reason="device withdrew the result (HL7 W, posted as wrong - e.g. sent for the wrong patient -, or D, deleted)"
        if withdrawal
        else "HL7 U (final now) naming another unit than the stored value's: kept, not made final"
        if conflict
        else "device correction"
        if correction
        else "final result replaces a non-final one",
        data={
            "message_id": row["message_id"],
            "from": version,
            "to": {k: row[k] for k in ("value", "comparator", "unit", "status")},
        },
    )
    return {**row, "id": old["id"]}


#: the longest reason kept for a result triage did not accept (an engine message is one line)
NOT_ACCEPTED_LIMIT = 500


def note_not_accepted(db: Database, result_id: int, why: str, *, code: NotAcceptedCode, actor: str) -> None:
    """Why triage did not accept a complete result (an implausible value, a unit it cannot
    convert, a diastolic not below its systolic), kept with the result for the held worklist: the
    code (``device_results.not_accepted_code``, one of :data:`NOT_ACCEPTED_CODES`), which the pages
    say in the reader's language and the API filters by, and the engine's English sentence
    (``details["not_accepted"]``), the record. Audited (``device_result.not_accepted``, the code in
    its data). The result itself is unchanged."""
    if code not in NOT_ACCEPTED_CODES:
        raise ValueError(f"not_accepted code {json_text(code)} is not one of {', '.join(NOT_ACCEPTED_CODES)}")
    why = " ".join(why.split())[:NOT_ACCEPTED_LIMIT]

    def note(db: Database) -> None:
        row = db.execute(
            "SELECT details, not_accepted_code FROM device_results WHERE id = ?", [result_id]
        ).fetchone()
        if row is None:
            return
        details = json.loads(row[0]) if row[0] else {}
        if details.get("not_accepted") == why and row[1] == code:
            return  # handed over again (a restart): already said, already audited
        db.execute(
            "UPDATE device_results SET details = ?, not_accepted_code = ? WHERE id = ?",
            [json.dumps(details | {"not_accepted": why}, sort_keys=True), code, result_id],
        )
        audit.append(
            db,
            actor=actor,
            action="device_result.not_accepted",
            entity="device_result",
            entity_id=result_id,
            reason=why,
            data={"code": code},
        )

    write(db, note)


def undelivered_results(db: Database, *, limit: int = 1000) -> list[StoredDeviceResult]:
    """Results not yet handed to triage, oldest first (store-and-forward after a restart)."""
    rows = db.execute_returning_dicts(
        "SELECT * FROM device_results WHERE delivered_at IS NULL ORDER BY id LIMIT ?", [limit]
    )
    return [_stored(row) for row in rows]


def mark_delivered(db: Database, result_ids: Iterable[int], *, at: str | None = None) -> int:
    """Record the hand-off to triage; returns how many rows were newly marked."""
    ids = list(result_ids)
    if not ids:
        return 0
    when = at or utc_now()
    with db.atomic():
        cursor = db.execute(
            f"UPDATE device_results SET delivered_at = ? WHERE delivered_at IS NULL AND id IN ({', '.join('?' for _ in ids)})",
            [when, *ids],
        )
    return cursor.rowcount


def results_for_device(db: Database, device_id: str) -> list[StoredDeviceResult]:
    rows = db.execute_returning_dicts(
        "SELECT * FROM device_results WHERE device_id = ? ORDER BY id", [device_id]
    )
    return [_stored(row) for row in rows]


def last_sample_number(db: Database, device_id: str, prefix: str) -> int | None:
    """The number in the sample id (``<prefix><number>``) of the result stored last for
    ``device_id`` among those with such a sample id, or None. A Bluetooth glucose meter's
    records have sample id ``seq <sequence number>``: the gateway asks the meter for the records
    after this one. "Stored last" is by storage order, not the highest number, so a meter whose
    numbering restarted is followed from its new numbers on."""
    row = db.execute(
        "SELECT sample_id FROM device_results WHERE device_id = ? AND substr(sample_id, 1, ?) = ?"
        " ORDER BY id DESC LIMIT 1",
        [device_id, len(prefix), prefix],
    ).fetchone()
    if row is None:
        return None
    try:
        return int(str(row[0])[len(prefix) :])
    except ValueError:
        return None


def latest_messages(db: Database, device_id: str, limit: int) -> list[bytes]:
    """The raw bytes of the messages stored last for ``device_id`` (accepted or quarantined),
    newest first."""
    rows = db.execute(
        "SELECT raw FROM device_messages WHERE device_id = ? ORDER BY id DESC LIMIT ?", [device_id, limit]
    ).fetchall()
    return [bytes(row[0]) for row in rows]


def quarantine_count(db: Database, device_id: str | None = None) -> int:
    if device_id is None:
        return int(db.execute("SELECT count(*) FROM device_quarantine").fetchone()[0])
    return int(
        db.execute("SELECT count(*) FROM device_quarantine WHERE device_id = ?", [device_id]).fetchone()[0]
    )
