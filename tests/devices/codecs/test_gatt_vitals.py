"""Bluetooth LE Health Thermometer 0x2A1C (32-bit FLOAT), PLX Spot-check 0x2A5E and PLX Continuous
0x2A5F (checklist item 26): every flag combination, units to triage, FLOAT/SFLOAT specials -> missing, oximeter status
bits -> QC or held, truncated bytes -> a clear error, random bytes never crash."""

from __future__ import annotations

import itertools
import struct
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.codecs.gatt_lines import value_line
from devices.codecs.gatt_records import decode_message
from devices.codecs.gatt_vitals import decode_continuous, decode_spot_check, decode_temperature
from devices.errors import CodecError
from devices.profile import load_profile
from devices.results import NO_VALUE
from tests.devices.ble.meter import date_time, sfloat_bits
from triage.intake import IntakeRefused, observation_from_result

THERMOMETER = load_profile("ble-thermometer")
OXIMETER = load_profile("ble-pulse_oximeter")
CONTINUOUS = load_profile("ble-pulse_oximeter_continuous")
WHEN = datetime(2026, 11, 20, 9, 15)


def float32(mantissa: int, exponent: int) -> int:
    return ((exponent & 0xFF) << 24) | (mantissa & 0xFFFFFF)


def temperature(flags: int, raw: int = float32(3712, -2)) -> bytes:
    data = bytes([flags]) + struct.pack("<I", raw)
    if flags & 0x02:
        data += date_time(WHEN)
    if flags & 0x04:
        data += b"\x06"  # mouth
    return data


def spot_check(
    flags: int,
    spo2: int = sfloat_bits(97, 0),
    pr: int = sfloat_bits(72, 0),
    *,
    status: int = 0,
    sensor: int = 0,
) -> bytes:
    data = bytes([flags]) + struct.pack("<HH", spo2, pr)
    if flags & 0x01:
        data += date_time(WHEN)
    if flags & 0x02:
        data += struct.pack("<H", status)
    if flags & 0x04:
        data += sensor.to_bytes(3, "little")
    if flags & 0x08:
        data += struct.pack("<H", sfloat_bits(45, -1))
    return data


def continuous(
    flags: int,
    spo2: int = sfloat_bits(96, 0),
    pr: int = sfloat_bits(81, 0),
    *,
    status: int = 0,
    sensor: int = 0,
    amplitude: int = sfloat_bits(32, -1),
) -> bytes:
    """A 0x2A5F value: Normal SpO2/PR, then the Fast (95/84) and Slow (97/79) pairs, the statuses
    and the pulse amplitude index as ``flags`` announce them."""
    data = bytes([flags]) + struct.pack("<HH", spo2, pr)
    if flags & 0x01:
        data += struct.pack("<HH", sfloat_bits(95, 0), sfloat_bits(84, 0))
    if flags & 0x02:
        data += struct.pack("<HH", sfloat_bits(97, 0), sfloat_bits(79, 0))
    if flags & 0x04:
        data += struct.pack("<H", status)
    if flags & 0x08:
        data += sensor.to_bytes(3, "little")
    if flags & 0x10:
        data += struct.pack("<H", amplitude)
    return data


@pytest.mark.parametrize("flags", range(8))
def test_every_thermometer_flag_combination_reads_the_right_fields(flags: int) -> None:
    t = decode_temperature(temperature(flags))
    assert t.value == (3712, -2) and t.unit == ("[degF]" if flags & 1 else "Cel")
    assert t.timestamp == (WHEN if flags & 2 else None) and t.site == (6 if flags & 4 else None)


def test_temperature_reaches_triage_in_celsius_and_float_specials_are_missing() -> None:
    (c,), _ = decode_message(THERMOMETER, value_line("2a1c", temperature(0x06)))
    assert (c.code, c.value, c.unit) == ("temperature", "37.12", "Cel") and "site mouth" in c.comments
    (f,), _ = decode_message(THERMOMETER, value_line("2a1c", temperature(0x03, float32(1004, -1))))
    assert observation_from_result(f).value == pytest.approx(38.0, abs=0.01)  # 100.4 degF
    for special in (0x007FFFFF, 0x00800000, 0x007FFFFE, 0x00800002, 0x00800001):
        (r,), _ = decode_message(THERMOMETER, value_line("2a1c", temperature(0x02, special)))
        assert r.value == "" and NO_VALUE in r.flags


