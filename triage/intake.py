"""From a device's :class:`~devices.results.DeviceResult` to a triage :class:`Observation`.

Devices never import triage, so the vocabulary code and unit in a result are plain strings from
the device profile; this is where they are validated (code, unit, plausibility, censoring) by
:meth:`Observation.create`. Results that must not feed triage are refused with a reason:

- ``qc``: a quality-control result (never reaches triage);
- ``ignored``: a vendor code the profile lists as known but not used by triage;
- ``no_value``: the device sent a "no value" token (``---``) - missing, never zero;
- ``unmapped``: the vendor code is not in the profile's mapping table (quarantine);
- ``no_time``: neither the device nor the caller gave a time (quarantine);
- ``invalid``: the vocabulary rejected code, unit or value (quarantine); in :func:`replay_capture`
  also both pressures of a message whose diastolic is not below its systolic (``triage.bp_pair``:
  swapped by the device or its interface).
- ``not_final`` (:func:`replay_capture` only): a valid result whose status is not final
  (preliminary - a ``*`` or ``P`` status, a result of an incomplete message - or cannot be done),
  which the live gateway stores but holds (``devices.hold``), never feeding triage.
- ``withdrawn``: the device withdrew the result with its key (HL7 ``W`` or ``D``, a value sent as
  ``""``), which the gateway holds ``withdrawn`` alone, never for a decision.
- ``no_patient`` (:func:`replay_capture` only): a valid final result without a patient id, which
  the live gateway stores but holds ("no patient link") until a device association links the
  device to a patient's encounter (the service then feeds it); replay has no associations.

Non-final results (preliminary, results of an incomplete message) become observations with their
status, and the decision engine does not auto-feed them; corrected results carry status
``corrected``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from devices.capture import decode_captured, read_capture
from devices.codecs import hl7
from devices.hold import CODE_HOLDS, HoldKind, result_holds
from devices.profile import DeviceProfile
from devices.results import (
    DELETE,
    IGNORED,
    INCOMPLETE,
    NO_VALUE,
    STATUS_TO_FINAL,
    UNIT_CONFLICT,
    DeviceResult,
    NoResultLine,
    Quarantine,
    incomplete_why,
    key_sample_id,
    result_time,
    unknown_flag_why,
)
from devices.tolerance import ToleranceCounter
from referral.device_results import replaces, unit_contradicted
from referral.value_sets import FINAL_STATUSES
from triage.bp_pair import swapped_in_messages
from triage.errors import ClinicError, UserInputError, json_text
from triage.observation import Observation
from triage.units import require_unit_if_ambiguous

RefusalReason = Literal[
    "qc", "ignored", "no_value", "unmapped", "no_time", "invalid", "not_final", "no_patient", "withdrawn"
]

#: Refusals that are not quarantined: everything else goes to the quarantine.
BENIGN: frozenset[str] = frozenset({"qc", "ignored", "no_value", "not_final", "no_patient", "withdrawn"})


class IntakeRefused(UserInputError):
    """A device result that does not become an observation; ``reason`` says why."""

    code = "device_result_refused"

    def __init__(self, reason: RefusalReason, message: str, *, also: tuple[RefusalReason, ...] = ()) -> None:
        super().__init__(message)
        self.reason: RefusalReason = reason
        #: The other reasons the live gateway holds the result for (``devices.hold.holds``: a
        #: result not final and without a patient id is held for both), counted as it counts them.
        self.also = also

    @property
    def reasons(self) -> tuple[RefusalReason, ...]:
        """Every reason, the first (``reason``) first."""
        return (self.reason, *self.also)

    @property
    def needs_review(self) -> bool:
        return self.reason not in BENIGN


def _where(result: DeviceResult) -> str:
    offset = f" byte {result.byte_offset}" if result.byte_offset is not None else ""
    return f"{result.device_id}{offset} sample {result.sample_id or '?'} test {json_text(result.vendor_code)}"


def observation_from_result(result: DeviceResult, *, received_at: datetime | None = None) -> Observation:
    """Validate one device result as a canonical observation, or raise :class:`IntakeRefused`.

    ``received_at`` is used only when the device sent no time of its own.
    """
    where = _where(result)
    if result.qc:
        raise IntakeRefused("qc", f"{where}: quality-control result, never used for triage")
    if result.code is None:
        if IGNORED in result.flags:
            raise IntakeRefused("ignored", f"{where}: code not used by triage (profile ignored_codes)")
        if result.problem == "unexpected_unit":
            unit = json_text(result.device_unit or "")
            raise IntakeRefused(
                "unmapped", f"{where}: device unit {unit} is not one the profile's mapping takes"
            )
        if result.problem == "unscalable_value":
            raise IntakeRefused("unmapped", f"{where}: value is not a number the profile's scale applies to")
        raise IntakeRefused("unmapped", f"{where}: vendor code not in the profile's mapping table")
    if result.status == "withdrawn":  # HL7 W or D, or "": the device withdrew the result with this key
        how = '"" for the value: delete the stored value' if DELETE in result.flags else "HL7 status W or D"
        raise IntakeRefused("withdrawn", f"{where}: the device withdrew the result ({how}): never used")
    if DELETE in result.flags:
        raise IntakeRefused(
            "invalid", f'{where}: device sent "" (delete the stored value); a person must review'
        )
    if STATUS_TO_FINAL in result.flags and not result.value:  # as devices.hold holds it: not_final
        raise IntakeRefused(
            "not_final",
            f"{where}: the device made a result final (HL7 status U) without sending its value, and"
            " no preliminary result with its key (sample, test, time) came before it: check it on the device",
        )
    if NO_VALUE in result.flags and result.status != "cannot_be_done":
        raise IntakeRefused(
            "no_value", f"{where}: device sent no value ({json_text(result.raw_value.strip())})"
        )
    when = result.observed_at or received_at
    if when is None:
        raise IntakeRefused("no_time", f"{where}: the device sent no result time and none was given")
    if when.tzinfo is None:
        raise IntakeRefused("no_time", f"{where}: result time {when.isoformat()} has no time zone")
    value: str | None = None if result.status == "cannot_be_done" else result.value
    try:
        observation = Observation.create(
            result.code,
            value,
            result.unit,
            observed_at=when,
            status=result.status,
            device=result.device_id,
            qc=False,
            source_message_id=result.message_id,
        )
        # no unit (its mapping names none) and another unit makes it plausible: as the live gateway
        require_unit_if_ambiguous(observation.code, observation.value, result.unit)
        return observation
    except ClinicError as exc:
        raise IntakeRefused("invalid", f"{where}: {exc}") from None


# ---------------------------------------------------------------- capture replay


@dataclass
class ReplayReport:
    """What replaying one capture produced (see ``triage devices replay``).

    Every result is in exactly one of ``observations`` (what the gateway would feed triage),
    ``held_back`` (not quarantined: QC, ignored codes, no value, and valid results the gateway
    holds - not final, or without a patient id: ``unlinked`` has the observations of the latter,
    which a device association would feed), :meth:`for_review` (a quarantine item with ``with_result``: unmapped code,
    unexpected unit, invalid value) or ``resends`` (same exactly-once key as an earlier result,
    which it does not replace: the gateway acknowledges it and stores nothing) or ``replaced`` (a
    later result with its key replaces it: the gateway keeps and counts the later version only);
    ``quarantined`` also holds what never became a result (:meth:`without_result`: undecodable
    bytes, unparseable messages)."""

    profile: DeviceProfile
    messages: int = 0
    results: list[DeviceResult] = field(default_factory=list)
    observations: list[tuple[DeviceResult, Observation]] = field(default_factory=list)
    quarantined: list[Quarantine] = field(default_factory=list)
    held_back: list[tuple[DeviceResult, IntakeRefused]] = field(default_factory=list)
    #: Of ``held_back``, the valid final results without a patient id, with their observations:
    #: the gateway holds them ("no patient link") unless a device association links them.
    unlinked: list[tuple[DeviceResult, Observation]] = field(default_factory=list)
    #: Results with the exactly-once key of an earlier one that they do not replace (a resent
    #: message, a POCT1-A2 RES): (the resend, the earlier result). The gateway stores them once.
    resends: list[tuple[DeviceResult, DeviceResult]] = field(default_factory=list)
    #: Results a later one with their key replaces (a preliminary then its final, a final then
    #: its correction or withdrawal): (the version replaced, the later one). As the gateway keeps
    #: only the version in force, they are in no other bucket, nor counted held or for review.
    replaced: list[tuple[DeviceResult, DeviceResult]] = field(default_factory=list)
    #: The quarantine items of the versions in ``replaced`` (a preliminary in a unit the profile
    #: does not take): the gateway keeps them in ``device_quarantine``, but they are no longer for
    #: review - the version in force is what is counted.
    replaced_problems: list[Quarantine] = field(default_factory=list)
    #: Of the results for review, those quarantined as ``no_time`` (no device time, and no
    #: ``received_at``): with a receipt time they would be checked again, patient id and all.
    untimed: list[DeviceResult] = field(default_factory=list)
    tolerance: dict[str, int] = field(default_factory=dict)
    #: HL7 messages of a type the gateway does not take (``ADT^A01``), by their byte: it answers
    #: them AR and counts them not handled (``devices.codecs.hl7.unsupported_type``).
    unhandled: list[tuple[int, str]] = field(default_factory=list)
    #: HL7 OBX lines that carried no result (OBX-11 I, N or O without a value): no result, in no
    #: bucket, but said, so that the results are not fewer than the OBX lines without a word.
    no_result: list[NoResultLine] = field(default_factory=list)
    #: Every reason the live gateway would hold each result for (``devices.hold.holds``, the one
    #: rule of both), as ``listen`` counts them; no ``clock``: a capture has no receipt time.
    gateway_holds: list[HoldKind] = field(default_factory=list)
    #: Of the results for review, their reasons beyond the one their quarantine item names, as
    #: the gateway holds them (a unit the profile does not take, of a result without a patient id
    #: that is not final: ``no_patient``, ``not_final``).
    review_also: list[HoldKind] = field(default_factory=list)
    #: Of the results in ``held_back``, their reasons beyond their refusal's, as the gateway holds
    #: them (a "no value" reading without a patient id: ``no_patient``).
    held_also: list[HoldKind] = field(default_factory=list)

    def for_review(self) -> list[Quarantine]:
        """The quarantine items that are problems of a result (each result at most once)."""
        return [q for q in self.quarantined if q.with_result]

    def review_reasons(self) -> list[str]:
        """Every reason of each result for review: its quarantine item's, then ``review_also``."""
        return [q.reason for q in self.for_review()] + list(self.review_also)

    def held_reasons(self) -> list[str]:
        """Every reason of each result in ``held_back``, as the gateway counts its held results
        (a preliminary result without a patient id is counted as not_final and as no_patient),
        then ``held_also``."""
        return [reason for _, refusal in self.held_back for reason in refusal.reasons] + list(self.held_also)

    def without_result(self) -> list[Quarantine]:
        """The quarantine items that never became a result."""
        return [q for q in self.quarantined if not q.with_result]


