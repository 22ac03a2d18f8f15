"""Canonical observations: one measured or coded result, in the canonical unit of its code.

An :class:`Observation` is immutable and always valid: the code exists in
:data:`triage.vocabulary.CONCEPTS`, numeric values are in the canonical UCUM unit and inside the
plausibility range, coded values are one of the allowed answers, and the time is timezone-aware.
Build one from device or user input with :meth:`Observation.create`, which parses censored
strings (``">33.3"``, ``"<0.1"``) and converts accepted units.

Censored values
---------------
A device may report a value outside its measuring range as ``>33.3`` (mmol/L glucose, "HI") or
``<1.1`` ("LO"). The observation keeps the bound in ``value`` and the comparator in
``comparator``. Rules and scores read :attr:`Observation.numeric`, the *least extreme* value the
result is consistent with:

- ``>x`` counts as just above ``x`` and ``>=x`` as ``x``: glucose ``>33.3`` is above every
  threshold at or below 33.3, so a crisis rule at 33.3 fires; a threshold above 33.3 cannot be
  decided from it and does not fire;
- ``<x`` counts as just below ``x`` and ``<=x`` as ``x``: glucose ``<1.1`` is below every
  threshold at or above 1.1, so a hypoglycaemia rule at 3.0 fires.

Scores report which of their inputs were censored (see ``triage.scores.result``). The bound itself
must lie in the plausibility range, so ``>80`` mmol/L glucose is rejected like ``80`` would be.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from triage.errors import ImplausibleValueError, UserInputError, json_text
from triage.trusted import trusted
from triage.units import resolve_unit, to_canonical
from triage.vocabulary import Concept, Kind, concept

Comparator = Literal["<", ">", "<=", ">="]

_CENSORED = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*([-+]?[0-9]+(?:\.[0-9]*)?|[-+]?\.[0-9]+)\s*$")
# A number as text: ASCII digits, an optional decimal point and exponent - not Python's float()
# syntax, which also reads "7_0" as 70, "nan", "inf" and other scripts' digits ("٧٠")
_NUMBER = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_SYMBOLS = {"≤": "<=", "≥": ">="}


class Status(StrEnum):
    """Result status, as HL7 v2 OBX-11 / FHIR Observation.status use it."""

    final = "final"
    preliminary = "preliminary"
    corrected = "corrected"
    cannot_be_done = "cannot_be_done"


def _range_text(c: Concept) -> str:
    return f"{c.low:g}-{c.high:g} {c.unit}"


def check_plausible(
    code: str, value: float, unit: str | None = None, *, shown: str | None = None, converted: bool = False
) -> None:
    """Raise :class:`ImplausibleValueError` if canonical ``value`` is outside the range of ``code``.

    ``shown`` is the value as the user gave it (e.g. ``"266 [degF]"``) for the message.
    """
    c = concept(code)
    assert c.low is not None and c.high is not None
    if not math.isfinite(value) or value < c.low or value > c.high:
        given = shown if shown is not None else f"{value:g} {unit or c.unit}"
        canonical = f" (= {_four_digits(value)} {c.unit})" if converted and math.isfinite(value) else ""
        raise ImplausibleValueError(
            f"{code}: value {given}{canonical} is outside the plausible range {_range_text(c)}"
        )


def parse_censored(raw: str) -> tuple[Comparator | None, float] | None:
    """``">8"`` -> ``(">", 8.0)``; ``"5.6"`` -> ``(None, 5.6)``; anything else -> ``None``."""
    text = raw.strip()
    m = _CENSORED.match(text)
    if m:
        op = _SYMBOLS.get(m.group(1), m.group(1))
        return op, float(m.group(2))  # type: ignore[return-value]
    if _NUMBER.match(text) is None:
        return None
    return None, float(text)


class Observation(BaseModel):
    """One result in canonical form. Construct with :meth:`create` from raw input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    value: float | str | None
    comparator: Comparator | None = None
    unit: str = ""
    observed_at: AwareDatetime
    device: str | None = None
    status: Status = Status.final
    qc: bool = False
    source_message_id: str | None = None
    loinc: str = Field("", description="LOINC code of ``code``; filled in from the vocabulary")
    reported_value: float | None = Field(None, description="The number as received, when it was converted")
    reported_unit: str | None = Field(None, description="The unit as received (UCUM), when it was converted")

    def model_post_init(self, context: Any, /) -> None:
        # Runs when an Observation is built (create(), the constructor, model_validate) but not when
        # an existing, already-checked instance is passed on inside another model.
        self._check()
        expected = concept(self.code).loinc
        if not self.loinc:
            object.__setattr__(self, "loinc", expected)
        elif self.loinc != expected:
            raise UserInputError(
                f"{self.code}: loinc {json_text(self.loinc)} does not match the vocabulary's {json_text(expected)}"
            )

    def _check(self) -> None:
        c = concept(self.code)
        if self.status is Status.cannot_be_done:
            if self.value is not None:
                raise UserInputError(
                    f"{self.code}: a cannot_be_done result carries no value, got {json_text(self.value)}"
                )
            return
        if self.value is None:
            raise UserInputError(f"{self.code}: value is missing (only cannot_be_done results have no value)")
        if c.kind is Kind.CODED:
            if not isinstance(self.value, str) or self.value not in c.answers:
                raise UserInputError(
                    f"{self.code}: value {json_text(self.value)} is not an allowed answer; use one of: "
                    f"{', '.join(c.answers)}"
                )
            if self.comparator is not None:
                raise UserInputError(f"{self.code}: a coded value cannot be censored")
            if self.unit:
                raise UserInputError(
                    f"{self.code}: coded observation takes no unit, got {json_text(self.unit)}"
                )
            return
        if isinstance(self.value, str | bool):
            raise UserInputError(f"{self.code}: value {json_text(self.value)} must be a number in {c.unit}")
        if self.unit != c.unit:
            raise UserInputError(
                f"{self.code}: unit {json_text(self.unit)} is not the canonical unit {json_text(c.unit)}; "
                "use Observation.create() to convert"
            )
        check_plausible(self.code, float(self.value), c.unit)

    @classmethod
    def create(
        cls,
        code: str,
        value: float | int | str | None,
        unit: str | None = None,
        *,
        observed_at: datetime | str,
        status: Status | str = Status.final,
        device: str | None = None,
        qc: bool = False,
        comparator: Comparator | None = None,
        source_message_id: str | None = None,
    ) -> Observation:
        """Validate raw input and convert it to canonical form.

        ``value`` may be a number, a numeric string, a censored string (``">8"``, ``"<0.1"``) or,
        for coded concepts, an answer string (case-insensitive for ACVPU letters and air/oxygen).
        Raises ``UnknownCodeError``, ``UnitError``, ``ImplausibleValueError`` or ``UserInputError``
        naming the code, value, unit and allowed range.
        """
        c = concept(code)
        st = _status(code, status)
        when = _timestamp(code, observed_at)
        if st is Status.cannot_be_done:
            if value not in (None, ""):
                raise UserInputError(
                    f"{code}: a cannot_be_done result carries no value, got {json_text(value)}"
                )
            ucum = resolve_unit(code, unit)
            return cls(
                code=code,
                value=None,
                unit=ucum,
                observed_at=when,
                device=device,
                status=st,
                qc=qc,
                source_message_id=source_message_id,
            )
        if c.kind is Kind.CODED:
            resolve_unit(code, unit)
            answer = _answer(c, value)
            return cls(
                code=code,
                value=answer,
                observed_at=when,
                device=device,
                status=st,
                qc=qc,
                source_message_id=source_message_id,
            )
        op, number = _number(code, value, unit, comparator)
        ucum = resolve_unit(code, unit)
        if not math.isfinite(number):
            raise ImplausibleValueError(f"{code}: value {_shown(op, number, ucum)} is not a finite number")
        converted = ucum != c.unit
        canonical = to_canonical(code, number, ucum) if converted else number
        if converted:
            # Drop binary representation noise from the conversion (102.2 F -> 39.000000000000014 C)
            # so that a converted value on a published cut-point scores exactly like the cut-point.
            canonical = round(canonical, 9)
        assert c.low is not None and c.high is not None
        if not c.low <= canonical <= c.high:
            check_plausible(code, canonical, shown=_shown(op, number, ucum), converted=converted)
        if (
            qc.__class__ is bool
            and (device is None or device.__class__ is str)
            and (source_message_id is None or source_message_id.__class__ is str)
        ):
            # Everything is checked and in canonical form: build without running the validator
            # again (``tests/triage/test_observation.py`` compares with the validated twin).
            return trusted(
                cls,
                {
                    "code": code,
                    "value": canonical,
                    "comparator": op,
                    "unit": c.unit,
                    "observed_at": when,
                    "device": device,
                    "status": st,
                    "qc": qc,
                    "source_message_id": source_message_id,
                    "loinc": c.loinc,
                    "reported_value": number if converted else None,
                    "reported_unit": ucum if converted else None,
                },
            )
        return cls(
            code=code,
            value=canonical,
            comparator=op,
            unit=c.unit,
            reported_value=number if converted else None,
            reported_unit=ucum if converted else None,
            observed_at=when,
            device=device,
            status=st,
            qc=qc,
            source_message_id=source_message_id,
        )

    @property
    def usable(self) -> bool:
        """True when the result may feed a decision: final or corrected, not QC, has a value."""
        return self.status in (Status.final, Status.corrected) and not self.qc and self.value is not None

    @property
    def censored(self) -> bool:
        return self.comparator is not None

    def reported_numeric(self, unit: str) -> float | None:
        """Like :attr:`numeric` but in ``unit``, when the value was received in that unit."""
        if self.reported_unit != unit or self.reported_value is None:
            return None
        return _nudge(self.reported_value, self.comparator)

    @property
    def numeric(self) -> float | None:
        """The value rules compare against (see "Censored values" above); ``None`` if not numeric."""
        if self.value is None or isinstance(self.value, str):
            return None
        return _nudge(float(self.value), self.comparator)

    def display_value(self, units: Mapping[str, str] | None = None) -> str:
        """The value as a person reads it: ``>33.3 mmol/L``, ``A``, ``cannot be done``; a converted
        value to its code's decimals (``Concept.decimals``) with the value as reported:
        ``7.8 % (reported 62 mmol/mol)``. ``units`` maps the canonical (UCUM) unit to the one a
        reason writes (``mm[Hg]`` -> ``mmHg``: ``triage.phrases.MODEL_UNITS``); without it, or for a
        unit it does not name, the UCUM unit."""
        if self.value is None:
            return "cannot be done"
        if isinstance(self.value, str):
            return self.value
        unit = self.unit if units is None else units.get(self.unit, self.unit)
        if self.reported_unit is None or self.reported_value is None:
            return f"{self.comparator or ''}{_four_digits(self.value)} {unit}"
        # converted: to the decimals a laboratory reports in the canonical unit (HbA1c 62 mmol/mol
        # is 7.8 %, not 7.823 %); the engine scores the unrounded value
        return (
            f"{self.comparator or ''}{_to_decimals(self.value, concept(self.code).decimals)} {unit}"
            f" (reported {self.comparator or ''}{self.reported_value:g} {self.reported_unit})"
        )


