"""Why a stored device result is held from automatic triage, and what the subscriber is handed.

:func:`hold` is the one rule for every result the gateway stores: a QC result, a result whose
device time is too far from its receipt time (``devices.device_clock``), a non-final, ignored or
unmapped one, or one without a patient link is stored and delivered but never fed to a decision
automatically. :func:`classify` turns a stored result into the :class:`GatewayResult` the
gateway's ``on_results`` subscriber receives (``devices.gateway``), with ``auto_feed``, the kind
of hold (:data:`HoldKind`, a code) and the reason (an English sentence, for logs and the CLI).

A pure core (the import-linter contract in ``pyproject.toml``, which follows indirect imports): no
I/O, no framework, not even through ``referral.inbox``; it reads the stored result it is given. The held worklist (``referral.review.why_held``) says why a stored
result is held from its columns by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devices.codecs.processing import NOT_PRODUCTION
from devices.device_clock import clock_reason
from devices.results import (
    CLOCK_AHEAD,
    CLOCK_OLD,
    DELETE,
    IGNORED,
    INCOMPLETE,
    NO_RESULT_STATUS,
    QUESTIONABLE,
    STATUS_TO_FINAL,
    UNIT_CONFLICT,
    DeviceResult,
    incomplete_why,
    to_inbox_result,
    unknown_flag_why,
)
from referral.device_results import NewDeviceResult, StoredDeviceResult
from referral.errors import json_text
from referral.result_flags import flag_list
from referral.value_sets import FINAL_STATUSES, WITHDRAWN

#: Why the gateway holds a stored result: a QC result (also one of a training or debugging message,
#: whose reason says so), its device time too far from its receipt time, not final, its code
#: ignored by the profile, its code not mapped, its unit not one the profile lists for the code
#: (``unexpected_unit``), its value not a number the profile's scale applies to
#: (``unscalable_value``), no patient, or withdrawn by the device (``withdrawn``: HL7 OBX-11 W,
#: posted as wrong - the only reason then, as for QC).
HoldKind = Literal[
    "qc",
    "clock",
    "not_final",
    "ignored",
    "unmapped",
    "unexpected_unit",
    "unscalable_value",
    "no_patient",
    "withdrawn",
]


@dataclass(frozen=True)
class GatewayResult:
    """A stored result handed to the subscriber. ``auto_feed`` is False for QC, non-final,
    unmapped or unlinked results; ``hold_kind`` says why as a code (the first reason's),
    ``hold_kinds`` every reason's, ``hold_reason`` every reason in words."""

    result_id: int
    stored: StoredDeviceResult
    auto_feed: bool
    hold_reason: str | None
    hold_kind: HoldKind | None = None
    hold_kinds: tuple[HoldKind, ...] = ()


#: What an HL7 OBX-11 that carries no result (``NO_RESULT_STATUS``, HL7 v2.5 table 0085) means, for
#: the hold of a value sent with it anyway.
NO_RESULT_SAID: dict[str, str] = {
    NO_RESULT_STATUS["I"]: "HL7 status I: specimen in the laboratory, results pending - not a result yet:"
    " check it on the device; its result, sent as final, replaces this one",
    NO_RESULT_STATUS["N"]: "HL7 status N: not asked - the test was not done, so the value is no result:"
    " check it on the device",
    NO_RESULT_STATUS["O"]: "HL7 status O: order detail only, no result: check it on the device",
}

#: The holds of a result whose code is None for what the profile's mapping table says of it.
CODE_HOLDS: frozenset[HoldKind] = frozenset({"unmapped", "unexpected_unit", "unscalable_value"})


def holds(stored: NewDeviceResult) -> list[tuple[HoldKind, str]]:
    """Every reason a stored result must not feed a decision automatically, in this order, each
    ``(kind, reason)``: ``clock`` (the device time too far from the receipt time:
    ``devices.device_clock``; it also made the result preliminary, so ``not_final`` is not said
    again) or ``not_final``, ``unmapped`` (the code) or ``unexpected_unit`` or
    ``unscalable_value`` (the code is mapped, its unit or value is not taken), ``no_patient`` - all that apply,
    as the held worklist lists them (``referral.review.why_held``): the Pentra's old capture held
    its WBC for "device time wrong" and hid that its unit is not one the profile takes. A QC
    result (``qc``, or one of a training or debugging message: the reason says which) and a code
    the profile ignores (``ignored``, whatever its time and status) are never for a patient, so
    that one reason is the only one. Empty when it may feed a decision. ``stored`` may be a result
    not stored yet (:func:`result_holds`): it has no receipt time, nor a clock hold then."""
    if stored.is_qc:
        # a device left in training or debugging mode sends it, not a QC run: say which
        flags = flag_list(stored.flags)
        for processing_id, flag in NOT_PRODUCTION.items():
            if flag in flags:
                return [("qc", f"{flag.replace('_', ' ')} (processing ID {processing_id})")]
        return [("qc", "quality-control result")]
    if stored.status == WITHDRAWN:
        # never for a decision, whatever else: the device said the result it names is wrong
        return [("withdrawn", _withdrawn(stored))]
    if stored.code is None and IGNORED in flag_list(stored.flags):
        # before its time and status: a code the profile ignores is never for triage, so no one
        # is to review it (the held worklist leaves it out) - not counted "held for review"
        return [
            (
                "ignored",
                f"device test code {json_text(stored.vendor_code)} is ignored by the profile (ignored_codes)",
            )
        ]
    found: list[tuple[HoldKind, str]] = []
    if STATUS_TO_FINAL in flag_list(stored.flags) and not stored.value:
        # an HL7 U keeps the value of the preliminary result it makes final: here there was none
        found.append(
            (
                "not_final",
                "the device made a result final (HL7 status U) without sending its value, and no"
                " preliminary result with its key (sample, test, time) was stored: check it on the device",
            )
        )
    mistimed = [f for f in flag_list(stored.flags) if f in (CLOCK_AHEAD, CLOCK_OLD)]
    if mistimed:
        found.append(
            (
                "clock",
                clock_reason(
                    stored.device_id,
                    stored.vendor_code,
                    stored.result_time,
                    stored.received_at if isinstance(stored, StoredDeviceResult) else "",
                    mistimed[0],
                ),
            )
        )
    elif UNIT_CONFLICT in flag_list(stored.flags):
        named = json_text(stored.details.get("status_change_unit") or "")
        had = json_text(stored.details.get("device_unit") or stored.unit or "")
        found.append(
            (
                "not_final",
                f"the device made the result final (HL7 status U) naming unit {named}, but its value"
                f" {stored.value} was sent in {had}: the status change does not confirm it - check the"
                " result on the device; sent again as final with its value, it replaces this one",
            )
        )
    elif QUESTIONABLE in flag_list(stored.flags):
        found.append(
            (
                "not_final",
                "the device marked the result's validity questionable (ASTM status W): check it on the"
                " device; sent again as final, it replaces this one",
            )
        )
    elif flag_why := unknown_flag_why(flag_list(stored.flags)):
        found.append(("not_final", flag_why))
    elif INCOMPLETE in flag_list(stored.flags):
        found.append(
            (
                "not_final",
                f"its message did not end complete: {incomplete_why(flag_list(stored.flags))},"
                " so the result is stored preliminary whatever status the device gave it: check it on"
                " the device; sent again in a complete message, it replaces this one",
            )
        )
    elif said := [NO_RESULT_SAID[f] for f in flag_list(stored.flags) if f in NO_RESULT_SAID]:
        found.append(("not_final", f"the device sent a value with {said[0]}"))
    elif stored.status not in FINAL_STATUSES:
        found.append(("not_final", f"result status {json_text(stored.status)} is not final"))
    if stored.code is None:
        found.append(_unmapped(stored))
    if not stored.patient_id:
        found.append(("no_patient", "no patient link"))
    return found


def _withdrawn(stored: NewDeviceResult) -> str:
    """Why a withdrawal (HL7 OBX-11 ``W``) is held: what it withdrew, or that nothing stored had its key."""
    said = (
        'the device sent "" for the value: delete the stored value'
        if DELETE in flag_list(stored.flags)
        else "the device withdrew the result (HL7 status W, posted as wrong - e.g. sent for the wrong patient -, or D, deleted)"
    )
    replaced = stored.details.get("replaced")
    if isinstance(replaced, list) and replaced:
        before = replaced[-1]
        was = f"{before.get('value') or ''} {before.get('unit') or ''}".strip()
        return (
            f"{said}: the {json_text(before.get('status'))} result {json_text(was)} of test"
            f" {json_text(stored.vendor_code)} it replaces is withdrawn, never used again (kept as sent)"
        )
    return (
        f"{said}, but no result of sample {json_text(stored.sample_id)} test {json_text(stored.vendor_code)}"
        f" at {stored.result_time} was stored to withdraw: check it on the device"
    )


def result_holds(result: DeviceResult) -> tuple[HoldKind, ...]:
    """The kinds of :func:`holds` of a decoded result, as the gateway would store it: the one rule
    ``triage devices replay`` counts a capture's results by, so that its counts are listen's."""
    return tuple(kind for kind, _ in holds(to_inbox_result(result, received_at="")))


def _unmapped(stored: NewDeviceResult) -> tuple[HoldKind, str]:
    """Why a result has no vocabulary code, as ``(kind, reason)``: its unit, its value or its code
    - each its own kind, so listen's counts do not send an integrator to a mapping that is there."""
    code = json_text(stored.vendor_code)
    if stored.details.get("problem") == "unexpected_unit":
        unit = json_text(stored.details.get("device_unit") or "")
        # the units it lists and the setting that would take this one, as the gateway kept them
        listed = stored.details.get("expected_units")
        fix = stored.details.get("fix")
        how = f"{' ' + json_text(listed) if listed else ''}{': ' + fix if fix else ''}"
        return (
            "unexpected_unit",
            f"device unit {unit} of test {code} is not one its profile lists in device_units{how}",
        )
    if stored.details.get("problem") == "unscalable_value":
        return "unscalable_value", f"value of test {code} is not a number the profile's scale applies to"
    return "unmapped", f"device test code {code} is not mapped to the vocabulary"


def hold(stored: StoredDeviceResult) -> tuple[HoldKind, str] | None:
    """``(kind, reason)`` of :func:`holds`: the first reason's kind, every reason in words
    (joined by "; "), or ``None`` when the result may feed a decision."""
    found = holds(stored)
    if not found:
        return None
    return found[0][0], "; ".join(reason for _, reason in found)


def classify(stored: StoredDeviceResult) -> GatewayResult:
    found = holds(stored)
    if not found:
        return GatewayResult(stored.id, stored, True, None)
    reason = "; ".join(why for _, why in found)
    return GatewayResult(stored.id, stored, False, reason, found[0][0], tuple(kind for kind, _ in found))