def replay_capture(
    profile: DeviceProfile, data: bytes, *, received_at: datetime | None = None
) -> ReplayReport:
    """Parse a whole capture with ``profile``: messages through the protocol codecs, results
    through :func:`observation_from_result`. Nothing raises for bad device data."""
    counter = ToleranceCounter()
    report = ReplayReport(profile)
    stored: dict[tuple[str, str, str], DeviceResult] = {}
    # (id of the result, kind): the buckets' reasons, each result's left out once a later one replaces it
    holds_by: list[tuple[int, HoldKind]] = []
    review_also_by: list[tuple[int, HoldKind]] = []
    held_also_by: list[tuple[int, HoldKind]] = []
    for item in read_capture(profile, data, counter):
        if isinstance(item, Quarantine):
            report.quarantined.append(item)
            continue
        report.messages += 1
        kind = hl7.captured_unsupported_type(item.raw, profile) if profile.protocol == "hl7" else None
        if kind is not None:
            report.unhandled.append((item.offset, kind))
        results, problems = decode_captured(profile, item, counter, report.no_result)
        changed = [_status_changed(stored, result) for result in results]
        # a U sends no unit either: the codec's problem with its empty unit is none (as live)
        kept = {r.byte_offset for r, c in zip(results, changed, strict=True) if c is not r}
        problems = [p for p in problems if not (p.with_result and p.byte_offset in kept)]
        results = changed
        report.results.extend(results)
        for result in results:
            earlier = _resent(stored, result, report.replaced)
            if earlier is not None:
                report.resends.append((result, earlier))
                # its problems were counted with the first copy, as the gateway counts them
                problems = [
                    p for p in problems if not (p.with_result and p.byte_offset == result.byte_offset)
                ]
        report.quarantined.extend(problems)
        resent = {id(r) for r, _ in report.resends}
        accepted: list[tuple[DeviceResult, Observation]] = []
        kinds: dict[int, tuple[HoldKind, ...]] = {}
        for result in results:
            if id(result) in resent:
                continue
            kinds[id(result)] = result_holds(result)
            holds_by.extend((id(result), k) for k in kinds[id(result)])
            try:
                observation = observation_from_result(result, received_at=received_at)
                if result.status not in FINAL_STATUSES:  # stored and held by the gateway, as here
                    # for every reason, as the gateway holds it (devices.hold.holds)
                    unlinked = "" if result.patient_id else "; no patient id"
                    why = (
                        f"not final: {incomplete_why(result.flags)}"
                        if INCOMPLETE in result.flags
                        else unknown_flag_why(result.flags) or f"result status {result.status} is not final"
                    )
                    raise IntakeRefused(
                        "not_final",
                        f"{_where(result)}: {why}{unlinked}",
                        also=() if result.patient_id else ("no_patient",),
                    )
                accepted.append((result, observation))
            except IntakeRefused as exc:
                if exc.reason == "no_time":
                    report.untimed.append(result)
                if exc.needs_review:
                    review_also_by.extend((id(result), k) for k in kinds[id(result)] if k not in CODE_HOLDS)
                    if exc.reason != "unmapped":  # unmapped codes are already quarantined by the codec
                        report.quarantined.append(_for_review(exc, item.raw, result, profile))
                else:
                    report.held_back.append((result, exc))
                    held_also_by.extend((id(result), k) for k in kinds[id(result)] if k not in exc.reasons)
        # a diastolic at or above the systolic of this message: both for review, neither used
        swapped = swapped_in_messages([(item.offset, obs) for _, obs in accepted])
        for position, (result, obs) in enumerate(accepted):
            if position in swapped:
                refused = IntakeRefused("invalid", f"{_where(result)}: {swapped[position]}")
                review_also_by.extend((id(result), k) for k in kinds[id(result)])
                report.quarantined.append(_for_review(refused, item.raw, result, profile))
            elif not result.patient_id:  # devices.hold: "no patient link"
                refusal = IntakeRefused(
                    "no_patient",
                    f"{_where(result)}: no patient id; the gateway holds it unless a device "
                    "association links the device to a patient's encounter",
                )
                report.held_back.append((result, refusal))
                report.unlinked.append((result, obs))
            else:
                report.observations.append((result, obs))
    report.tolerance = {switch: n for (_, switch), n in sorted(counter.snapshot().items())}
    _keep_versions_in_force(report, holds_by, review_also_by, held_also_by)
    return report


