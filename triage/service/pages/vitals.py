"""The vital-signs form of the patient page: one field for each of a set of observations (the
NEWS2 chart's, in its order), any subset filled, sent once. Every field is checked before anything
is stored: one bad field and none is recorded, the form coming back with the error beside it. A
diastolic pressure at or above the systolic (swapped fields) is an error beside both."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from referral.clock import Clock
from triage.bp_pair import SwappedPressuresError, check_pairs
from triage.errors import ClinicError, UnitError
from triage.observation import Observation
from triage.service.i18n import catalogue
from triage.service.pages.forms import VITAL_SIGNS, FieldError, field_error, reading_error
from triage.vocabulary import CONCEPTS

# the temperature's units the form offers (°C, °F), the first one chosen unless the nurse says otherwise
TEMPERATURE_UNITS = ("Cel", "[degF]")
TEMPERATURE_UNIT = "temperature_unit"  # the form field that says which


@dataclass(frozen=True)
class VitalField:
    """A field of the form: its reading's code, its unit (UCUM, blank for an answer) and the
    answers a coded reading offers."""

    code: str
    unit: str
    answers: tuple[str, ...]


FIELDS = tuple(
    VitalField(code, CONCEPTS[code].unit, CONCEPTS[code].answers) for code in VITAL_SIGNS if code in CONCEPTS
)


Typed = Annotated[str, Field(max_length=300)]  # as typed, checked by read_vital_signs


class VitalSigns(BaseModel):
    """The form as sent: each field as typed (blank: not measured)."""

    resp_rate: Typed = ""
    spo2: Typed = ""
    supplemental_o2: Typed = ""
    sbp: Typed = ""
    dbp: Typed = ""
    heart_rate: Typed = ""
    consciousness: Typed = ""
    temperature: Typed = ""
    temperature_unit: Typed = TEMPERATURE_UNITS[0]


def _plausible_in_fahrenheit(typed: str, observed_at: datetime) -> bool:
    """A temperature refused in °C that is a body temperature in °F (98.6 typed with °C chosen)."""
    try:
        Observation.create("temperature", typed, TEMPERATURE_UNITS[1], observed_at=observed_at)
    except ClinicError:
        return False
    return True


def read_vital_signs(
    values: Mapping[str, str], language: str, observed_at: datetime, clinic: Clock
) -> tuple[list[Observation], dict[str, FieldError]]:
    """The readings the form gives (its blank fields left out), all observed at ``observed_at``,
    and each bad field's error in ``language`` (a time in ``clinic``'s zone); the caller stores the readings only when there is
    no error at all."""
    readings: list[Observation] = []
    errors: dict[str, FieldError] = {}
    for vital in FIELDS:
        typed = values.get(vital.code, "").strip()
        unit = values.get(TEMPERATURE_UNIT, TEMPERATURE_UNITS[0]) if vital.code == "temperature" else None
        if not typed:
            continue
        try:
            if unit is not None and unit not in TEMPERATURE_UNITS:
                raise UnitError(f"temperature: unit {unit!r} is not one of {', '.join(TEMPERATURE_UNITS)}")
            readings.append(
                Observation.create(vital.code, typed, unit, observed_at=observed_at, device="manual entry")
            )
        except ClinicError as exc:
            errors[vital.code] = reading_error(language, vital.code, exc, unit_field=False)
            if unit == TEMPERATURE_UNITS[0] and _plausible_in_fahrenheit(typed, observed_at):
                error = errors[vital.code]
                hint = catalogue(language)("entry.temperature_in_fahrenheit", given=typed)
                errors[vital.code] = FieldError(f"{error.text} {hint}", error.detail)
    try:  # systolic and diastolic of one measurement: the diastolic is the lower (triage.bp_pair)
        check_pairs(readings)
    except SwappedPressuresError as exc:
        errors["sbp"] = errors["dbp"] = field_error(language, exc, clinic)
    return readings, errors
