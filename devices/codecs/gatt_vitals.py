"""Bluetooth LE Health Thermometer 0x2A1C, PLX Spot-check 0x2A5E and PLX Continuous 0x2A5F (pure).

Temperature Measurement (0x1809 service, indicated)::

    flags u8 | temperature FLOAT (32-bit) | [time stamp, 7 bytes] (bit 1) | [type u8] (bit 2)

    bit 0: Fahrenheit (else Celsius). Vendor code ``TEMP``, unit ``Cel`` or ``[degF]`` (triage
    converts). The FLOAT specials (NaN, NRes, +-INF, reserved) are "no value".

PLX Spot-check Measurement (0x1822 service, indicated)::

    flags u8 | SpO2 SFLOAT % | pulse rate SFLOAT /min | [time stamp] (bit 0)
    | [measurement status u16] (bit 1) | [device and sensor status u24] (bit 2)
    | [pulse amplitude index SFLOAT %] (bit 3)          bit 4: the device clock is not set

    Vendor codes ``SPO2`` (%) and ``PR`` (/min). A reading the oximeter marks as data for
    demonstration or testing is QC; one it marks as ongoing, early estimate, unavailable,
    questionable or invalid, one sent from its storage (it may be an earlier patient's), or taken with a device or sensor problem (malfunction, inadequate or
    poor signal, low perfusion, erratic or non-pulsatile signal, questionable pulse, interference,
    sensor off the patient, unknown, displaced, malfunctioning or disconnected sensor), is
    ``preliminary``: held for a person, never fed automatically. Every status bit is kept as a flag.

PLX Continuous Measurement (0x1822 service, notified about once a second)::

    flags u8 | SpO2 SFLOAT % | pulse rate SFLOAT /min (SpO2PR-Normal)
    | [SpO2, pulse rate SFLOAT] (bit 0, SpO2PR-Fast) | [SpO2, pulse rate SFLOAT] (bit 1, SpO2PR-Slow)
    | [measurement status u16] (bit 2) | [device and sensor status u24] (bit 3)
    | [pulse amplitude index SFLOAT %] (bit 4)

    The Normal pair becomes ``SPO2`` and ``PR`` (no time stamp: the receipt time is the reading's
    time); Fast and Slow averages are kept as a comment. The statuses are read as for the
    spot-check: "measurement ongoing" and "early estimated data" (the oximeter has not settled),
    a sensor off the finger or disconnected, low perfusion... make the reading ``preliminary``
    with the reason in a comment (``held by the oximeter's status: sensor_disconnected``);
    "validated data" and no status at all are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devices.codecs.gatt import measurement_id
from devices.codecs.ieee11073 import (
    FlaggedFields,
    Number,
    decimal_text,
    float32_parts,
    read_date_time,
    read_uint,
    sfloat_parts,
)
from devices.mapping import Fields, build_result
from devices.profile import DeviceProfile
from devices.results import DeviceResult, Quarantine, message_id
from devices.tolerance import ToleranceCounter

TEMPERATURE_UUID = "2a1c"
PLX_SPOT_CHECK_UUID = "2a5e"
PLX_CONTINUOUS_UUID = "2a5f"

TEMPERATURE_TYPES = {
    1: "armpit",
    2: "body",
    3: "ear",
    4: "finger",
    5: "gastro-intestinal tract",
    6: "mouth",
    7: "rectum",
    8: "toe",
    9: "tympanum",
}
MEASUREMENT_STATUS = {
    5: "measurement_ongoing",
    6: "early_estimated_data",
    7: "validated_data",
    8: "fully_qualified_data",
    9: "data_from_storage",
    10: "data_for_demonstration",
    11: "data_for_testing",
    12: "calibration_ongoing",
    13: "measurement_unavailable",
    14: "questionable_measurement",
    15: "invalid_measurement",
}
SENSOR_STATUS = {
    0: "extended_display_update_ongoing",
    1: "equipment_malfunction",
    2: "signal_processing_irregularity",
    3: "inadequate_signal",
    4: "poor_signal",
    5: "low_perfusion",
    6: "erratic_signal",
    7: "nonpulsatile_signal",
    8: "questionable_pulse",
    9: "signal_analysis_ongoing",
    10: "sensor_interference",
    11: "sensor_unconnected_to_user",
    12: "unknown_sensor_connected",
    13: "sensor_displaced",
    14: "sensor_malfunctioning",
    15: "sensor_disconnected",
}
QC_STATUS = frozenset({"data_for_demonstration", "data_for_testing"})
#: Statuses that hold the reading for a person (never fed automatically).
UNTRUSTWORTHY = frozenset(
    {
        "data_from_storage",
        "measurement_ongoing",
        "early_estimated_data",
        "calibration_ongoing",
        "measurement_unavailable",
        "questionable_measurement",
        "invalid_measurement",
        "equipment_malfunction",
        "signal_processing_irregularity",
        "inadequate_signal",
        "poor_signal",
        "low_perfusion",
        "erratic_signal",
        "nonpulsatile_signal",
        "questionable_pulse",
        "signal_analysis_ongoing",
        "sensor_interference",
        "sensor_unconnected_to_user",
        "unknown_sensor_connected",
        "sensor_displaced",
        "sensor_malfunctioning",
        "sensor_disconnected",
    }
)


def _bits(value: int | None, names: dict[int, str], width: int) -> tuple[str, ...]:
    bits = value or 0
    return tuple(names.get(bit, f"reserved_bit_{bit}") for bit in range(width) if bits >> bit & 1)


@dataclass(frozen=True, slots=True)
class Temperature:
    value: Number | None
    unit: str  # "Cel" or "[degF]"
    timestamp: datetime | None
    site: int | None


def decode_temperature(data: bytes) -> Temperature:
    """Decode one 0x2A1C indication; :class:`CodecError` names the field and byte offset."""
    flags = read_uint(data, 0, 1, "temperature flags")
    value = float32_parts(read_uint(data, 1, 4, "temperature value"))
    timestamp = read_date_time(data, 5, "temperature time stamp") if flags & 0x02 else None
    fields = FlaggedFields(data, "temperature", flags, 12 if flags & 0x02 else 5)
    site = fields.take(0x04, 1, "temperature type")
    fields.end()
    return Temperature(value, "[degF]" if flags & 0x01 else "Cel", timestamp, site)


@dataclass(frozen=True, slots=True)
class SpotCheck:
    spo2: Number | None
    pulse: Number | None
    timestamp: datetime | None
    measurement_status: tuple[str, ...]
    sensor_status: tuple[str, ...]
    clock_not_set: bool


def decode_spot_check(data: bytes) -> SpotCheck:
    """Decode one 0x2A5E indication; :class:`CodecError` names the field and byte offset."""
    flags = read_uint(data, 0, 1, "PLX spot-check flags")
    spo2 = sfloat_parts(read_uint(data, 1, 2, "PLX SpO2"))
    pulse = sfloat_parts(read_uint(data, 3, 2, "PLX pulse rate"))
    timestamp = read_date_time(data, 5, "PLX time stamp") if flags & 0x01 else None
    fields = FlaggedFields(data, "PLX spot-check", flags, 12 if flags & 0x01 else 5)
    measurement = fields.take(0x02, 2, "PLX measurement status")
    sensor = fields.take(0x04, 3, "PLX device and sensor status")
    fields.take(0x08, 2, "PLX pulse amplitude index")
    fields.end()
    clock_not_set = bool(flags & 0x10)
    return SpotCheck(
        spo2,
        pulse,
        None if clock_not_set else timestamp,
        _bits(measurement, MEASUREMENT_STATUS, 16),
        _bits(sensor, SENSOR_STATUS, 24),
        clock_not_set,
    )


@dataclass(frozen=True, slots=True)
class ContinuousReading:
    spo2: Number | None
    pulse: Number | None
    fast: tuple[Number | None, Number | None] | None
    slow: tuple[Number | None, Number | None] | None
    measurement_status: tuple[str, ...]
    sensor_status: tuple[str, ...]
    pulse_amplitude: Number | None

    def close_to(self, other: ContinuousReading, spo2_change: float, pulse_change: float) -> bool:
        """Whether this reading says nothing significant that ``other`` did not: the same statuses,
        the same values present, SpO2 within ``spo2_change`` points and pulse rate within
        ``pulse_change`` /min (exclusive). The pulse amplitude index, which moves with every beat,
        and the Fast/Slow averages are not compared."""
        if (self.measurement_status, self.sensor_status) != (other.measurement_status, other.sensor_status):
            return False
        return _within(self.spo2, other.spo2, spo2_change) and _within(self.pulse, other.pulse, pulse_change)


def _within(a: Number | None, b: Number | None, change: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a[0] * 10.0 ** a[1] - b[0] * 10.0 ** b[1]) < change


def decode_continuous(data: bytes) -> ContinuousReading:
    """Decode one 0x2A5F notification; :class:`CodecError` names the field and byte offset."""
    flags = read_uint(data, 0, 1, "PLX continuous flags")
    spo2 = sfloat_parts(read_uint(data, 1, 2, "PLX SpO2"))
    pulse = sfloat_parts(read_uint(data, 3, 2, "PLX pulse rate"))
    fields = FlaggedFields(data, "PLX continuous", flags, 5)
    pairs = []
    for bit, name in ((0x01, "fast"), (0x02, "slow")):
        s = fields.take(bit, 2, f"PLX SpO2 ({name})")
        p = fields.take(bit, 2, f"PLX pulse rate ({name})")
        pairs.append(None if s is None or p is None else (sfloat_parts(s), sfloat_parts(p)))
    measurement = fields.take(0x04, 2, "PLX measurement status")
    sensor = fields.take(0x08, 3, "PLX device and sensor status")
    amplitude = fields.take(0x10, 2, "PLX pulse amplitude index")
    fields.end()
    return ContinuousReading(
        spo2,
        pulse,
        pairs[0],
        pairs[1],
        _bits(measurement, MEASUREMENT_STATUS, 16),
        _bits(sensor, SENSOR_STATUS, 24),
        None if amplitude is None else sfloat_parts(amplitude),
    )


def vital_result(
    profile: DeviceProfile,
    raw: bytes,
    counter: ToleranceCounter,
    code: str,
    value: Number | None,
    unit: str,
    when: datetime | None,
    *,
    sample: str | None,
    flags: tuple[str, ...] = (),
    trusted: bool = True,
    qc: bool = False,
    comments: tuple[str, ...] = (),
) -> tuple[DeviceResult, Quarantine | None]:
    """One reading's result; ``sample`` is its measurement's identity (:func:`measurement_id`), or
    None for a reading whose receipt time is its identity (no device time)."""
    f = Fields(
        protocol="ble",
        message_id=message_id(raw),
        sample_id=sample,
        patient_id=None,
        vendor_code=code,
        raw_value=decimal_text(value) if value is not None else "",
        device_unit=unit,
        status="final" if trusted else "preliminary",
        qc=qc,
        flags=flags,
        observed_at=when.replace(tzinfo=profile.zone) if when is not None else None,
        reference_range=None,
        byte_offset=0,
        comments=comments,
    )
    return build_result(f, profile, counter, raw)


def temperature_results(
    profile: DeviceProfile, t: Temperature, raw: bytes, counter: ToleranceCounter, data: bytes
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """``TEMP``, its sample id the measurement's (``data``, the 2A1C value)."""
    site = () if t.site is None else (f"site {TEMPERATURE_TYPES.get(t.site, f'type {t.site}')}",)
    sample = measurement_id(TEMPERATURE_UUID, data)
    result, problem = vital_result(
        profile, raw, counter, "TEMP", t.value, t.unit, t.timestamp, sample=sample, comments=site
    )
    return [result], [problem] if problem is not None else []