@pytest.mark.parametrize(
    "flags", [sum(b) for n in range(6) for b in itertools.combinations([1, 2, 4, 8, 16], n)]
)
def test_every_spot_check_flag_combination_reads_the_right_fields(flags: int) -> None:
    s = decode_spot_check(spot_check(flags, status=1 << 7, sensor=1 << 5))
    assert (s.spo2, s.pulse) == ((97, 0), (72, 0))
    assert s.timestamp == (WHEN if flags & 1 and not flags & 16 else None)
    assert s.measurement_status == (("validated_data",) if flags & 2 else ())
    assert s.sensor_status == (("low_perfusion",) if flags & 4 else ())
    assert s.clock_not_set == bool(flags & 16)


def test_spot_check_status_makes_results_qc_or_held() -> None:
    ok, _ = decode_message(OXIMETER, value_line("2a5e", spot_check(0x03, status=1 << 7)))
    assert [(r.code, r.value, r.status, r.qc) for r in ok] == [
        ("spo2", "97", "final", False),
        ("heart_rate", "72", "final", False),
    ]
    demo, _ = decode_message(OXIMETER, value_line("2a5e", spot_check(0x03, status=1 << 10)))
    assert all(r.qc for r in demo)
    with pytest.raises(IntakeRefused, match="quality-control"):
        observation_from_result(demo[0])
    # invalid, from the oximeter's storage, low perfusion, off the finger
    for status, sensor in [(1 << 15, 0), (1 << 9, 0), (0, 1 << 5), (0, 1 << 11)]:
        held, _ = decode_message(OXIMETER, value_line("2a5e", spot_check(0x07, status=status, sensor=sensor)))
        assert {r.status for r in held} == {"preliminary"}
    missing, _ = decode_message(OXIMETER, value_line("2a5e", spot_check(0x00, spo2=0x07FF)))
    assert missing[0].value == "" and NO_VALUE in missing[0].flags


@pytest.mark.parametrize("flags", range(32))
def test_every_continuous_flag_combination_reads_the_right_fields(flags: int) -> None:
    c = decode_continuous(continuous(flags, status=1 << 7, sensor=1 << 5))
    assert (c.spo2, c.pulse) == ((96, 0), (81, 0))
    assert c.fast == (((95, 0), (84, 0)) if flags & 1 else None)
    assert c.slow == (((97, 0), (79, 0)) if flags & 2 else None)
    assert c.measurement_status == (("validated_data",) if flags & 4 else ())
    assert c.sensor_status == (("low_perfusion",) if flags & 8 else ())
    assert c.pulse_amplitude == ((32, -1) if flags & 16 else None)


def test_continuous_readings_reach_triage_without_a_device_time() -> None:
    results, problems = decode_message(CONTINUOUS, value_line("2a5f", continuous(0x17, status=1 << 7)))
    assert problems == []
    assert [(r.code, r.value, r.unit, r.status, r.qc, r.observed_at) for r in results] == [
        ("spo2", "96", "%", "final", False, None),  # no time stamp: the receipt time is its time
        ("heart_rate", "81", "/min", "final", False, None),
    ]
    assert "fast SpO2 95 %, pulse 84 /min" in results[0].comments
    assert "slow SpO2 97 %, pulse 79 /min" in results[0].comments
    received = datetime(2026, 11, 20, 9, 16, tzinfo=UTC)
    assert observation_from_result(results[0], received_at=received).observed_at == received


