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
from devices.results import CLOCK_AHEAD, CLOCK_OLD, IGNORED
from referral.device_results import StoredDeviceResult
from referral.errors import json_text
from referral.value_sets import FINAL_STATUSES

#: Why the gateway holds a stored result: a QC result (also one of a training or debugging message,
#: whose reason says so), its device time too far from its receipt time, not final, its code
#: ignored by the profile, not mapped (code, unit or scale), no patient.
HoldKind = Literal["qc", "clock", "not_final", "ignored", "unmapped", "no_patient"]


@dataclass(frozen=True)
class GatewayResult:
    """A stored result handed to the subscriber. ``auto_feed`` is False for QC, non-final,
    unmapped or unlinked results; ``hold_kind`` says why as a code, ``hold_reason`` in words."""

    result_id: int
    stored: StoredDeviceResult
    auto_feed: bool
    hold_reason: str | None
    hold_kind: HoldKind | None = None


def hold(stored: StoredDeviceResult) -> tuple[HoldKind, str] | None:
    """Why a stored result must not feed a decision automatically: ``(kind, reason)`` - kind one
    of ``qc`` (a QC result, or one of a training or debugging message: the reason says which),
    ``ignored`` (a code the profile ignores, whatever its time and status), ``clock`` (the device
    time is too far from the receipt time: ``devices.device_clock``), ``not_final``, ``unmapped``,
    ``no_patient`` - the first that applies - or ``None`` when it may."""
    if stored.is_qc:
        # a device left in training or debugging mode sends it, not a QC run: say which
        flags = (stored.flags or "").split(",")
        for processing_id, flag in NOT_PRODUCTION.items():
            if flag in flags:
                return "qc", f"{flag.replace('_', ' ')} (processing ID {processing_id})"
        return "qc", "quality-control result"
    if stored.code is None and IGNORED in (stored.flags or "").split(","):
        # before its time and status: a code the profile ignores is never for triage, so no one
        # is to review it (the held worklist leaves it out) - not counted "held for review"
        return (
            "ignored",
            f"device test code {json_text(stored.vendor_code)} is ignored by the profile (ignored_codes)",
        )
    mistimed = [f for f in (stored.flags or "").split(",") if f in (CLOCK_AHEAD, CLOCK_OLD)]
    if mistimed:
        return "clock", clock_reason(
            stored.device_id, stored.vendor_code, stored.result_time, stored.received_at, mistimed[0]
        )
    if stored.status not in FINAL_STATUSES:
        return "not_final", f"result status {json_text(stored.status)} is not final"
    if stored.code is None and stored.details.get("problem") == "unexpected_unit":
        unit = stored.details.get("device_unit") or ""
        return "unmapped", (
            f"device unit {json_text(unit)} of test {json_text(stored.vendor_code)} is not one its profile lists in device_units"
        )
    if stored.code is None and stored.details.get("problem") == "unscalable_value":
        return (
            "unmapped",
            f"value of test {json_text(stored.vendor_code)} is not a number the profile's scale applies to",
        )
    if stored.code is None:
        return "unmapped", f"device test code {json_text(stored.vendor_code)} is not mapped to the vocabulary"
    if not stored.patient_id:
        return "no_patient", "no patient link"
    return None


def classify(stored: StoredDeviceResult) -> GatewayResult:
    held = hold(stored)
    if held is None:
        return GatewayResult(stored.id, stored, True, None)
    return GatewayResult(stored.id, stored, False, held[1], held[0])
