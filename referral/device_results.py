"""A device result as the gateway hands it to the inbox and as the inbox stored it, a part of a
message it could not use (:class:`NewQuarantineItem`), and the rule for which of two results with
the same key is kept (:func:`replaces`).

Plain values (the import-linter pure-core contract in ``pyproject.toml``): the inbox
(``referral.inbox``) stores and reads them; pure cores that judge a stored result
(``devices.hold``, ``triage.intake``) take them from here without importing the database.
"""

from __future__ import annotations

import re
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
    unit ("1" for "%") confirms it, and so does the same unit written differently
    (:func:`same_unit`: "mg/dl" for "mg/dL", "mmHg" for "mm[Hg]", "MG/DL" for "mg/dL"; not "MU/L"
    for "mU/L", which may be mega-units). Then the U does not confirm the value: it is kept as sent,
    held (``referral.inbox``), never relabelled. ``triage devices replay`` applies the same rule."""
    if not said_device_unit:
        return False
    return not same_unit(said_device_unit, had_device_unit or "") and not same_unit(
        said_unit or "", had_unit or ""
    )


#: A litre alone or after a prefix letter ("l", "dl", "ul", "ml"), as an atom of its own.
_LITRE = re.compile(r"(?<![A-Za-z\[])([a-zA-Z]?)l(?![A-Za-z\]])")
#: An atom of a unit: letters, with a bracketed symbol ("[IU]", "[HG]").
_ATOM = re.compile(r"[A-Za-z]*(?:\[[^\]]*\])?[A-Za-z]*")
#: Atoms whose capitals read as another unit of the same kind case-sensitively (milli/pico in the
#: case-insensitive form, mega/peta in the case-sensitive one, of litres and units; "[IU]" also
#: with its brackets set aside).
_TWO_READINGS = re.compile(r"[MP](?:L|U|\[IU\]|IU)")


def litre_as_l(unit: str) -> str:
    """``unit`` with the litre written ``L`` ("mmol/l" -> "mmol/L"): UCUM's case-sensitive form has both."""
    return _LITRE.sub(lambda m: f"{m.group(1)}L", unit)


def capitals(unit: str) -> bool:
    """Whether ``unit`` is written all in capitals (UCUM's case-insensitive form), a letter at least."""
    return any(c.isalpha() for c in unit) and not any(c.islower() for c in unit)


def two_readings(unit: str) -> str | None:
    """The atom of ``unit`` (capitals) that reads as another unit case-sensitively, if any: an ``M``
    or ``P`` before ``L``, ``U`` or ``[IU]`` is milli or pico case-insensitively, mega or peta
    case-sensitively ("MU/L": mU/L or MU/L, a factor of 10^9)."""
    return next((a for a in _ATOM.findall(unit) if a and _TWO_READINGS.fullmatch(a)), None)


def readings(atom: str) -> tuple[str, str]:
    """The prefix an atom of :func:`two_readings` has case-insensitively and case-sensitively."""
    return ("milli", "mega") if atom[0] == "M" else ("pico", "peta")


def case_alike(unit: str, other: str) -> bool:
    """Whether ``unit`` and ``other`` are one unit in UCUM's two forms (``devices.unit_case``): the
    litre written ``l`` or ``L``, or one of them all in capitals (the case-insensitive form) where
    its capitals read as no other unit case-sensitively (:func:`two_readings`). Any other
    difference of case ("Mg/dL": a megagram case-sensitively) is another unit."""
    a, b = litre_as_l(unit), litre_as_l(other)
    return a == b or any(
        capitals(x) and two_readings(x) is None and x == y.upper() for x, y in ((a, b), (b, a))
    )


def same_unit(unit: str, other: str) -> bool:
    """Whether ``unit`` and ``other`` are one unit written differently: its spaces, UCUM's brackets,
    the micro sign and ``^`` for ``*`` aside (``mm[Hg]``, ``mmHg`` and ``mm Hg``; ``µmol/L`` and
    ``umol/L``; ``10^9/L`` and ``10*9/L``), and its letter case as UCUM reads it
    (:func:`case_alike`: "mg/dl" and "MG/DL" are "mg/dL", "MU/L" is not "mU/L"). The one place that
    decides it, for the inbox's status changes and the mapping's advice alike. Units whose values
    differ (mg/dL and mmol/L, % and mmol/mol) never are."""
    return case_alike(_marks_aside(unit), _marks_aside(other))


def _marks_aside(unit: str) -> str:
    text = litre_as_l(unit.strip().replace("\u00b5", "u").replace("\u03bc", "u"))  # micro sign, Greek mu
    for mark, instead in ((" ", ""), ("[", ""), ("]", ""), ("^", "*")):
        text = text.replace(mark, instead)
    return text