def test_continuous_status_makes_results_qc_or_held_with_the_reason() -> None:
    # still settling (ongoing, early estimate), off the finger, disconnected, low perfusion
    for status, sensor, reason in [
        (1 << 5, 0, "measurement_ongoing"),
        (1 << 6, 0, "early_estimated_data"),
        (0, 1 << 11, "sensor_unconnected_to_user"),
        (0, 1 << 15, "sensor_disconnected"),
        (1 << 7, 1 << 5, "low_perfusion"),
    ]:
        held, _ = decode_message(
            CONTINUOUS, value_line("2a5f", continuous(0x0C, status=status, sensor=sensor))
        )
        assert {r.status for r in held} == {"preliminary"}
        assert f"held by the oximeter's status: {reason}" in held[0].comments
        assert f"plx:{reason}" in held[0].flags
    demo, _ = decode_message(CONTINUOUS, value_line("2a5f", continuous(0x04, status=1 << 11)))
    assert all(r.qc for r in demo)
    gap, _ = decode_message(CONTINUOUS, value_line("2a5f", continuous(0x00, spo2=0x07FF, pr=0x07FF)))
    assert [(r.value, NO_VALUE in r.flags) for r in gap] == [("", True), ("", True)]


def test_a_reading_is_close_to_another_unless_a_value_moved_a_step_or_a_status_changed() -> None:
    base = decode_continuous(continuous(0x10, amplitude=sfloat_bits(32, -1)))

    def close(**changes: int) -> bool:
        flags = 0x18 if "sensor" in changes else 0x10
        return decode_continuous(continuous(flags, **changes)).close_to(base, 1, 5)

    assert close(amplitude=sfloat_bits(41, -1))  # the pulse amplitude index moves with every beat
    assert close(pr=sfloat_bits(85, 0)) and not close(pr=sfloat_bits(86, 0))  # 81 -> 85 / 86 /min
    assert close(pr=sfloat_bits(77, 0)) and not close(pr=sfloat_bits(76, 0))
    assert not close(spo2=sfloat_bits(95, 0))  # any whole-percent change of SpO2 (step 1)
    assert close(spo2=sfloat_bits(963, -1))  # 96.3 % against 96 %
    assert not close(spo2=0x07FF)  # a value disappearing
    assert not close(sensor=1 << 15)  # the sensor disconnected


def test_truncated_vitals_name_the_field_and_offset() -> None:
    with pytest.raises(CodecError, match="temperature value at byte 1 needs 4 byte"):
        decode_temperature(b"\x00\x01\x02")
    with pytest.raises(CodecError, match="PLX device and sensor status at byte 5 needs 3 byte"):
        decode_spot_check(spot_check(0x04)[:-1])
    with pytest.raises(CodecError, match=r"PLX SpO2 \(slow\) at byte 5 needs 2 byte"):
        decode_continuous(continuous(0x02)[:6])
    with pytest.raises(CodecError, match="PLX pulse amplitude index at byte 9 needs 2 byte"):
        decode_continuous(continuous(0x11)[:-1])
    (problem,) = decode_message(CONTINUOUS, value_line("2a5f", b"\x00\x60"))[1]
    assert problem.reason == "unparseable_message" and "PLX SpO2 at byte 1" in problem.detail
    with pytest.raises(CodecError, match="announce 6 bytes, got 7"):
        decode_temperature(temperature(0x04) + b"\x00")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=30))
def test_random_bytes_never_crash_the_vitals_codecs(data: bytes) -> None:
    for decode in (decode_temperature, decode_spot_check, decode_continuous):
        try:
            decode(data)
        except CodecError:
            continue
    for uuid, profile in (("2a1c", THERMOMETER), ("2a5e", OXIMETER), ("2a5f", CONTINUOUS)):
        results, problems = decode_message(profile, value_line(uuid, data))
        assert results or problems


def test_a_records_results_and_problems_carry_its_place_in_the_capture() -> None:
    for profile, uuid, value in [
        (THERMOMETER, "2a1c", temperature(0x02)),
        (OXIMETER, "2a5e", spot_check(0x01)),
        (CONTINUOUS, "2a5f", continuous(0x00)),
    ]:
        results, _ = decode_message(profile, value_line(uuid, value), base_offset=120)
        assert {r.byte_offset for r in results} == {120}, uuid
    # a blood-pressure record the codec cannot read: quarantined at the record's place, not byte 0
    _, (problem,) = decode_message(
        load_profile("ble-bp_monitor"), value_line("2a35", b"\x00\x01"), base_offset=77
    )
    assert (problem.reason, problem.byte_offset) == ("unparseable_message", 77)
