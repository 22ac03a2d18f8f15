"""Bluetooth LE Weight Scale: Weight Measurement 0x2A9D (pure).

Weight Measurement (0x181D service, indicated)::

    flags u8 | weight u16 | [time stamp, 7 bytes] (bit 1) | [user id u8] (bit 2)
    | [BMI u16, height u16] (bit 3)

    bit 0: imperial units - weight in pounds, height in inches (else kilograms and metres).
    weight 0xFFFF: "measurement unsuccessful" - no value, never 0; the BMI the scale computed
    from it is then no value either.

The fields have FIXED steps (GATT Specification Supplement, Weight Measurement): weight 0.005 kg
or 0.01 lb, height 0.001 m or 0.1 in, BMI 0.1 kg/m2. The Weight Scale Feature 0x2A9E's
"resolution" codes say how fine the scale actually measures (a 0.1 kg scale sends multiples of
20 steps), not the step of the encoding; the gateway does not need it, and reading the weight
with it would multiply a 70 kg patient into hundreds of kilograms.

Vendor codes ``WT`` (``kg`` or ``[lb_av]``), ``HT`` (``cm`` - metres shifted exactly - or
``[in_i]``) and ``BMI`` (``kg/m2``); triage converts pounds and inches. The user id is the
scale's own user slot, kept as a comment, never a patient id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devices.codecs.gatt import measurement_id
from devices.codecs.gatt_vitals import vital_result
from devices.codecs.ieee11073 import FlaggedFields, Number, read_date_time, read_uint
from devices.profile import DeviceProfile
from devices.results import DeviceResult, Quarantine
from devices.tolerance import ToleranceCounter

WEIGHT_UUID = "2a9d"
UNSUCCESSFUL = 0xFFFF
UNKNOWN_USER = 0xFF

#: Steps of the fields, as (mantissa, exponent).
WEIGHT_STEP_KG = (5, -3)
WEIGHT_STEP_LB = (1, -2)
HEIGHT_STEP_CM = (1, -1)  # 0.001 m
HEIGHT_STEP_IN = (1, -1)
BMI_STEP = (1, -1)


def _steps(n: int, step: Number) -> Number:
    return n * step[0], step[1]


@dataclass(frozen=True, slots=True)
class WeightMeasurement:
    weight: Number | None  # None: measurement unsuccessful
    weight_unit: str  # "kg" or "[lb_av]"
    timestamp: datetime | None
    user: int | None
    bmi: Number | None
    height: Number | None  # cm or [in_i]
    height_unit: str  # "cm" or "[in_i]"


def decode_weight(data: bytes) -> WeightMeasurement:
    """Decode one 0x2A9D indication; :class:`CodecError` names the field and byte offset."""
    flags = read_uint(data, 0, 1, "weight flags")
    raw_weight = read_uint(data, 1, 2, "weight")
    timestamp = read_date_time(data, 3, "weight time stamp") if flags & 0x02 else None
    fields = FlaggedFields(data, "weight measurement", flags, 10 if flags & 0x02 else 3)
    user = fields.take(0x04, 1, "weight user id")
    raw_bmi = fields.take(0x08, 2, "weight BMI")
    raw_height = None
    if raw_bmi is not None:
        raw_height = read_uint(data, fields.pos, 2, "weight height")
        fields.pos += 2
    fields.end()
    imperial = bool(flags & 0x01)
    weight = None
    if raw_weight != UNSUCCESSFUL:
        weight = _steps(raw_weight, WEIGHT_STEP_LB if imperial else WEIGHT_STEP_KG)
    height = None
    if raw_height is not None:
        height = _steps(raw_height, HEIGHT_STEP_IN if imperial else HEIGHT_STEP_CM)
    bmi = _steps(raw_bmi, BMI_STEP) if raw_bmi is not None and weight is not None else None
    return WeightMeasurement(
        weight,
        "[lb_av]" if imperial else "kg",
        timestamp,
        user,
        bmi,
        height,
        "[in_i]" if imperial else "cm",
    )


def weight_results(
    profile: DeviceProfile, m: WeightMeasurement, raw: bytes, counter: ToleranceCounter, data: bytes
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """A decoded weight measurement -> ``WT`` (always; no value when unsuccessful), and ``BMI``
    and ``HT`` when the scale sent them; their sample id is the measurement's (``data``, the 2A9D
    value: :func:`devices.codecs.gatt.measurement_id`), so the scale's two users weighed in one
    minute are two weighings."""
    comments: tuple[str, ...] = ()
    if m.user is not None:
        comments = ("scale user unknown" if m.user == UNKNOWN_USER else f"scale user {m.user}",)
    unsuccessful = ("measurement unsuccessful",) if m.weight is None else ()
    readings: list[tuple[str, Number | None, str, tuple[str, ...]]] = [
        ("WT", m.weight, m.weight_unit, comments + unsuccessful)
    ]
    if m.height is not None:
        readings.append(("BMI", m.bmi, "kg/m2", comments + unsuccessful))
        readings.append(("HT", m.height, m.height_unit, comments))
    sample = measurement_id(WEIGHT_UUID, data)
    results, problems = [], []
    for code, value, unit, notes in readings:
        result, problem = vital_result(
            profile, raw, counter, code, value, unit, m.timestamp, sample=sample, comments=notes
        )
        results.append(result)
        if problem is not None:
            problems.append(problem)
    return results, problems