def _keep_versions_in_force(
    report: ReplayReport,
    holds_by: list[tuple[int, HoldKind]],
    review_also_by: list[tuple[int, HoldKind]],
    held_also_by: list[tuple[int, HoldKind]],
) -> None:
    """Count each result as the version in force, as the gateway does (``DeviceStatus.count_stored``:
    its held counts follow a replacement): a version a later one replaced leaves every bucket."""
    gone = {id(earlier) for earlier, _ in report.replaced}
    offsets = {earlier.byte_offset for earlier, _ in report.replaced}
    report.gateway_holds = [k for n, k in holds_by if n not in gone]
    report.review_also = [k for n, k in review_also_by if n not in gone]
    report.held_also = [k for n, k in held_also_by if n not in gone]
    report.observations = [(r, o) for r, o in report.observations if id(r) not in gone]
    report.unlinked = [(r, o) for r, o in report.unlinked if id(r) not in gone]
    report.held_back = [(r, e) for r, e in report.held_back if id(r) not in gone]
    report.replaced_problems = [q for q in report.quarantined if q.with_result and q.byte_offset in offsets]
    report.quarantined = [q for q in report.quarantined if not (q.with_result and q.byte_offset in offsets)]


def _for_review(exc: IntakeRefused, raw: bytes, result: DeviceResult, profile: DeviceProfile) -> Quarantine:
    """The quarantine item (with its result) of a refusal that needs a person."""
    return Quarantine(exc.reason, raw, result.byte_offset, profile.device_id, str(exc), with_result=True)