def spot_check_results(
    profile: DeviceProfile, s: SpotCheck, raw: bytes, counter: ToleranceCounter, data: bytes
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """``SPO2`` and ``PR``, their sample id the measurement's (``data``, the 2A5E value) but for
    the "data from storage" bit: the same spot-check sent live and again from the oximeter's
    memory is one measurement (a duplicate, as before there was a sample id), never a second,
    held copy linked to whoever is associated when the memory arrives."""
    extra = ("device_clock_not_set",) if s.clock_not_set else ()
    statuses = s.measurement_status + s.sensor_status
    sample = measurement_id(PLX_SPOT_CHECK_UUID, _without_storage_bit(data))
    return _oximeter_results(profile, raw, counter, s.spo2, s.pulse, s.timestamp, statuses, extra, (), sample)


def _without_storage_bit(data: bytes) -> bytes:
    """A 2A5E value with its measurement status's bit 9 (data from measurement storage) cleared."""
    if not data[0] & 0x02:
        return data
    high = (12 if data[0] & 0x01 else 5) + 1  # the status's second byte holds bits 8-15
    return data[:high] + bytes([data[high] & ~0x02]) + data[high + 1 :]


def continuous_results(
    profile: DeviceProfile, c: ContinuousReading, raw: bytes, counter: ToleranceCounter
) -> tuple[list[DeviceResult], list[Quarantine]]:
    averages = []
    for name, pair in (("fast", c.fast), ("slow", c.slow)):
        if pair is not None:
            shown = ["-" if n is None else decimal_text(n) for n in pair]
            averages.append(f"{name} SpO2 {shown[0]} %, pulse {shown[1]} /min")
    statuses = c.measurement_status + c.sensor_status
    # no device time: the receipt time tells readings apart, and no sample id is needed
    return _oximeter_results(
        profile, raw, counter, c.spo2, c.pulse, None, statuses, (), tuple(averages), None
    )


def _oximeter_results(
    profile: DeviceProfile,
    raw: bytes,
    counter: ToleranceCounter,
    spo2: Number | None,
    pulse: Number | None,
    when: datetime | None,
    statuses: tuple[str, ...],
    extra_flags: tuple[str, ...],
    comments: tuple[str, ...],
    sample: str | None,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """SpO2 and pulse rate of one oximeter reading: QC for demonstration or test data, held
    (``preliminary``, with the statuses that hold it in a comment) for an untrustworthy one."""
    flags = tuple(f"plx:{name}" for name in statuses) + extra_flags
    holding = [name for name in statuses if name in UNTRUSTWORTHY]
    if holding:
        comments = (*comments, f"held by the oximeter's status: {', '.join(holding)}")
    qc = bool(QC_STATUS & set(statuses))
    results, problems = [], []
    for code, value, unit in (("SPO2", spo2, "%"), ("PR", pulse, "/min")):
        result, problem = vital_result(
            profile,
            raw,
            counter,
            code,
            value,
            unit,
            when,
            sample=sample,
            flags=flags,
            trusted=not holding,
            qc=qc,
            comments=comments,
        )
        results.append(result)
        if problem is not None:
            problems.append(problem)
    return results, problems