def _four_digits(value: float) -> str:
    """Four significant digits, but every whole digit from 10,000 up: troponin 12345 ng/L, not
    ``1.234e+04`` (what ``:.4g`` writes)."""
    return f"{value:.0f}" if abs(value) >= 10_000 else f"{value:.4g}"


def _to_decimals(value: float, decimals: int) -> str:
    """``value`` to ``decimals`` places, a half rounded up as a laboratory does (136.5 g/L: 137),
    not to the even neighbour (``f"{136.5:.0f}"`` is ``136``)."""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP))


def _shown(op: str | None, number: float, ucum: str) -> str:
    return f"{'' if op is None else op}{number:g} {ucum}"


def _nudge(v: float, comparator: str | None) -> float:
    if comparator == ">":
        return math.nextafter(v, math.inf)
    if comparator == "<":
        return math.nextafter(v, -math.inf)
    return v


def _status(code: str, status: Status | str) -> Status:
    try:
        return Status(status)
    except ValueError:
        raise UserInputError(
            f"{code}: status {json_text(status)} is not one of: {', '.join(s.value for s in Status)}"
        ) from None


def _timestamp(code: str, observed_at: datetime | str) -> datetime:
    when: datetime
    if isinstance(observed_at, str):
        try:
            when = datetime.fromisoformat(observed_at.strip().replace("Z", "+00:00"))
        except ValueError:
            raise UserInputError(
                f"{code}: observed_at {json_text(observed_at)} is not an ISO 8601 time (e.g. 2026-11-25T08:30:00+08:00)"
            ) from None
    elif isinstance(observed_at, datetime):
        when = observed_at
    else:
        raise UserInputError(f"{code}: observed_at must be an ISO 8601 time, got {json_text(observed_at)}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise UserInputError(
            f"{code}: observed_at {when.isoformat()} has no timezone; add one (e.g. +08:00 or Z)"
        )
    if not 1 < when.year < 9999:
        # in years 1 and 9999 a time may not be convertible to UTC or the clinic's zone at all
        raise UserInputError(
            f"{code}: observed_at {when.isoformat()} is out of range (year {when.year});"
            " check the device's clock"
        )
    return when


