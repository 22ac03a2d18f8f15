"""The vendor-neutral records the gateway stores and triage consumes.

Every protocol's ``decode_message(profile, raw, ...)`` returns ``(results, quarantined)``:
one :class:`DeviceResult` per result the device reported (mapped to a vocabulary code when the
profile's mapping table knows the vendor code) and one :class:`Quarantine` per thing that could
not be turned into a trustworthy result (unmapped code, undecodable bytes, unparseable message),
with the raw bytes kept.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from referral.abnormal_flags import ABNORMAL_FLAGS as ABNORMAL_FLAGS
from referral.abnormal_flags import UNKNOWN_FLAG as UNKNOWN_FLAG
from referral.abnormal_flags import unknown_flag_why as unknown_flag_why
from referral.device_results import NewDeviceResult
from referral.incomplete_message import INCOMPLETE_FLAG
from referral.incomplete_message import TERMINATION_FLAG as TERMINATION_FLAG
from referral.incomplete_message import TERMINATION_SAYS as TERMINATION_SAYS
from referral.incomplete_message import incomplete_why as incomplete_why
from referral.result_flags import flags_text
from referral.value_sets import STATUS_CHANGE_FLAG, STATUS_CHANGE_UNIT_CONFLICT

#: ``withdrawn``: HL7 OBX-11 ``W``, "post original as wrong, e.g. transmitted for wrong patient"
#: (HL7 v2.5 table 0085): it withdraws the stored result with its key (``referral.inbox``), never
#: feeds a decision, and takes an observation made from that result out of the decision.
ResultStatus = Literal["final", "preliminary", "corrected", "cannot_be_done", "withdrawn"]

#: Flag added to results of a message whose L record says it was cut short (T, E, R codes) or
#: that has no L record; such results are downgraded to ``preliminary``. The flag, the one naming
#: the L record's termination code beside it (``astm_termination_T``) and what each code means are
#: ``referral.incomplete_message``': the held worklist (``referral.held_why``) says them too.
INCOMPLETE = INCOMPLETE_FLAG
#: Flag of an ASTM result with status W, "warning: validity is questionable" (E1394/LIS2-A2 R.9;
#: the Pentra XLR sends it for a differential its alarms make suspect): stored ``preliminary``, so
#: held for a person, and replaced when the device sends the result again as final (F, V).
QUESTIONABLE = "validity_questionable"
#: Flag of an HL7 result with OBX-11 ``U``, "results status change to final without retransmitting
#: results already sent as 'preliminary'" (HL7 v2.5 table 0085): stored ``final``; with no value of
#: its own it makes the stored preliminary result with its key final, value kept (``referral.inbox``).
STATUS_TO_FINAL = STATUS_CHANGE_FLAG
#: Flag of a stored result such a U named another unit for (``referral.device_results.unit_contradicted``):
#: kept as sent, not made final, held for a person - a unit is never relabelled.
UNIT_CONFLICT = STATUS_CHANGE_UNIT_CONFLICT
#: Flags of an HL7 OBX whose OBX-11 says it carries no result (HL7 v2.5 table 0085): ``I``
#: "specimen in lab; results pending", ``N`` "not asked" (the observation was not sought), ``O``
#: "order detail description only (no result)". Without a value such an OBX is no result at all
#: (``devices.codecs.hl7``: neither stored nor held, and it never takes the key of the result it
#: announces); a value sent with one anyway is stored preliminary with the flag, held saying what
#: the status means (``devices.hold``).
NO_RESULT_STATUS: dict[str, str] = {"I": "results_pending", "N": "not_asked", "O": "order_detail_only"}
#: Flag for a result with a "no value" token (``---``, ``-----``...) or an empty value.
NO_VALUE = "no_value"
#: Flag for a result whose value field was ``""``: LIS2-A2 5.4.9 "delete the stored value", not empty.
DELETE = "delete_value"
#: Flag for a vendor code the profile lists as known but not used by triage.
IGNORED = "ignored_by_profile"
#: Flags of a result whose device time is more than the profile's ``[clock] max_ahead`` after
#: its receipt, or more than ``[clock] max_age`` before it (``devices.device_clock``); such
#: results are downgraded to ``preliminary`` and held for review.
CLOCK_AHEAD = "device_time_ahead"
CLOCK_OLD = "device_time_old"
#: What the pages say a result's ``fix`` from (``held.fix_<kind>``, en and zh): its ``kind``
#: (``devices.mapping._accept_unit``) and the mapping's ``mapping_unit`` and ``scale`` it names, as
#: pairs; the unit sent and the setting come from the units the result keeps.
FixSays = tuple[tuple[str, str], ...]


def message_id(raw: bytes) -> str:
    """The message identity used everywhere: SHA-256 of the raw message bytes, hex."""
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class DeviceResult:
    """One result as the device reported it, after decoding and profile mapping.

    ``value`` is the value text after decoding: escapes resolved, padding stripped, decimal comma
    normalised only when the profile's ``decimal_comma`` switch is on, the profile's answer map
    applied. ``raw_value`` is the field exactly as received. ``code`` is ``None`` when the
    vendor code is not in the profile's mapping table. ``unit`` is the unit the mapping table
    declares for the code (the device's own unit text if unmapped).
    """

    device_id: str
    protocol: str
    message_id: str
    sample_id: str | None
    patient_id: str | None
    vendor_code: str
    code: str | None
    value: str
    unit: str | None
    status: ResultStatus
    qc: bool
    flags: tuple[str, ...]
    observed_at: datetime | None
    reference_range: str | None
    byte_offset: int | None
    raw_value: str = ""
    device_unit: str | None = None
    scale: float | None = None
    comments: tuple[str, ...] = ()
    #: Why ``code`` is None when the mapping table has the vendor code: the reason of the result's
    #: quarantine item (``unexpected_unit``, ``unscalable_value``); ``unmapped_code`` when it has not.
    problem: str | None = None
    #: Of a result whose unit its mapping does not take (``problem`` ``unexpected_unit``): the
    #: device units the mapping lists (none: its scale's unit), and the profile setting that
    #: would take the unit sent, once the site confirms what it is (``devices.mapping``).
    expected_units: tuple[str, ...] = ()
    fix: str | None = None
    #: ``fix`` as the pages say it in the reader's language (:data:`FixSays`).
    fix_says: FixSays = ()

    @property
    def idempotency_key(self) -> str:
        """Device + sample + test + result time: a retransmitted result has the same key."""
        when = self.observed_at.isoformat() if self.observed_at else ""
        return "|".join((self.device_id, self.sample_id or "", self.patient_id or "", self.vendor_code, when))


def result_time(result: DeviceResult, received_at: str) -> str:
    """The result-time part of the exactly-once key (device, sample id, test, result time): the
    device's own time as sent. Devices without a result clock (line protocols) get the receipt
    time: each reading is then its own result."""
    if result.observed_at is not None:
        return result.observed_at.isoformat()
    return f"received {received_at}"


def key_sample_id(result: DeviceResult) -> str:
    """The sample part of the exactly-once key: the device's sample id; without one the patient
    (``PT <patient id>``), so that patients measured at the same device time for the same test
    without a sample id (an ASTM message of 20 P records with empty O.3, as the Euroimmun
    analyzer sends) are not taken for resends of the first and dropped; '' when neither exists."""
    if result.sample_id:
        return result.sample_id
    return f"PT {result.patient_id}" if result.patient_id else ""


@dataclass(frozen=True, slots=True)
class NoResultLine:
    """An HL7 OBX that carried no result (OBX-11 ``I``, ``N`` or ``O`` and no value): neither
    stored nor held, so the decoder reports it for ``replay`` and ``listen`` to count - an
    integrator otherwise sees fewer results than OBX lines. ``status`` is the OBX-11 letter."""

    status: str
    vendor_code: str
    byte_offset: int | None


def no_result_sentence(statuses: Sequence[str]) -> str:
    """``2 OBX lines carried no result (status I)``; several: ``(2 status I, 1 status N)``."""
    counts = Counter(statuses)
    n = len(statuses)
    which = (
        f"status {next(iter(counts))}"
        if len(counts) == 1
        else ", ".join(f"{count} status {status}" for status, count in sorted(counts.items()))
    )
    return f"{n} OBX line{'s' if n != 1 else ''} carried no result ({which})"


@dataclass(frozen=True, slots=True)
class Quarantine:
    """Something that could not become a trustworthy result; a person must look at it."""

    reason: str  # short machine code: unmapped_code, undecodable_bytes, unparseable_message, ...
    raw: bytes
    byte_offset: int | None
    device_id: str
    detail: str
    #: True when the result itself is kept too (with ``code=None``: unmapped code, unexpected
    #: unit): the problem of a result, not something that failed to become one.
    with_result: bool = False

    def describe(self) -> str:
        where = f"byte {self.byte_offset}" if self.byte_offset is not None else "unknown offset"
        return f"{self.device_id}: {where}: {self.reason}: {self.detail}"


def _number(value: str) -> tuple[float | None, str | None]:
    text = value.strip()
    comparator = None
    for prefix in ("<=", ">=", "<", ">"):
        if text.startswith(prefix):
            comparator, text = prefix, text[len(prefix) :].strip()
            break
    try:
        return float(text), comparator
    except ValueError:
        return None, None


def to_inbox_result(result: DeviceResult, received_at: str) -> NewDeviceResult:
    value_num, comparator = _number(result.value)
    return NewDeviceResult(
        device_id=result.device_id,
        sample_id=key_sample_id(result),
        vendor_code=result.vendor_code,
        result_time=result_time(result, received_at),
        status=result.status,
        is_qc=result.qc,
        patient_id=result.patient_id,
        code=result.code,
        value=result.value,
        value_num=value_num,
        comparator=comparator,
        unit=result.unit,
        flags=flags_text(result.flags),
        details={
            k: v
            for k, v in {
                "raw_value": result.raw_value,
                "device_unit": result.device_unit,
                "reference_range": result.reference_range,
                "comments": list(result.comments),
                "byte_offset": result.byte_offset,
                "problem": result.problem,
                "scale": result.scale,
                "expected_units": list(result.expected_units),
                "fix": result.fix,
                "fix_says": dict(result.fix_says),
            }.items()
            if v not in (None, "", [])
        },
    )
