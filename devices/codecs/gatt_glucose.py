"""Bluetooth Glucose Service 0x1808: Glucose Measurement 0x2A18 and its Context 0x2A34 (pure).

Glucose Measurement (little-endian; the flags byte decides which fields follow)::

    flags u8 | sequence number u16 | base time (7 bytes) | [time offset s16, minutes]   (bit 0)
    | [concentration SFLOAT, type-sample location u8]                                (bit 1)
    | [sensor status annunciation u16]                                               (bit 3)

    bit 2: concentration in mol/L (else kg/L); bit 4: a Context record with the same sequence
    number follows.

The type is the low nibble of the type-sample location byte (1 capillary whole blood ... 10
control solution), the sample location the high nibble (1 finger, 2 alternate site, 3 earlobe,
4 control solution, 15 not available). Units become the triage vocabulary's: kg/L x 10^5 = mg/dL
and mol/L x 10^3 = mmol/L, exactly (decimal arithmetic on the SFLOAT's mantissa and exponent).

Glucose Measurement Context::

    flags u8 | sequence number u16 | [extended flags u8] (bit 7)
    | [carbohydrate id u8, carbohydrate SFLOAT kg] (bit 0) | [meal u8] (bit 1)
    | [tester-health u8] (bit 2) | [exercise duration u16 s, intensity u8 %] (bit 3)
    | [medication id u8, medication SFLOAT] (bit 4; bit 5: litres, else kilograms)
    | [HbA1c SFLOAT %] (bit 6)

Meal 1 preprandial, 2 postprandial, 3 fasting, 4 casual, 5 bedtime. Only "fasting" gives the
vendor code ``GLU-FASTING`` (mapped to the vocabulary's fasting glucose); every other reading,
with or without context, is ``GLU`` (random glucose): "before a meal" is not a diagnostic fast,
and calling a random value fasting would apply the lower fasting cut-offs to it.

Safety rules kept here: a control-solution reading (type 10 or location 4) is QC and never feeds
triage; special SFLOAT values are "no value", never a number; a reading the meter flags as above
or below its range keeps the limit as a censored value (``>600``, ``<20``); the annunciations
that say the value itself is not trustworthy (sensor malfunction, sample too small, strip
errors, temperature out of range, read interrupted, device fault) and a meter whose clock is
unknown or faulty make the result ``preliminary`` (held for a person, never fed automatically).
Every annunciation is kept as a flag (``sensor:<name>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from devices.codecs.ieee11073 import (
    FlaggedFields,
    Number,
    decimal_text,
    read_date_time,
    read_uint,
    sfloat_parts,
)

MEASUREMENT_UUID = "2a18"
CONTEXT_UUID = "2a34"

SAMPLE_TYPES = {
    1: "capillary whole blood",
    2: "capillary plasma",
    3: "venous whole blood",
    4: "venous plasma",
    5: "arterial whole blood",
    6: "arterial plasma",
    7: "undetermined whole blood",
    8: "undetermined plasma",
    9: "interstitial fluid",
    10: "control solution",
}
SAMPLE_LOCATIONS = {
    1: "finger",
    2: "alternate site test",
    3: "earlobe",
    4: "control solution",
    15: "not available",
}
CONTROL_TYPE, CONTROL_LOCATION = 10, 4
MEALS = {1: "preprandial", 2: "postprandial", 3: "fasting", 4: "casual", 5: "bedtime"}
FASTING = 3
#: Sensor Status Annunciation bits.
ANNUNCIATIONS = {
    0: "battery_low",
    1: "sensor_malfunction",
    2: "sample_size_insufficient",
    3: "strip_insertion_error",
    4: "strip_type_incorrect",
    5: "result_above_range",
    6: "result_below_range",
    7: "temperature_too_high",
    8: "temperature_too_low",
    9: "read_interrupted",
    10: "general_device_fault",
    11: "time_fault",
}
#: Annunciations that make the value (or its time) untrustworthy: the result is held.
UNTRUSTWORTHY = frozenset(
    {
        "sensor_malfunction",
        "sample_size_insufficient",
        "strip_insertion_error",
        "strip_type_incorrect",
        "temperature_too_high",
        "temperature_too_low",
        "read_interrupted",
        "general_device_fault",
        "time_fault",
    }
)


@dataclass(frozen=True, slots=True)
class GlucoseMeasurement:
    sequence: int
    base_time: datetime | None
    time_offset_min: int | None
    concentration: Number | None  # mantissa, exponent in ``unit``; None: absent or special
    unit: str | None  # "kg/L" or "mol/L" when the concentration field is present
    sample_type: int | None
    sample_location: int | None
    annunciation: int | None
    context_follows: bool

    @property
    def time(self) -> datetime | None:
        """Base time plus time offset (the meter's own clock), or None when it is not known."""
        if self.base_time is None:
            return None
        return self.base_time + timedelta(minutes=self.time_offset_min or 0)

    @property
    def control_solution(self) -> bool:
        return self.sample_type == CONTROL_TYPE or self.sample_location == CONTROL_LOCATION

    @property
    def annunciations(self) -> tuple[str, ...]:
        bits = self.annunciation or 0
        return tuple(ANNUNCIATIONS.get(bit, f"reserved_bit_{bit}") for bit in range(16) if bits >> bit & 1)

    def value_and_unit(self) -> tuple[str, str]:
        """The concentration as vocabulary text and unit: ('95', 'mg/dL') or ('5.3', 'mmol/L');
        ('', unit) when the meter sent a special value (no value)."""
        unit = "mmol/L" if self.unit == "mol/L" else "mg/dL"
        if self.concentration is None:
            return "", unit
        return decimal_text(self.concentration, 3 if self.unit == "mol/L" else 5), unit


def decode_measurement(data: bytes) -> GlucoseMeasurement:
    """Decode one 0x2A18 notification; :class:`CodecError` names the field and byte offset."""
    flags = read_uint(data, 0, 1, "glucose measurement flags")
    sequence = read_uint(data, 1, 2, "glucose measurement sequence number")
    base_time = read_date_time(data, 3, "glucose measurement base time")
    fields = FlaggedFields(data, "glucose measurement", flags, 10)
    offset = fields.take(0x01, 2, "glucose measurement time offset")
    if offset is not None and offset >= 0x8000:
        offset -= 0x10000
    raw_concentration = fields.take(0x02, 2, "glucose concentration")
    type_location = fields.take(0x02, 1, "glucose type-sample location")
    annunciation = fields.take(0x08, 2, "glucose sensor status annunciation")
    fields.end()
    present = raw_concentration is not None and type_location is not None
    return GlucoseMeasurement(
        sequence=sequence,
        base_time=base_time,
        time_offset_min=offset,
        concentration=sfloat_parts(raw_concentration) if raw_concentration is not None else None,
        unit=("mol/L" if flags & 0x04 else "kg/L") if present else None,
        sample_type=type_location & 0x0F if type_location is not None else None,
        sample_location=type_location >> 4 if type_location is not None else None,
        annunciation=annunciation,
        context_follows=bool(flags & 0x10),
    )


@dataclass(frozen=True, slots=True)
class GlucoseContext:
    sequence: int
    meal: int | None
    tester: int | None
    health: int | None
    hba1c: Number | None

    @property
    def meal_name(self) -> str | None:
        return None if self.meal is None else MEALS.get(self.meal, f"meal code {self.meal}")


def decode_context(data: bytes) -> GlucoseContext:
    """Decode one 0x2A34 notification; :class:`CodecError` names the field and byte offset."""
    flags = read_uint(data, 0, 1, "glucose context flags")
    sequence = read_uint(data, 1, 2, "glucose context sequence number")
    fields = FlaggedFields(data, "glucose context", flags, 3)
    fields.take(0x80, 1, "glucose context extended flags")
    fields.take(0x01, 3, "glucose context carbohydrate")
    meal = fields.take(0x02, 1, "glucose context meal")
    tester_health = fields.take(0x04, 1, "glucose context tester-health")
    fields.take(0x08, 3, "glucose context exercise")
    fields.take(0x10, 3, "glucose context medication")
    hba1c = fields.take(0x40, 2, "glucose context HbA1c")
    fields.end()
    return GlucoseContext(
        sequence=sequence,
        meal=meal,
        tester=tester_health & 0x0F if tester_health is not None else None,
        health=tester_health >> 4 if tester_health is not None else None,
        hba1c=sfloat_parts(hba1c) if hba1c is not None else None,
    )