def _answer(c: Concept, value: Any) -> str:
    if not isinstance(value, str):
        raise UserInputError(
            f"{c.code}: value {json_text(value)} is not an allowed answer; use one of: {', '.join(c.answers)}"
        )
    text = value.strip()
    for answer in c.answers:
        if text == answer or text.lower() == answer.lower():
            return answer
    raise UserInputError(
        f"{c.code}: value {json_text(value)} is not an allowed answer; use one of: {', '.join(c.answers)}"
    )


def _number(
    code: str, value: Any, unit: str | None, comparator: Comparator | None
) -> tuple[Comparator | None, float]:
    c = concept(code)
    if value is None or value == "":
        raise UserInputError(f"{code}: value is missing (only cannot_be_done results have no value)")
    if isinstance(value, bool):
        raise UserInputError(f"{code}: value {json_text(value)} must be a number in {unit or c.unit}")
    if isinstance(value, int | float):
        try:
            return comparator, float(value)
        except OverflowError:  # an integer beyond any float (JSON allows any number of digits)
            raise UserInputError(
                f"{code}: value has {len(str(value))} digits, too large to be a number in {unit or c.unit}"
            ) from None
    if isinstance(value, str):
        parsed = parse_censored(value)
        if parsed is None:
            raise UserInputError(
                f"{code}: value {json_text(value)} is not a number or a censored number like '>33.3' or '<0.1'"
            )
        op, number = parsed
        if op is not None and comparator is not None and op != comparator:
            raise UserInputError(
                f"{code}: value {json_text(value)} conflicts with comparator {json_text(comparator)}"
            )
        return (op or comparator), number
    raise UserInputError(f"{code}: value {json_text(value)} must be a number in {unit or c.unit}")