def _status_changed(stored: dict[tuple[str, str, str], DeviceResult], result: DeviceResult) -> DeviceResult:
    """An HL7 ``U`` (final now, its value not sent again) with the value, unit and code of the earlier
    result with its key in the capture, as the gateway's inbox keeps them (``referral.inbox``)."""
    if STATUS_TO_FINAL not in result.flags or result.value or result.observed_at is None:
        return result
    earlier = stored.get((key_sample_id(result), result.vendor_code, result_time(result, received_at="")))
    if earlier is None or not earlier.value:
        return result
    conflict = earlier.status not in FINAL_STATUSES and unit_contradicted(
        result.device_unit, result.unit, earlier.device_unit, earlier.unit
    )
    return replace(
        result,
        # another unit than the value's: kept as sent, not made final, held (referral.inbox)
        status=earlier.status if conflict else result.status,
        value=earlier.value,
        unit=earlier.unit,
        code=earlier.code,
        problem=earlier.problem,
        device_unit=earlier.device_unit,
        expected_units=earlier.expected_units,
        fix=earlier.fix,
        fix_says=earlier.fix_says,
        flags=tuple(f for f in result.flags if f != NO_VALUE) + ((UNIT_CONFLICT,) if conflict else ()),
    )


def _resent(
    stored: dict[tuple[str, str, str], DeviceResult],
    result: DeviceResult,
    replaced: list[tuple[DeviceResult, DeviceResult]],
) -> DeviceResult | None:
    """The earlier result that ``result`` repeats under the gateway's exactly-once key (device,
    sample id, test, device result time) without replacing it (``referral.device_results.replaces``), or
    None - and then ``result`` is what the gateway would hold under that key (an earlier one it
    replaces is added to ``replaced``). A result without a device time (line protocols) is keyed
    by its receipt time live, so it is never a resend."""
    if result.observed_at is None:
        return None
    key = (key_sample_id(result), result.vendor_code, result_time(result, received_at=""))
    earlier = stored.get(key)
    if earlier is not None:
        conflict = UNIT_CONFLICT in result.flags  # a U the gateway keeps the value of, held
        if not conflict and not replaces(result.status, result.value, earlier.status, earlier.value):
            return earlier
        replaced.append((earlier, result))
    stored[key] = result
    return None


def observation_record(result: DeviceResult, obs: Observation) -> dict[str, object]:
    """The JSON object replay prints for one canonical observation."""
    return {
        "device_id": result.device_id,
        "sample_id": result.sample_id,
        "patient_id": result.patient_id,
        "code": obs.code,
        "value": obs.value,
        "comparator": obs.comparator,
        "unit": obs.unit,
        "status": obs.status.value,
        "device_time": result.observed_at.isoformat() if result.observed_at else None,
        "vendor_code": result.vendor_code,
        "message_id": result.message_id,
        "byte_offset": result.byte_offset,
    }
