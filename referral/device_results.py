"""A device result as the gateway hands it to the inbox and as the inbox stored it, a part of a
message it could not use (:class:`NewQuarantineItem`), and the rule for which of two results with
the same key is kept (:func:`replaces`).

Plain values (the import-linter pure-core contract in ``pyproject.toml``): the inbox
(``referral.inbox``) stores and reads them; pure cores that judge a stored result
(``devices.hold``, ``triage.intake``) take them from here without importing the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from referral.value_sets import CORRECTION_STATUSES, FINAL_STATUSES, WITHDRAWN


@dataclass(frozen=True, kw_only=True)
class NewDeviceResult:
    """One result as the gateway hands it to the inbox. Empty strings, not None, for absent keys."""

    device_id: str
    sample_id: str
    vendor_code: str
    result_time: str
    status: str
    is_qc: bool
    patient_id: str | None = None
    code: str | None = None
    value: str | None = None
    value_num: float | None = None
    comparator: str | None = None
    unit: str | None = None
    flags: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The idempotency key."""
        return (self.device_id, self.sample_id, self.vendor_code, self.result_time)

    @property
    def shown_value(self) -> str:
        """The value as the device sent it, for people: ``>33.3 mmol/L``."""
        return _shown(self.comparator, self.value, self.unit)


@dataclass(frozen=True, kw_only=True)
class NewQuarantineItem:
    """A part of an accepted message that could not be used (unmapped code, unreadable record)."""

    reason: str
    raw: bytes
    byte_offset: int | None = None


@dataclass(frozen=True, kw_only=True)
class StoredDeviceResult(NewDeviceResult):
    id: int
    message_id: int
    received_at: str
    delivered_at: str | None

    @property
    def corrected_from(self) -> str | None:
        """For a device correction that changed the value: the value it replaced, as shown
        (``28.0 mmol/L``); None otherwise (not a correction, nothing replaced, same value)."""
        replaced = self.details.get("replaced")
        if self.status not in CORRECTION_STATUSES or not isinstance(replaced, list) or not replaced:
            return None
        before = replaced[-1]
        shown = _shown(before.get("comparator"), before.get("value"), before.get("unit"))
        return shown if shown != self.shown_value else None


def _shown(comparator: str | None, value: str | None, unit: str | None) -> str:
    """``>33.3 mmol/L``: the gateway stores a censored value's text with its comparator (``>33.3``,
    and ``>`` apart for searching), so the comparator is not put in front of it again (``>>33.3``)."""
    text = value or ""
    if comparator and not text.lstrip().startswith(comparator):
        text = comparator + text
    return f"{text} {unit or ''}".strip()


def replaces(status: str, value: str | None, stored_status: str, stored_value: str | None) -> bool:
    """Whether a result with the key of a stored one replaces it (a final result replaces a
    non-final one - a withdrawn one too -; a correction replaces another value or status; a
    withdrawal - HL7 ``W``, posted as wrong - withdraws any version not withdrawn yet) instead of
    being a duplicate - a resend - that is not stored again. ``triage devices replay`` applies the
    same rule."""
    upgrade = status in FINAL_STATUSES and stored_status not in FINAL_STATUSES
    correction = status in CORRECTION_STATUSES and (stored_value != value or stored_status != status)
    withdrawal = status == WITHDRAWN and stored_status != WITHDRAWN
    return upgrade or correction or withdrawal


def unit_contradicted(
    said_device_unit: str | None, said_unit: str | None, had_device_unit: str | None, had_unit: str | None
) -> bool:
    """Whether an HL7 ``U`` without a value (status change to final) names a unit that is not the
    stored value's: a unit sent (``said_device_unit``) that is neither the one the value was sent
    in nor, mapped by the profile (``said_unit``), the value's unit - a listed spelling of the same
    unit ("1" for "%") confirms it, and so does the same unit written differently (:func:`spelled`:
    "mg/dl" for "mg/dL", "mmHg" for "mm[Hg]"). Then the U does not confirm the value: it is kept
    as sent, held (``referral.inbox``), never relabelled. ``triage devices replay`` applies the
    same rule."""
    if not said_device_unit:
        return False
    said = spelled(said_device_unit)
    return said != spelled(had_device_unit or "") and spelled(said_unit or "") != spelled(had_unit or "")


def spelled(unit: str) -> str:
    """``unit`` as spelled, its case, spaces, UCUM's brackets and micro sign aside (``mm[Hg]``,
    ``mmHg`` and ``mm Hg`` -> ``mmhg``; ``µmol/L`` -> ``umol/l``; ``10^9/L`` -> ``10*9/l``): two
    units spelled alike are one unit written differently. Units whose values differ (mg/dL and
    mmol/L, % and mmol/mol) never are."""
    text = unit.strip().casefold().replace("μ", "u")  # casefold makes the micro sign a Greek mu
    for mark, instead in ((" ", ""), ("[", ""), ("]", ""), ("^", "*")):
        text = text.replace(mark, instead)
    return text
